//! What destroying an object of a given type loses, by type, from the attributes that decide it.
//!
//! Knowledge, not prefixes: a type is only called cheap to destroy when it is listed here by
//! exact name (or by a short prefix vetted to cover nothing that holds data). Anything else is
//! `needs-review`, so a type this table has never heard of is never allowed on its own. Every
//! reason says what is lost, because the approver reads it.

use std::collections::HashMap;

use Tier::*;
use recourse_policy::RecoverabilityTier as Tier;

use crate::attrs::{Attrs, Tri};
use crate::model::Configuration;

/// Facts from outside the change itself that decide its tier.
#[derive(Debug, Default)]
pub(crate) struct Context<'a> {
    /// Persistent volume name → reclaim policy (from the prior state and the plan).
    pub volumes: HashMap<String, String>,
    /// Storage class name → reclaim policy.
    pub classes: HashMap<String, String>,
    /// The configuration, for provider settings.
    pub config: Option<&'a Configuration>,
}

type Outcome = (Tier, String);

fn o(tier: Tier, why: impl Into<String>) -> Outcome {
    (tier, why.into())
}

fn refuses(attr: &str) -> Outcome {
    o(
        NeedsReview,
        format!("{attr} is on: the provider will refuse, yet the plan intends to delete it"),
    )
}

/// Types that hold backups, snapshots or images of other resources.
pub(crate) const BACKUPS: &[&str] = &[
    "aws_db_snapshot",
    "aws_db_cluster_snapshot",
    "aws_ebs_snapshot",
    "aws_ebs_snapshot_copy",
    "aws_ami",
    "aws_ami_copy",
    "aws_backup_vault",
    "aws_backup_plan",
    "aws_backup_selection",
    "aws_dlm_lifecycle_policy",
    "aws_db_instance_automated_backups_replication",
    "aws_s3_bucket_replication_configuration",
    "google_compute_snapshot",
    "google_compute_resource_policy",
    "google_compute_image",
    "google_sql_backup_run",
    "azurerm_recovery_services_vault",
    "azurerm_backup_policy_vm",
    "azurerm_backup_protected_vm",
    "azurerm_data_protection_backup_vault",
    "azurerm_snapshot",
    "azurerm_image",
];

/// Types that hold data: their destruction loses it (what cross-change patterns raise).
pub(crate) const DATA_BEARING: &[&str] = &[
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

/// Types whose lifecycle has no effect outside Terraform.
const NO_EFFECT: &[&str] = &[
    "null_resource",
    "terraform_data",
    "time_sleep",
    "time_static",
    "time_offset",
    "time_rotating",
];

/// Types that hold no data: destroying one loses nothing that planning again does not rebuild
/// from configuration (with some effort, and a gap while it is gone). Exact names only.
const CONFIGURATION_ONLY: &[&str] = &[
    // AWS networking
    "aws_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_network_acl",
    "aws_network_acl_rule",
    "aws_network_acl_association",
    "aws_default_security_group",
    "aws_default_network_acl",
    "aws_default_route_table",
    "aws_route",
    "aws_route_table",
    "aws_route_table_association",
    "aws_main_route_table_association",
    "aws_subnet",
    "aws_vpc",
    "aws_vpc_ipv4_cidr_block_association",
    "aws_vpc_dhcp_options",
    "aws_vpc_dhcp_options_association",
    "aws_internet_gateway",
    "aws_internet_gateway_attachment",
    "aws_nat_gateway",
    "aws_egress_only_internet_gateway",
    "aws_vpc_endpoint",
    "aws_vpc_endpoint_service",
    "aws_vpc_endpoint_route_table_association",
    "aws_vpc_endpoint_subnet_association",
    "aws_vpc_peering_connection",
    "aws_vpc_peering_connection_accepter",
    "aws_eip_association",
    "aws_network_interface",
    "aws_network_interface_attachment",
    "aws_network_interface_sg_attachment",
    "aws_placement_group",
    "aws_ec2_transit_gateway_route",
    "aws_ec2_transit_gateway_route_table",
    "aws_ec2_transit_gateway_vpc_attachment",
    "aws_ec2_transit_gateway_route_table_association",
    "aws_ec2_transit_gateway_route_table_propagation",
    "aws_customer_gateway",
    "aws_vpn_gateway",
    "aws_vpn_connection",
    "aws_flow_log",
    // AWS load balancing, CDN, DNS records, certificates
    "aws_lb",
    "aws_alb",
    "aws_elb",
    "aws_lb_listener",
    "aws_alb_listener",
    "aws_lb_listener_rule",
    "aws_alb_listener_rule",
    "aws_lb_listener_certificate",
    "aws_lb_target_group",
    "aws_alb_target_group",
    "aws_lb_target_group_attachment",
    "aws_alb_target_group_attachment",
    "aws_elb_attachment",
    "aws_lb_cookie_stickiness_policy",
    "aws_cloudfront_distribution",
    "aws_cloudfront_origin_access_identity",
    "aws_cloudfront_origin_access_control",
    "aws_cloudfront_cache_policy",
    "aws_cloudfront_origin_request_policy",
    "aws_cloudfront_response_headers_policy",
    "aws_cloudfront_function",
    "aws_route53_record",
    "aws_route53_health_check",
    "aws_route53_zone_association",
    "aws_route53_vpc_association_authorization",
    "aws_acm_certificate",
    "aws_acm_certificate_validation",
    // AWS compute and orchestration
    "aws_lambda_function",
    "aws_lambda_permission",
    "aws_lambda_alias",
    "aws_lambda_event_source_mapping",
    "aws_lambda_function_url",
    "aws_lambda_layer_version",
    "aws_lambda_function_event_invoke_config",
    "aws_launch_template",
    "aws_launch_configuration",
    "aws_autoscaling_policy",
    "aws_autoscaling_schedule",
    "aws_autoscaling_attachment",
    "aws_autoscaling_lifecycle_hook",
    "aws_autoscaling_notification",
    "aws_appautoscaling_target",
    "aws_appautoscaling_policy",
    "aws_appautoscaling_scheduled_action",
    "aws_ecs_service",
    "aws_ecs_task_definition",
    "aws_ecs_cluster_capacity_providers",
    "aws_ecs_capacity_provider",
    "aws_key_pair",
    "aws_ssm_document",
    "aws_ssm_association",
    "aws_ssm_maintenance_window",
    "aws_ssm_maintenance_window_target",
    "aws_ssm_maintenance_window_task",
    // AWS events, alarms, notifications (no stored messages)
    "aws_cloudwatch_event_rule",
    "aws_cloudwatch_event_target",
    "aws_cloudwatch_event_permission",
    "aws_cloudwatch_metric_alarm",
    "aws_cloudwatch_composite_alarm",
    "aws_cloudwatch_dashboard",
    "aws_cloudwatch_log_metric_filter",
    "aws_cloudwatch_log_subscription_filter",
    "aws_cloudwatch_log_resource_policy",
    "aws_sns_topic_subscription",
    "aws_sns_topic_policy",
    "aws_sqs_queue_policy",
    "aws_sqs_queue_redrive_policy",
    "aws_sqs_queue_redrive_allow_policy",
    // AWS API gateway
    "aws_api_gateway_rest_api",
    "aws_api_gateway_resource",
    "aws_api_gateway_method",
    "aws_api_gateway_method_response",
    "aws_api_gateway_method_settings",
    "aws_api_gateway_integration",
    "aws_api_gateway_integration_response",
    "aws_api_gateway_deployment",
    "aws_api_gateway_stage",
    "aws_api_gateway_base_path_mapping",
    "aws_api_gateway_domain_name",
    "aws_api_gateway_authorizer",
    "aws_api_gateway_rest_api_policy",
    "aws_api_gateway_account",
    "aws_apigatewayv2_api",
    "aws_apigatewayv2_stage",
    "aws_apigatewayv2_route",
    "aws_apigatewayv2_integration",
    "aws_apigatewayv2_deployment",
    "aws_apigatewayv2_domain_name",
    "aws_apigatewayv2_api_mapping",
    "aws_apigatewayv2_authorizer",
    "aws_apigatewayv2_vpc_link",
    // AWS IAM (identity that is not authoritative over others)
    "aws_iam_role",
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_iam_user_policy",
    "aws_iam_group_policy",
    "aws_iam_group",
    "aws_iam_instance_profile",
    "aws_iam_openid_connect_provider",
    "aws_iam_saml_provider",
    "aws_iam_service_linked_role",
    "aws_iam_account_alias",
    "aws_iam_server_certificate",
    "aws_iam_user_ssh_key",
    "aws_organizations_policy",
    "aws_organizations_policy_attachment",
    // AWS configuration-only parts of data stores
    "aws_db_subnet_group",
    "aws_db_parameter_group",
    "aws_db_option_group",
    "aws_rds_cluster_parameter_group",
    "aws_elasticache_subnet_group",
    "aws_elasticache_parameter_group",
    "aws_docdb_subnet_group",
    "aws_docdb_cluster_parameter_group",
    "aws_neptune_subnet_group",
    "aws_neptune_parameter_group",
    "aws_neptune_cluster_parameter_group",
    "aws_redshift_subnet_group",
    "aws_redshift_parameter_group",
    "aws_s3_bucket_policy",
    "aws_s3_bucket_public_access_block",
    "aws_s3_account_public_access_block",
    "aws_s3_bucket_acl",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_cors_configuration",
    "aws_s3_bucket_notification",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_website_configuration",
    "aws_s3_bucket_logging",
    "aws_s3_bucket_request_payment_configuration",
    "aws_s3_bucket_accelerate_configuration",
    "aws_s3_bucket_metric",
    "aws_s3_bucket_inventory",
    "aws_s3_bucket_analytics_configuration",
    "aws_s3_bucket_intelligent_tiering_configuration",
    "aws_dynamodb_table_replica",
    "aws_ecr_lifecycle_policy",
    "aws_ecr_repository_policy",
    "aws_kms_alias",
    "aws_kms_grant",
    "aws_secretsmanager_secret_policy",
    "aws_secretsmanager_secret_rotation",
    "aws_efs_mount_target",
    "aws_efs_access_point",
    "aws_efs_file_system_policy",
    "aws_volume_attachment",
    "aws_wafv2_web_acl",
    "aws_wafv2_web_acl_association",
    "aws_wafv2_ip_set",
    "aws_wafv2_regex_pattern_set",
    "aws_wafv2_rule_group",
    "aws_wafv2_web_acl_logging_configuration",
    "aws_ses_domain_identity",
    "aws_ses_domain_identity_verification",
    "aws_ses_domain_dkim",
    "aws_ses_email_identity",
    "aws_ses_configuration_set",
    "aws_ses_receipt_rule",
    "aws_ses_receipt_rule_set",
    "aws_ses_active_receipt_rule_set",
    "aws_sesv2_email_identity",
    "aws_sesv2_configuration_set",
    "aws_cloudwatch_event_bus",
    // Google
    "google_compute_firewall",
    "google_compute_network",
    "google_compute_subnetwork",
    "google_compute_router",
    "google_compute_router_nat",
    "google_compute_route",
    "google_compute_network_peering",
    "google_compute_instance_template",
    "google_compute_region_instance_template",
    "google_compute_health_check",
    "google_compute_region_health_check",
    "google_compute_backend_service",
    "google_compute_region_backend_service",
    "google_compute_backend_bucket",
    "google_compute_url_map",
    "google_compute_target_http_proxy",
    "google_compute_target_https_proxy",
    "google_compute_global_forwarding_rule",
    "google_compute_forwarding_rule",
    "google_compute_managed_ssl_certificate",
    "google_compute_ssl_certificate",
    "google_compute_ssl_policy",
    "google_compute_security_policy",
    "google_compute_project_metadata",
    "google_compute_project_metadata_item",
    "google_compute_attached_disk",
    "google_dns_record_set",
    "google_cloud_run_service",
    "google_cloud_run_v2_service",
    "google_cloud_run_v2_job",
    "google_cloudfunctions_function",
    "google_cloudfunctions2_function",
    "google_cloud_scheduler_job",
    "google_project_service",
    "google_project_iam_custom_role",
    "google_organization_iam_custom_role",
    "google_service_account",
    "google_service_account_key",
    "google_vpc_access_connector",
    "google_service_networking_connection",
    "google_monitoring_alert_policy",
    "google_monitoring_notification_channel",
    "google_monitoring_uptime_check_config",
    "google_monitoring_dashboard",
    "google_logging_project_sink",
    "google_logging_metric",
    "google_kms_key_ring",
    "google_storage_bucket_acl",
    "google_storage_default_object_acl",
    "google_storage_notification",
    "google_sql_user",
    "google_container_node_pool",
    "google_compute_instance_group",
    // Azure
    "azurerm_virtual_network",
    "azurerm_subnet",
    "azurerm_network_security_group",
    "azurerm_network_security_rule",
    "azurerm_network_interface",
    "azurerm_network_interface_security_group_association",
    "azurerm_subnet_network_security_group_association",
    "azurerm_subnet_route_table_association",
    "azurerm_route_table",
    "azurerm_route",
    "azurerm_virtual_network_peering",
    "azurerm_nat_gateway",
    "azurerm_nat_gateway_public_ip_association",
    "azurerm_subnet_nat_gateway_association",
    "azurerm_lb",
    "azurerm_lb_rule",
    "azurerm_lb_probe",
    "azurerm_lb_backend_address_pool",
    "azurerm_application_gateway",
    "azurerm_private_endpoint",
    "azurerm_private_dns_a_record",
    "azurerm_private_dns_zone_virtual_network_link",
    "azurerm_dns_a_record",
    "azurerm_dns_cname_record",
    "azurerm_dns_txt_record",
    "azurerm_role_assignment",
    "azurerm_role_definition",
    "azurerm_user_assigned_identity",
    "azurerm_service_plan",
    "azurerm_app_service_plan",
    "azurerm_app_service",
    "azurerm_linux_web_app",
    "azurerm_windows_web_app",
    "azurerm_linux_function_app",
    "azurerm_windows_function_app",
    "azurerm_function_app",
    "azurerm_kubernetes_cluster_node_pool",
    "azurerm_monitor_diagnostic_setting",
    "azurerm_monitor_metric_alert",
    "azurerm_monitor_action_group",
    "azurerm_key_vault_access_policy",
    "azurerm_storage_account_network_rules",
    "azurerm_mssql_firewall_rule",
    "azurerm_postgresql_flexible_server_firewall_rule",
    "azurerm_postgresql_flexible_server_configuration",
    "azurerm_mysql_flexible_server_configuration",
    "azurerm_mysql_flexible_server_firewall_rule",
    "azurerm_servicebus_queue_authorization_rule",
    "azurerm_servicebus_namespace_authorization_rule",
    // Kubernetes objects whose whole state is their configuration
    "kubernetes_deployment",
    "kubernetes_deployment_v1",
    "kubernetes_service",
    "kubernetes_service_v1",
    "kubernetes_ingress",
    "kubernetes_ingress_v1",
    "kubernetes_config_map",
    "kubernetes_config_map_v1",
    "kubernetes_config_map_v1_data",
    "kubernetes_secret",
    "kubernetes_secret_v1",
    "kubernetes_service_account",
    "kubernetes_service_account_v1",
    "kubernetes_role",
    "kubernetes_role_v1",
    "kubernetes_role_binding",
    "kubernetes_role_binding_v1",
    "kubernetes_cluster_role",
    "kubernetes_cluster_role_v1",
    "kubernetes_cluster_role_binding",
    "kubernetes_cluster_role_binding_v1",
    "kubernetes_daemonset",
    "kubernetes_daemon_set_v1",
    "kubernetes_job",
    "kubernetes_job_v1",
    "kubernetes_cron_job",
    "kubernetes_cron_job_v1",
    "kubernetes_network_policy",
    "kubernetes_network_policy_v1",
    "kubernetes_horizontal_pod_autoscaler",
    "kubernetes_horizontal_pod_autoscaler_v1",
    "kubernetes_horizontal_pod_autoscaler_v2",
    "kubernetes_pod_disruption_budget",
    "kubernetes_pod_disruption_budget_v1",
    "kubernetes_limit_range",
    "kubernetes_limit_range_v1",
    "kubernetes_resource_quota",
    "kubernetes_resource_quota_v1",
    "kubernetes_labels",
    "kubernetes_annotations",
    "kubernetes_priority_class",
    "kubernetes_priority_class_v1",
    "kubernetes_pod",
    "kubernetes_pod_v1",
    "kubernetes_replication_controller",
    "kubernetes_replication_controller_v1",
    "kubernetes_ingress_class_v1",
    "kubernetes_env",
    // GitHub settings that are not the repository's content
    "github_team",
    "github_team_membership",
    "github_team_members",
    "github_team_repository",
    "github_membership",
    "github_repository_collaborator",
    "github_repository_collaborators",
    "github_branch_default",
    "github_actions_secret",
    "github_actions_variable",
    "github_actions_environment_secret",
    "github_actions_environment_variable",
    "github_repository_webhook",
    "github_organization_webhook",
    "github_issue_label",
    "github_issue_labels",
    "github_repository_file",
    "github_repository_environment",
    "github_repository_deploy_key",
    "github_repository_topics",
    // Others
    "cloudflare_record",
    "cloudflare_dns_record",
    "cloudflare_page_rule",
    "datadog_monitor",
    "datadog_dashboard",
    "datadog_dashboard_json",
    "datadog_synthetics_test",
    "datadog_downtime",
    "datadog_service_level_objective",
    "local_file",
    "local_sensitive_file",
    "tls_self_signed_cert",
    "tls_locally_signed_cert",
    "tls_cert_request",
    "vault_policy",
    "postgresql_grant",
    "postgresql_default_privileges",
    "mysql_grant",
];

/// Queues and streams: what is lost is the messages not yet consumed.
fn queue(ty: &str, a: &Attrs<'_>) -> Option<Outcome> {
    let what = match ty {
        "aws_sqs_queue" => {
            let retention = a
                .number(&["message_retention_seconds"])
                .map(|s| format!(" (kept up to {s} s)"))
                .unwrap_or_default();
            format!("messages in the queue that were not yet consumed{retention} are lost")
        }
        "google_pubsub_topic" => {
            "messages retained on the topic are lost, and its subscriptions stop receiving messages"
                .into()
        }
        "google_pubsub_subscription" | "google_pubsub_lite_subscription" => {
            "unacknowledged messages in the subscription are lost".into()
        }
        "google_pubsub_lite_topic" => "messages stored in the topic are lost".into(),
        "google_cloud_tasks_queue" => "tasks waiting in the queue are lost".into(),
        "azurerm_servicebus_queue" | "azurerm_servicebus_subscription" => {
            "messages not yet received (and dead-lettered ones) are lost".into()
        }
        "azurerm_servicebus_topic" => {
            "the topic's subscriptions and their undelivered messages are lost".into()
        }
        "azurerm_servicebus_namespace" => {
            "every queue, topic and subscription in the namespace, with their messages, is deleted"
                .into()
        }
        "azurerm_eventhub" | "azurerm_eventhub_namespace" => {
            "events retained in the hub are lost".into()
        }
        "azurerm_storage_queue" => "messages in the queue are lost".into(),
        "aws_kinesis_stream" => "records (messages) retained in the stream are lost".into(),
        "aws_kinesis_firehose_delivery_stream" => {
            "records buffered in the delivery stream are lost".into()
        }
        "aws_mq_broker" => "messages on the broker are lost".into(),
        "aws_msk_cluster" | "aws_msk_serverless_cluster" => {
            return Some(o(
                Unrecoverable,
                "every Kafka topic on the cluster, and its messages, is deleted",
            ));
        }
        _ => return None,
    };
    Some(o(NeedsReview, what))
}

fn rds_like(a: &Attrs<'_>) -> Outcome {
    if a.flag(&["deletion_protection"]) == Some(true) {
        return refuses("deletion_protection");
    }
    let retained_backups = a
        .number(&["backup_retention_period"])
        .is_some_and(|n| n > 0.0)
        && a.flag(&["delete_automated_backups"]) == Some(false);
    match a.tri(&["skip_final_snapshot"]) {
        Tri::True if retained_backups => o(
            RecoverableFromBackup,
            "skip_final_snapshot = true, but automated backups are retained (delete_automated_backups = false)",
        ),
        Tri::True => o(
            Unrecoverable,
            "skip_final_snapshot = true: no final snapshot, and automated backups are deleted with it",
        ),
        Tri::Unknown => o(
            NeedsReview,
            "skip_final_snapshot is not known (redacted or unknown): the database may be deleted without a final snapshot",
        ),
        Tri::False => match a.text(&["final_snapshot_identifier"]) {
            Some(id) => o(
                RecoverableFromBackup,
                format!("a final snapshot `{id}` is taken before deletion"),
            ),
            None => o(
                NeedsReview,
                "skip_final_snapshot is false but no final_snapshot_identifier is set: the delete fails or takes no snapshot",
            ),
        },
    }
}

fn bucket(a: &Attrs<'_>, force: &str) -> Outcome {
    match a.tri(&[force]) {
        Tri::True => o(
            Unrecoverable,
            format!("{force} = true deletes every object, and every version, in it"),
        ),
        Tri::Unknown => o(
            NeedsReview,
            format!(
                "{force} is not known (redacted or unknown): if true, every object in it is deleted"
            ),
        ),
        Tri::False if a.flag(&["versioning", "enabled"]) == Some(true) => o(
            RecoverableWithEffort,
            format!("versioned, without {force}: the delete fails unless the bucket is empty"),
        ),
        Tri::False => o(
            RecoverableWithEffort,
            format!(
                "without {force} the delete fails unless the bucket is empty; the name may be taken"
            ),
        ),
    }
}

/// A virtual machine: what matters is whether its disks die with it.
fn machine(ty: &str, a: &Attrs<'_>, ctx: &Context<'_>) -> Option<Outcome> {
    let kept = |what: &str| {
        o(
            RecoverableWithEffort,
            format!("{what}; the instance is recreated from its image and configuration"),
        )
    };
    let lost = |what: &str| {
        o(
            NeedsReview,
            format!("{what}: data on it that is not in the image is lost with the machine"),
        )
    };
    Some(match ty {
        "aws_instance" => {
            let root = a.tri(&["root_block_device", "delete_on_termination"]);
            let extra = a.blocks(&["ebs_block_device"]);
            let extra_deleted = match &extra {
                None => Tri::Unknown,
                Some(disks) => disks
                    .iter()
                    .map(|d| d.tri(&["delete_on_termination"]))
                    .fold(Tri::False, |acc, t| match (acc, t) {
                        (Tri::True, _) | (_, Tri::True) => Tri::True,
                        (Tri::Unknown, _) | (_, Tri::Unknown) => Tri::Unknown,
                        _ => Tri::False,
                    }),
            };
            match (root, extra_deleted) {
                (Tri::False, Tri::False)
                    if a.raw(&["root_block_device", "delete_on_termination"])
                        == Some(&serde_json::Value::Bool(false)) =>
                {
                    kept("its EBS volumes are kept (delete_on_termination = false)")
                }
                (Tri::True, _) | (_, Tri::True) => lost(
                    "an EBS volume is deleted with the instance (delete_on_termination = true)",
                ),
                _ => lost(
                    "whether its root volume is deleted with it is not known (root volumes are deleted by default)",
                ),
            }
        }
        "google_compute_instance" => match a.tri(&["boot_disk", "auto_delete"]) {
            Tri::False
                if a.raw(&["boot_disk", "auto_delete"])
                    == Some(&serde_json::Value::Bool(false)) =>
            {
                kept("its boot disk is kept (boot_disk.auto_delete = false)")
            }
            Tri::True => {
                lost("the boot disk is deleted with the instance (boot_disk.auto_delete = true)")
            }
            _ => lost(
                "the boot disk is deleted with the instance unless boot_disk.auto_delete is false, and that is not known",
            ),
        },
        "azurerm_linux_virtual_machine"
        | "azurerm_windows_virtual_machine"
        | "azurerm_virtual_machine_scale_set"
        | "azurerm_linux_virtual_machine_scale_set"
        | "azurerm_windows_virtual_machine_scale_set" => {
            match ctx.config.and_then(|c| {
                c.provider_flag(
                    "azurerm",
                    &["features", "virtual_machine", "delete_os_disk_on_deletion"],
                )
            }) {
                Some(false) => kept(
                    "the OS disk is kept (features.virtual_machine.delete_os_disk_on_deletion = false)",
                ),
                _ => lost(
                    "the OS disk is deleted with the machine (the provider's delete_os_disk_on_deletion, on by default)",
                ),
            }
        }
        "azurerm_virtual_machine" => {
            let os = a.tri(&["delete_os_disk_on_termination"]);
            let data = a.tri(&["delete_data_disks_on_termination"]);
            match (os, data) {
                (Tri::False, Tri::False) => kept(
                    "its disks are kept (delete_os_disk_on_termination and delete_data_disks_on_termination are false)",
                ),
                (Tri::True, _) | (_, Tri::True) => lost(
                    "disks are deleted with the machine (delete_*_disk(s)_on_termination = true)",
                ),
                _ => lost("whether its disks are deleted with it is not known"),
            }
        }
        "digitalocean_droplet"
        | "linode_instance"
        | "hcloud_server"
        | "vsphere_virtual_machine"
        | "openstack_compute_instance_v2"
        | "aws_lightsail_instance" => lost("its local disk is deleted with the machine"),
        "aws_autoscaling_group"
        | "google_compute_instance_group_manager"
        | "google_compute_region_instance_group_manager" => o(
            RecoverableWithEffort,
            "its instances are terminated with their boot disks; a group's instances are replaceable by design",
        ),
        "aws_spot_instance_request" | "aws_spot_fleet_request" | "aws_ec2_fleet" => {
            lost("spot instances are terminated with their root volumes")
        }
        _ => return None,
    })
}

/// Kubernetes: volumes by reclaim policy, namespaces and stateful sets by what they contain.
fn kubernetes(ty: &str, a: &Attrs<'_>, ctx: &Context<'_>) -> Option<Outcome> {
    let by_reclaim = |policy: Option<&str>, subject: &str| -> Outcome {
        match policy {
            Some("Retain") => o(
                RecoverableWithEffort,
                format!(
                    "{subject}: the backing volume is kept (reclaim policy Retain) and can be bound again"
                ),
            ),
            Some(p @ ("Delete" | "Recycle")) => o(
                Unrecoverable,
                format!(
                    "{subject}: the backing volume and its data are deleted (reclaim policy {p})"
                ),
            ),
            _ => o(
                NeedsReview,
                format!(
                    "{subject}: the reclaim policy is not known; dynamically provisioned volumes default to Delete, which deletes the data"
                ),
            ),
        }
    };
    Some(match ty {
        "kubernetes_persistent_volume_claim" | "kubernetes_persistent_volume_claim_v1" => {
            let volume = a.text(&["spec", "volume_name"]);
            let class = a.text(&["spec", "storage_class_name"]);
            let policy = volume
                .and_then(|v| ctx.volumes.get(v))
                .or_else(|| class.and_then(|c| ctx.classes.get(c)))
                .map(String::as_str);
            by_reclaim(policy, "deleting the claim releases its volume")
        }
        "kubernetes_persistent_volume" | "kubernetes_persistent_volume_v1" => by_reclaim(
            a.text(&["spec", "persistent_volume_reclaim_policy"]),
            "deleting the volume object",
        ),
        "kubernetes_storage_class" | "kubernetes_storage_class_v1" => o(
            RecoverableWithEffort,
            "a storage class holds no data; existing volumes keep their reclaim policy",
        ),
        "kubernetes_namespace" | "kubernetes_namespace_v1" => o(
            NeedsReview,
            "deleting a namespace deletes everything in it, managed by Terraform or not: workloads, secrets, volume claims (and, with reclaim policy Delete, their data)",
        ),
        "kubernetes_stateful_set" | "kubernetes_stateful_set_v1" => match a.text(&[
            "spec",
            "persistent_volume_claim_retention_policy",
            "when_deleted",
        ]) {
            Some("Delete") => o(
                NeedsReview,
                "its volume claims are deleted with it (persistent_volume_claim_retention_policy.when_deleted = Delete), and their data with reclaim policy Delete",
            ),
            _ => o(
                RecoverableWithEffort,
                "its pods stop; their volume claims are kept (claims are retained unless when_deleted = Delete)",
            ),
        },
        "kubernetes_manifest" | "kubectl_manifest" => {
            let kind = a
                .text(&["manifest", "kind"])
                .or_else(|| a.text(&["kind"]))
                .or_else(|| a.text(&["yaml_body"]).and_then(manifest_kind));
            manifest(kind)
        }
        "helm_release" => o(
            NeedsReview,
            "uninstalling the release deletes every object it installed; charts with volumes, databases or CRDs take their data with them",
        ),
        _ => return None,
    })
}

/// `kind:` of a YAML manifest, by line (enough for the one field, no YAML parser needed).
fn manifest_kind(yaml: &str) -> Option<&str> {
    yaml.lines()
        .find_map(|l| l.strip_prefix("kind:"))
        .map(|k| k.trim().trim_matches(['"', '\'']))
}

fn manifest(kind: Option<&str>) -> Outcome {
    match kind {
        Some(
            "Deployment"
            | "Service"
            | "ConfigMap"
            | "Secret"
            | "Ingress"
            | "DaemonSet"
            | "ServiceAccount"
            | "Role"
            | "RoleBinding"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "NetworkPolicy"
            | "HorizontalPodAutoscaler"
            | "PodDisruptionBudget"
            | "Job"
            | "CronJob"
            | "IngressClass"
            | "PriorityClass"
            | "LimitRange"
            | "ResourceQuota",
        ) => o(
            RecoverableWithEffort,
            "the object is rebuilt from its manifest; it holds no data",
        ),
        Some("Namespace") => o(
            NeedsReview,
            "deleting a namespace deletes everything in it, managed by Terraform or not",
        ),
        Some("CustomResourceDefinition") => o(
            NeedsReview,
            "deleting a CRD deletes every custom resource of that kind in the cluster",
        ),
        Some("PersistentVolumeClaim" | "PersistentVolume") => o(
            NeedsReview,
            "the volume's data is deleted with it unless its reclaim policy is Retain",
        ),
        Some(k) => o(
            NeedsReview,
            format!(
                "the consequences of deleting a `{k}` object are not known: whatever it holds may be lost with it"
            ),
        ),
        None => o(
            NeedsReview,
            "the manifest's kind is not known: whatever it holds may be lost with it",
        ),
    }
}

/// Objects that contain other objects, managed by Terraform or not.
fn container(ty: &str, a: &Attrs<'_>, ctx: &Context<'_>) -> Option<Outcome> {
    Some(match ty {
        "azurerm_resource_group" => match ctx.config.and_then(|c| {
            c.provider_flag(
                "azurerm",
                &[
                    "features",
                    "resource_group",
                    "prevent_deletion_if_contains_resources",
                ],
            )
        }) {
            Some(false) => o(
                Unrecoverable,
                "deleting the resource group deletes every resource in it, including ones Terraform does not manage (prevent_deletion_if_contains_resources = false)",
            ),
            _ => o(
                NeedsReview,
                "deleting the resource group deletes every resource in it; the provider refuses only while it still holds resources Terraform does not manage (prevent_deletion_if_contains_resources)",
            ),
        },
        "google_project" => match (a.text(&["deletion_policy"]), a.flag(&["skip_delete"])) {
            (Some("ABANDON"), _) | (_, Some(true)) => o(
                RecoverableWithEffort,
                "the project is abandoned, not deleted (deletion_policy ABANDON / skip_delete): Terraform only forgets it",
            ),
            (Some("PREVENT"), _) => refuses("deletion_policy PREVENT"),
            _ => o(
                NeedsReview,
                "deleting the project shuts down everything in it, managed by Terraform or not; it can be restored only within 30 days",
            ),
        },
        "google_folder" => match a.flag(&["deletion_protection"]) {
            Some(true) => refuses("deletion_protection"),
            _ => o(
                NeedsReview,
                "a folder holds projects and folders; deleting it fails unless it is empty, and its IAM policy is lost",
            ),
        },
        "aws_organizations_account" => o(
            NeedsReview,
            "closing or removing the account affects everything in it (close_on_deletion decides which)",
        ),
        "aws_organizations_organizational_unit" => o(
            NeedsReview,
            "an OU holds accounts and policies; deleting it fails unless it is empty",
        ),
        "azurerm_management_group" | "azurerm_subscription" => o(
            NeedsReview,
            "it contains subscriptions or resources that go with it",
        ),
        "aws_eks_cluster"
        | "azurerm_kubernetes_cluster"
        | "digitalocean_kubernetes_cluster"
        | "linode_lke_cluster"
        | "aws_ecs_cluster"
        | "google_container_cluster"
        | "oci_containerengine_cluster" => {
            if a.flag(&["deletion_protection"]) == Some(true) {
                return Some(refuses("deletion_protection"));
            }
            o(
                NeedsReview,
                "a managed Kubernetes (or container) cluster: every workload, secret and volume claim in it, and all in-cluster state, is deleted with it",
            )
        }
        _ => return None,
    })
}

/// Authoritative IAM: deleting it removes access that was not Terraform's to remove.
fn iam(ty: &str) -> Option<Outcome> {
    if ty.starts_with("google_") {
        if ty.ends_with("_iam_policy") {
            return Some(o(
                NeedsReview,
                "an authoritative IAM policy: deleting it removes every binding on the resource, not just Terraform's, and can lock everyone out",
            ));
        }
        if ty.ends_with("_iam_binding") {
            return Some(o(
                NeedsReview,
                "an authoritative IAM binding: every member of the role loses it, including members added outside Terraform (a lock-out risk)",
            ));
        }
        if ty.ends_with("_iam_member") || ty.ends_with("_iam_audit_config") {
            return Some(o(
                Reversible,
                "one member loses one role; planning again restores it",
            ));
        }
    }
    Some(match ty {
        "aws_iam_policy_attachment" => o(
            NeedsReview,
            "aws_iam_policy_attachment is exclusive: deleting it detaches the policy from every user, role and group, including ones attached outside Terraform",
        ),
        "aws_iam_user" => o(
            NeedsReview,
            "the user's console password, access keys and MFA devices are deleted; the person is locked out until new ones are issued",
        ),
        "aws_iam_access_key" => o(
            RecoverableWithEffort,
            "the secret access key cannot be recovered; a new key must be issued",
        ),
        "aws_iam_user_login_profile" => o(
            RecoverableWithEffort,
            "the user's console password is removed; a new one must be set",
        ),
        "azuread_application" | "azuread_service_principal" | "azuread_user" | "azuread_group" => {
            o(
                NeedsReview,
                "a directory object: credentials, sign-ins and group memberships that depend on it stop working (soft-deleted for 30 days)",
            )
        }
        t if t.starts_with("aws_iam_")
            && (t.ends_with("_attachment") || t.ends_with("_membership")) =>
        {
            o(Reversible, "an attachment: planning again restores it")
        }
        _ => return None,
    })
}

/// Released addresses cannot be got back.
fn address(ty: &str, a: &Attrs<'_>) -> Option<Outcome> {
    let released = "the public IP address is released: it cannot be got back, and whatever pinned it (DNS, allow-lists, partners) breaks";
    Some(match ty {
        "aws_eip"
        | "azurerm_public_ip"
        | "azurerm_public_ip_prefix"
        | "aws_lightsail_static_ip"
        | "digitalocean_reserved_ip"
        | "digitalocean_floating_ip"
        | "google_compute_global_address" => o(NeedsReview, released),
        "google_compute_address" => match a.text(&["address_type"]) {
            Some("INTERNAL") => o(
                RecoverableWithEffort,
                "an internal address reservation: it can be reserved again",
            ),
            _ => o(NeedsReview, released),
        },
        _ => return None,
    })
}

fn github(ty: &str, a: &Attrs<'_>) -> Option<Outcome> {
    Some(match ty {
        "github_repository" => match a.tri(&["archive_on_destroy"]) {
            Tri::True => o(
                RecoverableWithEffort,
                "archive_on_destroy = true: the repository is archived, not deleted",
            ),
            _ => o(
                NeedsReview,
                "the repository is deleted with its history, issues, pull requests and wiki (archive_on_destroy is not set); only an organization owner can restore it, within 90 days",
            ),
        },
        "github_branch" => o(
            NeedsReview,
            "commits that are only on this branch become unreachable",
        ),
        "github_branch_protection"
        | "github_branch_protection_v3"
        | "github_repository_ruleset"
        | "github_organization_ruleset" => o(
            NeedsReview,
            "branch protection is removed: force pushes and deletions become possible until it is restored",
        ),
        _ => return None,
    })
}

/// Data stores, by type.
fn store(ty: &str, a: &Attrs<'_>) -> Option<Outcome> {
    Some(match ty {
        "aws_db_instance"
        | "aws_rds_cluster"
        | "aws_neptune_cluster"
        | "aws_docdb_cluster"
        | "aws_redshift_cluster"
        | "aws_docdb_elastic_cluster" => rds_like(a),
        "aws_rds_cluster_instance"
        | "aws_docdb_cluster_instance"
        | "aws_neptune_cluster_instance"
        | "google_alloydb_instance" => o(
            RecoverableWithEffort,
            "a cluster member; the cluster keeps the data",
        ),
        "aws_rds_global_cluster" => o(
            NeedsReview,
            "the global cluster's replication ends; the member clusters keep their data",
        ),
        "aws_s3_bucket" | "aws_s3_directory_bucket" => bucket(a, "force_destroy"),
        "google_storage_bucket" | "digitalocean_spaces_bucket" => bucket(a, "force_destroy"),
        "aws_s3_object"
        | "aws_s3_bucket_object"
        | "google_storage_bucket_object"
        | "azurerm_storage_blob" => o(
            NeedsReview,
            "the object is gone unless its bucket keeps versions",
        ),
        "aws_s3_bucket_versioning" => o(
            NeedsReview,
            "versioning is suspended: later overwrites and deletes in the bucket can no longer be undone",
        ),
        "aws_s3_bucket_object_lock_configuration" => o(
            NeedsReview,
            "object lock retention is removed from new objects",
        ),
        "aws_dynamodb_table" => {
            if a.flag(&["deletion_protection_enabled"]) == Some(true) {
                refuses("deletion_protection_enabled")
            } else if a.flag(&["point_in_time_recovery", "enabled"]) == Some(true) {
                o(
                    RecoverableFromBackup,
                    "point-in-time recovery can restore the table after deletion",
                )
            } else {
                o(
                    Unrecoverable,
                    "no point-in-time recovery: every item is lost",
                )
            }
        }
        "aws_dynamodb_global_table" => o(Unrecoverable, "every item in the table is lost"),
        "aws_dynamodb_table_item" => o(
            NeedsReview,
            "the item is deleted, with any attributes written outside Terraform",
        ),
        "aws_ebs_volume" => {
            if a.flag(&["final_snapshot"]) == Some(true) {
                o(
                    RecoverableFromBackup,
                    "final_snapshot = true: a snapshot is taken before deletion",
                )
            } else {
                o(
                    Unrecoverable,
                    "the volume's data is destroyed (no final_snapshot)",
                )
            }
        }
        "aws_efs_file_system" => o(Unrecoverable, "every file on the file system is destroyed"),
        "aws_fsx_windows_file_system"
        | "aws_fsx_ontap_volume"
        | "aws_fsx_openzfs_file_system"
        | "aws_fsx_openzfs_volume"
        | "aws_fsx_ontap_file_system" => match a.tri(&["skip_final_backup"]) {
            Tri::False if a.raw(&["skip_final_backup"]).is_some() => o(
                RecoverableFromBackup,
                "a final backup is taken before deletion (skip_final_backup = false)",
            ),
            _ => o(
                Unrecoverable,
                "every file is destroyed, without a final backup",
            ),
        },
        "aws_fsx_lustre_file_system" => {
            o(Unrecoverable, "every file on the file system is destroyed")
        }
        "aws_elasticache_cluster"
        | "aws_elasticache_replication_group"
        | "aws_memorydb_cluster"
        | "aws_elasticache_serverless_cache" => {
            if a.text(&["engine"]) == Some("memcached") {
                o(
                    RecoverableWithEffort,
                    "a memcached cache: contents are rebuilt, not restored",
                )
            } else if let Some(id) = a
                .text(&["final_snapshot_identifier"])
                .or_else(|| a.text(&["final_snapshot_name"]))
            {
                o(
                    RecoverableFromBackup,
                    format!("a final snapshot `{id}` is taken before deletion"),
                )
            } else {
                o(
                    Unrecoverable,
                    "no final_snapshot_identifier: cached data and its snapshots are lost",
                )
            }
        }
        "aws_kms_key" | "aws_kms_replica_key" | "aws_kms_external_key" => {
            let days = a.number(&["deletion_window_in_days"]).unwrap_or(30.0);
            o(
                NeedsReview,
                format!(
                    "the key is scheduled for deletion in {days} days (cancellable until then); everything encrypted under it becomes unreadable after"
                ),
            )
        }
        "google_kms_crypto_key" => o(
            NeedsReview,
            "key versions are destroyed after the scheduled period; data encrypted under them becomes unreadable",
        ),
        "google_kms_crypto_key_version" => o(
            NeedsReview,
            "the key version is destroyed after the scheduled period; data encrypted under it becomes unreadable",
        ),
        "aws_secretsmanager_secret" => match a.number(&["recovery_window_in_days"]) {
            Some(0.0) => o(
                Unrecoverable,
                "recovery_window_in_days = 0: the secret is deleted at once",
            ),
            Some(d) => o(
                RecoverableFromBackup,
                format!("the secret can be restored for {d} days"),
            ),
            None => o(
                RecoverableFromBackup,
                "the secret can be restored during the default 30-day recovery window",
            ),
        },
        "aws_secretsmanager_secret_version" => o(
            NeedsReview,
            "this version of the secret's value is deleted; a value not in configuration is lost",
        ),
        "google_secret_manager_secret" => o(
            NeedsReview,
            "every version of the secret is destroyed; values not in configuration are lost",
        ),
        "google_secret_manager_secret_version" => match a.text(&["deletion_policy"]) {
            Some("DISABLE" | "ABANDON") => o(
                RecoverableWithEffort,
                "the version is disabled or abandoned, not destroyed (deletion_policy)",
            ),
            _ => o(
                NeedsReview,
                "the secret version is destroyed; a value not in configuration is lost",
            ),
        },
        "azurerm_key_vault_secret" | "azurerm_key_vault_key" | "azurerm_key_vault_certificate" => {
            o(
                NeedsReview,
                "soft-deleted, and purged on destroy unless the provider's key_vault features say otherwise: a value not in configuration is lost",
            )
        }
        "vault_kv_secret" | "vault_kv_secret_v2" | "vault_generic_secret" => o(
            NeedsReview,
            "the secret (and, for KV v2, its version history) is deleted",
        ),
        "vault_mount" => o(
            Unrecoverable,
            "every secret under the mount is deleted with it",
        ),
        "aws_route53_zone" => match a.tri(&["force_destroy"]) {
            Tri::True => o(
                Unrecoverable,
                "force_destroy = true deletes every record in the zone, including ones Terraform does not manage",
            ),
            _ => o(
                NeedsReview,
                "the zone's records and its name-server delegation are lost",
            ),
        },
        "google_dns_managed_zone"
        | "azurerm_dns_zone"
        | "azurerm_private_dns_zone"
        | "cloudflare_zone"
        | "digitalocean_domain" => o(
            NeedsReview,
            "the zone's records, including ones Terraform does not manage, and its delegation are lost",
        ),
        "aws_route53domains_registered_domain" | "aws_route53domains_domain" => o(
            NeedsReview,
            "the domain registration may lapse and the domain be lost to anyone",
        ),
        "aws_ssm_parameter" => o(
            RecoverableWithEffort,
            "the parameter's value is lost unless it is in configuration",
        ),
        "aws_ecr_repository" => match a.tri(&["force_delete"]) {
            Tri::True => o(Unrecoverable, "force_delete = true deletes every image"),
            Tri::Unknown => o(
                NeedsReview,
                "force_delete is not known: if true, every image is deleted",
            ),
            Tri::False => o(
                RecoverableWithEffort,
                "the delete fails unless the repository is empty",
            ),
        },
        "google_artifact_registry_repository"
        | "azurerm_container_registry"
        | "aws_ecrpublic_repository"
        | "aws_codeartifact_repository"
        | "aws_codeartifact_domain" => o(
            Unrecoverable,
            "every image or package stored in the repository is deleted",
        ),
        "aws_cloudwatch_log_group" => o(NeedsReview, "every log event in the group is deleted"),
        "google_logging_project_bucket_config"
        | "azurerm_log_analytics_workspace"
        | "azurerm_application_insights" => o(
            NeedsReview,
            "the logs and telemetry stored in it are deleted (soft-deleted for a short period at most)",
        ),
        "aws_cloudtrail" | "google_logging_organization_sink" => o(
            NeedsReview,
            "audit logging stops; logs already delivered stay where they are",
        ),
        "aws_guardduty_detector"
        | "aws_securityhub_account"
        | "aws_config_configuration_recorder"
        | "aws_config_delivery_channel"
        | "aws_macie2_account" => o(
            NeedsReview,
            "security monitoring stops, and its findings or history are deleted with it",
        ),
        "aws_opensearch_domain"
        | "aws_elasticsearch_domain"
        | "aws_opensearchserverless_collection" => {
            o(Unrecoverable, "the domain's indices are deleted")
        }
        "aws_timestreamwrite_database"
        | "aws_timestreamwrite_table"
        | "aws_keyspaces_keyspace"
        | "aws_keyspaces_table"
        | "aws_qldb_ledger"
        | "aws_redshiftserverless_namespace"
        | "aws_glacier_vault"
        | "aws_codecommit_repository"
        | "aws_directory_service_directory"
        | "aws_lightsail_database"
        | "aws_lightsail_disk" => o(Unrecoverable, "the data stored in it is destroyed"),
        "aws_cognito_user_pool" => match a.text(&["deletion_protection"]) {
            Some("ACTIVE") => refuses("deletion_protection"),
            _ => o(
                Unrecoverable,
                "every user account in the pool is deleted: users cannot sign in and must register again",
            ),
        },
        "aws_cognito_identity_pool" => o(
            NeedsReview,
            "identity ids are deleted: users get new identities, and data keyed by the old ones is orphaned",
        ),
        "aws_glue_catalog_database" | "aws_glue_catalog_table" | "aws_athena_database" => o(
            NeedsReview,
            "table definitions are deleted (the data in S3 stays, but queries over it break until they are recreated)",
        ),
        "aws_sfn_state_machine" => o(
            NeedsReview,
            "running executions are stopped and the execution history is lost",
        ),
        "aws_acmpca_certificate_authority" => o(
            NeedsReview,
            "the private CA is deleted after its restore window; certificates it issued can no longer be renewed or revoked",
        ),
        "google_sql_database_instance" => {
            if a.flag(&["deletion_protection"]) == Some(true) {
                o(
                    NeedsReview,
                    "deletion_protection is on: Terraform will refuse, yet the plan intends to delete it",
                )
            } else {
                o(Unrecoverable, "the instance's backups are deleted with it")
            }
        }
        "google_sql_database" | "google_spanner_database" => {
            o(Unrecoverable, "the database's data is destroyed")
        }
        "google_spanner_instance"
        | "google_bigtable_instance"
        | "google_bigtable_table"
        | "google_redis_instance"
        | "google_filestore_instance"
        | "google_alloydb_cluster"
        | "google_firestore_document"
        | "google_dataproc_cluster"
        | "google_memorystore_instance" => {
            if a.flag(&["deletion_protection"]) == Some(true) {
                refuses("deletion_protection")
            } else {
                o(Unrecoverable, "the data stored in it is destroyed")
            }
        }
        "google_firestore_database" => match a.text(&["deletion_policy"]) {
            Some("DELETE") => o(
                Unrecoverable,
                "deletion_policy DELETE: every document in the database is destroyed",
            ),
            _ => o(
                RecoverableWithEffort,
                "the database is abandoned, not deleted (deletion_policy ABANDON, the default): Terraform only forgets it",
            ),
        },
        "google_compute_disk"
        | "google_compute_region_disk"
        | "azurerm_managed_disk"
        | "digitalocean_volume"
        | "hcloud_volume"
        | "openstack_blockstorage_volume_v3"
        | "linode_volume" => o(Unrecoverable, "the disk's data is destroyed"),
        "google_bigquery_dataset" => match a.tri(&["delete_contents_on_destroy"]) {
            Tri::True => o(
                Unrecoverable,
                "delete_contents_on_destroy = true deletes every table",
            ),
            Tri::Unknown => o(
                NeedsReview,
                "delete_contents_on_destroy is not known: if true, every table is deleted",
            ),
            Tri::False => o(
                RecoverableWithEffort,
                "the delete fails unless the dataset is empty",
            ),
        },
        "google_bigquery_table" => {
            if a.flag(&["deletion_protection"]) == Some(true) {
                o(
                    NeedsReview,
                    "deletion_protection is on: Terraform will refuse, yet the plan intends to delete it",
                )
            } else {
                o(Unrecoverable, "the table's rows are destroyed")
            }
        }
        "azurerm_mssql_database" | "azurerm_sql_database" => o(
            RecoverableFromBackup,
            "a deleted database can be restored from backups within the retention period",
        ),
        "azurerm_mssql_server" | "azurerm_sql_server" | "azurerm_mssql_managed_instance" => o(
            Unrecoverable,
            "every database on the server, and its backups, are deleted",
        ),
        "azurerm_storage_account"
        | "azurerm_storage_container"
        | "azurerm_storage_share"
        | "azurerm_storage_table"
        | "azurerm_storage_data_lake_gen2_filesystem"
        | "azurerm_storage_share_file" => o(Unrecoverable, "the stored data is destroyed"),
        "azurerm_postgresql_flexible_server"
        | "azurerm_mysql_flexible_server"
        | "azurerm_cosmosdb_account"
        | "azurerm_postgresql_server"
        | "azurerm_mysql_server"
        | "azurerm_mariadb_server"
        | "azurerm_redis_cache"
        | "azurerm_cosmosdb_sql_database"
        | "azurerm_cosmosdb_sql_container"
        | "azurerm_cosmosdb_mongo_database"
        | "azurerm_cosmosdb_mongo_collection"
        | "azurerm_cosmosdb_table"
        | "azurerm_cosmosdb_cassandra_keyspace"
        | "azurerm_postgresql_flexible_server_database"
        | "azurerm_mysql_flexible_database"
        | "azurerm_search_service"
        | "azurerm_data_lake_store" => o(Unrecoverable, "the server's databases are destroyed"),
        "azurerm_key_vault" => match a.flag(&["purge_protection_enabled"]) {
            Some(true) => o(
                RecoverableFromBackup,
                "purge protection is on: keys and secrets are soft-deleted and can be recovered during the retention period",
            ),
            _ => o(
                NeedsReview,
                "keys and secrets are soft-deleted; purge protection decides whether they come back",
            ),
        },
        "digitalocean_database_cluster"
        | "digitalocean_database_db"
        | "mongodbatlas_cluster"
        | "mongodbatlas_advanced_cluster"
        | "postgresql_database"
        | "mysql_database"
        | "elasticsearch_index" => o(Unrecoverable, "the databases and their data are destroyed"),
        "snowflake_database" | "snowflake_schema" | "snowflake_table" => {
            match a.number(&["data_retention_time_in_days"]) {
                Some(d) if d > 0.0 => o(
                    RecoverableFromBackup,
                    format!(
                        "it can be restored with UNDROP for {d} days (data_retention_time_in_days)"
                    ),
                ),
                _ => o(
                    Unrecoverable,
                    "its data is destroyed (no Time Travel retention)",
                ),
            }
        }
        "tls_private_key" => o(
            NeedsReview,
            "the private key exists only in Terraform state: it is lost for good, and everything that trusts it (certificates, SSH keys) must be re-issued",
        ),
        _ => return None,
    })
}

/// The tier of destroying an existing object of `ty` whose last known values are `a`.
pub(crate) fn destroy_tier(ty: &str, a: &Attrs<'_>, ctx: &Context<'_>) -> Outcome {
    if let Some(x) = store(ty, a)
        .or_else(|| queue(ty, a))
        .or_else(|| kubernetes(ty, a, ctx))
        .or_else(|| container(ty, a, ctx))
        .or_else(|| machine(ty, a, ctx))
        .or_else(|| address(ty, a))
        .or_else(|| github(ty, a))
        .or_else(|| iam(ty))
    {
        return x;
    }
    if BACKUPS.contains(&ty) {
        return o(
            Unrecoverable,
            "deletes backups or the vault that holds them",
        );
    }
    if NO_EFFECT.contains(&ty) {
        return o(Reversible, "has no effect outside Terraform");
    }
    if ty.starts_with("random_") {
        return o(
            RecoverableWithEffort,
            "a new random value replaces the old one; whatever stored the old value must take the new one",
        );
    }
    if ty == "aws_sns_topic" {
        return o(
            RecoverableWithEffort,
            "a topic stores no messages; subscriptions made outside Terraform (and their confirmations) are lost",
        );
    }
    if CONFIGURATION_ONLY.contains(&ty) {
        return o(
            RecoverableWithEffort,
            "holds no data; it is recreated from configuration",
        );
    }
    o(
        NeedsReview,
        format!(
            "the consequences of destroying a `{ty}` are not known: whatever it holds may be lost with it"
        ),
    )
}

/// Protective attributes and the value that means "protected".
pub(crate) const PROTECTIONS: &[(&[&str], bool)] = &[
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
    (&["archive_on_destroy"], true),
    (&["purge_protection_enabled"], true),
    (&["termination_protection_enabled"], true),
    (&["disable_api_termination"], true),
    (&["root_block_device", "delete_on_termination"], false),
    (&["boot_disk", "auto_delete"], false),
];
