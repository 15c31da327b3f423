//! Tool exposure: what an MCP client sees in `tools/list`, and what it can call.

use serde_json::json;

use super::{Outcome, Suite, critical};
use crate::doctor::fixture::Fixture;

pub(crate) const SUITE: Suite = Suite {
    name: "tool exposure",
    checks: &[
        critical("gateway_approve not exposed", approve_not_exposed),
        critical("gateway_reject not exposed", reject_not_exposed),
        critical("raw terraform/kubectl tools not exposed", exactly_the_table),
    ],
};

fn names(f: &Fixture) -> Vec<String> {
    f.mcp.tools.iter().map(|t| t.name.to_string()).collect()
}

fn approve_not_exposed(f: &Fixture) -> Outcome {
    let names = names(f);
    let listed = names.iter().any(|n| n.contains("approve"));
    let unknown = f
        .call("gateway_approve", json!({}))
        .get("protocol_error")
        .is_some();
    Outcome::new(
        !listed && unknown,
        format!(
            "{} tools listed; calling gateway_approve: {}",
            names.len(),
            if unknown { "unknown tool" } else { "ACCEPTED" }
        ),
    )
}

fn reject_not_exposed(f: &Fixture) -> Outcome {
    let ok = !names(f).iter().any(|n| n.contains("reject"))
        && f.call("gateway_reject", json!({}))
            .get("protocol_error")
            .is_some();
    Outcome::new(ok, "no reject tool; calling it is an unknown-tool error")
}

fn exactly_the_table(f: &Fixture) -> Outcome {
    let names = names(f);
    let raw = names.iter().any(|n| {
        !n.starts_with("gateway_")
            || ["terraform", "kubectl", "shell", "bash", "exec"].contains(&n.as_str())
    });
    let exact = names.len() == recourse_exec::TOOLS.len()
        && recourse_exec::TOOLS
            .iter()
            .all(|t| names.iter().any(|n| n == t.name));
    let break_glass = names
        .iter()
        .any(|n| n.contains("break") || n.contains("override"));
    Outcome::new(
        !raw && exact && !break_glass,
        format!("exactly the {} gateway_* tools: {exact}", names.len()),
    )
}
