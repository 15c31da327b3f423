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
        /// Every chain: the state directory's file and each replica's chain in the store
        /// (with --store postgres://…), each checked whole; gaps and breaks are named per
        /// chain.
        #[arg(long)]
        all: bool,
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

fn parse_public_key(pk: &str) -> Result<recourse_plan::PublicKey, CliError> {
    let text = std::fs::read_to_string(pk).unwrap_or_else(|_| pk.to_owned());
    text.trim()
        .parse()
        .map_err(|e| CliError::Config(format!("--public-key: {e}")))
}

/// `audit verify --all`: the state directory's file (if any) and every chain in the store,
/// each walked whole (seq gaps, edits, reordering) and, with a key, against its signed
/// checkpoints. Reports every chain, then fails if any is broken.
fn verify_all(
    state: &StateDirArg,
    store: &recourse_exec::store::StoreConfig,
    key: Option<&recourse_plan::PublicKey>,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let dir = state.resolve();
    let mut broken = Vec::new();
    let file = recourse_exec::audit_path(&dir);
    if file.exists() {
        let anchor = ControlPlane::open(&dir, None)
            .ok()
            .and_then(|cp| cp.audit_anchor().ok().flatten());
        let log = AuditLog::new(&file);
        match log.verify(anchor) {
            Ok(v) => {
                let mut line = format!("ok: file {}: {} records", file.display(), v.records);
                if let Some(key) = key {
                    let notes = checkpoint::stored(&dir)?;
                    match checkpoint::verify(&file, &notes, key) {
                        Ok(c) => line.push_str(&format!(
                            ", {} signed checkpoint(s) cover 1..{}",
                            c.checkpoints, c.records
                        )),
                        Err(e) => broken.push(format!("file {}: {e}", file.display())),
                    }
                }
                writeln!(out, "{line}")?;
            }
            Err(e) => broken.push(format!("file {}: {e}", file.display())),
        }
    }
    if !matches!(store, recourse_exec::store::StoreConfig::Sqlite) {
        let cp = ControlPlane::open_in(store, &dir, None)
            .map_err(|e| CliError::Config(e.to_string()))?;
        let st = cp.store();
        let chains = st
            .audit_chains()
            .map_err(|e| CliError::Config(e.to_string()))?;
        for chain in chains {
            let id = &chain.log_id;
            let records = st
                .audit_records(id, 0)
                .map_err(|e| CliError::Config(e.to_string()))?;
            let mut text = String::new();
            for r in &records {
                text.push_str(&r.line);
                text.push('\n');
            }
            if let Err(e) = recourse_exec::audit::verify_text(text.as_bytes(), None) {
                broken.push(format!("chain {id}: {e}"));
                continue;
            }
            if let Some(r) = records.iter().find(|r| {
                serde_json::from_str::<serde_json::Value>(&r.line)
                    .ok()
                    .and_then(|v| v.get("log_id").and_then(|x| x.as_str()).map(str::to_owned))
                    .as_deref()
                    != Some(id.as_str())
            }) {
                broken.push(format!(
                    "chain {id}: record {} does not carry this chain's log id (moved from another chain?)",
                    r.seq
                ));
                continue;
            }
            let mut line = format!("ok: chain {id}: {} records, no gaps", records.len());
            if let Some(key) = key {
                let notes = checkpoint::stored_in(
                    &st.checkpoints(id)
                        .map_err(|e| CliError::Config(e.to_string()))?,
                );
                if notes.is_empty() && id == recourse_exec::CONTROL_LOG_ID {
                    line.push_str(" (the control plane's chain is not checkpointed)");
                } else {
                    match checkpoint::verify_text(text.as_bytes(), &notes, key) {
                        Ok(c) => line.push_str(&format!(
                            ", {} signed checkpoint(s) cover 1..{}",
                            c.checkpoints, c.records
                        )),
                        Err(e) => {
                            broken.push(format!("chain {id}: {e}"));
                            continue;
                        }
                    }
                }
            }
            writeln!(out, "{line}")?;
        }
    }
    if broken.is_empty() {
        Ok(())
    } else {
        Err(CliError::AuditBroken(broken.join("\n")))
    }
}

pub fn run(cmd: AuditCommand) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match cmd {
        AuditCommand::Verify {
            state,
            public_key,
            checkpoints,
            all,
        } => {
            let store = state.store_config()?;
            let key = public_key.as_deref().map(parse_public_key).transpose()?;
            if all || !matches!(store, recourse_exec::store::StoreConfig::Sqlite) {
                return verify_all(&state, &store, key.as_ref(), &mut out);
            }
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
            if let Some(key) = key {
                let mut notes = checkpoint::stored(&dir)?;
                for f in &checkpoints {
                    notes.push(checkpoint::Stored::note(
                        std::fs::read_to_string(f).map_err(|e| {
                            CliError::Config(format!("--checkpoint {}: {e}", f.display()))
                        })?,
                    ));
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
            let notes = checkpoint::stored(&state.resolve())?;
            match notes.last() {
                Some(n) => write!(out, "{}", n.note)?,
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
