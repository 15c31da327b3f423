//! Placeholders for protected paths that do not exist yet, so that they can be mounted
//! read-only; shared by concurrent calls and removed (if still empty) once no call uses them.
//!
//! The removal happens on a thread of its own, right after the last call using a placeholder
//! ends, so that a call's answer does not wait for it (removing a directory waits on the file
//! system's journal: milliseconds). A call that starts before a placeholder is gone takes it
//! over instead of making a new one; the removal only ever happens under the lock, for a
//! placeholder no call holds.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, mpsc};

use super::{Jail, Sandbox};

/// Placeholder path → number of calls holding it (0: waiting for removal).
type Counts = HashMap<PathBuf, usize>;

/// The placeholders of one sandbox and the thread that removes unused ones.
#[derive(Debug)]
pub(crate) struct Held {
    counts: Arc<Mutex<Counts>>,
    /// Batches of unused placeholders (children first) for the remover; `None` once closed.
    remover: Option<mpsc::Sender<Vec<PathBuf>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn lock(counts: &Mutex<Counts>) -> MutexGuard<'_, Counts> {
    // The map is consistent between statements; a panic elsewhere cannot break it.
    counts.lock().unwrap_or_else(|p| p.into_inner())
}

/// Removes `path` if no call holds it and it is still empty: ours to remove. Anything else was
/// put there by someone else. Called with the lock held.
fn remove_unused(counts: &mut Counts, path: &PathBuf) {
    if counts.get(path) != Some(&0) {
        return;
    }
    counts.remove(path);
    let removed = match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir(path),
        Ok(m) if m.is_file() && m.len() == 0 => std::fs::remove_file(path),
        _ => Ok(()),
    };
    if let Err(e) = removed {
        tracing::warn!(path = %path.display(), error = %e, "placeholder left in place");
    }
}

impl Held {
    pub(super) fn new() -> Held {
        let counts = Arc::new(Mutex::new(Counts::new()));
        let (tx, rx) = mpsc::channel::<Vec<PathBuf>>();
        let shared = Arc::clone(&counts);
        let thread = std::thread::Builder::new()
            .name("sandbox-placeholders".into())
            .spawn(move || {
                for batch in rx {
                    for path in &batch {
                        remove_unused(&mut lock(&shared), path);
                    }
                }
            });
        match thread {
            Ok(thread) => Held {
                counts,
                remover: Some(tx),
                thread: Some(thread),
            },
            // No thread: placeholders are removed by the call that last used them.
            Err(e) => {
                tracing::warn!(error = %e, "placeholders are removed on the calls' path");
                Held {
                    counts,
                    remover: None,
                    thread: None,
                }
            }
        }
    }

    /// Lets go of one call's placeholders (children first); the unused ones are removed.
    fn release(&self, paths: &[PathBuf]) {
        let mut counts = lock(&self.counts);
        let mut unused = Vec::new();
        for path in paths.iter().rev() {
            let Some(n) = counts.get_mut(path) else {
                continue;
            };
            *n = n.saturating_sub(1);
            if *n == 0 {
                unused.push(path.clone());
            }
        }
        if unused.is_empty() {
            return;
        }
        let unsent = match &self.remover {
            Some(tx) => tx.send(unused).err().map(|e| e.0),
            None => Some(unused),
        };
        for path in unsent.iter().flatten() {
            remove_unused(&mut counts, path);
        }
    }
}

impl Drop for Held {
    /// Waits until every unused placeholder is removed (the gateway is going away).
    fn drop(&mut self) {
        self.remover = None;
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::warn!("the placeholder remover panicked");
        }
        let mut counts = lock(&self.counts);
        let unused: Vec<PathBuf> = counts
            .iter()
            .filter(|(_, n)| **n == 0)
            .map(|(p, _)| p.clone())
            .collect();
        // Longest first: children before their parents.
        let mut unused = unused;
        unused.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
        for path in &unused {
            remove_unused(&mut counts, path);
        }
    }
}

impl Sandbox {
    /// Creates placeholders for protected paths that do not exist in the writable roots, so
    /// that they can be mounted read-only; the guard lets go of them when the call ends, and
    /// they are removed (if still empty) once no call holds them.
    pub(crate) fn placeholders(&self, jail: &Jail) -> Placeholders<'_> {
        let mut made = Vec::new();
        let mut map = lock(&self.placeholders.counts);
        for b in &jail.rw {
            for p in &jail.protect {
                let path = b.src.join(p.rel);
                if let Some(n) = map.get_mut(&path) {
                    // One waiting for removal is taken over, unless someone removed it.
                    if *n > 0 || std::fs::symlink_metadata(&path).is_ok() {
                        *n += 1;
                        made.push(path);
                        continue;
                    }
                    map.remove(&path);
                }
                // Only where the parent exists and is not itself a placeholder of this call (a
                // missing `.git` is protected as a whole).
                let parent_made = made.iter().any(|m: &PathBuf| path.starts_with(m));
                if parent_made
                    || path.parent().is_none_or(|parent| !parent.is_dir())
                    || path.exists()
                {
                    continue;
                }
                let created = if p.dir {
                    std::fs::create_dir(&path)
                } else {
                    std::fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .open(&path)
                        .map(|_| ())
                };
                if created.is_ok() {
                    map.insert(path.clone(), 1);
                    made.push(path);
                }
            }
        }
        Placeholders {
            sandbox: self,
            paths: made,
        }
    }
}

/// Placeholders held for one call.
#[derive(Debug)]
pub(crate) struct Placeholders<'a> {
    pub(super) sandbox: &'a Sandbox,
    pub(super) paths: Vec<PathBuf>,
}

impl Drop for Placeholders<'_> {
    fn drop(&mut self) {
        self.sandbox.placeholders.release(&self.paths);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Bind, Helper, PROTECTED};
    use super::*;

    fn sandbox() -> Sandbox {
        let helper = Helper {
            program: PathBuf::from("/nonexistent"),
            prefix: Vec::new(),
        };
        Sandbox::new(PathBuf::from("/nonexistent"), helper, 65534, false)
    }

    fn jail(root: &std::path::Path) -> Jail {
        Jail {
            rw: vec![Bind::same(root)],
            protect: PROTECTED.to_vec(),
            ..Jail::default()
        }
    }

    fn entries(root: &std::path::Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(root)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn placeholders_are_shared_taken_over_and_removed_once_unused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".profile"), "real").unwrap();
        let sb = sandbox();
        let j = jail(dir.path());
        let first = sb.placeholders(&j);
        // Every missing protected path has one, the parent `.git` only (not its children),
        // and an existing file is left alone.
        assert!(first.paths.contains(&dir.path().join(".git")));
        assert!(first.paths.contains(&dir.path().join(".bashrc")));
        assert!(!first.paths.contains(&dir.path().join(".git/hooks")));
        assert!(!first.paths.contains(&dir.path().join(".profile")));
        let second = sb.placeholders(&j);
        assert_eq!(first.paths, second.paths);
        drop(first);
        // Still held by the second call.
        assert!(dir.path().join(".bashrc").exists());
        drop(second);
        // Taken over before (or made again after) its removal: the third call has them too.
        let third = sb.placeholders(&j);
        assert!(dir.path().join(".git").is_dir());
        assert!(dir.path().join(".zshrc").is_file());
        // Someone fills one in while it is held: it is theirs and stays.
        std::fs::write(dir.path().join(".zshrc"), "mine").unwrap();
        drop(third);
        drop(sb);
        assert_eq!(entries(dir.path()), [".profile", ".zshrc"]);
    }
}
