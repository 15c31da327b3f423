//! Searching: grep and its kin, ripgrep, fd and recursive diff. What they read (every file
//! under a root, credentials included; a pattern that hunts for secrets), what they print, and
//! the filters whose output is a selection of their input's lines.

use recourse_policy::Reason;

use crate::args::OptSpec;
use crate::credentials::is_credential_ancestor;
use crate::syntax::Word;

use super::model::{Call, Model, Program, Runs, Shape, escalate, kind, names};

const RO: u32 = kind::READONLY;

/// The room's entries.
pub(crate) const PROGRAMS: &[Program] = &[
    Program {
        names: &["grep", "egrep", "fgrep"],
        kind: RO | kind::PATTERN_FIRST | kind::CONTENT,
        options: GREP_OPTIONS,
        dangers: Some(recursive_read),
        output: Some(grep_output),
        selects: Some(selects_lines),
        ..Program::NONE
    },
    Program {
        names: &["zgrep"],
        kind: kind::CONTENT,
        options: GREP_OPTIONS,
        dangers: Some(recursive_read),
        ..Program::NONE
    },
    Program {
        names: &["rg"],
        kind: RO | kind::PATTERN_FIRST | kind::CONTENT,
        options: RG_OPTIONS,
        model: Some(rg),
        dangers: Some(recursive_read),
        output: Some(grep_output),
        selects: Some(selects_lines),
        ..Program::NONE
    },
    Program {
        // The silver searcher: recursive by default, like ripgrep.
        names: &["ag"],
        kind: RO | kind::PATTERN_FIRST | kind::CONTENT,
        options: AG_OPTIONS,
        model: Some(ag),
        dangers: Some(recursive_read),
        output: Some(grep_output),
        selects: Some(selects_lines),
        ..Program::NONE
    },
    Program {
        names: &["fd", "fdfind"],
        kind: RO | kind::PRINTS_NAMES,
        options: FD_OPTIONS,
        runs: Runs::FdExec,
        output: Some(names),
        ..Program::NONE
    },
    Program {
        names: &["diff"],
        kind: RO | kind::CONTENT,
        options: OptSpec::new("xXSIFL", &["exclude", "exclude-from"]),
        dangers: Some(recursive_read),
        ..Program::NONE
    },
];

/// The commands `fd -x CMD…` / `fd -X CMD…` run (up to a `;`).
pub(crate) fn fd_commands(args: &[Word]) -> Vec<&[Word]> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(w) = args.get(i) {
        i += 1;
        if matches!(w.text.as_str(), "-x" | "-X" | "--exec" | "--exec-batch") {
            let from = i;
            while args.get(i).is_some_and(|w| w.text != ";") {
                i += 1;
            }
            out.push(args.get(from..i).unwrap_or_default());
        }
    }
    out
}

/// ag's options that take a value.
const AG_OPTIONS: OptSpec = OptSpec::new(
    "ABCGgmp",
    &[
        "after",
        "before",
        "context",
        "file-search-regex",
        "ignore",
        "ignore-dir",
        "max-count",
        "depth",
        "pager",
        "path-to-ignore",
        "workers",
    ],
);

/// `ag --pager CMD` pipes its output through a program.
fn ag(call: &Call<'_>) -> Model {
    if call.opts.has_long("pager") {
        Model::RunsCode("ag --pager runs a program".into())
    } else {
        Model::ReadOnly
    }
}

/// rg's options that take a value.
const RG_OPTIONS: OptSpec = OptSpec::new(
    "ABCefgEjmMtTr",
    &[
        "regexp",
        "file",
        "glob",
        "iglob",
        "type",
        "type-not",
        "type-add",
        "max-count",
        "max-depth",
        "pre",
        "pre-glob",
        "hostname-bin",
        "replace",
        "encoding",
        "sort",
        "sortr",
        "context",
        "after-context",
        "before-context",
        "threads",
        "max-filesize",
        "ignore-file",
        "colors",
        "path-separator",
    ],
);

/// fd's options that take a value (`-x`/`-X` take the rest of the line).
const FD_OPTIONS: OptSpec = OptSpec::new(
    "edEtSjcd",
    &[
        "extension",
        "exclude",
        "type",
        "size",
        "threads",
        "max-depth",
        "min-depth",
        "exact-depth",
        "changed-within",
        "changed-before",
        "owner",
        "ignore-file",
        "color",
        "base-directory",
        "search-path",
        "path-separator",
        "max-results",
    ],
);

const GREP_OPTIONS: OptSpec = OptSpec::new(
    "efmABCdDX",
    &["regexp", "file", "directories", "devices", "max-count"],
);

/// `grep -r x ~`, `diff -r ~ /tmp/empty`: reading every file under a home or system root reads
/// the credentials too.
fn recursive_read(call: &Call<'_>, out: &mut Vec<Reason>) {
    let (prog, g) = (call.prog, &call.opts);
    let grep = prog != "diff";
    let recursive = if prog == "rg" || prog == "ag" {
        // ripgrep searches directories recursively unless told otherwise; its `-r` replaces.
        true
    } else if grep {
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
    let patterns = g
        .values_of(Some('e'), Some("regexp"))
        .into_iter()
        .chain(call.operands().take(usize::from(grep && !pattern_given)));
    if grep
        && recursive
        && let Some(p) = patterns.into_iter().find(|p| hunts_credentials(p))
    {
        escalate(
            out,
            "shell.builtin.credential_read",
            format!("{prog} searches every file for credentials (`{p}`)"),
        );
    }
}

/// Whether a search pattern hunts for credentials (`password`, `AKIA…` key ids, private key
/// headers) rather than for code: searching a tree for it prints the secrets it finds.
fn hunts_credentials(pattern: &str) -> bool {
    let p = pattern.to_ascii_uppercase().replace(['-', ' '], "_");
    [
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "API_KEY",
        "APIKEY",
        "PRIVATE_KEY",
        "AKIA",
        "ACCESS_KEY",
        "CREDENTIAL",
        "BEGIN_RSA",
        "BEGIN_OPENSSH",
        "AUTH_TOKEN",
    ]
    .iter()
    .any(|n| p.contains(n))
}

/// Reading only its input (no file operand but `-`), it prints some of the input's lines as
/// they are. Cutting bytes or matches out of lines (`head -c`, `grep -o`) makes new text.
pub(crate) fn selects_lines(call: &Call<'_>) -> bool {
    let spec = match call.prog {
        "head" | "tail" => OptSpec::new("nc", &["lines", "bytes"]),
        "sort" => OptSpec::new(
            "kotST",
            &[
                "key",
                "output",
                "field-separator",
                "buffer-size",
                "temporary-directory",
            ],
        ),
        "uniq" => OptSpec::new("fsw", &[]),
        "rg" => RG_OPTIONS,
        p if p.ends_with("grep") => GREP_OPTIONS,
        _ => OptSpec::NONE,
    };
    let p = crate::args::parse(call.args, &spec);
    let pattern = call.prog.ends_with("grep") || call.prog == "rg";
    let pattern_operand = pattern
        && p.values_of(Some('e'), Some("regexp")).is_empty()
        && p.values_of(Some('f'), Some("file")).is_empty();
    let files = p
        .operands
        .iter()
        .skip(usize::from(pattern_operand))
        .any(|w| w.text != "-");
    let cuts = p.has_short('c') && call.prog != "uniq" && !pattern
        || p.has_long("bytes")
        || p.has_short('o') && pattern
        || p.has_long("only-matching")
        || p.has_long("files0-from")
        || p.has_short('r') && pattern
        || p.has_short('R')
        || p.has_long("recursive")
        || p.has_long("replace");
    !files && !cuts
}

/// `rg --pre CMD` runs a program on every file; `--hostname-bin` runs one for hyperlinks.
fn rg(call: &Call<'_>) -> Model {
    match ["pre", "hostname-bin"]
        .iter()
        .find(|l| call.opts.has_long(l))
    {
        Some(l) => Model::RunsCode(format!("rg --{l} runs a program")),
        None => Model::ReadOnly,
    }
}

/// `grep -l`, `rg --files`: file names; otherwise matching lines (content).
fn grep_output(call: &Call<'_>) -> Shape {
    let p = &call.opts;
    let names = p.has_short('l')
        || p.has_short('L')
        || p.has_long("files-with-matches")
        || p.has_long("files-without-match")
        || (call.prog == "rg" && p.has_long("files"));
    if names { Shape::Names } else { Shape::Content }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recursive_searches_for_credentials() {
        let found = |prog: &str, cmd: &str| {
            let words: Vec<Word> = cmd.split_whitespace().map(Word::literal).collect();
            let spec = if prog == "rg" {
                RG_OPTIONS
            } else {
                GREP_OPTIONS
            };
            let mut out = Vec::new();
            recursive_read(&Call::new(prog, &words, &spec), &mut out);
            !out.is_empty()
        };
        for (prog, cmd) in [
            ("grep", "-r API_KEY ."),
            ("grep", "-rni -e password src"),
            ("rg", "-i aws_secret"),
            ("rg", "foo ~"),
            ("grep", "-R x /"),
        ] {
            assert!(found(prog, cmd), "{prog} {cmd}");
        }
        for (prog, cmd) in [
            ("grep", "-rn TODO ."),
            ("grep", "-i password config.example"),
            ("rg", "-l tokenize src"),
            ("rg", "-r x foo src"),
        ] {
            assert!(!found(prog, cmd), "{prog} {cmd}");
        }
    }

    #[test]
    fn filters_that_select_input_lines() {
        let sel = |prog: &str, cmd: &str| {
            let words: Vec<Word> = cmd.split_whitespace().map(Word::literal).collect();
            selects_lines(&Call::new(prog, &words, &OptSpec::NONE))
        };
        for (prog, args) in [
            ("head", "-n 1"),
            ("head", "-1"),
            ("tail", "-n +2 -"),
            ("sort", "-u -k 2"),
            ("uniq", "-c"),
            ("grep", "-v x"),
            ("grep", "-e x -e y"),
            ("rg", "-n foo"),
            ("cat", ""),
        ] {
            assert!(sel(prog, args), "{prog} {args}");
        }
        for (prog, args) in [
            ("head", "-n 1 file"),
            ("head", "-c 3"),
            ("grep", "-o x"),
            ("grep", "-r x"),
            ("grep", "x file"),
            ("rg", "-r y x"),
            ("sort", "--files0-from=f"),
            ("cat", "file"),
        ] {
            assert!(!sel(prog, args), "{prog} {args}");
        }
    }
}
