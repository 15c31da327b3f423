//! The built-in default policy (DESIGN.md §4). Changing anything here changes what every
//! deployment without a policy file enforces; the tests pin it to the documented table.

use std::num::NonZeroU64;

use crate::ApprovalRules;
use crate::Decision::{self, Allow, Block, Escalate, Warn};
use crate::model::{
    EnvironmentPolicy, Environments, NamespaceName, NetworkAccess, Policy, ShellPolicy,
};
use crate::{Environment, TerraformPolicy};

/// Shell commands allowed as read-only by default (matched structurally by argv prefix, and
/// then checked by the classifier's own per-program models). `env` is deliberately absent: it
/// prints credentials.
pub const DEFAULT_ALLOW_READONLY: &[&str] = &[
    "ls",
    "cat",
    "head",
    "tail",
    "grep",
    "find",
    "wc",
    "jq",
    "yq",
    "git status",
    "git diff",
    "git log",
    "git show",
    "terraform show",
    "terraform validate",
    "terraform fmt",
    "kubectl get",
    "kubectl describe",
    "kubectl logs",
    "echo",
    "pwd",
    "whoami",
    "date",
];

/// Shell commands that always need an approval by default.
pub const DEFAULT_ALWAYS_ESCALATE: &[&str] = &[
    "rm",
    "mv",
    "cp",
    "chmod",
    "chown",
    "mkdir",
    "rmdir",
    "aws",
    "gcloud",
    "az",
    "kubectl apply",
    "kubectl delete",
    "kubectl exec",
    "kubectl patch",
    "terraform apply",
    "terraform destroy",
    "terraform import",
    "helm install",
    "helm upgrade",
    "helm delete",
    "docker run",
    "docker exec",
    "docker rm",
];

/// Shell commands that never run by default.
pub const DEFAULT_ALWAYS_BLOCK: &[&str] = &[
    "curl | sh",
    "curl | bash",
    "wget | sh",
    "wget | bash",
    "bash <(curl)",
    "sh <(curl)",
    "rm -rf /",
    "rm -rf /*",
    "rm -rf ~",
    "chmod 777",
    "chmod -R 777",
    "sudo su",
    "sudo -i",
    "sudo bash",
    "nc -e",
    "bash -i >& /dev/tcp",
];

/// Namespaces protected by default.
pub const DEFAULT_PROTECTED_NAMESPACES: &[&str] = &[
    "kube-system",
    "kube-public",
    "cert-manager",
    "ingress",
    "istio-system",
    "monitoring",
    "security",
    "vault",
];

/// Workspaces protected by default.
pub const DEFAULT_PROTECTED_WORKSPACES: &[&str] = &["production", "prod"];

/// Default plan TTL: one hour.
pub const DEFAULT_PLAN_TTL_SECONDS: u64 = 3600;
/// Default approval TTL: one day.
pub const DEFAULT_APPROVAL_TTL_SECONDS: u64 = 86_400;
/// Default time a granted approval stays usable: one hour.
pub const DEFAULT_APPROVAL_USE_TTL_SECONDS: u64 = 3600;
/// Default shell timeout cap: five minutes.
pub const DEFAULT_MAX_TIMEOUT_SECONDS: u64 = 300;
/// Default shell output cap: 1 MiB per stream.
pub const DEFAULT_MAX_OUTPUT_BYTES: u64 = 1 << 20;

const fn env(
    default_mutation: Decision,
    terraform_destroy: Decision,
    kubectl_exec: Decision,
    kubectl_delete: Decision,
    shell: Decision,
    which: Environment,
) -> EnvironmentPolicy {
    EnvironmentPolicy {
        default_mutation,
        terraform_destroy,
        kubectl_exec,
        kubectl_delete,
        shell,
        terraform: TerraformPolicy::defaults(which),
        approvals: ApprovalRules::defaults(which),
        principals: None,
    }
}

/// The default decisions table of DESIGN.md §4; each environment's `terraform` section is
/// [`TerraformPolicy::defaults`] (the configuration rules' defaults are in
/// [`crate::CONFIG_RULES`]).
pub const DEFAULT_ENVIRONMENTS: Environments = Environments {
    dev: env(Allow, Escalate, Escalate, Warn, Warn, Environment::Dev),
    staging: env(
        Warn,
        Escalate,
        Escalate,
        Escalate,
        Escalate,
        Environment::Staging,
    ),
    prod: env(
        Escalate,
        Block,
        Escalate,
        Escalate,
        Escalate,
        Environment::Prod,
    ),
};

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn nonzero(n: u64) -> NonZeroU64 {
    // The constants above are all non-zero; `MIN` is an unreachable fallback that keeps this
    // function total without a panic path.
    NonZeroU64::new(n).unwrap_or(NonZeroU64::MIN)
}

impl Default for ShellPolicy {
    fn default() -> Self {
        ShellPolicy {
            default: Warn,
            allow_readonly: strings(DEFAULT_ALLOW_READONLY),
            always_escalate: strings(DEFAULT_ALWAYS_ESCALATE),
            always_block: strings(DEFAULT_ALWAYS_BLOCK),
            max_timeout_seconds: nonzero(DEFAULT_MAX_TIMEOUT_SECONDS),
            max_output_bytes: nonzero(DEFAULT_MAX_OUTPUT_BYTES),
            redact_secrets: true,
            allowed_paths: vec![".".to_owned()],
            network: NetworkAccess::Allow,
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            environments: DEFAULT_ENVIRONMENTS,
            protected_namespaces: DEFAULT_PROTECTED_NAMESPACES
                .iter()
                .filter_map(|n| NamespaceName::new(*n).ok())
                .collect(),
            protected_workspaces: strings(DEFAULT_PROTECTED_WORKSPACES),
            shell: ShellPolicy::default(),
            plan_ttl_seconds: nonzero(DEFAULT_PLAN_TTL_SECONDS),
            approval_ttl_seconds: nonzero(DEFAULT_APPROVAL_TTL_SECONDS),
            approval_use_ttl_seconds: nonzero(DEFAULT_APPROVAL_USE_TTL_SECONDS),
        }
    }
}
