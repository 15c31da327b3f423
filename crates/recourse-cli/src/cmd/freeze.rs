//! `recourse freeze` and `recourse thaw`: stop agents at once on every gateway that shares the
//! store (an environment, a principal, or all), and let them go on again. Both are recorded.

use std::io::Write;

use clap::Args;
use recourse_exec::freeze::FreezeScope;
use recourse_policy::Environment;

use crate::args::{StateDirArg, os_user};
use crate::error::CliError;

/// What to freeze or thaw: exactly one of --env, --principal, --all.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct ScopeArgs {
    /// Every gateway serving this environment.
    #[arg(long, value_name = "ENV")]
    env: Option<Environment>,
    /// Every call by this principal (a token's `sub`, or stdio's agent id).
    #[arg(long, value_name = "P")]
    principal: Option<String>,
    /// Everything, on every gateway.
    #[arg(long)]
    all: bool,
}

impl ScopeArgs {
    fn scope(&self) -> FreezeScope {
        match (&self.env, &self.principal) {
            (Some(e), _) => FreezeScope::Environment(*e),
            (None, Some(p)) => FreezeScope::Principal(p.clone()),
            (None, None) => FreezeScope::All,
        }
    }
}

/// `recourse freeze` / `recourse thaw`.
#[derive(Debug, Args)]
pub struct FreezeArgs {
    #[command(flatten)]
    scope: ScopeArgs,
    /// Why (shown to every refused agent, and recorded).
    #[arg(long)]
    reason: String,
    #[command(flatten)]
    state: StateDirArg,
}

fn control(state: &StateDirArg) -> Result<recourse_exec::ControlPlane, CliError> {
    recourse_exec::ControlPlane::open_in(&state.store_config()?, &state.resolve(), None)
        .map_err(|e| CliError::Config(e.to_string()))
}

pub fn freeze(args: FreezeArgs) -> Result<(), CliError> {
    let cp = control(&args.state)?;
    let f = cp
        .freeze(
            args.scope.scope(),
            &args.reason,
            &os_user(),
            recourse_exec::system_now(),
        )
        .map_err(|e| CliError::BadInput(e.to_string()))?;
    writeln!(
        std::io::stdout().lock(),
        "frozen: {} ({}); from the next call on, every gateway on this store refuses it",
        f.scope,
        f.id
    )?;
    Ok(())
}

pub fn thaw(args: FreezeArgs) -> Result<(), CliError> {
    let cp = control(&args.state)?;
    let lifted = cp
        .thaw(
            args.scope.scope(),
            &args.reason,
            &os_user(),
            recourse_exec::system_now(),
        )
        .map_err(|e| CliError::BadInput(e.to_string()))?;
    let mut out = std::io::stdout().lock();
    for f in lifted {
        writeln!(
            out,
            "thawed: {} ({}, frozen by {}: {})",
            f.scope, f.id, f.by, f.reason
        )?;
    }
    Ok(())
}
