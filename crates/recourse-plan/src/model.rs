//! The `terraform show -json` plan format, versions 0.1 through 1.2 (Terraform 0.12 to 1.15),
//! and Terraform Cloud/Enterprise's redacted plan JSON (`plan_format_version`, no prior state or
//! configuration).
//!
//! Only what analysis needs is kept, and in the cheapest form that answers its questions:
//! attribute values stay as raw JSON text ([`Json`]) until the analysis of that one change
//! parses them; the prior state is reduced to a count of managed objects and the few objects
//! other changes are judged by; the configuration is reduced to the set of addresses that set
//! `prevent_destroy` and the provider settings that decide outcomes. Memory therefore stays
//! proportional to the attribute text, not to a whole-document `serde_json::Value` tree, and
//! nothing walks the configuration per change.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use serde_json::value::RawValue;

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// A managed resource. Also assumed when a document leaves the mode out: a managed object
    /// gets a tier, a data source none, so the assumption can only make analysis stricter.
    #[default]
    Managed,
    /// A data source.
    Data,
}

/// A JSON value kept as its text until something needs it.
///
/// Plans repeat every attribute of every object several times; parsing all of them into
/// `serde_json::Value` trees costs about fifteen times the input in memory. Analysis parses
/// one change's values at a time instead, and drops them before the next.
#[derive(Debug, Clone)]
pub struct Json(Box<RawValue>);

impl Json {
    /// The JSON text.
    pub fn text(&self) -> &str {
        self.0.get()
    }

    /// Parses the value. The text was valid JSON when the plan was read, so this only fails on
    /// values nested deeper than serde_json's recursion limit; such a value is `Null`, which
    /// every rule reads as "not known".
    pub fn parse(&self) -> Value {
        serde_json::from_str(self.0.get()).unwrap_or(Value::Null)
    }
}

impl PartialEq for Json {
    fn eq(&self, other: &Json) -> bool {
        self.text() == other.text()
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Box::<RawValue>::deserialize(d).map(Json)
    }
}

/// Parses an optional raw value; absent and `null` both give `Null`.
pub(crate) fn parse_or_null(j: Option<&Json>) -> Value {
    j.map_or(Value::Null, Json::parse)
}

/// What `importing` says about an import (Terraform 1.5+).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct Importing {
    /// The import id, when given as an id (1.12+ may give an identity instead).
    #[serde(default)]
    pub id: Option<String>,
    /// Whether the id is only known at apply.
    #[serde(default)]
    pub unknown: bool,
}

/// The change of one object.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Change {
    /// The actions, e.g. `["delete", "create"]`.
    pub actions: Vec<Action>,
    /// Values before (absent for create).
    #[serde(default)]
    pub before: Option<Json>,
    /// Values after (absent for delete).
    #[serde(default)]
    pub after: Option<Json>,
    /// Which `after` values are unknown until apply.
    #[serde(default)]
    pub after_unknown: Option<Json>,
    /// Sensitive markers before (a redacted plan leaves those values out).
    #[serde(default)]
    pub before_sensitive: Option<Json>,
    /// Sensitive markers after.
    #[serde(default)]
    pub after_sensitive: Option<Json>,
    /// Attribute paths that force replacement.
    #[serde(default)]
    pub replace_paths: Option<Vec<Value>>,
    /// Present when the change imports an existing object.
    #[serde(default)]
    pub importing: Option<Importing>,
}

/// One entry of `resource_changes`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ResourceChange {
    /// Full address, e.g. `module.db.aws_db_instance.main[0]`.
    pub address: String,
    /// The address in the prior state when a `moved` block changed it (Terraform 1.1+).
    #[serde(default)]
    pub previous_address: Option<String>,
    /// The module part of the address, if any.
    #[serde(default)]
    pub module_address: Option<String>,
    /// Managed resource or data source.
    #[serde(default)]
    pub mode: Mode,
    /// Resource type, e.g. `aws_db_instance`.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// Resource name.
    #[serde(default)]
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

/// A change Terraform deferred to a later plan (Terraform 1.8+ `deferred_changes`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DeferredChange {
    /// Why, e.g. `instance_count_unknown`.
    #[serde(default)]
    pub reason: String,
    /// The change as far as it is known.
    pub resource_change: ResourceChange,
}

/// An object of the prior state that other changes are judged by (a persistent volume whose
/// reclaim policy decides what deleting its claim does, say).
#[derive(Debug, Clone, PartialEq)]
pub struct StateObject {
    /// Address.
    pub address: String,
    /// Resource type.
    pub resource_type: String,
    /// Its values.
    pub values: Json,
}

/// The state the plan was made against, reduced to what analysis reads.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PriorState {
    /// Managed objects in it (data sources are re-read every plan and do not count). Zero means
    /// the plan was made against an empty or new state.
    pub managed_resources: u64,
    /// The objects of [`StateObject`] interest, in document order.
    pub objects: Vec<StateObject>,
}

/// Resource types whose prior-state values other changes are judged by.
pub(crate) const CROSS_REFERENCED: &[&str] = &[
    "kubernetes_persistent_volume",
    "kubernetes_persistent_volume_v1",
    "kubernetes_storage_class",
    "kubernetes_storage_class_v1",
];

/// The configuration, reduced to what analysis reads.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Configuration {
    /// Resource addresses (module path included, instance keys left out:
    /// `module.db.aws_db_instance.main`) whose configuration sets `prevent_destroy`. Not every
    /// Terraform version writes lifecycle settings into the JSON; absent means unknown.
    pub prevent_destroy: BTreeSet<String>,
    /// Provider settings that decide what a destroy does, by provider local name and setting
    /// path (`azurerm` → `features.resource_group.prevent_deletion_if_contains_resources`).
    pub provider_settings: BTreeMap<String, Value>,
}

impl Configuration {
    /// A boolean provider setting, e.g. (`azurerm`,
    /// `features.virtual_machine.delete_os_disk_on_deletion`), when the configuration sets it
    /// to a constant.
    pub fn provider_flag(&self, provider: &str, path: &[&str]) -> Option<bool> {
        let mut cur = self.provider_settings.get(provider)?;
        for key in path {
            if let Value::Array(items) = cur {
                cur = items.first()?;
            }
            cur = cur.get(key)?;
        }
        if let Value::Array(items) = cur {
            cur = items.first()?;
        }
        cur.get("constant_value").unwrap_or(cur).as_bool()
    }
}

/// A plan as `terraform show -json` prints it (or Terraform Cloud's redacted JSON).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Plan {
    /// `0.1` … `1.2`. Terraform Cloud's redacted JSON calls it `plan_format_version`.
    #[serde(alias = "plan_format_version")]
    pub format_version: String,
    /// Terraform version that made the plan.
    #[serde(default)]
    pub terraform_version: Option<String>,
    /// Every resource change.
    #[serde(default)]
    pub resource_changes: Vec<ResourceChange>,
    /// Changes Terraform deferred (Terraform 1.8+, and Terraform Cloud's redacted JSON).
    #[serde(default)]
    pub deferred_changes: Vec<DeferredChange>,
    /// Output changes by name.
    #[serde(default)]
    pub output_changes: BTreeMap<String, Change>,
    /// State before the plan; absent in redacted plans.
    #[serde(default, deserialize_with = "prior_state")]
    pub prior_state: Option<PriorState>,
    /// The configuration snapshot; absent in redacted plans.
    #[serde(default, deserialize_with = "configuration")]
    pub configuration: Option<Configuration>,
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

// ---- prior state: count managed objects, keep the few cross-referenced ones

#[derive(Deserialize)]
struct RawState {
    #[serde(default)]
    values: Option<RawStateValues>,
}

#[derive(Deserialize)]
struct RawStateValues {
    #[serde(default)]
    root_module: Option<RawStateModule>,
}

#[derive(Deserialize)]
struct RawStateModule {
    #[serde(default)]
    resources: Vec<RawStateResource>,
    #[serde(default)]
    child_modules: Vec<RawStateModule>,
}

/// One state object while reading: its values are dropped unless its type is cross-referenced,
/// so only one object's text is held at a time.
#[derive(Deserialize)]
#[serde(from = "StateResourceFields")]
enum RawStateResource {
    Managed(Option<StateObject>),
    Data,
}

#[derive(Deserialize)]
struct StateResourceFields {
    #[serde(default)]
    address: String,
    #[serde(default)]
    mode: Mode,
    #[serde(rename = "type", default)]
    resource_type: String,
    #[serde(default)]
    values: Option<Json>,
}

impl From<StateResourceFields> for RawStateResource {
    fn from(f: StateResourceFields) -> Self {
        if f.mode == Mode::Data {
            return RawStateResource::Data;
        }
        let keep = CROSS_REFERENCED.contains(&f.resource_type.as_str());
        RawStateResource::Managed(match (keep, f.values) {
            (true, Some(values)) => Some(StateObject {
                address: f.address,
                resource_type: f.resource_type,
                values,
            }),
            _ => None,
        })
    }
}

fn collect_state(m: RawStateModule, out: &mut PriorState) {
    for r in m.resources {
        if let RawStateResource::Managed(kept) = r {
            out.managed_resources += 1;
            out.objects.extend(kept);
        }
    }
    for c in m.child_modules {
        collect_state(c, out);
    }
}

fn prior_state<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PriorState>, D::Error> {
    let Some(raw) = Option::<RawState>::deserialize(d)? else {
        return Ok(None);
    };
    let mut out = PriorState::default();
    if let Some(root) = raw.values.and_then(|v| v.root_module) {
        collect_state(root, &mut out);
    }
    Ok(Some(out))
}

// ---- configuration: index prevent_destroy once, keep decisive provider settings

#[derive(Deserialize)]
struct RawConfiguration {
    #[serde(default)]
    provider_config: BTreeMap<String, RawProviderConfig>,
    #[serde(default)]
    root_module: Option<RawConfigModule>,
}

#[derive(Deserialize)]
struct RawProviderConfig {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    module_address: Option<String>,
    #[serde(default)]
    expressions: Option<Value>,
}

#[derive(Deserialize)]
struct RawConfigModule {
    #[serde(default)]
    resources: Vec<RawConfigResource>,
    #[serde(default)]
    module_calls: BTreeMap<String, RawModuleCall>,
}

#[derive(Deserialize)]
struct RawModuleCall {
    #[serde(default)]
    module: Option<RawConfigModule>,
}

#[derive(Deserialize)]
struct RawConfigResource {
    #[serde(default)]
    address: String,
    #[serde(default)]
    lifecycle: Option<Value>,
    #[serde(default)]
    prevent_destroy: Option<Value>,
}

impl RawConfigResource {
    fn prevents_destroy(&self) -> bool {
        fn truthy(v: &Value) -> bool {
            match v {
                Value::Bool(b) => *b,
                Value::Array(items) => items.first().is_some_and(truthy),
                Value::Object(o) => o.get("constant_value").is_some_and(truthy),
                _ => false,
            }
        }
        self.prevent_destroy.as_ref().is_some_and(truthy)
            || self
                .lifecycle
                .as_ref()
                .and_then(|l| match l {
                    Value::Array(items) => items.first(),
                    other => Some(other),
                })
                .and_then(|l| l.get("prevent_destroy"))
                .is_some_and(truthy)
    }
}

/// Providers whose configuration settings decide what a destroy does.
const DECISIVE_PROVIDERS: &[&str] = &["azurerm"];

fn index_module(m: RawConfigModule, prefix: &str, out: &mut Configuration) {
    for r in &m.resources {
        if r.prevents_destroy() {
            out.prevent_destroy.insert(format!("{prefix}{}", r.address));
        }
    }
    for (name, call) in m.module_calls {
        if let Some(module) = call.module {
            index_module(module, &format!("{prefix}module.{name}."), out);
        }
    }
}

fn configuration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Configuration>, D::Error> {
    let Some(raw) = Option::<RawConfiguration>::deserialize(d)? else {
        return Ok(None);
    };
    let mut out = Configuration::default();
    for (key, p) in raw.provider_config {
        let name = p.name.unwrap_or(key);
        // Only the root module's provider configurations apply to resources it does not pass
        // providers to explicitly; that is the common case and the one read here.
        if p.module_address.is_none()
            && DECISIVE_PROVIDERS.contains(&name.as_str())
            && let Some(e) = p.expressions
        {
            out.provider_settings.insert(name, e);
        }
    }
    if let Some(root) = raw.root_module {
        index_module(root, "", &mut out);
    }
    Ok(Some(out))
}

/// The address without instance keys: `module.a[0].aws_x.y["k"]` → `module.a.aws_x.y`, the form
/// configuration addresses take.
pub(crate) fn config_address(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for c in address.chars() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '"' if depth > 0 => in_string = true,
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_addresses_drop_instance_keys() {
        assert_eq!(config_address("aws_x.y"), "aws_x.y");
        assert_eq!(config_address("aws_x.y[3]"), "aws_x.y");
        assert_eq!(
            config_address(r#"module.a["k.]\"x"].module.b[0].aws_x.y["a[b]"]"#),
            "module.a.module.b.aws_x.y"
        );
    }
}
