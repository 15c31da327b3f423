//! Virtual machines and groups of them: whether their disks die with them.

use recourse_policy::RecoverabilityTier::*;

use super::{Context, Outcome, o};
use crate::attrs::{Attrs, Tri};

/// A virtual machine: what matters is whether its disks die with it.
pub(super) fn tier(ty: &str, a: &Attrs<'_>, ctx: &Context<'_>) -> Option<Outcome> {
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
