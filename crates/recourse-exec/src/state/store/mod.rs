//! The state store: plans, approvals, metadata, freezes and (on PostgreSQL) the audit chains.
//! [`StateStore`] is the interface the gate and the control plane use; two implementations:
//!
//! - [`Store`] (`sqlite.rs`): the embedded default, one SQLite file in WAL mode in the state
//!   directory, shared by a gateway and the `recourse` control commands on one machine;
//! - [`PgStore`] (`postgres.rs`): PostgreSQL (`--store postgres://…`), shared by several
//!   gateway replicas on several machines.
//!
//! Exactly-once holds across processes and replicas because every state change that matters
//! is one compare-and-set statement: a plan moves `planned → applying` once; an approval
//! record is replaced only if it is still the one read (so a use, or a decision, and the
//! quorum counted on it, are one atomic step). Applies of one workspace are serialized by a
//! [`WorkspaceLock`] held for the whole apply.

mod migrations;
mod postgres;
mod sqlite;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use recourse_plan::{Approval, ApprovalId, PlanId, PlanRecord, PlanStatus, Timestamp};
use recourse_policy::Digest;

pub use migrations::{MigrationReport, SCHEMA_VERSION};
pub use postgres::{PgConfig, PgStore};
pub use sqlite::Store;

use crate::state::freeze::{Freeze, FreezeScope};

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("state store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed (or could not be reached).
    #[error("state store (postgres): {0}")]
    Postgres(String),
    /// A stored record does not decode.
    #[error("state store: corrupt {what} record {id}: {detail}")]
    Corrupt {
        /// Table.
        what: &'static str,
        /// Row id.
        id: String,
        /// Decode error.
        detail: String,
    },
    /// The record changed under us (another process resolved or used it first).
    #[error("state store: {0}")]
    Conflict(String),
    /// The database's schema is not the one this binary uses.
    #[error("state store: schema version {found}, this recourse needs {needed}: {hint}")]
    Schema {
        /// The version found.
        found: i64,
        /// The version this binary uses.
        needed: i64,
        /// What to do.
        hint: String,
    },
    /// Another process serves with the same audit log id.
    #[error(
        "audit log id `{0}` is in use by another running gateway: each replica writes its own chain; give this one another --log-id"
    )]
    LogIdInUse(String),
    /// A workspace stayed locked by another apply for longer than we wait.
    #[error("workspace {0} is being applied by another call; try again when it has finished")]
    WorkspaceBusy(String),
    /// The operation is not offered by this store.
    #[error("state store: {0}")]
    Unsupported(&'static str),
    /// A file beside the store (lock, plan copy) failed.
    #[error("state store: {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
}

impl StoreError {
    pub(crate) fn pg(e: impl std::fmt::Display) -> StoreError {
        StoreError::Postgres(e.to_string())
    }
}

/// Which store a gateway or command uses.
#[derive(Debug, Clone, Default)]
pub enum StoreConfig {
    /// The embedded SQLite database in the state directory (the default).
    #[default]
    Sqlite,
    /// A PostgreSQL database.
    Postgres(Box<PgConfig>),
}

impl StoreConfig {
    /// From `--store`: absent or `sqlite` → SQLite; `postgres://…` / `postgresql://…` →
    /// PostgreSQL with `password` (from a file or the environment) if the URL has none.
    pub fn parse(url: Option<&str>, password: Option<String>) -> Result<StoreConfig, StoreError> {
        match url.map(str::trim) {
            None | Some("") | Some("sqlite") => Ok(StoreConfig::Sqlite),
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => Ok(
                StoreConfig::Postgres(Box::new(PgConfig::parse(u, password)?)),
            ),
            Some(u) => Err(StoreError::Unsupported(if u.contains("://") {
                "--store takes `sqlite` or a postgres:// URL"
            } else {
                "--store takes `sqlite` or a postgres:// URL (a path is not a store: use --state-dir)"
            })),
        }
    }

    /// `sqlite` or `postgres`.
    pub fn kind(&self) -> &'static str {
        match self {
            StoreConfig::Sqlite => "sqlite",
            StoreConfig::Postgres(_) => "postgres",
        }
    }

    /// Opens the store. SQLite lives in the state directory (created if needed, schema brought
    /// up to date, as it always was); PostgreSQL must already be migrated
    /// (`recourse store migrate`) — a schema that is not current is refused.
    pub fn open(&self, state_dir: &Path) -> Result<std::sync::Arc<dyn StateStore>, StoreError> {
        Ok(match self {
            StoreConfig::Sqlite => std::sync::Arc::new(Store::open_in(
                &crate::state::db_path(state_dir),
                state_dir,
            )?),
            StoreConfig::Postgres(pg) => std::sync::Arc::new(PgStore::open(pg)?),
        })
    }

    /// Applies the versioned migrations (creating the database's tables on first use).
    pub fn migrate(&self, state_dir: &Path) -> Result<MigrationReport, StoreError> {
        match self {
            StoreConfig::Sqlite => {
                Store::open_in(&crate::state::db_path(state_dir), state_dir)?.migrate()
            }
            StoreConfig::Postgres(pg) => PgStore::migrate(pg),
        }
    }
}

/// One record of an audit chain kept in the store: its seq and the canonical line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    /// Position in its chain (1, 2, …).
    pub seq: u64,
    /// The record as written (canonical JSON, no newline).
    pub line: String,
}

/// A signed checkpoint of a chain kept in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    /// Records it covers.
    pub size: u64,
    /// The signed note.
    pub note: String,
    /// Leaf hashes since the previous checkpoint (hex, JSON array), as in `checkpoints.jsonl`.
    pub leaves: String,
}

/// A chain kept in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainInfo {
    /// Its log id.
    pub log_id: String,
    /// Its last seq (0: empty).
    pub last_seq: u64,
}

/// Held while one workspace is being applied; dropping it lets the next apply of that
/// workspace go on (also when the process dies: the database releases it).
pub struct WorkspaceLock {
    _held: Box<dyn std::any::Any + Send>,
}

impl std::fmt::Debug for WorkspaceLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WorkspaceLock")
    }
}

impl WorkspaceLock {
    pub(crate) fn new(held: impl std::any::Any + Send) -> WorkspaceLock {
        WorkspaceLock {
            _held: Box::new(held),
        }
    }
}

/// Held for as long as a gateway writes its own audit chain: a second process claiming the
/// same log id is refused.
pub struct LogGuard {
    _held: Box<dyn std::any::Any + Send + Sync>,
}

impl std::fmt::Debug for LogGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogGuard")
    }
}

impl LogGuard {
    pub(crate) fn new(held: impl std::any::Any + Send + Sync) -> LogGuard {
        LogGuard {
            _held: Box::new(held),
        }
    }
}

/// The lock key of one workspace: the working directory and the terraform workspace.
pub fn workspace_key(cwd: &str, workspace: &str) -> String {
    Digest::of(format!("{cwd}\0{workspace}").as_bytes()).to_hex()
}

/// How often a waiter re-checks the store whatever notifications say.
pub const RECHECK_INTERVAL: Duration = Duration::from_millis(250);

/// Seals records onto a chain: given (next seq, previous hash), the records as (seq, hash,
/// canonical line).
pub type Seal = Box<dyn FnOnce(u64, String) -> Vec<(u64, String, String)> + Send>;

/// The store interface. Every method is one atomic step against the database; none caches.
pub trait StateStore: Send + Sync + std::fmt::Debug {
    /// `sqlite` or `postgres`.
    fn kind(&self) -> &'static str;

    /// Stores a new plan.
    fn insert_plan(&self, rec: &PlanRecord) -> Result<(), StoreError>;
    /// A stored plan; its status comes from the authoritative status column.
    fn plan(&self, id: PlanId) -> Result<Option<PlanRecord>, StoreError>;
    /// Atomically moves a plan from `from` to `to`; `false` if it was not in `from` (someone
    /// else got there first).
    fn transition_plan(
        &self,
        id: PlanId,
        from: PlanStatus,
        to: PlanStatus,
    ) -> Result<bool, StoreError>;
    /// Keeps a plan file's bytes in the store, so that another replica can apply the plan
    /// (SQLite: the file in the state directory is the copy; nothing to do).
    fn put_plan_file(&self, id: PlanId, bytes: &[u8]) -> Result<(), StoreError>;
    /// A plan file's bytes kept in the store (SQLite: `None`, the state directory has it).
    fn plan_file(&self, id: PlanId) -> Result<Option<Vec<u8>>, StoreError>;

    /// Stores a new approval.
    fn insert_approval(&self, a: &Approval) -> Result<(), StoreError>;
    /// An approval.
    fn approval(&self, id: ApprovalId) -> Result<Option<Approval>, StoreError>;
    /// A pending approval bound to this request digest, if one exists.
    fn pending_for_digest(&self, digest: &str) -> Result<Option<Approval>, StoreError>;
    /// All approvals, newest first.
    fn approvals(&self) -> Result<Vec<Approval>, StoreError>;
    /// Approvals neither used nor yet marked expired.
    fn open_approvals(&self) -> Result<Vec<Approval>, StoreError>;
    /// Marks an approval past its deadline as expired; whether this call marked it.
    fn mark_expired(&self, id: ApprovalId) -> Result<bool, StoreError>;
    /// Replaces an approval only if the stored record is still `previous` (compare-and-set on
    /// the whole record, statements and quorum included); waiters are woken.
    fn update_approval(&self, a: &Approval, previous: &Approval) -> Result<(), StoreError>;
    /// Returns once the approval's stored record differs from `seen` (a decision, a use, an
    /// expiry), or at `deadline`. Woken by notifications where the store has them, but always
    /// re-reads the store every [`RECHECK_INTERVAL`]: correctness never depends on a wake-up.
    fn wait_for_change(
        &self,
        id: ApprovalId,
        seen: &Approval,
        deadline: Instant,
    ) -> Result<Option<Approval>, StoreError> {
        loop {
            let now = self.approval(id)?;
            if now.as_ref() != Some(seen) {
                return Ok(now);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(now);
            }
            self.wait_notification(left.min(RECHECK_INTERVAL));
        }
    }
    /// Sleeps until an approval changes somewhere (a notification) or `at_most` passed.
    fn wait_notification(&self, at_most: Duration) {
        std::thread::sleep(at_most);
    }

    /// Sets a metadata value.
    fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError>;
    /// A metadata value.
    fn meta(&self, key: &str) -> Result<Option<String>, StoreError>;

    /// Records the local audit file's last (seq, hash) (SQLite's truncation anchor).
    fn set_audit_anchor(&self, seq: u64, hash: &str) -> Result<(), StoreError>;
    /// The local audit file's anchor.
    fn audit_anchor(&self) -> Result<Option<(u64, String)>, StoreError>;

    /// Adds a freeze.
    fn insert_freeze(&self, f: &Freeze) -> Result<(), StoreError>;
    /// Lifts the active freezes of exactly this scope; returns them.
    fn thaw(
        &self,
        scope: &FreezeScope,
        by: &str,
        now: Timestamp,
    ) -> Result<Vec<Freeze>, StoreError>;
    /// Every active freeze, oldest first. Read on every decision: never cached.
    fn active_freezes(&self) -> Result<Vec<Freeze>, StoreError>;

    /// Waits (up to `wait`) until no other apply of this workspace runs anywhere, and holds
    /// the workspace until the returned lock is dropped.
    fn lock_workspace(&self, key: &str, wait: Duration) -> Result<WorkspaceLock, StoreError>;

    /// Whether audit records go to the store (PostgreSQL) rather than the state directory's
    /// file (SQLite).
    fn keeps_audit(&self) -> bool {
        false
    }
    /// Claims a log id for this process's lifetime (refused while another holds it).
    fn claim_log(&self, _log_id: &str) -> Result<LogGuard, StoreError> {
        Err(StoreError::Unsupported(
            "this store keeps no audit chains (the SQLite store's log is the state directory's file)",
        ))
    }
    /// Appends records to a chain: under the chain's lock, continuing from its last record,
    /// committed (durable) before it returns. `seal` gets the chain's (next seq, previous
    /// hash) and returns the records to insert as (seq, hash, line). Returns the last seq.
    fn append_audit(&self, _log_id: &str, _seal: Seal) -> Result<u64, StoreError> {
        Err(StoreError::Unsupported("this store keeps no audit chains"))
    }
    /// Records of a chain with seq greater than `after`, in order.
    fn audit_records(&self, _log_id: &str, _after: u64) -> Result<Vec<StoredRecord>, StoreError> {
        Ok(Vec::new())
    }
    /// Every chain in the store.
    fn audit_chains(&self) -> Result<Vec<ChainInfo>, StoreError> {
        Ok(Vec::new())
    }
    /// Stores a signed checkpoint of a chain.
    fn put_checkpoint(&self, _log_id: &str, _cp: &StoredCheckpoint) -> Result<(), StoreError> {
        Err(StoreError::Unsupported("this store keeps no audit chains"))
    }
    /// The signed checkpoints of a chain, oldest first.
    fn checkpoints(&self, _log_id: &str) -> Result<Vec<StoredCheckpoint>, StoreError> {
        Ok(Vec::new())
    }
}

/// Waits for a lock with `try_once` until `wait` passes (a short sleep between tries).
/// A stored approval from its JSON (`id` names it if the record is corrupt).
pub(crate) fn decode_approval(id: &str, json: &str) -> Result<Approval, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt {
        what: "approval",
        id: id.to_owned(),
        detail: e.to_string(),
    })
}

/// A stored plan from its JSON, its status from the authoritative status column.
pub(crate) fn decode_plan(
    id: PlanId,
    status: String,
    json: &str,
) -> Result<PlanRecord, StoreError> {
    let corrupt = |detail: String| StoreError::Corrupt {
        what: "plan",
        id: id.to_string(),
        detail,
    };
    let mut rec: PlanRecord = serde_json::from_str(json).map_err(|e| corrupt(e.to_string()))?;
    rec.status = serde_json::from_value(serde_json::Value::String(status))
        .map_err(|e| corrupt(e.to_string()))?;
    Ok(rec)
}

pub(crate) fn retry_until<T>(
    wait: Duration,
    key: &str,
    mut try_once: impl FnMut() -> Result<Option<T>, StoreError>,
) -> Result<T, StoreError> {
    let deadline = Instant::now() + wait;
    loop {
        if let Some(t) = try_once()? {
            return Ok(t);
        }
        if Instant::now() >= deadline {
            return Err(StoreError::WorkspaceBusy(
                key[..16.min(key.len())].to_owned(),
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
