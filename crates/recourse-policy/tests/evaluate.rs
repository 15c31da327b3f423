//! Evaluation of every action kind in every environment under the default policy, plus
//! properties of the lattice.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use Decision::*;
use Environment::*;
use proptest::prelude::*;
use recourse_policy::*;

fn eval(env: Environment, action: Action<'_>) -> Verdict {
    Policy::default().evaluate(env, action)
}

fn decisions(action: Action<'_>) -> [Decision; 3] {
    [Dev, Staging, Prod].map(|e| eval(e, action).decision())
}

fn kube(action: &KubectlAction) -> [Decision; 3] {
    decisions(Action::Kubectl(action))
}

fn has_rule(v: &Verdict, rule: &str) -> bool {
    v.reasons().iter().any(|r| r.rule.as_str() == rule)
}

fn deployments() -> ResourceFacts {
    ResourceFacts::new("apps", "v1", "deployments", "Deployment", Scope::Namespaced)
}

fn pods() -> ResourceFacts {
    ResourceFacts::new("", "v1", "pods", "Pod", Scope::Namespaced)
}

fn delete(resource: ResourceFacts, namespace: Option<&str>) -> KubectlAction {
    KubectlAction::Delete {
        resource,
        name: "x".into(),
        namespace: namespace.map(Into::into),
    }
}

#[test]
fn kubectl_delete_follows_the_table() {
    let a = delete(deployments(), Some("shop"));
    assert_eq!(kube(&a), [Warn, Escalate, Escalate]);
    let v = eval(Dev, Action::Kubectl(&a));
    assert!(has_rule(&v, "environments.dev.kubectl_delete"));
}

#[test]
fn kubectl_delete_in_protected_namespace_escalates_even_in_dev() {
    let a = delete(pods(), Some("kube-system"));
    assert_eq!(kube(&a), [Escalate, Escalate, Escalate]);
    assert!(has_rule(
        &eval(Dev, Action::Kubectl(&a)),
        "protected_namespaces"
    ));
}

#[test]
fn deleting_a_namespace_blocks_everywhere() {
    let ns = ResourceFacts {
        requested: "ns".into(),
        ..ResourceFacts::new("", "v1", "namespaces", "Namespace", Scope::Cluster)
    };
    assert_eq!(kube(&delete(ns, None)), [Block, Block, Block]);
}

#[test]
fn the_decision_follows_the_resolved_kind_not_the_name() {
    // A custom resource whose short name happens to be `ns` is not a Namespace.
    let widget = ResourceFacts {
        requested: "ns".into(),
        ..ResourceFacts::new("example.com", "v1", "widgets", "Widget", Scope::Namespaced)
    };
    assert_eq!(
        kube(&delete(widget, Some("shop"))),
        [Warn, Escalate, Escalate]
    );
}

#[test]
fn cluster_scoped_deletes_escalate_everywhere_and_say_so() {
    for (group, resource, kind) in [
        ("", "nodes", "Node"),
        ("", "persistentvolumes", "PersistentVolume"),
        (
            "admissionregistration.k8s.io",
            "validatingadmissionpolicies",
            "ValidatingAdmissionPolicy",
        ),
    ] {
        let a = delete(
            ResourceFacts::new(group, "v1", resource, kind, Scope::Cluster),
            None,
        );
        assert_eq!(kube(&a), [Escalate, Escalate, Escalate], "{kind}");
        let v = eval(Dev, Action::Kubectl(&a));
        assert!(has_rule(&v, "kubectl.cluster_scoped"), "{v:?}");
        assert!(
            v.reasons()
                .iter()
                .all(|r| !r.message.contains("in default")),
            "{v:?}"
        );
        assert!(
            v.reasons()
                .iter()
                .any(|r| r.message.contains("cluster-scoped")),
            "{v:?}"
        );
    }
}

#[test]
fn deleting_a_crd_blocks_in_prod_and_escalates_elsewhere() {
    let crd = ResourceFacts::new(
        CRD_GROUP,
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        Scope::Cluster,
    );
    let a = delete(crd, None);
    assert_eq!(kube(&a), [Escalate, Escalate, Block]);
    assert!(has_rule(
        &eval(Prod, Action::Kubectl(&a)),
        "kubectl.delete_crd"
    ));
}

#[test]
fn unresolved_resources_are_treated_as_cluster_scoped() {
    let a = delete(ResourceFacts::unresolved("frobs"), Some("shop"));
    assert_eq!(kube(&a), [Escalate, Escalate, Escalate]);
    let v = eval(Dev, Action::Kubectl(&a));
    assert!(has_rule(&v, "kubectl.unresolved_resource"));
    let read = KubectlAction::Read {
        read: KubectlRead::Get,
        resources: vec![ResourceFacts::unresolved("frobs")],
        namespace: "shop".into(),
        reveals_secret_data: false,
    };
    assert_eq!(kube(&read), [Escalate, Escalate, Escalate]);
    let scale = KubectlAction::Scale {
        resource: ResourceFacts::unresolved("frobs"),
        name: "x".into(),
        namespace: Some("shop".into()),
        replicas: 2,
    };
    assert_eq!(kube(&scale), [Escalate, Escalate, Escalate]);
}

#[test]
fn kubectl_exec_escalates_everywhere() {
    let a = KubectlAction::Exec {
        pod: "web-1".into(),
        namespace: "shop".into(),
    };
    assert_eq!(kube(&a), [Escalate, Escalate, Escalate]);
}

#[test]
fn kubectl_scale_follows_default_mutation_and_zero_escalates() {
    let mut a = KubectlAction::Scale {
        resource: deployments(),
        name: "web".into(),
        namespace: Some("shop".into()),
        replicas: 3,
    };
    assert_eq!(kube(&a), [Allow, Warn, Escalate]);
    if let KubectlAction::Scale { replicas, .. } = &mut a {
        *replicas = 0;
    }
    assert_eq!(kube(&a), [Escalate, Escalate, Escalate]);
}

fn obj(api_version: &str, kind: &str, name: &str, ns: Option<&str>, scope: Scope) -> ObjectFacts {
    ObjectFacts {
        api_version: api_version.into(),
        kind: kind.into(),
        name: name.into(),
        namespace: ns.map(Into::into),
        scope,
    }
}

fn apply(objects: Vec<ObjectFacts>) -> KubectlAction {
    KubectlAction::Apply {
        objects,
        dry_run: false,
    }
}

#[test]
fn kubectl_apply_checks_every_objects_namespace_and_scope() {
    let namespaced = |kind: &str, ns: &str| obj("v1", kind, "x", Some(ns), Scope::Namespaced);
    let plain = apply(vec![
        namespaced("Deployment", "shop"),
        namespaced("Service", "shop"),
    ]);
    assert_eq!(kube(&plain), [Allow, Warn, Escalate]);
    let sneaky = apply(vec![
        namespaced("Deployment", "shop"),
        namespaced("ConfigMap", "kube-system"),
    ]);
    assert_eq!(kube(&sneaky), [Escalate, Escalate, Escalate]);
    let cluster = apply(vec![obj(
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
        "x",
        None,
        Scope::Cluster,
    )]);
    assert_eq!(kube(&cluster), [Escalate, Escalate, Escalate]);
    // Not on any hard-coded list: the scope comes from discovery.
    let vap = apply(vec![obj(
        "admissionregistration.k8s.io/v1",
        "ValidatingAdmissionPolicy",
        "x",
        None,
        Scope::Cluster,
    )]);
    assert_eq!(kube(&vap), [Escalate, Escalate, Escalate]);
    let new_ns = apply(vec![obj("v1", "Namespace", "team", None, Scope::Cluster)]);
    assert_eq!(kube(&new_ns), [Escalate, Escalate, Escalate]);
    let protected_ns = apply(vec![obj("v1", "Namespace", "vault", None, Scope::Cluster)]);
    assert!(has_rule(
        &eval(Dev, Action::Kubectl(&protected_ns)),
        "protected_namespaces"
    ));
    let unknown = apply(vec![obj(
        "example.com/v1",
        "Frob",
        "x",
        Some("shop"),
        Scope::Unresolved,
    )]);
    assert_eq!(kube(&unknown), [Escalate, Escalate, Escalate]);
    assert_eq!(kube(&apply(vec![])), [Escalate, Escalate, Escalate]);
}

#[test]
fn a_dry_run_apply_is_allowed() {
    let a = KubectlAction::Apply {
        objects: vec![obj("v1", "Namespace", "x", None, Scope::Cluster)],
        dry_run: true,
    };
    assert_eq!(kube(&a), [Allow, Allow, Allow]);
}

#[test]
fn kubectl_reads_allow_but_secret_data_blocks() {
    let read = KubectlAction::Read {
        read: KubectlRead::Get,
        resources: vec![pods()],
        namespace: "kube-system".into(),
        reveals_secret_data: false,
    };
    assert_eq!(kube(&read), [Allow, Allow, Allow]);
    let secret = KubectlAction::Read {
        read: KubectlRead::Get,
        resources: vec![ResourceFacts::new(
            "",
            "v1",
            "secrets",
            "Secret",
            Scope::Namespaced,
        )],
        namespace: "shop".into(),
        reveals_secret_data: true,
    };
    assert_eq!(kube(&secret), [Block, Block, Block]);
}

#[test]
fn terraform_destroy_blocks_in_prod() {
    let a = Action::TerraformDestroy {
        workspace: "default",
    };
    assert_eq!(decisions(a), [Escalate, Escalate, Block]);
    let v = eval(Prod, a);
    assert_eq!(
        v.deciding_reasons().next().unwrap().rule.as_str(),
        "environments.prod.terraform_destroy"
    );
}

fn plan(tiers: &[RecoverabilityTier]) -> PlanFacts {
    PlanFacts {
        workspace: "default".into(),
        destroy: false,
        changes: tiers
            .iter()
            .enumerate()
            .map(|(i, t)| PlanChange {
                address: format!("r.{i}"),
                resource_type: "r".into(),
                action: ChangeAction::Update,
                tier: *t,
                why: "test".into(),
            })
            .collect(),
        output_changes: false,
        ..PlanFacts::default()
    }
}

#[test]
fn terraform_plan_tiers_and_default_mutation() {
    use RecoverabilityTier::*;
    let p = plan(&[Reversible]);
    assert_eq!(
        decisions(Action::TerraformPlan(&p)),
        [Allow, Warn, Escalate]
    );
    let p = plan(&[Reversible, RecoverableFromBackup]);
    assert_eq!(decisions(Action::TerraformPlan(&p)), [Warn, Warn, Escalate]);
    let p = plan(&[NeedsReview]);
    assert_eq!(
        decisions(Action::TerraformPlan(&p)),
        [Escalate, Escalate, Escalate]
    );
    let p = plan(&[Reversible, Unrecoverable]);
    assert_eq!(decisions(Action::TerraformPlan(&p)), [Block, Block, Block]);
    let v = eval(Dev, Action::TerraformPlan(&p));
    assert!(has_rule(&v, "plan.tier.unrecoverable"));
    assert!(v.reasons().iter().any(|r| r.message.contains("r.1")));
}

#[test]
fn terraform_plan_without_changes_allows_and_outputs_count_as_changes() {
    let none = plan(&[]);
    assert_eq!(
        decisions(Action::TerraformPlan(&none)),
        [Allow, Allow, Allow]
    );
    let outputs = PlanFacts {
        output_changes: true,
        ..plan(&[])
    };
    assert_eq!(
        decisions(Action::TerraformPlan(&outputs)),
        [Allow, Warn, Escalate]
    );
}

#[test]
fn destroy_plan_uses_destroy_rule() {
    let p = PlanFacts {
        destroy: true,
        ..plan(&[RecoverabilityTier::RecoverableWithEffort])
    };
    assert_eq!(
        decisions(Action::TerraformPlan(&p)),
        [Escalate, Escalate, Block]
    );
}

#[test]
fn protected_workspace_escalates_changes() {
    let p = PlanFacts {
        workspace: "production".into(),
        ..plan(&[RecoverabilityTier::Reversible])
    };
    assert_eq!(
        decisions(Action::TerraformPlan(&p)),
        [Escalate, Escalate, Escalate]
    );
    assert_eq!(
        decisions(Action::TerraformDestroy { workspace: "prod" }),
        [Escalate, Escalate, Block]
    );
}

#[test]
fn shell_classes() {
    let ro = ShellFacts {
        class: ShellClass::ReadOnly,
        findings: vec![],
    };
    assert_eq!(decisions(Action::Shell(&ro)), [Allow, Allow, Allow]);
    let m = ShellFacts {
        class: ShellClass::Mutating,
        findings: vec![],
    };
    assert_eq!(decisions(Action::Shell(&m)), [Warn, Escalate, Escalate]);
    let u = ShellFacts {
        class: ShellClass::Unknown,
        findings: vec![],
    };
    assert_eq!(decisions(Action::Shell(&u)), [Warn, Escalate, Escalate]);
    let blocked = ShellFacts {
        class: ShellClass::ReadOnly,
        findings: vec![Reason::new(Block, "shell.always_block[0]", "curl | sh")],
    };
    assert_eq!(decisions(Action::Shell(&blocked)), [Block, Block, Block]);
}

#[test]
fn shell_default_raises_unknown_commands() {
    let p = Policy::from_yaml_str("recourseos:\n  shell:\n    default: escalate\n").unwrap();
    let u = ShellFacts {
        class: ShellClass::Unknown,
        findings: vec![],
    };
    let m = ShellFacts {
        class: ShellClass::Mutating,
        findings: vec![],
    };
    assert_eq!(p.evaluate(Dev, Action::Shell(&u)).decision(), Escalate);
    assert_eq!(p.evaluate(Dev, Action::Shell(&m)).decision(), Warn);
}

#[test]
fn a_custom_policy_changes_results() {
    let p = Policy::from_yaml_str(
        "recourseos:\n  environments:\n    dev: { kubectl_delete: block }\n  protected_namespaces: [payments]\n",
    )
    .unwrap();
    let a = delete(pods(), Some("kube-system"));
    // kube-system is no longer protected; dev delete now blocks by the environment rule
    let v = p.evaluate(Dev, Action::Kubectl(&a));
    assert_eq!(v.decision(), Block);
    assert!(!has_rule(&v, "protected_namespaces"));
    let a = KubectlAction::Exec {
        pod: "x".into(),
        namespace: "payments".into(),
    };
    assert!(has_rule(
        &p.evaluate(Dev, Action::Kubectl(&a)),
        "protected_namespaces"
    ));
}

fn any_decision() -> impl Strategy<Value = Decision> {
    prop::sample::select(Decision::ALL.to_vec())
}

proptest! {
    /// A verdict's decision equals the maximum of its reasons, whatever order they come in.
    #[test]
    fn verdict_is_max_of_reasons(ds in prop::collection::vec(any_decision(), 0..8)) {
        let reasons: Vec<Reason> = ds.iter().map(|d| Reason::new(*d, "r", "m")).collect();
        let v = Verdict::from_reasons(reasons.clone());
        prop_assert_eq!(v.decision(), ds.iter().copied().max().unwrap_or(Allow));
        let mut rev = reasons;
        rev.reverse();
        prop_assert_eq!(Verdict::from_reasons(rev).decision(), v.decision());
    }

    /// Adding a finding to shell facts never lowers the decision (monotonicity).
    #[test]
    fn findings_never_lower_a_shell_verdict(
        class in prop::sample::select(vec![ShellClass::ReadOnly, ShellClass::Mutating, ShellClass::Unknown]),
        extra in any_decision(),
        env in prop::sample::select(Environment::ALL.to_vec()),
    ) {
        let base = ShellFacts { class, findings: vec![] };
        let more = ShellFacts { class, findings: vec![Reason::new(extra, "x", "y")] };
        let p = Policy::default();
        prop_assert!(p.evaluate(env, Action::Shell(&more)).decision() >= p.evaluate(env, Action::Shell(&base)).decision());
    }

    /// A worse tier never lowers a plan verdict.
    #[test]
    fn worse_tiers_never_lower_plan_verdicts(
        a in 0usize..5, b in 0usize..5,
        env in prop::sample::select(Environment::ALL.to_vec()),
    ) {
        use RecoverabilityTier::*;
        let tiers = [Reversible, RecoverableWithEffort, RecoverableFromBackup, NeedsReview, Unrecoverable];
        let (lo, hi) = (a.min(b), a.max(b));
        let p = Policy::default();
        let d_lo = p.evaluate(env, Action::TerraformPlan(&plan(&[tiers[lo]]))).decision();
        let d_hi = p.evaluate(env, Action::TerraformPlan(&plan(&[tiers[hi]]))).decision();
        prop_assert!(d_hi >= d_lo);
    }
}
