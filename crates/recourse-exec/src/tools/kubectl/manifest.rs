//! Manifests: every object kubectl would apply, found the way kubectl finds them, placed where
//! the cluster says it lives.
//!
//! kubectl treats any object that carries an `items` array as a list and applies the items, so
//! a document of kind `ConfigMap` with a `ClusterRoleBinding` under `items:` applies the
//! binding. Here every document with `items` is expanded (recursively, for lists of lists) when
//! its kind is a list kind, and refused as ambiguous when it is not; every object that comes out
//! is decided on. kubectl then receives exactly those objects, re-serialized as one JSON `List`
//! (see [`Placed::stdin`]), never the agent's text: YAML that two parsers read differently
//! (merge keys, document markers inside scalars, duplicate keys) cannot make kubectl apply
//! something other than what was decided.

use recourse_policy::{ObjectFacts, Scope};
use serde_json::{Value, json};

use super::args::{InvalidArg, name, namespace};
use super::discovery::ApiResources;

/// Lists inside lists deeper than this are refused (kubectl flattens any depth; nobody needs it).
const MAX_DEPTH: usize = 8;

/// A manifest that cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// Not YAML/JSON.
    #[error("the manifest is not valid YAML: {0}")]
    Yaml(String),
    /// A document that is not a mapping.
    #[error("{0} is not an object")]
    NotAnObject(String),
    /// An object without apiVersion, kind or metadata.name.
    #[error("{0} has no {1}")]
    Incomplete(String, &'static str),
    /// A bad namespace or name.
    #[error("{0}: {1}")]
    Invalid(String, InvalidArg),
    /// An object of a kind that is not a list, carrying `items`: kubectl would apply the items
    /// instead of the object.
    #[error(
        "{at} is a {kind} with an `items` field: kubectl would treat it as a list and apply the items instead; refused as ambiguous (use kind: List for a list)"
    )]
    Ambiguous {
        /// Where.
        at: String,
        /// Its kind.
        kind: String,
    },
    /// A list whose `items` is not an array.
    #[error("{0}: `items` is not a list of objects")]
    ItemsNotAList(String),
    /// Lists nested too deep.
    #[error("{0}: lists nested more than {MAX_DEPTH} deep")]
    TooDeep(String),
    /// Nothing in it.
    #[error("the manifest contains no objects")]
    Empty,
}

/// Whether kubectl's list handling is what a kind asks for (`List`, `ConfigMapList`, …).
fn is_list_kind(kind: &str) -> bool {
    kind.ends_with("List")
}

/// Every object in a (multi-document) manifest, lists expanded, in order.
pub(crate) fn objects(text: &str) -> Result<Vec<(String, Value)>, ManifestError> {
    let mut out = Vec::new();
    for (i, doc) in serde_yaml_ng::Deserializer::from_str(text).enumerate() {
        let v: Value =
            serde::Deserialize::deserialize(doc).map_err(|e| ManifestError::Yaml(e.to_string()))?;
        if v.is_null() {
            continue;
        }
        expand(v, format!("document {}", i + 1), 0, &mut out)?;
    }
    if out.is_empty() {
        return Err(ManifestError::Empty);
    }
    Ok(out)
}

fn expand(
    v: Value,
    at: String,
    depth: usize,
    out: &mut Vec<(String, Value)>,
) -> Result<(), ManifestError> {
    let Value::Object(mut map) = v else {
        return Err(ManifestError::NotAnObject(at));
    };
    let Some(items) = map.remove("items") else {
        out.push((at, Value::Object(map)));
        return Ok(());
    };
    let kind = map.get("kind").and_then(Value::as_str).unwrap_or("");
    if !is_list_kind(kind) {
        return Err(ManifestError::Ambiguous {
            kind: if kind.is_empty() {
                "object without a kind".into()
            } else {
                kind.into()
            },
            at,
        });
    }
    if depth >= MAX_DEPTH {
        return Err(ManifestError::TooDeep(at));
    }
    let items = match items {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        _ => return Err(ManifestError::ItemsNotAList(at)),
    };
    for (j, item) in items.into_iter().enumerate() {
        expand(item, format!("{at} items[{j}]"), depth + 1, out)?;
    }
    Ok(())
}

/// One object as it will be applied.
#[derive(Debug, Clone)]
pub(crate) struct Object {
    /// What the policy decides on.
    pub(crate) facts: ObjectFacts,
    /// The object as kubectl receives it (namespace filled in where it lands in one).
    pub(crate) value: Value,
}

/// The objects of a manifest, placed.
#[derive(Debug, Clone)]
pub(crate) struct Placed {
    pub(crate) objects: Vec<Object>,
}

impl Placed {
    /// What kubectl reads on stdin: one JSON `List` of exactly the decided objects.
    pub(crate) fn stdin(&self) -> Vec<u8> {
        let items: Vec<&Value> = self.objects.iter().map(|o| &o.value).collect();
        json!({"apiVersion": "v1", "kind": "List", "items": items})
            .to_string()
            .into_bytes()
    }

    /// The facts of every object.
    pub(crate) fn facts(&self) -> Vec<ObjectFacts> {
        self.objects.iter().map(|o| o.facts.clone()).collect()
    }
}

fn text<'v>(
    v: &'v Value,
    pointer: &str,
    at: &str,
    what: &'static str,
) -> Result<&'v str, ManifestError> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ManifestError::Incomplete(at.to_owned(), what))
}

/// Reads a manifest and places every object: its scope from the cluster's discovery (`None`:
/// discovery unavailable, every kind unresolved), its namespace its own `metadata.namespace`,
/// else `default_ns`. Namespaced objects — and those of kinds the cluster does not name — get
/// that namespace written into `metadata.namespace`, so kubectl needs no `--namespace` and a
/// manifest may span namespaces.
pub(crate) fn place(
    manifest: &str,
    default_ns: &str,
    api: Option<&ApiResources>,
) -> Result<Placed, ManifestError> {
    let mut placed = Vec::new();
    for (at, mut value) in objects(manifest)? {
        let api_version = text(&value, "/apiVersion", &at, "apiVersion")?.to_owned();
        let kind = text(&value, "/kind", &at, "kind")?.to_owned();
        let obj_name = name(
            "metadata.name",
            text(&value, "/metadata/name", &at, "metadata.name")?,
        )
        .map_err(|e| ManifestError::Invalid(at.clone(), e))?;
        let own_ns = match value.pointer("/metadata/namespace") {
            None | Some(Value::Null) => None,
            Some(Value::String(ns)) => {
                Some(namespace(ns).map_err(|e| ManifestError::Invalid(at.clone(), e))?)
            }
            Some(_) => {
                return Err(ManifestError::Invalid(
                    at,
                    InvalidArg {
                        field: "metadata.namespace",
                        value: String::new(),
                        why: "a string",
                    },
                ));
            }
        };
        let scope = match api.and_then(|a| a.kind(&api_version, &kind)) {
            Some(r) if r.namespaced => Scope::Namespaced,
            Some(_) => Scope::Cluster,
            None => Scope::Unresolved,
        };
        let ns = match scope {
            Scope::Cluster => None,
            Scope::Namespaced | Scope::Unresolved => {
                let ns = own_ns.unwrap_or_else(|| default_ns.to_owned());
                if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
                    meta.insert("namespace".into(), Value::String(ns.clone()));
                }
                Some(ns)
            }
        };
        placed.push(Object {
            facts: ObjectFacts {
                api_version,
                kind,
                name: obj_name,
                namespace: ns,
                scope,
            },
            value,
        });
    }
    Ok(Placed { objects: placed })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::kubectl::discovery::tests::standard;

    fn kinds(m: &str) -> Vec<String> {
        objects(m)
            .unwrap()
            .into_iter()
            .map(|(_, v)| v["kind"].as_str().unwrap_or("").to_owned())
            .collect()
    }

    #[test]
    fn lists_are_expanded_recursively() {
        let m = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- apiVersion: v1\n  kind: ConfigMapList\n  items:\n  - apiVersion: v1\n    kind: List\n    items:\n    - {apiVersion: v1, kind: Secret, metadata: {name: deep}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\n";
        assert_eq!(kinds(m), ["ConfigMap", "Secret", "Pod"]);
        let empty_list = "apiVersion: v1\nkind: List\nitems: []\n";
        assert_eq!(objects(empty_list).unwrap_err(), ManifestError::Empty);
    }

    #[test]
    fn items_on_a_kind_that_is_not_a_list_are_refused() {
        // The attack: kubectl would apply the ClusterRoleBinding and the gateway would have
        // decided on the ConfigMap.
        let m = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: innocent}\nitems:\n- apiVersion: rbac.authorization.k8s.io/v1\n  kind: ClusterRoleBinding\n  metadata: {name: pwn}\n";
        let e = objects(m).unwrap_err();
        assert!(
            matches!(&e, ManifestError::Ambiguous { kind, .. } if kind == "ConfigMap"),
            "{e}"
        );
        assert!(e.to_string().contains("document 1"), "{e}");
        // Nested inside a real list, and even with an empty or odd `items`.
        let nested = "kind: List\nitems:\n- kind: ConfigMap\n  metadata: {name: a}\n  items: []\n";
        assert!(
            matches!(objects(nested), Err(ManifestError::Ambiguous { at, .. }) if at == "document 1 items[0]")
        );
        assert!(matches!(
            objects("items: [1]\n"),
            Err(ManifestError::Ambiguous { .. })
        ));
        assert!(matches!(
            objects("kind: List\nitems: {a: 1}\n"),
            Err(ManifestError::ItemsNotAList(_))
        ));
        assert!(matches!(
            objects("kind: List\nitems: [1]\n"),
            Err(ManifestError::NotAnObject(_))
        ));
        let mut deep = String::from("{apiVersion: v1, kind: Pod, metadata: {name: p}}");
        for _ in 0..=MAX_DEPTH {
            deep = format!("{{kind: List, items: [{deep}]}}");
        }
        assert!(matches!(objects(&deep), Err(ManifestError::TooDeep(_))));
    }

    #[test]
    fn every_object_is_placed_by_the_clusters_scopes() {
        let api = standard();
        let m = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: b, namespace: kube-system}\n---\nkind: Namespace\napiVersion: v1\nmetadata: {name: team}\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: vap}\n---\napiVersion: example.com/v1\nkind: Frob\nmetadata: {name: f}\n";
        let p = place(m, "shop", Some(&api)).unwrap();
        let f = p.facts();
        assert_eq!(
            (f[0].namespace.as_deref(), f[0].scope),
            (Some("shop"), Scope::Namespaced)
        );
        assert_eq!(f[1].namespace.as_deref(), Some("kube-system"));
        assert_eq!(
            (f[2].namespace.as_deref(), f[2].scope),
            (None, Scope::Cluster)
        );
        assert_eq!(f[3].scope, Scope::Cluster);
        assert_eq!(
            (f[4].namespace.as_deref(), f[4].scope),
            (Some("shop"), Scope::Unresolved)
        );
        // What kubectl receives: the decided objects with their namespaces written in.
        let stdin: Value = serde_json::from_slice(&p.stdin()).unwrap();
        assert_eq!(stdin["kind"], "List");
        assert_eq!(stdin["items"][0]["metadata"]["namespace"], "shop");
        assert_eq!(stdin["items"][2]["metadata"].get("namespace"), None);
        assert_eq!(stdin["items"].as_array().unwrap().len(), 5);
        // Without discovery nothing is known to be namespaced.
        let p = place(m, "shop", None).unwrap();
        assert!(p.facts().iter().all(|o| o.scope == Scope::Unresolved));
    }

    #[test]
    fn bad_objects_are_refused() {
        let api = standard();
        assert!(matches!(
            place(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: '--all'}\n",
                "x",
                Some(&api)
            ),
            Err(ManifestError::Invalid(..))
        ));
        assert!(matches!(
            place(
                "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: Kube-System}\n",
                "x",
                Some(&api)
            ),
            Err(ManifestError::Invalid(..))
        ));
        assert!(matches!(
            place("kind: Pod\nmetadata: {name: a}\n", "x", Some(&api)),
            Err(ManifestError::Incomplete(_, "apiVersion"))
        ));
        assert_eq!(
            place("", "x", Some(&api)).unwrap_err(),
            ManifestError::Empty
        );
        assert!(matches!(
            place("a: [", "x", Some(&api)),
            Err(ManifestError::Yaml(_))
        ));
    }

    #[test]
    fn yaml_tricks_reach_kubectl_as_decided() {
        // A merge key is not applied by this parser; whatever it means to another parser,
        // kubectl receives the object as decided on (namespace `shop`), as JSON.
        let m = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  <<: {namespace: kube-system}\n  name: a\n";
        let api = standard();
        let p = place(m, "shop", Some(&api)).unwrap();
        let stdin: Value = serde_json::from_slice(&p.stdin()).unwrap();
        for (o, v) in p.objects.iter().zip(stdin["items"].as_array().unwrap()) {
            assert_eq!(
                v["metadata"]["namespace"].as_str(),
                o.facts.namespace.as_deref()
            );
        }
    }
}
