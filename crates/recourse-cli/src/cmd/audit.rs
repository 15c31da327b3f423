//! `recourse audit verify|tail|checkpoint|keygen`.

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;
use recourse_exec::ControlPlane;
use recourse_exec::audit::AuditLog;
use recourse_shell::escape_for_display;

use crate::args::{AuditKeyArg, StateDirArg};
use crate::error::CliError;
use recourse_exec::state::checkpoint;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain and, with --public-key, the signed checkpoints; exit 0 if sound, 1
    /// naming the first bad record. A log rewritten with a recomputed chain, or cut, no longer
    /// matches its signed checkpoints.
    Verify {
        #[command(flatten)]
        state: StateDirArg,
        /// The audit key's public key (`ed25519:…`), or a file holding it: checkpoints must be
        /// signed by it and match the log.
        #[arg(long, value_name = "KEY|FILE")]
        public_key: Option<String>,
        /// A checkpoint kept elsewhere (e.g. printed by `audit checkpoint` into a ticket),
        /// checked too (repeatable).
        #[arg(long = "checkpoint", value_name = "FILE")]
        checkpoints: Vec<PathBuf>,
    },
    /// Print the latest signed checkpoint (to copy somewhere the gateway cannot write).
    Checkpoint {
        #[command(flatten)]
        state: StateDirArg,
    },
    /// Create the gateway's audit signing key (0600) and print its public key.
    Keygen {
        #[command(flatten)]
        key: AuditKeyArg,
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
        AuditCommand::Verify {
            state,
            public_key,
            checkpoints,
        } => {
            let dir = state.resolve();
            let anchor = ControlPlane::open(&dir, None)
                .ok()
                .and_then(|cp| cp.audit_anchor().ok().flatten());
            let log = AuditLog::new(recourse_exec::audit_path(&dir));
            let v = log
                .verify(anchor)
                .map_err(|e| CliError::AuditBroken(e.to_string()))?;
            writeln!(
                out,
                "ok: {} records, chain intact (last hash {})",
                v.records, v.last_hash
            )?;
            if let Some(pk) = public_key {
                let text = match std::fs::read_to_string(&pk) {
                    Ok(t) => t,
                    Err(_) => pk.clone(),
                };
                let key: recourse_plan::PublicKey = text
                    .trim()
                    .parse()
                    .map_err(|e| CliError::Config(format!("--public-key: {e}")))?;
                let mut notes = checkpoint::stored_notes(&dir)?;
                for f in &checkpoints {
                    notes.push(std::fs::read_to_string(f).map_err(|e| {
                        CliError::Config(format!("--checkpoint {}: {e}", f.display()))
                    })?);
                }
                let c = checkpoint::verify(log.path(), &notes, &key)
                    .map_err(|e| CliError::AuditBroken(e.to_string()))?;
                writeln!(
                    out,
                    "ok: {} signed checkpoint(s) verify; records 1..{} match them{}",
                    c.checkpoints,
                    c.records,
                    if c.records < v.records {
                        format!(
                            " ({} later record(s) not yet covered by a checkpoint)",
                            v.records - c.records
                        )
                    } else {
                        String::new()
                    }
                )?;
            }
        }
        AuditCommand::Checkpoint { state } => {
            let notes = checkpoint::stored_notes(&state.resolve())?;
            match notes.last() {
                Some(n) => write!(out, "{n}")?,
                None => {
                    return Err(CliError::Config(
                        "no checkpoint has been written (is the gateway started with --audit-key?)"
                            .into(),
                    ));
                }
            }
        }
        AuditCommand::Keygen { key } => {
            let path = key
                .audit_key
                .clone()
                .unwrap_or_else(|| crate::args::config_dir().join("audit.key"));
            if path.exists() {
                return Err(CliError::Config(format!(
                    "{} exists; a key is never overwritten",
                    path.display()
                )));
            }
            let k = recourse_exec::trust::generate_key()
                .map_err(|e| CliError::Config(e.to_string()))?;
            recourse_exec::trust::write_new_secret_key(&path, &k)
                .map_err(|e| CliError::Config(e.to_string()))?;
            writeln!(out, "{}", k.public())?;
            eprintln!(
                "wrote {} (0600); start the gateway with --audit-key {}",
                path.display(),
                path.display()
            );
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
