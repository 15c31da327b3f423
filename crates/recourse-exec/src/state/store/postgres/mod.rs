//! The PostgreSQL store (`--store postgres://…`): several gateway replicas on one database.
//!
//! - Exactly once: a plan claim and an approval use are single compare-and-set `UPDATE`s; an
//!   approval's decisions and quorum are in the record that is compared and replaced.
//! - Applies of one workspace are serialized across replicas by a session advisory lock held
//!   on a connection of its own for the whole apply (released by the server when the replica
//!   dies); other workspaces are not held up.
//! - Each replica appends its own audit chain (`audit_records`, keyed by log id and seq)
//!   under a transaction-scoped advisory lock of that chain, continuing from its stored tail;
//!   a session advisory lock per log id, held for the process's life, refuses a second
//!   process with the same id.
//! - A decision is announced with `NOTIFY recourse_approvals`; waiters also re-read the store
//!   every [`super::RECHECK_INTERVAL`], so a lost notification only delays them.
//!
//! The gate is synchronous and runs calls on blocking threads; this store owns a small tokio
//! runtime that drives its connections. A synchronous caller hands it a future and waits for
//! the answer ([`PgStore::run`]), which also works from inside another runtime.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use recourse_plan::{Approval, ApprovalId, PlanId, PlanRecord, PlanStatus, Timestamp};
use recourse_policy::Digest;
use tokio_postgres::{Client, NoTls};

mod config;
mod pool;

pub use config::PgConfig;

use super::migrations::{MigrationReport, POSTGRES, SCHEMA_VERSION};
use super::sqlite::freeze_from_row;
use super::{
    ChainInfo, LogGuard, Seal, StateStore, StoreError, StoredCheckpoint, StoredRecord,
    WorkspaceLock, decode_approval, decode_plan, retry_until,
};
use crate::state::freeze::{Freeze, FreezeScope};

/// How long one store operation may take before the call is refused.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections per replica.
const POOL_SIZE: usize = 16;
/// The notification channel of approval changes.
const CHANNEL: &str = "recourse_approvals";

/// Wakes waiters when an approval changes anywhere.
#[derive(Debug, Default)]
struct Notices {
    generation: Mutex<u64>,
    changed: Condvar,
    listening: AtomicBool,
}

/// The PostgreSQL store.
pub struct PgStore {
    rt: Option<tokio::runtime::Runtime>,
    pool: Pool,
    cfg: PgConfig,
    notices: Arc<Notices>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("url", &self.cfg.shown())
            .finish_non_exhaustive()
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // Shutting down in the background never blocks, also inside another runtime.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// A 64-bit advisory lock key for a name in one of our namespaces.
fn lock_key(namespace: &str, name: &str) -> i64 {
    let d = Digest::of(format!("recourse.{namespace}\0{name}").as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&d.as_bytes()[..8]);
    i64::from_be_bytes(b)
}

fn pg(e: impl std::fmt::Display) -> StoreError {
    StoreError::pg(e)
}

/// A connection of its own (not pooled), for locks that live as long as it does.
async fn connect(cfg: &PgConfig) -> Result<Client, StoreError> {
    let (client, _conn) = connect_with(cfg, |_| {}).await?;
    Ok(client)
}

/// A connection whose asynchronous messages (notifications) go to `on_message`; the connection
/// is driven on the runtime until the client is dropped.
async fn connect_with(
    cfg: &PgConfig,
    on_message: impl FnMut(tokio_postgres::AsyncMessage) + Send + 'static,
) -> Result<(Client, tokio::task::JoinHandle<()>), StoreError> {
    async fn drive<S, T>(
        mut conn: tokio_postgres::Connection<S, T>,
        mut on_message: impl FnMut(tokio_postgres::AsyncMessage) + Send + 'static,
    ) where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
        T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    {
        loop {
            match std::future::poll_fn(|cx| conn.poll_message(cx)).await {
                Some(Ok(m)) => on_message(m),
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "postgres connection ended");
                    return;
                }
                None => return,
            }
        }
    }
    match &cfg.tls {
        None => {
            let (client, conn) = cfg.config.connect(NoTls).await.map_err(pg)?;
            Ok((client, tokio::spawn(drive(conn, on_message))))
        }
        Some(tls) => {
            let make = tokio_postgres_rustls::MakeRustlsConnect::new((**tls).clone());
            let (client, conn) = cfg.config.connect(make).await.map_err(pg)?;
            Ok((client, tokio::spawn(drive(conn, on_message))))
        }
    }
}

fn state_tag(a: &Approval) -> &'static str {
    if a.consumed_at.is_some() {
        "consumed"
    } else {
        "pending"
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Conflict(e.to_string()))
}

async fn applied_version(client: &Client) -> Result<i64, StoreError> {
    let exists: bool = client
        .query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[])
        .await
        .map_err(pg)?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let v: Option<i64> = client
        .query_one("SELECT max(version)::BIGINT FROM schema_migrations", &[])
        .await
        .map_err(pg)?
        .get(0);
    Ok(v.unwrap_or(0))
}

impl StateStore for PgStore {
    fn kind(&self) -> &'static str {
        "postgres"
    }

    fn insert_plan(&self, rec: &PlanRecord) -> Result<(), StoreError> {
        let (id, status, at, json) = (
            rec.id.to_string(),
            rec.status.as_str(),
            rec.created_at.0 as i64,
            to_json(rec)?,
        );
        self.with_client(move |c| async move {
            c.execute(
                "INSERT INTO plans (id, status, created_at, record) VALUES ($1, $2, $3, $4)",
                &[&id, &status, &at, &json],
            )
            .await
            .map_err(pg)?;
            Ok(())
        })
    }

    fn plan(&self, id: PlanId) -> Result<Option<PlanRecord>, StoreError> {
        let key = id.to_string();
        let row = self.with_client(move |c| async move {
            let r = c
                .query_opt("SELECT status, record FROM plans WHERE id = $1", &[&key])
                .await
                .map_err(pg)?;
            Ok(r.map(|r| (r.get::<_, String>(0), r.get::<_, String>(1))))
        })?;
        let Some((status, json)) = row else {
            return Ok(None);
        };
        decode_plan(id, status, &json).map(Some)
    }

    fn transition_plan(
        &self,
        id: PlanId,
        from: PlanStatus,
        to: PlanStatus,
    ) -> Result<bool, StoreError> {
        let (id, from, to) = (id.to_string(), from.as_str(), to.as_str());
        self.with_client(move |c| async move {
            let n = c
                .execute(
                    "UPDATE plans SET status = $3 WHERE id = $1 AND status = $2",
                    &[&id, &from, &to],
                )
                .await
                .map_err(pg)?;
            Ok(n == 1)
        })
    }

    fn put_plan_file(&self, id: PlanId, bytes: &[u8]) -> Result<(), StoreError> {
        let (id, bytes) = (id.to_string(), bytes.to_vec());
        self.with_client(move |c| async move {
            c.execute(
                "INSERT INTO plan_files (id, bytes) VALUES ($1, $2)",
                &[&id, &bytes],
            )
            .await
            .map_err(pg)?;
            Ok(())
        })
    }

    fn plan_file(&self, id: PlanId) -> Result<Option<Vec<u8>>, StoreError> {
        let id = id.to_string();
        self.with_client(move |c| async move {
            let r = c
                .query_opt("SELECT bytes FROM plan_files WHERE id = $1", &[&id])
                .await
                .map_err(pg)?;
            Ok(r.map(|r| r.get::<_, Vec<u8>>(0)))
        })
    }

    fn insert_approval(&self, a: &Approval) -> Result<(), StoreError> {
        let (id, state, digest, at, json) = (
            a.id.to_string(),
            state_tag(a),
            a.request_digest.to_hex(),
            a.created_at.0 as i64,
            to_json(a)?,
        );
        self.with_client(move |c| async move {
            c.execute(
                "INSERT INTO approvals (id, state, request_digest, created_at, record) VALUES ($1, $2, $3, $4, $5)",
                &[&id, &state, &digest, &at, &json],
            )
            .await
            .map_err(pg)?;
            Ok(())
        })
    }

    fn approval(&self, id: ApprovalId) -> Result<Option<Approval>, StoreError> {
        let key = id.to_string();
        let json = self.with_client(move |c| async move {
            let r = c
                .query_opt("SELECT record FROM approvals WHERE id = $1", &[&key])
                .await
                .map_err(pg)?;
            Ok(r.map(|r| r.get::<_, String>(0)))
        })?;
        json.map(|j| decode_approval(&id.to_string(), &j))
            .transpose()
    }

    fn pending_for_digest(&self, digest: &str) -> Result<Option<Approval>, StoreError> {
        let digest = digest.to_owned();
        let row = self.with_client(move |c| async move {
            let r = c
                .query_opt(
                    "SELECT id, record FROM approvals WHERE request_digest = $1 AND state = 'pending' ORDER BY created_at DESC LIMIT 1",
                    &[&digest],
                )
                .await
                .map_err(pg)?;
            Ok(r.map(|r| (r.get::<_, String>(0), r.get::<_, String>(1))))
        })?;
        row.map(|(id, j)| decode_approval(&id, &j)).transpose()
    }

    fn approvals(&self) -> Result<Vec<Approval>, StoreError> {
        self.approvals_where("TRUE ORDER BY created_at DESC, id")
    }

    fn open_approvals(&self) -> Result<Vec<Approval>, StoreError> {
        self.approvals_where("state = 'pending'")
    }

    fn mark_expired(&self, id: ApprovalId) -> Result<bool, StoreError> {
        let id = id.to_string();
        self.with_client(move |c| async move {
            let n = c
                .execute(
                    "UPDATE approvals SET state = 'expired' WHERE id = $1 AND state = 'pending'",
                    &[&id],
                )
                .await
                .map_err(pg)?;
            Ok(n == 1)
        })
    }

    fn update_approval(&self, a: &Approval, previous: &Approval) -> Result<(), StoreError> {
        let (id, state, json, before) = (
            a.id.to_string(),
            state_tag(a),
            to_json(a)?,
            to_json(previous)?,
        );
        let n = self.with_client(move |c| async move {
            // One statement: the compare-and-set and the wake-up of waiters on every replica.
            let rows = c
                .query(
                    "WITH changed AS (
                         UPDATE approvals SET state = $2, record = $3
                         WHERE id = $1 AND record = $4 AND state = 'pending' RETURNING id)
                     SELECT pg_notify('recourse_approvals', id) FROM changed",
                    &[&id, &state, &json, &before],
                )
                .await
                .map_err(pg)?;
            Ok(rows.len())
        })?;
        if n == 1 {
            Ok(())
        } else {
            Err(StoreError::Conflict(format!(
                "approval {} changed meanwhile (someone else decided on it or used it); look again",
                a.id
            )))
        }
    }

    fn wait_notification(&self, at_most: Duration) {
        self.ensure_listening();
        let g = self
            .notices
            .generation
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let seen = *g;
        let _woken = self
            .notices
            .changed
            .wait_timeout_while(g, at_most, |g| *g == seen);
    }

    fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let (key, value) = (key.to_owned(), value.to_owned());
        self.with_client(move |c| async move {
            c.execute(
                "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&key, &value],
            )
            .await
            .map_err(pg)?;
            Ok(())
        })
    }

    fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let key = key.to_owned();
        self.with_client(move |c| async move {
            let r = c
                .query_opt("SELECT value FROM meta WHERE key = $1", &[&key])
                .await
                .map_err(pg)?;
            Ok(r.map(|r| r.get::<_, String>(0)))
        })
    }

    fn set_audit_anchor(&self, _seq: u64, _hash: &str) -> Result<(), StoreError> {
        // The chains themselves are in the store; there is no local file to anchor.
        Ok(())
    }

    fn audit_anchor(&self) -> Result<Option<(u64, String)>, StoreError> {
        Ok(None)
    }

    fn insert_freeze(&self, f: &Freeze) -> Result<(), StoreError> {
        let (id, kind, value, reason, by, at) = (
            f.id.clone(),
            f.scope.kind(),
            f.scope.value(),
            f.reason.clone(),
            f.by.clone(),
            f.created_at.0 as i64,
        );
        self.with_client(move |c| async move {
            c.execute(
                "INSERT INTO freezes (id, scope, value, reason, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                &[&id, &kind, &value, &reason, &by, &at],
            )
            .await
            .map_err(pg)?;
            Ok(())
        })
    }

    fn thaw(
        &self,
        scope: &FreezeScope,
        by: &str,
        now: Timestamp,
    ) -> Result<Vec<Freeze>, StoreError> {
        let (kind, value, by, at) = (scope.kind(), scope.value(), by.to_owned(), now.0 as i64);
        let rows = self.with_client(move |c| async move {
            let rows = c
                .query(
                    "UPDATE freezes SET thawed_at = $3, thawed_by = $4
                     WHERE scope = $1 AND value = $2 AND thawed_at IS NULL
                     RETURNING id, scope, value, reason, created_by, created_at",
                    &[&kind, &value, &at, &by],
                )
                .await
                .map_err(pg)?;
            Ok(freeze_rows(&rows))
        })?;
        rows.into_iter()
            .map(|(id, k, v, r, b, t)| freeze_from_row(id, &k, &v, r, b, t))
            .collect()
    }

    fn active_freezes(&self) -> Result<Vec<Freeze>, StoreError> {
        let rows = self.with_client(move |c| async move {
            let rows = c
                .query(
                    "SELECT id, scope, value, reason, created_by, created_at FROM freezes WHERE thawed_at IS NULL ORDER BY created_at, id",
                    &[],
                )
                .await
                .map_err(pg)?;
            Ok(freeze_rows(&rows))
        })?;
        rows.into_iter()
            .map(|(id, k, v, r, b, t)| freeze_from_row(id, &k, &v, r, b, t))
            .collect()
    }

    fn lock_workspace(&self, key: &str, wait: Duration) -> Result<WorkspaceLock, StoreError> {
        let cfg = self.cfg.clone();
        let client = self.run(async move { connect(&cfg).await })?;
        let client = Arc::new(client);
        let k = lock_key("workspace", key);
        retry_until(wait, key, || {
            let c = Arc::clone(&client);
            self.run(async move {
                let got: bool = c
                    .query_one("SELECT pg_try_advisory_lock($1)", &[&k])
                    .await
                    .map_err(pg)?
                    .get(0);
                Ok(got.then_some(()))
            })
        })?;
        // The lock is the session's: dropping the client ends the session and releases it.
        Ok(WorkspaceLock::new(client))
    }

    fn keeps_audit(&self) -> bool {
        true
    }

    fn claim_log(&self, log_id: &str) -> Result<LogGuard, StoreError> {
        let cfg = self.cfg.clone();
        let k = lock_key("log", log_id);
        let client = self.run(async move {
            let c = connect(&cfg).await?;
            let got: bool = c
                .query_one("SELECT pg_try_advisory_lock($1)", &[&k])
                .await
                .map_err(pg)?
                .get(0);
            Ok(got.then_some(c))
        })?;
        match client {
            Some(c) => Ok(LogGuard::new(c)),
            None => Err(StoreError::LogIdInUse(log_id.to_owned())),
        }
    }

    fn append_audit(&self, log_id: &str, seal: Seal) -> Result<u64, StoreError> {
        let log_id = log_id.to_owned();
        let k = lock_key("append", &log_id);
        self.with_client(move |mut c| async move {
            let tx = c.transaction().await.map_err(pg)?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&k])
                .await
                .map_err(pg)?;
            let tail = tx
                .query_opt(
                    "SELECT seq, hash FROM audit_records WHERE log_id = $1 ORDER BY seq DESC LIMIT 1",
                    &[&log_id],
                )
                .await
                .map_err(pg)?;
            let (next, prev) = match tail {
                Some(r) => (r.get::<_, i64>(0) as u64 + 1, r.get::<_, String>(1)),
                None => (1, crate::state::audit::GENESIS.to_owned()),
            };
            let records = seal(next, prev);
            let last = records.last().map_or(next - 1, |r| r.0);
            let seqs: Vec<i64> = records.iter().map(|r| r.0 as i64).collect();
            let hashes: Vec<&str> = records.iter().map(|r| r.1.as_str()).collect();
            let lines: Vec<&str> = records.iter().map(|r| r.2.as_str()).collect();
            tx.execute(
                "INSERT INTO audit_records (log_id, seq, hash, line)
                 SELECT $1, s, h, l FROM unnest($2::BIGINT[], $3::TEXT[], $4::TEXT[]) AS t(s, h, l)",
                &[&log_id, &seqs, &hashes, &lines],
            )
            .await
            .map_err(pg)?;
            tx.commit().await.map_err(pg)?;
            Ok(last)
        })
    }

    fn audit_records(&self, log_id: &str, after: u64) -> Result<Vec<StoredRecord>, StoreError> {
        let (log_id, after) = (log_id.to_owned(), after as i64);
        self.with_client(move |c| async move {
            let rows = c
                .query(
                    "SELECT seq, line FROM audit_records WHERE log_id = $1 AND seq > $2 ORDER BY seq",
                    &[&log_id, &after],
                )
                .await
                .map_err(pg)?;
            Ok(rows
                .iter()
                .map(|r| StoredRecord {
                    seq: r.get::<_, i64>(0) as u64,
                    line: r.get(1),
                })
                .collect())
        })
    }

    fn audit_chains(&self) -> Result<Vec<ChainInfo>, StoreError> {
        self.with_client(move |c| async move {
            let rows = c
                .query(
                    "SELECT log_id, max(seq)::BIGINT FROM audit_records GROUP BY log_id ORDER BY log_id",
                    &[],
                )
                .await
                .map_err(pg)?;
            Ok(rows
                .iter()
                .map(|r| ChainInfo {
                    log_id: r.get(0),
                    last_seq: r.get::<_, i64>(1) as u64,
                })
                .collect())
        })
    }

    fn put_checkpoint(&self, log_id: &str, cp: &StoredCheckpoint) -> Result<(), StoreError> {
        let (log_id, size, note, leaves) = (
            log_id.to_owned(),
            cp.size as i64,
            cp.note.clone(),
            cp.leaves.clone(),
        );
        self.with_client(move |c| async move {
            c.execute(
                "INSERT INTO audit_checkpoints (log_id, size, note, leaves) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                &[&log_id, &size, &note, &leaves],
            )
            .await
            .map_err(pg)?;
            Ok(())
        })
    }

    fn checkpoints(&self, log_id: &str) -> Result<Vec<StoredCheckpoint>, StoreError> {
        let log_id = log_id.to_owned();
        self.with_client(move |c| async move {
            let rows = c
                .query(
                    "SELECT size, note, leaves FROM audit_checkpoints WHERE log_id = $1 ORDER BY size",
                    &[&log_id],
                )
                .await
                .map_err(pg)?;
            Ok(rows
                .iter()
                .map(|r| StoredCheckpoint {
                    size: r.get::<_, i64>(0) as u64,
                    note: r.get(1),
                    leaves: r.get(2),
                })
                .collect())
        })
    }
}

type FreezeRow = (String, String, String, String, String, i64);

fn freeze_rows(rows: &[tokio_postgres::Row]) -> Vec<FreezeRow> {
    rows.iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
        .collect()
}

impl PgStore {
    fn approvals_where(&self, condition: &'static str) -> Result<Vec<Approval>, StoreError> {
        let rows = self.with_client(move |c| async move {
            let rows = c
                .query(
                    &format!("SELECT id, record FROM approvals WHERE {condition}"),
                    &[],
                )
                .await
                .map_err(pg)?;
            Ok(rows
                .iter()
                .map(|r| (r.get::<_, String>(0), r.get::<_, String>(1)))
                .collect::<Vec<_>>())
        })?;
        rows.iter().map(|(id, j)| decode_approval(id, j)).collect()
    }
}
