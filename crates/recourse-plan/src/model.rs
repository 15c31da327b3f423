//! The `terraform show -json` plan format, versions 0.1 through 1.2 (Terraform 0.12 to 1.15).
//! Only what analysis needs is typed; unknown fields are ignored so newer minor versions parse.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// Why a plan document could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanParseError {
    /// Not JSON, or not the plan shape.
    #[error("not a Terraform plan JSON document: {0}")]
    Malformed(String),
    /// A format version this analyzer does not read.
    #[error("unsupported plan format_version `{0}`: this analyzer reads 0.x and 1.x")]
    UnsupportedVersion(String),
    /// Terraform itself reported the plan as errored.
    #[error("Terraform reported errors while planning; an errored plan cannot be applied")]
    Errored,
}

/// A planned action on one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Nothing changes.
    NoOp,
    /// Create.
    Create,
    /// Read (data source).
    Read,
    /// Update in place.
    Update,
    /// Delete.
    Delete,
    /// Remove from state without destroying (Terraform 1.7+ `removed` blocks).
    Forget,
    /// An action this analyzer does not know (newer Terraform).
    #[serde(other)]
    Other,
}

/// `managed` or `data`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// A managed resource.
    Managed,
    /// A data source.
    Data,
}

/// The change of one object.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Change {
    /// The actions, e.g. `["delete", "create"]`.
    pub actions: Vec<Action>,
    /// Values before (null for create).
    #[serde(default)]
    pub before: Value,
    /// Values after (null for delete).
    #[serde(default)]
    pub after: Value,
    /// Which `after` values are unknown until apply.
    #[serde(default)]
    pub after_unknown: Value,
    /// Sensitive markers before.
    #[serde(default)]
    pub before_sensitive: Value,
    /// Sensitive markers after.
    #[serde(default)]
    pub after_sensitive: Value,
    /// Attribute paths that force replacement.
    #[serde(default)]
    pub replace_paths: Option<Vec<Value>>,
    /// Present when the change imports an existing object.
    #[serde(default)]
    pub importing: Option<Value>,
}

/// One entry of `resource_changes`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ResourceChange {
    /// Full address, e.g. `module.db.aws_db_instance.main[0]`.
    pub address: String,
    /// The module part of the address, if any.
    #[serde(default)]
    pub module_address: Option<String>,
    /// Managed resource or data source.
    pub mode: Mode,
    /// Resource type, e.g. `aws_db_instance`.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// Resource name.
    pub name: String,
    /// Provider, e.g. `registry.terraform.io/hashicorp/aws`.
    #[serde(default)]
    pub provider_name: String,
    /// Set for deposed objects (create-before-destroy leftovers).
    #[serde(default)]
    pub deposed: Option<String>,
    /// The change.
    pub change: Change,
    /// Why Terraform chose the action, e.g. `replace_because_cannot_update`.
    #[serde(default)]
    pub action_reason: Option<String>,
}

/// A plan as `terraform show -json` prints it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Plan {
    /// `0.1` … `1.2`.
    pub format_version: String,
    /// Terraform version that made the plan.
    #[serde(default)]
    pub terraform_version: Option<String>,
    /// Every resource change.
    #[serde(default)]
    pub resource_changes: Vec<ResourceChange>,
    /// Output changes by name.
    #[serde(default)]
    pub output_changes: BTreeMap<String, Change>,
    /// State before the plan.
    #[serde(default)]
    pub prior_state: Option<Value>,
    /// The configuration snapshot.
    #[serde(default)]
    pub configuration: Option<Value>,
    /// Terraform 1.7+: whether planning failed.
    #[serde(default)]
    pub errored: bool,
    /// Terraform 1.8+: `false` when some changes were deferred.
    #[serde(default)]
    pub complete: Option<bool>,
}

impl Plan {
    /// Parses plan JSON text. The caller reads the file.
    pub fn from_json(text: &str) -> Result<Plan, PlanParseError> {
        let plan: Plan =
            serde_json::from_str(text).map_err(|e| PlanParseError::Malformed(e.to_string()))?;
        let major = plan.format_version.split('.').next().unwrap_or("");
        if !matches!(major, "0" | "1") {
            return Err(PlanParseError::UnsupportedVersion(plan.format_version));
        }
        if plan.errored {
            return Err(PlanParseError::Errored);
        }
        Ok(plan)
    }
}
