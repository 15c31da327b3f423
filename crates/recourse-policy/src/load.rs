//! Strict loading of policy files.
//!
//! A file is YAML with one top-level key, `recourseos:`. Every key it sets replaces the built-in
//! default for that key; keys it does not set keep their defaults. Lists are replaced as a
//! whole, never concatenated: a file that sets `protected_namespaces: [prod-db]` protects only
//! `prod-db`. (`recourse policy show` prints the effective lists to copy from.)
//!
//! Everything else is an error that names the key path and the line: unknown keys, wrong types,
//! unknown decisions, unknown environments, zero TTLs or limits, duplicate keys, invalid
//! namespace names, empty strings in lists.

use std::num::NonZeroU64;

use serde::{Deserialize, Deserializer};

use crate::model::{EnvironmentPolicy, NamespaceName, NetworkAccess, Policy};
use crate::{
    ApprovalRules, ConfigRule, Decision, Environment, Principals, Selector, SelfApproval,
    TerraformPolicy,
};

/// Why a policy file could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The file has no content.
    #[error("policy file is empty: expected a top-level `recourseos:` key")]
    Empty,
    /// The YAML is malformed or does not match the policy format. The message names the key
    /// path (e.g. `recourseos.environments.prod.shell`) and the position.
    #[error("invalid policy: {message}")]
    Invalid {
        /// Key path, problem and position, as one sentence.
        message: String,
        /// 1-based line of the problem, when known.
        line: Option<usize>,
        /// 1-based column of the problem, when known.
        column: Option<usize>,
    },
}

impl LoadError {
    /// The 1-based line the error points at, when known.
    pub fn line(&self) -> Option<usize> {
        match self {
            LoadError::Empty => None,
            LoadError::Invalid { line, .. } => *line,
        }
    }
}

impl From<serde_yaml_ng::Error> for LoadError {
    fn from(e: serde_yaml_ng::Error) -> Self {
        let loc = e.location();
        LoadError::Invalid {
            message: e.to_string(),
            line: loc.as_ref().map(|l| l.line()),
            column: loc.as_ref().map(|l| l.column()),
        }
    }
}

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with the top-level key `recourseos`"
)]
struct PolicyFile {
    recourseos: Option<Overlay>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, expecting = "a mapping of policy keys")]
struct Overlay {
    // Checked while deserializing; there is only one version, so nothing else reads it.
    #[allow(dead_code)]
    version: Option<Version>,
    environments: Option<EnvironmentsOverlay>,
    protected_namespaces: Option<Vec<NamespaceName>>,
    protected_workspaces: Option<Vec<NonEmpty>>,
    shell: Option<ShellOverlay>,
    plan_ttl_seconds: Option<NonZeroU64>,
    approval_ttl_seconds: Option<NonZeroU64>,
    approval_use_ttl_seconds: Option<NonZeroU64>,
}

#[derive(Deserialize, Default)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping of environment names (dev, staging, prod)"
)]
struct EnvironmentsOverlay {
    #[serde(alias = "development")]
    dev: Option<EnvironmentOverlay>,
    #[serde(alias = "stage")]
    staging: Option<EnvironmentOverlay>,
    #[serde(alias = "production")]
    prod: Option<EnvironmentOverlay>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, expecting = "a mapping of decision keys")]
struct EnvironmentOverlay {
    default_mutation: Option<Decision>,
    terraform_destroy: Option<Decision>,
    kubectl_exec: Option<Decision>,
    kubectl_delete: Option<Decision>,
    shell: Option<Decision>,
    terraform: Option<TerraformOverlay>,
    approvals: Option<ApprovalsOverlay>,
    principals: Option<Principals>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, expecting = "a mapping of approval rule keys")]
struct ApprovalsOverlay {
    required: Option<std::num::NonZeroU32>,
    distinct: Option<bool>,
    self_approval: Option<SelfApproval>,
    approvers: Option<Vec<Selector>>,
    break_glass: Option<Vec<Selector>>,
}

impl ApprovalsOverlay {
    fn apply(self, to: &mut ApprovalRules) {
        let ApprovalsOverlay {
            required,
            distinct,
            self_approval,
            approvers,
            break_glass,
        } = self;
        set(&mut to.required, required);
        set(&mut to.distinct, distinct);
        set(&mut to.self_approval, self_approval);
        set(&mut to.approvers, approvers);
        set(&mut to.break_glass, break_glass);
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, expecting = "a mapping of terraform policy keys")]
struct TerraformOverlay {
    config: Option<ConfigOverlay>,
    max_destroy: Option<u64>,
    max_replace: Option<u64>,
    protected_types: Option<Vec<NonEmpty>>,
    empty_state_creates: Option<NonZeroU64>,
    import: Option<Decision>,
    forget: Option<Decision>,
}

/// `terraform.config`: rule key → decision. A map visitor rather than a struct so that the keys
/// come from the one rule table; duplicates are errors like everywhere else.
#[derive(Default)]
struct ConfigOverlay(Vec<(ConfigRule, Decision)>);

impl<'de> Deserialize<'de> for ConfigOverlay {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = ConfigOverlay;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a mapping of configuration rule keys to decisions")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<ConfigOverlay, A::Error> {
                let mut out: Vec<(ConfigRule, Decision)> = Vec::new();
                while let Some(rule) = map.next_key::<ConfigRule>()? {
                    if out.iter().any(|(r, _)| *r == rule) {
                        return Err(serde::de::Error::custom(format_args!(
                            "duplicate field `{rule}`"
                        )));
                    }
                    out.push((rule, map.next_value()?));
                }
                Ok(ConfigOverlay(out))
            }
        }
        d.deserialize_map(V)
    }
}

impl TerraformOverlay {
    fn apply(self, to: &mut TerraformPolicy) {
        let TerraformOverlay {
            config,
            max_destroy,
            max_replace,
            protected_types,
            empty_state_creates,
            import,
            forget,
        } = self;
        for (rule, decision) in config.unwrap_or_default().0 {
            to.config.set(rule, decision);
        }
        set(&mut to.max_destroy, max_destroy.map(Some));
        set(&mut to.max_replace, max_replace.map(Some));
        set(&mut to.protected_types, protected_types.map(unwrap_all));
        set(
            &mut to.empty_state_creates,
            empty_state_creates.map(NonZeroU64::get),
        );
        set(&mut to.import, import);
        set(&mut to.forget, forget);
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, expecting = "a mapping of shell policy keys")]
struct ShellOverlay {
    default: Option<Decision>,
    allow_readonly: Option<Vec<NonEmpty>>,
    always_escalate: Option<Vec<NonEmpty>>,
    always_block: Option<Vec<NonEmpty>>,
    max_timeout_seconds: Option<NonZeroU64>,
    max_output_bytes: Option<NonZeroU64>,
    redact_secrets: Option<bool>,
    allowed_paths: Option<Vec<NonEmpty>>,
    network: Option<NetworkAccess>,
}

/// A string that is not empty or only whitespace.
struct NonEmpty(String);

impl<'de> Deserialize<'de> for NonEmpty {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.trim().is_empty() {
            Err(serde::de::Error::custom("empty string is not allowed here"))
        } else {
            Ok(NonEmpty(s))
        }
    }
}

fn unwrap_all(v: Vec<NonEmpty>) -> Vec<String> {
    v.into_iter().map(|s| s.0).collect()
}

/// The file format version: `'2.0'` (a quoted string), or `2.0` / `2` written as a number.
struct Version;

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A visitor rather than an untagged enum, so that errors keep their key path.
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Version;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("policy version '2.0'")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Version, E> {
                match s {
                    "2.0" | "2" => Ok(Version),
                    other => Err(E::custom(format_args!(
                        "unsupported policy version `{other}`: this gateway reads version '2.0'"
                    ))),
                }
            }
            fn visit_f64<E: serde::de::Error>(self, f: f64) -> Result<Version, E> {
                if f == 2.0 {
                    Ok(Version)
                } else {
                    Err(E::custom(format_args!(
                        "unsupported policy version `{f}`: this gateway reads version '2.0'"
                    )))
                }
            }
            fn visit_u64<E: serde::de::Error>(self, u: u64) -> Result<Version, E> {
                self.visit_f64(u as f64)
            }
            fn visit_i64<E: serde::de::Error>(self, i: i64) -> Result<Version, E> {
                self.visit_f64(i as f64)
            }
        }
        d.deserialize_any(V)
    }
}

impl EnvironmentOverlay {
    fn apply(self, to: &mut EnvironmentPolicy) {
        let EnvironmentOverlay {
            default_mutation,
            terraform_destroy,
            kubectl_exec,
            kubectl_delete,
            shell,
            terraform,
            approvals,
            principals,
        } = self;
        if let Some(t) = terraform {
            t.apply(&mut to.terraform);
        }
        if let Some(a) = approvals {
            a.apply(&mut to.approvals);
        }
        if principals.is_some() {
            to.principals = principals;
        }
        set(&mut to.default_mutation, default_mutation);
        set(&mut to.terraform_destroy, terraform_destroy);
        set(&mut to.kubectl_exec, kubectl_exec);
        set(&mut to.kubectl_delete, kubectl_delete);
        set(&mut to.shell, shell);
    }
}

fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *slot = v;
    }
}

impl Overlay {
    fn apply(self, to: &mut Policy) {
        // Destructure so that adding a field to the file format without merging it is a
        // compile error.
        let Overlay {
            version: _,
            environments,
            protected_namespaces,
            protected_workspaces,
            shell,
            plan_ttl_seconds,
            approval_ttl_seconds,
            approval_use_ttl_seconds,
        } = self;
        if let Some(envs) = environments {
            for (env, overlay) in [
                (Environment::Dev, envs.dev),
                (Environment::Staging, envs.staging),
                (Environment::Prod, envs.prod),
            ] {
                if let Some(o) = overlay {
                    o.apply(to.environments.get_mut(env));
                }
            }
        }
        set(&mut to.protected_namespaces, protected_namespaces);
        set(
            &mut to.protected_workspaces,
            protected_workspaces.map(unwrap_all),
        );
        if let Some(s) = shell {
            let ShellOverlay {
                default,
                allow_readonly,
                always_escalate,
                always_block,
                max_timeout_seconds,
                max_output_bytes,
                redact_secrets,
                allowed_paths,
                network,
            } = s;
            let sh = &mut to.shell;
            set(&mut sh.default, default);
            set(&mut sh.allow_readonly, allow_readonly.map(unwrap_all));
            set(&mut sh.always_escalate, always_escalate.map(unwrap_all));
            set(&mut sh.always_block, always_block.map(unwrap_all));
            set(&mut sh.max_timeout_seconds, max_timeout_seconds);
            set(&mut sh.max_output_bytes, max_output_bytes);
            set(&mut sh.redact_secrets, redact_secrets);
            set(&mut sh.allowed_paths, allowed_paths.map(unwrap_all));
            set(&mut sh.network, network);
        }
        set(&mut to.plan_ttl_seconds, plan_ttl_seconds);
        set(&mut to.approval_ttl_seconds, approval_ttl_seconds);
        set(&mut to.approval_use_ttl_seconds, approval_use_ttl_seconds);
    }
}

impl Policy {
    /// Loads a policy file's text, merged over the built-in defaults.
    ///
    /// The caller reads the file; this function does no I/O.
    ///
    /// ```
    /// use recourse_policy::{Decision, Environment, Policy};
    ///
    /// let policy = Policy::from_yaml_str(
    ///     "recourseos:\n  environments:\n    production: { default_mutation: block }\n",
    /// )?;
    /// assert_eq!(policy.environment(Environment::Prod).default_mutation, Decision::Block);
    /// // Keys the file does not set keep their defaults.
    /// assert_eq!(policy.environment(Environment::Prod).kubectl_exec, Decision::Escalate);
    ///
    /// let err = Policy::from_yaml_str("recourseos:\n  environments:\n    qa: {}\n").unwrap_err();
    /// assert!(err.to_string().contains("recourseos.environments"));
    /// assert_eq!(err.line(), Some(3));
    /// # Ok::<(), recourse_policy::LoadError>(())
    /// ```
    pub fn from_yaml_str(text: &str) -> Result<Policy, LoadError> {
        if text
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        {
            return Err(LoadError::Empty);
        }
        let file: PolicyFile = serde_yaml_ng::from_str(text)?;
        let mut policy = Policy::default();
        let overlay = file.recourseos.ok_or_else(|| LoadError::Invalid {
            message: "the top-level `recourseos:` key is missing or empty".to_owned(),
            line: None,
            column: None,
        })?;
        overlay.apply(&mut policy);
        Ok(policy)
    }
}
