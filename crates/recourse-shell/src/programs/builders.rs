//! Build tools, package managers, cloud CLIs and archivers: they run code from the project or
//! the network as part of their normal work (recipes, build scripts, install hooks), so none is
//! read-only; under a privilege wrapper each is as dangerous as a shell.

use crate::args::{OptSpec, Parsed};

use super::model::{Call, Program, always, kind};

const MC: u32 = kind::MUTATING | kind::CODE_CAPABLE;

/// The room's entries.
pub(crate) const PROGRAMS: &[Program] = &[
    Program::of(
        &[
            "make", "cargo", "go", "npm", "pip", "pip3", "apt", "apt-get", "dnf", "yum", "brew",
            "unzip", "service",
        ],
        MC,
    ),
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
            "cmake",
            "npx",
            "yarn",
            "pnpm",
            "pipx",
            "gem",
            "bundle",
            "aptitude",
            "dpkg",
            "rpm",
            "zypper",
            "pacman",
            "apk",
            "snap",
            "journalctl",
            "mount",
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

/// The archive `tar -cf FILE` writes (or reads).
fn archive<'a>(call: &Call<'a>) -> Vec<&'a str> {
    call.opts.values_of(Some('f'), Some("file"))
}

fn first_operand<'a>(call: &Call<'a>) -> Vec<&'a str> {
    call.operands().take(1).collect()
}

fn decompresses(call: &Call<'_>) -> bool {
    let p: Parsed<'_> = crate::args::parse(call.args, &OptSpec::NONE);
    p.has_short('d') || p.has_long("decompress")
}
