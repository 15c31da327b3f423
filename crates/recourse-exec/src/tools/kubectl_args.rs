//! Kubernetes argument validation and manifest reading. Every value that ends up in kubectl's
//! argument vector is checked here, so `name: "--all"` or `--namespace=kube-system` smuggled
//! into a field is rejected rather than passed on.

use recourse_policy::{ObjectFacts, is_dns_label};
use serde_json::Value;

/// An argument that is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field} `{value}`: {why}")]
pub struct InvalidArg {
    /// Field name.
    pub field: &'static str,
    /// The value (shortened).
    pub value: String,
    /// What is expected.
    pub why: &'static str,
}

fn invalid(field: &'static str, value: &str, why: &'static str) -> InvalidArg {
    InvalidArg {
        field,
        value: value.chars().take(80).collect(),
        why,
    }
}

/// RFC 1123 subdomain: lowercase alphanumerics, `-` and `.`, alphanumeric at both ends.
pub fn is_dns_subdomain(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 253
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-' || *c == b'.')
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// A namespace.
pub fn namespace(v: &str) -> Result<String, InvalidArg> {
    if is_dns_label(v) {
        Ok(v.to_owned())
    } else {
        Err(invalid(
            "namespace",
            v,
            "an RFC 1123 label (lowercase letters, digits, '-')",
        ))
    }
}

/// An object name.
pub fn name(field: &'static str, v: &str) -> Result<String, InvalidArg> {
    if is_dns_subdomain(v) {
        Ok(v.to_owned())
    } else {
        Err(invalid(
            field,
            v,
            "an RFC 1123 name (lowercase letters, digits, '-', '.')",
        ))
    }
}

/// A resource type such as `pods`, `deploy` or `deployments.apps`.
pub fn resource(v: &str) -> Result<String, InvalidArg> {
    let ok = !v.is_empty()
        && v.len() <= 253
        && v.as_bytes()[0].is_ascii_lowercase()
        && v.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-');
    if ok {
        Ok(v.to_owned())
    } else {
        Err(invalid(
            "resource",
            v,
            "a resource type such as pods, deploy or deployments.apps",
        ))
    }
}

/// A label selector.
pub fn selector(v: &str) -> Result<String, InvalidArg> {
    let ok = !v.is_empty()
        && !v.starts_with('-')
        && v.len() <= 1024
        && v.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"._/=!,() -".contains(&c));
    if ok {
        Ok(v.to_owned())
    } else {
        Err(invalid(
            "selector",
            v,
            "a label selector such as app=web,tier!=db",
        ))
    }
}

/// An output format.
pub fn output(v: &str) -> Result<String, InvalidArg> {
    if matches!(v, "wide" | "yaml" | "json" | "name") {
        Ok(v.to_owned())
    } else {
        Err(invalid("output", v, "one of wide, yaml, json, name"))
    }
}

/// A `--since` duration such as `5m`.
pub fn since(v: &str) -> Result<String, InvalidArg> {
    let (num, unit) = v.split_at(v.len().saturating_sub(1));
    if !num.is_empty() && num.bytes().all(|c| c.is_ascii_digit()) && matches!(unit, "s" | "m" | "h")
    {
        Ok(v.to_owned())
    } else {
        Err(invalid("since", v, "a duration such as 30s, 5m or 2h"))
    }
}

/// Whether a resource type names Secrets.
pub fn is_secret_resource(r: &str) -> bool {
    r.split(',').any(|x| {
        matches!(
            x.split('.').next().unwrap_or(""),
            "secret" | "secrets" | "all"
        )
    })
}

const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "Node",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "APIService",
    "IngressClass",
    "RuntimeClass",
    "CSIDriver",
    "CSINode",
    "VolumeSnapshotClass",
    "ClusterIssuer",
    "PodSecurityPolicy",
];

/// A manifest that cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// Not YAML/JSON.
    #[error("the manifest is not valid YAML: {0}")]
    Yaml(String),
    /// A document lacks kind or metadata.name.
    #[error("document {0} has no kind or metadata.name")]
    Incomplete(usize),
    /// A bad namespace or name in a document.
    #[error("document {0}: {1}")]
    Invalid(usize, InvalidArg),
    /// Nothing in it.
    #[error("the manifest contains no objects")]
    Empty,
}

/// Every object in a (multi-document) manifest, with the namespace each lands in: its own
/// `metadata.namespace`, else `default_ns`; `None` for cluster-scoped kinds.
pub fn manifest_objects(text: &str, default_ns: &str) -> Result<Vec<ObjectFacts>, ManifestError> {
    let mut out = Vec::new();
    for (i, doc) in serde_yaml_ng::Deserializer::from_str(text).enumerate() {
        let v: Value =
            serde::Deserialize::deserialize(doc).map_err(|e| ManifestError::Yaml(e.to_string()))?;
        if v.is_null() {
            continue;
        }
        let items: Vec<&Value> = if v.get("kind").and_then(Value::as_str) == Some("List") {
            v.get("items")
                .and_then(Value::as_array)
                .map(|a| a.iter().collect())
                .unwrap_or_default()
        } else {
            vec![&v]
        };
        for item in items {
            let kind = item.get("kind").and_then(Value::as_str);
            let obj_name = item.pointer("/metadata/name").and_then(Value::as_str);
            let (Some(kind), Some(obj_name)) = (kind, obj_name) else {
                return Err(ManifestError::Incomplete(i + 1));
            };
            let obj_name =
                name("metadata.name", obj_name).map_err(|e| ManifestError::Invalid(i + 1, e))?;
            let ns = if CLUSTER_SCOPED.contains(&kind) {
                None
            } else {
                let ns = item
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .unwrap_or(default_ns);
                Some(namespace(ns).map_err(|e| ManifestError::Invalid(i + 1, e))?)
            };
            out.push(ObjectFacts {
                kind: kind.to_owned(),
                name: obj_name,
                namespace: ns,
            });
        }
    }
    if out.is_empty() {
        return Err(ManifestError::Empty);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_smuggled_flags() {
        assert!(name("name", "--all").is_err());
        assert!(namespace("--namespace=kube-system").is_err());
        assert!(namespace("Kube-System").is_err());
        assert!(resource("pods --all-namespaces").is_err());
        assert!(selector("-l x").is_err());
        assert!(output("jsonpath={.data}").is_err());
        assert!(since("5 m").is_err());
        assert_eq!(name("name", "web-1.a").unwrap(), "web-1.a");
    }

    #[test]
    fn every_documents_namespace_counts() {
        let m = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: b, namespace: kube-system}\n---\nkind: Namespace\napiVersion: v1\nmetadata: {name: team}\n";
        let objs = manifest_objects(m, "shop").unwrap();
        assert_eq!(objs[0].namespace.as_deref(), Some("shop"));
        assert_eq!(objs[1].namespace.as_deref(), Some("kube-system"));
        assert_eq!(objs[2].namespace, None);
        assert!(matches!(
            manifest_objects("kind: Pod\nmetadata: {name: '--all'}\n", "x"),
            Err(ManifestError::Invalid(..))
        ));
        assert_eq!(manifest_objects("", "x"), Err(ManifestError::Empty));
        let list = "kind: List\nitems:\n- kind: Pod\n  metadata: {name: p, namespace: vault}\n";
        assert_eq!(
            manifest_objects(list, "x").unwrap()[0].namespace.as_deref(),
            Some("vault")
        );
    }
}
