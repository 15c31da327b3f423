//! What an agent can ask for: the one table of tools ([`TOOLS`]) and the typed call
//! ([`ToolCall`]). `tools/list`, the MCP annotations, `ToolCall::spec` and doctor's exposure
//! check all read [`TOOLS`]; adding a tool means one [`ToolSpec`] here, one `ToolCall` variant,
//! one preparer in `tools/` and one schema in `recourse-mcp`.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Which runner (or none) a tool's calls reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// `terraform` plan/apply/destroy.
    Terraform,
    /// `kubectl` verbs.
    Kubectl,
    /// A sandboxed shell command.
    Shell,
    /// Approval requests and lookups: nothing runs.
    Approvals,
}

/// One tool as agents see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToolSpec {
    /// The MCP tool name.
    pub name: &'static str,
    /// What it reaches.
    pub family: Family,
    /// It never changes anything (MCP `readOnlyHint`).
    pub read_only: bool,
    /// It can destroy something (MCP `destructiveHint`).
    pub destructive: bool,
}

const fn spec(name: &'static str, family: Family, read_only: bool, destructive: bool) -> ToolSpec {
    ToolSpec {
        name,
        family,
        read_only,
        destructive,
    }
}

/// `terraform plan` into a stored plan.
pub const TERRAFORM_PLAN: ToolSpec = spec("gateway_terraform_plan", Family::Terraform, true, false);
/// Apply a stored plan.
pub const TERRAFORM_APPLY: ToolSpec =
    spec("gateway_terraform_apply", Family::Terraform, false, true);
/// Plan a destroy.
pub const TERRAFORM_DESTROY: ToolSpec =
    spec("gateway_terraform_destroy", Family::Terraform, false, true);
/// `kubectl get`.
pub const KUBECTL_GET: ToolSpec = spec("gateway_kubectl_get", Family::Kubectl, true, false);
/// `kubectl logs`.
pub const KUBECTL_LOGS: ToolSpec = spec("gateway_kubectl_logs", Family::Kubectl, true, false);
/// `kubectl describe`.
pub const KUBECTL_DESCRIBE: ToolSpec =
    spec("gateway_kubectl_describe", Family::Kubectl, true, false);
/// `kubectl apply`.
pub const KUBECTL_APPLY: ToolSpec = spec("gateway_kubectl_apply", Family::Kubectl, false, true);
/// `kubectl delete`.
pub const KUBECTL_DELETE: ToolSpec = spec("gateway_kubectl_delete", Family::Kubectl, false, true);
/// `kubectl scale`.
pub const KUBECTL_SCALE: ToolSpec = spec("gateway_kubectl_scale", Family::Kubectl, false, true);
/// `kubectl exec`.
pub const KUBECTL_EXEC: ToolSpec = spec("gateway_kubectl_exec", Family::Kubectl, false, true);
/// A shell command.
pub const SHELL_EXEC: ToolSpec = spec("gateway_shell_exec", Family::Shell, false, true);
/// Ask a human for an approval.
pub const REQUEST_APPROVAL: ToolSpec =
    spec("gateway_request_approval", Family::Approvals, false, false);
/// Poll an approval.
pub const CHECK_APPROVAL: ToolSpec = spec("gateway_check_approval", Family::Approvals, true, false);
/// Look up a stored plan.
pub const GET_PLAN: ToolSpec = spec("gateway_get_plan", Family::Terraform, true, false);

/// Every tool, in the order `tools/list` shows them. There is no approve, reject, break-glass
/// or policy tool: those are human operations outside MCP.
pub const TOOLS: &[ToolSpec] = &[
    TERRAFORM_PLAN,
    TERRAFORM_APPLY,
    TERRAFORM_DESTROY,
    KUBECTL_GET,
    KUBECTL_LOGS,
    KUBECTL_DESCRIBE,
    KUBECTL_APPLY,
    KUBECTL_DELETE,
    KUBECTL_SCALE,
    KUBECTL_EXEC,
    SHELL_EXEC,
    REQUEST_APPROVAL,
    CHECK_APPROVAL,
    GET_PLAN,
];

/// The tool with this name.
pub fn tool_spec(name: &str) -> Option<&'static ToolSpec> {
    TOOLS.iter().find(|t| t.name == name)
}

/// An agent's call, with typed arguments. The serde names are the tool names of [`TOOLS`] (a
/// test checks every spec parses to the variant that reports it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "tool",
    content = "arguments",
    rename_all = "snake_case",
    deny_unknown_fields
)]
#[allow(missing_docs)]
pub enum ToolCall {
    #[serde(rename = "gateway_terraform_plan")]
    TerraformPlan {
        cwd: String,
        workspace: String,
        #[serde(default)]
        args: Vec<String>,
        approval_id: Option<String>,
    },
    #[serde(rename = "gateway_terraform_apply")]
    TerraformApply {
        plan_id: String,
        approval_id: Option<String>,
    },
    #[serde(rename = "gateway_terraform_destroy")]
    TerraformDestroy {
        cwd: String,
        workspace: String,
        approval_id: Option<String>,
    },
    #[serde(rename = "gateway_kubectl_get")]
    KubectlGet {
        resource: String,
        name: Option<String>,
        namespace: Option<String>,
        selector: Option<String>,
        output: Option<String>,
    },
    #[serde(rename = "gateway_kubectl_logs")]
    KubectlLogs {
        pod: String,
        namespace: Option<String>,
        container: Option<String>,
        tail: Option<u32>,
        since: Option<String>,
    },
    #[serde(rename = "gateway_kubectl_describe")]
    KubectlDescribe {
        resource: String,
        name: String,
        namespace: Option<String>,
    },
    #[serde(rename = "gateway_kubectl_apply")]
    KubectlApply {
        file: Option<String>,
        manifest: Option<String>,
        namespace: Option<String>,
        #[serde(default)]
        dry_run: bool,
        approval_id: Option<String>,
    },
    #[serde(rename = "gateway_kubectl_delete")]
    KubectlDelete {
        resource: String,
        name: String,
        namespace: Option<String>,
        approval_id: Option<String>,
    },
    #[serde(rename = "gateway_kubectl_scale")]
    KubectlScale {
        resource: String,
        name: String,
        replicas: u32,
        namespace: Option<String>,
        approval_id: Option<String>,
    },
    #[serde(rename = "gateway_kubectl_exec")]
    KubectlExec {
        pod: String,
        command: Vec<String>,
        namespace: Option<String>,
        container: Option<String>,
        approval_id: Option<String>,
    },
    #[serde(rename = "gateway_shell_exec")]
    ShellExec {
        command: String,
        cwd: Option<String>,
        timeout: Option<u64>,
        approval_id: Option<String>,
    },
    #[serde(rename = "gateway_request_approval")]
    RequestApproval {
        operation: String,
        target: String,
        reason: String,
        plan_id: Option<String>,
    },
    #[serde(rename = "gateway_check_approval")]
    CheckApproval { approval_id: String },
    #[serde(rename = "gateway_get_plan")]
    GetPlan { plan_id: String },
}

impl ToolCall {
    /// The tool this call is for.
    pub fn spec(&self) -> &'static ToolSpec {
        match self {
            ToolCall::TerraformPlan { .. } => &TERRAFORM_PLAN,
            ToolCall::TerraformApply { .. } => &TERRAFORM_APPLY,
            ToolCall::TerraformDestroy { .. } => &TERRAFORM_DESTROY,
            ToolCall::KubectlGet { .. } => &KUBECTL_GET,
            ToolCall::KubectlLogs { .. } => &KUBECTL_LOGS,
            ToolCall::KubectlDescribe { .. } => &KUBECTL_DESCRIBE,
            ToolCall::KubectlApply { .. } => &KUBECTL_APPLY,
            ToolCall::KubectlDelete { .. } => &KUBECTL_DELETE,
            ToolCall::KubectlScale { .. } => &KUBECTL_SCALE,
            ToolCall::KubectlExec { .. } => &KUBECTL_EXEC,
            ToolCall::ShellExec { .. } => &SHELL_EXEC,
            ToolCall::RequestApproval { .. } => &REQUEST_APPROVAL,
            ToolCall::CheckApproval { .. } => &CHECK_APPROVAL,
            ToolCall::GetPlan { .. } => &GET_PLAN,
        }
    }

    /// The tool's name.
    pub fn tool(&self) -> &'static str {
        self.spec().name
    }

    /// Parses a call from a tool name and its JSON arguments (unknown fields are errors).
    pub fn from_json(tool: &str, arguments: Value) -> Result<ToolCall, String> {
        if tool_spec(tool).is_none() {
            return Err(format!("unknown tool `{tool}`"));
        }
        let arguments = if arguments.is_null() {
            json!({})
        } else {
            arguments
        };
        serde_json::from_value(json!({"tool": tool, "arguments": arguments}))
            .map_err(|e| format!("invalid arguments for {tool}: {e}"))
    }

    /// The arguments as they bind an approval: everything the agent sent except `approval_id`
    /// (the approval cannot be part of what it approves).
    pub(crate) fn binding_arguments(&self) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Some(args) = v.get_mut("arguments").and_then(Value::as_object_mut) {
            args.remove("approval_id");
        }
        v
    }
}

/// Who is calling: the principal every decision, approval and record is about. Over stdio it
/// is the gateway's `--agent-id`; over HTTP, the authenticated token's subject, issuer and
/// groups (the token itself never goes further than its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The principal's identity (`sub` over HTTP; `--agent-id` over stdio).
    pub agent_id: String,
    /// The token's issuer, when authenticated over HTTP.
    pub issuer: Option<String>,
    /// The principal's groups (the token's `groups` claim).
    pub groups: Vec<String>,
    /// sha256 of the bearer token that authenticated the call (never the token).
    pub token_sha256: Option<recourse_policy::Digest>,
}

impl Caller {
    /// A caller known only by its id (stdio, tests).
    pub fn agent(id: impl Into<String>) -> Caller {
        Caller {
            agent_id: id.into(),
            issuer: None,
            groups: Vec::new(),
            token_sha256: None,
        }
    }

    /// What the audit records say about the caller.
    pub(crate) fn audit(&self) -> Value {
        let mut v = json!({"id": self.agent_id});
        if let Some(i) = &self.issuer {
            v["iss"] = json!(i);
        }
        if !self.groups.is_empty() {
            v["groups"] = json!(self.groups);
        }
        if let Some(t) = &self.token_sha256 {
            v["token_sha256"] = json!(t);
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_parses_to_the_variant_that_reports_it() {
        for spec in TOOLS {
            // The field list serde reports for an unknown field proves the variant exists.
            let err = ToolCall::from_json(spec.name, json!({"__probe__": 1}))
                .expect_err("unknown fields are refused");
            assert!(err.contains("__probe__"), "{}: {err}", spec.name);
        }
        let call = ToolCall::from_json("gateway_get_plan", json!({"plan_id": "x"})).unwrap();
        assert_eq!(call.spec(), &GET_PLAN);
        let call = ToolCall::from_json("gateway_shell_exec", json!({"command": "ls"})).unwrap();
        assert_eq!(call.tool(), SHELL_EXEC.name);
    }

    #[test]
    fn the_policy_knows_exactly_these_tools() {
        // A policy's `principals` entries are checked against recourse-policy's list while the
        // file loads (with key path and line); it must be this table.
        let ours: Vec<&str> = TOOLS.iter().map(|t| t.name).collect();
        assert_eq!(ours, recourse_policy::TOOL_NAMES);
    }

    #[test]
    fn names_are_unique_and_no_human_tool_is_exposed() {
        let mut names: Vec<_> = TOOLS.iter().map(|t| t.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TOOLS.len());
        for t in TOOLS {
            for word in ["approve", "reject", "break_glass", "override"] {
                assert!(
                    !t.name.contains(word) || t.name.contains("approval"),
                    "{}",
                    t.name
                );
            }
        }
    }

    #[test]
    fn binding_arguments_leave_out_the_approval() {
        let call = ToolCall::KubectlDelete {
            resource: "pods".into(),
            name: "web".into(),
            namespace: None,
            approval_id: Some("a".into()),
        };
        let v = call.binding_arguments();
        assert!(v["arguments"].get("approval_id").is_none(), "{v}");
        assert_eq!(v["arguments"]["name"], "web");
    }
}
