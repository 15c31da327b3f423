//! kubectl: escalations, blocks, argument injection, manifest namespaces and lists, cluster
//! scope, secrets, and the gateway's own kube identity.

use recourse_policy::Environment;
use serde_json::{Value, json};

use super::{Outcome, Suite, critical};
use crate::doctor::client::{brief, status};
use crate::doctor::fixture::{DOCTOR_SECRET_VALUE, Fixture};

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
        critical(
            "manifest items on a non-list kind refused",
            items_on_an_object,
        ),
        critical(
            "cluster-scoped delete escalates and says so",
            cluster_scoped_delete,
        ),
        critical("gateway kube identity is not cluster-admin", kube_identity),
    ],
};

fn has_rule(r: &Value, rule: &str) -> bool {
    r.get("reasons")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|x| x["rule"] == rule))
}

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
    Outcome::new(
        has_rule(&r, "protected_namespaces") && status(&r) != "executed",
        brief(&r),
    )
}

/// A Secret read through the stand-in (whose value sits under a key no name-based redaction
/// knows) comes back with its value replaced; templates that could select it are refused.
fn secrets_not_revealed(f: &Fixture) -> Outcome {
    let r = f.call(
        "gateway_kubectl_get",
        json!({"resource": "secrets", "name": "db", "output": "yaml"}),
    );
    let clear = r.to_string().contains(DOCTOR_SECRET_VALUE);
    let out = r
        .pointer("/output/stdout")
        .and_then(Value::as_str)
        .unwrap_or("");
    let redacted = status(&r) == "executed" && out.contains("[REDACTED]");
    let t = f.call(
        "gateway_kubectl_get",
        json!({"resource": "secrets", "name": "db", "output": "jsonpath={.data}"}),
    );
    Outcome::new(
        !clear && (redacted || status(&r) == "blocked") && status(&t) == "rejected_input",
        format!("-o yaml: {}; -o jsonpath: {}", brief(&r), brief(&t)),
    )
}

/// kubectl applies the `items` of any object that has them: a ConfigMap carrying a binding is
/// refused rather than decided as a ConfigMap.
fn items_on_an_object(f: &Fixture) -> Outcome {
    let r = f.call(
        "gateway_kubectl_apply",
        json!({"manifest": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: doctor}\nitems:\n- apiVersion: rbac.authorization.k8s.io/v1\n  kind: ClusterRoleBinding\n  metadata: {name: doctor}\n"}),
    );
    Outcome::new(status(&r) == "rejected_input", brief(&r))
}

fn cluster_scoped_delete(f: &Fixture) -> Outcome {
    let r = f.call(
        "gateway_kubectl_delete",
        json!({"resource": "crd", "name": "certificates.cert-manager.io"}),
    );
    Outcome::new(
        gated(&r) && has_rule(&r, "kubectl.cluster_scoped"),
        brief(&r),
    )
}

/// The agent inherits what the gateway's kube identity may do. `*` on `*` fails in prod and is
/// a warning elsewhere; an identity that cannot be read fails in prod too (nothing shows it is
/// scoped).
fn kube_identity(f: &Fixture) -> Outcome {
    let (whose, identity) = match f.serve_kube_gateway() {
        Ok(Some(gw)) => ("the kubeconfig `serve` would use", gw.kube_identity()),
        Ok(None) => (
            "no kubeconfig found, so kubectl tools would be off; the doctor's stand-in",
            f.gateway.kube_identity(),
        ),
        Err(e) => ("the kubeconfig `serve` would use", Err(e)),
    };
    // Fails in prod, a warning elsewhere.
    let serious = |m: String| {
        if f.env == Environment::Prod {
            Outcome::new(false, m)
        } else {
            Outcome::warn(m)
        }
    };
    match identity {
        Ok(id) if id.is_unrestricted() => serious(format!(
            "{whose}: the gateway's identity may do anything (`*` on `*`), and the agent inherits it; give the gateway a scoped identity"
        )),
        Ok(id) => Outcome::new(
            true,
            format!(
                "{whose}: scoped ({} rule(s), none `*` on `*`)",
                id.rules.len()
            ),
        ),
        Err(e) => serious(format!("{whose}: its permissions could not be read ({e})")),
    }
}
