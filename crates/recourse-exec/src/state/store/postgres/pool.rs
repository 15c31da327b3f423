//! Opening the store: the small runtime that drives its connections, the pool, migrations, and
//! the listener for approval notifications. Synchronous callers hand it futures ([`PgStore::run`]).

#[allow(clippy::wildcard_imports)]
use super::*;

impl PgStore {
    pub(super) fn runtime() -> Result<tokio::runtime::Runtime, StoreError> {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("recourse-postgres")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Postgres(format!("cannot start the store's runtime: {e}")))
    }

    pub(super) fn with_runtime(cfg: &PgConfig) -> Result<PgStore, StoreError> {
        let rt = Self::runtime()?;
        let manager = match &cfg.tls {
            None => Manager::from_config(
                cfg.config.clone(),
                NoTls,
                ManagerConfig {
                    recycling_method: RecyclingMethod::Fast,
                },
            ),
            Some(tls) => Manager::from_config(
                cfg.config.clone(),
                tokio_postgres_rustls::MakeRustlsConnect::new((**tls).clone()),
                ManagerConfig {
                    recycling_method: RecyclingMethod::Fast,
                },
            ),
        };
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(OPERATION_TIMEOUT))
            .create_timeout(Some(Duration::from_secs(10)))
            .build()
            .map_err(pg)?;
        Ok(PgStore {
            rt: Some(rt),
            pool,
            cfg: cfg.clone(),
            notices: Arc::new(Notices::default()),
        })
    }

    /// Connects and checks that the schema is the one this binary uses (run
    /// `recourse store migrate` first).
    pub fn open(cfg: &PgConfig) -> Result<PgStore, StoreError> {
        let store = Self::with_runtime(cfg)?;
        let pool = store.pool.clone();
        let found = store.run(async move {
            let c = pool.get().await.map_err(pg)?;
            applied_version(&c).await
        })?;
        if found != SCHEMA_VERSION {
            return Err(StoreError::Schema {
                found,
                needed: SCHEMA_VERSION,
                hint: if found < SCHEMA_VERSION {
                    format!(
                        "run `recourse store migrate --store {}` first",
                        store.cfg.shown()
                    )
                } else {
                    "the database was migrated by a newer recourse; run that one".into()
                },
            });
        }
        Ok(store)
    }

    /// Applies the migrations the database lacks, each in its own transaction, under an
    /// advisory lock so that two `migrate` runs do not collide.
    pub fn migrate(cfg: &PgConfig) -> Result<MigrationReport, StoreError> {
        let store = Self::with_runtime(cfg)?;
        let pool = store.pool.clone();
        store.run(async move {
            let mut c = pool.get().await.map_err(pg)?;
            c.execute(
                "SELECT pg_advisory_lock($1)",
                &[&lock_key("migrate", "schema")],
            )
            .await
            .map_err(pg)?;
            let result = async {
                c.batch_execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (
                         version BIGINT PRIMARY KEY,
                         description TEXT NOT NULL,
                         applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                )
                .await
                .map_err(pg)?;
                let from = applied_version(&c).await?;
                if from > SCHEMA_VERSION {
                    return Err(StoreError::Schema {
                        found: from,
                        needed: SCHEMA_VERSION,
                        hint: "the database was migrated by a newer recourse".into(),
                    });
                }
                let mut applied = Vec::new();
                for m in POSTGRES.iter().filter(|m| m.version > from) {
                    let tx = c.transaction().await.map_err(pg)?;
                    tx.batch_execute(m.sql).await.map_err(pg)?;
                    tx.execute(
                        "INSERT INTO schema_migrations (version, description) VALUES ($1, $2)",
                        &[&m.version, &m.description],
                    )
                    .await
                    .map_err(pg)?;
                    tx.commit().await.map_err(pg)?;
                    applied.push((m.version, m.description));
                }
                Ok(MigrationReport {
                    from,
                    to: SCHEMA_VERSION,
                    applied,
                })
            }
            .await;
            // Unlock also when a migration failed (the session may go back to the pool).
            let _unlocked = c
                .execute(
                    "SELECT pg_advisory_unlock($1)",
                    &[&lock_key("migrate", "schema")],
                )
                .await;
            result
        })
    }

    /// Runs `f` on the store's runtime and waits for it (at most [`OPERATION_TIMEOUT`]).
    pub(super) fn run<T: Send + 'static>(
        &self,
        f: impl Future<Output = Result<T, StoreError>> + Send + 'static,
    ) -> Result<T, StoreError> {
        let Some(rt) = &self.rt else {
            return Err(StoreError::Postgres("the store is closed".into()));
        };
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        rt.spawn(async move {
            let r = match tokio::time::timeout(OPERATION_TIMEOUT, f).await {
                Ok(r) => r,
                Err(_) => Err(StoreError::Postgres(format!(
                    "no answer within {} s",
                    OPERATION_TIMEOUT.as_secs()
                ))),
            };
            // The caller may have given up; nothing to do then.
            let _sent = tx.send(r);
        });
        rx.recv()
            .map_err(|_| StoreError::Postgres("the store's runtime stopped".into()))?
    }

    /// Runs one pooled-connection operation.
    pub(super) fn with_client<T, F, Fut>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(deadpool_postgres::Object) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, StoreError>> + Send,
    {
        let pool = self.pool.clone();
        self.run(async move {
            let c = pool.get().await.map_err(pg)?;
            f(c).await
        })
    }

    /// Starts the LISTEN connection if it is not running.
    pub(super) fn ensure_listening(&self) {
        if self.notices.listening.swap(true, Ordering::SeqCst) {
            return;
        }
        let cfg = self.cfg.clone();
        let notices = Arc::clone(&self.notices);
        let Some(rt) = &self.rt else { return };
        rt.spawn(async move {
            let n = Arc::clone(&notices);
            let wake = move |m: tokio_postgres::AsyncMessage| {
                if let tokio_postgres::AsyncMessage::Notification(_) = m {
                    let mut g = n.generation.lock().unwrap_or_else(|p| p.into_inner());
                    *g = g.wrapping_add(1);
                    n.changed.notify_all();
                }
            };
            match connect_with(&cfg, wake).await {
                Ok((client, conn)) => {
                    if let Err(e) = client.batch_execute(&format!("LISTEN {CHANNEL}")).await {
                        tracing::warn!(error = %e, "LISTEN failed; waiters poll the store");
                    }
                    // Keep the client (and so the session) for as long as the connection lives.
                    let _ended = conn.await;
                    drop(client);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "no LISTEN connection; waiters poll the store")
                }
            }
            // Let a later waiter try again.
            notices.listening.store(false, Ordering::SeqCst);
        });
    }
}
