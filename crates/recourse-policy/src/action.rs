//! Typed facts about an action, as the assessing crates establish them. The policy engine
//! decides from these facts alone; it never parses commands, plans or manifests itself.

use serde::{Deserialize, Serialize};

use crate::Reason;
use crate::terraform::{ChangeAction, ConfigFinding};

/// How recoverable one planned change is, from best to worst for decision purposes.
///
/// `NeedsReview` sorts below `Unrecoverable`: an unknown consequence needs a human, a known
/// unrecoverable one is blocked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecoverabilityTier {
    /// Undone by planning again (creates, in-place updates of stateless things).
    Reversible,
    /// Can be rebuilt, with work (replacing stateless infrastructure, IAM changes).
    RecoverableWithEffort,
    /// Data is lost from the live resource but a backup or snapshot remains.
    RecoverableFromBackup,
    /// The consequence is not known well enough to say (unknown types being deleted).
    NeedsReview,
    /// Data is destroyed with no backup.
    Unrecoverable,
}

impl RecoverabilityTier {
    /// The kebab-case name used in JSON and reports.
    pub const fn as_str(self) -> &'static str {
        match self {
            RecoverabilityTier::Reversible => "reversible",
            RecoverabilityTier::RecoverableWithEffort => "recoverable-with-effort",
            RecoverabilityTier::RecoverableFromBackup => "recoverable-from-backup",
            RecoverabilityTier::NeedsReview => "needs-review",
            RecoverabilityTier::Unrecoverable => "unrecoverable",
        }
    }
}

impl std::fmt::Display for RecoverabilityTier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One planned resource change that does something (not a no-op or a read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanChange {
    /// Resource address, e.g. `aws_db_instance.main`.
    pub address: String,
    /// Resource type, e.g. `aws_db_instance` (what `protected_types` names).
    pub resource_type: String,
    /// What the change does to the object (what `max_destroy`, `max_replace`, `import` and
    /// `forget` count).
    pub action: ChangeAction,
    /// How recoverable the change is.
    pub tier: RecoverabilityTier,
    /// Why the analyzer chose that tier.
    pub why: String,
}

/// What a Terraform plan would do, as `recourse-plan` analyzed it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PlanFacts {
    /// The Terraform workspace the plan was made in.
    pub workspace: String,
    /// Whether the plan was made with `-destroy`.
    pub destroy: bool,
    /// Every resource change that does something.
    pub changes: Vec<PlanChange>,
    /// Whether any output value changes.
    pub output_changes: bool,
    /// Managed objects in the state the plan was made against; `None` when the plan does not
    /// say (a redacted Terraform Cloud plan has no prior state). Zero with many creates means
    /// the state may be missing.
    #[serde(default)]
    pub prior_resources: Option<u64>,
    /// What screening found in the configuration the plan was made from.
    #[serde(default)]
    pub config_findings: Vec<ConfigFinding>,
}

impl PlanFacts {
    /// Whether applying the plan changes anything at all.
    pub fn changes_anything(&self) -> bool {
        self.destroy || !self.changes.is_empty() || self.output_changes
    }

    /// How many changes destroy their object (deletes and replacements).
    pub fn destroy_count(&self) -> usize {
        self.changes.iter().filter(|c| c.action.destroys()).count()
    }

    /// The worst tier among the changes.
    pub fn worst_tier(&self) -> Option<RecoverabilityTier> {
        self.changes.iter().map(|c| c.tier).max()
    }
}

/// Where an API resource lives, as the cluster's discovery says. Decisions use this, never
/// the spelling of a resource name: a short name or alias is only as good as the cluster's
/// answer for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// In a namespace.
    #[serde(rename = "namespaced")]
    Namespaced,
    /// One object for the whole cluster, in no namespace: its effect reaches every namespace.
    #[serde(rename = "cluster-scoped")]
    Cluster,
    /// The cluster's discovery does not name it (or could not be asked): decided as
    /// cluster-scoped, because nothing says it is not.
    #[serde(rename = "unresolved")]
    Unresolved,
}

impl Scope {
    /// The name used in JSON and messages.
    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::Namespaced => "namespaced",
            Scope::Cluster => "cluster-scoped",
            Scope::Unresolved => "unresolved",
        }
    }

    /// Whether the object is confined to one namespace (only a resolved, namespaced one is).
    pub const fn is_namespaced(self) -> bool {
        matches!(self, Scope::Namespaced)
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The API group of CustomResourceDefinitions.
pub const CRD_GROUP: &str = "apiextensions.k8s.io";

/// A resource type the agent named, resolved through the cluster's discovery to what kubectl
/// will act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceFacts {
    /// What the agent wrote (`cfgs`, `deploy`, `crd`).
    pub requested: String,
    /// API group, `""` for the core group.
    pub group: String,
    /// API version (`v1`); empty when unresolved.
    pub version: String,
    /// Plural resource name (`deployments`); empty when unresolved.
    pub resource: String,
    /// Kind (`Deployment`); empty when unresolved.
    pub kind: String,
    /// Where objects of this type live.
    pub scope: Scope,
}

impl ResourceFacts {
    /// A resolved resource type (`requested` is its plural name).
    pub fn new(group: &str, version: &str, resource: &str, kind: &str, scope: Scope) -> Self {
        ResourceFacts {
            requested: resource.into(),
            group: group.into(),
            version: version.into(),
            resource: resource.into(),
            kind: kind.into(),
            scope,
        }
    }

    /// A name the cluster's discovery does not know.
    pub fn unresolved(requested: impl Into<String>) -> Self {
        ResourceFacts {
            requested: requested.into(),
            group: String::new(),
            version: String::new(),
            resource: String::new(),
            kind: String::new(),
            scope: Scope::Unresolved,
        }
    }

    /// Whether it resolved to `kind` in `group` (`""` for core).
    pub fn is(&self, group: &str, kind: &str) -> bool {
        self.scope != Scope::Unresolved && self.group == group && self.kind == kind
    }

    /// The kind, or the requested name when unresolved (for messages).
    pub fn label(&self) -> &str {
        if self.scope == Scope::Unresolved {
            &self.requested
        } else {
            &self.kind
        }
    }
}

/// A Kubernetes object in a manifest, with where it lands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectFacts {
    /// `apiVersion`, e.g. `apps/v1`.
    pub api_version: String,
    /// `kind`, e.g. `Deployment`.
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// The namespace the object lands in (its own `metadata.namespace`, else the call's, else
    /// the gateway's default); `None` for cluster-scoped kinds.
    pub namespace: Option<String>,
    /// Where objects of this kind live, as the cluster's discovery says.
    pub scope: Scope,
}

impl ObjectFacts {
    /// The API group of `api_version` (`""` for core `v1`).
    pub fn group(&self) -> &str {
        self.api_version.rsplit_once('/').map_or("", |(g, _)| g)
    }
}

/// Which kubectl read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KubectlRead {
    /// `kubectl get`.
    Get,
    /// `kubectl logs`.
    Logs,
    /// `kubectl describe`.
    Describe,
}

/// A kubectl operation with the facts the policy needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verb", rename_all = "lowercase")]
pub enum KubectlAction {
    /// get / logs / describe.
    Read {
        /// Which read.
        read: KubectlRead,
        /// The resource types read, resolved (a category such as `all` names several).
        resources: Vec<ResourceFacts>,
        /// Effective namespace.
        namespace: String,
        /// Whether the output would contain Secret data in clear (a host that cannot redact
        /// Secret values sets this for Secret reads in a structured format).
        reveals_secret_data: bool,
    },
    /// `kubectl apply` of one or more objects.
    Apply {
        /// Every object in the manifest, lists expanded.
        objects: Vec<ObjectFacts>,
        /// A server-side dry run: validated and admitted, nothing stored.
        dry_run: bool,
    },
    /// `kubectl delete`.
    Delete {
        /// The resource type, resolved.
        resource: ResourceFacts,
        /// Object name.
        name: String,
        /// Effective namespace; `None` when the resource type is cluster-scoped.
        namespace: Option<String>,
    },
    /// `kubectl scale`.
    Scale {
        /// The resource type, resolved.
        resource: ResourceFacts,
        /// Object name.
        name: String,
        /// Effective namespace; `None` when the resource type is cluster-scoped.
        namespace: Option<String>,
        /// Target replica count.
        replicas: u32,
    },
    /// `kubectl exec`.
    Exec {
        /// Pod name.
        pod: String,
        /// Effective namespace.
        namespace: String,
    },
}

/// How the shell classifier rated a command overall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ShellClass {
    /// Every part is positively known to be read-only.
    ReadOnly,
    /// Some part is known and changes things.
    Mutating,
    /// Some part is not known to the classifier at all.
    Unknown,
}

/// What the shell classifier found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShellFacts {
    /// The overall class (the worst part's).
    pub class: ShellClass,
    /// Findings with a decision floor of their own: patterns, policy list matches, parse
    /// failures, credential reads.
    pub findings: Vec<Reason>,
}

/// An action to decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action<'a> {
    /// Applying (or keeping) a Terraform plan, with its analysis.
    TerraformPlan(&'a PlanFacts),
    /// Planning at all: a configuration about to be planned, with what screening found in it.
    /// Planning runs code (file reads, external programs, providers), so this is decided
    /// before `terraform init`.
    TerraformConfig {
        /// The workspace.
        workspace: &'a str,
        /// Screening findings.
        findings: &'a [ConfigFinding],
    },
    /// A request to destroy a workspace's resources, before any plan exists.
    TerraformDestroy {
        /// The workspace.
        workspace: &'a str,
    },
    /// A kubectl operation.
    Kubectl(&'a KubectlAction),
    /// A shell command, as classified.
    Shell(&'a ShellFacts),
}
