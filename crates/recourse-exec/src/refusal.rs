//! Refusals are data. Per-tool code returns a [`Refusal`] and touches neither the log nor the
//! response; the gate's one boundary (`Gateway::answer`) renders it with [`Refusal::response`]
//! and records it with [`Refusal::event`].

use recourse_plan::{ApplyRefusal, ApprovalId, ApprovalRefusal, PlanId};
use recourse_policy::{Decision, Digest, Reason, Verdict};
use serde_json::{Value, json};

use crate::call::Caller;
use crate::response::{Response, Status};
use crate::state::audit::AppendError;
use crate::state::record::{AuditEvent, EventKind};

/// Why a call did not run (or, for [`Refusal::NeedsApproval`], does not run yet).
#[derive(Debug, thiserror::Error)]
pub(crate) enum Refusal {
    /// The arguments are invalid.
    #[error("rejected: {0}")]
    InvalidInput(String),
    /// The policy blocks it.
    #[error("{message}")]
    Blocked {
        /// The verdict.
        verdict: Verdict,
        /// What the agent reads.
        message: &'static str,
        /// The plan concerned.
        plan_id: Option<PlanId>,
        /// What the record keeps besides tool and agent (arguments, request digest).
        details: Value,
    },
    /// The presented approval does not permit this call.
    #[error("approval {id} does not permit this call: {why}")]
    Approval {
        /// The approval presented.
        id: ApprovalId,
        /// Why not.
        why: ApprovalRefusal,
        /// The call's verdict.
        verdict: Verdict,
        /// The call's request digest.
        digest: Option<Digest>,
    },
    /// A plan apply failed a check.
    #[error("not applied: {why}")]
    Apply {
        /// Why.
        why: NotApplied,
        /// The plan's verdict (`None` when there is no such plan).
        verdict: Option<Verdict>,
        /// The plan (as given).
        plan_id: String,
    },
    /// Something looked up does not exist.
    #[error("{message}")]
    NotFound {
        /// Rule id.
        rule: &'static str,
        /// Message.
        message: &'static str,
    },
    /// A runner step the call depends on failed (e.g. planning); nothing was applied.
    #[error("{what} failed: {detail}")]
    Failed {
        /// Rule id.
        rule: &'static str,
        /// What failed ("planning").
        what: &'static str,
        /// The (sanitized) failure.
        detail: String,
    },
    /// The "decided" record could not be written.
    #[error(
        "not executed: the audit record could not be written ({error}); the gateway fails closed"
    )]
    AuditUnavailable {
        /// The append error.
        error: AppendError,
        /// The call's verdict.
        verdict: Verdict,
    },
    /// A gateway fault; nothing ran.
    #[error("internal error, nothing was executed: {0}")]
    Internal(String),
    /// The sandbox cannot confine the command; nothing ran.
    #[error("not executed: {0}")]
    Sandbox(crate::run::sandbox::Unavailable),
    /// The gateway is shutting down.
    #[error("not executed: the gateway is shutting down")]
    ShuttingDown,
    /// The tool's runner is not configured on this gateway.
    #[error("{0}")]
    NotConfigured(&'static str),
    /// The policy does not admit this principal to this tool.
    #[error("refused: {0}")]
    Principal(recourse_policy::AccessRefusal),
    /// A human froze this environment, this principal, or everything.
    #[error("refused: {}", .0.message())]
    Frozen(crate::state::freeze::Freeze),
    /// Whether a freeze applies could not be read: refused (fail closed).
    #[error("refused: the freeze switch cannot be read ({0}); the gateway fails closed")]
    FreezeUnknown(String),
    /// The call escalates and no approval was presented: bind a pending approval.
    #[error("needs a human approval")]
    NeedsApproval(Escalation),
}

/// Why a stored plan is not applied.
#[derive(Debug, thiserror::Error)]
pub(crate) enum NotApplied {
    /// A lifecycle check failed.
    #[error(transparent)]
    Lifecycle(#[from] ApplyRefusal),
    /// The policy changed since planning.
    #[error("the policy changed since this plan was made; plan again")]
    PolicyChanged,
    /// The state moved since planning.
    #[error("the state changed since planning (lineage/serial {planned} → {current}); plan again")]
    StateChanged {
        /// At planning.
        planned: String,
        /// Now.
        current: String,
    },
    /// A file terraform loads, or a provider binary, changed since planning.
    #[error("what the plan was made from changed since planning: {}; plan again", .0.join("; "))]
    ConfigChanged(Vec<String>),
    /// Another apply claimed the plan first.
    #[error("the plan is already being applied or already applied")]
    Claimed,
    /// The approval could not be used up (someone else used it, or the store failed).
    #[error("{0}")]
    Approval(String),
    /// Another apply of the same workspace held it for longer than we wait.
    #[error("{0}")]
    Busy(String),
}

/// What an escalation binds: the pending approval is for exactly this.
#[derive(Debug, Clone)]
pub(crate) struct Escalation {
    /// The tool the approval is for (for a plan, `gateway_terraform_apply`).
    pub tool: &'static str,
    /// The bound arguments.
    pub arguments: Value,
    /// The request digest.
    pub digest: Digest,
    /// The plan, if any.
    pub plan_id: Option<PlanId>,
    /// The verdict that escalated.
    pub verdict: Verdict,
    /// Appended to the agent's message.
    pub note: Option<&'static str>,
    /// What the approver sees besides the arguments (a plan's changes, findings, providers).
    pub details: Option<Value>,
}

impl Refusal {
    /// The decision reported for this refusal.
    fn decision(&self) -> Decision {
        match self {
            Refusal::InvalidInput(_) | Refusal::Blocked { .. } | Refusal::NotFound { .. } => {
                Decision::Block
            }
            Refusal::Internal(_)
            | Refusal::Sandbox(_)
            | Refusal::NotConfigured(_)
            | Refusal::ShuttingDown
            | Refusal::Principal(_)
            | Refusal::Frozen(_)
            | Refusal::FreezeUnknown(_) => Decision::Block,
            Refusal::Approval { verdict, .. } | Refusal::AuditUnavailable { verdict, .. } => {
                verdict.decision()
            }
            Refusal::Apply { verdict, .. } => {
                verdict.as_ref().map_or(Decision::Block, Verdict::decision)
            }
            Refusal::Failed { .. } | Refusal::NeedsApproval(_) => Decision::Escalate,
        }
    }

    fn status(&self) -> Status {
        match self {
            Refusal::InvalidInput(_) => Status::RejectedInput,
            Refusal::Blocked { .. } => Status::Blocked,
            Refusal::Apply {
                why: NotApplied::Lifecycle(ApplyRefusal::Blocked),
                ..
            } => Status::Blocked,
            Refusal::NeedsApproval(_) => Status::PendingApproval,
            _ => Status::Refused,
        }
    }

    /// The reasons the agent and the record see.
    fn reasons(&self) -> Vec<Reason> {
        match self {
            Refusal::InvalidInput(e) => vec![Reason::new(Decision::Block, "input.invalid", e)],
            Refusal::Blocked { verdict, .. } | Refusal::Approval { verdict, .. } => {
                verdict.reasons().to_vec()
            }
            Refusal::Apply { why, verdict, .. } => {
                let mut r = match (why, verdict) {
                    (NotApplied::Lifecycle(_), Some(v)) => v.reasons().to_vec(),
                    _ => Vec::new(),
                };
                r.push(Reason::new(
                    Decision::Block,
                    "terraform.apply_refused",
                    why.to_string(),
                ));
                r
            }
            Refusal::NotFound { rule, message } => {
                vec![Reason::new(Decision::Block, *rule, *message)]
            }
            Refusal::Failed { rule, detail, .. } => {
                vec![Reason::new(Decision::Escalate, *rule, detail.clone())]
            }
            Refusal::AuditUnavailable { error, verdict } => {
                let mut r = verdict.reasons().to_vec();
                r.push(Reason::new(
                    Decision::Block,
                    "audit.append_failed",
                    error.to_string(),
                ));
                r
            }
            Refusal::Internal(e) => vec![Reason::new(
                Decision::Block,
                "gateway.internal_error",
                e.clone(),
            )],
            Refusal::Sandbox(e) => vec![Reason::new(
                Decision::Block,
                "sandbox_unavailable",
                e.0.clone(),
            )],
            Refusal::NotConfigured(m) => {
                vec![Reason::new(Decision::Block, "gateway.not_configured", *m)]
            }
            Refusal::ShuttingDown => vec![Reason::new(
                Decision::Block,
                "gateway.shutting_down",
                "the gateway is shutting down",
            )],
            Refusal::NeedsApproval(e) => e.verdict.reasons().to_vec(),
            Refusal::Frozen(f) => vec![Reason::new(Decision::Block, "freeze", f.message())],
            Refusal::FreezeUnknown(e) => {
                vec![Reason::new(Decision::Block, "freeze.unreadable", e.clone())]
            }
            Refusal::Principal(why) => {
                vec![Reason::new(Decision::Block, why.rule(), why.to_string())]
            }
        }
    }

    /// The answer to the agent.
    pub(crate) fn response(&self, tool: &str) -> Response {
        let message = match self {
            Refusal::Approval { id, why, .. } if *why == ApprovalRefusal::Unknown => {
                format!("approval {id}: {why}")
            }
            other => other.to_string(),
        };
        let mut r = Response::new(tool, self.decision(), self.status(), message)
            .with_reasons(&self.reasons());
        match self {
            Refusal::Blocked { plan_id, .. } => r.plan_id = *plan_id,
            Refusal::Apply { plan_id, .. } => r.plan_id = plan_id.parse().ok(),
            _ => {}
        }
        r
    }

    /// The record of this refusal; `None` when the log itself is what failed.
    pub(crate) fn event(&self, tool: &str, caller: &Caller) -> Option<AuditEvent> {
        let base = json!({"tool": tool, "agent": caller.audit()});
        let (kind, extra) = match self {
            Refusal::AuditUnavailable { .. } | Refusal::NeedsApproval(_) => return None,
            Refusal::InvalidInput(e) => (EventKind::RejectedInput, json!({"error": e})),
            Refusal::Blocked { details, .. } => {
                let mut extra = details.clone();
                if let Some(m) = extra.as_object_mut() {
                    m.insert("decision".into(), json!("block"));
                    m.insert("reasons".into(), json!(self.reasons()));
                }
                (EventKind::Decided, extra)
            }
            Refusal::Approval {
                id, why, digest, ..
            } => (
                EventKind::Refused,
                json!({"approval_id": id, "request_digest": digest, "why": why.to_string(), "decision": self.decision(), "reasons": self.reasons()}),
            ),
            Refusal::Apply { plan_id, .. } => (
                EventKind::Refused,
                json!({"plan_id": plan_id, "decision": self.decision(), "reasons": self.reasons(), "message": self.to_string()}),
            ),
            Refusal::Frozen(f) => (
                EventKind::Refused,
                json!({"freeze_id": f.id, "decision": self.decision(), "reasons": self.reasons(), "message": self.to_string()}),
            ),
            Refusal::NotFound { .. }
            | Refusal::Failed { .. }
            | Refusal::Internal(_)
            | Refusal::Sandbox(_)
            | Refusal::NotConfigured(_)
            | Refusal::ShuttingDown
            | Refusal::FreezeUnknown(_)
            | Refusal::Principal(_) => (
                EventKind::Refused,
                json!({"decision": self.decision(), "reasons": self.reasons(), "message": self.to_string()}),
            ),
        };
        let mut event = AuditEvent::new(kind, base);
        if let Value::Object(m) = extra {
            for (k, v) in m {
                event = event.with(&k, v);
            }
        }
        Some(event)
    }
}

impl From<crate::state::store::StoreError> for Refusal {
    fn from(e: crate::state::store::StoreError) -> Self {
        Refusal::Internal(e.to_string())
    }
}

impl From<crate::run::RunError> for Refusal {
    fn from(e: crate::run::RunError) -> Self {
        match e {
            crate::run::RunError::Sandbox(u) => Refusal::Sandbox(u),
            crate::run::RunError::Spawn(s) => Refusal::Internal(s.to_string()),
        }
    }
}

impl From<crate::clock::RandomError> for Refusal {
    fn from(e: crate::clock::RandomError) -> Self {
        Refusal::Internal(e.to_string())
    }
}
