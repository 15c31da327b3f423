//! The tools as MCP shows them: for each entry of `recourse_exec::TOOLS`, a description that
//! teaches the flow and an input schema; names and annotations come from the table itself. One
//! list serves both `tools/list` and `tools/call`, so they cannot disagree, and a test checks
//! every schema's properties against the fields `ToolCall` accepts.

use std::sync::Arc;

use recourse_exec::{TOOLS, ToolSpec};
use rmcp::model::{Tool, ToolAnnotations};
use serde_json::{Map, Value, json};

/// Longest string accepted in any argument (manifests may be larger).
pub const MAX_STRING: usize = 64 * 1024;
/// Longest inline manifest.
pub const MAX_MANIFEST: usize = 1024 * 1024;

const FLOW: &str = "Every call is decided under the gateway's policy: allow/warn run now; escalate returns an approval_id — a human decides (the agent cannot), poll gateway_check_approval, then repeat the exact same call with approval_id; block never runs.";

fn s(desc: &str) -> Value {
    json!({"type": "string", "description": desc, "maxLength": MAX_STRING})
}

fn schema(props: Value, required: &[&str]) -> Arc<Map<String, Value>> {
    let v = json!({
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": false,
    });
    match v {
        Value::Object(m) => Arc::new(m),
        _ => Arc::new(Map::new()),
    }
}

fn tool(spec: &ToolSpec) -> Tool {
    let (desc, props, required) = describe(spec.name);
    let mut tool = Tool::new(spec.name, desc, schema(props, required));
    let mut a = ToolAnnotations::new();
    a.read_only_hint = Some(spec.read_only);
    a.destructive_hint = Some(spec.destructive);
    a.idempotent_hint = Some(spec.read_only);
    tool.annotations = Some(a);
    tool
}

fn approval() -> Value {
    s(
        "Approval id from an earlier escalated response, once a human approved it. Single use, bound to this exact call.",
    )
}

/// Every tool definition, in `TOOLS` order.
pub fn all() -> Vec<Tool> {
    TOOLS.iter().map(tool).collect()
}

/// Description, input properties and required properties of one tool.
fn describe(name: &str) -> (String, Value, &'static [&'static str]) {
    match name {
        "gateway_terraform_plan" => (format!("Run `terraform plan` in cwd on a workspace and store the plan. The configuration is screened first (planning runs its code): findings such as provisioners or file reads may escalate or block planning itself. Returns plan_id, each change with its recoverability tier, and the verdict. Apply later with gateway_terraform_apply(plan_id) — the stored plan is applied exactly, never re-planned. {FLOW}"),
            json!({"cwd": s("Absolute path of the Terraform configuration."), "workspace": s("Terraform workspace, e.g. default."), "args": {"type": "array", "items": s("-var=K=V, -var-file=F (inside cwd), -target=ADDR, -replace=ADDR, -refresh=false, -destroy"), "maxItems": 64}, "approval_id": approval()}),
            &["cwd", "workspace"]),
        "gateway_terraform_apply" => (format!("Apply a stored plan by plan_id. Refused if the plan expired, its file changed, the workspace, environment, state or policy changed, or it was already applied. {FLOW}"),
            json!({"plan_id": s("Id returned by gateway_terraform_plan or gateway_terraform_destroy."), "approval_id": approval()}),
            &["plan_id"]),
        "gateway_terraform_destroy" => (format!("Plan destroying everything in a workspace (a -destroy plan). Blocked in prod by default. Returns a plan_id to apply with gateway_terraform_apply. {FLOW}"),
            json!({"cwd": s("Absolute path of the Terraform configuration."), "workspace": s("Terraform workspace."), "approval_id": approval()}),
            &["cwd", "workspace"]),
        "gateway_kubectl_get" => (format!("kubectl get. The resource type is resolved through the cluster's discovery (short names and kinds work; a type the cluster does not serve escalates). Secrets are never returned in clear: every data/stringData value of every Secret in the output is replaced. {FLOW}"),
            json!({"resource": s("Resource type: pods, deployments, services, …"), "name": s("Object name."), "namespace": s("Namespace (default: the gateway's)."), "selector": s("Label selector, e.g. app=web."), "output": {"type": "string", "enum": ["wide", "yaml", "json", "name"]}}),
            &["resource"]),
        "gateway_kubectl_logs" => (format!("kubectl logs of a pod. {FLOW}"),
            json!({"pod": s("Pod name."), "namespace": s("Namespace."), "container": s("Container name."), "tail": {"type": "integer", "minimum": 0, "maximum": 100000}, "since": s("Duration such as 5m.")}),
            &["pod"]),
        "gateway_kubectl_describe" => (format!("kubectl describe of one object (the type resolved through the cluster's discovery; Secret values are never shown). {FLOW}"),
            json!({"resource": s("Resource type."), "name": s("Object name."), "namespace": s("Namespace.")}),
            &["resource", "name"]),
        "gateway_kubectl_apply" => (format!("kubectl apply of a manifest (inline `manifest` YAML, or `file` inside the gateway's allowed paths). Lists (kind: List, *List) are expanded and every object is decided on: its own metadata.namespace (protected namespaces escalate) and its scope from the cluster (cluster-scoped objects escalate). An object of another kind carrying `items` is refused. kubectl receives the objects as parsed, as JSON. dry_run=true validates on the server without changing anything. {FLOW}"),
            json!({"file": s("Manifest file path inside the allowed paths."), "manifest": {"type": "string", "maxLength": MAX_MANIFEST, "description": "Inline YAML manifest (one or more documents)."}, "namespace": s("Namespace for objects that name none."), "dry_run": {"type": "boolean"}, "approval_id": approval()}),
            &[]),
        "gateway_kubectl_delete" => (format!("kubectl delete one object. Escalates by policy; cluster-scoped types escalate everywhere; deleting a Namespace is blocked, a CustomResourceDefinition blocked in prod. {FLOW}"),
            json!({"resource": s("Resource type."), "name": s("Object name."), "namespace": s("Namespace."), "approval_id": approval()}),
            &["resource", "name"]),
        "gateway_kubectl_scale" => (format!("kubectl scale a workload to a replica count. Scaling to zero escalates. {FLOW}"),
            json!({"resource": s("deployment, statefulset or replicaset."), "name": s("Object name."), "replicas": {"type": "integer", "minimum": 0, "maximum": 10000}, "namespace": s("Namespace."), "approval_id": approval()}),
            &["resource", "name", "replicas"]),
        "gateway_kubectl_exec" => (format!("kubectl exec a command in a pod. Always needs a human approval. {FLOW}"),
            json!({"pod": s("Pod name."), "command": {"type": "array", "items": s("argv element"), "minItems": 1, "maxItems": 256}, "namespace": s("Namespace."), "container": s("Container."), "approval_id": approval()}),
            &["pod", "command"]),
        "gateway_shell_exec" => (format!("Run a shell command in a sandbox (no credentials in its environment; writes only under the allowed paths). The command is parsed, not substring-matched: read-only commands run, others follow the environment's policy. {FLOW}"),
            json!({"command": s("The command line."), "cwd": s("Working directory inside the allowed paths."), "timeout": {"type": "integer", "minimum": 1, "maximum": 86400, "description": "Seconds (capped by policy)."}, "approval_id": approval()}),
            &["command"]),
        "gateway_request_approval" => (format!("Ask a human to approve applying a plan (give plan_id), or record a request for something else. Approvals are granted only by humans outside MCP. {FLOW}"),
            json!({"operation": s("What you want to do."), "target": s("What it acts on."), "reason": s("Why it is needed."), "plan_id": s("Plan to approve applying.")}),
            &["operation", "target", "reason"]),
        "gateway_check_approval" => ("Check an approval's status: pending, approved (repeat the call with approval_id), rejected, expired or consumed.".into(),
            json!({"approval_id": s("Approval id.")}),
            &["approval_id"]),
        "gateway_get_plan" => ("Look up a stored plan: status, verdict, workspace, expiry.".into(),
            json!({"plan_id": s("Plan id.")}),
            &["plan_id"]),
        other => (format!("unknown tool {other}"), json!({}), &[]),
    }
}

/// Finds strings longer than the limits (the schema says so; the server enforces it).
pub fn oversized(args: &Map<String, Value>) -> Option<String> {
    fn walk(key: &str, v: &Value) -> Option<String> {
        match v {
            Value::String(s) => {
                let max = if key == "manifest" {
                    MAX_MANIFEST
                } else {
                    MAX_STRING
                };
                (s.len() > max)
                    .then(|| format!("argument `{key}` is {} bytes; the limit is {max}", s.len()))
            }
            Value::Array(items) => {
                if items.len() > 256 {
                    return Some(format!(
                        "argument `{key}` has {} items; the limit is 256",
                        items.len()
                    ));
                }
                items.iter().find_map(|i| walk(key, i))
            }
            Value::Object(m) => m.iter().find_map(|(k, v)| walk(k, v)),
            _ => None,
        }
    }
    args.iter().find_map(|(k, v)| walk(k, v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use recourse_exec::ToolCall;

    /// A value of the schema's type, so that a call can carry every property.
    fn sample(prop: &Value) -> Value {
        match prop.get("type").and_then(Value::as_str) {
            Some("integer") => json!(1),
            Some("boolean") => json!(true),
            Some("array") => json!(["x"]),
            _ => json!("x"),
        }
    }

    /// The fields `ToolCall` accepts for a tool, as serde lists them for an unknown field.
    fn fields(tool: &str) -> Vec<String> {
        let err = ToolCall::from_json(tool, json!({"__probe__": 1})).unwrap_err();
        let list = err.split("expected ").nth(1).unwrap_or("");
        list.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn schema_properties_are_exactly_the_call_fields() {
        let tools = all();
        assert_eq!(tools.len(), TOOLS.len());
        for (spec, tool) in TOOLS.iter().zip(&tools) {
            assert_eq!(tool.name, spec.name);
            let props = tool.input_schema["properties"].as_object().unwrap();
            let mut schema: Vec<String> = props.keys().cloned().collect();
            schema.sort();
            let mut accepted = fields(spec.name);
            accepted.sort();
            assert_eq!(schema, accepted, "{}", spec.name);
            // And a call carrying every property parses.
            let args: Map<String, Value> =
                props.iter().map(|(k, v)| (k.clone(), sample(v))).collect();
            ToolCall::from_json(spec.name, Value::Object(args))
                .unwrap_or_else(|e| panic!("{}: {e}", spec.name));
            for r in tool.input_schema["required"].as_array().unwrap() {
                assert!(
                    props.contains_key(r.as_str().unwrap()),
                    "{}: {r}",
                    spec.name
                );
            }
        }
    }

    #[test]
    fn annotations_come_from_the_table() {
        for (spec, tool) in TOOLS.iter().zip(all()) {
            let a = tool.annotations.unwrap();
            assert_eq!(a.read_only_hint, Some(spec.read_only), "{}", spec.name);
            assert_eq!(a.destructive_hint, Some(spec.destructive), "{}", spec.name);
        }
    }
}
