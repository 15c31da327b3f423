//! Approvals: only a human other than the agent grants, once, for exactly one call.

use serde_json::{Value, json};

use super::{Outcome, Suite, critical};
use crate::doctor::client::{brief, status};
use crate::doctor::fixture::Fixture;

pub(crate) const SUITE: Suite = Suite {
    name: "approvals",
    checks: &[
        critical("self-approval refused", self_approval),
        critical("approval for another action refused", another_action),
        critical("approval reused refused", reuse),
    ],
};

/// An escalated call's approval id. `printenv` escalates under every policy (it can print
/// credentials).
fn escalate(f: &Fixture, command: &str) -> String {
    f.shell(command)
        .get("approval_id")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

fn self_approval(f: &Fixture) -> Outcome {
    let aid = escalate(f, "printenv PATH");
    let refused = f.decide_with(true, &aid, true).is_err();
    Outcome::new(
        refused,
        format!(
            "approving {aid} as the agent itself: {}",
            if refused { "refused" } else { "ACCEPTED" }
        ),
    )
}

fn another_action(f: &Fixture) -> Outcome {
    let aid = escalate(f, "printenv LANG");
    let granted = f.human(&aid, true);
    let other = f.call(
        "gateway_shell_exec",
        json!({"command": "printenv HOME", "approval_id": aid}),
    );
    Outcome::new(
        granted.is_ok() && status(&other) == "refused",
        brief(&other),
    )
}

fn reuse(f: &Fixture) -> Outcome {
    let aid = escalate(f, "printenv TERM");
    let granted = f.human(&aid, true);
    let call = || {
        f.call(
            "gateway_shell_exec",
            json!({"command": "printenv TERM", "approval_id": aid}),
        )
    };
    let used = call();
    let reused = call();
    Outcome::new(
        granted.is_ok() && status(&used) == "executed" && status(&reused) == "refused",
        format!("first use: {}; second: {}", status(&used), brief(&reused)),
    )
}
