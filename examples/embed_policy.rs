//! Embedding the Recourse decision engine in another agent host, in a few lines.
//!
//! Run: `cargo run -p recourse-examples --example embed_policy`

use recourse_policy::{Action, Environment, KubectlAction, Policy, ResourceFacts, Scope};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Your host reads the policy file however it likes; the engine only sees text.
    let policy = Policy::from_yaml_str(include_str!("policy.yaml"))?;
    let env: Environment = "production".parse()?;

    // The host resolves the resource type through the cluster's discovery first: decisions
    // follow the kind and scope, never the spelling of a short name.
    let action = KubectlAction::Scale {
        resource: ResourceFacts::new("apps", "v1", "deployments", "Deployment", Scope::Namespaced),
        name: "checkout".into(),
        namespace: Some("shop".into()),
        replicas: 0,
    };
    let verdict = policy.evaluate(env, Action::Kubectl(&action));

    println!("decision: {}", verdict.decision());
    for r in verdict.reasons() {
        println!("  {:<8} {:<34} {}", r.decision, r.rule, r.message);
    }
    println!("policy sha256: {}", policy.hash());
    Ok(())
}
