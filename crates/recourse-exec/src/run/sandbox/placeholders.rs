//! Placeholders for protected paths that do not exist yet, so that they can be mounted
//! read-only; shared by concurrent calls and removed (if still empty) when the last one ends.

use std::path::PathBuf;

use super::{Jail, Sandbox};

impl Sandbox {
    /// Creates placeholders for protected paths that do not exist in the writable roots, so
    /// that they can be mounted read-only; the guard removes them when the last call using them
    /// ends (if they are still empty).
    pub(crate) fn placeholders(&self, jail: &Jail) -> Placeholders<'_> {
        let mut made = Vec::new();
        let mut map = self.placeholders.lock().unwrap_or_else(|p| p.into_inner());
        for b in &jail.rw {
            for p in &jail.protect {
                let path = b.src.join(p.rel);
                if let Some(n) = map.get_mut(&path) {
                    *n += 1;
                    made.push(path);
                    continue;
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
        let mut map = self
            .sandbox
            .placeholders
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        // Children first, so that `.git/hooks` goes before `.git`.
        for path in self.paths.iter().rev() {
            let Some(n) = map.get_mut(path) else { continue };
            *n -= 1;
            if *n > 0 {
                continue;
            }
            map.remove(path);
            // Still empty: ours to remove. Anything else was put there by someone else.
            let removed = match std::fs::symlink_metadata(path) {
                Ok(m) if m.is_dir() => std::fs::remove_dir(path),
                Ok(m) if m.is_file() && m.len() == 0 => std::fs::remove_file(path),
                _ => Ok(()),
            };
            if let Err(e) = removed {
                tracing::warn!(path = %path.display(), error = %e, "placeholder left in place");
            }
        }
    }
}
