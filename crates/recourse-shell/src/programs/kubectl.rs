//! kubectl: read verbs, and the reads that print Secret data in clear.

use recourse_policy::Reason;

use crate::args::OptSpec;

use super::model::{Call, Model, Program, escalate, kind};

/// The room's entries.
pub(crate) const PROGRAMS: &[Program] = &[Program {
    names: &["kubectl"],
    kind: kind::READONLY | kind::MUTATING | kind::CODE_CAPABLE,
    options: OPTIONS,
    model: Some(model),
    dangers: Some(dangers),
    ..Program::NONE
}];

/// kubectl's options that take a value.
const OPTIONS: OptSpec = OptSpec::new(
    "nolcfLs",
    &[
        "namespace",
        "output",
        "selector",
        "context",
        "kubeconfig",
        "cluster",
        "user",
        "field-selector",
        "server",
        "token",
        "template",
        "sort-by",
        "container",
        "since",
        "tail",
    ],
);

/// Whether a kubectl invocation prints Secret data in clear.
fn reveals_secret(call: &Call<'_>) -> bool {
    let p = &call.opts;
    if p.operands.first().map(|w| w.text.as_str()) != Some("get") {
        return false;
    }
    let secret = p.operands.get(1).is_some_and(|w| {
        w.text.split(',').any(|r| {
            // `secrets`, `secret/x`, `secrets.v1.`, `v1/secrets`, `secrets.v1.core`.
            let r = r.to_ascii_lowercase();
            r.split(['/', '.'])
                .any(|part| matches!(part, "secret" | "secrets" | "all"))
        })
    });
    // pflag takes `-o=yaml` as `yaml`.
    let out = p
        .value(Some('o'), Some("output"))
        .unwrap_or("")
        .trim_start_matches('=');
    secret
        && [
            "yaml",
            "json",
            "jsonpath",
            "go-template",
            "template",
            "custom-columns",
        ]
        .iter()
        .any(|o| out.starts_with(o))
}

fn model(call: &Call<'_>) -> Model {
    let p = &call.opts;
    // A kubeconfig can name a credential plugin (`users[].user.exec`) that kubectl runs.
    if p.has_long("kubeconfig") {
        return Model::RunsCode(
            "kubectl --kubeconfig can run the credential plugin a kubeconfig names".into(),
        );
    }
    // `--server`/`-s` sends the credentials to another host; `--raw` reads any API path
    // (secrets included); profiles and logs write files; `-f URL` fetches.
    if [
        "server",
        "raw",
        "profile-output",
        "profile",
        "log-file",
        "token",
        "as",
        "as-group",
    ]
    .iter()
    .any(|l| p.has_long(l))
        || p.has_short('s')
        || p.values_of(Some('f'), Some("filename"))
            .iter()
            .any(|f| f.contains("://"))
    {
        return Model::RunsCode(
            "kubectl --server/--raw/--profile-output/--log-file sends, reads any path or writes"
                .into(),
        );
    }
    let Some(sub) = p.operands.first() else {
        return Model::ReadOnly;
    };
    match sub.text.as_str() {
        "get" if reveals_secret(call) => {
            Model::Mutating("kubectl get secret with -o yaml/json prints secret data")
        }
        "get" => Model::ReadOnly,
        "describe" | "logs" | "explain" | "api-resources" | "api-versions" | "version"
        | "cluster-info" | "top" | "events" => Model::ReadOnly,
        "rollout"
            if matches!(
                p.operands.get(1).map(|w| w.text.as_str()),
                Some("status" | "history")
            ) =>
        {
            Model::ReadOnly
        }
        "auth"
            if matches!(
                p.operands.get(1).map(|w| w.text.as_str()),
                Some("can-i" | "whoami")
            ) =>
        {
            Model::ReadOnly
        }
        "config" => match p.operands.get(1).map(|w| w.text.as_str()) {
            Some("current-context") | Some("get-contexts") | Some("get-clusters") => {
                Model::ReadOnly
            }
            _ => Model::Mutating("kubectl config reads or changes credentials"),
        },
        _ => Model::Mutating("not a read-only kubectl command"),
    }
}

fn dangers(call: &Call<'_>, out: &mut Vec<Reason>) {
    let ops: Vec<&str> = call.operands().collect();
    if ops.first() == Some(&"delete") {
        let namespace = ops.get(1).is_some_and(|r| {
            r.split(',')
                .any(|r| matches!(r.split('/').next(), Some("namespace" | "namespaces" | "ns")))
        });
        let everything = call.opts.has_long("all")
            && (call.opts.has_short('A') || call.opts.has_long("all-namespaces"));
        if namespace || everything {
            crate::programs::model::block(
                out,
                "shell.builtin.cluster_delete",
                "kubectl deletes a namespace or everything in every namespace".into(),
            );
        }
    }
    if reveals_secret(call) {
        escalate(
            out,
            "shell.builtin.secret_read",
            "kubectl prints Secret data in clear".into(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::Word;

    fn call_of(cmd: &str) -> (Vec<Word>, &'static str) {
        (
            cmd.split_whitespace().map(Word::literal).collect(),
            "kubectl",
        )
    }

    #[test]
    fn secrets_in_clear_are_not_read_only() {
        for (cmd, secret) in [
            ("get secret db -o yaml", true),
            ("get secrets -o json", true),
            ("get secret/db -ojsonpath={.data}", true),
            ("get pods -o yaml", false),
            ("get secrets", false),
        ] {
            let (w, p) = call_of(cmd);
            let call = Call::new(p, &w, &OPTIONS);
            assert_eq!(reveals_secret(&call), secret, "{cmd}");
        }
        let (w, p) = call_of("--kubeconfig /tmp/k get pods");
        assert!(matches!(
            model(&Call::new(p, &w, &OPTIONS)),
            Model::RunsCode(_)
        ));
        let (w, p) = call_of("describe pod x -n shop");
        assert_eq!(model(&Call::new(p, &w, &OPTIONS)), Model::ReadOnly);
    }
}
