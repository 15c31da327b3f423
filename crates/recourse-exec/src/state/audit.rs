//! The audit log: append-only JSON Lines with a hash chain.
//!
//! Each record carries `seq` (1, 2, …), `ts` (RFC 3339) and `ts_unix`, the `event`, the policy
//! hash, event details, `prev_hash` (the previous record's `hash`; 64 zeros for the first) and
//! `hash` = sha256 of the record's canonical JSON without `hash`. Lines are written in canonical
//! form, under an exclusive file lock (so several processes can append), and fsynced before the
//! append returns: the gate writes its "decided" record before any effect, and refuses the call
//! if the append fails. [`AuditLog::append_batch`] writes several records under one lock and one
//! fsync; the gateway's recorder groups concurrent calls' records that way (group commit), and
//! each record is still on disk before its own call goes on. The store keeps the last (seq, hash) as an anchor so that cutting
//! records off the end is detected too.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use recourse_plan::Timestamp;
use recourse_policy::Digest;
use recourse_policy::canonical::to_canonical_string;
use serde_json::{Map, Value, json};

/// `prev_hash` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Why an append failed (the caller must then refuse to act).
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    /// The log could not be opened, locked, written or synced.
    #[error("audit log {path}: {source}")]
    Io {
        /// Log path.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The last record is incomplete or unreadable: appending would extend a broken chain.
    #[error(
        "audit log {path}: the last record is damaged ({problem}); run `recourse audit verify`"
    )]
    DamagedTail {
        /// Log path.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// The store that keeps this chain could not take the records.
    #[error("audit chain `{log_id}` in the store: {detail}")]
    Store {
        /// The chain.
        log_id: String,
        /// What failed.
        detail: String,
    },
}

/// The first problem found in a log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit log broken at line {line}{}: {problem}", seq.map(|s| format!(" (record seq {s})")).unwrap_or_default())]
pub struct VerifyError {
    /// 1-based line number.
    pub line: usize,
    /// The record's seq, if readable.
    pub seq: Option<u64>,
    /// What is wrong.
    pub problem: String,
}

/// A sound chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Number of records.
    pub records: u64,
    /// Hash of the last record (or the genesis value).
    pub last_hash: String,
}

/// An audit log file.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    /// The file as this process last appended to it, kept open between appends.
    open: std::sync::Mutex<Option<Box<Appending>>>,
}

impl Clone for AuditLog {
    fn clone(&self) -> Self {
        AuditLog::new(self.path.clone())
    }
}

/// The open log and where its chain ended after this process's last append: the next append
/// reads the tail back only if the file is no longer that (another process appended, or the
/// path now names another file).
#[derive(Debug)]
struct Appending {
    file: File,
    /// Device and inode of `file`.
    id: (u64, u64),
    /// Its length after the last append, the last line as written (read back at its place
    /// to see that no one rewrote it), and that record's seq and hash.
    end: u64,
    last_line: Vec<u8>,
    seq: u64,
    hash: String,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> AppendError + '_ {
    move |source| AppendError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The hash a record must carry: sha256 of its canonical JSON without `hash`.
pub fn record_hash(record: &Map<String, Value>) -> String {
    let mut without = record.clone();
    without.remove("hash");
    Digest::of_canonical_json(&Value::Object(without)).to_hex()
}

/// Whether `file`, `end` bytes long, ends with `line`.
fn ends_with(file: &File, end: u64, line: &[u8]) -> bool {
    use std::os::unix::fs::FileExt;
    let Some(at) = end.checked_sub(line.len() as u64) else {
        return false;
    };
    let mut buf = vec![0u8; line.len()];
    file.read_exact_at(&mut buf, at).is_ok() && buf == line
}

/// The last complete line of the file, reading backwards in growing windows.
fn last_line(file: &mut File) -> std::io::Result<(Option<Vec<u8>>, bool)> {
    let len = file.seek(SeekFrom::End(0))?;
    if len == 0 {
        return Ok((None, true));
    }
    let mut window: u64 = 64 * 1024;
    loop {
        let start = len.saturating_sub(window);
        file.seek(SeekFrom::Start(start))?;
        let mut buf = Vec::new();
        file.take(len - start).read_to_end(&mut buf)?;
        let complete = buf.last() == Some(&b'\n');
        let body = if complete {
            &buf[..buf.len() - 1]
        } else {
            &buf[..]
        };
        if let Some(pos) = body.iter().rposition(|c| *c == b'\n') {
            return Ok((Some(body[pos + 1..].to_vec()), complete));
        }
        if start == 0 {
            return Ok((Some(body.to_vec()), complete));
        }
        window *= 4;
    }
}

impl AppendError {
    /// The same failure, for each record of a batch that failed as a whole.
    pub(crate) fn duplicate(&self) -> AppendError {
        match self {
            AppendError::Io { path, source } => AppendError::Io {
                path: path.clone(),
                source: std::io::Error::new(source.kind(), source.to_string()),
            },
            AppendError::DamagedTail { path, problem } => AppendError::DamagedTail {
                path: path.clone(),
                problem: problem.clone(),
            },
            AppendError::Store { log_id, detail } => AppendError::Store {
                log_id: log_id.clone(),
                detail: detail.clone(),
            },
        }
    }
}

/// One record to append: its event name, time and details.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The `event` field.
    pub event: &'static str,
    /// When it happened.
    pub now: Timestamp,
    /// Its details (already redacted).
    pub details: Map<String, Value>,
}

/// Chains `entries` after (`seq` − 1, `prev_hash`): each gets its seq, times, event, the
/// policy hash, `log_id` (for chains kept in a store), `prev_hash` and `hash`. Returns the
/// canonical lines (newline-terminated) and the records.
pub fn seal(
    mut seq: u64,
    mut prev_hash: String,
    policy_hash: Digest,
    entries: Vec<Entry>,
    log_id: Option<&str>,
) -> (String, Vec<Map<String, Value>>) {
    let mut text = String::new();
    let mut written = Vec::with_capacity(entries.len());
    for Entry {
        event,
        now,
        details,
    } in entries
    {
        let mut record = details;
        record.insert("seq".into(), json!(seq));
        record.insert("ts".into(), json!(now.to_rfc3339()));
        record.insert("ts_unix".into(), json!(now.0));
        record.insert("event".into(), json!(event));
        record.insert("policy_sha256".into(), json!(policy_hash.to_hex()));
        if let Some(id) = log_id {
            record.insert("log_id".into(), json!(id));
        }
        record.insert("prev_hash".into(), json!(prev_hash));
        record.remove("hash");
        let hash = record_hash(&record);
        record.insert("hash".into(), json!(hash));
        text.push_str(&to_canonical_string(&Value::Object(record.clone())));
        text.push('\n');
        written.push(record);
        seq += 1;
        prev_hash = hash;
    }
    (text, written)
}

impl AuditLog {
    /// The log at `path` (created on first append, mode 0600).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        AuditLog {
            path: path.into(),
            open: std::sync::Mutex::new(None),
        }
    }

    /// The log's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one event and fsyncs it. Returns the record as written.
    pub fn append(
        &self,
        event: &'static str,
        policy_hash: Digest,
        now: Timestamp,
        details: Map<String, Value>,
    ) -> Result<Map<String, Value>, AppendError> {
        let mut written = self.append_batch(
            policy_hash,
            vec![Entry {
                event,
                now,
                details,
            }],
        )?;
        Ok(written.pop().unwrap_or_default())
    }

    /// Appends records in order under one lock, with one write and one fsync. Returns them as
    /// written. All or nothing: when it fails, no record of the batch may be taken as written.
    pub fn append_batch(
        &self,
        policy_hash: Digest,
        entries: Vec<Entry>,
    ) -> Result<Vec<Map<String, Value>>, AppendError> {
        use std::os::unix::fs::MetadataExt;
        let path = self.path.as_path();
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        // The file kept open is used only while the path still names it; on any failure it is
        // dropped (closed, which releases the lock) and the next append opens the path again.
        let kept = open
            .take()
            .filter(|a| std::fs::metadata(path).is_ok_and(|m| (m.dev(), m.ino()) == a.id));
        let (mut file, known) = match kept {
            Some(a) => (a.file, Some((a.end, a.last_line, a.seq, a.hash))),
            None => (
                OpenOptions::new()
                    .create(true)
                    .read(true)
                    .append(true)
                    .mode(0o600)
                    .open(path)
                    .map_err(io(path))?,
                None,
            ),
        };
        file.lock().map_err(io(path))?;
        let meta = file.metadata().map_err(io(path))?;
        let (seq, prev_hash) = match known {
            // Nobody wrote since this process did: the chain ends where it left it.
            Some((end, line, seq, hash)) if end == meta.len() && ends_with(&file, end, &line) => {
                (seq + 1, hash)
            }
            _ => Self::chain_end(path, &mut file)?,
        };
        let (text, written) = seal(seq, prev_hash, policy_hash, entries, None);
        file.write_all(text.as_bytes()).map_err(io(path))?;
        // fdatasync: the appended bytes and the new length are what a reader needs after a
        // crash (the file's times are not).
        file.sync_data().map_err(io(path))?;
        let last = written.last().and_then(|r| {
            Some((
                r.get("seq").and_then(Value::as_u64)?,
                r.get("hash").and_then(Value::as_str)?.to_owned(),
            ))
        });
        let last_line = text
            .trim_end_matches('\n')
            .rsplit('\n')
            .next()
            .map(|l| format!("{l}\n").into_bytes());
        if let (Some((seq, hash)), Some(last_line)) = (last, last_line)
            && let Ok(now) = file.metadata()
            && file.unlock().is_ok()
        {
            *open = Some(Box::new(Appending {
                file,
                id: (now.dev(), now.ino()),
                end: now.len(),
                last_line,
                seq,
                hash,
            }));
        }
        Ok(written)
    }

    /// The next record's seq and `prev_hash`, from the last line of the locked `file`.
    fn chain_end(path: &Path, file: &mut File) -> Result<(u64, String), AppendError> {
        let (last, complete) = last_line(file).map_err(io(path))?;
        match last {
            None => Ok((1, GENESIS.to_owned())),
            Some(_) if !complete => Err(AppendError::DamagedTail {
                path: path.to_owned(),
                problem: "the file does not end with a complete line".into(),
            }),
            Some(line) => {
                let v: Value =
                    serde_json::from_slice(&line).map_err(|e| AppendError::DamagedTail {
                        path: path.to_owned(),
                        problem: e.to_string(),
                    })?;
                let seq = v.get("seq").and_then(Value::as_u64);
                let hash = v.get("hash").and_then(Value::as_str);
                match (seq, hash) {
                    (Some(s), Some(h)) => Ok((s + 1, h.to_owned())),
                    _ => Err(AppendError::DamagedTail {
                        path: path.to_owned(),
                        problem: "the last record has no seq or hash".into(),
                    }),
                }
            }
        }
    }

    /// Walks the chain and names the first broken record. `anchor` is the (seq, hash) the
    /// store last recorded; a log that ends before it was truncated.
    pub fn verify(&self, anchor: Option<(u64, String)>) -> Result<Verified, VerifyError> {
        let mut text = Vec::new();
        match File::open(&self.path) {
            Ok(mut f) => {
                f.read_to_end(&mut text).map_err(|e| VerifyError {
                    line: 0,
                    seq: None,
                    problem: format!("cannot read {}: {e}", self.path.display()),
                })?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && anchor.is_none() => {
                return Ok(Verified {
                    records: 0,
                    last_hash: GENESIS.into(),
                });
            }
            Err(e) => {
                return Err(VerifyError {
                    line: 0,
                    seq: None,
                    problem: format!("cannot read {}: {e}", self.path.display()),
                });
            }
        }
        verify_text(&text, anchor)
    }

    /// The last `n` records, oldest first (unverified; for display).
    pub fn tail(&self, n: usize) -> std::io::Result<Vec<Value>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e),
        };
        let lines: Vec<&str> = text.lines().collect();
        Ok(lines[lines.len().saturating_sub(n)..]
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect())
    }
}

/// Walks a chain given as JSON Lines and names the first broken record; `anchor` as for
/// [`AuditLog::verify`].
pub fn verify_text(text: &[u8], anchor: Option<(u64, String)>) -> Result<Verified, VerifyError> {
    let mut prev = GENESIS.to_owned();
    let mut expected_seq = 1u64;
    let ends_complete = text.is_empty() || text.last() == Some(&b'\n');
    let lines: Vec<&[u8]> = text.split(|c| *c == b'\n').collect();
    let count = lines.len().saturating_sub(1); // the piece after the final newline
    for (i, raw) in lines.iter().enumerate() {
        let line_no = i + 1;
        if i == count {
            if !ends_complete {
                return Err(VerifyError {
                    line: line_no,
                    seq: None,
                    problem: "incomplete record (the file was truncated or a write was cut off)"
                        .into(),
                });
            }
            break;
        }
        let fail = |seq: Option<u64>, problem: String| VerifyError {
            line: line_no,
            seq,
            problem,
        };
        let v: Value = serde_json::from_slice(raw)
            .map_err(|e| fail(None, format!("not a JSON record: {e}")))?;
        let Value::Object(rec) = v else {
            return Err(fail(None, "not a JSON object".into()));
        };
        let seq = rec.get("seq").and_then(Value::as_u64);
        if seq != Some(expected_seq) {
            return Err(fail(
                seq,
                format!(
                    "expected seq {expected_seq}, found {} (a record was deleted, inserted or reordered)",
                    seq.map_or("none".into(), |s| s.to_string())
                ),
            ));
        }
        if rec.get("prev_hash").and_then(Value::as_str) != Some(prev.as_str()) {
            return Err(fail(seq, "prev_hash does not match the previous record's hash (a record was deleted, inserted or reordered)".into()));
        }
        let stored = rec.get("hash").and_then(Value::as_str).unwrap_or("");
        let computed = record_hash(&rec);
        if stored != computed {
            return Err(fail(
                seq,
                "hash does not match the record's content (the record was edited)".into(),
            ));
        }
        if let Some((aseq, ahash)) = &anchor
            && *aseq == expected_seq
            && ahash != stored
        {
            return Err(fail(
                seq,
                "the record differs from the one the store anchored".into(),
            ));
        }
        prev = stored.to_owned();
        expected_seq += 1;
    }
    let records = expected_seq - 1;
    if let Some((aseq, _)) = anchor
        && aseq > records
    {
        return Err(VerifyError {
            line: count + 1,
            seq: Some(records + 1),
            problem: format!(
                "the log ends at record {records}, but record {aseq} was written (records were cut off the end)"
            ),
        });
    }
    Ok(Verified {
        records,
        last_hash: prev,
    })
}
