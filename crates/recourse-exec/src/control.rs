//! The human control plane: listing and resolving approvals, break-glass. Works on the same
//! state directory as a running gateway, from another process; never reachable through MCP.
//! It records through the same [`Recorder`] as the gate.

use std::path::Path;

use recourse_plan::{Approval, ApprovalId, Channel, NewApproval, PlanId, Timestamp};
use recourse_policy::Digest;
use serde_json::json;

use crate::call;
use crate::clock::{RandomError, new_id_bytes};
use crate::redact::Redactor;
use crate::state::audit::AppendError;
use crate::state::db_path;
use crate::state::record::{AuditEvent, EventKind, Recorder};
use crate::state::store::{Store, StoreError};

/// The human control plane on one state directory.
#[derive(Debug)]
pub struct ControlPlane {
    store: Store,
    recorder: Recorder,
}

/// A control-plane failure.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// Store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Audit.
    #[error(transparent)]
    Audit(#[from] AppendError),
    /// No such approval or plan.
    #[error("{0}")]
    NotFound(String),
    /// The decision was refused.
    #[error("{0}")]
    Refused(String),
    /// No randomness for ids.
    #[error(transparent)]
    Random(#[from] RandomError),
}

impl ControlPlane {
    /// Opens the control plane on a state directory (which must exist: a gateway created it).
    pub fn open(state_dir: &Path) -> Result<ControlPlane, ControlError> {
        if !db_path(state_dir).exists() {
            return Err(ControlError::NotFound(format!(
                "no gateway state in {} (start `recourse gateway serve --state-dir {}` first)",
                state_dir.display(),
                state_dir.display()
            )));
        }
        let store = Store::open(&db_path(state_dir))?;
        let policy_hash = store
            .meta("policy_sha256")?
            .and_then(|h| h.parse().ok())
            .unwrap_or_else(|| Digest::of(b"unknown policy"));
        Ok(ControlPlane {
            recorder: Recorder::open(state_dir, policy_hash, Redactor::default())?,
            store,
        })
    }

    /// All approvals, newest first.
    pub fn approvals(&self) -> Result<Vec<Approval>, ControlError> {
        Ok(self.store.approvals()?)
    }

    /// One approval.
    pub fn approval(&self, id: ApprovalId) -> Result<Approval, ControlError> {
        self.store
            .approval(id)?
            .ok_or_else(|| ControlError::NotFound(format!("no approval {id}")))
    }

    /// A human approves (or, with `approve = false`, rejects) a pending approval.
    pub fn resolve(
        &self,
        id: ApprovalId,
        approver: &str,
        reason: &str,
        channel: Channel,
        approve: bool,
        now: Timestamp,
    ) -> Result<Approval, ControlError> {
        let mut a = self.approval(id)?;
        let r = if approve {
            a.approve(approver, channel, reason, now)
        } else {
            a.reject(approver, channel, reason, now)
        };
        if let Err(e) = r {
            self.recorder.record(
                AuditEvent::new(
                    EventKind::ApprovalResolutionRefused,
                    json!({"approval_id": id, "approver": approver, "error": e.to_string()}),
                ),
                now,
            )?;
            return Err(ControlError::Refused(e.to_string()));
        }
        // Audit first: a grant that is not on record does not exist.
        let kind = if approve {
            EventKind::ApprovalGranted
        } else {
            EventKind::ApprovalRejected
        };
        self.recorder.record(
            AuditEvent::new(
                kind,
                json!({"approval_id": id, "approver": approver, "channel": channel, "reason": reason, "request_digest": a.request_digest, "tool": a.tool}),
            ),
            now,
        )?;
        self.store.update_approval(&a, "pending")?;
        Ok(a)
    }

    /// Break-glass for a plan the policy blocks: a human grant through the break-glass channel,
    /// bound to applying exactly that plan. Always audited as such.
    pub fn break_glass_plan(
        &self,
        plan_id: PlanId,
        human: &str,
        reason: &str,
        environment: recourse_policy::Environment,
        now: Timestamp,
    ) -> Result<Approval, ControlError> {
        if reason.trim().len() < 10 {
            return Err(ControlError::Refused(
                "break-glass needs a real reason (at least 10 characters)".into(),
            ));
        }
        let rec = self
            .store
            .plan(plan_id)?
            .ok_or_else(|| ControlError::NotFound(format!("no plan {plan_id}")))?;
        // Bound to the agent that made the plan: only it can use the grant.
        let digest =
            recourse_plan::apply_binding(&rec, environment, rec.policy_hash, &rec.requester);
        let mut a = Approval::new(
            NewApproval {
                id: ApprovalId::from_bytes(new_id_bytes()?),
                request_digest: digest,
                requester: "break-glass".into(),
                tool: call::TERRAFORM_APPLY.name.into(),
                summary: json!({"plan_id": plan_id.to_string(), "break_glass": true}),
                environment,
                plan_id: Some(plan_id),
                justification: Some(reason.into()),
            },
            now,
            3600,
        );
        a.approve(human, Channel::BreakGlass, reason, now)
            .map_err(|e| ControlError::Refused(e.to_string()))?;
        self.recorder.record(
            AuditEvent::new(
                EventKind::BreakGlass,
                json!({"approval_id": a.id, "plan_id": plan_id, "human": human, "reason": reason, "verdict": rec.verdict.decision()}),
            ),
            now,
        )?;
        self.store.insert_approval(&a)?;
        Ok(a)
    }

    /// The audit anchor (for verification).
    pub fn audit_anchor(&self) -> Result<Option<(u64, String)>, ControlError> {
        Ok(self.store.audit_anchor()?)
    }
}
