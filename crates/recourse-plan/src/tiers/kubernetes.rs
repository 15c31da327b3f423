//! Kubernetes objects managed through Terraform (the kubernetes, kubectl and helm providers):
//! volumes by reclaim policy, namespaces and stateful sets by what they contain, manifests by
//! their kind.

use recourse_policy::RecoverabilityTier::*;

use super::{Context, Outcome, o};
use crate::attrs::Attrs;

/// Kubernetes: volumes by reclaim policy, namespaces and stateful sets by what they contain.
pub(super) fn tier(ty: &str, a: &Attrs<'_>, ctx: &Context<'_>) -> Option<Outcome> {
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
