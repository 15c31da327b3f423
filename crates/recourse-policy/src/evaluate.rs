//! Evaluation: (policy, environment, action facts) → verdict. The one place decisions are
//! combined.

use crate::action::{Action, KubectlAction, PlanFacts, RecoverabilityTier, ShellClass, ShellFacts};
use crate::{Decision, Environment, Policy, Reason, Verdict};

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

/// Whether a kubectl resource type names Namespaces.
fn is_namespace_resource(resource: &str) -> bool {
    let r = resource.split('.').next().unwrap_or(resource);
    r.eq_ignore_ascii_case("namespace")
        || r.eq_ignore_ascii_case("namespaces")
        || r.eq_ignore_ascii_case("ns")
}

fn env_rule(env: Environment, key: &str) -> String {
    format!("environments.{env}.{key}")
}

impl Policy {
    /// Decides an action in an environment.
    ///
    /// ```
    /// use recourse_policy::{Action, Decision, Environment, KubectlAction, Policy};
    ///
    /// let policy = Policy::default();
    /// let delete = KubectlAction::Delete {
    ///     resource: "deployment".into(),
    ///     name: "web".into(),
    ///     namespace: "shop".into(),
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

    fn plan_reasons(&self, env: Environment, plan: &PlanFacts, out: &mut Vec<Reason>) {
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
                resource,
                namespace,
                reveals_secret_data,
            } => {
                if *reveals_secret_data {
                    out.push(Reason::new(
                        Decision::Block,
                        "kubectl.secret_data",
                        format!(
                            "reading `{resource}` in `{namespace}` would return Secret data in clear"
                        ),
                    ));
                } else {
                    out.push(Reason::new(
                        Decision::Allow,
                        "kubectl.read",
                        format!("kubectl {read:?} is read-only").to_lowercase(),
                    ));
                }
            }
            KubectlAction::Apply { objects } => {
                out.push(Reason::new(
                    e.default_mutation,
                    env_rule(env, "default_mutation"),
                    format!("kubectl apply of {} object(s) in {env}", objects.len()),
                ));
                if objects.is_empty() {
                    out.push(Reason::new(
                        Decision::Escalate,
                        "kubectl.apply_empty",
                        "the manifest names no objects",
                    ));
                }
                for o in objects {
                    let what = format!("apply {} `{}`", o.kind, o.name);
                    match &o.namespace {
                        Some(ns) => self.namespace_reason(ns, &what, out),
                        None if o.kind.eq_ignore_ascii_case("Namespace") => {
                            self.namespace_reason(&o.name, &what, out)
                        }
                        None => out.push(Reason::new(
                            Decision::Escalate,
                            "kubectl.cluster_scoped",
                            format!("{what}: cluster-scoped objects affect every namespace"),
                        )),
                    }
                }
            }
            KubectlAction::Delete {
                resource,
                name,
                namespace,
            } => {
                out.push(Reason::new(
                    e.kubectl_delete,
                    env_rule(env, "kubectl_delete"),
                    format!("kubectl delete {resource} `{name}` in {env}"),
                ));
                if is_namespace_resource(resource) {
                    out.push(Reason::new(
                        Decision::Block,
                        "kubectl.delete_namespace",
                        format!("deleting namespace `{name}` deletes everything in it"),
                    ));
                } else {
                    self.namespace_reason(namespace, &format!("delete {resource} `{name}`"), out);
                }
            }
            KubectlAction::Scale {
                resource,
                name,
                namespace,
                replicas,
            } => {
                out.push(Reason::new(
                    e.default_mutation,
                    env_rule(env, "default_mutation"),
                    format!("kubectl scale {resource} `{name}` to {replicas} in {env}"),
                ));
                if *replicas == 0 {
                    out.push(Reason::new(
                        Decision::Escalate,
                        "kubectl.scale_to_zero",
                        format!("scaling {resource} `{name}` to zero stops it"),
                    ));
                }
                self.namespace_reason(namespace, &format!("scale {resource} `{name}`"), out);
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

    fn shell_reasons(&self, env: Environment, s: &ShellFacts, out: &mut Vec<Reason>) {
        match s.class {
            ShellClass::ReadOnly => out.push(Reason::new(
                Decision::Allow,
                "shell.readonly",
                "every part of the command is read-only",
            )),
            ShellClass::Mutating => out.push(Reason::new(
                self.environment(env).shell,
                env_rule(env, "shell"),
                format!("the command is not read-only ({env})"),
            )),
            ShellClass::Unknown => {
                out.push(Reason::new(
                    self.environment(env).shell,
                    env_rule(env, "shell"),
                    format!("the command is not read-only ({env})"),
                ));
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
