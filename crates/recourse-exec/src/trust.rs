//! The files trust rests on, which live outside the state directory (and outside every
//! sandbox): the approvers file (who may decide, with their public keys), people's own secret
//! keys, and the gateway's audit signing key. A process that can write the state directory
//! cannot write these, so it cannot grant anything or re-sign the audit log.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use recourse_plan::{Approvers, Registration, SecretKey};

/// A trust file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// It cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// Its content is wrong.
    #[error("{path}: {detail}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// Others may read or write it.
    #[error("{path} is accessible to others (mode {mode:o}); it must be {want:o} or stricter")]
    Permissions {
        /// The file.
        path: PathBuf,
        /// Its mode.
        mode: u32,
        /// The mode required.
        want: u32,
    },
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> TrustError + '_ {
    move |source| TrustError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The approvers file. A missing file means nobody is registered: no grant is honoured.
pub fn load_approvers(path: Option<&Path>) -> Result<Approvers, TrustError> {
    let Some(path) = path else {
        return Ok(Approvers::default());
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Approvers::default()),
        Err(e) => return Err(io(path)(e)),
    };
    let approvers: Approvers = if text.trim().is_empty() {
        Approvers::default()
    } else {
        serde_yaml_ng::from_str(&text).map_err(|e| TrustError::Invalid {
            path: path.to_owned(),
            detail: e.to_string(),
        })?
    };
    approvers.validate().map_err(|detail| TrustError::Invalid {
        path: path.to_owned(),
        detail,
    })?;
    Ok(approvers)
}

/// Whether a file is writable by group or others (approvers file), or accessible to them at
/// all (secret keys).
pub fn check_mode(path: &Path, secret: bool) -> Result<(), TrustError> {
    let mode = std::fs::metadata(path)
        .map_err(io(path))?
        .permissions()
        .mode()
        & 0o777;
    let (bad, want) = if secret {
        (mode & 0o077, 0o600)
    } else {
        (mode & 0o022, 0o644)
    };
    if bad != 0 {
        return Err(TrustError::Permissions {
            path: path.to_owned(),
            mode,
            want,
        });
    }
    Ok(())
}

/// Adds (or replaces, by name) a registration and writes the file atomically (0644).
pub fn add_approver(path: &Path, reg: Registration) -> Result<Approvers, TrustError> {
    let mut approvers = load_approvers(Some(path))?;
    approvers.approvers.retain(|r| r.name != reg.name);
    approvers.approvers.push(reg);
    approvers.validate().map_err(|detail| TrustError::Invalid {
        path: path.to_owned(),
        detail,
    })?;
    let text = serde_yaml_ng::to_string(&approvers).map_err(|e| TrustError::Invalid {
        path: path.to_owned(),
        detail: e.to_string(),
    })?;
    write_atomically(path, text.as_bytes(), 0o644)?;
    Ok(approvers)
}

/// Reads a secret key file, refusing one that others can read.
pub fn read_secret_key(path: &Path) -> Result<SecretKey, TrustError> {
    check_mode(path, true)?;
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    SecretKey::from_text(&text).map_err(|e| TrustError::Invalid {
        path: path.to_owned(),
        detail: e.to_string(),
    })
}

/// Creates a new secret key file (0600; never overwrites one).
pub fn write_new_secret_key(path: &Path, key: &SecretKey) -> Result<(), TrustError> {
    if let Some(dir) = path.parent() {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(io(dir))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(io(path))?;
    f.write_all(key.to_text().as_bytes()).map_err(io(path))?;
    f.sync_all().map_err(io(path))
}

fn write_atomically(path: &Path, bytes: &[u8], mode: u32) -> Result<(), TrustError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(&tmp)
        .map_err(io(&tmp))?;
    f.write_all(bytes).map_err(io(&tmp))?;
    f.sync_all().map_err(io(&tmp))?;
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(mode)).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

/// A fresh secret key from the OS random source.
pub fn generate_key() -> Result<SecretKey, crate::RandomError> {
    let a = crate::new_id_bytes()?;
    let b = crate::new_id_bytes()?;
    let mut seed = [0u8; 32];
    seed[..16].copy_from_slice(&a);
    seed[16..].copy_from_slice(&b);
    Ok(SecretKey::from_seed(seed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approvers_files_round_trip_and_keys_stay_private() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("approvers.yaml");
        assert!(load_approvers(Some(&file)).unwrap().approvers.is_empty());
        let key = generate_key().unwrap();
        let reg = Registration {
            name: "alice".into(),
            public_key: key.public(),
            groups: vec!["sre".into()],
            on_behalf: false,
        };
        add_approver(&file, reg.clone()).unwrap();
        let loaded = load_approvers(Some(&file)).unwrap();
        assert_eq!(loaded.get("alice"), Some(&reg));
        check_mode(&file, false).unwrap();
        let k = dir.path().join("keys/alice.key");
        write_new_secret_key(&k, &key).unwrap();
        assert_eq!(read_secret_key(&k).unwrap().public(), key.public());
        assert!(write_new_secret_key(&k, &key).is_err(), "never overwritten");
        std::fs::set_permissions(&k, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            read_secret_key(&k),
            Err(TrustError::Permissions { .. })
        ));
        std::fs::write(&file, "approvers: [{name: x}]").unwrap();
        assert!(matches!(
            load_approvers(Some(&file)),
            Err(TrustError::Invalid { .. })
        ));
    }
}
