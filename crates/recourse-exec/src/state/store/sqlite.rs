//! The embedded store: a SQLite database (WAL mode) holding plans, approvals, freezes and the
//! audit anchor. A running gateway and a separate `recourse approvals` process share it safely:
//! every state change is one compare-and-set statement, so two concurrent applies of one plan
//! cannot both move it from `planned` to `applying`, and an approval is consumed at most once.
//! A workspace being applied is held by an immediate (write) transaction on a small lock
//! database of its own beside the store, which SQLite releases when the process dies.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use recourse_plan::{Approval, ApprovalId, PlanId, PlanRecord, PlanStatus, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};

use super::migrations::{MigrationReport, SCHEMA_VERSION, SQLITE};
use super::{StateStore, StoreError, WorkspaceLock, decode_approval, decode_plan, retry_until};
use crate::state::freeze::{Freeze, FreezeScope};

/// The SQLite store.
#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
    /// Where workspace lock files go (`<state>/locks`).
    locks: PathBuf,
}

/// The state column: `consumed` once used, `expired` once its expiry was recorded, `pending`
/// otherwise (whether its statements grant, reject or expire it is decided by verifying them,
/// never by a column anyone can write; the column only ever makes an approval unusable).
fn state_tag(a: &Approval) -> &'static str {
    if a.consumed_at.is_some() {
        "consumed"
    } else {
        "pending"
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path`, its schema brought up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_in(path, path.parent().unwrap_or(Path::new(".")))
    }

    /// Opens the database at `path` with workspace locks under `state_dir`.
    pub(crate) fn open_in(path: &Path, state_dir: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open(path)?;
        // Plans and approvals are for the gateway and its operators only. (SQLite gives its
        // -wal and -shm files the database file's permissions.)
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
        }
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        let store = Store {
            conn: Mutex::new(conn),
            locks: state_dir.join("locks"),
        };
        store.migrate()?;
        Ok(store)
    }

    /// This connection commits without waiting for the disk (`synchronous = NORMAL`: in WAL
    /// mode a crash can lose its last commits, never corrupt them). For the audit anchor only:
    /// it is written after the log itself is on disk, so a lost update leaves it behind the
    /// log, which verification accepts, and never ahead of it. Saves one fsync per record.
    pub fn for_anchor(self) -> Result<Store, StoreError> {
        self.conn().pragma_update(None, "synchronous", "NORMAL")?;
        Ok(self)
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // Each statement is atomic in SQLite: a panic elsewhere cannot leave it half-done.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies the migrations this database lacks (each in an immediate transaction, so two
    /// processes opening a new state directory at once do not both apply one).
    pub fn migrate(&self) -> Result<MigrationReport, StoreError> {
        let mut conn = self.conn();
        let from: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if from > SCHEMA_VERSION {
            return Err(StoreError::Schema {
                found: from,
                needed: SCHEMA_VERSION,
                hint: "this state directory was written by a newer recourse; use that one".into(),
            });
        }
        let mut applied = Vec::new();
        for m in SQLITE {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let now: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            if now < m.version {
                tx.execute_batch(m.sql)?;
                tx.pragma_update(None, "user_version", m.version)?;
                applied.push((m.version, m.description));
            }
            tx.commit()?;
        }
        Ok(MigrationReport {
            from,
            to: SCHEMA_VERSION,
            applied,
        })
    }

    /// Stores a new plan.
    pub fn insert_plan(&self, rec: &PlanRecord) -> Result<(), StoreError> {
        let json = serde_json::to_string(rec).map_err(|e| StoreError::Conflict(e.to_string()))?;
        self.conn().execute(
            "INSERT INTO plans (id, status, created_at, record) VALUES (?1, ?2, ?3, ?4)",
            params![
                rec.id.to_string(),
                rec.status.as_str(),
                rec.created_at.0 as i64,
                json
            ],
        )?;
        Ok(())
    }

    /// A stored plan; its status comes from the authoritative status column.
    pub fn plan(&self, id: PlanId) -> Result<Option<PlanRecord>, StoreError> {
        let row: Option<(String, String)> = self
            .conn()
            .query_row(
                "SELECT status, record FROM plans WHERE id = ?1",
                params![id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((status, json)) = row else {
            return Ok(None);
        };
        decode_plan(id, status, &json).map(Some)
    }

    /// Atomically moves a plan from `from` to `to`; `false` if it was not in `from` (someone
    /// else got there first).
    pub fn transition_plan(
        &self,
        id: PlanId,
        from: PlanStatus,
        to: PlanStatus,
    ) -> Result<bool, StoreError> {
        let n = self.conn().execute(
            "UPDATE plans SET status = ?3 WHERE id = ?1 AND status = ?2",
            params![id.to_string(), from.as_str(), to.as_str()],
        )?;
        Ok(n == 1)
    }

    /// Stores a new approval.
    pub fn insert_approval(&self, a: &Approval) -> Result<(), StoreError> {
        let json = serde_json::to_string(a).map_err(|e| StoreError::Conflict(e.to_string()))?;
        self.conn().execute(
            "INSERT INTO approvals (id, state, request_digest, created_at, record) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![a.id.to_string(), state_tag(a), a.request_digest.to_hex(), a.created_at.0 as i64, json],
        )?;
        Ok(())
    }

    /// An approval.
    pub fn approval(&self, id: ApprovalId) -> Result<Option<Approval>, StoreError> {
        let json: Option<String> = self
            .conn()
            .query_row(
                "SELECT record FROM approvals WHERE id = ?1",
                params![id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        json.map(|j| decode_approval(&id.to_string(), &j))
            .transpose()
    }

    /// A pending approval bound to this request digest, if one exists (so that repeating an
    /// escalated call does not pile up requests).
    pub fn pending_for_digest(&self, digest: &str) -> Result<Option<Approval>, StoreError> {
        let row: Option<(String, String)> = self
            .conn()
            .query_row(
                "SELECT id, record FROM approvals WHERE request_digest = ?1 AND state = 'pending' ORDER BY created_at DESC LIMIT 1",
                params![digest],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(id, j)| decode_approval(&id, &j)).transpose()
    }

    /// All approvals, newest first.
    pub fn approvals(&self) -> Result<Vec<Approval>, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT id, record FROM approvals ORDER BY created_at DESC, id")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, j) = row?;
            out.push(decode_approval(&id, &j)?);
        }
        Ok(out)
    }

    /// Approvals neither used nor yet marked expired (pending, or granted and unused).
    pub fn open_approvals(&self) -> Result<Vec<Approval>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT id, record FROM approvals WHERE state = 'pending'")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, j) = row?;
            out.push(decode_approval(&id, &j)?);
        }
        Ok(out)
    }

    /// Marks an approval past its deadline as expired, so that its expiry is recorded once.
    /// Returns whether this call marked it (false: another gateway did, or it was used).
    pub fn mark_expired(&self, id: ApprovalId) -> Result<bool, StoreError> {
        let n = self.conn().execute(
            "UPDATE approvals SET state = 'expired' WHERE id = ?1 AND state = 'pending'",
            params![id.to_string()],
        )?;
        Ok(n == 1)
    }

    /// Writes an approval that changed, only if the stored record is still `previous` (a
    /// compare-and-set on the whole record): two decisions or two uses never overwrite each
    /// other, and an approval is consumed at most once.
    pub fn update_approval(&self, a: &Approval, previous: &Approval) -> Result<(), StoreError> {
        let json = serde_json::to_string(a).map_err(|e| StoreError::Conflict(e.to_string()))?;
        let before =
            serde_json::to_string(previous).map_err(|e| StoreError::Conflict(e.to_string()))?;
        let n = self.conn().execute(
            "UPDATE approvals SET state = ?2, record = ?3 WHERE id = ?1 AND record = ?4 AND state = 'pending'",
            params![a.id.to_string(), state_tag(a), json, before],
        )?;
        if n == 1 {
            Ok(())
        } else {
            Err(StoreError::Conflict(format!(
                "approval {} changed meanwhile (someone else decided on it or used it); look again",
                a.id
            )))
        }
    }

    /// Sets a metadata value (e.g. the policy hash of the running gateway).
    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// A metadata value.
    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Records the audit log's last (seq, hash).
    pub fn set_audit_anchor(&self, seq: u64, hash: &str) -> Result<(), StoreError> {
        // Written after every audit record: the statement is parsed once per connection.
        self.conn()
            .prepare_cached(
                "INSERT INTO audit_anchor (id, seq, hash) VALUES (1, ?1, ?2)
             ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash WHERE excluded.seq > audit_anchor.seq",
            )?
            .execute(params![seq as i64, hash])?;
        Ok(())
    }

    /// The audit anchor.
    pub fn audit_anchor(&self) -> Result<Option<(u64, String)>, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT seq, hash FROM audit_anchor WHERE id = 1", [], |r| {
                Ok((r.get::<_, i64>(0)? as u64, r.get::<_, String>(1)?))
            })
            .optional()?)
    }

    /// Adds a freeze.
    pub fn insert_freeze(&self, f: &Freeze) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO freezes (id, scope, value, reason, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![f.id, f.scope.kind(), f.scope.value(), f.reason, f.by, f.created_at.0 as i64],
        )?;
        Ok(())
    }

    /// Lifts the active freezes of exactly `scope`; returns them.
    pub fn thaw(
        &self,
        scope: &FreezeScope,
        by: &str,
        now: Timestamp,
    ) -> Result<Vec<Freeze>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let lifted: Vec<Freeze> = active(&tx)?
            .into_iter()
            .filter(|f| f.scope == *scope)
            .collect();
        for f in &lifted {
            tx.execute(
                "UPDATE freezes SET thawed_at = ?2, thawed_by = ?3 WHERE id = ?1 AND thawed_at IS NULL",
                params![f.id, now.0 as i64, by],
            )?;
        }
        tx.commit()?;
        Ok(lifted)
    }

    /// Every active freeze, oldest first.
    pub fn active_freezes(&self) -> Result<Vec<Freeze>, StoreError> {
        active(&self.conn())
    }

    /// Holds one workspace: an immediate transaction on its own lock database
    /// (`<state>/locks/<key>.db`), so applies of one workspace wait for each other while the
    /// store and other workspaces stay free. The lock dies with the process.
    pub fn lock_workspace(&self, key: &str, wait: Duration) -> Result<WorkspaceLock, StoreError> {
        use std::os::unix::fs::DirBuilderExt;
        let io = |source| StoreError::Io {
            path: self.locks.clone(),
            source,
        };
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.locks)
            .map_err(io)?;
        let path = self.locks.join(format!("{}.db", &key[..32.min(key.len())]));
        let conn = Connection::open(&path)?;
        conn.busy_timeout(Duration::from_millis(200))?;
        let conn = retry_until(wait, key, || match conn.execute_batch("BEGIN IMMEDIATE") {
            Ok(()) => Ok(Some(())),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e.into()),
        })
        .map(|()| conn)?;
        Ok(WorkspaceLock::new(HeldTransaction { _conn: conn }))
    }
}

/// An open immediate transaction; closing the connection ends it.
struct HeldTransaction {
    _conn: Connection,
}

fn active(conn: &Connection) -> Result<Vec<Freeze>, StoreError> {
    // Asked on every call: the statement is parsed once per connection.
    let mut stmt = conn.prepare_cached(
        "SELECT id, scope, value, reason, created_by, created_at FROM freezes WHERE thawed_at IS NULL ORDER BY created_at, id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, i64>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, kind, value, reason, by, at) = row?;
        out.push(freeze_from_row(id, &kind, &value, reason, by, at)?);
    }
    Ok(out)
}

/// A freeze from its stored columns (both dialects).
pub(super) fn freeze_from_row(
    id: String,
    kind: &str,
    value: &str,
    reason: String,
    by: String,
    at: i64,
) -> Result<Freeze, StoreError> {
    let scope = FreezeScope::from_stored(kind, value).map_err(|e| StoreError::Corrupt {
        what: "freeze",
        id: id.clone(),
        detail: e.to_string(),
    })?;
    Ok(Freeze {
        id,
        scope,
        reason,
        by,
        created_at: Timestamp(at.max(0) as u64),
    })
}

impl StateStore for Store {
    fn kind(&self) -> &'static str {
        "sqlite"
    }
    fn insert_plan(&self, rec: &PlanRecord) -> Result<(), StoreError> {
        Store::insert_plan(self, rec)
    }
    fn plan(&self, id: PlanId) -> Result<Option<PlanRecord>, StoreError> {
        Store::plan(self, id)
    }
    fn transition_plan(
        &self,
        id: PlanId,
        from: PlanStatus,
        to: PlanStatus,
    ) -> Result<bool, StoreError> {
        Store::transition_plan(self, id, from, to)
    }
    fn put_plan_file(&self, _id: PlanId, _bytes: &[u8]) -> Result<(), StoreError> {
        Ok(())
    }
    fn plan_file(&self, _id: PlanId) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(None)
    }
    fn insert_approval(&self, a: &Approval) -> Result<(), StoreError> {
        Store::insert_approval(self, a)
    }
    fn approval(&self, id: ApprovalId) -> Result<Option<Approval>, StoreError> {
        Store::approval(self, id)
    }
    fn pending_for_digest(&self, digest: &str) -> Result<Option<Approval>, StoreError> {
        Store::pending_for_digest(self, digest)
    }
    fn approvals(&self) -> Result<Vec<Approval>, StoreError> {
        Store::approvals(self)
    }
    fn open_approvals(&self) -> Result<Vec<Approval>, StoreError> {
        Store::open_approvals(self)
    }
    fn mark_expired(&self, id: ApprovalId) -> Result<bool, StoreError> {
        Store::mark_expired(self, id)
    }
    fn update_approval(&self, a: &Approval, previous: &Approval) -> Result<(), StoreError> {
        Store::update_approval(self, a, previous)
    }
    fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        Store::set_meta(self, key, value)
    }
    fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Store::meta(self, key)
    }
    fn set_audit_anchor(&self, seq: u64, hash: &str) -> Result<(), StoreError> {
        Store::set_audit_anchor(self, seq, hash)
    }
    fn audit_anchor(&self) -> Result<Option<(u64, String)>, StoreError> {
        Store::audit_anchor(self)
    }
    fn insert_freeze(&self, f: &Freeze) -> Result<(), StoreError> {
        Store::insert_freeze(self, f)
    }
    fn thaw(
        &self,
        scope: &FreezeScope,
        by: &str,
        now: Timestamp,
    ) -> Result<Vec<Freeze>, StoreError> {
        Store::thaw(self, scope, by, now)
    }
    fn active_freezes(&self) -> Result<Vec<Freeze>, StoreError> {
        Store::active_freezes(self)
    }
    fn lock_workspace(&self, key: &str, wait: Duration) -> Result<WorkspaceLock, StoreError> {
        Store::lock_workspace(self, key, wait)
    }
}
