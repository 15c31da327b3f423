//! What the classifier knows about programs, one room per family, behind one table.
//!
//! [`PROGRAMS`] lists the families' entries; [`lookup`] finds a program's entry by its
//! basename. An entry ([`Program`]) carries everything known about the program: its kind bits,
//! which options take values, how it runs other code, its read-only model, the dangers of one
//! invocation, the files it writes. Adding a program means adding one entry in the room of its
//! family, with its tests beside it.
//!
//! The rooms answer questions ("where does the inner command start?", "is this read-only?");
//! they never recurse. `walk.rs` asks them and does the recursion.

mod about;
mod builders;
mod containers;
pub(crate) mod dangers;
pub(crate) mod environment;
pub(crate) mod find;
pub(crate) mod git;
mod interactive;
pub(crate) mod interpreters;
mod kubectl;
pub(crate) mod launch;
pub(crate) mod model;
mod network;
mod readonly;
mod search;
mod sed;
pub(crate) mod shells;
pub(crate) mod subprograms;
mod terraform;
pub(crate) mod wrappers;

use std::sync::OnceLock;

use crate::credentials::{
    is_credential_ancestor, is_credential_path, pattern_may_name_credentials,
};
use crate::syntax::Word;

pub(crate) use about::only_asks;
pub(crate) use model::{Call, Model, Program, Runs, kind};
pub(crate) use search::fd_commands;

/// The program table: every family's entries.
pub(crate) const PROGRAMS: &[&[Program]] = &[
    readonly::PROGRAMS,
    search::PROGRAMS,
    git::PROGRAMS,
    kubectl::PROGRAMS,
    terraform::PROGRAMS,
    sed::PROGRAMS,
    find::PROGRAMS,
    shells::PROGRAMS,
    interpreters::PROGRAMS,
    wrappers::PROGRAMS,
    network::PROGRAMS,
    containers::PROGRAMS,
    builders::PROGRAMS,
    interactive::PROGRAMS,
    dangers::PROGRAMS,
    about::PROGRAMS,
];

/// Directories whose programs may be named by path.
pub(crate) const SYSTEM_DIRS: &[&str] = &[
    "/bin",
    "/usr/bin",
    "/usr/local/bin",
    "/sbin",
    "/usr/sbin",
    "/usr/local/sbin",
];

/// The entry for a program unknown to the table.
static UNKNOWN: Program = Program::NONE;

/// A program's entry, by basename, in one hashed lookup. Names with a version (`python3.12`)
/// or a type suffix (`mkfs.ext4`) find their family's entry.
pub(crate) fn lookup(prog: &str) -> &'static Program {
    static INDEX: OnceLock<crate::hash::FxHashMap<&'static str, &'static Program>> =
        OnceLock::new();
    let index = INDEX.get_or_init(|| {
        PROGRAMS
            .iter()
            .flat_map(|family| family.iter())
            .flat_map(|p| p.names.iter().map(move |n| (*n, p)))
            .collect()
    });
    if let Some(p) = index.get(prog) {
        return p;
    }
    let family =
        interpreters::versioned(prog).or_else(|| prog.strip_prefix("mkfs.").map(|_| "mkfs"));
    family
        .and_then(|f| index.get(f).copied())
        .unwrap_or(&UNKNOWN)
}

/// The programs a glob in command position may run (`/???/?m` → `rm`): every name in the
/// table its last component matches, when its directory part can be a system directory.
pub(crate) fn matching(pattern: &str) -> Vec<&'static str> {
    let (dir, base) = match pattern.rsplit_once('/') {
        Some((d, b)) => (Some(if d.is_empty() { "/" } else { d }), b),
        None => (None, pattern),
    };
    if dir.is_some_and(|d| {
        !SYSTEM_DIRS
            .iter()
            .chain(&["/"])
            .any(|s| d.split('/').count() == s.split('/').count() && crate::glob::glob_match(d, s))
    }) {
        return Vec::new();
    }
    let mut out: Vec<&'static str> = PROGRAMS
        .iter()
        .flat_map(|f| f.iter())
        .flat_map(|p| p.names.iter().copied())
        .filter(|n| crate::glob::glob_match(base, n))
        .collect();
    out.sort_unstable();
    out.truncate(crate::value::MAX_ALTERNATIVES);
    out
}

/// Whether a command's output names files under a home or system root, or credential files,
/// so that a downstream `xargs cat` or `while read f` reads them: `find ~`, `ls -a /root`,
/// `du -a /etc`, `echo ~/.ssh/id_rsa`, `printf '%s\n' ~/.a*/*`.
pub(crate) fn names_secrets(program: &Program, prog: &str, args: &[Word]) -> bool {
    let names = |w: &Word| {
        let t = w.text.as_str();
        is_credential_ancestor(t)
            || is_credential_path(t)
            || ((w.glob || w.brace) && pattern_may_name_credentials(t))
    };
    if prog == "find" {
        find::start_points(args).any(names)
    } else if program.is(kind::PRINTS_NAMES) {
        args.iter().filter(|w| !w.text.starts_with('-')).any(names)
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_has_one_entry() {
        let mut seen = std::collections::HashSet::new();
        for p in PROGRAMS.iter().flat_map(|f| f.iter()) {
            assert!(!p.names.is_empty());
            for n in p.names {
                assert!(seen.insert(*n), "`{n}` has two entries");
            }
        }
    }

    #[test]
    fn lookup_finds_families() {
        assert!(lookup("bash").is(kind::SHELL));
        assert!(matches!(lookup("python3.12").runs, Runs::Interpreter(_)));
        assert!(lookup("mkfs.ext4").flag.is_some());
        assert!(lookup("git").is(kind::READONLY | kind::CODE_CAPABLE));
        assert_eq!(lookup("no-such-program").kind, 0);
    }
}
