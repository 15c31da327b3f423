//! `recourse store migrate`: the store's versioned schema.

use std::io::Write;

use clap::Subcommand;

use crate::args::StateDirArg;
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Apply the schema migrations the store lacks (PostgreSQL: before the first `serve`, and
    /// after an upgrade; `serve` refuses a schema that is not current). Idempotent.
    Migrate {
        #[command(flatten)]
        state: StateDirArg,
    },
}

pub fn run(cmd: StoreCommand) -> Result<(), CliError> {
    let StoreCommand::Migrate { state } = cmd;
    let store = state.store_config()?;
    if matches!(store, recourse_exec::store::StoreConfig::Sqlite) {
        recourse_exec::prepare_state_dir(&state.resolve())
            .map_err(|e| CliError::Config(e.to_string()))?;
    }
    let report = store
        .migrate(&state.resolve())
        .map_err(|e| CliError::Config(e.to_string()))?;
    let mut out = std::io::stdout().lock();
    for (v, what) in &report.applied {
        writeln!(out, "applied {v}: {what}")?;
    }
    writeln!(
        out,
        "{} store at schema version {} (was {})",
        store.kind(),
        report.to,
        report.from
    )?;
    Ok(())
}
