//! Queues, topics and streams: what is lost is the messages not yet consumed.

use recourse_policy::RecoverabilityTier::*;

use super::{Outcome, o};
use crate::attrs::Attrs;

/// Queues and streams: what is lost is the messages not yet consumed.
pub(super) fn tier(ty: &str, a: &Attrs<'_>) -> Option<Outcome> {
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
