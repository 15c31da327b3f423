//! The human control plane: listing approvals, and recording humans' signed decisions and
//! break-glass. Works on the same state directory as a running gateway, from another process;
//! never reachable through MCP. Every decision is a statement signed with a key registered in
//! the approvers file (outside the state directory); the gate honours nothing else. It records
//! through the same [`Recorder`] as the gate.

use std::path::{Path, PathBuf};

use recourse_plan::{
    Approval, ApprovalId, Approvers, Channel, Choice, NewApproval, PlanId, SecretKey, Statement,
    Tally, Timestamp, Trust,
};
use recourse_policy::{Digest, Environment, Policy};
use serde_json::json;

use crate::call;
use crate::clock::{RandomError, new_id_bytes};
use crate::redact::Redactor;
use crate::state::audit::AppendError;
use crate::state::db_path;
use crate::state::record::{AuditEvent, EventKind, Recorder};
use crate::state::store::{Store, StoreError};
use crate::trust::TrustError;

/// The human control plane on one state directory.
#[derive(Debug)]
pub struct ControlPlane {
    store: Store,
    recorder: Recorder,
    approvers: Approvers,
    approvers_path: Option<PathBuf>,
    policy: Policy,
    policy_hash: Digest,
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
    /// The approvers file or a key cannot be used.
    #[error(transparent)]
    Trust(#[from] TrustError),
}

/// The shortest reason a break-glass statement is accepted with.
pub const BREAK_GLASS_REASON: usize = 10;

/// The meta key under which the gateway stores its effective policy for the control plane.
pub(crate) const POLICY_META: &str = "policy_document";

impl ControlPlane {
    /// Opens the control plane on a state directory (which must exist: a gateway created it),
    /// with the approvers file decisions are checked against.
    pub fn open(state_dir: &Path, approvers: Option<&Path>) -> Result<ControlPlane, ControlError> {
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
        // The rules the running gateway enforces (its effective policy, stored at startup).
        let policy = store
            .meta(POLICY_META)?
            .and_then(|doc| Policy::from_yaml_str(&doc).ok())
            .unwrap_or_default();
        Ok(ControlPlane {
            recorder: Recorder::open(state_dir, policy_hash, Redactor::default())?,
            store,
            approvers: crate::trust::load_approvers(approvers)?,
            approvers_path: approvers.map(Path::to_owned),
            policy,
            policy_hash,
        })
    }

    /// The hash of the policy the gateway on this state directory runs.
    pub fn policy_hash(&self) -> Digest {
        self.policy_hash
    }

    /// The approvers file the decisions are checked against.
    pub fn approvers(&self) -> &Approvers {
        &self.approvers
    }

    /// The environment's approval rules.
    pub fn rules(&self, env: Environment) -> &recourse_policy::ApprovalRules {
        &self.policy.environment(env).approvals
    }

    fn trust(&self, env: Environment) -> Trust<'_> {
        Trust {
            approvers: &self.approvers,
            rules: &self.policy.environment(env).approvals,
            use_ttl_seconds: self.policy.approval_use_ttl_seconds.get(),
        }
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

    /// Where an approval stands, its decisions verified against the approvers file, and the
    /// problems of those that do not verify.
    pub fn tally(&self, a: &Approval, now: Timestamp) -> (Tally, Vec<String>) {
        let trust = self.trust(a.environment);
        (
            a.tally(now, &trust),
            a.problems(&trust)
                .into_iter()
                .map(|(_, p)| p.to_string())
                .collect(),
        )
    }

    /// A human decides with their own key: the statement is signed, checked against the
    /// approvers file and the environment's rules, recorded, and stored.
    pub fn decide(
        &self,
        id: ApprovalId,
        key: &SecretKey,
        choice: Choice,
        reason: &str,
        now: Timestamp,
    ) -> Result<(Approval, Tally), ControlError> {
        let name = self.registered_name(key)?;
        self.sign_and_store(id, key, (&name, &name, Channel::Cli), choice, reason, now)
    }

    /// The web control plane decides for a logged-in approver, with its own registered
    /// (`on_behalf`) key.
    pub fn decide_on_behalf(
        &self,
        id: ApprovalId,
        key: &SecretKey,
        approver: &str,
        choice: Choice,
        reason: &str,
        now: Timestamp,
    ) -> Result<(Approval, Tally), ControlError> {
        let signer = self.registered_name(key)?;
        self.sign_and_store(
            id,
            key,
            (approver, &signer, Channel::Web),
            choice,
            reason,
            now,
        )
    }

    fn registered_name(&self, key: &SecretKey) -> Result<String, ControlError> {
        self.approvers
            .by_key(&key.public())
            .map(|r| r.name.clone())
            .ok_or_else(|| {
                ControlError::Refused(format!(
                    "this key ({}) is not registered in the approvers file{}",
                    key.public(),
                    self.approvers_path
                        .as_ref()
                        .map(|p| format!(" {}", p.display()))
                        .unwrap_or_default()
                ))
            })
    }

    fn sign_and_store(
        &self,
        id: ApprovalId,
        key: &SecretKey,
        (approver, signer, channel): (&str, &str, Channel),
        choice: Choice,
        reason: &str,
        now: Timestamp,
    ) -> Result<(Approval, Tally), ControlError> {
        if choice == Choice::BreakGlass && reason.trim().chars().count() < BREAK_GLASS_REASON {
            return Err(ControlError::Refused(format!(
                "break-glass needs a real reason (at least {BREAK_GLASS_REASON} characters)"
            )));
        }
        let before = self.approval(id)?;
        let mut a = before.clone();
        let trust = self.trust(a.environment);
        let statement = Statement {
            approval_id: a.id,
            request_digest: a.request_digest,
            choice,
            approver: approver.to_owned(),
            signer: signer.to_owned(),
            channel,
            reason: reason.trim().to_owned(),
            issued_at: now,
            expires_at: a.expires_at.max(now.plus(trust.use_ttl_seconds)),
        }
        .sign(key);
        let tally = match a.add(statement.clone(), now, &trust) {
            Ok(t) => t,
            Err(e) => {
                self.recorder.record(
                    AuditEvent::new(
                        EventKind::ApprovalResolutionRefused,
                        json!({"approval_id": id, "approver": approver, "signer": signer, "error": e.to_string()}),
                    ),
                    now,
                )?;
                return Err(ControlError::Refused(e.to_string()));
            }
        };
        // Audit first: a grant that is not on record does not exist.
        let kind = match choice {
            Choice::Reject => EventKind::ApprovalRejected,
            Choice::Approve | Choice::BreakGlass => EventKind::ApprovalGranted,
        };
        self.recorder.record(
            AuditEvent::new(
                kind,
                json!({"approval_id": id, "approver": approver, "signer": signer, "channel": channel, "reason": reason, "request_digest": a.request_digest, "tool": a.tool, "statement": statement, "status": tally.status()}),
            ),
            now,
        )?;
        self.store.update_approval(&a, &before)?;
        Ok((a, tally))
    }

    /// Break-glass for a plan the policy blocks: a human's signed break-glass statement, bound to
    /// the plan's requester applying exactly that plan. Always audited as such.
    pub fn break_glass_plan(
        &self,
        plan_id: PlanId,
        key: &SecretKey,
        reason: &str,
        environment: Environment,
        now: Timestamp,
    ) -> Result<Approval, ControlError> {
        if reason.trim().chars().count() < BREAK_GLASS_REASON {
            return Err(ControlError::Refused(format!(
                "break-glass needs a real reason (at least {BREAK_GLASS_REASON} characters)"
            )));
        }
        let human = self.registered_name(key)?;
        let rec = self
            .store
            .plan(plan_id)?
            .ok_or_else(|| ControlError::NotFound(format!("no plan {plan_id}")))?;
        // Bound to the agent that made the plan: only it can use the grant.
        let digest = recourse_plan::apply_binding(
            &rec,
            environment,
            rec.policy_hash,
            &rec.requester,
            rec.requester_issuer.as_deref(),
        );
        let mut a = Approval::new(
            NewApproval {
                id: ApprovalId::from_bytes(new_id_bytes()?),
                request_digest: digest,
                requester: rec.requester.clone(),
                tool: call::TERRAFORM_APPLY.name.into(),
                summary: json!({"plan_id": plan_id.to_string(), "break_glass": true}),
                environment,
                plan_id: Some(plan_id),
                justification: Some(reason.into()),
            },
            now,
            3600,
        );
        let statement = Statement {
            approval_id: a.id,
            request_digest: digest,
            choice: Choice::BreakGlass,
            approver: human.clone(),
            signer: human.clone(),
            channel: Channel::BreakGlass,
            reason: reason.trim().to_owned(),
            issued_at: now,
            expires_at: now.plus(3600),
        }
        .sign(key);
        a.add(statement.clone(), now, &self.trust(environment))
            .map_err(|e| ControlError::Refused(e.to_string()))?;
        self.recorder.record(
            AuditEvent::new(
                EventKind::BreakGlass,
                json!({"approval_id": a.id, "plan_id": plan_id, "human": human, "reason": reason, "verdict": rec.verdict.decision(), "statement": statement}),
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
