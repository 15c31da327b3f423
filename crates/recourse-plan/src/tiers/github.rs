//! GitHub: repositories with their history, branches and branch protection.

use recourse_policy::RecoverabilityTier::*;

use super::{Outcome, o};
use crate::attrs::{Attrs, Tri};

/// Repositories, branches and their protection, by type.
pub(super) fn tier(ty: &str, a: &Attrs<'_>) -> Option<Outcome> {
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
