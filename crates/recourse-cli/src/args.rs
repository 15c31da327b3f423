//! Argument sets shared by several commands, and what they resolve to.

use std::path::{Path, PathBuf};

use clap::Args;
use recourse_exec::sandbox::Helper;
use recourse_policy::Policy;

use crate::error::CliError;

/// The state directory: `--state-dir`, else `$RECOURSE_STATE_DIR`, else
/// `$XDG_STATE_HOME/recourse`, else `~/.local/state/recourse`; and the store: the state
/// directory's SQLite file, or `--store postgres://…` shared by several gateways.
#[derive(Debug, Args, Clone)]
pub struct StateDirArg {
    /// Gateway state directory (database, plan files, audit log).
    #[arg(long, value_name = "DIR", env = "RECOURSE_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
    /// The store: `sqlite` (the state directory's database, the default) or
    /// `postgres://USER@HOST:PORT/DB[?sslmode=require[&sslrootcert=FILE]]`, shared by several
    /// gateway replicas. The password comes from --store-password-file or
    /// $RECOURSE_STORE_PASSWORD (or $PGPASSWORD), not the URL.
    #[arg(long, value_name = "URL", env = "RECOURSE_STORE")]
    pub store: Option<String>,
    /// A file holding the PostgreSQL password (one line).
    #[arg(long, value_name = "FILE", env = "RECOURSE_STORE_PASSWORD_FILE")]
    pub store_password_file: Option<PathBuf>,
}

impl StateDirArg {
    /// The store these arguments name.
    pub fn store_config(&self) -> Result<recourse_exec::store::StoreConfig, CliError> {
        let password = match &self.store_password_file {
            Some(f) => Some(std::fs::read_to_string(f).map_err(|e| {
                CliError::Config(format!("--store-password-file {}: {e}", f.display()))
            })?),
            None => std::env::var("RECOURSE_STORE_PASSWORD")
                .or_else(|_| std::env::var("PGPASSWORD"))
                .ok(),
        };
        recourse_exec::store::StoreConfig::parse(self.store.as_deref(), password)
            .map_err(|e| CliError::Config(e.to_string()))
    }

    pub fn resolve(&self) -> PathBuf {
        if let Some(d) = &self.state_dir {
            return d.clone();
        }
        if let Some(x) = std::env::var_os("XDG_STATE_HOME").filter(|v| !v.is_empty()) {
            return PathBuf::from(x).join("recourse");
        }
        let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
        home.join(".local/state/recourse")
    }
}

pub(crate) fn os_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown-user".into())
}

#[derive(Debug, Args)]
pub struct PolicyFileArg {
    /// Policy file (YAML, top-level `recourseos:` key). Without it, the built-in default policy.
    #[arg(short, long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
}

/// Loads the policy a command was given: the file merged over the defaults, or the defaults.
pub fn load_policy(path: Option<&Path>) -> Result<Policy, CliError> {
    let Some(path) = path else {
        return Ok(Policy::default());
    };
    let text = std::fs::read_to_string(path).map_err(|source| CliError::ReadPolicy {
        path: path.to_owned(),
        source,
    })?;
    let policy = Policy::from_yaml_str(&text).map_err(|source| CliError::Policy {
        path: path.to_owned(),
        source,
    })?;
    // The shell lists are shell snippets: a policy whose snippets do not parse is invalid.
    recourse_shell::PatternSet::compile(&policy.shell).map_err(|source| CliError::Pattern {
        source_name: path.display().to_string(),
        source,
    })?;
    Ok(policy)
}

/// The sandbox helper is this binary itself (`recourse __sandbox …`).
pub(crate) fn this_binary_helper() -> Result<Helper, CliError> {
    let exe = std::env::current_exe()
        .map_err(|e| CliError::Config(format!("cannot locate the recourse binary: {e}")))?;
    Ok(Helper {
        program: exe,
        prefix: vec![SANDBOX_SUBCOMMAND.into()],
    })
}

/// The hidden subcommand under which this binary acts as the sandbox helper.
pub(crate) const SANDBOX_SUBCOMMAND: &str = "__sandbox";

/// The user's recourse configuration directory (`$XDG_CONFIG_HOME/recourse`, else
/// `~/.config/recourse`): approver keys, the approvers file and the audit key live there, never
/// in the state directory.
pub(crate) fn config_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(x).join("recourse");
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
    home.join(".config/recourse")
}

/// The approvers file: `--approvers`, else `$RECOURSE_APPROVERS`, else
/// `<config dir>/approvers.yaml`.
#[derive(Debug, Args, Clone)]
pub struct ApproversArg {
    /// The approvers file (who may decide, with their public keys); outside the state
    /// directory.
    #[arg(long = "approvers", value_name = "FILE", env = "RECOURSE_APPROVERS")]
    pub approvers: Option<PathBuf>,
}

impl ApproversArg {
    pub fn resolve(&self) -> PathBuf {
        self.approvers
            .clone()
            .unwrap_or_else(|| config_dir().join("approvers.yaml"))
    }
}

/// A person's own secret key: `--key`, else `$RECOURSE_APPROVER_KEY`, else
/// `<config dir>/approver.key`.
#[derive(Debug, Args, Clone)]
pub struct KeyArg {
    /// Your approver key (written by `recourse approvers keygen`).
    #[arg(long = "key", value_name = "FILE", env = "RECOURSE_APPROVER_KEY")]
    pub key: Option<PathBuf>,
}

impl KeyArg {
    pub fn resolve(&self) -> PathBuf {
        self.key
            .clone()
            .unwrap_or_else(|| config_dir().join("approver.key"))
    }

    pub fn load(&self) -> Result<recourse_plan::SecretKey, CliError> {
        let path = self.resolve();
        recourse_exec::trust::read_secret_key(&path).map_err(|e| {
            CliError::Config(format!(
                "{e} (create one with `recourse approvers keygen`, or `recourse setup`)"
            ))
        })
    }
}

/// The gateway's audit signing key: `--audit-key`, else `$RECOURSE_AUDIT_KEY`, else
/// `<config dir>/audit.key` if it exists.
#[derive(Debug, Args, Clone)]
pub struct AuditKeyArg {
    /// The key that signs audit checkpoints (outside the state directory).
    #[arg(long = "audit-key", value_name = "FILE", env = "RECOURSE_AUDIT_KEY")]
    pub audit_key: Option<PathBuf>,
}

impl AuditKeyArg {
    pub fn resolve(&self) -> Option<PathBuf> {
        self.audit_key.clone().or_else(|| {
            let p = config_dir().join("audit.key");
            p.exists().then_some(p)
        })
    }
}
