//! Keys, secrets, certificate authorities and user pools: a value or identity that exists
//! nowhere else, and everything that depends on it.

use recourse_policy::RecoverabilityTier::*;

use super::{Outcome, o, refuses};
use crate::attrs::Attrs;

/// Keys, secrets and identities, by type.
pub(super) fn tier(ty: &str, a: &Attrs<'_>) -> Option<Outcome> {
    Some(match ty {
        "aws_kms_key" | "aws_kms_replica_key" | "aws_kms_external_key" => {
            let days = a.number(&["deletion_window_in_days"]).unwrap_or(30.0);
            o(
                NeedsReview,
                format!(
                    "the key is scheduled for deletion in {days} days (cancellable until then); everything encrypted under it becomes unreadable after"
                ),
            )
        }
        "google_kms_crypto_key" => o(
            NeedsReview,
            "key versions are destroyed after the scheduled period; data encrypted under them becomes unreadable",
        ),
        "google_kms_crypto_key_version" => o(
            NeedsReview,
            "the key version is destroyed after the scheduled period; data encrypted under it becomes unreadable",
        ),
        "aws_secretsmanager_secret" => match a.number(&["recovery_window_in_days"]) {
            Some(0.0) => o(
                Unrecoverable,
                "recovery_window_in_days = 0: the secret is deleted at once",
            ),
            Some(d) => o(
                RecoverableFromBackup,
                format!("the secret can be restored for {d} days"),
            ),
            None => o(
                RecoverableFromBackup,
                "the secret can be restored during the default 30-day recovery window",
            ),
        },
        "aws_secretsmanager_secret_version" => o(
            NeedsReview,
            "this version of the secret's value is deleted; a value not in configuration is lost",
        ),
        "google_secret_manager_secret" => o(
            NeedsReview,
            "every version of the secret is destroyed; values not in configuration are lost",
        ),
        "google_secret_manager_secret_version" => match a.text(&["deletion_policy"]) {
            Some("DISABLE" | "ABANDON") => o(
                RecoverableWithEffort,
                "the version is disabled or abandoned, not destroyed (deletion_policy)",
            ),
            _ => o(
                NeedsReview,
                "the secret version is destroyed; a value not in configuration is lost",
            ),
        },
        "azurerm_key_vault_secret" | "azurerm_key_vault_key" | "azurerm_key_vault_certificate" => {
            o(
                NeedsReview,
                "soft-deleted, and purged on destroy unless the provider's key_vault features say otherwise: a value not in configuration is lost",
            )
        }
        "vault_kv_secret" | "vault_kv_secret_v2" | "vault_generic_secret" => o(
            NeedsReview,
            "the secret (and, for KV v2, its version history) is deleted",
        ),
        "vault_mount" => o(
            Unrecoverable,
            "every secret under the mount is deleted with it",
        ),
        "aws_ssm_parameter" => o(
            RecoverableWithEffort,
            "the parameter's value is lost unless it is in configuration",
        ),
        "aws_cognito_user_pool" => match a.text(&["deletion_protection"]) {
            Some("ACTIVE") => refuses("deletion_protection"),
            _ => o(
                Unrecoverable,
                "every user account in the pool is deleted: users cannot sign in and must register again",
            ),
        },
        "aws_cognito_identity_pool" => o(
            NeedsReview,
            "identity ids are deleted: users get new identities, and data keyed by the old ones is orphaned",
        ),
        "aws_acmpca_certificate_authority" => o(
            NeedsReview,
            "the private CA is deleted after its restore window; certificates it issued can no longer be renewed or revoked",
        ),
        "azurerm_key_vault" => match a.flag(&["purge_protection_enabled"]) {
            Some(true) => o(
                RecoverableFromBackup,
                "purge protection is on: keys and secrets are soft-deleted and can be recovered during the retention period",
            ),
            _ => o(
                NeedsReview,
                "keys and secrets are soft-deleted; purge protection decides whether they come back",
            ),
        },
        "tls_private_key" => o(
            NeedsReview,
            "the private key exists only in Terraform state: it is lost for good, and everything that trusts it (certificates, SSH keys) must be re-issued",
        ),
        _ => return None,
    })
}
