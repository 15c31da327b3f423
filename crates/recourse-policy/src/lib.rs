//! # recourse-policy
//!
//! The decision engine of the Recourse gateway, as a pure library: the policy model, strict
//! loading of policy files, the decision lattice and evaluation. It does no file, network,
//! process or clock access and has no async runtime, so another agent host can embed it and
//! decide actions in-process.
//!
//! ```
//! use recourse_policy::{Action, Decision, Environment, Policy, ShellClass, ShellFacts};
//!
//! // The caller reads the file; the engine only sees its text.
//! let policy = Policy::from_yaml_str(r#"
//! recourseos:
//!   version: '2.0'
//!   environments:
//!     prod: { default_mutation: escalate, terraform_destroy: block }
//!   protected_namespaces: [kube-system, monitoring, production]
//! "#)?;
//!
//! let env: Environment = "production".parse()?;
//! let facts = ShellFacts { class: ShellClass::Mutating, findings: vec![] };
//! let verdict = policy.evaluate(env, Action::Shell(&facts));
//! assert_eq!(verdict.decision(), Decision::Escalate);
//! for reason in verdict.reasons() {
//!     println!("{}: {} ({})", reason.decision, reason.message, reason.rule);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Decisions form a lattice `Allow < Warn < Escalate < Block`; a [`Verdict`]'s decision is the
//! maximum of its reasons', so adding facts can only make a verdict stricter.

mod action;
mod approvals;
pub mod canonical;
mod decision;
pub mod defaults;
mod environment;
mod evaluate;
mod load;
mod model;
mod principals;
mod schema;
mod terraform;

pub use action::{
    Action, CRD_GROUP, KubectlAction, KubectlRead, ObjectFacts, PlanChange, PlanFacts,
    RecoverabilityTier, ResourceFacts, Scope, ShellClass, ShellFacts,
};
pub use approvals::{ApprovalRules, Selector, SelfApproval};
pub use canonical::Digest;
pub use decision::{Decision, Reason, RuleId, UnknownDecision, Verdict};
pub use environment::{Environment, UnknownEnvironment};
pub use evaluate::tier_decision;
pub use load::LoadError;
pub use model::{
    EnvironmentPolicy, Environments, InvalidNamespace, NamespaceName, NetworkAccess, Policy,
    ShellPolicy, is_dns_label,
};
pub use principals::{AccessRefusal, Grant, Principal, Principals, TOOL_NAMES, Who};
pub use schema::json_schema;
pub use terraform::{
    CONFIG_RULES, ChangeAction, ConfigDecisions, ConfigFinding, ConfigRule, ConfigRuleSpec,
    DEFAULT_EMPTY_STATE_CREATES, TerraformPolicy,
};

impl Policy {
    /// The effective policy in the file format (`{"recourseos": {...}}`), with every key set.
    pub fn to_document(&self) -> serde_json::Value {
        #[derive(serde::Serialize)]
        struct Body<'a> {
            version: &'static str,
            #[serde(flatten)]
            policy: &'a Policy,
        }
        #[derive(serde::Serialize)]
        struct Doc<'a> {
            recourseos: Body<'a>,
        }
        // Serializing plain data with string keys into a `Value` cannot fail.
        serde_json::to_value(Doc {
            recourseos: Body {
                version: Policy::VERSION,
                policy: self,
            },
        })
        .unwrap_or(serde_json::Value::Null)
    }

    /// The effective policy as a YAML policy file that loads back to the same policy.
    pub fn to_yaml(&self) -> String {
        serde_yaml_ng::to_string(&self.to_document()).unwrap_or_default()
    }

    /// SHA-256 of the canonical JSON of the effective policy. Stable across key order, comments,
    /// formatting and keys restating a default; changes with any effective setting.
    ///
    /// An environment's `terraform` and `approvals` sections, and `approval_use_ttl_seconds`,
    /// are left out of the hashed document while they equal the built-in defaults, so policies
    /// written before those keys existed keep their hash (pending approvals and plan records are
    /// bound to it).
    pub fn hash(&self) -> Digest {
        let mut doc = self.to_document();
        if let Some(envs) = doc
            .get_mut("recourseos")
            .and_then(|b| b.get_mut("environments"))
            .and_then(serde_json::Value::as_object_mut)
        {
            for env in Environment::ALL {
                let Some(e) = envs
                    .get_mut(env.as_str())
                    .and_then(serde_json::Value::as_object_mut)
                else {
                    continue;
                };
                if self.environment(env).terraform == TerraformPolicy::defaults(env) {
                    e.remove("terraform");
                }
                if self.environment(env).approvals == ApprovalRules::defaults(env) {
                    e.remove("approvals");
                }
            }
        }
        if self.approval_use_ttl_seconds.get() == defaults::DEFAULT_APPROVAL_USE_TTL_SECONDS
            && let Some(b) = doc
                .get_mut("recourseos")
                .and_then(serde_json::Value::as_object_mut)
        {
            b.remove("approval_use_ttl_seconds");
        }
        Digest::of_canonical_json(&doc)
    }
}
