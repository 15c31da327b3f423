//! Writing and checking signed checkpoints of the audit log (see `recourse_plan::Checkpoint`).
//!
//! The gateway signs a checkpoint every [`EVERY_RECORDS`] records, every [`EVERY_SECONDS`]
//! seconds while records arrive, and at shutdown, with its audit key (kept outside the state
//! directory). Checkpoints are appended to `<state>/checkpoints.jsonl`, one JSON object per
//! line (`{"size": N, "note": "<signed note>"}`); `recourse audit checkpoint` prints the latest
//! to copy elsewhere. `recourse audit verify --public-key` recomputes the Merkle root of every
//! checkpointed prefix of the log and names the first record that no longer matches.

use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use recourse_plan::{Checkpoint, Frontier, PublicKey, SecretKey, Timestamp, leaf_hash};
use recourse_policy::Digest;
use serde_json::{Value, json};

/// A checkpoint after this many new records.
pub const EVERY_RECORDS: u64 = 256;
/// A checkpoint after this many seconds, if records arrived meanwhile.
pub const EVERY_SECONDS: u64 = 60;

/// Where a state directory's checkpoints are.
pub fn checkpoints_path(state_dir: &Path) -> PathBuf {
    state_dir.join("checkpoints.jsonl")
}

/// The log's name in its checkpoints: stable for a state directory.
pub fn origin(state_dir: &Path) -> String {
    let canon = state_dir
        .canonicalize()
        .unwrap_or_else(|_| state_dir.to_owned());
    let id = Digest::of(canon.display().to_string().as_bytes()).to_hex();
    format!("recourse.audit/{}", &id[..16])
}

#[derive(Debug, Default)]
struct Progress {
    /// Bytes of the log already hashed.
    offset: u64,
    tree: Frontier,
    /// Size and time of the last checkpoint written.
    last_size: u64,
    last_at: Option<Timestamp>,
}

/// The gateway's checkpoint writer.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    key: SecretKey,
    origin: String,
    log: PathBuf,
    out: PathBuf,
    progress: Mutex<Progress>,
}

impl Checkpointer {
    pub(crate) fn new(state_dir: &Path, log: PathBuf, key: SecretKey) -> Checkpointer {
        Checkpointer {
            key,
            origin: origin(state_dir),
            log,
            out: checkpoints_path(state_dir),
            progress: Mutex::new(Progress::default()),
        }
    }

    /// Writes a checkpoint if enough records or time have passed since the last one (`force`:
    /// whenever there is anything new, e.g. at shutdown). Never fails the caller: a failure is
    /// logged (the chain itself is intact; only its signature lags).
    pub(crate) fn maybe(&self, records: u64, now: Timestamp, force: bool) {
        let mut p = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        let new = records.saturating_sub(p.last_size);
        let due = new >= EVERY_RECORDS
            || (new > 0 && p.last_at.is_none_or(|t| now.0 >= t.0 + EVERY_SECONDS))
            || (new > 0 && force);
        if !due {
            return;
        }
        if let Err(e) = self.write(&mut p, now) {
            tracing::error!(error = %e, "audit checkpoint not written");
        }
    }

    fn write(&self, p: &mut Progress, now: Timestamp) -> std::io::Result<()> {
        let mut f = std::fs::File::open(&self.log)?;
        // Appends hold an exclusive lock; a shared one sees only whole records.
        f.lock_shared()?;
        f.seek(SeekFrom::Start(p.offset))?;
        let mut rest = Vec::new();
        f.read_to_end(&mut rest)?;
        let complete = rest.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        for line in rest[..complete]
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
        {
            p.tree.push(leaf_hash(line));
        }
        p.offset += complete as u64;
        drop(f);
        if p.tree.size() == p.last_size {
            return Ok(());
        }
        let cp = Checkpoint {
            origin: self.origin.clone(),
            size: p.tree.size(),
            root: p.tree.root(),
        };
        let mut line = json!({"size": cp.size, "note": cp.sign(&self.key)}).to_string();
        line.push('\n');
        let mut out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.out)?;
        out.write_all(line.as_bytes())?;
        out.sync_all()?;
        p.last_size = cp.size;
        p.last_at = Some(now);
        Ok(())
    }
}

/// The signed notes stored beside a log, oldest first.
pub fn stored_notes(state_dir: &Path) -> std::io::Result<Vec<String>> {
    let f = match std::fs::File::open(checkpoints_path(state_dir)) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for line in BufReader::new(f).lines() {
        let line = line?;
        if let Ok(v) = serde_json::from_str::<Value>(&line)
            && let Some(n) = v.get("note").and_then(Value::as_str)
        {
            out.push(n.to_owned());
        }
    }
    Ok(out)
}

/// The first problem between a log and its checkpoints.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CheckpointError(pub String);

/// What the checkpoints proved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Covered {
    /// Checkpoints that verified.
    pub checkpoints: usize,
    /// Records covered by the largest one.
    pub records: u64,
}

/// Checks a log against signed checkpoints: every note must be signed by `key`, cover no more
/// records than the log has, and match the Merkle root of the log's first `size` records.
/// Names the first record that does not match.
pub fn verify(log: &Path, notes: &[String], key: &PublicKey) -> Result<Covered, CheckpointError> {
    if notes.is_empty() {
        return Err(CheckpointError(
            "no signed checkpoint: the log cannot be checked against the audit key (was it written without --audit-key, or were its checkpoints removed?)".into(),
        ));
    }
    let mut cps = Vec::new();
    for (i, n) in notes.iter().enumerate() {
        let cp = Checkpoint::open(n, key)
            .map_err(|e| CheckpointError(format!("checkpoint {}: {e}", i + 1)))?;
        cps.push(cp);
    }
    cps.sort_by_key(|c| c.size);
    let text = std::fs::read(log)
        .map_err(|e| CheckpointError(format!("cannot read {}: {e}", log.display())))?;
    let lines: Vec<&[u8]> = text
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let mut tree = Frontier::default();
    let mut matched = 0u64;
    let mut at = 0usize;
    for cp in &cps {
        if cp.size > lines.len() as u64 {
            return Err(CheckpointError(format!(
                "the log ends at record {}, but a signed checkpoint covers {} records: record {} onwards was cut off",
                lines.len(),
                cp.size,
                lines.len() + 1
            )));
        }
        while tree.size() < cp.size {
            tree.push(leaf_hash(lines[at]));
            at += 1;
        }
        if tree.root() != cp.root {
            return Err(CheckpointError(format!(
                "record {} (seq) or one after it up to {} was changed, removed or inserted: the log no longer matches the signed checkpoint of size {} (records up to {} match)",
                matched + 1,
                cp.size,
                cp.size,
                matched
            )));
        }
        matched = cp.size;
    }
    Ok(Covered {
        checkpoints: cps.len(),
        records: matched,
    })
}
