//! Objects that contain other objects, managed by Terraform or not: resource groups,
//! projects, folders, accounts and managed clusters.

use recourse_policy::RecoverabilityTier::*;

use super::{Context, Outcome, o, refuses};
use crate::attrs::Attrs;

/// Objects that contain other objects, managed by Terraform or not.
pub(super) fn tier(ty: &str, a: &Attrs<'_>, ctx: &Context<'_>) -> Option<Outcome> {
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
