//! The gateway's answer to one call (`structuredContent` over MCP, schema
//! [`SCHEMA_VERSION`]).

use recourse_plan::{ApprovalId, PlanId};
use recourse_policy::{Decision, Reason};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `schemaVersion` of every response.
pub const SCHEMA_VERSION: &str = "recourse.gateway.v2";

/// What happened to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// It ran.
    Executed,
    /// A plan was made and stored.
    Planned,
    /// Waiting for a human: poll `gateway_check_approval`, then repeat with `approval_id`.
    PendingApproval,
    /// Never runs on an agent's request.
    Blocked,
    /// Not run: a check failed (expired, tampered, wrong approval, …).
    Refused,
    /// The arguments were invalid.
    RejectedInput,
    /// Information (approval status, plan record).
    Info,
}

/// A runner's result as returned to the agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunOutput {
    /// Exit code, if it exited.
    pub exit_code: Option<i32>,
    /// Redacted stdout.
    pub stdout: String,
    /// Redacted stderr.
    pub stderr: String,
    /// Killed at the time limit.
    pub timed_out: bool,
    /// Output beyond the cap was dropped.
    pub truncated: bool,
}

/// The gateway's answer to one call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// Always [`SCHEMA_VERSION`].
    #[serde(rename = "schemaVersion")]
    pub schema_version: String,
    /// The tool called.
    pub tool: String,
    /// The decision.
    pub decision: Decision,
    /// What happened.
    pub status: Status,
    /// One sentence for the agent.
    pub message: String,
    /// Every reason behind the decision.
    pub reasons: Vec<Reason>,
    /// The approval to wait for / that was used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_id: Option<ApprovalId>,
    /// The plan made / applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<PlanId>,
    /// Runner output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<RunOutput>,
    /// Tool-specific data (plan changes, approval status, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl Response {
    pub(crate) fn new(
        tool: &str,
        decision: Decision,
        status: Status,
        message: impl Into<String>,
    ) -> Self {
        Response {
            schema_version: SCHEMA_VERSION.into(),
            tool: tool.into(),
            decision,
            status,
            message: message.into(),
            reasons: Vec::new(),
            approval_id: None,
            plan_id: None,
            output: None,
            data: None,
        }
    }

    pub(crate) fn with_reasons(mut self, reasons: &[Reason]) -> Self {
        self.reasons = reasons.to_vec();
        self
    }

    /// Whether the agent should treat this as a failure (MCP `isError`).
    pub fn is_error(&self) -> bool {
        matches!(
            self.status,
            Status::Blocked | Status::Refused | Status::RejectedInput
        ) || self.output.as_ref().is_some_and(|o| o.exit_code != Some(0))
    }
}
