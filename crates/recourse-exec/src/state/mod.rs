//! The gateway's state directory: the SQLite store (plans, approvals, the audit anchor), plan
//! files and the audit log, created 0700 and never visible to anything a runner starts.

pub mod audit;
pub mod checkpoint;
pub mod freeze;
pub(crate) mod group;
pub mod record;
pub mod store;

use std::path::{Path, PathBuf};

use crate::config::ConfigError;

/// The database path inside a state directory.
pub fn db_path(state_dir: &Path) -> PathBuf {
    state_dir.join("recourse.db")
}

/// The audit log path inside a state directory.
pub fn audit_path(state_dir: &Path) -> PathBuf {
    state_dir.join("audit.jsonl")
}

/// Where plan files live.
pub(crate) fn plans_dir(state_dir: &Path) -> PathBuf {
    state_dir.join("plans")
}

/// The runners' private directories (terraform's and kubectl's HOME, caches, data): bound
/// only into their own runner's sandbox.
pub(crate) fn runners_dir(state_dir: &Path) -> PathBuf {
    state_dir.join("runners")
}

/// The stored plan file of one plan.
pub(crate) fn plan_file(state_dir: &Path, id: recourse_plan::PlanId) -> PathBuf {
    plans_dir(state_dir).join(format!("{id}.tfplan"))
}

/// Creates the state directory (0700) and its plans folder.
pub fn prepare_state_dir(state_dir: &Path) -> Result<(), ConfigError> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    let err = |source| ConfigError::StateDir {
        path: state_dir.to_owned(),
        source,
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(state_dir)
        .map_err(err)?;
    std::fs::set_permissions(state_dir, std::fs::Permissions::from_mode(0o700)).map_err(err)?;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(plans_dir(state_dir))
        .map_err(err)?;
    Ok(())
}
