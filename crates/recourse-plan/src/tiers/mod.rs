//! What destroying an object of a given type loses, by type, from the attributes that decide it.
//!
//! Knowledge, not prefixes: a type is only called cheap to destroy when it is listed here by
//! exact name (or by a short prefix vetted to cover nothing that holds data). Anything else is
//! `needs-review`, so a type this table has never heard of is never allowed on its own. Every
//! reason says what is lost, because the approver reads it.

use std::collections::HashMap;

use Tier::*;
use recourse_policy::RecoverabilityTier as Tier;

use crate::attrs::Attrs;
use crate::model::Configuration;
use lists::{CONFIGURATION_ONLY, NO_EFFECT};

mod compute;
mod containers;
mod databases;
mod github;
mod iam;
mod kubernetes;
mod lists;
mod logs;
mod names;
mod queues;
mod secrets;
mod storage;

pub(crate) use lists::{BACKUPS, DATA_BEARING};

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

/// The tier of destroying an existing object of `ty` whose last known values are `a`.
pub(crate) fn destroy_tier(ty: &str, a: &Attrs<'_>, ctx: &Context<'_>) -> Outcome {
    if let Some(x) = databases::tier(ty, a)
        .or_else(|| storage::tier(ty, a))
        .or_else(|| secrets::tier(ty, a))
        .or_else(|| logs::tier(ty))
        .or_else(|| queues::tier(ty, a))
        .or_else(|| kubernetes::tier(ty, a, ctx))
        .or_else(|| containers::tier(ty, a, ctx))
        .or_else(|| compute::tier(ty, a, ctx))
        .or_else(|| names::tier(ty, a))
        .or_else(|| github::tier(ty, a))
        .or_else(|| iam::tier(ty))
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
