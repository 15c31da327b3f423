//! `recourse audit verify` and `recourse audit tail`.

use std::io::Write;

use clap::Subcommand;
use recourse_exec::ControlPlane;
use recourse_exec::audit::AuditLog;
use recourse_shell::escape_for_display;

use crate::args::StateDirArg;
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain; exit 0 if sound, 1 naming the first bad record.
    Verify {
        #[command(flatten)]
        state: StateDirArg,
    },
    /// Show the most recent records.
    Tail {
        #[command(flatten)]
        state: StateDirArg,
        /// How many.
        #[arg(short = 'n', long, default_value_t = 20)]
        lines: usize,
        /// Raw JSON lines.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cmd: AuditCommand) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match cmd {
        AuditCommand::Verify { state } => {
            let dir = state.resolve();
            let anchor = ControlPlane::open(&dir)
                .ok()
                .and_then(|cp| cp.audit_anchor().ok().flatten());
            let log = AuditLog::new(recourse_exec::audit_path(&dir));
            match log.verify(anchor) {
                Ok(v) => writeln!(
                    out,
                    "ok: {} records, chain intact (last hash {})",
                    v.records, v.last_hash
                )?,
                Err(e) => return Err(CliError::AuditBroken(e.to_string())),
            }
        }
        AuditCommand::Tail { state, lines, json } => {
            let log = AuditLog::new(recourse_exec::audit_path(&state.resolve()));
            for rec in log.tail(lines)? {
                if json {
                    writeln!(out, "{rec}")?;
                    continue;
                }
                let get = |k: &str| {
                    rec.get(k)
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                        .unwrap_or_default()
                };
                let mut extra = Vec::new();
                for k in [
                    "tool",
                    "decision",
                    "approval_id",
                    "plan_id",
                    "exit_code",
                    "approver",
                    "message",
                    "error",
                ] {
                    if let Some(v) = rec.get(k).filter(|v| !v.is_null()) {
                        extra.push(format!(
                            "{k}={}",
                            v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                        ));
                    }
                }
                writeln!(
                    out,
                    "{:>5} {} {:<19} {}",
                    get("seq"),
                    get("ts"),
                    get("event"),
                    escape_for_display(&extra.join(" "))
                )?;
            }
        }
    }
    Ok(())
}
