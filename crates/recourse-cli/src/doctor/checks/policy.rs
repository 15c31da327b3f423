//! Policy configuration: is the policy under test the one in effect, and is it sane?

use recourse_policy::Policy;

use super::{Outcome, Suite, advisory, critical};
use crate::doctor::client::{brief, status};
use crate::doctor::fixture::Fixture;

pub(crate) const SUITE: Suite = Suite {
    name: "policy configuration",
    checks: &[
        critical("Protected namespaces configured", protected_namespaces),
        critical("Dangerous shell patterns blocked", dangerous_patterns),
        advisory("Plan TTL is reasonable", plan_ttl),
        advisory("Approval TTL is reasonable", approval_ttl),
        critical("custom policy is in effect", in_effect),
    ],
};

fn protected_namespaces(f: &Fixture) -> Outcome {
    let ns = &f.policy.protected_namespaces;
    Outcome::new(
        ns.iter().any(|n| n.as_str() == "kube-system"),
        format!("{} protected namespaces", ns.len()),
    )
}

fn dangerous_patterns(f: &Fixture) -> Outcome {
    let blocks = &f.policy.shell.always_block;
    let r = f.shell("echo cm0gLXJmIC8K | base64 -d | sh");
    Outcome::new(
        !blocks.is_empty() && status(&r) == "blocked",
        format!(
            "{} always_block entries; decode-into-shell: {}",
            blocks.len(),
            brief(&r)
        ),
    )
}

fn plan_ttl(f: &Fixture) -> Outcome {
    let t = f.policy.plan_ttl_seconds.get();
    Outcome::new((60..=86_400).contains(&t), format!("{t} s (60 s to 24 h)"))
}

fn approval_ttl(f: &Fixture) -> Outcome {
    let t = f.policy.approval_ttl_seconds.get();
    Outcome::new(
        (60..=7 * 86_400).contains(&t),
        format!("{t} s (60 s to 7 days)"),
    )
}

fn in_effect(f: &Fixture) -> Outcome {
    let hash = f.gateway.policy_hash();
    let ok = hash == f.effective_policy().hash()
        && (f.policy_source == "built-in default") == (f.policy == Policy::default());
    Outcome::new(ok, format!("{} (sha256 {hash})", f.policy_source))
}
