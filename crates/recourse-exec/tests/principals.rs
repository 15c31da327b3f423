//! The caller is the principal everywhere: the policy's `principals` section admits or refuses
//! it per tool, request digests (and so approvals) are bound to it, and the audit records name
//! it. Plus the group commit: many concurrent calls, each answered and recorded exactly once,
//! the chain intact, fewer fsyncs than records.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use common::*;
use recourse_exec::{Caller, Status, ToolCall};
use recourse_policy::{Decision, Environment, Policy};

fn http_caller(sub: &str, groups: &[&str]) -> Caller {
    Caller {
        agent_id: sub.into(),
        issuer: Some("https://idp.example".into()),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        token_sha256: Some(recourse_policy::Digest::of(sub.as_bytes())),
    }
}

fn team_policy() -> Policy {
    Policy::from_yaml_str(
        "recourseos:
  environments:
    dev:
      principals:
        group:sre: all
        group:agents: [gateway_shell_exec, gateway_check_approval]
",
    )
    .unwrap()
}

fn shell(command: &str, approval: Option<String>) -> ToolCall {
    ToolCall::ShellExec {
        command: command.into(),
        cwd: None,
        timeout: None,
        approval_id: approval,
    }
}

#[test]
fn two_principals_get_different_decisions_for_the_same_call() {
    let h = harness_with(Environment::Dev, team_policy(), |_| {});
    let sre = http_caller("alice", &["sre"]);
    let agent = http_caller("agent-1", &["agents"]);
    let stranger = http_caller("mallory", &[]);
    let call = ToolCall::GetPlan {
        plan_id: "00000000000000000000000000000000".into(),
    };
    // The SRE may look plans up (the plan does not exist: a not-found answer, not a refusal of
    // the principal).
    let r = h.gw.handle(call.clone(), &sre);
    assert!(
        !r.reasons
            .iter()
            .any(|x| x.rule.as_str().starts_with("principal.")),
        "{r:#?}"
    );
    // The agent group is not granted gateway_get_plan.
    let r = h.gw.handle(call.clone(), &agent);
    assert_eq!(r.status, Status::Refused, "{r:#?}");
    assert_eq!(r.decision, Decision::Block);
    assert_eq!(r.reasons[0].rule.as_str(), "principal.tool_not_granted");
    // A principal no entry names is refused for every tool, even a read-only one.
    let r = h.gw.handle(shell("ls", None), &stranger);
    assert_eq!(r.status, Status::Refused, "{r:#?}");
    assert_eq!(r.reasons[0].rule.as_str(), "principal.unknown");
    // The agent may run shell commands (decided by the rest of the policy).
    let r = h.gw.handle(shell("echo hi", None), &agent);
    assert_eq!(r.status, Status::Executed, "{r:#?}");
    // Every refusal is on the record with the principal.
    let log = recourse_exec::audit::AuditLog::new(recourse_exec::audit_path(&h.state()));
    let recs = log.tail(100).unwrap();
    let refused: Vec<_> = recs
        .iter()
        .filter(|r| {
            r["event"] == "refused"
                && r["reasons"][0]["rule"]
                    .as_str()
                    .is_some_and(|x| x.starts_with("principal."))
        })
        .collect();
    assert_eq!(refused.len(), 2);
    assert!(
        refused.iter().any(
            |r| r["agent"]["id"] == "mallory" && r["reasons"][0]["rule"] == "principal.unknown"
        )
    );
    assert!(
        refused
            .iter()
            .all(|r| r["agent"]["iss"] == "https://idp.example")
    );
    h.verify_audit();
}

#[test]
fn an_approval_requested_by_one_principal_cannot_be_used_by_another() {
    let h = harness(Environment::Prod);
    let a = http_caller("agent-a", &[]);
    let b = http_caller("agent-b", &[]);
    let cmd = "mkdir made-by-a";
    let r = h.gw.handle(shell(cmd, None), &a);
    assert_eq!(r.status, Status::PendingApproval, "{r:#?}");
    let id = r.approval_id.unwrap();
    h.approve(id);
    // B presents A's approval for the very same call: the digest includes the requester.
    let r = h.gw.handle(shell(cmd, Some(id.to_string())), &b);
    assert_eq!(r.status, Status::Refused, "{r:#?}");
    assert!(!h.work().join("made-by-a").exists());
    // B asking for itself gets its own pending approval, not A's.
    let r = h.gw.handle(shell(cmd, None), &b);
    assert_eq!(r.status, Status::PendingApproval);
    assert_ne!(r.approval_id, Some(id));
    // The same sub from another issuer is another principal.
    let mut a_elsewhere = a.clone();
    a_elsewhere.issuer = Some("https://other-idp.example".into());
    let r = h.gw.handle(shell(cmd, Some(id.to_string())), &a_elsewhere);
    assert_eq!(r.status, Status::Refused, "{r:#?}");
    // A uses it, once.
    let r = h.gw.handle(shell(cmd, Some(id.to_string())), &a);
    assert_eq!(r.status, Status::Executed, "{r:#?}");
    assert!(h.work().join("made-by-a").exists());
    h.verify_audit();
}

#[test]
fn concurrent_calls_are_each_recorded_once_with_grouped_fsyncs() {
    let h = Arc::new(harness(Environment::Prod));
    let before = h.verify_audit();
    let threads: Vec<_> = (0..32)
        .map(|t| {
            let h = Arc::clone(&h);
            std::thread::spawn(move || {
                let caller = http_caller(&format!("client-{t}"), &[]);
                for i in 0..50 {
                    // Blocked by policy: decided and recorded, nothing runs.
                    let r =
                        h.gw.handle(shell(&format!("sudo -i # {t}-{i}"), None), &caller);
                    assert_eq!(r.status, Status::Blocked, "{r:#?}");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let after = h.verify_audit();
    assert_eq!(after - before, 32 * 50, "one record per call");
    let recs = recourse_exec::audit::AuditLog::new(recourse_exec::audit_path(&h.state()))
        .tail(100_000)
        .unwrap();
    for t in 0..32 {
        for i in 0..50 {
            let needle = format!("sudo -i # {t}-{i}");
            let n = recs
                .iter()
                .filter(|r| r["arguments"]["command"] == needle.as_str())
                .count();
            assert_eq!(n, 1, "{needle}");
        }
    }
    let (batches, records) = h.gw.metrics().audit_commits();
    assert!(records >= 32 * 50);
    assert!(
        batches < records,
        "concurrent records share fsyncs: {batches} batches for {records} records"
    );
    let calls: u64 = h.gw.metrics().calls().iter().map(|(_, _, n)| n).sum();
    assert_eq!(calls, 32 * 50);
}
