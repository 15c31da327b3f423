//! Approvals: the human decision an escalated action waits for, bound to exactly one request.
//!
//! Lifecycle: pending → approved | rejected (by a human, through a human channel), approved →
//! consumed (single use). Expiry is derived from time, never stored, so a record cannot claim to
//! be usable after its deadline.

use recourse_policy::{Digest, Environment};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::ids::{ApprovalId, PlanId, Timestamp};
use crate::lifecycle::PlanRecord;

/// The tool name an "apply plan X" request is bound under.
pub const APPLY_TOOL: &str = "gateway_terraform_apply";

/// Where a human decision came from. None of these is reachable by an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    /// `recourse approvals approve|reject`.
    Cli,
    /// The authenticated web control plane.
    Web,
    /// `recourse break-glass`: an audited human override, the only way past `block`.
    BreakGlass,
}

/// Who decided, how, why and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    /// The approver's identity.
    pub approver: String,
    /// The channel.
    pub channel: Channel,
    /// The approver's reason (mandatory).
    pub reason: String,
    /// When.
    pub at: Timestamp,
}

/// The stored state of an approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum ApprovalState {
    /// Waiting for a human.
    Pending,
    /// Granted, not yet used.
    Approved(Resolution),
    /// Refused.
    Rejected(Resolution),
    /// Granted and used once.
    Consumed {
        /// The grant.
        resolution: Resolution,
        /// When it was used.
        consumed_at: Timestamp,
    },
}

/// An approval's status at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApprovalStatus {
    /// Waiting for a human.
    Pending,
    /// Granted and usable.
    Approved,
    /// Refused.
    Rejected,
    /// Past its deadline without being used.
    Expired,
    /// Used.
    Consumed,
}

impl ApprovalStatus {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalStatus::Pending => "pending",
            ApprovalStatus::Approved => "approved",
            ApprovalStatus::Rejected => "rejected",
            ApprovalStatus::Expired => "expired",
            ApprovalStatus::Consumed => "consumed",
        }
    }
}

/// An approval request and its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// Id.
    pub id: ApprovalId,
    /// What it is bound to: see [`request_digest`].
    pub request_digest: Digest,
    /// The agent that asked.
    pub requester: String,
    /// The tool, e.g. `gateway_shell_exec`.
    pub tool: String,
    /// The canonical action shown to the approver (already redacted by the caller).
    pub summary: Value,
    /// Environment it was requested in.
    pub environment: Environment,
    /// The plan it concerns, for Terraform applies.
    pub plan_id: Option<PlanId>,
    /// The agent's stated reason, if any.
    pub justification: Option<String>,
    /// Created.
    pub created_at: Timestamp,
    /// Usable until (exclusive).
    pub expires_at: Timestamp,
    /// State.
    pub state: ApprovalState,
}

/// Why a human's approve/reject was not recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// Already decided (or used).
    #[error("approval is already {0}")]
    NotPending(&'static str),
    /// Past its deadline.
    #[error("approval expired at {0}")]
    Expired(Timestamp),
    /// The approver is the agent that asked.
    #[error("`{0}` requested this action and cannot approve it")]
    SelfApproval(String),
    /// No approver identity.
    #[error("an approver identity is required")]
    NoApprover,
    /// No reason.
    #[error("a reason is required")]
    NoReason,
}

/// Why an approval does not permit the action it was presented with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalRefusal {
    /// No approval with that id.
    #[error("no approval with that id exists")]
    Unknown,
    /// The approval is bound to a different request.
    #[error(
        "the approval was granted for a different action (request digest {approved} ≠ {presented})"
    )]
    ForAnotherAction {
        /// Digest the approval is bound to.
        approved: Digest,
        /// Digest of the presented request.
        presented: Digest,
    },
    /// Not decided yet.
    #[error("the approval is still pending: a human has not decided")]
    Pending,
    /// Refused by a human.
    #[error("the approval was rejected by {approver}: {reason}")]
    Rejected {
        /// Who.
        approver: String,
        /// Why.
        reason: String,
    },
    /// Past its deadline.
    #[error("the approval expired at {0}")]
    Expired(Timestamp),
    /// Already used once.
    #[error("the approval was already used at {0}")]
    AlreadyUsed(Timestamp),
    /// Granted by the requester itself.
    #[error("the approval was granted by its own requester `{0}`")]
    SelfApproved(String),
}

/// What an approval is bound to.
#[derive(Debug, Clone, Copy)]
pub struct RequestBinding<'a> {
    /// The tool name.
    pub tool: &'a str,
    /// The normalized arguments (an `approval_id` key is ignored).
    pub arguments: &'a Value,
    /// Environment.
    pub environment: Environment,
    /// Terraform workspace, if any.
    pub workspace: Option<&'a str>,
    /// Canonical plan digest, for plan applies.
    pub plan_digest: Option<Digest>,
    /// Hash of the policy in force.
    pub policy_hash: Digest,
    /// Who asks (the principal): an approval granted for one agent's request cannot be used
    /// by another agent repeating the same call.
    pub requester: &'a str,
}

/// SHA-256 over the canonical JSON of tool, normalized arguments, environment, workspace, plan
/// digest, policy hash and requester. Any difference in what would run, or who asks, changes
/// it.
pub fn request_digest(b: RequestBinding<'_>) -> Digest {
    let mut arguments = b.arguments.clone();
    if let Some(obj) = arguments.as_object_mut() {
        obj.remove("approval_id");
    }
    Digest::of_canonical_json(&json!({
        "tool": b.tool,
        "arguments": arguments,
        "environment": b.environment,
        "workspace": b.workspace,
        "plan_digest": b.plan_digest,
        "policy_hash": b.policy_hash,
        "requester": b.requester,
    }))
}

/// The request digest of "apply stored plan `record`" in `environment` under the policy with
/// `policy_hash`: the one definition shared by planning (which creates the approval), applying
/// (which checks it), the agent's approval request and break-glass, so that they cannot drift
/// apart and an approval granted through one path always matches the others.
///
/// The value equals `request_digest` of tool `gateway_terraform_apply`, arguments
/// `{"plan_id": "<id>"}`, the record's workspace and plan digest.
///
/// ```
/// # use recourse_plan::*;
/// # use recourse_policy::{Digest, Environment, Verdict};
/// # let record = PlanRecord {
/// #     id: PlanId::from_bytes([1; 16]), plan_file_sha256: Digest::of(b"f"),
/// #     plan_digest: Digest::of(b"p"), workspace: "default".into(),
/// #     environment: Environment::Prod, cwd: ".".into(), args: vec![], destroy: false,
/// #     lineage: None, serial: None, policy_hash: Digest::of(b"policy"),
/// #     created_at: Timestamp(0), expires_at: Timestamp(3600),
/// #     verdict: Verdict::from_reasons(vec![]), status: PlanStatus::Planned,
/// #     requester: "agent-a".into(), config: Default::default(), findings: vec![],
/// # };
/// let d = apply_binding(&record, Environment::Prod, record.policy_hash, "agent-a");
/// assert_ne!(d, apply_binding(&record, Environment::Dev, record.policy_hash, "agent-a"));
/// assert_ne!(d, apply_binding(&record, Environment::Prod, record.policy_hash, "agent-b"));
/// ```
pub fn apply_binding(
    record: &PlanRecord,
    environment: Environment,
    policy_hash: Digest,
    requester: &str,
) -> Digest {
    let arguments = json!({"plan_id": record.id.to_string()});
    request_digest(RequestBinding {
        tool: APPLY_TOOL,
        arguments: &arguments,
        environment,
        workspace: Some(&record.workspace),
        plan_digest: Some(record.plan_digest),
        policy_hash,
        requester,
    })
}

/// What an approval is created from.
#[derive(Debug, Clone)]
pub struct NewApproval {
    /// Fresh random id.
    pub id: ApprovalId,
    /// The binding digest.
    pub request_digest: Digest,
    /// Requesting agent.
    pub requester: String,
    /// Tool.
    pub tool: String,
    /// Redacted canonical action.
    pub summary: Value,
    /// Environment.
    pub environment: Environment,
    /// Plan, if any.
    pub plan_id: Option<PlanId>,
    /// Agent's reason.
    pub justification: Option<String>,
}

fn same_identity(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

impl Approval {
    /// A pending approval, usable until `now + ttl_seconds`.
    pub fn new(n: NewApproval, now: Timestamp, ttl_seconds: u64) -> Approval {
        Approval {
            id: n.id,
            request_digest: n.request_digest,
            requester: n.requester,
            tool: n.tool,
            summary: n.summary,
            environment: n.environment,
            plan_id: n.plan_id,
            justification: n.justification,
            created_at: now,
            expires_at: now.plus(ttl_seconds),
            state: ApprovalState::Pending,
        }
    }

    /// The status at `now`.
    pub fn status(&self, now: Timestamp) -> ApprovalStatus {
        match &self.state {
            ApprovalState::Rejected(_) => ApprovalStatus::Rejected,
            ApprovalState::Consumed { .. } => ApprovalStatus::Consumed,
            _ if now >= self.expires_at => ApprovalStatus::Expired,
            ApprovalState::Pending => ApprovalStatus::Pending,
            ApprovalState::Approved(_) => ApprovalStatus::Approved,
        }
    }

    /// The human decision, if any.
    pub fn resolution(&self) -> Option<&Resolution> {
        match &self.state {
            ApprovalState::Pending => None,
            ApprovalState::Approved(r) | ApprovalState::Rejected(r) => Some(r),
            ApprovalState::Consumed { resolution, .. } => Some(resolution),
        }
    }

    fn resolve(&self, approver: &str, reason: &str, now: Timestamp) -> Result<(), ResolveError> {
        match self.status(now) {
            ApprovalStatus::Pending => {}
            ApprovalStatus::Expired => return Err(ResolveError::Expired(self.expires_at)),
            other => return Err(ResolveError::NotPending(other.as_str())),
        }
        if approver.trim().is_empty() {
            return Err(ResolveError::NoApprover);
        }
        if reason.trim().is_empty() {
            return Err(ResolveError::NoReason);
        }
        Ok(())
    }

    /// A human grants it. The approver may not be the requester.
    pub fn approve(
        &mut self,
        approver: &str,
        channel: Channel,
        reason: &str,
        now: Timestamp,
    ) -> Result<(), ResolveError> {
        self.resolve(approver, reason, now)?;
        if same_identity(approver, &self.requester) {
            return Err(ResolveError::SelfApproval(approver.trim().to_owned()));
        }
        self.state = ApprovalState::Approved(Resolution {
            approver: approver.trim().to_owned(),
            channel,
            reason: reason.trim().to_owned(),
            at: now,
        });
        Ok(())
    }

    /// A human refuses it.
    pub fn reject(
        &mut self,
        approver: &str,
        channel: Channel,
        reason: &str,
        now: Timestamp,
    ) -> Result<(), ResolveError> {
        self.resolve(approver, reason, now)?;
        self.state = ApprovalState::Rejected(Resolution {
            approver: approver.trim().to_owned(),
            channel,
            reason: reason.trim().to_owned(),
            at: now,
        });
        Ok(())
    }

    /// Whether it permits the request with digest `presented` at `now`.
    pub fn check(&self, presented: Digest, now: Timestamp) -> Result<&Resolution, ApprovalRefusal> {
        if presented != self.request_digest {
            return Err(ApprovalRefusal::ForAnotherAction {
                approved: self.request_digest,
                presented,
            });
        }
        match &self.state {
            ApprovalState::Rejected(r) => Err(ApprovalRefusal::Rejected {
                approver: r.approver.clone(),
                reason: r.reason.clone(),
            }),
            ApprovalState::Consumed { consumed_at, .. } => {
                Err(ApprovalRefusal::AlreadyUsed(*consumed_at))
            }
            _ if now >= self.expires_at => Err(ApprovalRefusal::Expired(self.expires_at)),
            ApprovalState::Pending => Err(ApprovalRefusal::Pending),
            ApprovalState::Approved(r) if same_identity(&r.approver, &self.requester) => {
                Err(ApprovalRefusal::SelfApproved(r.approver.clone()))
            }
            ApprovalState::Approved(r) => Ok(r),
        }
    }

    /// Checks it and marks it used: it can permit exactly one execution.
    pub fn consume(&mut self, presented: Digest, now: Timestamp) -> Result<(), ApprovalRefusal> {
        let resolution = self.check(presented, now)?.clone();
        self.state = ApprovalState::Consumed {
            resolution,
            consumed_at: now,
        };
        Ok(())
    }
}
