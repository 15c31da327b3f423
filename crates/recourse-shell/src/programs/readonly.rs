//! Programs read-only in every invocation their model allows, with the one-screen models (sort,
//! uniq, date, jq, helm, systemctl, …), the decoders, and the reads that reach credentials
//! (recursive grep over a home, `printenv`).

use recourse_policy::Reason;

use crate::args::{OptSpec, Parsed};
use crate::credentials::is_credential_ancestor;

use super::model::{Call, Model, Program, always, escalate, kind};

const RO: u32 = kind::READONLY;

/// The room's entries.
pub(crate) const PROGRAMS: &[Program] = &[
    Program::of(
        &[
            "cat",
            "head",
            "tail",
            "wc",
            "whoami",
            "id",
            "uname",
            "basename",
            "dirname",
            "df",
            "cut",
            "tr",
            "nl",
            "tac",
            "rev",
            "column",
            "fold",
            "fmt",
            "expand",
            "unexpand",
            "paste",
            "join",
            "comm",
            "od",
            "hexdump",
            "strings",
            "md5sum",
            "sha1sum",
            "sha256sum",
            "sha512sum",
            "cksum",
            "b2sum",
            "seq",
            "sleep",
            "which",
            "whereis",
            "cmp",
            "uptime",
            "free",
            "groups",
            "locale",
            "nproc",
            "arch",
            "tty",
            "lsblk",
            "lscpu",
            "cal",
        ],
        RO,
    ),
    Program::of(
        &["ls", "du", "realpath", "readlink", "stat"],
        RO | kind::PRINTS_NAMES,
    ),
    Program::of(
        &["echo", "printf"],
        RO | kind::TEXT_ONLY | kind::PRINTS_NAMES,
    ),
    Program {
        names: &["grep", "egrep", "fgrep"],
        kind: RO | kind::PATTERN_FIRST,
        options: GREP_OPTIONS,
        dangers: Some(recursive_read),
        ..Program::NONE
    },
    Program {
        names: &["zgrep"],
        options: GREP_OPTIONS,
        dangers: Some(recursive_read),
        ..Program::NONE
    },
    Program::of(&["rg"], kind::PATTERN_FIRST),
    Program {
        names: &["diff"],
        kind: RO,
        options: OptSpec::new("xXSIFL", &["exclude", "exclude-from"]),
        dangers: Some(recursive_read),
        ..Program::NONE
    },
    Program {
        names: &["sort"],
        kind: RO,
        model: Some(sort),
        ..Program::NONE
    },
    Program {
        names: &["uniq"],
        kind: RO,
        options: OptSpec::new("fsw", &[]),
        model: Some(second_operand_written),
        ..Program::NONE
    },
    Program {
        names: &["xxd"],
        kind: RO,
        options: OptSpec::new("lcsgon", &[]),
        model: Some(second_operand_written),
        decodes: Some(xxd_reverts),
        ..Program::NONE
    },
    Program {
        names: &["tree"],
        kind: RO | kind::PRINTS_NAMES,
        model: Some(tree),
        ..Program::NONE
    },
    Program {
        names: &["file"],
        kind: RO,
        model: Some(file),
        ..Program::NONE
    },
    Program {
        names: &["date"],
        kind: RO,
        model: Some(date),
        ..Program::NONE
    },
    Program {
        names: &["hostname"],
        kind: RO,
        model: Some(hostname),
        ..Program::NONE
    },
    Program {
        names: &["jq", "yq"],
        kind: RO | kind::PATTERN_FIRST,
        model: Some(jq),
        dumps_env: Some(jq_env),
        ..Program::NONE
    },
    Program {
        names: &["gojq", "jaq"],
        kind: kind::PATTERN_FIRST,
        dumps_env: Some(jq_env),
        ..Program::NONE
    },
    Program {
        names: &["printenv"],
        kind: RO,
        dumps_env: Some(always),
        ..Program::NONE
    },
    Program {
        names: &["ps"],
        kind: RO,
        dumps_env: Some(ps_env),
        ..Program::NONE
    },
    Program {
        names: &["base64"],
        kind: RO,
        decodes: Some(base64_decodes),
        ..Program::NONE
    },
    Program {
        names: &["base32", "basenc"],
        decodes: Some(base64_decodes),
        ..Program::NONE
    },
    Program {
        names: &["zcat"],
        kind: RO,
        decodes: Some(always),
        ..Program::NONE
    },
    Program {
        names: &["helm"],
        kind: RO | kind::MUTATING | kind::CODE_CAPABLE,
        options: OptSpec::new("n", &["namespace", "kube-context"]),
        model: Some(helm),
        ..Program::NONE
    },
    Program {
        names: &["systemctl"],
        kind: RO | kind::MUTATING | kind::CODE_CAPABLE,
        model: Some(systemctl),
        ..Program::NONE
    },
];

const GREP_OPTIONS: OptSpec = OptSpec::new(
    "efmABCdDX",
    &["regexp", "file", "directories", "devices", "max-count"],
);

/// `grep -r x ~`, `diff -r ~ /tmp/empty`: reading every file under a home or system root reads
/// the credentials too.
fn recursive_read(call: &Call<'_>, out: &mut Vec<Reason>) {
    let (prog, g) = (call.prog, &call.opts);
    let grep = prog != "diff";
    let recursive = if grep {
        g.has_short('r')
            || g.has_short('R')
            || g.has_long("recursive")
            || g.has_long("dereference-recursive")
            || g.value(Some('d'), Some("directories")) == Some("recurse")
    } else {
        g.has_short('r') || g.has_long("recursive")
    };
    // grep's first operand is the pattern unless one came with -e/-f.
    let pattern_given =
        g.value(Some('e'), Some("regexp")).is_some() || g.value(Some('f'), Some("file")).is_some();
    let skip = usize::from(grep && !pattern_given);
    if recursive
        && let Some(t) = call
            .operands()
            .skip(skip)
            .find(|t| is_credential_ancestor(t))
    {
        escalate(
            out,
            "shell.builtin.credential_read",
            format!("{prog} -r reads every file under `{t}`, credentials included"),
        );
    }
}

fn generic<'a>(call: &Call<'a>) -> Parsed<'a> {
    crate::args::parse(call.args, &OptSpec::NONE)
}

fn sort(call: &Call<'_>) -> Model {
    let p = generic(call);
    if p.has_short('o') || p.has_long("output") {
        Model::Mutating("sort -o writes a file".into())
    } else if p.has_long("compress-program") {
        Model::RunsCode("sort --compress-program runs a program".into())
    } else {
        Model::ReadOnly
    }
}

fn second_operand_written(call: &Call<'_>) -> Model {
    if call.opts.operands.len() >= 2 {
        Model::Mutating(format!(
            "{} with two file operands writes the second",
            call.prog
        ))
    } else {
        Model::ReadOnly
    }
}

fn tree(call: &Call<'_>) -> Model {
    if generic(call).has_short('o') {
        Model::Mutating("tree -o writes a file".into())
    } else {
        Model::ReadOnly
    }
}

fn file(call: &Call<'_>) -> Model {
    let p = generic(call);
    if p.has_short('C') || p.has_long("compile") {
        Model::Mutating("file -C writes a compiled magic file".into())
    } else {
        Model::ReadOnly
    }
}

fn date(call: &Call<'_>) -> Model {
    let p = generic(call);
    if p.has_short('s') || p.has_long("set") {
        Model::Mutating("date -s sets the clock".into())
    } else {
        Model::ReadOnly
    }
}

fn hostname(call: &Call<'_>) -> Model {
    let p = generic(call);
    if call.args.iter().any(|w| !w.text.starts_with('-')) || p.has_short('F') || p.has_long("file")
    {
        Model::Mutating("hostname NAME sets the host name".into())
    } else {
        Model::ReadOnly
    }
}

fn jq(call: &Call<'_>) -> Model {
    let p = &call.opts;
    if p.has_short('i') || p.has_long("inplace") || p.has_long("in-place") {
        return Model::Mutating(format!("{} -i edits files in place", call.prog));
    }
    Model::ReadOnly
}

fn helm(call: &Call<'_>) -> Model {
    match call.first_plain() {
        Some(
            "list" | "ls" | "status" | "history" | "get" | "show" | "search" | "version"
            | "template" | "lint",
        ) => Model::ReadOnly,
        _ => Model::Mutating("not a read-only helm command".into()),
    }
}

fn systemctl(call: &Call<'_>) -> Model {
    match call.first_plain() {
        Some("is-active" | "is-enabled" | "is-failed") => Model::ReadOnly,
        // These page their output through `less` (shell escapes) unless told not to.
        None
        | Some("status" | "show" | "list-units" | "list-unit-files" | "list-timers" | "cat") => {
            if call.args.iter().any(|w| w.text == "--no-pager") {
                Model::ReadOnly
            } else {
                Model::RunsCode("systemctl pages its output through less, which has shell escapes (use --no-pager)".into())
            }
        }
        Some("edit") => Model::RunsCode("systemctl edit runs an editor".into()),
        Some(s) => Model::Mutating(format!("systemctl {s} changes services")),
    }
}

fn jq_env(call: &Call<'_>) -> bool {
    call.args.iter().any(|w| mentions_env_builtin(&w.text))
}

/// BSD-style `ps e` (no dash) prints every process's environment.
fn ps_env(call: &Call<'_>) -> bool {
    call.args
        .iter()
        .any(|w| !w.text.starts_with('-') && w.text.contains('e'))
}

fn base64_decodes(call: &Call<'_>) -> bool {
    let p = generic(call);
    p.has_short('d') || p.has_short('D') || p.has_long("decode")
}

fn xxd_reverts(call: &Call<'_>) -> bool {
    let p = generic(call);
    p.has_short('r') || p.has_long("revert")
}

/// Whether a jq/yq filter uses the `env`/`$ENV`/`strenv` builtins (field accesses like `.env`
/// do not count).
fn mentions_env_builtin(filter: &str) -> bool {
    if filter.contains("$ENV") || filter.contains("strenv(") {
        return true;
    }
    let b = filter.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    filter.match_indices("env").any(|(i, _)| {
        let before = i.checked_sub(1).and_then(|j| b.get(j)).copied();
        let after = b.get(i + 3).copied();
        before.is_none_or(|c| !word(c) && c != b'.' && c != b'$') && after.is_none_or(|c| !word(c))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::Word;

    fn model_of(prog: &str, f: fn(&Call<'_>) -> Model, spec: OptSpec, cmd: &str) -> Model {
        let words: Vec<Word> = cmd.split_whitespace().map(Word::literal).collect();
        f(&Call::new(prog, &words, &spec))
    }

    #[test]
    fn one_screen_models() {
        let none = OptSpec::NONE;
        assert_eq!(model_of("sort", sort, none, "-rn x"), Model::ReadOnly);
        assert!(matches!(
            model_of("sort", sort, none, "-o out in"),
            Model::Mutating(_)
        ));
        assert!(matches!(
            model_of("sort", sort, none, "--compress-prog=sh in"),
            Model::RunsCode(_)
        ));
        let uniq = OptSpec::new("fsw", &[]);
        assert_eq!(
            model_of("uniq", second_operand_written, uniq, "-c in"),
            Model::ReadOnly
        );
        assert!(matches!(
            model_of("uniq", second_operand_written, uniq, "in out"),
            Model::Mutating(_)
        ));
        assert!(matches!(
            model_of("date", date, none, "-s 2020"),
            Model::Mutating(_)
        ));
        assert!(matches!(
            model_of("hostname", hostname, none, "evil"),
            Model::Mutating(_)
        ));
        assert_eq!(model_of("helm", helm, none, "list -A"), Model::ReadOnly);
        assert!(matches!(
            model_of("systemctl", systemctl, none, "status x"),
            Model::RunsCode(_)
        ));
    }

    #[test]
    fn env_builtins_in_filters() {
        for f in ["env", "$ENV.HOME", "strenv(X)", "env | keys"] {
            assert!(mentions_env_builtin(f), "{f}");
        }
        for f in [".env", ".environment", "$env", ".a.env_x"] {
            assert!(!mentions_env_builtin(f), "{f}");
        }
    }
}
