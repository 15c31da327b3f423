//! Plan and approval lifecycles: every refusal has a test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use recourse_plan::*;
use recourse_policy::{Decision, Digest, Environment, Reason, Verdict};
use serde_json::json;

const NOW: Timestamp = Timestamp(1_800_000_000);

fn verdict(d: Decision) -> Verdict {
    Verdict::from_reasons(vec![Reason::new(d, "test", "test verdict")])
}

fn record(d: Decision) -> PlanRecord {
    PlanRecord {
        id: PlanId::from_bytes([1; 16]),
        plan_file_sha256: Digest::of(b"plan file"),
        plan_digest: Digest::of(b"plan json"),
        workspace: "default".into(),
        environment: Environment::Prod,
        cwd: "/srv/infra".into(),
        args: vec![],
        destroy: false,
        lineage: Some("lin".into()),
        serial: Some(3),
        policy_hash: Digest::of(b"policy"),
        created_at: NOW,
        expires_at: NOW.plus(3600),
        verdict: verdict(d),
        status: PlanStatus::Planned,
        requester: String::new(),
        config: Default::default(),
        findings: Vec::new(),
    }
}

fn binding_digest(plan_id: &str) -> Digest {
    request_digest(RequestBinding {
        tool: "gateway_terraform_apply",
        arguments: &json!({"plan_id": plan_id, "approval_id": "ignored"}),
        environment: Environment::Prod,
        workspace: Some("default"),
        plan_digest: Some(Digest::of(b"plan json")),
        policy_hash: Digest::of(b"policy"),
        requester: "agent-7",
    })
}

fn approval(digest: Digest) -> Approval {
    Approval::new(
        NewApproval {
            id: ApprovalId::from_bytes([2; 16]),
            request_digest: digest,
            requester: "agent-1".into(),
            tool: "gateway_terraform_apply".into(),
            summary: json!({"plan_id": "x"}),
            environment: Environment::Prod,
            plan_id: Some(PlanId::from_bytes([1; 16])),
            justification: Some("deploy".into()),
        },
        NOW,
        86_400,
    )
}

fn request<'a>(approval: Option<&'a Approval>, digest: Digest) -> ApplyRequest<'a> {
    ApplyRequest {
        plan_file_sha256: Digest::of(b"plan file"),
        workspace: "default",
        environment: Environment::Prod,
        approval,
        request_digest: digest,
    }
}

fn approved(digest: Digest) -> Approval {
    let mut a = approval(digest);
    a.approve("alice", Channel::Cli, "looks right", NOW.plus(10))
        .unwrap();
    a
}

#[test]
fn escalated_plan_applies_with_a_valid_approval() {
    let d = binding_digest("p");
    let a = approved(d);
    let p = verify_apply(
        Some(&record(Decision::Escalate)),
        &request(Some(&a), d),
        NOW.plus(20),
    )
    .unwrap();
    assert_eq!(p.plan_id(), PlanId::from_bytes([1; 16]));
    assert_eq!(p.approval(), Some(a.id));
    assert!(!p.break_glass());
}

#[test]
fn allowed_plan_needs_no_approval() {
    let d = binding_digest("p");
    let p = verify_apply(Some(&record(Decision::Allow)), &request(None, d), NOW).unwrap();
    assert_eq!(p.approval(), None);
    verify_apply(Some(&record(Decision::Warn)), &request(None, d), NOW).unwrap();
}

#[test]
fn refusals_in_order() {
    let d = binding_digest("p");
    let rec = record(Decision::Escalate);
    let a = approved(d);
    assert_eq!(
        verify_apply(None, &request(Some(&a), d), NOW),
        Err(ApplyRefusal::UnknownPlan)
    );
    assert_eq!(
        verify_apply(Some(&rec), &request(Some(&a), d), NOW.plus(3600)),
        Err(ApplyRefusal::Expired(NOW.plus(3600)))
    );
    let mut expired = rec.clone();
    expired.status = PlanStatus::Expired;
    assert!(matches!(
        verify_apply(Some(&expired), &request(Some(&a), d), NOW),
        Err(ApplyRefusal::Expired(_))
    ));
    let mut tampered = request(Some(&a), d);
    tampered.plan_file_sha256 = Digest::of(b"other plan file");
    assert!(matches!(
        verify_apply(Some(&rec), &tampered, NOW),
        Err(ApplyRefusal::PlanFileChanged { .. })
    ));
    let mut ws = request(Some(&a), d);
    ws.workspace = "staging";
    assert_eq!(
        verify_apply(Some(&rec), &ws, NOW),
        Err(ApplyRefusal::WorkspaceMismatch {
            planned: "default".into(),
            current: "staging".into()
        })
    );
    let mut env = request(Some(&a), d);
    env.environment = Environment::Dev;
    assert!(matches!(
        verify_apply(Some(&rec), &env, NOW),
        Err(ApplyRefusal::EnvironmentMismatch { .. })
    ));
    assert_eq!(
        verify_apply(Some(&rec), &request(None, d), NOW),
        Err(ApplyRefusal::ApprovalRequired)
    );
    for (status, refusal) in [
        (PlanStatus::Applying, ApplyRefusal::AlreadyApplying),
        (PlanStatus::Applied, ApplyRefusal::AlreadyApplied),
        (PlanStatus::Failed, ApplyRefusal::PreviouslyFailed),
    ] {
        let mut r = rec.clone();
        r.status = status;
        assert_eq!(
            verify_apply(Some(&r), &request(Some(&a), d), NOW.plus(20)),
            Err(refusal)
        );
    }
}

#[test]
fn approval_refusals_through_apply() {
    let d = binding_digest("p");
    let rec = record(Decision::Escalate);
    let at = NOW.plus(20);
    // pending
    let pending = approval(d);
    assert_eq!(
        verify_apply(Some(&rec), &request(Some(&pending), d), at),
        Err(ApplyRefusal::Approval(ApprovalRefusal::Pending))
    );
    // rejected
    let mut rejected = approval(d);
    rejected
        .reject("bob", Channel::Cli, "not now", NOW.plus(5))
        .unwrap();
    assert!(matches!(
        verify_apply(Some(&rec), &request(Some(&rejected), d), at),
        Err(ApplyRefusal::Approval(ApprovalRefusal::Rejected { approver, .. })) if approver == "bob"
    ));
    // expired (rebind the plan TTL past the approval's)
    let a = approved(d);
    let mut long = rec.clone();
    long.expires_at = NOW.plus(200_000);
    assert!(matches!(
        verify_apply(Some(&long), &request(Some(&a), d), NOW.plus(86_400)),
        Err(ApplyRefusal::Approval(ApprovalRefusal::Expired(_)))
    ));
    // for another action
    let other = approved(binding_digest("another-plan"));
    assert!(matches!(
        verify_apply(Some(&rec), &request(Some(&other), d), at),
        Err(ApplyRefusal::Approval(
            ApprovalRefusal::ForAnotherAction { .. }
        ))
    ));
    // consumed
    let mut used = approved(d);
    used.consume(d, at).unwrap();
    assert!(matches!(
        verify_apply(Some(&rec), &request(Some(&used), d), at),
        Err(ApplyRefusal::Approval(ApprovalRefusal::AlreadyUsed(_)))
    ));
    // a wrong approval is refused even where none was needed
    assert!(matches!(
        verify_apply(
            Some(&record(Decision::Allow)),
            &request(Some(&other), d),
            at
        ),
        Err(ApplyRefusal::Approval(
            ApprovalRefusal::ForAnotherAction { .. }
        ))
    ));
}

#[test]
fn block_is_never_approvable_only_break_glass() {
    let d = binding_digest("p");
    let rec = record(Decision::Block);
    assert_eq!(
        verify_apply(Some(&rec), &request(None, d), NOW),
        Err(ApplyRefusal::Blocked)
    );
    let a = approved(d);
    assert_eq!(
        verify_apply(Some(&rec), &request(Some(&a), d), NOW.plus(20)),
        Err(ApplyRefusal::Blocked)
    );
    let mut web = approval(d);
    web.approve("alice", Channel::Web, "ok", NOW.plus(1))
        .unwrap();
    assert_eq!(
        verify_apply(Some(&rec), &request(Some(&web), d), NOW.plus(20)),
        Err(ApplyRefusal::Blocked)
    );
    let mut bg = approval(d);
    bg.approve(
        "alice",
        Channel::BreakGlass,
        "incident 42: restore service",
        NOW.plus(1),
    )
    .unwrap();
    let p = verify_apply(Some(&rec), &request(Some(&bg), d), NOW.plus(20)).unwrap();
    assert!(p.break_glass());
}

#[test]
fn approval_resolution_rules() {
    let d = Digest::of(b"x");
    let mut a = approval(d);
    assert_eq!(a.status(NOW), ApprovalStatus::Pending);
    assert_eq!(
        a.approve("agent-1", Channel::Cli, "me", NOW),
        Err(ResolveError::SelfApproval("agent-1".into()))
    );
    assert_eq!(
        a.approve(" AGENT-1 ", Channel::Cli, "me", NOW),
        Err(ResolveError::SelfApproval("AGENT-1".into()))
    );
    assert_eq!(
        a.approve("alice", Channel::Cli, "  ", NOW),
        Err(ResolveError::NoReason)
    );
    assert_eq!(
        a.approve("", Channel::Cli, "ok", NOW),
        Err(ResolveError::NoApprover)
    );
    assert_eq!(
        a.approve("alice", Channel::Cli, "ok", NOW.plus(86_400)),
        Err(ResolveError::Expired(NOW.plus(86_400)))
    );
    assert_eq!(a.status(NOW.plus(86_400)), ApprovalStatus::Expired);
    a.approve("alice", Channel::Cli, "ok", NOW).unwrap();
    assert_eq!(a.status(NOW), ApprovalStatus::Approved);
    assert_eq!(a.resolution().unwrap().approver, "alice");
    assert_eq!(
        a.reject("bob", Channel::Cli, "no", NOW),
        Err(ResolveError::NotPending("approved"))
    );
    a.consume(d, NOW).unwrap();
    assert_eq!(a.status(NOW), ApprovalStatus::Consumed);
    assert!(matches!(
        a.consume(d, NOW),
        Err(ApprovalRefusal::AlreadyUsed(_))
    ));
    assert_eq!(
        a.approve("carol", Channel::Cli, "again", NOW),
        Err(ResolveError::NotPending("consumed"))
    );
}

#[test]
fn a_self_approved_record_is_refused_at_use() {
    // A record tampered into being approved by its requester is still refused.
    let d = Digest::of(b"x");
    let mut a = approval(d);
    a.state = ApprovalState::Approved(Resolution {
        approver: "agent-1".into(),
        channel: Channel::Cli,
        reason: "sneaky".into(),
        at: NOW,
    });
    assert_eq!(
        a.check(d, NOW),
        Err(ApprovalRefusal::SelfApproved("agent-1".into()))
    );
}

#[test]
fn request_digest_binds_every_field() {
    let base = RequestBinding {
        tool: "gateway_shell_exec",
        arguments: &json!({"command": "rm -rf build", "cwd": "/srv"}),
        environment: Environment::Prod,
        workspace: None,
        plan_digest: None,
        policy_hash: Digest::of(b"p"),
        requester: "agent-a",
    };
    let d = request_digest(base);
    let reordered = json!({"cwd": "/srv", "command": "rm -rf build", "approval_id": "abc"});
    assert_eq!(
        request_digest(RequestBinding {
            arguments: &reordered,
            ..base
        }),
        d
    );
    let other_cmd = json!({"command": "rm -rf /", "cwd": "/srv"});
    assert_ne!(
        request_digest(RequestBinding {
            arguments: &other_cmd,
            ..base
        }),
        d
    );
    assert_ne!(
        request_digest(RequestBinding {
            tool: "gateway_kubectl_exec",
            ..base
        }),
        d
    );
    assert_ne!(
        request_digest(RequestBinding {
            environment: Environment::Dev,
            ..base
        }),
        d
    );
    assert_ne!(
        request_digest(RequestBinding {
            workspace: Some("w"),
            ..base
        }),
        d
    );
    assert_ne!(
        request_digest(RequestBinding {
            plan_digest: Some(Digest::of(b"q")),
            ..base
        }),
        d
    );
    assert_ne!(
        request_digest(RequestBinding {
            policy_hash: Digest::of(b"other"),
            ..base
        }),
        d
    );
    assert_ne!(
        request_digest(RequestBinding {
            requester: "agent-b",
            ..base
        }),
        d
    );
}

#[test]
fn plan_status_transitions() {
    let mut r = record(Decision::Allow);
    r.transition(PlanStatus::Applying).unwrap();
    assert!(r.transition(PlanStatus::Applying).is_err());
    assert!(r.transition(PlanStatus::Planned).is_err());
    r.transition(PlanStatus::Applied).unwrap();
    assert!(r.transition(PlanStatus::Failed).is_err());
    let mut r = record(Decision::Allow);
    r.transition(PlanStatus::Expired).unwrap();
    assert!(r.transition(PlanStatus::Applying).is_err());
}

#[test]
fn records_round_trip_through_json() {
    let r = record(Decision::Escalate);
    let back: PlanRecord = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
    assert_eq!(back, r);
    let a = approved(Digest::of(b"x"));
    let back: Approval = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
    assert_eq!(back, a);
}

/// `apply_binding` is the digest the gateway has always built by hand for "apply plan X"; a
/// changed value would orphan every pending apply approval.
#[test]
fn apply_binding_equals_the_hand_built_request_digest() {
    let rec = record(Decision::Escalate);
    let by_hand = request_digest(RequestBinding {
        tool: "gateway_terraform_apply",
        arguments: &json!({"plan_id": rec.id.to_string()}),
        environment: Environment::Prod,
        workspace: Some(&rec.workspace),
        plan_digest: Some(rec.plan_digest),
        policy_hash: rec.policy_hash,
        requester: "agent-7",
    });
    assert_eq!(
        apply_binding(&rec, Environment::Prod, rec.policy_hash, "agent-7"),
        by_hand
    );
    assert_eq!(binding_digest(&rec.id.to_string()), by_hand);
    assert_ne!(
        apply_binding(&rec, Environment::Staging, rec.policy_hash, "agent-7"),
        by_hand
    );
    assert_ne!(
        apply_binding(
            &rec,
            Environment::Prod,
            Digest::of(b"other policy"),
            "agent-7"
        ),
        by_hand
    );
    assert_ne!(
        apply_binding(&rec, Environment::Prod, rec.policy_hash, "agent-8"),
        by_hand
    );
}
