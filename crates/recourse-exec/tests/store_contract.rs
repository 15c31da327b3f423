//! The store contract: one suite, run against the embedded SQLite store and against a real
//! PostgreSQL server started by the test (`recourse_testkit::postgres`). Whatever the gate and
//! the control plane rely on — compare-and-set plan claims and approval uses under
//! concurrency, freezes, the per-workspace apply lock, wake-ups, migrations — holds for both.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use recourse_exec::freeze::{Freeze, FreezeScope};
use recourse_exec::store::{StateStore, StoreConfig, StoreError};
use recourse_plan::{Approval, ApprovalId, NewApproval, PlanId, PlanRecord, PlanStatus, Timestamp};
use recourse_policy::{Decision, Digest, Environment, Reason, Verdict};
use serde_json::json;

/// A store of each kind, fresh.
struct Fixture {
    _dir: tempfile::TempDir,
    store: Arc<dyn StateStore>,
}

fn sqlite() -> Option<Fixture> {
    let dir = tempfile::tempdir().unwrap();
    let cfg = StoreConfig::Sqlite;
    let store = cfg.open(dir.path()).unwrap();
    Some(Fixture { _dir: dir, store })
}

fn postgres() -> Option<Fixture> {
    let server = recourse_testkit::postgres::server()?;
    let url = server.database("contract");
    let cfg = StoreConfig::parse(
        Some(&url),
        Some(recourse_testkit::postgres::PASSWORD.into()),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Not migrated yet: refused, naming the command that fixes it.
    let err = cfg.open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::Schema { found: 0, .. }), "{err}");
    assert!(err.to_string().contains("recourse store migrate"), "{err}");
    let report = cfg.migrate(dir.path()).unwrap();
    assert_eq!(report.from, 0);
    assert_eq!(report.to, recourse_exec::store::SCHEMA_VERSION);
    // Migrating again applies nothing.
    assert!(cfg.migrate(dir.path()).unwrap().applied.is_empty());
    let store = cfg.open(dir.path()).unwrap();
    Some(Fixture { _dir: dir, store })
}

fn now() -> Timestamp {
    recourse_exec::system_now()
}

fn plan(id: PlanId, workspace: &str) -> PlanRecord {
    PlanRecord {
        id,
        plan_file_sha256: Digest::of(b"file"),
        plan_digest: Digest::of(id.to_string().as_bytes()),
        workspace: workspace.into(),
        environment: Environment::Prod,
        cwd: "/infra".into(),
        args: vec![],
        destroy: false,
        lineage: None,
        serial: None,
        policy_hash: Digest::of(b"policy"),
        created_at: now(),
        expires_at: now().plus(3600),
        verdict: Verdict::from_reasons(vec![Reason::new(Decision::Allow, "test", "seeded")]),
        status: PlanStatus::Planned,
        requester: "agent".into(),
        requester_issuer: None,
        config: Default::default(),
        findings: Vec::new(),
    }
}

fn approval(digest: &str) -> Approval {
    Approval::new(
        NewApproval {
            id: ApprovalId::from_bytes(recourse_exec::new_id_bytes().unwrap()),
            request_digest: Digest::of(digest.as_bytes()),
            requester: "agent".into(),
            tool: "gateway_shell_exec".into(),
            summary: json!({"command": "ls"}),
            environment: Environment::Prod,
            plan_id: None,
            justification: None,
        },
        now(),
        3600,
    )
}

fn plan_id() -> PlanId {
    PlanId::from_bytes(recourse_exec::new_id_bytes().unwrap())
}

/// Many threads at once; each returns whether it won.
fn race(n: usize, f: impl Fn() -> bool + Send + Sync + 'static) -> usize {
    let f = Arc::new(f);
    let barrier = Arc::new(std::sync::Barrier::new(n));
    let threads: Vec<_> = (0..n)
        .map(|_| {
            let (f, b) = (Arc::clone(&f), Arc::clone(&barrier));
            std::thread::spawn(move || {
                b.wait();
                f()
            })
        })
        .collect();
    threads
        .into_iter()
        .map(|t| t.join().unwrap())
        .filter(|w| *w)
        .count()
}

fn plans_are_claimed_once(s: Arc<dyn StateStore>) {
    let id = plan_id();
    s.insert_plan(&plan(id, "prod")).unwrap();
    assert_eq!(s.plan(id).unwrap().unwrap().workspace, "prod");
    assert!(s.plan(plan_id()).unwrap().is_none());
    for _ in 0..5 {
        let id = plan_id();
        s.insert_plan(&plan(id, "prod")).unwrap();
        let st = Arc::clone(&s);
        let winners = race(8, move || {
            st.transition_plan(id, PlanStatus::Planned, PlanStatus::Applying)
                .unwrap()
        });
        assert_eq!(winners, 1, "exactly one claim of the plan");
        assert_eq!(s.plan(id).unwrap().unwrap().status, PlanStatus::Applying);
    }
}

fn approvals_are_used_once(s: Arc<dyn StateStore>) {
    let a = approval("one");
    s.insert_approval(&a).unwrap();
    assert_eq!(s.approval(a.id).unwrap().unwrap(), a);
    assert_eq!(
        s.pending_for_digest(&a.request_digest.to_hex()).unwrap(),
        Some(a.clone())
    );
    assert_eq!(s.open_approvals().unwrap().len(), 1);
    let st = Arc::clone(&s);
    let id = a.id;
    let winners = race(8, move || {
        let seen = st.approval(id).unwrap().unwrap();
        if seen.consumed_at.is_some() {
            return false;
        }
        let mut used = seen.clone();
        used.consumed_at = Some(now());
        match st.update_approval(&used, &seen) {
            Ok(()) => true,
            Err(StoreError::Conflict(_)) => false,
            Err(e) => panic!("{e}"),
        }
    });
    assert_eq!(winners, 1, "exactly one use of the approval");
    assert!(s.open_approvals().unwrap().is_empty());
    assert!(
        s.pending_for_digest(&a.request_digest.to_hex())
            .unwrap()
            .is_none()
    );
    // Expiry is marked once.
    let b = approval("two");
    s.insert_approval(&b).unwrap();
    assert!(s.mark_expired(b.id).unwrap());
    assert!(!s.mark_expired(b.id).unwrap());
    assert_eq!(s.approvals().unwrap().len(), 2);
}

fn metadata_round_trips(s: Arc<dyn StateStore>) {
    assert_eq!(s.meta("k").unwrap(), None);
    s.set_meta("k", "v1").unwrap();
    s.set_meta("k", "v2").unwrap();
    assert_eq!(s.meta("k").unwrap().as_deref(), Some("v2"));
}

fn freezes_and_thaws(s: Arc<dyn StateStore>) {
    assert!(s.active_freezes().unwrap().is_empty());
    let f = |id: &str, scope| Freeze {
        id: id.into(),
        scope,
        reason: "incident".into(),
        by: "alice".into(),
        created_at: now(),
    };
    s.insert_freeze(&f("1", FreezeScope::Environment(Environment::Prod)))
        .unwrap();
    s.insert_freeze(&f("2", FreezeScope::Principal("bot".into())))
        .unwrap();
    s.insert_freeze(&f("3", FreezeScope::All)).unwrap();
    assert_eq!(s.active_freezes().unwrap().len(), 3);
    let lifted = s.thaw(&FreezeScope::All, "bob", now()).unwrap();
    assert_eq!(lifted.len(), 1);
    assert_eq!(lifted[0].id, "3");
    let active = s.active_freezes().unwrap();
    assert_eq!(active.len(), 2);
    assert!(
        recourse_exec::freeze::covering(&active, Environment::Prod, "x").is_some()
            && recourse_exec::freeze::covering(&active, Environment::Dev, "bot").is_some()
            && recourse_exec::freeze::covering(&active, Environment::Dev, "x").is_none()
    );
    assert!(s.thaw(&FreezeScope::All, "bob", now()).unwrap().is_empty());
}

fn workspaces_are_held_one_apply_at_a_time(s: Arc<dyn StateStore>) {
    let a = recourse_exec::store::workspace_key("/infra", "prod");
    let b = recourse_exec::store::workspace_key("/infra", "staging");
    let held = s.lock_workspace(&a, Duration::from_secs(5)).unwrap();
    // Another workspace is not held up.
    let other = s.lock_workspace(&b, Duration::from_secs(5)).unwrap();
    // The same workspace waits, and gives up after the wait.
    let started = Instant::now();
    let busy = s
        .lock_workspace(&a, Duration::from_millis(400))
        .unwrap_err();
    assert!(matches!(busy, StoreError::WorkspaceBusy(_)), "{busy}");
    assert!(started.elapsed() >= Duration::from_millis(350));
    // Once released, the next one gets it, while a waiter was waiting.
    let st = Arc::clone(&s);
    let key = a.clone();
    let waiter =
        std::thread::spawn(move || st.lock_workspace(&key, Duration::from_secs(10)).is_ok());
    std::thread::sleep(Duration::from_millis(300));
    drop(held);
    assert!(waiter.join().unwrap());
    drop(other);
}

fn waiters_wake_on_a_change(s: Arc<dyn StateStore>) {
    let a = approval("wait");
    s.insert_approval(&a).unwrap();
    // Nothing changes: the wait ends at its deadline with the same record.
    let started = Instant::now();
    let same = s
        .wait_for_change(a.id, &a, Instant::now() + Duration::from_millis(300))
        .unwrap();
    assert_eq!(same.as_ref(), Some(&a));
    assert!(started.elapsed() >= Duration::from_millis(250));
    // A change from another thread ends the wait well before its deadline.
    let st = Arc::clone(&s);
    let before = a.clone();
    let changer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        let mut used = before.clone();
        used.consumed_at = Some(now());
        st.update_approval(&used, &before).unwrap();
    });
    let started = Instant::now();
    let changed = s
        .wait_for_change(a.id, &a, Instant::now() + Duration::from_secs(20))
        .unwrap()
        .unwrap();
    changer.join().unwrap();
    assert!(changed.consumed_at.is_some());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

macro_rules! contract {
    ($kind:ident) => {
        mod $kind {
            use super::*;
            fn store() -> Option<Arc<dyn StateStore>> {
                super::$kind().map(|f| {
                    // Keep the directory for the test's life.
                    let store = Arc::clone(&f.store);
                    std::mem::forget(f._dir);
                    store
                })
            }
            #[test]
            fn plans_are_claimed_once() {
                if let Some(s) = store() {
                    super::plans_are_claimed_once(s);
                }
            }
            #[test]
            fn approvals_are_used_once() {
                if let Some(s) = store() {
                    super::approvals_are_used_once(s);
                }
            }
            #[test]
            fn metadata_round_trips() {
                if let Some(s) = store() {
                    super::metadata_round_trips(s);
                }
            }
            #[test]
            fn freezes_and_thaws() {
                if let Some(s) = store() {
                    super::freezes_and_thaws(s);
                }
            }
            #[test]
            fn workspaces_are_held_one_apply_at_a_time() {
                if let Some(s) = store() {
                    super::workspaces_are_held_one_apply_at_a_time(s);
                }
            }
            #[test]
            fn waiters_wake_on_a_change() {
                if let Some(s) = store() {
                    super::waiters_wake_on_a_change(s);
                }
            }
        }
    };
}

contract!(sqlite);
contract!(postgres);

/// PostgreSQL only: a chain's log id is held by one process; appends continue the chain.
#[test]
fn postgres_log_ids_are_exclusive_and_chains_continue() {
    let Some(f) = postgres() else { return };
    let s = f.store;
    let guard = s.claim_log("replica-a").unwrap();
    let again = s.claim_log("replica-a").unwrap_err();
    assert!(matches!(again, StoreError::LogIdInUse(_)), "{again}");
    assert!(again.to_string().contains("--log-id"));
    s.claim_log("replica-b").unwrap();
    drop(guard);
    // Released with its session: claimable again.
    let deadline = Instant::now() + Duration::from_secs(5);
    while s.claim_log("replica-a").is_err() {
        assert!(Instant::now() < deadline, "the log id was never released");
        std::thread::sleep(Duration::from_millis(50));
    }
    for round in 0..3u64 {
        let last = s
            .append_audit(
                "replica-a",
                Box::new(move |seq, prev| {
                    assert_eq!(seq, round * 2 + 1);
                    vec![
                        (seq, format!("h{seq}"), format!("{{\"prev\":\"{prev}\"}}")),
                        (seq + 1, format!("h{}", seq + 1), "{}".into()),
                    ]
                }),
            )
            .unwrap();
        assert_eq!(last, round * 2 + 2);
    }
    let recs = s.audit_records("replica-a", 4).unwrap();
    assert_eq!(recs.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![5, 6]);
    assert_eq!(recs[0].line, "{\"prev\":\"h4\"}");
    let chains = s.audit_chains().unwrap();
    assert_eq!(chains.len(), 1);
    assert_eq!(chains[0].last_seq, 6);
}
