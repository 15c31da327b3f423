//! The effective policy: what the gateway enforces after the user's file is merged over the
//! built-in defaults. Every field holds a validated value (`NonZeroU64` TTLs, `Decision` enums,
//! checked namespace names), so an invalid policy cannot be represented.

use std::fmt;
use std::num::NonZeroU64;

use serde::{Deserialize, Deserializer, Serialize};

use crate::{ApprovalRules, Decision, Environment, Principals, TerraformPolicy};

/// Decisions for one environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvironmentPolicy {
    /// Any mutation with no more specific rule (terraform apply of a changing plan, kubectl
    /// apply/scale).
    pub default_mutation: Decision,
    /// `terraform destroy` (a plan made with `-destroy`).
    pub terraform_destroy: Decision,
    /// `kubectl exec`.
    pub kubectl_exec: Decision,
    /// `kubectl delete`.
    pub kubectl_delete: Decision,
    /// A shell command that is not positively read-only.
    pub shell: Decision,
    /// Terraform configuration screening, blast-radius caps, imports and forgets.
    pub terraform: TerraformPolicy,
    /// Who may grant escalations and break glass, and how many must.
    pub approvals: ApprovalRules,
    /// Which principals may use which tools; `None` (the default) admits every caller. Left
    /// out of the document (and so of the policy hash) while unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principals: Option<Principals>,
}

/// The three environments' decisions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Environments {
    /// `dev`.
    pub dev: EnvironmentPolicy,
    /// `staging`.
    pub staging: EnvironmentPolicy,
    /// `prod`.
    pub prod: EnvironmentPolicy,
}

impl Environments {
    /// The decisions for one environment.
    pub fn get(&self, env: Environment) -> &EnvironmentPolicy {
        match env {
            Environment::Dev => &self.dev,
            Environment::Staging => &self.staging,
            Environment::Prod => &self.prod,
        }
    }

    pub(crate) fn get_mut(&mut self, env: Environment) -> &mut EnvironmentPolicy {
        match env {
            Environment::Dev => &mut self.dev,
            Environment::Staging => &mut self.staging,
            Environment::Prod => &mut self.prod,
        }
    }
}

/// Whether shell commands may use the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NetworkAccess {
    /// The shell runner keeps the host's network.
    Allow,
    /// The shell runner confines commands to a fresh network namespace (no network), and
    /// refuses to run if the kernel cannot provide one.
    Deny,
}

/// The shell section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShellPolicy {
    /// Floor for commands the classifier does not know at all (no model, on no list). The
    /// environment's `shell` decision applies too; the stricter wins.
    pub default: Decision,
    /// Shell snippets that are read-only and may run: matched structurally by argv prefix.
    pub allow_readonly: Vec<String>,
    /// Shell snippets that always need a human: matched structurally.
    pub always_escalate: Vec<String>,
    /// Shell snippets that never run: matched structurally.
    pub always_block: Vec<String>,
    /// Upper bound on a command's run time.
    pub max_timeout_seconds: NonZeroU64,
    /// Upper bound on captured output (stdout and stderr each).
    pub max_output_bytes: NonZeroU64,
    /// Redact secrets (key ids, tokens, private keys, `password=` pairs) from output.
    pub redact_secrets: bool,
    /// Directories a shell command may run in and write under. Relative entries are resolved
    /// against the gateway's working directory by the host.
    pub allowed_paths: Vec<String>,
    /// Network access for shell commands.
    pub network: NetworkAccess,
}

/// A Kubernetes namespace name, checked as an RFC 1123 DNS label (lowercase alphanumerics and
/// `-`, starting and ending alphanumeric, at most 63 characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct NamespaceName(String);

/// A string that is not an RFC 1123 DNS label.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a valid namespace name (RFC 1123 label: 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit)"
)]
pub struct InvalidNamespace(pub String);

/// Whether `s` is an RFC 1123 DNS label.
pub fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

impl NamespaceName {
    /// Validates a namespace name.
    pub fn new(s: impl Into<String>) -> Result<Self, InvalidNamespace> {
        let s = s.into();
        if is_dns_label(&s) {
            Ok(NamespaceName(s))
        } else {
            Err(InvalidNamespace(s))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for NamespaceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for NamespaceName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        NamespaceName::new(s).map_err(serde::de::Error::custom)
    }
}

/// The whole effective policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policy {
    /// Per-environment decisions.
    pub environments: Environments,
    /// Namespaces where any mutation needs at least an approval.
    pub protected_namespaces: Vec<NamespaceName>,
    /// Terraform workspaces where any change needs at least an approval.
    pub protected_workspaces: Vec<String>,
    /// Shell rules and runner limits.
    pub shell: ShellPolicy,
    /// How long a stored plan may be applied after it was made.
    pub plan_ttl_seconds: NonZeroU64,
    /// How long a pending approval waits for its grants.
    pub approval_ttl_seconds: NonZeroU64,
    /// How long a granted approval stays usable before it is used.
    pub approval_use_ttl_seconds: NonZeroU64,
}

impl Policy {
    /// The policy file format version this crate reads and writes.
    pub const VERSION: &'static str = "2.0";

    /// Decisions for one environment.
    pub fn environment(&self, env: Environment) -> &EnvironmentPolicy {
        self.environments.get(env)
    }

    /// Whether `caller` may use `tool` in `env` (the environment's `principals` section; every
    /// caller may when it is unset).
    pub fn may_use(
        &self,
        env: Environment,
        caller: &crate::Principal<'_>,
        tool: &str,
    ) -> Result<(), crate::AccessRefusal> {
        match &self.environment(env).principals {
            None => Ok(()),
            Some(p) => p.check(env, caller, tool),
        }
    }

    /// Whether `ns` is a protected namespace.
    pub fn is_protected_namespace(&self, ns: &str) -> bool {
        self.protected_namespaces.iter().any(|p| p.as_str() == ns)
    }

    /// Whether `ws` is a protected Terraform workspace.
    pub fn is_protected_workspace(&self, ws: &str) -> bool {
        self.protected_workspaces.iter().any(|p| p == ws)
    }
}
