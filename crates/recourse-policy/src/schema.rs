//! The JSON Schema of the policy file format, for editors (YAML language servers read it).

use serde_json::{Map, Value, json};

use crate::CONFIG_RULES;

fn decision() -> Value {
    json!({ "type": "string", "enum": ["allow", "warn", "escalate", "block"] })
}

fn positive(description: &str) -> Value {
    json!({ "type": "integer", "minimum": 1, "description": description })
}

fn string_list(description: &str) -> Value {
    json!({
        "type": "array",
        "description": description,
        "items": { "type": "string", "minLength": 1, "pattern": "\\S" }
    })
}

fn count(description: &str) -> Value {
    json!({ "type": "integer", "minimum": 0, "description": description })
}

fn terraform() -> Value {
    let mut config = Map::new();
    for spec in CONFIG_RULES {
        let mut d = decision();
        if let Some(o) = d.as_object_mut() {
            o.insert("description".into(), Value::String(spec.about.into()));
        }
        config.insert(spec.key.into(), d);
    }
    json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "config": {
                "type": "object",
                "additionalProperties": false,
                "description": "Decisions for what config screening finds, by rule.",
                "properties": config
            },
            "max_destroy": count("A plan deleting or replacing more objects than this blocks (break-glass only). Unset: no cap."),
            "max_replace": count("A plan replacing more objects than this blocks (break-glass only). Unset: no cap."),
            "protected_types": string_list("Resource types a plan may not delete or replace (break-glass only)."),
            "empty_state_creates": positive("A plan creating at least this many objects against an empty state escalates: the state may be missing."),
            "import": decision(),
            "forget": decision(),
        }
    })
}

fn environment() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "default_mutation": decision(),
            "terraform_destroy": decision(),
            "kubectl_exec": decision(),
            "kubectl_delete": decision(),
            "shell": decision(),
            "terraform": terraform(),
            "approvals": {
                "type": "object",
                "additionalProperties": false,
                "description": "Who may grant escalations here, and how many must.",
                "properties": {
                    "required": positive("How many approvals an escalation needs."),
                    "distinct": { "type": "boolean", "description": "Approvals must come from distinct approvers." },
                    "self_approval": { "type": "string", "enum": ["deny", "allow"] },
                    "approvers": string_list("Who may approve: approver names or group:NAME (empty: every registered approver)."),
                    "break_glass": string_list("Who may break glass on a blocked plan: names or group:NAME (empty: every registered approver).")
                }
            },
            "principals": principals(),
        }
    })
}

fn principals() -> Value {
    json!({
        "type": "object",
        "description": "Which principals may use which tools here. Keys: `principal:<id>` (the token's sub; over stdio --agent-id), `group:<name>` (the token's groups claim) or `*`. A caller no key matches is refused. Unset: every caller may use every tool.",
        "propertyNames": { "pattern": "^(\\*|principal:\\S.*|group:\\S.*)$" },
        "additionalProperties": {
            "oneOf": [
                { "const": "all" },
                { "type": "array", "uniqueItems": true, "items": { "enum": crate::TOOL_NAMES } }
            ]
        }
    })
}

/// The JSON Schema (draft 2020-12) of a policy file.
pub fn json_schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://recourse.dev/schema/policy-2.0.json",
        "title": "Recourse gateway policy",
        "description": "Keys set here replace the built-in defaults; lists replace the default list as a whole.",
        "type": "object",
        "additionalProperties": false,
        "required": ["recourseos"],
        "properties": {
            "recourseos": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "version": {
                        "description": "Policy format version.",
                        "oneOf": [
                            { "type": "string", "enum": ["2.0", "2"] },
                            { "type": "number", "enum": [2, 2.0] }
                        ]
                    },
                    "environments": {
                        "type": "object",
                        "additionalProperties": false,
                        "description": "Per-environment decisions. Aliases: development → dev, stage → staging, production → prod.",
                        "properties": {
                            "dev": environment(),
                            "development": environment(),
                            "staging": environment(),
                            "stage": environment(),
                            "prod": environment(),
                            "production": environment(),
                        }
                    },
                    "protected_namespaces": {
                        "type": "array",
                        "description": "Kubernetes namespaces where any mutation needs an approval.",
                        "items": {
                            "type": "string",
                            "maxLength": 63,
                            "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
                        }
                    },
                    "protected_workspaces": string_list("Terraform workspaces where any change needs an approval."),
                    "shell": {
                        "type": "object",
                        "additionalProperties": false,
                        "properties": {
                            "default": decision(),
                            "allow_readonly": string_list("Shell snippets allowed as read-only (matched structurally, by argv prefix)."),
                            "always_escalate": string_list("Shell snippets that always need an approval (matched structurally)."),
                            "always_block": string_list("Shell snippets that never run (matched structurally)."),
                            "max_timeout_seconds": positive("Upper bound on a shell command's run time."),
                            "max_output_bytes": positive("Upper bound on captured output per stream."),
                            "redact_secrets": { "type": "boolean" },
                            "allowed_paths": string_list("Directories shell commands may run in and write under."),
                            "network": { "type": "string", "enum": ["allow", "deny"] }
                        }
                    },
                    "plan_ttl_seconds": positive("How long a plan may be applied after it was made."),
                    "approval_ttl_seconds": positive("How long a pending approval waits for its grants."),
                    "approval_use_ttl_seconds": positive("How long a granted approval stays usable before it is used.")
                }
            }
        }
    })
}
