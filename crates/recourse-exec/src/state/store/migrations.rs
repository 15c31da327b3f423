//! Versioned schema migrations, one list per dialect. A version is applied once, in order, in
//! its own transaction, and recorded; a database at another version than [`SCHEMA_VERSION`] is
//! refused by `serve` (PostgreSQL) until `recourse store migrate` brings it up to date. The
//! embedded SQLite file is migrated when it is opened, as it always was created on open.
//!
//! Never edit an applied migration: add the next version.

/// The schema version this binary reads and writes.
pub const SCHEMA_VERSION: i64 = 2;

/// One schema step.
#[derive(Debug)]
pub(crate) struct Migration {
    pub(crate) version: i64,
    pub(crate) description: &'static str,
    pub(crate) sql: &'static str,
}

/// What `migrate` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationReport {
    /// The version before.
    pub from: i64,
    /// The version now.
    pub to: i64,
    /// The versions applied, with their descriptions.
    pub applied: Vec<(i64, &'static str)>,
}

/// SQLite: version 1 is the schema every earlier release created on open (so an existing
/// state directory migrates without change); version 2 adds freezes.
pub(crate) const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        description: "plans, approvals, meta, audit anchor",
        sql: "CREATE TABLE IF NOT EXISTS plans (
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
    },
    Migration {
        version: 2,
        description: "freezes",
        sql: "CREATE TABLE IF NOT EXISTS freezes (
                 id TEXT PRIMARY KEY,
                 scope TEXT NOT NULL,
                 value TEXT NOT NULL,
                 reason TEXT NOT NULL,
                 created_by TEXT NOT NULL,
                 created_at INTEGER NOT NULL,
                 thawed_at INTEGER,
                 thawed_by TEXT);
             CREATE INDEX IF NOT EXISTS freezes_active ON freezes(thawed_at);",
    },
];

/// PostgreSQL: the same tables, plus plan files (so any replica can apply any plan), the
/// audit chains (one per log id) and their signed checkpoints.
pub(crate) const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        description: "plans, plan files, approvals, meta, audit chains and checkpoints",
        sql: "CREATE TABLE plans (
                 id TEXT PRIMARY KEY,
                 status TEXT NOT NULL,
                 created_at BIGINT NOT NULL,
                 record TEXT NOT NULL);
             CREATE TABLE plan_files (
                 id TEXT PRIMARY KEY,
                 bytes BYTEA NOT NULL);
             CREATE TABLE approvals (
                 id TEXT PRIMARY KEY,
                 state TEXT NOT NULL,
                 request_digest TEXT NOT NULL,
                 created_at BIGINT NOT NULL,
                 record TEXT NOT NULL);
             CREATE INDEX approvals_by_digest ON approvals(request_digest, state);
             CREATE TABLE meta (
                 key TEXT PRIMARY KEY,
                 value TEXT NOT NULL);
             CREATE TABLE audit_anchor (
                 id INTEGER PRIMARY KEY CHECK (id = 1),
                 seq BIGINT NOT NULL,
                 hash TEXT NOT NULL);
             CREATE TABLE audit_records (
                 log_id TEXT NOT NULL,
                 seq BIGINT NOT NULL CHECK (seq > 0),
                 hash TEXT NOT NULL,
                 line TEXT NOT NULL,
                 PRIMARY KEY (log_id, seq));
             CREATE TABLE audit_checkpoints (
                 log_id TEXT NOT NULL,
                 size BIGINT NOT NULL,
                 note TEXT NOT NULL,
                 leaves TEXT NOT NULL,
                 PRIMARY KEY (log_id, size));",
    },
    Migration {
        version: 2,
        description: "freezes",
        sql: "CREATE TABLE freezes (
                 id TEXT PRIMARY KEY,
                 scope TEXT NOT NULL,
                 value TEXT NOT NULL,
                 reason TEXT NOT NULL,
                 created_by TEXT NOT NULL,
                 created_at BIGINT NOT NULL,
                 thawed_at BIGINT,
                 thawed_by TEXT);
             CREATE INDEX freezes_active ON freezes(thawed_at);",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_dialects_end_at_the_current_version_in_order() {
        for list in [SQLITE, POSTGRES] {
            let versions: Vec<i64> = list.iter().map(|m| m.version).collect();
            assert_eq!(versions, (1..=SCHEMA_VERSION).collect::<Vec<_>>());
        }
    }
}
