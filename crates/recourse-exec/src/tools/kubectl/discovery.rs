//! Resource identity from the cluster, not from strings. The cluster's discovery (what
//! `kubectl api-resources -o json` prints, run confined by `run/kubeconfig.rs`) is a table of
//! resource types; a name the agent gives — plural, singular, short name, kind, `name.group`,
//! `name.version.group`, or a category such as `all` — resolves through it to group, version,
//! kind and scope. The gateway decides on that, and passes kubectl the fully qualified name
//! (`secrets.v1.`, `deployments.v1.apps`), so kubectl's own name resolution never picks a
//! different type than the one decided on.

use recourse_policy::{ResourceFacts, Scope};
use serde::{Deserialize, Serialize};

/// One resource type the cluster serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApiResource {
    /// Plural name (`deployments`).
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) singular_name: String,
    pub(crate) namespaced: bool,
    /// API group; absent (empty) for the core group.
    #[serde(default)]
    pub(crate) group: String,
    pub(crate) version: String,
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) short_names: Vec<String>,
    #[serde(default)]
    pub(crate) categories: Vec<String>,
}

impl ApiResource {
    fn facts(&self, requested: &str) -> ResourceFacts {
        ResourceFacts {
            requested: requested.to_owned(),
            group: self.group.clone(),
            version: self.version.clone(),
            resource: self.name.clone(),
            kind: self.kind.clone(),
            scope: if self.namespaced {
                Scope::Namespaced
            } else {
                Scope::Cluster
            },
        }
    }

    /// How well `name` names this type: 0 plural or singular, 1 short name, 2 kind (kubectl
    /// prefers exact resource names over short names, and both over kinds).
    fn rank(&self, name: &str) -> Option<u8> {
        if self.name == name || self.singular_name == name {
            Some(0)
        } else if self.short_names.iter().any(|s| s == name) {
            Some(1)
        } else if self.kind.eq_ignore_ascii_case(name) {
            Some(2)
        } else {
            None
        }
    }

    /// Whether `qualifier` (what follows the first `.` of a qualified name) is this type's
    /// `group` or `version.group`.
    fn qualified_by(&self, qualifier: &str) -> bool {
        qualifier == self.group || qualifier == format!("{}.{}", self.version, self.group)
    }
}

/// The cluster's resource types.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ApiResources {
    pub(crate) resources: Vec<ApiResource>,
}

/// What a name resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolved {
    /// One resource type.
    One(ResourceFacts),
    /// A category (`all`): every resource type in it.
    Category(Vec<ResourceFacts>),
    /// Several types in different groups answer to the name; the agent must qualify it.
    Ambiguous(Vec<String>),
    /// The cluster does not name it.
    Unknown,
}

impl ApiResources {
    /// Parses `kubectl api-resources -o json`.
    pub(crate) fn parse(json: &str) -> Result<ApiResources, String> {
        serde_json::from_str(json).map_err(|e| format!("api-resources output: {e}"))
    }

    /// Resolves a (validated) resource name.
    pub(crate) fn resolve(&self, requested: &str) -> Resolved {
        let (name, qualifier) = match requested.split_once('.') {
            Some((n, q)) => (n, Some(q)),
            None => (requested, None),
        };
        let candidates = self
            .resources
            .iter()
            .filter(|r| qualifier.is_none_or(|q| r.qualified_by(q)))
            .filter_map(|r| r.rank(name).map(|rank| (rank, r)));
        let Some(best) = candidates.clone().map(|(rank, _)| rank).min() else {
            return self.category(requested, qualifier);
        };
        let mut at_best: Vec<&ApiResource> = candidates
            .filter(|(rank, _)| *rank == best)
            .map(|(_, r)| r)
            .collect();
        // The core group wins a tie, as in kubectl (`events` is core/v1 before events.k8s.io).
        if at_best.len() > 1 && at_best.iter().any(|r| r.group.is_empty()) {
            at_best.retain(|r| r.group.is_empty());
        }
        match at_best.as_slice() {
            [one] => Resolved::One(one.facts(requested)),
            many => Resolved::Ambiguous(many.iter().map(|r| qualified_name(r)).collect()),
        }
    }

    fn category(&self, requested: &str, qualifier: Option<&str>) -> Resolved {
        if qualifier.is_some() {
            return Resolved::Unknown;
        }
        let members: Vec<ResourceFacts> = self
            .resources
            .iter()
            .filter(|r| r.categories.iter().any(|c| c == requested))
            .map(|r| r.facts(requested))
            .collect();
        if members.is_empty() {
            Resolved::Unknown
        } else {
            Resolved::Category(members)
        }
    }

    /// The type of a manifest object: its `apiVersion`'s group and its kind (the version does
    /// not change where objects live, and discovery lists only each group's preferred one).
    pub(crate) fn kind(&self, api_version: &str, kind: &str) -> Option<&ApiResource> {
        let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
        self.resources
            .iter()
            .find(|r| r.group == group && r.kind == kind)
    }
}

fn qualified_name(r: &ApiResource) -> String {
    format!("{}.{}.{}", r.name, r.version, r.group)
}

/// The name kubectl gets: `resource.version.group` (`pods.v1.` for the core group), which
/// kubectl maps to exactly that type; the requested name when it did not resolve.
pub(crate) fn qualified(r: &ResourceFacts) -> String {
    if r.scope == Scope::Unresolved {
        r.requested.clone()
    } else {
        format!("{}.{}.{}", r.resource, r.version, r.group)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn r(
        group: &str,
        name: &str,
        kind: &str,
        namespaced: bool,
        short: &[&str],
        cats: &[&str],
    ) -> ApiResource {
        ApiResource {
            name: name.into(),
            singular_name: kind.to_lowercase(),
            namespaced,
            group: group.into(),
            version: "v1".into(),
            kind: kind.into(),
            short_names: short.iter().map(|s| s.to_string()).collect(),
            categories: cats.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// A small cluster: core types, apps, RBAC, CRDs, admission policies, and one custom
    /// resource whose short name collides with nothing.
    pub(crate) fn standard() -> ApiResources {
        ApiResources {
            resources: vec![
                r("", "pods", "Pod", true, &["po"], &["all"]),
                r("", "configmaps", "ConfigMap", true, &["cm"], &[]),
                r("", "secrets", "Secret", true, &[], &[]),
                r("", "services", "Service", true, &["svc"], &["all"]),
                r("", "namespaces", "Namespace", false, &["ns"], &[]),
                r("", "nodes", "Node", false, &["no"], &[]),
                r(
                    "",
                    "persistentvolumes",
                    "PersistentVolume",
                    false,
                    &["pv"],
                    &[],
                ),
                r("", "events", "Event", true, &["ev"], &[]),
                r("events.k8s.io", "events", "Event", true, &["ev"], &[]),
                r(
                    "apps",
                    "deployments",
                    "Deployment",
                    true,
                    &["deploy"],
                    &["all"],
                ),
                r(
                    "rbac.authorization.k8s.io",
                    "clusterrolebindings",
                    "ClusterRoleBinding",
                    false,
                    &[],
                    &[],
                ),
                r(
                    "apiextensions.k8s.io",
                    "customresourcedefinitions",
                    "CustomResourceDefinition",
                    false,
                    &["crd", "crds"],
                    &[],
                ),
                r(
                    "admissionregistration.k8s.io",
                    "validatingadmissionpolicies",
                    "ValidatingAdmissionPolicy",
                    false,
                    &[],
                    &[],
                ),
                r(
                    "cert-manager.io",
                    "certificates",
                    "Certificate",
                    true,
                    &["cert"],
                    &[],
                ),
                r(
                    "networking.example.com",
                    "certificates",
                    "Certificate",
                    true,
                    &[],
                    &[],
                ),
            ],
        }
    }

    fn one(name: &str) -> ResourceFacts {
        match standard().resolve(name) {
            Resolved::One(f) => f,
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn aliases_short_names_and_kinds_resolve_to_their_type() {
        for name in [
            "deployments",
            "deployment",
            "deploy",
            "deployments.apps",
            "deployments.v1.apps",
        ] {
            let f = one(name);
            assert_eq!(
                (f.group.as_str(), f.kind.as_str()),
                ("apps", "Deployment"),
                "{name}"
            );
            assert_eq!(f.scope, Scope::Namespaced);
            assert_eq!(f.requested, name);
            assert_eq!(qualified(&f), "deployments.v1.apps");
        }
        let crd = one("crd");
        assert_eq!(crd.kind, "CustomResourceDefinition");
        assert_eq!(crd.scope, Scope::Cluster);
        assert_eq!(one("ns").kind, "Namespace");
        assert_eq!(one("pv").scope, Scope::Cluster);
        assert_eq!(qualified(&one("secret")), "secrets.v1.");
        assert_eq!(one("validatingadmissionpolicies").scope, Scope::Cluster);
        assert_eq!(one("certificates.cert-manager.io").group, "cert-manager.io");
        assert_eq!(one("cert").group, "cert-manager.io");
    }

    #[test]
    fn a_short_name_is_whatever_the_cluster_says_it_is() {
        // The cluster (or a poisoned cache) says `cfgs` is a short name of secrets: the type
        // decided on is Secret, not whatever the name suggests.
        let mut api = standard();
        api.resources[2].short_names.push("cfgs".into());
        match api.resolve("cfgs") {
            Resolved::One(f) => assert!(f.is("", "Secret"), "{f:?}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn exact_names_beat_short_names_and_core_wins_a_tie() {
        let mut api = standard();
        // A custom resource claiming `secrets` as a short name does not shadow Secrets.
        api.resources.push(r(
            "evil.example",
            "widgets",
            "Widget",
            true,
            &["secrets"],
            &[],
        ));
        match api.resolve("secrets") {
            Resolved::One(f) => assert!(f.is("", "Secret")),
            other => panic!("{other:?}"),
        }
        assert_eq!(one("events").group, "");
        assert_eq!(one("events.events.k8s.io").group, "events.k8s.io");
    }

    #[test]
    fn unknown_ambiguous_and_category_names() {
        let api = standard();
        assert_eq!(api.resolve("frobs"), Resolved::Unknown);
        assert_eq!(api.resolve("pods.example.com"), Resolved::Unknown);
        assert!(matches!(api.resolve("certificates"), Resolved::Ambiguous(c) if c.len() == 2));
        match api.resolve("all") {
            Resolved::Category(members) => {
                let kinds: Vec<&str> = members.iter().map(|m| m.kind.as_str()).collect();
                assert_eq!(kinds, ["Pod", "Service", "Deployment"]);
            }
            other => panic!("{other:?}"),
        }
        assert!(api.kind("apps/v1", "Deployment").is_some());
        assert!(api.kind("v1", "Deployment").is_none());
        assert!(!api.kind("v1", "Namespace").unwrap().namespaced);
        assert_eq!(qualified(&ResourceFacts::unresolved("frobs")), "frobs");
    }

    #[test]
    fn parses_what_kubectl_prints() {
        let json = r#"{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"","resources":[
            {"name":"pods","singularName":"pod","namespaced":true,"version":"v1","kind":"Pod","verbs":["get"],"shortNames":["po"],"categories":["all"]},
            {"name":"deployments","singularName":"deployment","namespaced":true,"group":"apps","version":"v1","kind":"Deployment","verbs":["get"]}]}"#;
        let api = ApiResources::parse(json).unwrap();
        assert_eq!(api.resources.len(), 2);
        assert_eq!(api.resources[0].group, "");
        assert_eq!(api.resources[1].group, "apps");
        assert!(ApiResources::parse("error: the server is down").is_err());
    }
}
