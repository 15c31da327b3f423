//! Stored plans and the apply check.
//!
//! A plan record binds what was planned (the plan file's hash, the canonical plan digest, the
//! workspace, the environment, the state lineage and serial) to the verdict it got. Applying is
//! allowed only through [`verify_apply`], which checks, in order: the plan exists; it has not
//! expired; the plan file is byte-for-byte the one analyzed; workspace and environment match;
//! a `block` verdict has a break-glass grant and an `escalate` verdict a valid approval; and it
//! has not been applied (or started applying) already.

use recourse_policy::{Decision, Digest, Environment, Verdict};
use serde::{Deserialize, Serialize};

use crate::approval::{Approval, ApprovalRefusal, Trust};
use crate::bound::ConfigBinding;
use crate::ids::{ApprovalId, PlanId, Timestamp};

/// Where a plan is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlanStatus {
    /// Made and stored; may be applied.
    Planned,
    /// An apply has started (exactly one can).
    Applying,
    /// Applied successfully.
    Applied,
    /// The apply failed (the plan file is stale; plan again).
    Failed,
    /// Never applied before its deadline.
    Expired,
}

impl PlanStatus {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Planned => "planned",
            PlanStatus::Applying => "applying",
            PlanStatus::Applied => "applied",
            PlanStatus::Failed => "failed",
            PlanStatus::Expired => "expired",
        }
    }
}

/// A stored plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanRecord {
    /// Random 128-bit id.
    pub id: PlanId,
    /// SHA-256 of the binary plan file.
    pub plan_file_sha256: Digest,
    /// Canonical digest of `terraform show -json` (see [`crate::plan_digest`]).
    pub plan_digest: Digest,
    /// Workspace planned in.
    pub workspace: String,
    /// Environment planned in.
    pub environment: Environment,
    /// Terraform working directory.
    pub cwd: String,
    /// Allow-listed plan arguments.
    pub args: Vec<String>,
    /// Made with `-destroy`.
    pub destroy: bool,
    /// State lineage when planned, if state existed.
    pub lineage: Option<String>,
    /// State serial when planned, if state existed.
    pub serial: Option<u64>,
    /// Hash of the policy that decided it.
    pub policy_hash: Digest,
    /// When planned.
    pub created_at: Timestamp,
    /// Applicable until (exclusive).
    pub expires_at: Timestamp,
    /// The verdict.
    pub verdict: Verdict,
    /// Status.
    pub status: PlanStatus,
    /// Who asked for the plan (the principal).
    #[serde(default)]
    pub requester: String,
    /// The issuer that authenticated the requester (over HTTP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester_issuer: Option<String>,
    /// The configuration files, lock file and provider binaries the plan was made from: apply
    /// refuses if any of them changed.
    #[serde(default)]
    pub config: ConfigBinding,
    /// What config screening found (shown to the approver, decided in the verdict).
    #[serde(default)]
    pub findings: Vec<recourse_policy::ConfigFinding>,
}

/// What the caller presents when asking to apply, freshly computed.
#[derive(Debug, Clone, Copy)]
pub struct ApplyRequest<'a> {
    /// SHA-256 of the plan file as it is now on disk.
    pub plan_file_sha256: Digest,
    /// The workspace currently selected (verified by the runner).
    pub workspace: &'a str,
    /// The gateway's environment.
    pub environment: Environment,
    /// The approval presented, if any (looked up by the caller).
    pub approval: Option<&'a Approval>,
    /// Digest of this apply request (the approval must be bound to it).
    pub request_digest: Digest,
    /// What approvals are checked against (the approvers file and the environment's rules).
    pub trust: Trust<'a>,
}

/// Permission to apply one stored plan. Only [`verify_apply`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyPermission {
    plan_id: PlanId,
    plan_file_sha256: Digest,
    approval: Option<ApprovalId>,
    break_glass: bool,
}

impl ApplyPermission {
    /// The plan to apply.
    pub fn plan_id(&self) -> PlanId {
        self.plan_id
    }
    /// The plan file hash that was verified.
    pub fn plan_file_sha256(&self) -> Digest {
        self.plan_file_sha256
    }
    /// The approval to consume, if one was needed.
    pub fn approval(&self) -> Option<ApprovalId> {
        self.approval
    }
    /// Whether a break-glass grant was used.
    pub fn break_glass(&self) -> bool {
        self.break_glass
    }
}

/// Why a plan may not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyRefusal {
    /// No plan with that id.
    #[error("no plan with that id exists")]
    UnknownPlan,
    /// Past its TTL.
    #[error("the plan expired at {0}; plan again")]
    Expired(Timestamp),
    /// The plan file changed since it was analyzed.
    #[error("the plan file changed since it was analyzed (sha256 {expected} → {actual})")]
    PlanFileChanged {
        /// Hash at planning.
        expected: Digest,
        /// Hash now.
        actual: Digest,
    },
    /// Different workspace.
    #[error("the plan was made in workspace `{planned}`, but `{current}` is selected")]
    WorkspaceMismatch {
        /// At planning.
        planned: String,
        /// Now.
        current: String,
    },
    /// Different environment.
    #[error("the plan was made in environment {planned}, but this gateway serves {current}")]
    EnvironmentMismatch {
        /// At planning.
        planned: Environment,
        /// Now.
        current: Environment,
    },
    /// A `block` verdict: no approval can permit it.
    #[error(
        "the plan's verdict is block: it can never be approved (only a human break-glass can apply it)"
    )]
    Blocked,
    /// An `escalate` verdict and no approval presented.
    #[error("the plan needs a human approval: request one and retry with approval_id")]
    ApprovalRequired,
    /// The presented approval does not permit this apply.
    #[error("{0}")]
    Approval(ApprovalRefusal),
    /// Another apply of this plan is running.
    #[error("the plan is already being applied")]
    AlreadyApplying,
    /// Already applied.
    #[error("the plan was already applied; plans apply at most once")]
    AlreadyApplied,
    /// A previous apply failed.
    #[error("a previous apply of this plan failed; plan again")]
    PreviouslyFailed,
}

/// Decides whether a stored plan may be applied now. Pure: the caller looks up the record and
/// the approval, hashes the plan file and passes `now`.
pub fn verify_apply(
    record: Option<&PlanRecord>,
    req: &ApplyRequest<'_>,
    now: Timestamp,
) -> Result<ApplyPermission, ApplyRefusal> {
    let Some(rec) = record else {
        return Err(ApplyRefusal::UnknownPlan);
    };
    if rec.status == PlanStatus::Expired || now >= rec.expires_at {
        return Err(ApplyRefusal::Expired(rec.expires_at));
    }
    if req.plan_file_sha256 != rec.plan_file_sha256 {
        return Err(ApplyRefusal::PlanFileChanged {
            expected: rec.plan_file_sha256,
            actual: req.plan_file_sha256,
        });
    }
    if req.workspace != rec.workspace {
        return Err(ApplyRefusal::WorkspaceMismatch {
            planned: rec.workspace.clone(),
            current: req.workspace.to_owned(),
        });
    }
    if req.environment != rec.environment {
        return Err(ApplyRefusal::EnvironmentMismatch {
            planned: rec.environment,
            current: req.environment,
        });
    }
    let mut approval = None;
    let mut break_glass = false;
    match rec.verdict.decision() {
        Decision::Block => {
            let Some(a) = req.approval else {
                return Err(ApplyRefusal::Blocked);
            };
            let g = a
                .check(req.request_digest, now, &req.trust)
                .map_err(ApplyRefusal::Approval)?;
            if !g.break_glass {
                return Err(ApplyRefusal::Blocked);
            }
            approval = Some(a.id);
            break_glass = true;
        }
        Decision::Escalate => {
            let Some(a) = req.approval else {
                return Err(ApplyRefusal::ApprovalRequired);
            };
            let g = a
                .check(req.request_digest, now, &req.trust)
                .map_err(ApplyRefusal::Approval)?;
            break_glass = g.break_glass;
            approval = Some(a.id);
        }
        Decision::Allow | Decision::Warn => {
            // Not needed; but an approval that was presented must still be the right one.
            if let Some(a) = req.approval {
                a.check(req.request_digest, now, &req.trust)
                    .map_err(ApplyRefusal::Approval)?;
                approval = Some(a.id);
            }
        }
    }
    match rec.status {
        PlanStatus::Planned => {}
        PlanStatus::Applying => return Err(ApplyRefusal::AlreadyApplying),
        PlanStatus::Applied => return Err(ApplyRefusal::AlreadyApplied),
        PlanStatus::Failed => return Err(ApplyRefusal::PreviouslyFailed),
        PlanStatus::Expired => return Err(ApplyRefusal::Expired(rec.expires_at)),
    }
    Ok(ApplyPermission {
        plan_id: rec.id,
        plan_file_sha256: rec.plan_file_sha256,
        approval,
        break_glass,
    })
}

/// An illegal status change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {from} plan cannot become {to}")]
pub struct TransitionError {
    /// Current status.
    pub from: &'static str,
    /// Requested status.
    pub to: &'static str,
}

impl PlanRecord {
    /// Moves the plan to a new status, allowing only planned → applying → applied | failed and
    /// planned → expired. (The store performs this as one atomic compare-and-set.)
    pub fn transition(&mut self, to: PlanStatus) -> Result<(), TransitionError> {
        let ok = matches!(
            (self.status, to),
            (PlanStatus::Planned, PlanStatus::Applying)
                | (PlanStatus::Applying, PlanStatus::Applied)
                | (PlanStatus::Applying, PlanStatus::Failed)
                | (PlanStatus::Planned, PlanStatus::Expired)
        );
        if !ok {
            return Err(TransitionError {
                from: self.status.as_str(),
                to: to.as_str(),
            });
        }
        self.status = to;
        Ok(())
    }
}
