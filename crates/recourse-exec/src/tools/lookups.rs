//! The tools that run nothing: polling an approval, looking up a plan, and asking for an
//! approval. They answer from what the gate read from the store.

use recourse_plan::{
    Approval, ApprovalId, ApprovalStatus, PlanId, PlanRecord, PlanStatus, Timestamp,
};
use recourse_policy::{Decision, Reason, Verdict};
use serde_json::json;

use crate::call;
use crate::refusal::{Escalation, Refusal};
use crate::response::{Response, Status};
use crate::state::record::{AuditEvent, EventKind};
use crate::tools::terraform::apply_escalation;
use crate::tools::{Answered, Binding, ToolCtx};

/// `gateway_check_approval`.
pub(crate) fn check_approval(
    id: ApprovalId,
    approval: Option<Approval>,
    now: Timestamp,
) -> Result<Answered, Refusal> {
    let Some(a) = approval else {
        return Err(Refusal::NotFound {
            rule: "approval.unknown",
            message: "no approval with that id exists",
        });
    };
    let status = a.status(now);
    let decision = match status {
        ApprovalStatus::Approved => Decision::Allow,
        ApprovalStatus::Pending => Decision::Escalate,
        _ => Decision::Block,
    };
    let message = match status {
        ApprovalStatus::Approved => {
            "approved: repeat the original call with this approval_id (single use)".to_owned()
        }
        ApprovalStatus::Pending => "pending: a human has not decided yet".to_owned(),
        s => format!("{}: this approval cannot be used", s.as_str()),
    };
    let mut r = Response::new(call::CHECK_APPROVAL.name, decision, Status::Info, message);
    r.approval_id = Some(id);
    r.plan_id = a.plan_id;
    let resolution = a.resolution().map(|res| json!({"by": res.approver, "channel": res.channel, "reason": res.reason, "at": res.at}));
    r.data = Some(
        json!({"status": status, "tool": a.tool, "expires_at": a.expires_at, "resolution": resolution}),
    );
    Ok(Answered {
        response: r,
        event: AuditEvent::new(
            EventKind::ApprovalChecked,
            json!({"approval_id": id, "status": status}),
        ),
    })
}

/// `gateway_get_plan`.
pub(crate) fn get_plan(
    id: PlanId,
    record: Option<PlanRecord>,
    now: Timestamp,
) -> Result<Answered, Refusal> {
    let Some(rec) = record else {
        return Err(Refusal::NotFound {
            rule: "plan.unknown",
            message: "no plan with that id exists",
        });
    };
    let status = if rec.status == PlanStatus::Planned && now >= rec.expires_at {
        PlanStatus::Expired
    } else {
        rec.status
    };
    let mut r = Response::new(
        call::GET_PLAN.name,
        rec.verdict.decision(),
        Status::Info,
        format!("plan {id} is {}", status.as_str()),
    )
    .with_reasons(rec.verdict.reasons());
    r.plan_id = Some(id);
    r.data = Some(
        json!({"status": status, "workspace": rec.workspace, "environment": rec.environment, "cwd": rec.cwd, "args": rec.args, "destroy": rec.destroy, "created_at": rec.created_at, "expires_at": rec.expires_at, "plan_digest": rec.plan_digest}),
    );
    Ok(Answered {
        response: r,
        event: AuditEvent::new(EventKind::PlanLookedUp, json!({"plan_id": id})),
    })
}

/// What an approval request is about.
#[derive(Debug)]
pub(crate) struct Request<'a> {
    pub(crate) operation: &'a str,
    pub(crate) target: &'a str,
    pub(crate) reason: &'a str,
    /// The plan to approve applying, as the gate found it (`Some(None)`: no such plan).
    pub(crate) plan: Option<Option<PlanRecord>>,
}

/// `gateway_request_approval`: always ends in an escalation (or a refusal); the gate binds it.
pub(crate) fn request_approval(ctx: &ToolCtx<'_>, req: Request<'_>) -> Refusal {
    if req.operation.trim().is_empty()
        || req.target.trim().is_empty()
        || req.reason.trim().is_empty()
    {
        return Refusal::InvalidInput("operation, target and reason are required".into());
    }
    match req.plan {
        Some(None) => Refusal::NotFound {
            rule: "plan.unknown",
            message: "no plan with that id exists",
        },
        Some(Some(rec)) => {
            if rec.verdict.decision() == Decision::Block {
                return Refusal::Blocked {
                    verdict: rec.verdict.clone(),
                    message: "this plan is blocked by policy and cannot be approved (only a human break-glass can apply it)",
                    plan_id: Some(rec.id),
                    details: json!({"plan_id": rec.id, "operation": req.operation, "target": req.target}),
                };
            }
            let mut v = rec.verdict.clone();
            v.push(Reason::new(
                Decision::Escalate,
                "approval.requested",
                format!("the agent asks: {}", req.reason),
            ));
            Refusal::NeedsApproval(apply_escalation(ctx, &rec, v))
        }
        None => {
            let binding = Binding::new(
                call::REQUEST_APPROVAL.name,
                json!({"operation": req.operation, "target": req.target}),
            );
            Refusal::NeedsApproval(Escalation {
                tool: call::REQUEST_APPROVAL.name,
                digest: binding.digest(ctx),
                arguments: binding.arguments,
                plan_id: None,
                verdict: Verdict::from_reasons(vec![Reason::new(
                    Decision::Escalate,
                    "approval.requested",
                    format!(
                        "the agent asks to {} {}: {}",
                        req.operation, req.target, req.reason
                    ),
                )]),
                note: Some(
                    "Note: an approval is bound to one exact call; to run something, call its tool — an escalated call returns an approval_id bound to it",
                ),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::tests_support::Fixture;
    use recourse_policy::Environment;

    #[test]
    fn lookups_of_nothing_are_refusals() {
        assert!(matches!(
            check_approval(ApprovalId::from_bytes([1; 16]), None, Timestamp(0)),
            Err(Refusal::NotFound { .. })
        ));
        assert!(matches!(
            get_plan(PlanId::from_bytes([1; 16]), None, Timestamp(0)),
            Err(Refusal::NotFound { .. })
        ));
    }

    #[test]
    fn requests_need_all_three_fields_and_always_escalate() {
        let f = Fixture::new(Environment::Dev);
        let req = |op| Request {
            operation: op,
            target: "db",
            reason: "migration",
            plan: None,
        };
        assert!(matches!(
            request_approval(&f.ctx(), req(" ")),
            Refusal::InvalidInput(_)
        ));
        assert!(matches!(
            request_approval(&f.ctx(), req("restart")),
            Refusal::NeedsApproval(_)
        ));
    }
}
