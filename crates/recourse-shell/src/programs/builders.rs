//! Build tools, package managers, cloud CLIs and archivers: they run code from the project or
//! the network as part of their normal work (recipes, build scripts, install hooks), so none is
//! read-only; under a privilege wrapper each is as dangerous as a shell.

use crate::args::{OptSpec, Parsed};

use super::model::{Call, Model, Program, always, kind};

const MC: u32 = kind::MUTATING | kind::CODE_CAPABLE;

/// The room's entries.
pub(crate) const PROGRAMS: &[Program] = &[
    Program::of(
        &[
            "make", "cargo", "apt", "apt-get", "dnf", "yum", "brew", "unzip", "service",
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
        ..Program::NONE
    },
    Program::of(&["aws", "gcloud", "az"], MC | kind::SENDS),
    Program::of(&["gsutil", "rclone"], kind::CODE_CAPABLE | kind::SENDS),
    Program {
        names: &["tar"],
        kind: MC,
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
        kind: kind::MUTATING,
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

/// `npm ls`: reads `node_modules`.
fn npm(call: &Call<'_>) -> Model {
    match call.first_plain() {
        Some("ls" | "list" | "ll" | "la") => Model::ReadOnly,
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
