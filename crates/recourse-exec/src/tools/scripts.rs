//! The scripts a shell command runs or sources (`sh x.sh`, `./x`, `python x.py`, `source x`,
//! `make -f x` …, as the classifier lists them). Reading a script is the only way to know what
//! an approved `bash deploy.sh` does, so each one inside the allowed paths is:
//!
//! - bound: its sha256 is part of the request digest, so an approval granted for one content
//!   does not apply to another;
//! - shown: the approver reads its text (`approvals show`);
//! - pinned: the sandbox sees, at that path, a read-only copy of exactly the bytes that were
//!   hashed (see `run::run_shell`), so a script rewritten between the check and the run does
//!   not run either.
//!
//! A script that does not exist yet is bound as missing (one created later changes the
//! digest). Anything that is not a regular file (a FIFO whose writer decides the content at
//! run time, a directory, a device) or larger than [`MAX_SCRIPT_BYTES`] is refused: its
//! content cannot be bound.

use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};

use recourse_policy::Digest;
use serde_json::{Value, json};

use crate::refusal::Refusal;

/// The largest script the gateway binds (and copies for the sandbox).
pub(crate) const MAX_SCRIPT_BYTES: u64 = 1 << 20;

/// How much of a script the approver is shown inline (more is marked loudly as not shown).
const SHOWN_BYTES: usize = 256 * 1024;

/// One script a command runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Script {
    /// A regular file inside the allowed paths: bound, shown and pinned.
    Bound {
        /// As the command names it.
        shown: String,
        /// Where it is (canonical: what the sandbox resolves the name to).
        path: PathBuf,
        sha256: Digest,
        content: Vec<u8>,
    },
    /// Not there when the call was made.
    Missing {
        /// As the command names it.
        shown: String,
        /// Where it would be.
        path: PathBuf,
    },
    /// Outside the allowed paths: a system file the sandbox shows read-only, which no agent
    /// can have written.
    Outside {
        /// As the command names it.
        shown: String,
        /// Where it is.
        path: PathBuf,
    },
}

impl Script {
    fn shown(&self) -> &str {
        match self {
            Script::Bound { shown, .. }
            | Script::Missing { shown, .. }
            | Script::Outside { shown, .. } => shown,
        }
    }

    /// What the request digest binds.
    pub(crate) fn binding(&self) -> Value {
        match self {
            Script::Bound { shown, sha256, .. } => json!({"path": shown, "sha256": sha256}),
            Script::Missing { shown, .. } => json!({"path": shown, "missing": true}),
            Script::Outside { shown, path } => json!({"path": shown, "outside": path}),
        }
    }

    /// What the approver is shown.
    pub(crate) fn shown_to_approver(&self) -> Value {
        match self {
            Script::Bound {
                shown,
                sha256,
                content,
                ..
            } => {
                let cut = content.len() > SHOWN_BYTES;
                let text = String::from_utf8_lossy(&content[..content.len().min(SHOWN_BYTES)]);
                json!({"path": shown, "sha256": sha256, "bytes": content.len(), "content": text, "truncated": cut})
            }
            Script::Missing { shown, .. } => {
                json!({"path": shown, "sha256": "-", "content": "(no such file when the call was made)"})
            }
            Script::Outside { shown, path } => {
                json!({"path": shown, "sha256": "-", "content": format!("(outside the allowed paths: {})", path.display())})
            }
        }
    }
}

/// `cwd.join(name)` with `.` and `..` taken lexically (as the shell resolves `./x`).
fn lexical(cwd: &Path, name: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for c in cwd.join(name).components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Reads the scripts `names` (relative to `cwd`) for binding. `writable` are the allowed
/// paths (canonical).
pub(crate) fn read(
    cwd: &Path,
    writable: &[PathBuf],
    names: &[String],
) -> Result<Vec<Script>, Refusal> {
    let mut out: Vec<Script> = Vec::new();
    for name in names {
        if out.iter().any(|s| s.shown() == name) {
            continue;
        }
        out.push(read_one(cwd, writable, name)?);
    }
    Ok(out)
}

fn read_one(cwd: &Path, writable: &[PathBuf], name: &str) -> Result<Script, Refusal> {
    let refuse = |why: String| Refusal::InvalidInput(format!("script {name}: {why}"));
    let inside = |p: &Path| writable.iter().any(|w| p.starts_with(w));
    // What the kernel will open (symlinks followed, then `..`), and what the name says.
    let raw = cwd.join(name);
    let lex = lexical(cwd, name);
    let through_link = |real: &Path| {
        refuse(format!(
            "reaches {} through a symbolic link (or a `..` after one); the gateway binds a script only by its own path, so run {} directly",
            real.display(),
            real.display()
        ))
    };
    let path = match raw.canonicalize() {
        Ok(p) => p,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // Bound as missing, where it would appear: its directory must not be a link either.
            if inside(&lex)
                && let Some(parent) = raw.parent()
                && let Ok(real) = parent.canonicalize()
                && Some(real.as_path()) != lex.parent()
            {
                return Err(through_link(&real));
            }
            return Ok(Script::Missing {
                shown: name.to_owned(),
                path: lex,
            });
        }
        Err(e) => return Err(refuse(e.to_string())),
    };
    if !inside(&lex) && !inside(&path) {
        return Ok(Script::Outside {
            shown: name.to_owned(),
            path,
        });
    }
    // A link inside the allowed paths can be re-pointed after the check; its target cannot be
    // pinned in its place. Only a script named by its own path is bound.
    if path != lex {
        return Err(through_link(&path));
    }
    // O_NOFOLLOW: the canonical path has no symlink left; one swapped in since is refused.
    // O_NONBLOCK: opening a FIFO does not wait for a writer (it is refused below).
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(&path)
        .map_err(|e| refuse(format!("cannot be read: {e}")))?;
    let meta = file
        .metadata()
        .map_err(|e| refuse(format!("cannot be read: {e}")))?;
    if !meta.is_file() {
        return Err(refuse(
            "is not a regular file, so the content an approval is granted for cannot be bound"
                .into(),
        ));
    }
    if meta.len() > MAX_SCRIPT_BYTES {
        return Err(refuse(format!(
            "is {} bytes; the gateway binds scripts of at most {MAX_SCRIPT_BYTES} bytes",
            meta.len()
        )));
    }
    let mut content = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(MAX_SCRIPT_BYTES + 1)
        .read_to_end(&mut content)
        .map_err(|e| refuse(format!("cannot be read: {e}")))?;
    if content.len() as u64 > MAX_SCRIPT_BYTES {
        return Err(refuse(format!(
            "grew past {MAX_SCRIPT_BYTES} bytes while it was read"
        )));
    }
    Ok(Script::Bound {
        shown: name.to_owned(),
        sha256: Digest::of(&content),
        path,
        content,
    })
}

/// The interpreter a script's first line names for the kernel (`#!./interp`), or for
/// `env` (`#!/usr/bin/env ./interp`), when it is a path: `None` for a script with no `#!`
/// line, or one whose `env` looks its program up on PATH (`#!/usr/bin/env python3`).
pub(crate) fn interpreter(content: &[u8]) -> Option<String> {
    let line = content.strip_prefix(b"#!")?;
    let line = line.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut words = line.split([' ', '\t']).filter(|w| !w.is_empty());
    let first = words.next()?;
    if first.rsplit('/').next() != Some("env") {
        return Some(first.to_owned());
    }
    // `env [-i] [-u NAME] [-S] [NAME=VALUE]… PROGRAM`.
    let mut skip_next = false;
    for w in words {
        if skip_next {
            skip_next = false;
            continue;
        }
        if matches!(w, "-u" | "--unset" | "-C" | "--chdir") {
            skip_next = true;
            continue;
        }
        if w.starts_with('-') || w.contains('=') {
            continue;
        }
        return w.contains('/').then(|| w.to_owned());
    }
    None
}

/// The interpreters the bound scripts' first lines name, when a script is run directly
/// (`./x.sh`): one given by an absolute path inside the allowed paths is bound like a script
/// (and its own first line followed, a few levels, as the kernel does); one given by a
/// relative path is found by the kernel from the directory the command runs in, which the
/// gateway does not know here: it is returned as unbound, naming the script.
pub(crate) fn interpreters(
    cwd: &Path,
    writable: &[PathBuf],
    scripts: &mut Vec<Script>,
) -> Result<Vec<recourse_shell::Unbound>, Refusal> {
    let mut unbound = Vec::new();
    let mut k = 0;
    // The kernel follows at most a few levels of interpreters that are scripts themselves.
    let mut levels = 0;
    while let Some(s) = scripts.get(k) {
        k += 1;
        let Script::Bound { shown, content, .. } = s else {
            continue;
        };
        let Some(interp) = interpreter(content) else {
            continue;
        };
        if !interp.starts_with('/') {
            unbound.push(recourse_shell::Unbound {
                what: interp,
                why: format!(
                    "the interpreter the first line of `{shown}` names: run directly, the kernel finds it from the directory the command is in when it runs; it is neither shown nor pinned"
                ),
            });
            continue;
        }
        if levels >= 4 || scripts.iter().any(|s| s.shown() == interp) {
            continue;
        }
        levels += 1;
        let next = read_one(cwd, writable, &interp)?;
        if !matches!(next, Script::Outside { .. }) {
            scripts.push(next);
        }
    }
    Ok(unbound)
}

/// The scripts whose content differs between what an approval was granted for (its
/// summary's `details.scripts`) and what the command would run now (`details.scripts` of the
/// current call, as [`Script::shown_to_approver`] makes them).
pub(crate) fn changed(approved_summary: &Value, details_now: Option<&Value>) -> Vec<String> {
    let list = |v: Option<&Value>| -> Vec<(String, String)> {
        v.and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|s| {
                        let f = |k: &str| s.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
                        (f("path"), f("sha256"))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let before = list(approved_summary.pointer("/details/scripts"));
    let now = list(details_now.and_then(|d| d.get("scripts")));
    now.into_iter()
        .filter(|(path, hash)| before.iter().any(|(p, h)| p == path && h != hash))
        .map(|(path, _)| path)
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn setup() -> (tempfile::TempDir, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().canonicalize().unwrap();
        (d, root)
    }

    #[test]
    fn a_script_is_bound_by_content_and_a_missing_one_as_missing() {
        let (_d, root) = setup();
        std::fs::write(root.join("x.sh"), "echo hi\n").unwrap();
        let got = read(
            &root,
            std::slice::from_ref(&root),
            &["x.sh".into(), "./x.sh".into(), "gone.sh".into()],
        )
        .unwrap();
        assert!(matches!(&got[0], Script::Bound { content, .. } if content == b"echo hi\n"));
        assert!(matches!(&got[1], Script::Bound { .. }), "{got:?}");
        assert!(
            matches!(&got[2], Script::Missing { shown, path } if shown == "gone.sh" && *path == root.join("gone.sh")),
            "{got:?}"
        );
        let before = got[0].binding();
        std::fs::write(root.join("x.sh"), "echo bye\n").unwrap();
        let again = read(&root, std::slice::from_ref(&root), &["x.sh".into()]).unwrap();
        assert_ne!(again[0].binding(), before);
        let summary = json!({"details": {"scripts": [got[0].shown_to_approver()]}});
        let now = |s: &[Script]| json!({"scripts": s.iter().map(Script::shown_to_approver).collect::<Vec<_>>()});
        assert_eq!(
            changed(&summary, Some(&now(&again))),
            vec!["x.sh".to_owned()]
        );
        assert!(changed(&summary, Some(&now(&got))).is_empty());
    }

    #[test]
    fn fifos_directories_and_oversized_scripts_are_refused() {
        let (_d, root) = setup();
        let fifo = root.join("pipe");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        std::fs::create_dir(root.join("dir")).unwrap();
        std::fs::write(
            root.join("big"),
            vec![b'#'; usize::try_from(MAX_SCRIPT_BYTES).unwrap() + 1],
        )
        .unwrap();
        for name in ["pipe", "dir", "big"] {
            let e = read(&root, std::slice::from_ref(&root), &[name.into()]).unwrap_err();
            assert!(e.to_string().contains(name), "{e}");
        }
    }

    #[test]
    fn links_are_refused_and_outside_files_are_not_read() {
        let (_d, root) = setup();
        let work = root.join("work");
        std::fs::create_dir_all(work.join("a/b")).unwrap();
        std::fs::write(work.join("real.sh"), "echo real\n").unwrap();
        std::fs::write(work.join("a/x.sh"), "echo other\n").unwrap();
        std::fs::write(work.join("x.sh"), "echo shown\n").unwrap();
        std::os::unix::fs::symlink(work.join("real.sh"), work.join("link.sh")).unwrap();
        std::os::unix::fs::symlink(work.join("a/b"), work.join("sub")).unwrap();
        std::fs::write(root.join("elsewhere.sh"), "echo out\n").unwrap();
        let only = |name: &str| read(&work, std::slice::from_ref(&work), &[name.into()]);
        // A link can be re-pointed after the check: refused, naming its target.
        let e = only("link.sh").unwrap_err();
        assert!(e.to_string().contains("real.sh"), "{e}");
        // `sub/..` is `a` to the kernel (sub is a link to a/b), not `.`: refused.
        let e = only("sub/../x.sh").unwrap_err();
        assert!(e.to_string().contains("a/x.sh"), "{e}");
        // A missing script in a linked directory: refused too.
        assert!(only("sub/new.sh").is_err());
        // Without links, `..` is what it says.
        assert!(
            matches!(&only("a/../x.sh").unwrap()[0], Script::Bound { content, .. } if content == b"echo shown\n")
        );
        assert!(matches!(
            &only("../elsewhere.sh").unwrap()[0],
            Script::Outside { .. }
        ));
    }

    #[test]
    fn interpreters_named_by_a_relative_path_are_found() {
        for (line, want) in [
            ("#!./interp\necho", Some("./interp")),
            ("#!interp -x", Some("interp")),
            ("#! /usr/bin/env ./interp a", Some("./interp")),
            ("#!/usr/bin/env -S -u X A=1 sub/interp", Some("sub/interp")),
            ("#!/usr/bin/env python3", None),
            ("#!/bin/sh -e\n", Some("/bin/sh")),
            ("echo no shebang", None),
        ] {
            assert_eq!(interpreter(line.as_bytes()).as_deref(), want, "{line}");
        }
        let (dir, cwd) = setup();
        let allowed = vec![cwd.clone()];
        std::fs::write(cwd.join("rel.sh"), "#!./interp\n").unwrap();
        std::fs::write(cwd.join("sys.sh"), "#!/bin/sh\n").unwrap();
        let abs = cwd.join("interp");
        std::fs::write(&abs, "#!/bin/sh\necho interp\n").unwrap();
        std::fs::write(cwd.join("abs.sh"), format!("#!{}\n", abs.display())).unwrap();
        let names = [
            "rel.sh".to_owned(),
            "sys.sh".to_owned(),
            "abs.sh".to_owned(),
        ];
        let mut scripts = read(&cwd, &allowed, &names).unwrap();
        let unbound = interpreters(&cwd, &allowed, &mut scripts).unwrap();
        assert_eq!(unbound.len(), 1, "{unbound:?}");
        assert_eq!(unbound[0].what, "./interp");
        assert!(unbound[0].why.contains("rel.sh"));
        // The absolute interpreter inside the allowed paths is bound like a script.
        assert_eq!(scripts.len(), 4);
        assert!(
            matches!(&scripts[3], Script::Bound { shown, .. } if *shown == abs.display().to_string())
        );
        drop(dir);
    }
}
