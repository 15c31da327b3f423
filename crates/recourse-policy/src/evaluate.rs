//! Evaluation: (policy, environment, action facts) → verdict. The one place decisions are
//! combined.

use crate::action::{
    Action, CRD_GROUP, KubectlAction, PlanFacts, RecoverabilityTier, ResourceFacts, Scope,
    ShellClass, ShellFacts,
};
use crate::{ChangeAction, ConfigFinding, Decision, Environment, Policy, Reason, Verdict};

/// The decision a recoverability tier asks for on its own.
pub const fn tier_decision(tier: RecoverabilityTier) -> Decision {
    match tier {
        RecoverabilityTier::Reversible | RecoverabilityTier::RecoverableWithEffort => {
            Decision::Allow
        }
        RecoverabilityTier::RecoverableFromBackup => Decision::Warn,
        RecoverabilityTier::NeedsReview => Decision::Escalate,
        RecoverabilityTier::Unrecoverable => Decision::Block,
    }
}

/// Where an object lands, for messages: `in namespace `shop`` or `cluster-scoped`.
fn placed(namespace: Option<&str>, scope: Scope) -> String {
    match (scope, namespace) {
        (Scope::Namespaced, Some(ns)) => format!("in namespace `{ns}`"),
        (Scope::Unresolved, _) => "(unresolved, treated as cluster-scoped)".into(),
        _ => "(cluster-scoped)".into(),
    }
}

/// The floor a resource type's scope sets for a mutation: a cluster-scoped object reaches every
/// namespace, and one the cluster does not name cannot be shown to be confined to one.
fn scope_reason(what: &str, scope: Scope, out: &mut Vec<Reason>) {
    match scope {
        Scope::Namespaced => {}
        Scope::Cluster => out.push(Reason::new(
            Decision::Escalate,
            "kubectl.cluster_scoped",
            format!("{what}: cluster-scoped, its effect reaches every namespace"),
        )),
        Scope::Unresolved => out.push(Reason::new(
            Decision::Escalate,
            "kubectl.unresolved_resource",
            format!(
                "{what}: the cluster's discovery does not name this type, so it is treated as cluster-scoped"
            ),
        )),
    }
}

fn env_rule(env: Environment, key: &str) -> String {
    format!("environments.{env}.{key}")
}

/// At most this many addresses are named in one reason; the rest are counted.
const NAMED_ADDRESSES: usize = 10;

/// `a, b, c and 7 more`.
fn name_addresses<'a>(addresses: impl Iterator<Item = &'a str>) -> String {
    let mut named = Vec::with_capacity(NAMED_ADDRESSES);
    let mut more = 0usize;
    for a in addresses {
        if named.len() < NAMED_ADDRESSES {
            named.push(a);
        } else {
            more += 1;
        }
    }
    let mut s = named.join(", ");
    if more > 0 {
        s.push_str(&format!(" and {more} more"));
    }
    s
}

impl Policy {
    /// Decides an action in an environment.
    ///
    /// ```
    /// use recourse_policy::{
    ///     Action, Decision, Environment, KubectlAction, Policy, ResourceFacts, Scope,
    /// };
    ///
    /// let policy = Policy::default();
    /// let delete = KubectlAction::Delete {
    ///     resource: ResourceFacts::new("apps", "v1", "deployments", "Deployment", Scope::Namespaced),
    ///     name: "web".into(),
    ///     namespace: Some("shop".into()),
    /// };
    /// let dev = policy.evaluate(Environment::Dev, Action::Kubectl(&delete));
    /// assert_eq!(dev.decision(), Decision::Warn);
    /// let prod = policy.evaluate(Environment::Prod, Action::Kubectl(&delete));
    /// assert_eq!(prod.decision(), Decision::Escalate);
    /// assert_eq!(prod.reasons()[0].rule.as_str(), "environments.prod.kubectl_delete");
    /// ```
    pub fn evaluate(&self, env: Environment, action: Action<'_>) -> Verdict {
        let mut reasons = Vec::with_capacity(4);
        match action {
            Action::TerraformPlan(plan) => self.plan_reasons(env, plan, &mut reasons),
            Action::TerraformConfig {
                workspace,
                findings,
            } => {
                self.config_reasons(env, findings, &mut reasons);
                if reasons.is_empty() {
                    reasons.push(Reason::new(
                        Decision::Allow,
                        "terraform.config.clean",
                        format!("screening found nothing in the configuration of workspace `{workspace}` that runs code or reads outside it"),
                    ));
                }
            }
            Action::TerraformDestroy { workspace } => {
                self.destroy_reasons(env, workspace, &mut reasons)
            }
            Action::Kubectl(k) => self.kubectl_reasons(env, k, &mut reasons),
            Action::Shell(s) => self.shell_reasons(env, s, &mut reasons),
        }
        Verdict::from_reasons(reasons)
    }

    fn destroy_reasons(&self, env: Environment, workspace: &str, out: &mut Vec<Reason>) {
        out.push(Reason::new(
            self.environment(env).terraform_destroy,
            env_rule(env, "terraform_destroy"),
            format!("terraform destroy in {env}"),
        ));
        self.workspace_reason(workspace, out);
    }

    fn workspace_reason(&self, workspace: &str, out: &mut Vec<Reason>) {
        if self.is_protected_workspace(workspace) {
            out.push(Reason::new(
                Decision::Escalate,
                "protected_workspaces",
                format!("workspace `{workspace}` is protected"),
            ));
        }
    }

    /// One reason per finding: the approver sees every one with its location and text.
    fn config_reasons(&self, env: Environment, findings: &[ConfigFinding], out: &mut Vec<Reason>) {
        let config = &self.environment(env).terraform.config;
        for f in findings {
            out.push(Reason::new(
                config.get(f.rule),
                env_rule(env, &format!("terraform.config.{}", f.rule)),
                format!("{}: {} — {}", f.location(), f.message, f.text),
            ));
        }
    }

    /// Caps, protected types, imports, forgets and the missing-state check.
    fn blast_radius_reasons(&self, env: Environment, plan: &PlanFacts, out: &mut Vec<Reason>) {
        let tf = &self.environment(env).terraform;
        let of = |pred: fn(ChangeAction) -> bool| {
            plan.changes
                .iter()
                .filter(move |c| pred(c.action))
                .map(|c| c.address.as_str())
        };
        let replaces = |a| a == ChangeAction::Replace;
        for (cap, which, key, verb) in [
            (
                tf.max_destroy,
                ChangeAction::destroys as fn(ChangeAction) -> bool,
                "terraform.max_destroy",
                "destroys",
            ),
            (
                tf.max_replace,
                replaces,
                "terraform.max_replace",
                "replaces",
            ),
        ] {
            let n = of(which).count() as u64;
            if let Some(cap) = cap
                && n > cap
            {
                out.push(Reason::new(
                    Decision::Block,
                    env_rule(env, key),
                    format!(
                        "the plan {verb} {n} object(s), over the cap of {cap} in {env}: {}",
                        name_addresses(of(which))
                    ),
                ));
            }
        }
        let protected = || {
            plan.changes
                .iter()
                .filter(|c| c.action.destroys() && tf.is_protected_type(&c.resource_type))
                .map(|c| c.address.as_str())
        };
        if protected().next().is_some() {
            out.push(Reason::new(
                Decision::Block,
                env_rule(env, "terraform.protected_types"),
                format!(
                    "the plan destroys or replaces objects of a protected type: {}",
                    name_addresses(protected())
                ),
            ));
        }
        let imports = |a| a == ChangeAction::Import;
        let forgets = |a| a == ChangeAction::Forget;
        for (which, decision, key, what) in [
            (
                imports as fn(ChangeAction) -> bool,
                tf.import,
                "terraform.import",
                "imports existing objects into Terraform's management (later plans may change or destroy them)",
            ),
            (
                forgets,
                tf.forget,
                "terraform.forget",
                "removes objects from state without destroying them (they keep running, unmanaged)",
            ),
        ] {
            if of(which).next().is_some() {
                out.push(Reason::new(
                    decision,
                    env_rule(env, key),
                    format!("the plan {what}: {}", name_addresses(of(which))),
                ));
            }
        }
        let created = of(|a| a == ChangeAction::Create).count() as u64;
        if plan.prior_resources == Some(0) && created >= tf.empty_state_creates {
            out.push(Reason::new(
                Decision::Escalate,
                env_rule(env, "terraform.empty_state_creates"),
                format!(
                    "the plan creates {created} object(s) against an empty state: the state may be missing (wrong workspace or backend), and applying would create duplicates of what exists"
                ),
            ));
        }
    }

    fn plan_reasons(&self, env: Environment, plan: &PlanFacts, out: &mut Vec<Reason>) {
        self.config_reasons(env, &plan.config_findings, out);
        if !plan.changes_anything() {
            out.push(Reason::new(
                Decision::Allow,
                "plan.no_changes",
                "the plan changes nothing",
            ));
            return;
        }
        if plan.destroy {
            self.destroy_reasons(env, &plan.workspace, out);
        } else {
            self.workspace_reason(&plan.workspace, out);
        }
        let n = plan.changes.len();
        out.push(Reason::new(
            self.environment(env).default_mutation,
            env_rule(env, "default_mutation"),
            if plan.output_changes && n == 0 {
                format!("the plan changes outputs in {env}")
            } else {
                format!("the plan changes {n} resource(s) in {env}")
            },
        ));
        self.blast_radius_reasons(env, plan, out);
        for c in &plan.changes {
            let d = tier_decision(c.tier);
            if d > Decision::Allow {
                out.push(Reason::new(
                    d,
                    format!("plan.tier.{}", c.tier),
                    format!("{}: {} ({})", c.address, c.tier, c.why),
                ));
            }
        }
    }

    fn namespace_reason(&self, namespace: &str, what: &str, out: &mut Vec<Reason>) {
        if self.is_protected_namespace(namespace) {
            out.push(Reason::new(
                Decision::Escalate,
                "protected_namespaces",
                format!("{what} in protected namespace `{namespace}`"),
            ));
        }
    }

    fn kubectl_reasons(&self, env: Environment, k: &KubectlAction, out: &mut Vec<Reason>) {
        let e = self.environment(env);
        match k {
            KubectlAction::Read {
                read,
                resources,
                namespace,
                reveals_secret_data,
            } => {
                let names = || {
                    resources
                        .iter()
                        .map(|r| r.requested.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                };
                let before = out.len();
                if *reveals_secret_data {
                    out.push(Reason::new(
                        Decision::Block,
                        "kubectl.secret_data",
                        format!(
                            "reading `{}` in `{namespace}` would return Secret data in clear",
                            names()
                        ),
                    ));
                }
                for r in resources.iter().filter(|r| r.scope == Scope::Unresolved) {
                    scope_reason(&format!("read `{}`", r.requested), r.scope, out);
                }
                if out.len() == before {
                    out.push(Reason::new(
                        Decision::Allow,
                        "kubectl.read",
                        format!("kubectl {read:?} is read-only").to_lowercase(),
                    ));
                }
            }
            KubectlAction::Apply { objects, dry_run } => {
                if *dry_run {
                    out.push(Reason::new(
                        Decision::Allow,
                        "kubectl.dry_run",
                        format!(
                            "server-side dry run of {} object(s): validated and admitted, nothing is stored",
                            objects.len()
                        ),
                    ));
                } else {
                    out.push(Reason::new(
                        e.default_mutation,
                        env_rule(env, "default_mutation"),
                        format!("kubectl apply of {} object(s) in {env}", objects.len()),
                    ));
                }
                if objects.is_empty() {
                    out.push(Reason::new(
                        Decision::Escalate,
                        "kubectl.apply_empty",
                        "the manifest names no objects",
                    ));
                }
                if *dry_run {
                    return;
                }
                for o in objects {
                    let what = format!("apply {} `{}`", o.kind, o.name);
                    scope_reason(&what, o.scope, out);
                    match &o.namespace {
                        Some(ns) => self.namespace_reason(ns, &what, out),
                        None if o.group().is_empty() && o.kind == "Namespace" => {
                            self.namespace_reason(&o.name, &what, out)
                        }
                        None => {}
                    }
                }
            }
            KubectlAction::Delete {
                resource,
                name,
                namespace,
            } => {
                let what = format!("delete {} `{name}`", resource.label());
                out.push(Reason::new(
                    e.kubectl_delete,
                    env_rule(env, "kubectl_delete"),
                    format!(
                        "kubectl {what} {} in {env}",
                        placed(namespace.as_deref(), resource.scope)
                    ),
                ));
                self.delete_kind_reasons(env, resource, name, out);
                scope_reason(&what, resource.scope, out);
                if let Some(ns) = namespace {
                    self.namespace_reason(ns, &what, out);
                }
            }
            KubectlAction::Scale {
                resource,
                name,
                namespace,
                replicas,
            } => {
                let what = format!("scale {} `{name}`", resource.label());
                out.push(Reason::new(
                    e.default_mutation,
                    env_rule(env, "default_mutation"),
                    format!(
                        "kubectl {what} to {replicas} {} in {env}",
                        placed(namespace.as_deref(), resource.scope)
                    ),
                ));
                if *replicas == 0 {
                    out.push(Reason::new(
                        Decision::Escalate,
                        "kubectl.scale_to_zero",
                        format!("scaling {} `{name}` to zero stops it", resource.label()),
                    ));
                }
                scope_reason(&what, resource.scope, out);
                if let Some(ns) = namespace {
                    self.namespace_reason(ns, &what, out);
                }
            }
            KubectlAction::Exec { pod, namespace } => {
                out.push(Reason::new(
                    e.kubectl_exec,
                    env_rule(env, "kubectl_exec"),
                    format!("kubectl exec into pod `{pod}` in {env}"),
                ));
                self.namespace_reason(namespace, &format!("exec into pod `{pod}`"), out);
            }
        }
    }

    /// Kinds whose deletion takes other objects with it.
    fn delete_kind_reasons(
        &self,
        env: Environment,
        resource: &ResourceFacts,
        name: &str,
        out: &mut Vec<Reason>,
    ) {
        if resource.is("", "Namespace") {
            out.push(Reason::new(
                Decision::Block,
                "kubectl.delete_namespace",
                format!("deleting namespace `{name}` deletes everything in it"),
            ));
        } else if resource.is(CRD_GROUP, "CustomResourceDefinition") {
            out.push(Reason::new(
                if env == Environment::Prod {
                    Decision::Block
                } else {
                    Decision::Escalate
                },
                "kubectl.delete_crd",
                format!(
                    "deleting CustomResourceDefinition `{name}` deletes every object of that type in every namespace (cluster-scoped)"
                ),
            ));
        }
    }

    /// The environment's decision for a command that is not read-only. Every shell command
    /// but a read-only one carries it: its rule and message are static text (as `env_rule`
    /// and `format!` would spell them), which spares two formatted strings per command.
    fn not_read_only(&self, env: Environment) -> Reason {
        let (rule, message) = match env {
            Environment::Dev => (
                "environments.dev.shell",
                "the command is not read-only (dev)",
            ),
            Environment::Staging => (
                "environments.staging.shell",
                "the command is not read-only (staging)",
            ),
            Environment::Prod => (
                "environments.prod.shell",
                "the command is not read-only (prod)",
            ),
        };
        Reason::new(self.environment(env).shell, rule, message)
    }

    fn shell_reasons(&self, env: Environment, s: &ShellFacts, out: &mut Vec<Reason>) {
        match s.class {
            ShellClass::ReadOnly => out.push(Reason::new(
                Decision::Allow,
                "shell.readonly",
                "every part of the command is read-only",
            )),
            ShellClass::Mutating => out.push(self.not_read_only(env)),
            ShellClass::Unknown => {
                out.push(self.not_read_only(env));
                out.push(Reason::new(
                    self.shell.default,
                    "shell.default",
                    "the command is not known to the classifier",
                ));
            }
        }
        out.extend(s.findings.iter().cloned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_static_shell_reason_reads_as_the_formatted_one() {
        let policy = Policy::default();
        for env in Environment::ALL {
            let r = policy.not_read_only(env);
            assert_eq!(r.rule.as_str(), env_rule(env, "shell"));
            assert_eq!(r.message, format!("the command is not read-only ({env})"));
            assert_eq!(r.decision, policy.environment(env).shell);
        }
    }
}
