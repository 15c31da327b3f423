//! Consequence analysis: for each planned change, what kind of action it is and how
//! recoverable its effect would be, with the reason.

use recourse_policy::{ChangeAction, PlanChange, PlanFacts, RecoverabilityTier as Tier};
use serde::Serialize;
use serde_json::Value;

use crate::model::{Action, Mode, Plan, ResourceChange};

/// The shape of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionKind {
    /// Nothing changes.
    NoOp,
    /// A data source is read.
    Read,
    /// A new object.
    Create,
    /// Changed in place.
    Update,
    /// Destroyed.
    Delete,
    /// Replaced, the old object destroyed first.
    ReplaceDeleteBeforeCreate,
    /// Replaced, the new object created first.
    ReplaceCreateBeforeDestroy,
    /// Removed from state only.
    Forget,
    /// An action list this analyzer does not know.
    Unknown,
}

impl ActionKind {
    /// From a change's action list.
    pub fn from_actions(actions: &[Action]) -> ActionKind {
        use Action::*;
        match actions {
            [NoOp] | [] => ActionKind::NoOp,
            [Read] => ActionKind::Read,
            [Create] => ActionKind::Create,
            [Update] => ActionKind::Update,
            [Delete] => ActionKind::Delete,
            [Delete, Create] => ActionKind::ReplaceDeleteBeforeCreate,
            [Create, Delete] => ActionKind::ReplaceCreateBeforeDestroy,
            [Forget] => ActionKind::Forget,
            _ => ActionKind::Unknown,
        }
    }

    /// Whether the existing object is destroyed.
    pub fn destroys(self) -> bool {
        matches!(
            self,
            ActionKind::Delete
                | ActionKind::ReplaceDeleteBeforeCreate
                | ActionKind::ReplaceCreateBeforeDestroy
        )
    }

    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::NoOp => "no-op",
            ActionKind::Read => "read",
            ActionKind::Create => "create",
            ActionKind::Update => "update",
            ActionKind::Delete => "delete",
            ActionKind::ReplaceDeleteBeforeCreate => "replace (delete before create)",
            ActionKind::ReplaceCreateBeforeDestroy => "replace (create before destroy)",
            ActionKind::Forget => "forget",
            ActionKind::Unknown => "unknown",
        }
    }
}

/// The analysis of one resource change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeAnalysis {
    /// Resource address.
    pub address: String,
    /// Resource type.
    pub resource_type: String,
    /// Action shape.
    pub action: ActionKind,
    /// How recoverable the effect is; `None` for no-ops and reads.
    pub tier: Option<Tier>,
    /// Why.
    pub why: String,
    /// Terraform's own reason for the action, if given.
    pub action_reason: Option<String>,
}

/// The analysis of a whole plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanAnalysis {
    /// Plan format version.
    pub format_version: String,
    /// Terraform version.
    pub terraform_version: Option<String>,
    /// Every resource change (no-ops and reads included, with no tier).
    pub changes: Vec<ChangeAnalysis>,
    /// Whether any output changes.
    pub output_changes: bool,
}

impl PlanAnalysis {
    /// The worst tier of any change.
    pub fn worst_tier(&self) -> Option<Tier> {
        self.changes.iter().filter_map(|c| c.tier).max()
    }

    /// The facts the policy engine decides on.
    pub fn facts(&self, workspace: &str, destroy: bool) -> PlanFacts {
        PlanFacts {
            workspace: workspace.to_owned(),
            destroy,
            changes: self
                .changes
                .iter()
                .filter_map(|c| {
                    c.tier.map(|tier| PlanChange {
                        address: c.address.clone(),
                        resource_type: c.resource_type.clone(),
                        action: match c.action {
                            ActionKind::Create => ChangeAction::Create,
                            ActionKind::Update => ChangeAction::Update,
                            ActionKind::Delete => ChangeAction::Delete,
                            ActionKind::ReplaceDeleteBeforeCreate
                            | ActionKind::ReplaceCreateBeforeDestroy => ChangeAction::Replace,
                            ActionKind::Forget => ChangeAction::Forget,
                            _ => ChangeAction::Other,
                        },
                        tier,
                        why: format!("{}: {}", c.action.as_str(), c.why),
                    })
                })
                .collect(),
            output_changes: self.output_changes,
            ..PlanFacts::default()
        }
    }
}

/// Looks up an attribute path; block lists of one element (`versioning = [{…}]`) are entered
/// transparently.
fn attr<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut cur = v;
    for key in path {
        if let Value::Array(items) = cur {
            cur = items.first()?;
        }
        cur = cur.get(key)?;
    }
    match cur {
        Value::Array(items) if items.len() == 1 => items.first(),
        Value::Null => None,
        other => Some(other),
    }
}

fn flag(v: &Value, path: &[&str]) -> Option<bool> {
    attr(v, path).and_then(Value::as_bool)
}

fn number(v: &Value, path: &[&str]) -> Option<f64> {
    attr(v, path).and_then(Value::as_f64)
}

fn text<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    attr(v, path)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// Types that hold data (their destruction loses data).
const DATA_BEARING: &[&str] = &[
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_rds_cluster_instance",
    "aws_neptune_cluster",
    "aws_docdb_cluster",
    "aws_redshift_cluster",
    "aws_s3_bucket",
    "aws_s3_object",
    "aws_s3_bucket_object",
    "aws_dynamodb_table",
    "aws_ebs_volume",
    "aws_efs_file_system",
    "aws_elasticache_cluster",
    "aws_elasticache_replication_group",
    "aws_kms_key",
    "aws_secretsmanager_secret",
    "aws_route53_zone",
    "aws_ssm_parameter",
    "aws_ecr_repository",
    "aws_cloudwatch_log_group",
    "aws_opensearch_domain",
    "aws_elasticsearch_domain",
    "google_sql_database_instance",
    "google_sql_database",
    "google_storage_bucket",
    "google_compute_disk",
    "google_compute_region_disk",
    "google_bigquery_dataset",
    "google_bigquery_table",
    "google_spanner_database",
    "google_kms_crypto_key",
    "azurerm_mssql_database",
    "azurerm_sql_database",
    "azurerm_mssql_server",
    "azurerm_sql_server",
    "azurerm_storage_account",
    "azurerm_storage_container",
    "azurerm_storage_blob",
    "azurerm_storage_share",
    "azurerm_postgresql_flexible_server",
    "azurerm_mysql_flexible_server",
    "azurerm_cosmosdb_account",
    "azurerm_key_vault",
];

/// Types that hold backups of other resources.
const BACKUPS: &[&str] = &[
    "aws_db_snapshot",
    "aws_db_cluster_snapshot",
    "aws_ebs_snapshot",
    "aws_backup_vault",
    "aws_backup_plan",
    "aws_backup_selection",
    "aws_dlm_lifecycle_policy",
    "google_compute_snapshot",
    "google_compute_resource_policy",
    "azurerm_recovery_services_vault",
    "azurerm_backup_policy_vm",
    "azurerm_data_protection_backup_vault",
];

/// Types whose deletion is rebuilt from configuration with some effort and no data loss.
const STATELESS_PREFIXES: &[&str] = &[
    "aws_security_group",
    "aws_vpc_security_group",
    "aws_network_acl",
    "aws_route",
    "aws_subnet",
    "aws_vpc",
    "aws_internet_gateway",
    "aws_nat_gateway",
    "aws_egress_only",
    "aws_eip",
    "aws_lb",
    "aws_alb",
    "aws_elb",
    "aws_lambda_",
    "aws_cloudwatch_event_",
    "aws_cloudwatch_metric_alarm",
    "aws_cloudwatch_dashboard",
    "aws_sns_",
    "aws_sqs_",
    "aws_autoscaling_",
    "aws_launch_",
    "aws_ecs_",
    "aws_eks_",
    "aws_api_gateway",
    "aws_apigatewayv2",
    "aws_cloudfront_",
    "aws_route53_record",
    "aws_route53_health_check",
    "aws_acm_",
    "aws_instance",
    "aws_key_pair",
    "aws_iam_",
    "aws_vpc_endpoint",
    "aws_wafv2_",
    "aws_ses_",
    "aws_sfn_",
    "aws_appautoscaling_",
    "aws_placement_group",
    "aws_network_interface",
    "aws_db_subnet_group",
    "aws_db_parameter_group",
    "aws_elasticache_subnet_group",
    "aws_elasticache_parameter_group",
    "aws_s3_bucket_policy",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_acl",
    "aws_s3_bucket_server_side_encryption",
    "aws_s3_bucket_lifecycle",
    "aws_s3_bucket_cors",
    "aws_s3_bucket_notification",
    "aws_s3_bucket_ownership",
    "aws_s3_bucket_website",
    "google_compute_firewall",
    "google_compute_network",
    "google_compute_subnetwork",
    "google_compute_instance",
    "google_compute_address",
    "google_compute_router",
    "google_project_iam_",
    "google_service_account",
    "google_cloud_run_",
    "google_container_",
    "google_pubsub_",
    "google_cloudfunctions",
    "azurerm_resource_group",
    "azurerm_network_",
    "azurerm_virtual_network",
    "azurerm_subnet",
    "azurerm_public_ip",
    "azurerm_role_",
    "azurerm_linux_virtual_machine",
    "azurerm_windows_virtual_machine",
    "azurerm_app_service",
    "azurerm_linux_web_app",
    "azurerm_kubernetes_cluster",
    "kubernetes_",
    "helm_release",
    "random_",
    "tls_",
    "local_file",
    "local_sensitive_file",
    "github_",
    "cloudflare_record",
    "datadog_",
    "aws_cloudwatch_log_metric_filter",
    "aws_cloudwatch_log_subscription_filter",
];

/// Types whose lifecycle has no effect outside Terraform.
const NO_EFFECT: &[&str] = &[
    "null_resource",
    "terraform_data",
    "time_sleep",
    "time_static",
    "time_offset",
    "time_rotating",
];

/// Protective attributes and the value that means "protected".
const PROTECTIONS: &[(&[&str], bool)] = &[
    (&["deletion_protection"], true),
    (&["deletion_protection_enabled"], true),
    (&["skip_final_snapshot"], false),
    (&["force_destroy"], false),
    (&["force_delete"], false),
    (&["delete_automated_backups"], false),
    (&["point_in_time_recovery", "enabled"], true),
    (&["versioning", "enabled"], true),
    (&["delete_contents_on_destroy"], false),
    (&["is_enabled"], true),
    (&["enable_deletion_protection"], true),
    (&["prevent_destroy"], true),
];

/// Which protection an update turns off, if any.
fn lowered_protection(rc: &ResourceChange) -> Option<String> {
    let (b, a) = (&rc.change.before, &rc.change.after);
    for (path, protective) in PROTECTIONS {
        if flag(b, path) == Some(*protective) && flag(a, path) == Some(!*protective) {
            return Some(format!(
                "turns {} from {} to {}",
                path.join("."),
                protective,
                !protective
            ));
        }
    }
    for key in ["backup_retention_period", "recovery_window_in_days"] {
        if number(b, &[key]).is_some_and(|n| n > 0.0) && number(a, &[key]) == Some(0.0) {
            return Some(format!("sets {key} to 0"));
        }
    }
    None
}

fn rds_like(before: &Value) -> (Tier, String) {
    if flag(before, &["deletion_protection"]) == Some(true) {
        return (
            Tier::NeedsReview,
            "deletion_protection is on: the provider will refuse, yet the plan intends to delete it".into(),
        );
    }
    let retained_backups = number(before, &["backup_retention_period"]).is_some_and(|n| n > 0.0)
        && flag(before, &["delete_automated_backups"]) == Some(false);
    if flag(before, &["skip_final_snapshot"]) == Some(true) {
        if retained_backups {
            return (
                Tier::RecoverableFromBackup,
                "skip_final_snapshot = true, but automated backups are retained (delete_automated_backups = false)".into(),
            );
        }
        return (
            Tier::Unrecoverable,
            "skip_final_snapshot = true: no final snapshot, and automated backups are deleted with it".into(),
        );
    }
    match text(before, &["final_snapshot_identifier"]) {
        Some(id) => (
            Tier::RecoverableFromBackup,
            format!("a final snapshot `{id}` is taken before deletion"),
        ),
        None => (
            Tier::NeedsReview,
            "skip_final_snapshot is false but no final_snapshot_identifier is set: the delete fails or takes no snapshot".into(),
        ),
    }
}

/// The tier of destroying an existing object of `ty` whose last known values are `before`.
fn destroy_tier(ty: &str, before: &Value) -> (Tier, String) {
    use Tier::*;
    match ty {
        "aws_db_instance" | "aws_rds_cluster" | "aws_neptune_cluster" | "aws_docdb_cluster"
        | "aws_redshift_cluster" => rds_like(before),
        "aws_rds_cluster_instance" => (RecoverableWithEffort, "a cluster member; the cluster keeps the data".into()),
        "aws_s3_bucket" | "google_storage_bucket" => {
            if flag(before, &["force_destroy"]) == Some(true) {
                (Unrecoverable, "force_destroy = true deletes every object, and every version, in it".into())
            } else if flag(before, &["versioning", "enabled"]) == Some(true) {
                (RecoverableWithEffort, "versioned, without force_destroy: the delete fails unless the bucket is empty".into())
            } else {
                (RecoverableWithEffort, "without force_destroy the delete fails unless the bucket is empty; the name may be taken".into())
            }
        }
        "aws_s3_object" | "aws_s3_bucket_object" => (NeedsReview, "the object is gone unless its bucket keeps versions".into()),
        "aws_dynamodb_table" => {
            if flag(before, &["deletion_protection_enabled"]) == Some(true) {
                (NeedsReview, "deletion_protection_enabled is on: the provider will refuse, yet the plan intends to delete it".into())
            } else if flag(before, &["point_in_time_recovery", "enabled"]) == Some(true) {
                (RecoverableFromBackup, "point-in-time recovery can restore the table after deletion".into())
            } else {
                (Unrecoverable, "no point-in-time recovery: every item is lost".into())
            }
        }
        "aws_ebs_volume" => {
            if flag(before, &["final_snapshot"]) == Some(true) {
                (RecoverableFromBackup, "final_snapshot = true: a snapshot is taken before deletion".into())
            } else {
                (Unrecoverable, "the volume's data is destroyed (no final_snapshot)".into())
            }
        }
        "aws_efs_file_system" => (Unrecoverable, "every file on the file system is destroyed".into()),
        "aws_elasticache_cluster" | "aws_elasticache_replication_group" => {
            if text(before, &["engine"]) == Some("memcached") {
                (RecoverableWithEffort, "a memcached cache: contents are rebuilt, not restored".into())
            } else if let Some(id) = text(before, &["final_snapshot_identifier"]) {
                (RecoverableFromBackup, format!("a final snapshot `{id}` is taken before deletion"))
            } else {
                (Unrecoverable, "no final_snapshot_identifier: cached data and its snapshots are lost".into())
            }
        }
        "aws_kms_key" => {
            let days = number(before, &["deletion_window_in_days"]).unwrap_or(30.0);
            (NeedsReview, format!("the key is scheduled for deletion in {days} days (cancellable until then); everything encrypted under it becomes unreadable after"))
        }
        "google_kms_crypto_key" => (NeedsReview, "key versions are destroyed after the scheduled period; data encrypted under them becomes unreadable".into()),
        "aws_secretsmanager_secret" => match number(before, &["recovery_window_in_days"]) {
            Some(0.0) => (Unrecoverable, "recovery_window_in_days = 0: the secret is deleted at once".into()),
            Some(d) => (RecoverableFromBackup, format!("the secret can be restored for {d} days")),
            None => (RecoverableFromBackup, "the secret can be restored during the default 30-day recovery window".into()),
        },
        "aws_route53_zone" => {
            if flag(before, &["force_destroy"]) == Some(true) {
                (Unrecoverable, "force_destroy = true deletes every record in the zone, including ones Terraform does not manage".into())
            } else {
                (NeedsReview, "the zone's records and its name-server delegation are lost".into())
            }
        }
        "aws_ssm_parameter" => (RecoverableWithEffort, "the parameter's value is lost unless it is in configuration".into()),
        "aws_ecr_repository" => {
            if flag(before, &["force_delete"]) == Some(true) {
                (Unrecoverable, "force_delete = true deletes every image".into())
            } else {
                (RecoverableWithEffort, "the delete fails unless the repository is empty".into())
            }
        }
        "aws_cloudwatch_log_group" => (NeedsReview, "every log event in the group is deleted".into()),
        "aws_opensearch_domain" | "aws_elasticsearch_domain" => (Unrecoverable, "the domain's indices are deleted".into()),
        "google_sql_database_instance" => {
            if flag(before, &["deletion_protection"]) == Some(true) {
                (NeedsReview, "deletion_protection is on: Terraform will refuse, yet the plan intends to delete it".into())
            } else {
                (Unrecoverable, "the instance's backups are deleted with it".into())
            }
        }
        "google_sql_database" | "google_spanner_database" => (Unrecoverable, "the database's data is destroyed".into()),
        "google_compute_disk" | "google_compute_region_disk" => (Unrecoverable, "the disk's data is destroyed".into()),
        "google_bigquery_dataset" => {
            if flag(before, &["delete_contents_on_destroy"]) == Some(true) {
                (Unrecoverable, "delete_contents_on_destroy = true deletes every table".into())
            } else {
                (RecoverableWithEffort, "the delete fails unless the dataset is empty".into())
            }
        }
        "google_bigquery_table" => {
            if flag(before, &["deletion_protection"]) == Some(true) {
                (NeedsReview, "deletion_protection is on: Terraform will refuse, yet the plan intends to delete it".into())
            } else {
                (Unrecoverable, "the table's rows are destroyed".into())
            }
        }
        "azurerm_mssql_database" | "azurerm_sql_database" => (RecoverableFromBackup, "a deleted database can be restored from backups within the retention period".into()),
        "azurerm_mssql_server" | "azurerm_sql_server" => (Unrecoverable, "every database on the server, and its backups, are deleted".into()),
        "azurerm_storage_account" | "azurerm_storage_container" | "azurerm_storage_blob" | "azurerm_storage_share" => (Unrecoverable, "the stored data is destroyed".into()),
        "azurerm_postgresql_flexible_server" | "azurerm_mysql_flexible_server" | "azurerm_cosmosdb_account" => (Unrecoverable, "the server's databases are destroyed".into()),
        "azurerm_key_vault" => (NeedsReview, "keys and secrets are soft-deleted; purge protection decides whether they come back".into()),
        t if BACKUPS.contains(&t) => (Unrecoverable, "deletes backups or the vault that holds them".into()),
        t if t.starts_with("aws_iam_") && (t.ends_with("_attachment") || t.ends_with("_membership")) => (Reversible, "an attachment: planning again restores it".into()),
        "aws_iam_access_key" => (RecoverableWithEffort, "the secret access key cannot be recovered; a new key must be issued".into()),
        t if NO_EFFECT.contains(&t) => (Reversible, "has no effect outside Terraform".into()),
        t if STATELESS_PREFIXES.iter().any(|p| t.starts_with(p)) => (RecoverableWithEffort, "holds no data; it is recreated from configuration".into()),
        t => (NeedsReview, format!("the consequences of destroying a `{t}` are not known")),
    }
}

/// Whether the configuration marks the resource `prevent_destroy` (not every Terraform version
/// includes lifecycle settings in the JSON configuration; absent means unknown, not false).
fn config_prevents_destroy(plan: &Plan, rc: &ResourceChange) -> bool {
    fn search(module: &Value, address: &str) -> bool {
        let hit = module
            .get("resources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|r| {
                r.get("address").and_then(Value::as_str) == Some(address)
                    && (flag(r, &["lifecycle", "prevent_destroy"]) == Some(true)
                        || flag(r, &["prevent_destroy"]) == Some(true))
            });
        hit || module
            .get("module_calls")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .any(|(_, call)| call.get("module").is_some_and(|m| search(m, address)))
    }
    let address = rc.address.split('[').next().unwrap_or(&rc.address);
    let local = address.rsplit_once("module.").map_or(address, |(_, rest)| {
        rest.split_once('.').map_or(rest, |(_, r)| r)
    });
    plan.configuration
        .as_ref()
        .and_then(|c| c.get("root_module"))
        .is_some_and(|root| search(root, address) || search(root, local))
}

fn analyze_change(plan: &Plan, rc: &ResourceChange) -> ChangeAnalysis {
    let action = ActionKind::from_actions(&rc.change.actions);
    let ty = rc.resource_type.as_str();
    let (tier, why) = match action {
        ActionKind::NoOp => (None, "no change".into()),
        ActionKind::Read => (None, "data source read".into()),
        _ if rc.mode == Mode::Data => (None, "data source".into()),
        ActionKind::Create => (
            Some(Tier::Reversible),
            "a new object; planning again without it removes it".into(),
        ),
        ActionKind::Update => match lowered_protection(rc) {
            Some(what) => (
                Some(Tier::NeedsReview),
                format!("{what}: a protection is being turned off"),
            ),
            None => (Some(Tier::Reversible), "changed in place".into()),
        },
        ActionKind::Forget => (
            Some(Tier::RecoverableWithEffort),
            "removed from state only; it must be imported again to be managed".into(),
        ),
        ActionKind::Unknown => (
            Some(Tier::NeedsReview),
            format!("unrecognised actions {:?}", rc.change.actions),
        ),
        ActionKind::Delete
        | ActionKind::ReplaceDeleteBeforeCreate
        | ActionKind::ReplaceCreateBeforeDestroy => {
            let (mut tier, mut why) = destroy_tier(ty, &rc.change.before);
            if rc.deposed.is_some() {
                why = format!("deposed object: {why}");
            }
            if config_prevents_destroy(plan, rc) {
                tier = tier.max(Tier::NeedsReview);
                why = format!("{why}; the configuration sets prevent_destroy");
            }
            (Some(tier), why)
        }
    };
    ChangeAnalysis {
        address: rc.address.clone(),
        resource_type: rc.resource_type.clone(),
        action,
        tier,
        why,
        action_reason: rc.action_reason.clone(),
    }
}

/// Analyzes a parsed plan.
pub fn analyze(plan: &Plan) -> PlanAnalysis {
    let mut changes: Vec<ChangeAnalysis> = plan
        .resource_changes
        .iter()
        .map(|rc| analyze_change(plan, rc))
        .collect();

    // Cross-change patterns.
    let backup_destroyed = changes
        .iter()
        .find(|c| c.action.destroys() && BACKUPS.contains(&c.resource_type.as_str()))
        .map(|c| c.address.clone());
    let protection_lowered = changes
        .iter()
        .find(|c| c.action == ActionKind::Update && c.tier == Some(Tier::NeedsReview))
        .map(|c| c.address.clone());
    for c in &mut changes {
        let data = c.action.destroys() && DATA_BEARING.contains(&c.resource_type.as_str());
        if !data {
            continue;
        }
        if let Some(b) = &backup_destroyed
            && c.tier.is_some_and(|t| t < Tier::Unrecoverable)
        {
            c.tier = Some(Tier::Unrecoverable);
            c.why = format!(
                "{}; and the backup resource `{b}` is destroyed in the same plan",
                c.why
            );
        }
        if let Some(p) = &protection_lowered
            && c.tier.is_some_and(|t| t < Tier::NeedsReview)
        {
            c.tier = Some(Tier::NeedsReview);
            c.why = format!(
                "{}; and `{p}` has a protection turned off in the same plan",
                c.why
            );
        }
    }

    let output_changes = plan
        .output_changes
        .values()
        .any(|c| !matches!(ActionKind::from_actions(&c.actions), ActionKind::NoOp));
    if plan.complete == Some(false) {
        changes.push(ChangeAnalysis {
            address: "(plan)".into(),
            resource_type: String::new(),
            action: ActionKind::Unknown,
            tier: Some(Tier::NeedsReview),
            why: "Terraform deferred some changes: the plan is incomplete".into(),
            action_reason: None,
        });
    }
    PlanAnalysis {
        format_version: plan.format_version.clone(),
        terraform_version: plan.terraform_version.clone(),
        changes,
        output_changes,
    }
}
