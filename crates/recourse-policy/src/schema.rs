//! The JSON Schema of the policy file format, for editors (YAML language servers read it).

use serde_json::{Value, json};

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
                    "approval_ttl_seconds": positive("How long an approval stays usable.")
                }
            }
        }
    })
}
