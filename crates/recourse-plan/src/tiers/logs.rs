//! Logs, audit trails, security monitoring and execution history: what is recorded about
//! the past, which planning again does not bring back.

use recourse_policy::RecoverabilityTier::*;

use super::{Outcome, o};

/// Logs and monitoring, by type.
pub(super) fn tier(ty: &str) -> Option<Outcome> {
    Some(match ty {
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
        "aws_sfn_state_machine" => o(
            NeedsReview,
            "running executions are stopped and the execution history is lost",
        ),
        _ => return None,
    })
}
