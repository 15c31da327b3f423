//! Policy evaluation cost. Run: `cargo bench -p recourse-policy --bench evaluate`
#![allow(missing_docs, clippy::unwrap_used)]

use divan::{Bencher, black_box};
use recourse_policy::{
    Action, ChangeAction, Decision, Environment, KubectlAction, ObjectFacts, PlanChange, PlanFacts,
    Policy, Reason, RecoverabilityTier, Scope, ShellClass, ShellFacts,
};

fn main() {
    divan::main();
}

#[divan::bench]
fn shell_readonly(b: Bencher<'_, '_>) {
    let policy = Policy::default();
    let facts = ShellFacts {
        class: ShellClass::ReadOnly,
        findings: vec![],
    };
    b.bench(|| {
        policy.evaluate(
            black_box(Environment::Prod),
            Action::Shell(black_box(&facts)),
        )
    });
}

#[divan::bench]
fn shell_unknown_with_finding(b: Bencher<'_, '_>) {
    let policy = Policy::default();
    let facts = ShellFacts {
        class: ShellClass::Unknown,
        findings: vec![Reason::new(
            Decision::Block,
            "shell.pattern.fetch_into_interpreter",
            "curl feeds sh",
        )],
    };
    b.bench(|| {
        policy.evaluate(
            black_box(Environment::Dev),
            Action::Shell(black_box(&facts)),
        )
    });
}

#[divan::bench]
fn kubectl_apply_three_objects(b: Bencher<'_, '_>) {
    let policy = Policy::default();
    let obj = |kind: &str, ns: &str| ObjectFacts {
        api_version: "v1".into(),
        kind: kind.into(),
        name: "web".into(),
        namespace: Some(ns.into()),
        scope: Scope::Namespaced,
    };
    let action = KubectlAction::Apply {
        objects: vec![
            obj("Deployment", "shop"),
            obj("Service", "shop"),
            obj("ConfigMap", "monitoring"),
        ],
        dry_run: false,
    };
    b.bench(|| {
        policy.evaluate(
            black_box(Environment::Staging),
            Action::Kubectl(black_box(&action)),
        )
    });
}

#[divan::bench]
fn terraform_plan_five_changes(b: Bencher<'_, '_>) {
    let policy = Policy::default();
    let tiers = [
        RecoverabilityTier::Reversible,
        RecoverabilityTier::RecoverableWithEffort,
        RecoverabilityTier::RecoverableFromBackup,
        RecoverabilityTier::Reversible,
        RecoverabilityTier::Unrecoverable,
    ];
    let facts = PlanFacts {
        workspace: "default".into(),
        destroy: false,
        changes: tiers
            .iter()
            .enumerate()
            .map(|(i, t)| PlanChange {
                address: format!("aws_instance.r{i}"),
                resource_type: "aws_instance".into(),
                action: ChangeAction::Update,
                tier: *t,
                why: "bench".into(),
            })
            .collect(),
        output_changes: false,
        ..PlanFacts::default()
    };
    b.bench(|| {
        policy.evaluate(
            black_box(Environment::Prod),
            Action::TerraformPlan(black_box(&facts)),
        )
    });
}
