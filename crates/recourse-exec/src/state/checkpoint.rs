//! Writing and checking signed checkpoints of the audit log (see `recourse_plan::Checkpoint`).
//!
//! The gateway signs a checkpoint every [`EVERY_RECORDS`] records, every [`EVERY_SECONDS`]
//! seconds while records arrive, and at shutdown, with its audit key (kept outside the state
//! directory). Checkpoints are appended to `<state>/checkpoints.jsonl`, one JSON object per
//! line (`{"size": N, "note": "<signed note>", "leaves": [...]}`, `leaves` being the leaf
//! hashes of the records since the previous checkpoint); `recourse audit checkpoint` prints the
//! latest to copy elsewhere. `recourse audit verify --public-key` recomputes the Merkle root of
//! every checkpointed prefix of the log. The stored leaves are trusted only once they reproduce
//! every signed root; then they name the exact first record that no longer matches.

use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use recourse_plan::{Checkpoint, Frontier, PublicKey, SecretKey, Timestamp, leaf_hash};
use recourse_policy::Digest;
use serde_json::{Value, json};

use crate::state::store::{StateStore, StoredCheckpoint};

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
    /// Leaf hashes of the records since the last checkpoint written.
    leaves: Vec<[u8; 32]>,
    /// Size and time of the last checkpoint written.
    last_size: u64,
    last_at: Option<Timestamp>,
}

/// The name in its checkpoints of a chain kept in a store.
pub fn store_origin(log_id: &str) -> String {
    format!("recourse.audit/{log_id}")
}

/// Where a checkpointer reads records and writes checkpoints.
#[derive(Debug)]
enum Place {
    /// The state directory's log and `checkpoints.jsonl`.
    File { log: PathBuf, out: PathBuf },
    /// A chain in the store and the store's checkpoints of it.
    Store {
        store: Arc<dyn StateStore>,
        log_id: String,
    },
}

/// The gateway's checkpoint writer.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    key: SecretKey,
    origin: String,
    place: Place,
    progress: Mutex<Progress>,
}

impl Checkpointer {
    pub(crate) fn new(state_dir: &Path, log: PathBuf, key: SecretKey) -> Checkpointer {
        Checkpointer {
            key,
            origin: origin(state_dir),
            place: Place::File {
                log,
                out: checkpoints_path(state_dir),
            },
            progress: Mutex::new(Progress::default()),
        }
    }

    /// The checkpointer of chain `log_id` in `store`.
    pub(crate) fn in_store(
        store: Arc<dyn StateStore>,
        log_id: &str,
        key: SecretKey,
    ) -> Checkpointer {
        Checkpointer {
            key,
            origin: store_origin(log_id),
            place: Place::Store {
                store,
                log_id: log_id.to_owned(),
            },
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

    /// Hashes the records written since the last call into the tree.
    fn catch_up(&self, p: &mut Progress) -> std::io::Result<()> {
        match &self.place {
            Place::File { log, .. } => {
                let mut f = std::fs::File::open(log)?;
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
                    let leaf = leaf_hash(line);
                    p.tree.push(leaf);
                    p.leaves.push(leaf);
                }
                p.offset += complete as u64;
            }
            Place::Store { store, log_id } => {
                for r in store
                    .audit_records(log_id, p.tree.size())
                    .map_err(std::io::Error::other)?
                {
                    let leaf = leaf_hash(r.line.as_bytes());
                    p.tree.push(leaf);
                    p.leaves.push(leaf);
                }
            }
        }
        Ok(())
    }

    fn write(&self, p: &mut Progress, now: Timestamp) -> std::io::Result<()> {
        self.catch_up(p)?;
        if p.tree.size() == p.last_size {
            return Ok(());
        }
        let cp = Checkpoint {
            origin: self.origin.clone(),
            size: p.tree.size(),
            root: p.tree.root(),
        };
        let leaves: Vec<String> = p.leaves.iter().map(hex).collect();
        let note = cp.sign(&self.key);
        match &self.place {
            Place::File { out, .. } => {
                let mut line = json!({"size": cp.size, "note": note, "leaves": leaves}).to_string();
                line.push('\n');
                let mut out = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(out)?;
                out.write_all(line.as_bytes())?;
                out.sync_all()?;
            }
            Place::Store { store, log_id } => store
                .put_checkpoint(
                    log_id,
                    &StoredCheckpoint {
                        size: cp.size,
                        note,
                        leaves: json!(leaves).to_string(),
                    },
                )
                .map_err(std::io::Error::other)?,
        }
        p.last_size = cp.size;
        p.last_at = Some(now);
        p.leaves.clear();
        Ok(())
    }
}

fn hex(b: &[u8; 32]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// One line of `checkpoints.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The signed note.
    pub note: String,
    /// The leaf hashes of the records since the previous stored checkpoint (unsigned: trusted
    /// only when they reproduce the signed roots). `None` when absent or malformed.
    pub leaves: Option<Vec<[u8; 32]>>,
}

impl Stored {
    /// A checkpoint from elsewhere (e.g. `--checkpoint FILE`), without leaves.
    pub fn note(note: String) -> Stored {
        Stored { note, leaves: None }
    }
}

/// The checkpoints stored beside a log, oldest first.
pub fn stored(state_dir: &Path) -> std::io::Result<Vec<Stored>> {
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
            out.push(Stored {
                note: n.to_owned(),
                leaves: v.get("leaves").and_then(leaves_of),
            });
        }
    }
    Ok(out)
}

fn leaves_of(v: &Value) -> Option<Vec<[u8; 32]>> {
    v.as_array()?
        .iter()
        .map(|x| x.as_str().and_then(unhex))
        .collect()
}

/// The checkpoints a store keeps of one chain, oldest first.
pub fn stored_in(cps: &[StoredCheckpoint]) -> Vec<Stored> {
    cps.iter()
        .map(|c| Stored {
            note: c.note.clone(),
            leaves: serde_json::from_str::<Value>(&c.leaves)
                .ok()
                .as_ref()
                .and_then(leaves_of),
        })
        .collect()
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

/// The stored leaves, if together they reproduce the root of every signed checkpoint they
/// reach: then they are the leaves the gateway signed, record by record.
fn authentic_leaves(stored: &[Stored], cps: &[Checkpoint]) -> Option<Vec<[u8; 32]>> {
    let mut all = Vec::new();
    for s in stored {
        all.extend_from_slice(s.leaves.as_deref()?);
    }
    let mut tree = Frontier::default();
    let mut at = 0usize;
    for cp in cps {
        if cp.size > all.len() as u64 {
            break;
        }
        while tree.size() < cp.size {
            tree.push(*all.get(at)?);
            at += 1;
        }
        if tree.root() != cp.root {
            return None;
        }
    }
    (!all.is_empty()).then_some(all)
}

/// Checks a log against signed checkpoints: every note must be signed by `key`, cover no more
/// records than the log has, and match the Merkle root of the log's first `size` records.
/// Names the first record that does not match.
pub fn verify(log: &Path, stored: &[Stored], key: &PublicKey) -> Result<Covered, CheckpointError> {
    let text = std::fs::read(log)
        .map_err(|e| CheckpointError(format!("cannot read {}: {e}", log.display())))?;
    verify_text(&text, stored, key)
}

/// [`verify`] for a chain given as JSON Lines.
pub fn verify_text(
    text: &[u8],
    stored: &[Stored],
    key: &PublicKey,
) -> Result<Covered, CheckpointError> {
    if stored.is_empty() {
        return Err(CheckpointError(
            "no signed checkpoint: the log cannot be checked against the audit key (was it written without --audit-key, or were its checkpoints removed?)".into(),
        ));
    }
    let mut cps = Vec::new();
    for (i, s) in stored.iter().enumerate() {
        let cp = Checkpoint::open(&s.note, key)
            .map_err(|e| CheckpointError(format!("checkpoint {}: {e}", i + 1)))?;
        cps.push(cp);
    }
    cps.sort_by_key(|c| c.size);
    let lines: Vec<[u8; 32]> = text
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(leaf_hash)
        .collect();
    // The stored file's checkpoints come first; leaves are usable up to the first without.
    let with_leaves = stored.iter().take_while(|s| s.leaves.is_some()).count();
    if let Some(signed) = authentic_leaves(&stored[..with_leaves], &cps)
        && let Some(i) = signed.iter().zip(&lines).position(|(a, b)| a != b)
    {
        return Err(CheckpointError(format!(
            "record {} does not match the signed checkpoints: it was changed, removed, or a record was inserted before it (records 1..{} match)",
            i + 1,
            i
        )));
    }
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
            tree.push(lines[at]);
            at += 1;
        }
        if tree.root() != cp.root {
            return Err(CheckpointError(format!(
                "a record from {} to {} was changed, removed or inserted: the log no longer matches the signed checkpoint of size {} (records 1..{} match)",
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
