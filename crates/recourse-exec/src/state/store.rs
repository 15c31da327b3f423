//! The state store: an embedded SQLite database (WAL mode) holding plans, approvals and the
//! audit anchor. A running gateway and a separate `recourse approvals` process share it safely:
//! every state change is one compare-and-set statement, so two concurrent applies of one plan
//! cannot both move it from `planned` to `applying`, and an approval is consumed at most once.

use std::path::Path;
use std::time::Duration;

use recourse_plan::{Approval, ApprovalId, PlanId, PlanRecord, PlanStatus};
use rusqlite::{Connection, OptionalExtension, params};

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("state store: {0}")]
    Sqlite(#[from] rusqlite::Error),
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
}

/// The store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
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
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
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
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS plans (
                 id TEXT PRIMARY KEY,
                 status TEXT NOT NULL,
                 created_at INTEGER NOT NULL,
                 record TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS approvals (
                 id TEXT PRIMARY KEY,
                 state TEXT NOT NULL,
                 request_digest TEXT NOT NULL,
                 created_at INTEGER NOT NULL,
                 record TEXT NOT NULL);
             CREATE INDEX IF NOT EXISTS approvals_by_digest ON approvals(request_digest, state);
             CREATE TABLE IF NOT EXISTS meta (
                 key TEXT PRIMARY KEY,
                 value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS audit_anchor (
                 id INTEGER PRIMARY KEY CHECK (id = 1),
                 seq INTEGER NOT NULL,
                 hash TEXT NOT NULL);",
        )?;
        Ok(Store { conn })
    }

    /// This connection commits without waiting for the disk (`synchronous = NORMAL`: in WAL
    /// mode a crash can lose its last commits, never corrupt them). For the audit anchor only:
    /// it is written after the log itself is on disk, so a lost update leaves it behind the
    /// log, which verification accepts, and never ahead of it. Saves one fsync per record.
    pub fn for_anchor(self) -> Result<Store, StoreError> {
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        Ok(self)
    }

    /// Stores a new plan.
    pub fn insert_plan(&self, rec: &PlanRecord) -> Result<(), StoreError> {
        let json = serde_json::to_string(rec).map_err(|e| StoreError::Conflict(e.to_string()))?;
        self.conn.execute(
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
            .conn
            .query_row(
                "SELECT status, record FROM plans WHERE id = ?1",
                params![id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((status, json)) = row else {
            return Ok(None);
        };
        let corrupt = |detail: String| StoreError::Corrupt {
            what: "plan",
            id: id.to_string(),
            detail,
        };
        let mut rec: PlanRecord =
            serde_json::from_str(&json).map_err(|e| corrupt(e.to_string()))?;
        rec.status = serde_json::from_value(serde_json::Value::String(status))
            .map_err(|e| corrupt(e.to_string()))?;
        Ok(Some(rec))
    }

    /// Atomically moves a plan from `from` to `to`; `false` if it was not in `from` (someone
    /// else got there first).
    pub fn transition_plan(
        &self,
        id: PlanId,
        from: PlanStatus,
        to: PlanStatus,
    ) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            "UPDATE plans SET status = ?3 WHERE id = ?1 AND status = ?2",
            params![id.to_string(), from.as_str(), to.as_str()],
        )?;
        Ok(n == 1)
    }

    /// Stores a new approval.
    pub fn insert_approval(&self, a: &Approval) -> Result<(), StoreError> {
        let json = serde_json::to_string(a).map_err(|e| StoreError::Conflict(e.to_string()))?;
        self.conn.execute(
            "INSERT INTO approvals (id, state, request_digest, created_at, record) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![a.id.to_string(), state_tag(a), a.request_digest.to_hex(), a.created_at.0 as i64, json],
        )?;
        Ok(())
    }

    fn decode_approval(id: &str, json: &str) -> Result<Approval, StoreError> {
        serde_json::from_str(json).map_err(|e| StoreError::Corrupt {
            what: "approval",
            id: id.to_owned(),
            detail: e.to_string(),
        })
    }

    /// An approval.
    pub fn approval(&self, id: ApprovalId) -> Result<Option<Approval>, StoreError> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT record FROM approvals WHERE id = ?1",
                params![id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        json.map(|j| Self::decode_approval(&id.to_string(), &j))
            .transpose()
    }

    /// A pending approval bound to this request digest, if one exists (so that repeating an
    /// escalated call does not pile up requests).
    pub fn pending_for_digest(&self, digest: &str) -> Result<Option<Approval>, StoreError> {
        let row: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT id, record FROM approvals WHERE request_digest = ?1 AND state = 'pending' ORDER BY created_at DESC LIMIT 1",
                params![digest],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(id, j)| Self::decode_approval(&id, &j))
            .transpose()
    }

    /// All approvals, newest first.
    pub fn approvals(&self) -> Result<Vec<Approval>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, record FROM approvals ORDER BY created_at DESC, id")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, j) = row?;
            out.push(Self::decode_approval(&id, &j)?);
        }
        Ok(out)
    }

    /// Approvals neither used nor yet marked expired (pending, or granted and unused).
    pub fn open_approvals(&self) -> Result<Vec<Approval>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, record FROM approvals WHERE state = 'pending'")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, j) = row?;
            out.push(Self::decode_approval(&id, &j)?);
        }
        Ok(out)
    }

    /// Marks an approval past its deadline as expired, so that its expiry is recorded once.
    /// Returns whether this call marked it (false: another gateway did, or it was used).
    pub fn mark_expired(&self, id: ApprovalId) -> Result<bool, StoreError> {
        let n = self.conn.execute(
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
        let n = self.conn.execute(
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
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// A metadata value.
    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Records the audit log's last (seq, hash).
    pub fn set_audit_anchor(&self, seq: u64, hash: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO audit_anchor (id, seq, hash) VALUES (1, ?1, ?2)
             ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash WHERE excluded.seq > audit_anchor.seq",
            params![seq as i64, hash],
        )?;
        Ok(())
    }

    /// The audit anchor.
    pub fn audit_anchor(&self) -> Result<Option<(u64, String)>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT seq, hash FROM audit_anchor WHERE id = 1", [], |r| {
                Ok((r.get::<_, i64>(0)? as u64, r.get::<_, String>(1)?))
            })
            .optional()?)
    }
}
