//! Build tools, package managers, cloud CLIs and archivers: they run code from the project or
//! the network as part of their normal work (recipes, build scripts, install hooks), so only
//! the invocations that list or report (`pip list`, `go version`, `tar -t`, `unzip -l`) are
//! read-only; under a privilege wrapper each is as dangerous as a shell.

use crate::args::{OptSpec, Parsed};

use super::model::{Call, Model, Program, always, kind};

const MC: u32 = kind::MUTATING | kind::CODE_CAPABLE;

/// The room's entries.
pub(crate) const PROGRAMS: &[Program] = &[
    Program::of(
        &[
            "make", "cargo", "apt", "apt-get", "dnf", "yum", "brew", "service",
        ],
        MC,
    ),
    Program {
        names: &["pip", "pip3"],
        kind: kind::READONLY | MC,
        model: Some(pip),
        ..Program::NONE
    },
    Program {
        names: &["npm"],
        kind: kind::READONLY | MC,
        model: Some(npm),
        ..Program::NONE
    },
    Program {
        names: &["go"],
        kind: kind::READONLY | MC,
        model: Some(go),
        output: Some(go_output),
        ..Program::NONE
    },
    Program {
        names: &["unzip"],
        kind: kind::READONLY | MC | kind::CONTENT,
        options: OptSpec::new("dxP", &[]),
        model: Some(unzip),
        ..Program::NONE
    },
    Program::of(&["aws", "gcloud", "az"], MC | kind::SENDS),
    Program::of(&["gsutil", "rclone"], kind::CODE_CAPABLE | kind::SENDS),
    Program {
        names: &["tar"],
        kind: kind::READONLY | MC,
        model: Some(tar),
        options: OptSpec::new(
            "fCTXbgHKLNV",
            &["file", "directory", "files-from", "exclude-from"],
        ),
        writes: Some(archive),
        ..Program::NONE
    },
    Program {
        names: &["zip"],
        kind: MC,
        writes: Some(first_operand),
        ..Program::NONE
    },
    Program::of(
        &[
            "cmake", "npx", "yarn", "pnpm", "pipx", "gem", "bundle", "aptitude", "dpkg", "rpm",
            "zypper", "pacman", "apk", "snap", "mount",
        ],
        kind::CODE_CAPABLE,
    ),
    Program {
        names: &["gunzip"],
        kind: kind::MUTATING,
        decodes: Some(always),
        ..Program::NONE
    },
    Program {
        names: &["gzip"],
        kind: kind::READONLY | kind::MUTATING | kind::CONTENT,
        model: Some(gzip),
        decodes: Some(decompresses),
        ..Program::NONE
    },
    Program {
        names: &["bzip2", "xz", "zstd"],
        decodes: Some(decompresses),
        ..Program::NONE
    },
    Program {
        names: &["uudecode", "bzcat", "xzcat", "unxz", "bunzip2", "zstdcat"],
        decodes: Some(always),
        ..Program::NONE
    },
];

/// `pip list`, `pip freeze`, `pip show PKG`: they read the installed packages.
fn pip(call: &Call<'_>) -> Model {
    match call.first_plain() {
        Some("list" | "freeze" | "show") => Model::ReadOnly,
        _ => Model::RunsCode("pip installs packages, whose build scripts run".into()),
    }
}

/// `npm ls` reads `node_modules`; `npm view`, `npm outdated` and `npm search` read the
/// registry. None runs a package script.
fn npm(call: &Call<'_>) -> Model {
    match call.first_plain() {
        Some(
            "ls" | "list" | "ll" | "la" | "view" | "info" | "show" | "v" | "outdated" | "search"
            | "explain" | "why",
        ) => Model::ReadOnly,
        _ => Model::RunsCode("npm runs package scripts".into()),
    }
}

/// `go version`, `go env` (without `-w`/`-u`).
fn go(call: &Call<'_>) -> Model {
    let writes_env = call.opts.has_short('w') || call.opts.has_short('u');
    match call.first_plain() {
        Some("version") => Model::ReadOnly,
        Some("env") if !writes_env => Model::ReadOnly,
        _ => Model::RunsCode("go builds and runs code, and may download modules".into()),
    }
}

/// `go env VAR` prints a value (a path or a word); the rest print text.
fn go_output(call: &Call<'_>) -> super::model::Shape {
    let mut ops = call.operands();
    if ops.next() == Some("env") && ops.next().is_some() {
        super::model::Shape::Paths
    } else {
        super::model::Shape::Content
    }
}

/// `unzip -l`, `-v`, `-t`, `-Z`, `-p`: list, test or print the members; otherwise it extracts.
fn unzip(call: &Call<'_>) -> Model {
    if ['l', 'v', 't', 'Z', 'p']
        .iter()
        .any(|c| call.opts.has_short(*c))
    {
        Model::ReadOnly
    } else {
        Model::Mutating("unzip extracts files")
    }
}

/// `gzip -l`, `-t`, `-c`: list, test or write to standard output; otherwise it replaces files.
fn gzip(call: &Call<'_>) -> Model {
    let p = &call.opts;
    if ['l', 't', 'c'].iter().any(|c| p.has_short(*c))
        || ["list", "test", "stdout", "to-stdout"]
            .iter()
            .any(|l| p.has_long(l))
    {
        Model::ReadOnly
    } else {
        Model::Mutating("gzip compresses or decompresses files in place")
    }
}

/// `tar -tf x.tar` (or `tar tzf x.tar`): listing is read-only, unless an option runs a program
/// (`--to-command`, `--checkpoint-action`, `-I`, `-F`, `--rsh-command`) or the archive is on a
/// remote host (`host:file`, reached with rsh).
fn tar(call: &Call<'_>) -> Model {
    let p = &call.opts;
    let old_style = call
        .args
        .first()
        .filter(|w| !w.text.starts_with('-') && w.text.chars().all(|c| c.is_ascii_alphabetic()))
        .map_or("", |w| w.text.as_str());
    let short = |c: char| p.has_short(c) || old_style.contains(c);
    let list = short('t') || p.has_long("list");
    let runs = short('I')
        || short('F')
        || [
            "to-command",
            "checkpoint-action",
            "use-compress-program",
            "info-script",
            "new-volume-script",
            "rsh-command",
            "rmt-command",
        ]
        .iter()
        .any(|l| p.has_long(l));
    let other_mode = ['x', 'c', 'r', 'u', 'A', 'd', 'g']
        .iter()
        .any(|c| short(*c))
        || [
            "extract", "get", "create", "append", "update", "catenate", "concatenate", "delete",
            "diff", "compare", "index-file", "volno-file",
        ]
        .iter()
        .any(|l| p.has_long(l))
        // `--list` is itself, not an abbreviation of `--listed-incremental`.
        || p.longs
            .iter()
            .any(|(l, _)| l.len() > 4 && "listed-incremental".starts_with(l));
    let remote = archive(call)
        .iter()
        .any(|f| f.split('/').next().is_some_and(|head| head.contains(':')));
    if runs || remote {
        Model::RunsCode("tar runs a program (a command option or a remote archive)".into())
    } else if list && !other_mode {
        Model::ReadOnly
    } else {
        Model::Mutating("tar creates or extracts archives")
    }
}

/// The archive `tar -cf FILE` (or the old-style `tar cf FILE`) writes or reads.
fn archive<'a>(call: &Call<'a>) -> Vec<&'a str> {
    let mut out = call.opts.values_of(Some('f'), Some("file"));
    // Old style: the first word is a cluster without a dash, and the letters that take a
    // value take the next words in order.
    if let Some((first, rest)) = call.args.split_first()
        && !first.text.starts_with('-')
        && first.text.chars().all(|c| c.is_ascii_alphabetic())
    {
        let takes: Vec<char> = first
            .text
            .chars()
            .filter(|c| "fCTXbgHKLNV".contains(*c))
            .collect();
        if let Some(k) = takes.iter().position(|c| *c == 'f')
            && let Some(w) = rest.get(k)
        {
            out.push(w.text.as_str());
        }
    }
    out
}

fn first_operand<'a>(call: &Call<'a>) -> Vec<&'a str> {
    call.operands().take(1).collect()
}

fn decompresses(call: &Call<'_>) -> bool {
    let p: Parsed<'_> = crate::args::parse(call.args, &OptSpec::NONE);
    p.has_short('d') || p.has_long("decompress")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::Word;

    fn model_of(prog: &str, cmd: &str) -> Model {
        let words: Vec<Word> = cmd.split_whitespace().map(Word::literal).collect();
        let e = PROGRAMS
            .iter()
            .find(|p| p.names.contains(&prog))
            .expect("in the room");
        e.model.expect("has a model")(&Call::new(prog, &words, &e.options))
    }

    #[test]
    fn archives_are_listed_read_only() {
        for (prog, cmd) in [
            ("tar", "-tzf x.tar.gz"),
            ("tar", "tvf x.tar"),
            ("tar", "--list -f x.tar"),
            ("unzip", "-l x.zip"),
            ("unzip", "-p x.zip a.txt"),
            ("gzip", "-l x.gz"),
            ("gzip", "-dc x.gz"),
        ] {
            assert_eq!(model_of(prog, cmd), Model::ReadOnly, "{prog} {cmd}");
        }
        for (prog, cmd) in [
            ("tar", "-xzf x.tar.gz"),
            ("tar", "czf x.tgz src"),
            ("tar", "-tf x.tar --delete a"),
            ("unzip", "x.zip"),
            ("gzip", "x"),
        ] {
            assert!(
                matches!(model_of(prog, cmd), Model::Mutating(_)),
                "{prog} {cmd}"
            );
        }
        for cmd in [
            "-tf x.tar --to-command=sh",
            "-tf x.tar --checkpoint=1 --checkpoint-action=exec=sh",
            "-tf x.tar --to-c=sh",
            "-tf host:x.tar",
            "-t -I sh -f x.tar",
        ] {
            assert!(
                matches!(model_of("tar", cmd), Model::RunsCode(_)),
                "tar {cmd}"
            );
        }
    }

    #[test]
    fn archives_old_and_new_style() {
        for (cmd, want) in [
            ("czf /tmp/k.tgz x", "/tmp/k.tgz"),
            ("-czf out.tgz x", "out.tgz"),
            ("--file=a.tar -c x", "a.tar"),
        ] {
            let words: Vec<Word> = cmd.split_whitespace().map(Word::literal).collect();
            let spec = PROGRAMS
                .iter()
                .find(|p| p.names == ["tar"])
                .map_or(OptSpec::NONE, |p| p.options);
            assert_eq!(archive(&Call::new("tar", &words, &spec)), [want], "{cmd}");
        }
    }
}
