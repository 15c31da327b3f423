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
        requester_issuer: None,
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
        requester_issuer: None,
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

/// Test keys: alice and bob (group sre), carol (no group), the agent itself registered as an
/// approver (to test self-approval), and the web control plane (signs on behalf).
fn key(name: &str) -> SecretKey {
    let seed = match name {
        "alice" => 1,
        "bob" => 2,
        "carol" => 3,
        "agent-1" => 4,
        "control-plane" => 5,
        _ => 99,
    };
    SecretKey::from_seed([seed; 32])
}

fn approvers() -> Approvers {
    let reg = |name: &str, groups: &[&str], on_behalf: bool| Registration {
        name: name.into(),
        public_key: key(name).public(),
        groups: groups.iter().map(|g| (*g).to_owned()).collect(),
        on_behalf,
    };
    Approvers {
        approvers: vec![
            reg("alice", &["sre"], false),
            reg("bob", &["sre"], false),
            reg("carol", &[], false),
            reg("agent-1", &[], false),
            reg("control-plane", &[], true),
        ],
    }
}

fn rules() -> recourse_policy::ApprovalRules {
    recourse_policy::ApprovalRules::defaults(Environment::Prod)
}

const USE_TTL: u64 = 3600;

fn trust<'a>(approvers: &'a Approvers, rules: &'a recourse_policy::ApprovalRules) -> Trust<'a> {
    Trust {
        approvers,
        rules,
        use_ttl_seconds: USE_TTL,
    }
}

fn statement(a: &Approval, who: &str, choice: Choice, at: Timestamp) -> SignedStatement {
    Statement {
        approval_id: a.id,
        request_digest: a.request_digest,
        choice,
        approver: who.into(),
        signer: who.into(),
        channel: if choice == Choice::BreakGlass {
            Channel::BreakGlass
        } else {
            Channel::Cli
        },
        reason: "looks right".into(),
        issued_at: at,
        expires_at: at.plus(86_400),
    }
    .sign(&key(who))
}

fn request<'a>(
    approval: Option<&'a Approval>,
    digest: Digest,
    trust: Trust<'a>,
) -> ApplyRequest<'a> {
    ApplyRequest {
        plan_file_sha256: Digest::of(b"plan file"),
        workspace: "default",
        environment: Environment::Prod,
        approval,
        request_digest: digest,
        trust,
    }
}

fn approved(digest: Digest) -> Approval {
    let mut a = approval(digest);
    let (ap, r) = (approvers(), rules());
    let s = statement(&a, "alice", Choice::Approve, NOW.plus(10));
    a.add(s, NOW.plus(10), &trust(&ap, &r)).unwrap();
    a
}

#[test]
fn escalated_plan_applies_with_a_valid_approval() {
    let (ap, r) = (approvers(), rules());
    let d = binding_digest("p");
    let a = approved(d);
    let p = verify_apply(
        Some(&record(Decision::Escalate)),
        &request(Some(&a), d, trust(&ap, &r)),
        NOW.plus(20),
    )
    .unwrap();
    assert_eq!(p.plan_id(), PlanId::from_bytes([1; 16]));
    assert_eq!(p.approval(), Some(a.id));
    assert!(!p.break_glass());
}

#[test]
fn allowed_plan_needs_no_approval() {
    let (ap, r) = (approvers(), rules());
    let d = binding_digest("p");
    let t = trust(&ap, &r);
    let p = verify_apply(Some(&record(Decision::Allow)), &request(None, d, t), NOW).unwrap();
    assert_eq!(p.approval(), None);
    verify_apply(Some(&record(Decision::Warn)), &request(None, d, t), NOW).unwrap();
}

#[test]
fn refusals_in_order() {
    let (ap, r) = (approvers(), rules());
    let t = trust(&ap, &r);
    let d = binding_digest("p");
    let rec = record(Decision::Escalate);
    let a = approved(d);
    assert_eq!(
        verify_apply(None, &request(Some(&a), d, t), NOW),
        Err(ApplyRefusal::UnknownPlan)
    );
    assert_eq!(
        verify_apply(Some(&rec), &request(Some(&a), d, t), NOW.plus(3600)),
        Err(ApplyRefusal::Expired(NOW.plus(3600)))
    );
    let mut expired = rec.clone();
    expired.status = PlanStatus::Expired;
    assert!(matches!(
        verify_apply(Some(&expired), &request(Some(&a), d, t), NOW),
        Err(ApplyRefusal::Expired(_))
    ));
    let mut tampered = request(Some(&a), d, t);
    tampered.plan_file_sha256 = Digest::of(b"other plan file");
    assert!(matches!(
        verify_apply(Some(&rec), &tampered, NOW),
        Err(ApplyRefusal::PlanFileChanged { .. })
    ));
    let mut ws = request(Some(&a), d, t);
    ws.workspace = "staging";
    assert_eq!(
        verify_apply(Some(&rec), &ws, NOW),
        Err(ApplyRefusal::WorkspaceMismatch {
            planned: "default".into(),
            current: "staging".into()
        })
    );
    let mut env = request(Some(&a), d, t);
    env.environment = Environment::Dev;
    assert!(matches!(
        verify_apply(Some(&rec), &env, NOW),
        Err(ApplyRefusal::EnvironmentMismatch { .. })
    ));
    assert_eq!(
        verify_apply(Some(&rec), &request(None, d, t), NOW),
        Err(ApplyRefusal::ApprovalRequired)
    );
    for (status, refusal) in [
        (PlanStatus::Applying, ApplyRefusal::AlreadyApplying),
        (PlanStatus::Applied, ApplyRefusal::AlreadyApplied),
        (PlanStatus::Failed, ApplyRefusal::PreviouslyFailed),
    ] {
        let mut rr = rec.clone();
        rr.status = status;
        assert_eq!(
            verify_apply(Some(&rr), &request(Some(&a), d, t), NOW.plus(20)),
            Err(refusal)
        );
    }
}

#[test]
fn approval_refusals_through_apply() {
    let (ap, r) = (approvers(), rules());
    let t = trust(&ap, &r);
    let d = binding_digest("p");
    let rec = record(Decision::Escalate);
    let at = NOW.plus(20);
    let pending = approval(d);
    assert_eq!(
        verify_apply(Some(&rec), &request(Some(&pending), d, t), at),
        Err(ApplyRefusal::Approval(ApprovalRefusal::Pending {
            have: 0,
            need: 1
        }))
    );
    let mut rejected = approval(d);
    let s = statement(&rejected, "bob", Choice::Reject, NOW.plus(5));
    rejected.add(s, NOW.plus(5), &t).unwrap();
    assert!(matches!(
        verify_apply(Some(&rec), &request(Some(&rejected), d, t), at),
        Err(ApplyRefusal::Approval(ApprovalRefusal::Rejected { approver, .. })) if approver == "bob"
    ));
    // Granted but unused past approval_use_ttl_seconds: expired (the second clock).
    let a = approved(d);
    let mut long = rec.clone();
    long.expires_at = NOW.plus(200_000);
    assert!(matches!(
        verify_apply(Some(&long), &request(Some(&a), d, t), NOW.plus(10 + USE_TTL)),
        Err(ApplyRefusal::Approval(ApprovalRefusal::Expired(at))) if at == NOW.plus(10 + USE_TTL)
    ));
    let other = approved(binding_digest("another-plan"));
    assert!(matches!(
        verify_apply(Some(&rec), &request(Some(&other), d, t), at),
        Err(ApplyRefusal::Approval(
            ApprovalRefusal::ForAnotherAction { .. }
        ))
    ));
    let mut used = approved(d);
    used.consume(d, at, &t).unwrap();
    assert!(matches!(
        verify_apply(Some(&rec), &request(Some(&used), d, t), at),
        Err(ApplyRefusal::Approval(ApprovalRefusal::AlreadyUsed(_)))
    ));
    assert!(matches!(
        verify_apply(
            Some(&record(Decision::Allow)),
            &request(Some(&other), d, t),
            at
        ),
        Err(ApplyRefusal::Approval(
            ApprovalRefusal::ForAnotherAction { .. }
        ))
    ));
}

#[test]
fn block_is_never_approvable_only_break_glass() {
    let (ap, r) = (approvers(), rules());
    let t = trust(&ap, &r);
    let d = binding_digest("p");
    let rec = record(Decision::Block);
    assert_eq!(
        verify_apply(Some(&rec), &request(None, d, t), NOW),
        Err(ApplyRefusal::Blocked)
    );
    let a = approved(d);
    assert_eq!(
        verify_apply(Some(&rec), &request(Some(&a), d, t), NOW.plus(20)),
        Err(ApplyRefusal::Blocked)
    );
    let mut bg = approval(d);
    let s = statement(&bg, "alice", Choice::BreakGlass, NOW.plus(1));
    bg.add(s, NOW.plus(1), &t).unwrap();
    let p = verify_apply(Some(&rec), &request(Some(&bg), d, t), NOW.plus(20)).unwrap();
    assert!(p.break_glass());
    // Only those the rules allow may break glass.
    let mut only_bob = rules();
    only_bob.break_glass = vec!["bob".parse().unwrap()];
    let mut bg = approval(d);
    let s = statement(&bg, "alice", Choice::BreakGlass, NOW.plus(1));
    assert_eq!(
        bg.add(s, NOW.plus(1), &trust(&ap, &only_bob)),
        Err(ResolveError::Statement(StatementProblem::NoBreakGlass(
            "alice".into()
        )))
    );
}

#[test]
fn resolution_rules() {
    let (ap, r) = (approvers(), rules());
    let t = trust(&ap, &r);
    let d = Digest::of(b"x");
    let mut a = approval(d);
    assert_eq!(a.status(NOW, &t), ApprovalStatus::Pending);
    // The requester cannot approve its own request, even with a registered key.
    let own = statement(&a, "agent-1", Choice::Approve, NOW);
    assert_eq!(
        a.add(own, NOW, &t),
        Err(ResolveError::Statement(StatementProblem::SelfApproval(
            "agent-1".into()
        )))
    );
    let mut no_reason = statement(&a, "alice", Choice::Approve, NOW).statement;
    no_reason.reason = "  ".into();
    let no_reason = no_reason.sign(&key("alice"));
    assert_eq!(
        a.add(no_reason, NOW, &t),
        Err(ResolveError::Statement(StatementProblem::NoReason))
    );
    // An unregistered signer, and a statement for another approval, do not count.
    let stranger = statement(&a, "mallory", Choice::Approve, NOW);
    assert!(matches!(
        a.add(stranger, NOW, &t),
        Err(ResolveError::Statement(StatementProblem::UnknownSigner(_)))
    ));
    let mut other = approval(Digest::of(b"other"));
    other.id = ApprovalId::from_bytes([3; 16]);
    let elsewhere = statement(&other, "alice", Choice::Approve, NOW);
    assert_eq!(
        a.add(elsewhere, NOW, &t),
        Err(ResolveError::Statement(StatementProblem::OtherRequest))
    );
    assert_eq!(a.status(NOW.plus(86_400), &t), ApprovalStatus::Expired);
    a.add(statement(&a, "alice", Choice::Approve, NOW), NOW, &t)
        .unwrap();
    assert_eq!(a.status(NOW, &t), ApprovalStatus::Approved);
    assert_eq!(
        a.add(statement(&a, "bob", Choice::Reject, NOW), NOW, &t),
        Err(ResolveError::NotPending("approved"))
    );
    a.consume(d, NOW, &t).unwrap();
    assert_eq!(a.status(NOW, &t), ApprovalStatus::Consumed);
    assert!(matches!(
        a.consume(d, NOW, &t),
        Err(ApprovalRefusal::AlreadyUsed(_))
    ));
}

#[test]
fn n_of_m_distinct_approvers_from_the_allowed_groups() {
    let ap = approvers();
    let mut r = rules();
    r.required = std::num::NonZeroU32::new(2).unwrap();
    r.approvers = vec!["group:sre".parse().unwrap()];
    let t = trust(&ap, &r);
    let d = Digest::of(b"x");
    let mut a = approval(d);
    // carol is registered but not in group sre.
    assert_eq!(
        a.add(statement(&a, "carol", Choice::Approve, NOW), NOW, &t),
        Err(ResolveError::Statement(StatementProblem::NotAllowed(
            "carol".into()
        )))
    );
    assert_eq!(
        a.add(statement(&a, "alice", Choice::Approve, NOW), NOW, &t),
        Ok(Tally::Pending { have: 1, need: 2 })
    );
    assert_eq!(
        a.check(d, NOW, &t),
        Err(ApprovalRefusal::Pending { have: 1, need: 2 })
    );
    // The same approver twice is one approval.
    assert_eq!(
        a.add(
            statement(&a, "alice", Choice::Approve, NOW.plus(1)),
            NOW.plus(1),
            &t
        ),
        Err(ResolveError::AlreadyDecided("alice".into()))
    );
    assert!(matches!(
        a.add(statement(&a, "bob", Choice::Approve, NOW.plus(2)), NOW.plus(2), &t),
        Ok(Tally::Approved(g)) if g.approvers == ["alice", "bob"]
    ));
    assert!(a.check(d, NOW.plus(3), &t).is_ok());
}

#[test]
fn a_store_writer_without_a_key_cannot_grant() {
    // A process that can write the store adds "approvals" it cannot sign properly.
    let (ap, r) = (approvers(), rules());
    let t = trust(&ap, &r);
    let d = Digest::of(b"x");
    let mut a = approval(d);
    // 1. A statement naming alice, signed with another key.
    let mut forged = statement(&a, "alice", Choice::Approve, NOW)
        .statement
        .sign(&key("mallory"));
    a.statements.push(forged.clone());
    assert!(
        matches!(a.check(d, NOW, &t), Err(ApprovalRefusal::Forged(p)) if p[0].contains("does not verify"))
    );
    // 2. A genuine statement edited after signing (another request digest).
    a.statements.clear();
    forged = statement(&a, "alice", Choice::Approve, NOW);
    forged.statement.reason = "edited".into();
    a.statements.push(forged);
    assert!(matches!(
        a.check(d, NOW, &t),
        Err(ApprovalRefusal::Forged(_))
    ));
    // 3. A genuine statement copied from another approval.
    a.statements.clear();
    let mut other = approval(Digest::of(b"other"));
    other.id = ApprovalId::from_bytes([3; 16]);
    a.statements
        .push(statement(&other, "alice", Choice::Approve, NOW));
    assert!(matches!(
        a.check(d, NOW, &t),
        Err(ApprovalRefusal::Forged(_))
    ));
    // 4. The agent signing on behalf of alice without the on-behalf registration.
    a.statements.clear();
    let mut behalf = statement(&a, "alice", Choice::Approve, NOW).statement;
    behalf.signer = "carol".into();
    a.statements.push(behalf.sign(&key("carol")));
    assert!(matches!(
        a.check(d, NOW, &t),
        Err(ApprovalRefusal::Forged(_))
    ));
    assert_eq!(a.problems(&t).len(), 1);
    // The web control plane may sign on behalf of a registered approver.
    a.statements.clear();
    let mut web = statement(&a, "alice", Choice::Approve, NOW).statement;
    web.signer = "control-plane".into();
    web.channel = Channel::Web;
    a.statements.push(web.sign(&key("control-plane")));
    assert!(a.check(d, NOW, &t).is_ok());
}

#[test]
fn every_field_of_a_statement_is_signed() {
    let a = approval(Digest::of(b"x"));
    let s = statement(&a, "alice", Choice::Approve, NOW);
    let pk = key("alice").public();
    assert!(pk.verifies(&s.statement.signing_bytes(), &s.signature));
    let variants: Vec<Statement> = vec![
        Statement {
            approval_id: ApprovalId::from_bytes([9; 16]),
            ..s.statement.clone()
        },
        Statement {
            request_digest: Digest::of(b"y"),
            ..s.statement.clone()
        },
        Statement {
            choice: Choice::BreakGlass,
            ..s.statement.clone()
        },
        Statement {
            approver: "bob".into(),
            ..s.statement.clone()
        },
        Statement {
            signer: "bob".into(),
            ..s.statement.clone()
        },
        Statement {
            channel: Channel::Web,
            ..s.statement.clone()
        },
        Statement {
            reason: "other".into(),
            ..s.statement.clone()
        },
        Statement {
            issued_at: NOW.plus(1),
            ..s.statement.clone()
        },
        Statement {
            expires_at: NOW.plus(2),
            ..s.statement.clone()
        },
    ];
    for v in variants {
        assert!(!pk.verifies(&v.signing_bytes(), &s.signature), "{v:?}");
    }
    // JSON round trip keeps the signature valid.
    let back: SignedStatement = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
    assert!(pk.verifies(&back.statement.signing_bytes(), &back.signature));
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
        requester_issuer: None,
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
    // The same id from an issuer is another principal.
    let issued = request_digest(RequestBinding {
        requester_issuer: Some("https://idp.example"),
        ..base
    });
    assert_ne!(issued, d);
    assert_ne!(
        request_digest(RequestBinding {
            requester_issuer: Some("https://other.example"),
            ..base
        }),
        issued
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
        requester_issuer: None,
    });
    assert_eq!(
        apply_binding(&rec, Environment::Prod, rec.policy_hash, "agent-7", None),
        by_hand
    );
    assert_eq!(binding_digest(&rec.id.to_string()), by_hand);
    assert_ne!(
        apply_binding(&rec, Environment::Staging, rec.policy_hash, "agent-7", None),
        by_hand
    );
    assert_ne!(
        apply_binding(
            &rec,
            Environment::Prod,
            Digest::of(b"other policy"),
            "agent-7",
            None
        ),
        by_hand
    );
    assert_ne!(
        apply_binding(&rec, Environment::Prod, rec.policy_hash, "agent-8", None),
        by_hand
    );
}
