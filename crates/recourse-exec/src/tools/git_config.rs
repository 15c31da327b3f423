//! Git reads the repository's own configuration, and the agent can write it (with its own
//! editor, unseen by the gateway). A diff driver's `textconv`, `diff.external`, `core.fsmonitor`,
//! `core.pager`, a filter, an alias, an `include` … make even a "read-only" `git diff`, `git
//! log -p` or `git status` run a program of the agent's choosing.
//!
//! So for every command that runs git, the configuration of the repositories it may work in is
//! read here, and every key in it must be one of a short list of keys that only tune git's own
//! behaviour; anything else (or anything that cannot be read or located) is a finding, and the
//! command is decided as one that is not read-only. The bytes checked are bound to the request
//! (an approval covers exactly them) and pinned into the sandbox, so git reads what was checked.

use std::path::{Path, PathBuf};

use recourse_policy::Digest;
use recourse_shell::Part;

/// One configuration file git will read, as checked.
#[derive(Debug, Clone)]
pub(crate) struct ConfigFile {
    pub(crate) path: PathBuf,
    pub(crate) content: Vec<u8>,
    pub(crate) sha256: Digest,
}

/// What checking the repositories' configuration found.
#[derive(Debug, Default)]
pub(crate) struct Checked {
    /// The files read (to bind and pin).
    pub(crate) files: Vec<ConfigFile>,
    /// Why git may run a program: one entry per file or directory.
    pub(crate) findings: Vec<String>,
}

/// Keys that only tune git itself (section.key, or section.*.key for keys in subsections).
/// Everything else is treated as able to run a program.
const INERT: &[&str] = &[
    "core.repositoryformatversion",
    "core.filemode",
    "core.bare",
    "core.logallrefupdates",
    "core.ignorecase",
    "core.precomposeunicode",
    "core.symlinks",
    "core.autocrlf",
    "core.eol",
    "core.safecrlf",
    "core.quotepath",
    "core.abbrev",
    "core.compression",
    "core.checkstat",
    "core.trustctime",
    "core.untrackedcache",
    "core.commitgraph",
    "core.multipackindex",
    "core.sharedrepository",
    "extensions.objectformat",
    "extensions.worktreeconfig",
    "extensions.preciousobjects",
    "extensions.partialclone",
    "remote.*.url",
    "remote.*.pushurl",
    "remote.*.fetch",
    "remote.*.push",
    "remote.*.tagopt",
    "remote.*.prune",
    "remote.*.mirror",
    "remote.*.promisor",
    "remote.*.partialclonefilter",
    "branch.*.remote",
    "branch.*.merge",
    "branch.*.rebase",
    "branch.*.pushremote",
    "branch.*.description",
    "user.name",
    "user.email",
    "init.defaultbranch",
    "pull.rebase",
    "pull.ff",
    "push.default",
    "push.autosetupremote",
    "fetch.prune",
    "log.date",
    "log.decorate",
    "log.abbrevcommit",
    "diff.renames",
    "diff.algorithm",
    "diff.mnemonicprefix",
    "diff.noprefix",
    "diff.context",
    "diff.indentheuristic",
    "diff.colormoved",
    "status.showuntrackedfiles",
    "status.short",
    "status.branch",
    "merge.ff",
    "merge.conflictstyle",
    "gc.auto",
    "index.version",
    "submodule.*.url",
    "submodule.*.path",
    "submodule.*.active",
    "submodule.*.branch",
    "color.ui",
    "advice.detachedhead",
];

/// Whether any part of the command runs git.
pub(crate) fn runs_git(parts: &[Part]) -> bool {
    parts
        .iter()
        .any(|p| p.argv.iter().any(|w| w == "git" || w.ends_with("/git")))
}

/// Checks the configuration of every repository the command's git may work in: the one the
/// working directory is in, and those of directories named literally by `cd`, `pushd` and
/// `git -C`. A directory named by an expansion cannot be checked, which is a finding. Only
/// repositories inside `visible` (the sandbox's writable roots) count: git inside the sandbox
/// cannot see any other, and the agent cannot write any other.
pub(crate) fn check(cwd: &Path, parts: &[Part], visible: &[PathBuf]) -> Checked {
    let mut out = Checked::default();
    let mut dirs = vec![cwd.to_path_buf()];
    for p in parts {
        let named = match p.argv.first().map(String::as_str) {
            Some("cd" | "pushd") => p.argv.get(1).into_iter().collect::<Vec<_>>(),
            _ => p
                .argv
                .windows(2)
                .filter(|w| w[0] == "-C" || w[0] == "--git-dir" || w[0] == "--work-tree")
                .map(|w| &w[1])
                .collect(),
        };
        for d in named {
            if d.contains(['$', '`', '*', '?', '[', '~']) || d == "-" {
                out.findings.push(format!(
                    "git may work in `{d}`, a directory decided when the command runs, whose configuration cannot be checked"
                ));
            } else {
                dirs.push(cwd.join(d));
            }
        }
    }
    let mut seen: Vec<PathBuf> = Vec::new();
    for d in dirs {
        match git_dir(&d) {
            Ok(None) => {}
            Ok(Some(g)) if seen.contains(&g) || !visible.iter().any(|v| g.starts_with(v)) => {}
            Ok(Some(g)) => {
                seen.push(g.clone());
                for f in ["config", "config.worktree"] {
                    read(&g.join(f), &mut out);
                }
                // A linked worktree shares its main repository's configuration.
                if let Ok(common) = std::fs::read_to_string(g.join("commondir")) {
                    read(&g.join(common.trim()).join("config"), &mut out);
                }
            }
            Err(why) => out.findings.push(why),
        }
    }
    out
}

/// The git directory git finds from `dir` (walking up), if any.
fn git_dir(dir: &Path) -> Result<Option<PathBuf>, String> {
    for d in dir.ancestors() {
        let dot = d.join(".git");
        match std::fs::symlink_metadata(&dot) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("{}: {e}", dot.display())),
            Ok(m) if m.is_dir() => return Ok(Some(dot)),
            Ok(_) => {
                // `gitdir: <path>` (a linked worktree or a submodule).
                let text =
                    std::fs::read_to_string(&dot).map_err(|e| format!("{}: {e}", dot.display()))?;
                let Some(target) = text.trim().strip_prefix("gitdir:") else {
                    return Err(format!(
                        "{} is neither a directory nor a `gitdir:` file",
                        dot.display()
                    ));
                };
                let g = d.join(target.trim());
                return Ok(Some(std::fs::canonicalize(&g).unwrap_or(g)));
            }
        }
    }
    Ok(None)
}

fn read(path: &Path, out: &mut Checked) {
    match std::fs::read(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => out
            .findings
            .push(format!("{} cannot be read: {e}", path.display())),
        Ok(content) => {
            let keys = code_keys(&content);
            if !keys.is_empty() {
                out.findings.push(format!(
                    "{} sets {}, which may make git run a program",
                    path.display(),
                    keys.join(", ")
                ));
            }
            out.files.push(ConfigFile {
                path: path.to_path_buf(),
                sha256: Digest::of(&content),
                content,
            });
        }
    }
}

/// The keys of a git configuration file that are not known to be inert. Every line is read as
/// if it could start a key (a value continued onto the next line is read as a key too: a false
/// alarm, never a missed key); anything unreadable is reported as such.
pub(crate) fn code_keys(content: &[u8]) -> Vec<String> {
    let Ok(text) = std::str::from_utf8(content) else {
        return vec!["(text that is not UTF-8)".into()];
    };
    if text.contains('\0') {
        return vec!["(a NUL byte)".into()];
    }
    let mut found = Vec::new();
    let mut section = String::new();
    let mut sub = false;
    for line in text.split('\n') {
        let mut l = line.trim();
        if let Some(rest) = l.strip_prefix('[') {
            let Some(end) = rest.find(']') else {
                found.push(format!("`{}` (an unclosed section)", l.escape_debug()));
                continue;
            };
            let header = &rest[..end];
            let name_end = header
                .find(|c: char| c == '.' || c == '"' || c.is_whitespace())
                .unwrap_or(header.len());
            section = header[..name_end].to_ascii_lowercase();
            sub = name_end < header.len();
            // Git allows a key on the header's own line.
            l = rest[end + 1..].trim();
        }
        if l.is_empty() || l.starts_with('#') || l.starts_with(';') {
            continue;
        }
        let key_end = l
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(l.len());
        let key = l[..key_end].to_ascii_lowercase();
        let name = if sub {
            format!("{section}.*.{key}")
        } else {
            format!("{section}.{key}")
        };
        if key.is_empty() || !INERT.contains(&name.as_str()) {
            let shown = if key.is_empty() {
                format!("`{}`", l.escape_debug())
            } else {
                format!("`{name}`")
            };
            if !found.contains(&shown) {
                found.push(shown);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::code_keys;

    #[test]
    fn a_fresh_repository_is_inert() {
        let fresh = b"[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n\tlogallrefupdates = true\n[remote \"origin\"]\n\turl = git@example.com:x.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n[branch \"main\"]\n\tremote = origin\n\tmerge = refs/heads/main\n";
        assert!(code_keys(fresh).is_empty(), "{:?}", code_keys(fresh));
    }

    #[test]
    fn keys_that_run_programs_are_found_in_every_spelling() {
        for (text, key) in [
            (
                "[diff \"x\"]\n textconv = sh -c 'touch PWNED'\n",
                "diff.*.textconv",
            ),
            ("[diff]\n external = ./x\n", "diff.external"),
            ("[core]\n fsmonitor = ./x\n", "core.fsmonitor"),
            ("[core] pager = ./x\n", "core.pager"),
            ("[Core]\n\tPAGER=./x\n", "core.pager"),
            ("[filter \"a\"]\n clean = ./x\n", "filter.*.clean"),
            ("[diff.x]\n textconv = ./x\n", "diff.*.textconv"),
            ("[include]\n path = other\n", "include.path"),
            (
                "[includeIf \"gitdir:/\"]\n path = other\n",
                "includeif.*.path",
            ),
            ("[alias]\n st = !./x\n", "alias.st"),
            ("[user]\n name = a \\\n[core]\npager = ./x\n", "core.pager"),
            ("[user]\n name = a ; \\\n pager = ./x\n", "user.pager"),
        ] {
            let found = code_keys(text.as_bytes());
            assert!(found.iter().any(|f| f.contains(key)), "{text:?}: {found:?}");
        }
        assert!(!code_keys(b"[core\n pager = x").is_empty());
        assert!(!code_keys(b"\xff").is_empty());
    }
}
