//! Errors the CLI reports, with their exit codes.

use std::path::PathBuf;

/// A failure of a command. Configuration problems (a policy that does not load, an unknown
/// environment) exit 2; other failures exit 1.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A policy file could not be read.
    #[error("cannot read policy file {}: {source}", path.display())]
    ReadPolicy {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A policy file did not load.
    #[error("{}: {source}", path.display())]
    Policy {
        path: PathBuf,
        source: recourse_policy::LoadError,
    },
    /// A shell pattern in the policy is not a valid pattern.
    #[error("{source_name}: invalid shell pattern: {source}")]
    Pattern {
        source_name: String,
        source: recourse_shell::PatternError,
    },
    /// Input that is not what the command needs (exit 2).
    #[error("{0}")]
    Config(String),
    /// Doctor found critical failures.
    #[error("{0} critical check(s) failed")]
    DoctorFailed(usize),
    /// The audit chain is broken.
    #[error("{0}")]
    AuditBroken(String),
    /// Some input could not be used.
    #[error("{0}")]
    BadInput(String),
    /// Writing output failed.
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::ReadPolicy { .. }
            | CliError::Policy { .. }
            | CliError::Pattern { .. }
            | CliError::Config(_) => 2,
            CliError::BadInput(_)
            | CliError::Output(_)
            | CliError::AuditBroken(_)
            | CliError::DoctorFailed(_) => 1,
        }
    }
}
