//! Buckets, objects, disks, file systems and image or package registries: whether the
//! delete takes the contents with it.

use recourse_policy::RecoverabilityTier::*;

use super::{Outcome, o};
use crate::attrs::{Attrs, Tri};

/// Stored objects, files and images, by type.
pub(super) fn tier(ty: &str, a: &Attrs<'_>) -> Option<Outcome> {
    Some(match ty {
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
        "google_compute_disk"
        | "google_compute_region_disk"
        | "azurerm_managed_disk"
        | "digitalocean_volume"
        | "hcloud_volume"
        | "openstack_blockstorage_volume_v3"
        | "linode_volume" => o(Unrecoverable, "the disk's data is destroyed"),
        "azurerm_storage_account"
        | "azurerm_storage_container"
        | "azurerm_storage_share"
        | "azurerm_storage_table"
        | "azurerm_storage_data_lake_gen2_filesystem"
        | "azurerm_storage_share_file" => o(Unrecoverable, "the stored data is destroyed"),
        _ => return None,
    })
}

/// A bucket: `force` (the provider's force-destroy attribute) decides whether its objects go
/// with it.
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
