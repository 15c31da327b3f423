//! Identity and access: authoritative IAM policies and bindings, users and their credentials,
//! and attachments that planning again restores.

use recourse_policy::RecoverabilityTier::*;

use super::{Outcome, o};

/// Authoritative IAM: deleting it removes access that was not Terraform's to remove.
pub(super) fn tier(ty: &str) -> Option<Outcome> {
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
