//! Terraform facts and the per-environment Terraform policy: what a plan does to each object
//! (for the blast-radius caps), what screening found in the configuration (for the
//! `terraform.config.<rule>` keys), and the decisions and limits an environment sets for both.
//!
//! The configuration rules are one table, [`CONFIG_RULES`]: the policy key, the defaults per
//! environment and the sentence the documentation and schema show are all read from it.
//!
//! ```yaml
//! recourseos:
//!   environments:
//!     prod:
//!       terraform:
//!         config: { provisioner: block, backend: escalate }   # rule -> decision
//!         max_destroy: 10          # more deletes+replacements than this: block (break-glass)
//!         max_replace: 5           # more replacements than this: block
//!         protected_types: [aws_db_instance]   # deleting/replacing one: block
//!         empty_state_creates: 10  # this many creates against an empty state: escalate
//!         import: escalate
//!         forget: escalate
//! ```
//!
//! Defaults (dev / staging / prod):
//!
//! | key | dev | staging | prod |
//! |---|---|---|---|
//! | `config.credential_read` | block | block | block |
//! | `config.proc_read` (`/proc`, `/sys`, `/dev`) | block | block | block |
//! | `config.outside_read` (absolute paths, `..` escapes) | warn | escalate | escalate |
//! | `config.dynamic_read` (`file(var.x)`: a variable can name any file) | escalate | escalate | escalate |
//! | `config.external_data` | warn | escalate | escalate |
//! | `config.provisioner` | warn | escalate | escalate |
//! | `config.provider_exec` | warn | escalate | escalate |
//! | `config.http_data` | warn | escalate | escalate |
//! | `config.module_source` (unscreened code) | escalate | escalate | escalate |
//! | `config.provider` (not the operator's; init could not load it anyway) | block | block | block |
//! | `config.backend` | warn | warn | escalate |
//! | `config.unparseable` | escalate | escalate | escalate |
//! | `max_destroy`, `max_replace` | no cap | no cap | no cap |
//! | `protected_types` | none | none | none |
//! | `empty_state_creates` | 10 | 10 | 10 |
//! | `import`, `forget` | warn | escalate | escalate |
//!
//! Caps and protected types are off by default so that a configuration without findings plans
//! exactly as before; the environment's `default_mutation` and the tiers still apply.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Decision, Environment};

/// What a planned change does to its object, as far as the blast-radius rules care.
///
/// A change that imports an object and also updates it is [`ChangeAction::Import`]: the import
/// is the part a human must see, and the update's consequence is in the change's tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeAction {
    /// A new object.
    Create,
    /// Changed in place.
    Update,
    /// Destroyed.
    Delete,
    /// Destroyed and created again (either order).
    Replace,
    /// An existing object brought under Terraform's management (`import` blocks).
    Import,
    /// Removed from state only; the object lives on unmanaged (`removed` blocks).
    Forget,
    /// Only its address in state changes (`moved` blocks).
    Move,
    /// Terraform deferred the change to a later plan: what it does is not known yet.
    Deferred,
    /// An action list Terraform did not document when this was written.
    Other,
}

impl ChangeAction {
    /// Whether the existing object is destroyed.
    pub const fn destroys(self) -> bool {
        matches!(self, ChangeAction::Delete | ChangeAction::Replace)
    }

    /// The kebab-case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ChangeAction::Create => "create",
            ChangeAction::Update => "update",
            ChangeAction::Delete => "delete",
            ChangeAction::Replace => "replace",
            ChangeAction::Import => "import",
            ChangeAction::Forget => "forget",
            ChangeAction::Move => "move",
            ChangeAction::Deferred => "deferred",
            ChangeAction::Other => "other",
        }
    }
}

impl fmt::Display for ChangeAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A kind of configuration finding: each is one policy key `terraform.config.<key>`.
///
/// Terraform runs code while planning (external programs, file reads, HTTP fetches, providers,
/// modules) and while applying (provisioners), so what a configuration *can do* is decided
/// before `terraform init` ever runs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfigRule {
    /// A file function reads a credential path (`~`, `.aws`, `.ssh`, `.kube`, `/etc/shadow`…).
    CredentialRead,
    /// A file function reads process, kernel or device files (`/proc`, `/sys`, `/dev`).
    ProcRead,
    /// A file function reads outside the module tree (an absolute path or a `..` escape).
    OutsideRead,
    /// A file function reads a path only known while planning (`file(var.path)`).
    DynamicRead,
    /// `data "external"`: runs a program while planning.
    ExternalData,
    /// A `local-exec`, `remote-exec` or `file` provisioner: runs at apply.
    Provisioner,
    /// A provider configuration that runs a command (`exec { command = … }`).
    ProviderExec,
    /// `data "http"`: fetches a URL while planning (and can send values out in it).
    HttpData,
    /// A module source that is neither a local path inside the root nor an allowed registry.
    ModuleSource,
    /// A provider the operator does not supply (not in the plugin dirs, not an allowed registry).
    Provider,
    /// A `backend` or `cloud` block: where state (with its secrets) is read from and written to.
    Backend,
    /// A file that does not parse: nothing in it could be screened.
    Unparseable,
}

use Decision::{Block, Escalate, Warn};

/// One row of the configuration rule table.
#[derive(Debug, Clone, Copy)]
pub struct ConfigRuleSpec {
    /// The rule.
    pub rule: ConfigRule,
    /// The key under `terraform.config`.
    pub key: &'static str,
    /// Defaults for dev, staging, prod.
    pub defaults: [Decision; 3],
    /// What the rule catches and why it matters (documentation and schema).
    pub about: &'static str,
}

/// Every configuration rule, its policy key, its defaults (dev, staging, prod) and why.
pub const CONFIG_RULES: &[ConfigRuleSpec] = &[
    ConfigRuleSpec {
        rule: ConfigRule::CredentialRead,
        key: "credential_read",
        defaults: [Block, Block, Block],
        about: "a file function reads a credential path: terraform would hand the secret to the configuration (and its error messages)",
    },
    ConfigRuleSpec {
        rule: ConfigRule::ProcRead,
        key: "proc_read",
        defaults: [Block, Block, Block],
        about: "a file function reads /proc, /sys or /dev: process environments hold the runner's credentials",
    },
    ConfigRuleSpec {
        rule: ConfigRule::OutsideRead,
        key: "outside_read",
        defaults: [Warn, Escalate, Escalate],
        about: "a file function reads outside the module tree (absolute path or `..` escape)",
    },
    ConfigRuleSpec {
        rule: ConfigRule::DynamicRead,
        key: "dynamic_read",
        defaults: [Escalate, Escalate, Escalate],
        about: "a file function reads a path computed while planning (a variable can name any file, credentials included)",
    },
    ConfigRuleSpec {
        rule: ConfigRule::ExternalData,
        key: "external_data",
        defaults: [Warn, Escalate, Escalate],
        about: "data \"external\" runs a program while planning, with terraform's credentials",
    },
    ConfigRuleSpec {
        rule: ConfigRule::Provisioner,
        key: "provisioner",
        defaults: [Warn, Escalate, Escalate],
        about: "a provisioner runs a command or copies files when the plan is applied",
    },
    ConfigRuleSpec {
        rule: ConfigRule::ProviderExec,
        key: "provider_exec",
        defaults: [Warn, Escalate, Escalate],
        about: "a provider configuration runs a command while planning (exec credential plugins)",
    },
    ConfigRuleSpec {
        rule: ConfigRule::HttpData,
        key: "http_data",
        defaults: [Warn, Escalate, Escalate],
        about: "data \"http\" fetches a URL while planning; the URL can carry any value out",
    },
    ConfigRuleSpec {
        rule: ConfigRule::ModuleSource,
        key: "module_source",
        defaults: [Escalate, Escalate, Escalate],
        about: "a module comes from outside the root and the allowed registries: its code was never screened",
    },
    ConfigRuleSpec {
        rule: ConfigRule::Provider,
        key: "provider",
        defaults: [Block, Block, Block],
        about: "a provider the operator does not supply: terraform may only load the operator's providers",
    },
    ConfigRuleSpec {
        rule: ConfigRule::Backend,
        key: "backend",
        defaults: [Warn, Warn, Escalate],
        about: "a backend or cloud block decides where state, with its secrets, is read and written",
    },
    ConfigRuleSpec {
        rule: ConfigRule::Unparseable,
        key: "unparseable",
        defaults: [Escalate, Escalate, Escalate],
        about: "a configuration file does not parse, so nothing in it was screened",
    },
];

impl ConfigRule {
    /// Every rule, in table order.
    pub const ALL: [ConfigRule; 12] = [
        ConfigRule::CredentialRead,
        ConfigRule::ProcRead,
        ConfigRule::OutsideRead,
        ConfigRule::DynamicRead,
        ConfigRule::ExternalData,
        ConfigRule::Provisioner,
        ConfigRule::ProviderExec,
        ConfigRule::HttpData,
        ConfigRule::ModuleSource,
        ConfigRule::Provider,
        ConfigRule::Backend,
        ConfigRule::Unparseable,
    ];

    /// This rule's row of [`CONFIG_RULES`].
    pub fn spec(self) -> &'static ConfigRuleSpec {
        // `ALL` and `CONFIG_RULES` list the rules in the same order (a test pins it).
        &CONFIG_RULES[self as usize]
    }

    /// The policy key, e.g. `credential_read`.
    pub fn key(self) -> &'static str {
        self.spec().key
    }

    /// The rule whose key is `key`.
    pub fn from_key(key: &str) -> Option<ConfigRule> {
        CONFIG_RULES.iter().find(|s| s.key == key).map(|s| s.rule)
    }
}

impl fmt::Display for ConfigRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// One thing config screening found, with where it is and the text that shows it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ConfigFinding {
    /// Which rule.
    pub rule: ConfigRule,
    /// The file, relative to the root module (`modules/db/main.tf`).
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// The source text that matters, in full (a provisioner's command, a function call, a
    /// module source): the approver decides on it.
    pub text: String,
    /// What it does, for the approver.
    pub message: String,
}

impl ConfigFinding {
    /// `file:line`.
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// Decisions for each configuration rule in one environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigDecisions([Decision; ConfigRule::ALL.len()]);

impl ConfigDecisions {
    /// The built-in defaults for `env`.
    pub const fn defaults(env: Environment) -> ConfigDecisions {
        let e = env as usize;
        let mut out = [Decision::Escalate; ConfigRule::ALL.len()];
        let mut i = 0;
        while i < out.len() && i < CONFIG_RULES.len() {
            out[i] = CONFIG_RULES[i].defaults[e];
            i += 1;
        }
        ConfigDecisions(out)
    }

    /// The decision for a rule.
    pub fn get(&self, rule: ConfigRule) -> Decision {
        self.0[rule as usize]
    }

    /// Sets the decision for a rule.
    pub fn set(&mut self, rule: ConfigRule, decision: Decision) {
        self.0[rule as usize] = decision;
    }
}

impl Serialize for ConfigDecisions {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for rule in ConfigRule::ALL {
            m.serialize_entry(rule.key(), &self.get(rule))?;
        }
        m.end()
    }
}

/// Terraform limits and decisions for one environment (`environments.<env>.terraform`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TerraformPolicy {
    /// Decisions for configuration findings.
    pub config: ConfigDecisions,
    /// A plan destroying (deleting or replacing) more objects than this blocks. `None`: no cap.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_destroy: Option<u64>,
    /// A plan replacing more objects than this blocks. `None`: no cap.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_replace: Option<u64>,
    /// Resource types a plan may not destroy or replace (exact type names) without break-glass.
    pub protected_types: Vec<String>,
    /// A plan that creates at least this many objects while the prior state holds none
    /// escalates: the state may be missing (wrong workspace, lost backend), and applying would
    /// duplicate everything.
    pub empty_state_creates: u64,
    /// Importing existing objects into state.
    pub import: Decision,
    /// Forgetting objects (removing them from state, leaving them unmanaged).
    pub forget: Decision,
}

/// Default for [`TerraformPolicy::empty_state_creates`].
pub const DEFAULT_EMPTY_STATE_CREATES: u64 = 10;

impl TerraformPolicy {
    /// The built-in defaults for `env`.
    pub const fn defaults(env: Environment) -> TerraformPolicy {
        let (import, forget) = match env {
            Environment::Dev => (Warn, Warn),
            Environment::Staging | Environment::Prod => (Escalate, Escalate),
        };
        TerraformPolicy {
            config: ConfigDecisions::defaults(env),
            max_destroy: None,
            max_replace: None,
            protected_types: Vec::new(),
            empty_state_creates: DEFAULT_EMPTY_STATE_CREATES,
            import,
            forget,
        }
    }

    /// Whether `ty` may not be destroyed or replaced.
    pub fn is_protected_type(&self, ty: &str) -> bool {
        self.protected_types.iter().any(|t| t == ty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_order_matches_all() {
        assert_eq!(CONFIG_RULES.len(), ConfigRule::ALL.len());
        for (i, rule) in ConfigRule::ALL.into_iter().enumerate() {
            assert_eq!(rule as usize, i);
            assert_eq!(CONFIG_RULES[i].rule, rule);
            assert_eq!(ConfigRule::from_key(rule.key()), Some(rule));
            // The serde name is the policy key.
            assert_eq!(
                serde_json::to_value(rule).unwrap_or_default(),
                serde_json::Value::String(rule.key().to_owned())
            );
        }
    }

    #[test]
    fn credential_and_proc_reads_block_everywhere() {
        for env in Environment::ALL {
            let d = ConfigDecisions::defaults(env);
            assert_eq!(d.get(ConfigRule::CredentialRead), Block);
            assert_eq!(d.get(ConfigRule::ProcRead), Block);
        }
        for rule in [
            ConfigRule::ExternalData,
            ConfigRule::Provisioner,
            ConfigRule::OutsideRead,
        ] {
            for env in [Environment::Staging, Environment::Prod] {
                assert!(
                    ConfigDecisions::defaults(env).get(rule) >= Escalate,
                    "{rule}"
                );
            }
        }
    }
}
