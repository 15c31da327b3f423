//! Terraform through the gateway, with real Terraform 1.0.3 (installed by the project's test
//! command). Plans that get applied change only outputs (no provider, no network); plans with
//! AWS resources use the offline AWS provider and are never applied.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::sync::Arc;

use common::*;
use recourse_exec::{Response, Status, ToolCall};
use recourse_plan::{PlanId, Timestamp};
use recourse_policy::{Decision, Environment, Policy};
use recourse_testkit::{AWS_PROVIDER_TF, aws_resource, state_json, terraform};
use serde_json::json;

fn tf_harness(env: Environment) -> Option<Harness> {
    let tf = terraform()?;
    Some(harness_with(env, Policy::default(), |cfg| {
        cfg.terraform_bin = tf.bin.clone();
        cfg.terraform_plugin_dirs = vec![tf.plugin_dir.clone()];
        // The test's working directories live beside the shell's allowed path.
        cfg.terraform_roots = vec![cfg.state_dir.parent().unwrap().to_owned()];
    }))
}

fn outputs_dir(h: &Harness, value: &str) -> std::path::PathBuf {
    let d = h.dir.path().join("infra");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("main.tf"),
        format!("output \"greeting\" {{ value = \"{value}\" }}\n"),
    )
    .unwrap();
    recourse_testkit::give_to_sandbox(&d);
    d
}

fn plan(h: &Harness, cwd: &Path) -> Response {
    h.call(ToolCall::TerraformPlan {
        cwd: cwd.display().to_string(),
        workspace: "default".into(),
        args: vec![],
        approval_id: None,
    })
}

fn apply(h: &Harness, plan_id: PlanId, approval: Option<recourse_plan::ApprovalId>) -> Response {
    h.call(ToolCall::TerraformApply {
        plan_id: plan_id.to_string(),
        approval_id: approval.map(|a| a.to_string()),
    })
}

fn applied_output(cwd: &Path) -> Option<String> {
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(cwd.join("terraform.tfstate")).ok()?).ok()?;
    state["outputs"]["greeting"]["value"]
        .as_str()
        .map(str::to_owned)
}

#[test]
fn prod_plan_escalates_then_applies_the_stored_plan_once_after_approval() {
    let Some(h) = tf_harness(Environment::Prod) else {
        return;
    };
    let cwd = outputs_dir(&h, "v1");
    let p = plan(&h, &cwd);
    assert_eq!(p.decision, Decision::Escalate, "{p:#?}");
    let plan_id = p.plan_id.unwrap();
    let approval = p.approval_id.expect("an approval is requested at planning");
    // Without the approval: no apply.
    let r = apply(&h, plan_id, None);
    assert_eq!(r.status, Status::PendingApproval, "{r:#?}");
    assert_eq!(
        r.approval_id,
        Some(approval),
        "the same pending approval is reused"
    );
    assert_eq!(applied_output(&cwd), None);
    // The agent cannot approve for itself; a human can.
    assert!(h.self_approve(approval).is_err());
    h.approve(approval);
    // Changing the configuration after planning: apply loads it too, so the plan no longer
    // applies, and the refusal says what changed (the approval is not used up).
    let original = std::fs::read_to_string(cwd.join("main.tf")).unwrap();
    std::fs::write(
        cwd.join("main.tf"),
        "output \"greeting\" { value = \"changed-after-plan\" }\n",
    )
    .unwrap();
    let r = apply(&h, plan_id, Some(approval));
    assert_eq!(r.status, Status::Refused, "{r:#?}");
    assert!(r.message.contains("main.tf changed"), "{}", r.message);
    std::fs::write(cwd.join("main.tf"), original).unwrap();
    let r = apply(&h, plan_id, Some(approval));
    assert_executed(&r);
    assert_eq!(r.output.as_ref().unwrap().exit_code, Some(0), "{r:#?}");
    assert_eq!(applied_output(&cwd).as_deref(), Some("v1"));
    // Second apply refused.
    let again = apply(&h, plan_id, Some(approval));
    assert_eq!(again.status, Status::Refused, "{again:#?}");
    let events = h.audit_events();
    for e in [
        "planned",
        "approval_requested",
        "approval_granted",
        "approval_consumed",
        "decided",
        "executed",
        "refused",
    ] {
        assert!(events.iter().any(|x| x == e), "{e} missing from {events:?}");
    }
    h.verify_audit();
}

#[test]
fn dev_default_mutation_allow_applies_without_approval() {
    let Some(h) = tf_harness(Environment::Dev) else {
        return;
    };
    let cwd = outputs_dir(&h, "dev");
    let p = plan(&h, &cwd);
    assert_eq!(p.decision, Decision::Allow, "{p:#?}");
    assert!(p.approval_id.is_none());
    let r = apply(&h, p.plan_id.unwrap(), None);
    assert_executed(&r);
    assert_eq!(applied_output(&cwd).as_deref(), Some("dev"));
    h.verify_audit();
}

#[test]
fn tampered_plan_file_is_refused() {
    let Some(h) = tf_harness(Environment::Dev) else {
        return;
    };
    let cwd = outputs_dir(&h, "x");
    let id = plan(&h, &cwd).plan_id.unwrap();
    let file = h.state().join("plans").join(format!("{id}.tfplan"));
    let mut bytes = std::fs::read(&file).unwrap();
    bytes.push(0);
    std::fs::write(&file, bytes).unwrap();
    let r = apply(&h, id, None);
    assert_eq!(r.status, Status::Refused);
    assert!(r.message.contains("plan file changed"), "{}", r.message);
    assert_eq!(applied_output(&cwd), None);
    h.verify_audit();
}

/// Terraform's data directory (and so its selected workspace) belongs to the gateway: a
/// workspace switched in the working directory's `.terraform/` changes nothing, and the plan
/// is applied to the workspace it was made in. (A mismatch found in the gateway's own data
/// directory is refused: `verify_apply`'s tests and doctor's "workspace mismatch refused".)
#[test]
fn a_workspace_switched_in_the_working_directory_is_ignored() {
    let Some(h) = tf_harness(Environment::Dev) else {
        return;
    };
    let cwd = outputs_dir(&h, "x");
    let id = plan(&h, &cwd).plan_id.unwrap();
    let tf = terraform().unwrap();
    let out = std::process::Command::new(&tf.bin)
        .args(["workspace", "new", "other"])
        .current_dir(&cwd)
        .output()
        .unwrap();
    assert!(out.status.success());
    recourse_testkit::give_to_sandbox(&cwd);
    let r = apply(&h, id, None);
    assert_eq!(r.status, Status::Executed, "{r:#?}");
    assert_eq!(applied_output(&cwd).as_deref(), Some("x"));
    h.verify_audit();
}

#[test]
fn expired_plan_is_refused() {
    let Some(mut h) = tf_harness(Environment::Dev) else {
        return;
    };
    let cwd = outputs_dir(&h, "x");
    let id = plan(&h, &cwd).plan_id.unwrap();
    let later = recourse_exec::system_now().plus(3601);
    h.gw.set_clock(move || later);
    let r = apply(&h, id, None);
    assert_eq!(r.status, Status::Refused);
    assert!(r.message.contains("expired"), "{}", r.message);
    h.verify_audit();
}

#[test]
fn unknown_and_malformed_plan_ids() {
    let Some(h) = tf_harness(Environment::Prod) else {
        return;
    };
    let r = apply(&h, PlanId::from_bytes([7; 16]), None);
    assert_eq!(r.status, Status::Refused);
    let r = h.call(ToolCall::TerraformApply {
        plan_id: "../../etc/passwd".into(),
        approval_id: None,
    });
    assert_eq!(r.status, Status::RejectedInput);
    let r = h.call(ToolCall::TerraformPlan {
        cwd: "/tmp".into(),
        workspace: "default".into(),
        args: vec!["-chdir=/".into()],
        approval_id: None,
    });
    assert_eq!(r.status, Status::RejectedInput);
    assert!(r.message.contains("not allowed"), "{}", r.message);
    h.verify_audit();
}

#[test]
fn two_concurrent_applies_run_exactly_once() {
    let Some(h) = tf_harness(Environment::Dev) else {
        return;
    };
    let cwd = outputs_dir(&h, "once");
    let id = plan(&h, &cwd).plan_id.unwrap();
    let h = Arc::new(h);
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let h = Arc::clone(&h);
            std::thread::spawn(move || apply(&h, id, None).status)
        })
        .collect();
    let statuses: Vec<Status> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == Status::Executed).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == Status::Refused).count(),
        1,
        "{statuses:?}"
    );
    h.verify_audit();
}

#[test]
fn a_block_plan_cannot_be_approved_only_break_glass() {
    let Some(h) = tf_harness(Environment::Staging) else {
        return;
    };
    let tf = terraform().unwrap();
    let _ = tf;
    let cwd = h.dir.path().join("aws");
    std::fs::create_dir_all(&cwd).unwrap();
    std::fs::write(cwd.join("provider.tf"), AWS_PROVIDER_TF).unwrap();
    std::fs::write(
        cwd.join("terraform.tfstate"),
        state_json("lin-1", 3, &[aws_resource("aws_db_instance", "main", 1, json!({"id": "db", "identifier": "db", "engine": "postgres", "instance_class": "db.t3.micro", "allocated_storage": 20, "skip_final_snapshot": true, "deletion_protection": false, "backup_retention_period": 0}))]),
    )
    .unwrap();
    recourse_testkit::give_to_sandbox(&cwd);
    let p = h.call(ToolCall::TerraformPlan {
        cwd: cwd.display().to_string(),
        workspace: "default".into(),
        args: vec!["-refresh=false".into()],
        approval_id: None,
    });
    assert_eq!(p.decision, Decision::Block, "{p:#?}");
    assert_eq!(p.status, Status::Blocked);
    let id = p.plan_id.unwrap();
    assert!(p.approval_id.is_none());
    let r = h.call(ToolCall::RequestApproval {
        operation: "apply".into(),
        target: "db".into(),
        reason: "please".into(),
        plan_id: Some(id.to_string()),
    });
    assert_eq!(r.status, Status::Blocked, "{r:#?}");
    let r = apply(&h, id, None);
    assert_eq!(r.status, Status::Blocked, "{r:#?}");
    // A human break-glass grant is the only way; it is audited as such.
    let cp = h.control();
    assert!(
        cp.break_glass_plan(
            id,
            &h.alice,
            "short",
            Environment::Staging,
            recourse_exec::system_now()
        )
        .is_err()
    );
    let bg = cp
        .break_glass_plan(
            id,
            &h.alice,
            "incident 4711: database must be replaced now",
            Environment::Staging,
            recourse_exec::system_now(),
        )
        .unwrap();
    assert!(h.audit_events().iter().any(|e| e == "break_glass"));
    // (Not applied here: this AWS plan would need the network. The permission is checked.)
    let rec = recourse_exec::store::Store::open(&recourse_exec::db_path(&h.state()))
        .unwrap()
        .plan(id)
        .unwrap()
        .unwrap();
    let d = recourse_plan::request_digest(recourse_plan::RequestBinding {
        tool: "gateway_terraform_apply",
        arguments: &json!({"plan_id": id.to_string()}),
        environment: Environment::Staging,
        workspace: Some("default"),
        plan_digest: Some(rec.plan_digest),
        policy_hash: rec.policy_hash,
        requester: "agent-7",
        requester_issuer: None,
    });
    assert_eq!(rec.requester, "agent-7");
    let approvers =
        recourse_exec::trust::load_approvers(Some(&h.dir.path().join("approvers.yaml"))).unwrap();
    let rules = recourse_policy::ApprovalRules::defaults(Environment::Staging);
    let req = recourse_plan::ApplyRequest {
        plan_file_sha256: rec.plan_file_sha256,
        workspace: "default",
        environment: Environment::Staging,
        approval: Some(&bg),
        request_digest: d,
        trust: recourse_plan::Trust {
            approvers: &approvers,
            rules: &rules,
            use_ttl_seconds: 3600,
        },
    };
    assert!(
        recourse_plan::verify_apply(Some(&rec), &req, recourse_exec::system_now())
            .unwrap()
            .break_glass()
    );
    h.verify_audit();
}

#[test]
fn destroy_blocks_in_prod_before_planning() {
    let Some(h) = tf_harness(Environment::Prod) else {
        return;
    };
    let cwd = outputs_dir(&h, "x");
    let r = h.call(ToolCall::TerraformDestroy {
        cwd: cwd.display().to_string(),
        workspace: "default".into(),
        approval_id: None,
    });
    assert_eq!(r.status, Status::Blocked);
    assert!(r.plan_id.is_none());
    assert!(
        !h.state().join("plans").read_dir().unwrap().any(|_| true),
        "nothing planned"
    );
    let _ = Timestamp(0);
    h.verify_audit();
}
