//! terraform: the subcommands that only read, and the reads that print sensitive values.

use super::model::{Call, Model, Program, kind};

/// The room's entries.
pub(crate) const PROGRAMS: &[Program] = &[Program {
    names: &["terraform"],
    kind: kind::READONLY | kind::MUTATING | kind::CODE_CAPABLE,
    model: Some(model),
    dangers: Some(dangers),
    ..Program::NONE
}];

/// `terraform destroy -auto-approve` (or `apply -destroy -auto-approve`) destroys the
/// infrastructure with no plan for anyone to see.
fn dangers(call: &Call<'_>, out: &mut Vec<recourse_policy::Reason>) {
    let has = |f: &str| {
        call.args
            .iter()
            .any(|w| w.text.trim_start_matches('-') == f)
    };
    let destroy = call.args.iter().any(|w| w.text == "destroy") || has("destroy");
    if destroy && has("auto-approve") {
        super::model::block(
            out,
            "shell.builtin.cluster_delete",
            "terraform destroys the infrastructure without a reviewed plan".into(),
        );
    }
}

fn model(call: &Call<'_>) -> Model {
    let args = call.args;
    let ops: Vec<&str> = args
        .iter()
        .map(|w| w.text.as_str())
        .filter(|t| !t.starts_with('-'))
        .collect();
    match ops.first().copied() {
        // -json (show, output) and -raw (output) print sensitive values in clear.
        Some("show" | "output")
            if args.iter().any(|w| {
                let t = w.text.trim_start_matches('-');
                t == "json" || t == "raw" || t.starts_with("json=") || t.starts_with("raw=")
            }) =>
        {
            Model::Mutating("terraform show/output -json/-raw prints sensitive values in clear")
        }
        None | Some("version") | Some("validate") | Some("show") | Some("providers")
        | Some("output") | Some("graph") => Model::ReadOnly,
        Some("fmt") => {
            let check = args
                .iter()
                .any(|w| w.text == "-check" || w.text == "-write=false" || w.text == "--check");
            if check {
                Model::ReadOnly
            } else {
                Model::Mutating("terraform fmt rewrites files (use -check)")
            }
        }
        Some("state") if matches!(ops.get(1).copied(), Some("list") | Some("show")) => {
            Model::ReadOnly
        }
        Some("workspace") if matches!(ops.get(1).copied(), Some("show" | "list")) => {
            Model::ReadOnly
        }
        Some(_) => Model::Mutating("not a read-only terraform command"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::OptSpec;
    use crate::syntax::Word;

    fn model_of(cmd: &str) -> Model {
        let words: Vec<Word> = cmd.split_whitespace().map(Word::literal).collect();
        model(&Call::new("terraform", &words, &OptSpec::NONE))
    }

    #[test]
    fn read_only_subcommands() {
        for ok in [
            "validate",
            "show",
            "fmt -check",
            "state list",
            "version",
            "output",
        ] {
            assert_eq!(model_of(ok), Model::ReadOnly, "{ok}");
        }
        for bad in [
            "apply",
            "fmt",
            "show -json",
            "output -raw x",
            "state rm x",
            "destroy",
        ] {
            assert!(matches!(model_of(bad), Model::Mutating(_)), "{bad}");
        }
    }
}
