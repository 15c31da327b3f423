//! Terraform enforcement and the plan lifecycle.

use recourse_plan::PlanStatus;
use recourse_policy::{Decision, Environment};
use serde_json::{Value, json};

use super::{Outcome, Suite, critical};
use crate::doctor::client::{brief, decision, status};
use crate::doctor::fixture::Fixture;

pub(crate) const ENFORCEMENT: Suite = Suite {
    name: "terraform enforcement",
    checks: &[
        critical("Terraform apply requires plan_id", apply_needs_plan_id),
        critical("Terraform apply with unknown plan_id fails", unknown_plan),
        critical("Terraform destroy blocks in prod", destroy_blocks_in_prod),
        critical(
            "Terraform config reading /proc or credentials blocks before planning",
            screening_blocks_reads,
        ),
        critical(
            "Terraform provider not from the operator's plugin dirs refused",
            foreign_provider_refused,
        ),
        critical(
            "Terraform cwd outside the terraform roots rejected",
            outside_roots,
        ),
    ],
};

pub(crate) const LIFECYCLE: Suite = Suite {
    name: "plan lifecycle",
    checks: &[
        critical("Terraform apply with expired plan_id fails", expired_plan),
        critical(
            "Terraform apply without approval fails",
            apply_needs_approval,
        ),
        critical(
            "Terraform apply after rejected approval fails",
            rejected_approval,
        ),
        critical("workspace mismatch refused", workspace_mismatch),
        critical("tampered plan refused", tampered_plan),
        critical("plan applied twice refused", applied_twice),
    ],
};

fn apply(f: &Fixture, plan_id: &str, approval: Option<&str>) -> Value {
    let mut args = json!({"plan_id": plan_id});
    if let Some(a) = approval {
        args["approval_id"] = json!(a);
    }
    f.call("gateway_terraform_apply", args)
}

fn apply_needs_plan_id(f: &Fixture) -> Outcome {
    let r = f.call("gateway_terraform_apply", json!({}));
    Outcome::new(status(&r) == "rejected_input", brief(&r))
}

fn unknown_plan(f: &Fixture) -> Outcome {
    let r = apply(f, "0123456789abcdef0123456789abcdef", None);
    Outcome::new(r["isError"] == true && status(&r) != "executed", brief(&r))
}

fn destroy_blocks_in_prod(f: &Fixture) -> Outcome {
    let infra = f.dir.join("infra").display().to_string();
    let r = f.call(
        "gateway_terraform_destroy",
        json!({"cwd": infra, "workspace": "default"}),
    );
    let (ok, expect) = if f.env == Environment::Prod {
        (status(&r) == "blocked", "blocked in prod")
    } else {
        (
            matches!(
                status(&r),
                "blocked" | "pending_approval" | "refused" | "planned"
            ) && decision(&r) != "allow"
                && decision(&r) != "warn",
            "at least escalate outside prod",
        )
    };
    Outcome::new(ok, format!("expected {expect}; got {}", brief(&r)))
}

fn expired_plan(f: &Fixture) -> Outcome {
    match f.seed_plan(Decision::Escalate, PlanStatus::Planned, -10, "default") {
        Ok(id) => {
            let r = apply(f, &id.to_string(), None);
            Outcome::new(
                status(&r) == "refused" && brief(&r).contains("expired"),
                brief(&r),
            )
        }
        Err(e) => Outcome::setup_failed(e),
    }
}

fn apply_needs_approval(f: &Fixture) -> Outcome {
    match f.seed_plan(Decision::Escalate, PlanStatus::Planned, 3600, "default") {
        Ok(id) => {
            let r = apply(f, &id.to_string(), None);
            Outcome::new(
                status(&r) == "pending_approval" && r.get("output").is_none(),
                brief(&r),
            )
        }
        Err(e) => Outcome::setup_failed(e),
    }
}

fn rejected_approval(f: &Fixture) -> Outcome {
    let id = match f.seed_plan(Decision::Escalate, PlanStatus::Planned, 3600, "default") {
        Ok(id) => id.to_string(),
        Err(e) => return Outcome::setup_failed(e),
    };
    let r = apply(f, &id, None);
    let aid = r
        .get("approval_id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let rejected = f.human(&aid, false);
    let r2 = apply(f, &id, Some(&aid));
    Outcome::new(
        rejected.is_ok() && status(&r2) == "refused" && brief(&r2).contains("rejected"),
        brief(&r2),
    )
}

fn workspace_mismatch(f: &Fixture) -> Outcome {
    match f.seed_plan(Decision::Allow, PlanStatus::Planned, 3600, "doctor-other") {
        Ok(id) => {
            let r = apply(f, &id.to_string(), None);
            Outcome::new(
                status(&r) == "refused" && brief(&r).contains("workspace"),
                brief(&r),
            )
        }
        Err(e) => Outcome::setup_failed(e),
    }
}

fn tampered_plan(f: &Fixture) -> Outcome {
    let id = match f.seed_plan(Decision::Allow, PlanStatus::Planned, 3600, "default") {
        Ok(id) => id,
        Err(e) => return Outcome::setup_failed(e),
    };
    if let Err(e) = std::fs::write(
        f.state().join("plans").join(format!("{id}.tfplan")),
        "tampered",
    ) {
        return Outcome::setup_failed(e);
    }
    let r = apply(f, &id.to_string(), None);
    Outcome::new(
        status(&r) == "refused" && brief(&r).contains("changed"),
        brief(&r),
    )
}

fn applied_twice(f: &Fixture) -> Outcome {
    match f.seed_plan(Decision::Allow, PlanStatus::Applied, 3600, "default") {
        Ok(id) => {
            let r = apply(f, &id.to_string(), None);
            Outcome::new(
                status(&r) == "refused" && brief(&r).contains("already"),
                brief(&r),
            )
        }
        Err(e) => Outcome::setup_failed(e),
    }
}

/// Plans a configuration written into `infra/<name>` and returns the answer.
fn plan_config(f: &Fixture, name: &str, main_tf: &str) -> Result<Value, String> {
    let dir = f.dir.join("infra").join(name);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("main.tf"), main_tf).map_err(|e| e.to_string())?;
    Ok(f.call(
        "gateway_terraform_plan",
        json!({"cwd": dir.display().to_string(), "workspace": "default"}),
    ))
}

fn screening_blocks_reads(f: &Fixture) -> Outcome {
    let tf = "locals { x = file(\"/proc/self/environ\") }\noutput \"o\" { value = tonumber(base64encode(local.x)) }\n";
    match plan_config(f, "reads", tf) {
        Ok(r) => Outcome::new(status(&r) == "blocked", brief(&r)),
        Err(e) => Outcome::setup_failed(e),
    }
}

fn foreign_provider_refused(f: &Fixture) -> Outcome {
    let tf = "terraform {\n  required_providers {\n    evil = { source = \"example/evil\" }\n  }\n}\nprovider \"evil\" {}\n";
    match plan_config(f, "foreign-provider", tf) {
        Ok(r) => Outcome::new(
            matches!(status(&r), "blocked" | "pending_approval"),
            brief(&r),
        ),
        Err(e) => Outcome::setup_failed(e),
    }
}

fn outside_roots(f: &Fixture) -> Outcome {
    let work = f.dir.join("work").display().to_string();
    let r = f.call(
        "gateway_terraform_plan",
        json!({"cwd": work, "workspace": "default"}),
    );
    Outcome::new(
        status(&r) == "rejected_input" && brief(&r).contains("terraform roots"),
        brief(&r),
    )
}
