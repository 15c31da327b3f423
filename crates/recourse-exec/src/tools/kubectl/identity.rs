//! The gateway's own kube identity, as `kubectl auth can-i --list` prints it. The agent inherits
//! whatever this identity can do (the policy decides *whether*, the identity bounds *what*), so
//! `doctor` fails a production gateway whose identity may do anything to anything.

use serde::Serialize;

/// One row of `kubectl auth can-i --list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessRule {
    /// `resource.group` patterns (`*.*`, `pods`, `deployments.apps`); empty for a non-resource
    /// rule.
    pub resources: String,
    /// Non-resource URLs (`[/healthz]`, `[*]`).
    pub non_resource_urls: String,
    /// Resource names the rule is limited to (`[]`: any).
    pub resource_names: String,
    /// Verbs (`*`, `get`, …).
    pub verbs: Vec<String>,
}

/// What the gateway's kube identity may do, in one namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KubeIdentity {
    /// Every rule listed.
    pub rules: Vec<AccessRule>,
}

const COLUMNS: [&str; 4] = ["Resources", "Non-Resource URLs", "Resource Names", "Verbs"];

impl KubeIdentity {
    /// Parses the table `kubectl auth can-i --list` prints (columns found by their headings).
    pub fn parse(table: &str) -> Result<KubeIdentity, String> {
        let mut lines = table.lines().filter(|l| !l.trim().is_empty());
        let header = lines
            .next()
            .ok_or_else(|| "kubectl auth can-i --list printed nothing".to_owned())?;
        let starts: Vec<usize> = COLUMNS
            .iter()
            .map(|c| header.find(c))
            .collect::<Option<_>>()
            .ok_or_else(|| format!("unexpected heading `{}`", header.trim()))?;
        let cell = |line: &str, i: usize| -> String {
            let from = starts[i].min(line.len());
            let to = starts.get(i + 1).map_or(line.len(), |&e| e.min(line.len()));
            line.get(from..to).unwrap_or("").trim().to_owned()
        };
        let rules = lines
            .map(|line| AccessRule {
                resources: cell(line, 0),
                non_resource_urls: cell(line, 1),
                resource_names: cell(line, 2),
                verbs: cell(line, 3)
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect(),
            })
            .collect();
        Ok(KubeIdentity { rules })
    }

    /// Whether some rule allows every verb on every resource of every group (cluster-admin).
    pub fn is_unrestricted(&self) -> bool {
        self.rules.iter().any(|r| {
            matches!(r.resources.as_str(), "*.*" | "*")
                && matches!(r.resource_names.as_str(), "" | "[]")
                && r.verbs.iter().any(|v| v == "*")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_admin_is_recognised() {
        let admin = "Resources   Non-Resource URLs   Resource Names   Verbs\n*.*         []                  []               [*]\n            [*]                 []               [*]\npods        []                  []               [get list]\n";
        let id = KubeIdentity::parse(admin).unwrap();
        assert_eq!(id.rules.len(), 3);
        assert_eq!(id.rules[2].verbs, ["get", "list"]);
        assert_eq!(id.rules[1].non_resource_urls, "[*]");
        assert!(id.is_unrestricted());
    }

    #[test]
    fn a_scoped_identity_is_not_unrestricted() {
        let scoped = "Resources                                       Non-Resource URLs   Resource Names   Verbs\npods                                            []                  []               [get list watch]\ndeployments.apps                                []                  []               [get list patch]\n*.*                                             []                  [only-this]      [*]\n                                                [*]                 []               [*]\nselfsubjectreviews.authentication.k8s.io        []                  []               [create]\n";
        let id = KubeIdentity::parse(scoped).unwrap();
        assert!(!id.is_unrestricted(), "{id:?}");
        assert!(KubeIdentity::parse("").is_err());
        assert!(KubeIdentity::parse("error: Unauthorized\n").is_err());
    }
}
