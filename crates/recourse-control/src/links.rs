//! Single-use login links, for teams without an identity provider: `recourse approvers
//! login-link NAME` makes one for a registered approver, valid for minutes; opening it and
//! confirming logs that approver in, once.
//!
//! Only the sha256 of a link's token is kept: one file per link, named by that hash, in a
//! directory beside the approvers file (never the state directory: a process that can write
//! the store must not be able to mint logins). Using a link removes its file, and a removal
//! succeeds once, so two browsers racing with the same link cannot both log in.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use recourse_plan::Timestamp;
use serde::{Deserialize, Serialize};

use crate::secret;

/// The longest a link may live.
pub const MAX_TTL_SECONDS: u64 = 60 * 60;

/// A link that cannot be made or used.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// Unknown, already used, or malformed: the three are indistinguishable on purpose.
    #[error("this login link is not valid (unknown, or already used)")]
    Invalid,
    /// Past its deadline.
    #[error("this login link expired at {0}")]
    Expired(Timestamp),
    /// The link store cannot be read or written.
    #[error("login links in {path}: {source}")]
    Io {
        /// The directory or file.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// No randomness.
    #[error(transparent)]
    Random(#[from] secret::RandomError),
    /// A lifetime of zero or past [`MAX_TTL_SECONDS`].
    #[error("a login link lives between 1 and {MAX_TTL_SECONDS} seconds")]
    Lifetime,
}

/// What a link grants: a login as `approver` until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// The registered approver it logs in.
    pub approver: String,
    /// Made at.
    pub created_at: Timestamp,
    /// Usable until.
    pub expires_at: Timestamp,
}

/// The directory of outstanding links.
#[derive(Debug, Clone)]
pub struct LoginLinks {
    dir: PathBuf,
}

impl LoginLinks {
    /// Links kept in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> LoginLinks {
        LoginLinks { dir: dir.into() }
    }

    /// Links beside an approvers file: `<its directory>/login-links`.
    pub fn beside(approvers_file: &Path) -> LoginLinks {
        let dir = approvers_file.parent().unwrap_or(Path::new("."));
        LoginLinks::new(dir.join("login-links"))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn io(&self, path: &Path) -> impl Fn(std::io::Error) -> LinkError + '_ {
        let path = path.to_owned();
        move |source| LinkError::Io {
            path: path.clone(),
            source,
        }
    }

    fn file(&self, token: &str) -> Option<PathBuf> {
        secret::is_token(token).then(|| self.dir.join(format!("{}.json", secret::hash(token))))
    }

    /// Makes a link for `approver` valid for `ttl_seconds`; returns its token (shown once,
    /// never stored).
    pub fn create(
        &self,
        approver: &str,
        ttl_seconds: u64,
        now: Timestamp,
    ) -> Result<String, LinkError> {
        if ttl_seconds == 0 || ttl_seconds > MAX_TTL_SECONDS {
            return Err(LinkError::Lifetime);
        }
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
            .map_err(self.io(&self.dir))?;
        self.sweep(now);
        let token = secret::token()?;
        let path = self.file(&token).ok_or(LinkError::Invalid)?;
        let link = Link {
            approver: approver.to_owned(),
            created_at: now,
            expires_at: now.plus(ttl_seconds),
        };
        let body = serde_json::to_vec(&link).map_err(|e| LinkError::Io {
            path: path.clone(),
            source: std::io::Error::other(e),
        })?;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(self.io(&path))?;
        f.write_all(&body).map_err(self.io(&path))?;
        f.sync_all().map_err(self.io(&path))?;
        Ok(token)
    }

    fn read(&self, path: &Path) -> Result<Link, LinkError> {
        let text = match std::fs::read(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(LinkError::Invalid),
            Err(e) => return Err(self.io(path)(e)),
        };
        serde_json::from_slice(&text).map_err(|_| LinkError::Invalid)
    }

    /// Whom a link would log in, without using it (the confirmation page: a link preview
    /// fetching the URL uses nothing up).
    pub fn peek(&self, token: &str, now: Timestamp) -> Result<Link, LinkError> {
        let path = self.file(token).ok_or(LinkError::Invalid)?;
        let link = self.read(&path)?;
        if now >= link.expires_at {
            return Err(LinkError::Expired(link.expires_at));
        }
        Ok(link)
    }

    /// Uses a link up: at most once, and only before it expires.
    pub fn redeem(&self, token: &str, now: Timestamp) -> Result<Link, LinkError> {
        let path = self.file(token).ok_or(LinkError::Invalid)?;
        let link = self.read(&path)?;
        // The removal is the single use: of two concurrent redeemers, one removes the file.
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(LinkError::Invalid),
            Err(e) => return Err(self.io(&path)(e)),
        }
        if now >= link.expires_at {
            return Err(LinkError::Expired(link.expires_at));
        }
        Ok(link)
    }

    /// Removes expired links (best effort).
    pub fn sweep(&self, now: Timestamp) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "json")
                && self.read(&p).is_ok_and(|l| now >= l.expires_at)
                && let Err(err) = std::fs::remove_file(&p)
            {
                tracing::warn!(path = %p.display(), error = %err, "expired login link not removed");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_logs_in_once_before_it_expires_and_only_its_hash_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let links = LoginLinks::new(dir.path().join("links"));
        let now = Timestamp(1000);
        let token = links.create("alice", 600, now).unwrap();
        let files: Vec<_> = std::fs::read_dir(links.dir()).unwrap().flatten().collect();
        assert_eq!(files.len(), 1);
        let stored = std::fs::read_to_string(files[0].path()).unwrap();
        assert!(
            !stored.contains(&token) && !files[0].path().display().to_string().contains(&token)
        );
        assert_eq!(links.peek(&token, now).unwrap().approver, "alice");
        assert_eq!(links.redeem(&token, now).unwrap().approver, "alice");
        assert!(
            matches!(links.redeem(&token, now), Err(LinkError::Invalid)),
            "replayed"
        );
        assert!(matches!(links.peek(&token, now), Err(LinkError::Invalid)));

        let late = links.create("bob", 60, now).unwrap();
        assert!(matches!(
            links.redeem(&late, now.plus(60)),
            Err(LinkError::Expired(_))
        ));
        assert!(
            matches!(links.redeem(&late, now), Err(LinkError::Invalid)),
            "gone after"
        );

        assert!(matches!(
            links.redeem("../../x", now),
            Err(LinkError::Invalid)
        ));
        assert!(matches!(
            links.create("a", 0, now),
            Err(LinkError::Lifetime)
        ));
        assert!(matches!(
            links.create("a", MAX_TTL_SECONDS + 1, now),
            Err(LinkError::Lifetime)
        ));
    }
}
