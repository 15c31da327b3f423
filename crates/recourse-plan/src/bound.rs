//! What a plan is bound to besides its plan file: everything `terraform apply` also loads and
//! runs. The configuration files of the root and local modules, the dependency lock file and
//! the provider binaries can all change between approval and apply; the apply check compares
//! them file by file and names what changed.

use std::collections::BTreeMap;

use recourse_policy::Digest;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A provider binary terraform installed for the plan.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ProviderBinary {
    /// `registry.terraform.io/hashicorp/aws`.
    pub source: String,
    /// `3.39.0`.
    pub version: String,
    /// sha256 of the executable.
    pub sha256: Digest,
}

/// The files and providers a plan was made from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigBinding {
    /// Every configuration file (root and local modules, relative to the root) and the lock
    /// file, with its sha256.
    pub files: BTreeMap<String, Digest>,
    /// Every provider binary, sorted.
    pub providers: Vec<ProviderBinary>,
}

impl ConfigBinding {
    /// One digest over everything bound.
    pub fn digest(&self) -> Digest {
        Digest::of_canonical_json(&json!({"files": self.files, "providers": self.providers}))
    }

    /// What differs from `planned`, one sentence per difference (empty: nothing changed).
    ///
    /// ```
    /// use recourse_plan::ConfigBinding;
    /// use recourse_policy::Digest;
    ///
    /// let mut planned = ConfigBinding::default();
    /// planned.files.insert("main.tf".into(), Digest::of(b"a"));
    /// let mut now = planned.clone();
    /// now.files.insert("main.tf".into(), Digest::of(b"b"));
    /// now.files.insert("extra.tf".into(), Digest::of(b"c"));
    /// assert_eq!(now.changes_since(&planned), ["extra.tf was added", "main.tf changed"]);
    /// ```
    pub fn changes_since(&self, planned: &ConfigBinding) -> Vec<String> {
        let mut out = Vec::new();
        for (path, digest) in &self.files {
            match planned.files.get(path) {
                None => out.push(format!("{path} was added")),
                Some(d) if d != digest => out.push(format!("{path} changed")),
                Some(_) => {}
            }
        }
        for path in planned.files.keys() {
            if !self.files.contains_key(path) {
                out.push(format!("{path} was removed"));
            }
        }
        out.sort();
        for p in &self.providers {
            if !planned.providers.contains(p) {
                out.push(format!(
                    "provider {} {} is not the binary planned with (sha256 {})",
                    p.source, p.version, p.sha256
                ));
            }
        }
        for p in &planned.providers {
            if !self
                .providers
                .iter()
                .any(|q| q.source == p.source && q.version == p.version)
            {
                out.push(format!("provider {} {} is gone", p.source, p.version));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(v: &str, bytes: &[u8]) -> ProviderBinary {
        ProviderBinary {
            source: "registry.terraform.io/hashicorp/aws".into(),
            version: v.into(),
            sha256: Digest::of(bytes),
        }
    }

    #[test]
    fn every_kind_of_change_is_named() {
        let mut planned = ConfigBinding::default();
        planned.files.insert("main.tf".into(), Digest::of(b"1"));
        planned
            .files
            .insert(".terraform.lock.hcl".into(), Digest::of(b"lock"));
        planned.providers.push(provider("3.39.0", b"bin"));
        assert!(planned.changes_since(&planned).is_empty());
        let mut now = planned.clone();
        now.files.remove(".terraform.lock.hcl");
        now.providers = vec![provider("3.39.0", b"other bin")];
        let changes = now.changes_since(&planned);
        assert!(
            changes.contains(&".terraform.lock.hcl was removed".to_owned()),
            "{changes:?}"
        );
        assert!(
            changes
                .iter()
                .any(|c| c.contains("not the binary planned with")),
            "{changes:?}"
        );
        assert_ne!(now.digest(), planned.digest());
        now.providers.clear();
        assert!(
            now.changes_since(&planned)
                .iter()
                .any(|c| c.contains("is gone"))
        );
    }
}
