//! The one audit writer. The gate and the control plane both record through a [`Recorder`], so
//! redaction, the anchor and the fail-closed rule are written once. A method's name says what
//! happens when the log cannot be written:
//!
//! - `Recorder::decided` is the record that must be on disk before an effect; it returns a
//!   `Decided` proof, and `Permit::mint` takes one, so "if the append fails, nothing runs" is
//!   a compile-time fact;
//! - [`Recorder::record`] returns the error for the caller to report;
//! - [`Recorder::best_effort`] logs a failure and goes on (used only where the effect already
//!   happened or nothing depends on the record).

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use recourse_plan::Timestamp;
use recourse_policy::Digest;
use serde_json::{Map, Value};

use crate::metrics::Metrics;
use crate::redact::Redactor;
use crate::state::audit::{AppendError, AuditLog, Entry, seal};
use crate::state::checkpoint::Checkpointer;
use crate::state::group::GroupCommit;
use crate::state::store::{LogGuard, StateStore, Store, StoreError};
use crate::state::{audit_path, db_path};

/// What happened, as the audit log names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// The gateway started.
    Startup,
    /// How the gateway serves (transport, authentication), recorded when it starts serving.
    Serving,
    /// A call was decided and is about to run (written before the effect).
    Decided,
    /// A call ran.
    Executed,
    /// A plan was made and stored.
    Planned,
    /// A call was refused without running.
    Refused,
    /// A call's input was invalid.
    RejectedInput,
    /// An escalation created (or reused) a pending approval.
    ApprovalRequested,
    /// An approval was used up by the call it was bound to.
    ApprovalConsumed,
    /// The agent polled an approval.
    ApprovalChecked,
    /// The agent looked up a plan.
    PlanLookedUp,
    /// A human granted an approval.
    ApprovalGranted,
    /// A human rejected an approval.
    ApprovalRejected,
    /// A human's decision was refused (self-approval, not pending, …).
    ApprovalResolutionRefused,
    /// A human granted a blocked plan through break-glass.
    BreakGlass,
    /// An approval carried decisions that do not verify (forged, altered, or by someone the
    /// approvers file does not register).
    ApprovalForgery,
    /// An approval passed one of its deadlines unused.
    ApprovalExpired,
    /// A signed checkpoint of the log was written.
    Checkpoint,
    /// A human froze agents (an environment, a principal, or all).
    Freeze,
    /// A human lifted a freeze.
    Thaw,
}

impl EventKind {
    /// The `event` field of the record.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Startup => "startup",
            EventKind::Serving => "serving",
            EventKind::Decided => "decided",
            EventKind::Executed => "executed",
            EventKind::Planned => "planned",
            EventKind::Refused => "refused",
            EventKind::RejectedInput => "rejected_input",
            EventKind::ApprovalRequested => "approval_requested",
            EventKind::ApprovalConsumed => "approval_consumed",
            EventKind::ApprovalChecked => "approval_checked",
            EventKind::PlanLookedUp => "plan_looked_up",
            EventKind::ApprovalGranted => "approval_granted",
            EventKind::ApprovalRejected => "approval_rejected",
            EventKind::ApprovalResolutionRefused => "approval_resolution_refused",
            EventKind::BreakGlass => "break_glass",
            EventKind::ApprovalForgery => "approval_forgery",
            EventKind::ApprovalExpired => "approval_expired",
            EventKind::Checkpoint => "checkpoint",
            EventKind::Freeze => "freeze",
            EventKind::Thaw => "thaw",
        }
    }
}

/// One event to record: its kind and its details (redacted before they are written).
#[derive(Debug, Clone)]
pub struct AuditEvent {
    kind: EventKind,
    details: Map<String, Value>,
}

impl AuditEvent {
    /// An event; details that are not a JSON object are kept under `detail`.
    pub fn new(kind: EventKind, details: Value) -> Self {
        let details = match details {
            Value::Object(m) => m,
            other => {
                let mut m = Map::new();
                m.insert("detail".into(), other);
                m
            }
        };
        AuditEvent { kind, details }
    }

    /// The kind.
    pub fn kind(&self) -> EventKind {
        self.kind
    }

    /// Adds a detail.
    pub fn with(mut self, key: &str, value: Value) -> Self {
        self.details.insert(key.to_owned(), value);
        self
    }
}

/// Proof that a "decided" record is on disk. Only [`Recorder::decided`] makes one.
#[derive(Debug)]
pub(crate) struct Decided {
    _private: (),
}

/// Where records go.
#[derive(Debug)]
enum Sink {
    /// The state directory's JSON Lines file (with the SQLite store).
    File {
        log: AuditLog,
        /// Its own store connection, used only to move the anchor, so that recording never
        /// waits on a lock the caller may hold.
        anchor: Mutex<Store>,
    },
    /// This process's chain in the store (PostgreSQL): every record carries the log id.
    Store {
        store: Arc<dyn StateStore>,
        log_id: String,
        /// Held while this process writes the chain (a gateway's; `None` for the control
        /// plane, whose appends are serialized by the store's per-chain lock alone).
        _guard: Option<LogGuard>,
    },
}

/// The audit writer of one gateway or control-plane process.
#[derive(Debug)]
pub struct Recorder {
    sink: Sink,
    /// Signs checkpoints of the log (when an audit key is configured).
    checkpointer: Option<Checkpointer>,
    /// The seq of the last record this recorder wrote.
    last_seq: std::sync::atomic::AtomicU64,
    redactor: Redactor,
    policy_hash: Digest,
    /// Concurrent appends share one write and one fsync (see `state/group.rs`).
    group: GroupCommit<Entry, Result<(), AppendError>>,
    metrics: Arc<Metrics>,
}

impl Recorder {
    /// The recorder for a state directory.
    pub fn open(
        state_dir: &Path,
        policy_hash: Digest,
        redactor: Redactor,
    ) -> Result<Recorder, StoreError> {
        Ok(Recorder {
            sink: Sink::File {
                log: AuditLog::new(audit_path(state_dir)),
                anchor: Mutex::new(Store::open(&db_path(state_dir))?.for_anchor()?),
            },
            checkpointer: None,
            last_seq: std::sync::atomic::AtomicU64::new(0),
            redactor,
            policy_hash,
            group: GroupCommit::new(),
            metrics: Arc::new(Metrics::default()),
        })
    }

    /// The recorder of chain `log_id` in `store`. A gateway passes the guard it claimed for
    /// the log id; the control plane none.
    pub fn in_store(
        store: Arc<dyn StateStore>,
        log_id: &str,
        guard: Option<LogGuard>,
        policy_hash: Digest,
        redactor: Redactor,
    ) -> Recorder {
        Recorder {
            sink: Sink::Store {
                store,
                log_id: log_id.to_owned(),
                _guard: guard,
            },
            checkpointer: None,
            last_seq: std::sync::atomic::AtomicU64::new(0),
            redactor,
            policy_hash,
            group: GroupCommit::new(),
            metrics: Arc::new(Metrics::default()),
        }
    }

    /// Signs checkpoints with `key` from now on.
    pub(crate) fn with_checkpoints(
        mut self,
        state_dir: &Path,
        key: recourse_plan::SecretKey,
    ) -> Self {
        self.checkpointer = Some(match &self.sink {
            Sink::File { .. } => Checkpointer::new(state_dir, audit_path(state_dir), key),
            Sink::Store { store, log_id, .. } => {
                Checkpointer::in_store(Arc::clone(store), log_id, key)
            }
        });
        self
    }

    /// Where records go, for messages: the file, or the store's chain.
    pub fn place(&self) -> String {
        match &self.sink {
            Sink::File { log, .. } => log.path().display().to_string(),
            Sink::Store { store, log_id, .. } => format!("{} chain {log_id}", store.kind()),
        }
    }

    /// Signs a checkpoint of everything written so far (at shutdown).
    pub(crate) fn checkpoint_now(&self, now: Timestamp) {
        if let Some(cp) = &self.checkpointer {
            cp.maybe(
                self.last_seq.load(std::sync::atomic::Ordering::SeqCst),
                now,
                true,
            );
        }
    }

    /// The counters this recorder feeds (audit append latency and group commits); the gateway
    /// adds its own to the same set.
    pub(crate) fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Whether the log can be appended to now: it opens for appending (without writing).
    pub(crate) fn writable(&self) -> Result<(), std::io::Error> {
        use std::os::unix::fs::OpenOptionsExt;
        match &self.sink {
            Sink::File { log, .. } => std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .mode(0o600)
                .open(log.path())
                .map(|_| ()),
            Sink::Store { store, .. } => store
                .meta("policy_sha256")
                .map(|_| ())
                .map_err(std::io::Error::other),
        }
    }

    /// Records the decision an effect depends on. Without the returned proof no permit can be
    /// minted.
    pub(crate) fn decided(
        &self,
        event: AuditEvent,
        now: Timestamp,
    ) -> Result<Decided, AppendError> {
        self.append(event, now)?;
        Ok(Decided { _private: () })
    }

    /// Records an event; the caller reports a failure.
    pub fn record(&self, event: AuditEvent, now: Timestamp) -> Result<(), AppendError> {
        self.append(event, now).map(|_| ())
    }

    /// Records an event whose loss must not stop the caller (the effect it reports already
    /// happened); a failure is logged.
    pub fn best_effort(&self, event: AuditEvent, now: Timestamp) {
        let kind = event.kind;
        if let Err(e) = self.append(event, now) {
            tracing::error!(event = kind.as_str(), error = %e, "audit record lost");
        }
    }

    /// Appends one record and returns once it is on disk: submitted to the group commit, which
    /// writes it together with whatever other calls submitted meanwhile.
    fn append(&self, event: AuditEvent, now: Timestamp) -> Result<(), AppendError> {
        let started = Instant::now();
        let details = match self.redactor.redact_json(Value::Object(event.details)) {
            Value::Object(m) => m,
            // redact_json keeps the shape: an object stays an object.
            _ => Map::new(),
        };
        let entry = Entry {
            event: event.kind.as_str(),
            now,
            details,
        };
        let result = self
            .group
            .submit(entry, |batch| self.flush(batch), || Err(self.lost()));
        self.metrics
            .audit_append_duration
            .observe(started.elapsed());
        result
    }

    fn lost(&self) -> AppendError {
        let detail = "the audit writer failed while writing";
        match &self.sink {
            Sink::File { log, .. } => AppendError::Io {
                path: log.path().to_owned(),
                source: std::io::Error::other(detail),
            },
            Sink::Store { log_id, .. } => AppendError::Store {
                log_id: log_id.clone(),
                detail: detail.into(),
            },
        }
    }

    /// One group commit: the batch in one write and one fsync (or one transaction), then the
    /// anchor once.
    fn flush(&self, batch: Vec<Entry>) -> Vec<Result<(), AppendError>> {
        let n = batch.len();
        let now = batch.last().map(|e| e.now);
        let last = match &self.sink {
            Sink::File { log, anchor } => {
                log.append_batch(self.policy_hash, batch).map(|written| {
                    let last = written.last().and_then(|last| {
                        Some((
                            last.get("seq").and_then(Value::as_u64)?,
                            last.get("hash").and_then(Value::as_str)?.to_owned(),
                        ))
                    });
                    if let Some((seq, hash)) = &last {
                        // The anchor only detects truncation; failing to move it must not stop
                        // anything.
                        let anchor = anchor.lock().unwrap_or_else(|p| p.into_inner());
                        if let Err(e) = anchor.set_audit_anchor(*seq, hash) {
                            tracing::warn!(error = %e, "audit anchor not moved");
                        }
                    }
                    last.map(|(seq, _)| seq)
                })
            }
            Sink::Store { store, log_id, .. } => {
                let (policy_hash, id) = (self.policy_hash, log_id.clone());
                store
                    .append_audit(
                        log_id,
                        Box::new(move |seq, prev| {
                            let (_, written) = seal(seq, prev, policy_hash, batch, Some(&id));
                            written
                                .into_iter()
                                .map(|r| {
                                    let seq = r.get("seq").and_then(Value::as_u64).unwrap_or(0);
                                    let hash = r
                                        .get("hash")
                                        .and_then(Value::as_str)
                                        .unwrap_or_default()
                                        .to_owned();
                                    let line = recourse_policy::canonical::to_canonical_string(
                                        &Value::Object(r),
                                    );
                                    (seq, hash, line)
                                })
                                .collect()
                        }),
                    )
                    .map(Some)
                    .map_err(|e| AppendError::Store {
                        log_id: log_id.clone(),
                        detail: e.to_string(),
                    })
            }
        };
        match last {
            Ok(last) => {
                self.metrics.count_audit_batch(n);
                if let Some(seq) = last {
                    self.last_seq
                        .fetch_max(seq, std::sync::atomic::Ordering::SeqCst);
                    if let (Some(cp), Some(now)) = (&self.checkpointer, now) {
                        cp.maybe(seq, now, false);
                    }
                }
                (0..n).map(|_| Ok(())).collect()
            }
            Err(e) => (0..n).map(|_| Err(e.duplicate())).collect(),
        }
    }
}
