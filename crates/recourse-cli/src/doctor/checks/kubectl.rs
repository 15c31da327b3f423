//! kubectl: escalations, blocks, argument injection, manifest namespaces, secrets.

use serde_json::{Value, json};

use super::{Outcome, Suite, critical};
use crate::doctor::client::{brief, status};
use crate::doctor::fixture::Fixture;

pub(crate) const SUITE: Suite = Suite {
    name: "kubectl",
    checks: &[
        critical("kubectl exec escalates by default", exec_escalates),
        critical("kubectl delete namespace blocks", delete_namespace_blocks),
        critical(
            "kubectl apply to protected namespace escalates",
            protected_namespace,
        ),
        critical("kubectl scale to zero escalates", scale_to_zero),
        critical("kubectl arg injection refused", arg_injection),
        critical("manifest namespace honoured", manifest_namespace),
        critical("secrets not revealed", secrets_not_revealed),
    ],
};

fn gated(r: &Value) -> bool {
    matches!(status(r), "pending_approval" | "blocked")
}

fn exec_escalates(f: &Fixture) -> Outcome {
    let r = f.call(
        "gateway_kubectl_exec",
        json!({"pod": "web-1", "command": ["id"]}),
    );
    Outcome::new(gated(&r), brief(&r))
}

fn delete_namespace_blocks(f: &Fixture) -> Outcome {
    let r = f.call(
        "gateway_kubectl_delete",
        json!({"resource": "namespace", "name": "payments"}),
    );
    Outcome::new(status(&r) == "blocked", brief(&r))
}

fn protected_namespace(f: &Fixture) -> Outcome {
    let protected = f
        .policy
        .protected_namespaces
        .first()
        .map(|n| n.to_string())
        .unwrap_or_else(|| "kube-system".into());
    let r = f.call(
        "gateway_kubectl_apply",
        json!({"manifest": format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: doctor, namespace: {protected}}}\n")}),
    );
    Outcome::new(gated(&r), format!("namespace {protected}: {}", brief(&r)))
}

fn scale_to_zero(f: &Fixture) -> Outcome {
    let r = f.call(
        "gateway_kubectl_scale",
        json!({"resource": "deployment", "name": "web", "replicas": 0}),
    );
    Outcome::new(gated(&r), brief(&r))
}

fn arg_injection(f: &Fixture) -> Outcome {
    let r = f.call(
        "gateway_kubectl_delete",
        json!({"resource": "pods", "name": "--all"}),
    );
    let r2 = f.call(
        "gateway_kubectl_get",
        json!({"resource": "pods", "namespace": "--namespace=kube-system"}),
    );
    Outcome::new(
        status(&r) == "rejected_input" && status(&r2) == "rejected_input",
        format!("{}; {}", brief(&r), brief(&r2)),
    )
}

fn manifest_namespace(f: &Fixture) -> Outcome {
    let r = f.call(
        "gateway_kubectl_apply",
        json!({"manifest": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: kube-system}\n", "namespace": "doctor-apps"}),
    );
    let honoured = r
        .get("reasons")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|x| x["rule"] == "protected_namespaces"));
    Outcome::new(honoured && status(&r) != "executed", brief(&r))
}

fn secrets_not_revealed(f: &Fixture) -> Outcome {
    let r = f.call(
        "gateway_kubectl_get",
        json!({"resource": "secrets", "name": "db", "output": "yaml"}),
    );
    Outcome::new(status(&r) == "blocked", brief(&r))
}
