//! Names and addresses others reach you by: DNS zones, registered domains and public IP
//! addresses, none of which is got back once released.

use recourse_policy::RecoverabilityTier::*;

use super::{Outcome, o};
use crate::attrs::{Attrs, Tri};

/// DNS zones and domains, by type; released addresses cannot be got back.
pub(super) fn tier(ty: &str, a: &Attrs<'_>) -> Option<Outcome> {
    let released = "the public IP address is released: it cannot be got back, and whatever pinned it (DNS, allow-lists, partners) breaks";
    Some(match ty {
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
