//! Argument sets shared by several commands, and what they resolve to.

use std::path::{Path, PathBuf};

use clap::Args;
use recourse_exec::sandbox::Helper;
use recourse_policy::Policy;

use crate::error::CliError;

/// The state directory: `--state-dir`, else `$RECOURSE_STATE_DIR`, else
/// `$XDG_STATE_HOME/recourse`, else `~/.local/state/recourse`.
#[derive(Debug, Args, Clone)]
pub struct StateDirArg {
    /// Gateway state directory (database, plan files, audit log).
    #[arg(long, value_name = "DIR", env = "RECOURSE_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
}

impl StateDirArg {
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
