//! The protected paths of one call's writable roots, and placeholders for those that do not
//! exist yet, so that every one of them can be mounted read-only.
//!
//! Several calls — of this process or of another gateway replica working in the same
//! directory — can use one placeholder at once. Each call holds a shared `flock` on every
//! writable root from before it looks at the protected paths until its sandbox has exited; a
//! placeholder is removed only under an exclusive lock, that is when no call anywhere is using
//! that root. Without this, one replica's clean-up could remove a mount point another
//! replica's sandbox was about to mount (bwrap fails: the call is lost) or had mounted (the
//! kernel detaches a mount whose mount point is removed from another namespace: the path
//! would become writable inside a running sandbox).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustix::fs::{FlockOperation, flock};

use super::jail::Protected;
use super::{Core, Jail};

impl Core {
    /// Locks the writable roots (shared), decides which protected paths to mount read-only,
    /// and creates placeholders for the missing ones. The guard releases the locks and removes
    /// this process's placeholders when no call anywhere uses them any more.
    pub(crate) fn placeholders(self: &Arc<Core>, jail: &Jail) -> Placeholders {
        let mut locks = Vec::new();
        let mut bind = Vec::new();
        let mut made = Vec::new();
        let mut map = self.placeholders.lock().unwrap_or_else(|p| p.into_inner());
        for b in &jail.rw {
            // A root that cannot be opened or locked is not mounted by bwrap either (it fails
            // the call); protect what can be protected and let bwrap say what was wrong.
            if let Ok(dir) = File::open(&b.src)
                && flock(&dir, FlockOperation::LockShared).is_ok()
            {
                locks.push(dir);
            }
            let mut whole: Vec<PathBuf> = Vec::new();
            for p in &jail.protect {
                let path = b.src.join(p.rel);
                // Inside a path protected as a whole there is nothing more to protect.
                if whole.iter().any(|w| path.starts_with(w)) {
                    continue;
                }
                let state = State::of(&path, p);
                if state == State::Usable {
                    continue;
                }
                if state == State::Missing {
                    // Only where the parent exists (bwrap would otherwise create it).
                    if path.parent().is_none_or(|parent| !parent.is_dir()) {
                        continue;
                    }
                    if create(&path, p.dir).is_ok() {
                        *map.entry(path.clone()).or_insert(0) += 1;
                        made.push((b.src.clone(), path.clone()));
                    } else if !path.exists() {
                        continue;
                    }
                } else if let Some(n) = map.get_mut(&path) {
                    // A placeholder this process made earlier: in use by this call too.
                    *n += 1;
                    made.push((b.src.clone(), path.clone()));
                }
                if p.if_missing {
                    whole.push(path.clone());
                }
                bind.push(path);
            }
        }
        drop(map);
        Placeholders {
            core: Arc::clone(self),
            bind,
            made,
            locks,
        }
    }
}

/// What a protected path is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// It does not exist.
    Missing,
    /// It exists and is mounted read-only.
    Protect,
    /// It exists and stays usable (an existing `.git` repository).
    Usable,
}

impl State {
    fn of(path: &Path, p: &Protected) -> State {
        match std::fs::symlink_metadata(path) {
            Err(_) => State::Missing,
            // An empty directory where only a missing one is protected (`.git`) is still
            // "missing" — most likely another call's placeholder — and protected as a whole.
            Ok(m) if p.if_missing => {
                let empty = m.is_dir()
                    && std::fs::read_dir(path).is_ok_and(|mut entries| entries.next().is_none());
                if empty { State::Protect } else { State::Usable }
            }
            Ok(_) => State::Protect,
        }
    }
}

fn create(path: &Path, dir: bool) -> std::io::Result<()> {
    if dir {
        std::fs::create_dir(path)
    } else {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map(|_| ())
    }
}

/// The protected paths of one call, and the locks that keep them in place.
#[derive(Debug)]
pub(crate) struct Placeholders {
    core: Arc<Core>,
    /// Every protected path to mount read-only over itself (placeholders included).
    pub(super) bind: Vec<PathBuf>,
    /// The placeholders of this process that this call uses, with their writable roots.
    made: Vec<(PathBuf, PathBuf)>,
    /// Shared locks on the writable roots, held until the sandbox has exited.
    locks: Vec<File>,
}

impl Placeholders {
    /// No writable roots, nothing to protect.
    pub(super) fn none(core: &Arc<Core>) -> Placeholders {
        Placeholders {
            core: Arc::clone(core),
            bind: Vec::new(),
            made: Vec::new(),
            locks: Vec::new(),
        }
    }
}

impl Drop for Placeholders {
    fn drop(&mut self) {
        // Our shared locks go first, so that the exclusive one below can tell whether any
        // other call (here or in another process) still uses these roots.
        self.locks.clear();
        let mut map = self
            .core
            .placeholders
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        for (_, path) in &self.made {
            if let Some(n) = map.get_mut(path) {
                *n = n.saturating_sub(1);
            }
        }
        // Children first, so that `.git/hooks` goes before `.git`.
        let idle: Vec<(PathBuf, PathBuf)> = self
            .made
            .iter()
            .rev()
            .filter(|(_, p)| map.get(p) == Some(&0))
            .cloned()
            .collect();
        for (root, path) in idle {
            let Ok(dir) = File::open(&root) else { continue };
            // Busy elsewhere: whoever is last out removes it (this process keeps it listed).
            if flock(&dir, FlockOperation::NonBlockingLockExclusive).is_err() {
                continue;
            }
            map.remove(&path);
            // Still empty: ours to remove. Anything else was put there by someone else.
            let removed = match std::fs::symlink_metadata(&path) {
                Ok(m) if m.is_dir() => std::fs::remove_dir(&path),
                Ok(m) if m.is_file() && m.len() == 0 => std::fs::remove_file(&path),
                _ => Ok(()),
            };
            if let Err(e) = removed {
                tracing::warn!(path = %path.display(), error = %e, "placeholder left in place");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::jail::{Bind, PROTECTED};
    use super::super::{Helper, Jail, Sandbox};
    use std::path::PathBuf;

    fn sandbox() -> Sandbox {
        let helper = Helper {
            program: PathBuf::from("/bin/false"),
            prefix: Vec::new(),
        };
        Sandbox::new(PathBuf::from("/bin/false"), helper, 65534, false)
    }

    fn jail(dir: &std::path::Path) -> Jail {
        Jail {
            rw: vec![Bind::same(dir)],
            protect: PROTECTED.to_vec(),
            ..Jail::default()
        }
    }

    /// Two gateways (two `Sandbox`es: two replicas) in one directory: the first one out must
    /// not remove the placeholders the other's running sandbox has mounted; the last one out
    /// removes them.
    #[test]
    fn placeholders_outlive_every_user_across_processes() {
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (sandbox(), sandbox());
        let jail = jail(d.path());
        let pa = a.placeholders(&jail);
        assert!(d.path().join(".git").is_dir());
        assert!(d.path().join(".bashrc").is_file());
        assert!(pa.bind.contains(&d.path().join(".git")));
        // `.git` is protected as a whole: nothing is made inside it.
        assert!(!d.path().join(".git/hooks").exists());
        let pb = b.placeholders(&jail);
        // B sees A's empty `.git` as missing, and protects it as a whole as well.
        assert!(pb.bind.contains(&d.path().join(".git")), "{:?}", pb.bind);
        assert!(pb.bind.contains(&d.path().join(".bashrc")));
        drop(pa);
        assert!(
            d.path().join(".git").is_dir(),
            "removed while B's sandbox uses it"
        );
        assert!(d.path().join(".bashrc").is_file());
        drop(pb);
        // A made them and A's process is idle, but A could not remove them while B ran; a
        // later call of A's removes them once nobody uses the directory.
        drop(a.placeholders(&jail));
        assert!(!d.path().join(".git").exists());
        assert!(!d.path().join(".bashrc").exists());
    }

    /// An existing repository stays usable; its hooks and config are protected, and made if
    /// missing.
    #[test]
    fn an_existing_repository_keeps_working_with_hooks_protected() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join(".git/objects")).unwrap();
        let s = sandbox();
        let jail = jail(d.path());
        let p = s.placeholders(&jail);
        assert!(!p.bind.contains(&d.path().join(".git")));
        assert!(p.bind.contains(&d.path().join(".git/hooks")));
        assert!(p.bind.contains(&d.path().join(".git/config")));
        drop(p);
        assert!(!d.path().join(".git/hooks").exists());
        assert!(d.path().join(".git/objects").is_dir());
    }
}
