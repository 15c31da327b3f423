//! Steps 4–5 of the gate: a `block` ends here, an escalation is bound to a pending approval,
//! and a presented approval is verified (signatures, rules, binding) and used up once. Also
//! the sweep that records approvals past their deadlines.

use super::*;

impl Gateway {
    /// Blocks, escalates, or uses up the presented approval (single use, bound to `digest`).
    /// Returns the approval used.
    pub(super) fn authorize(
        &self,
        caller: &Caller,
        p: &Prepared,
        digest: Digest,
    ) -> Result<Option<ApprovalId>, Refusal> {
        let decision = p.verdict.decision();
        let blocked = || Refusal::Blocked {
            verdict: p.verdict.clone(),
            message: "blocked by policy: this action never runs on an agent's request",
            plan_id: p.binding.plan_id,
            details: json!({"arguments": p.binding.arguments, "request_digest": digest}),
        };
        let Some(id) = p.approval else {
            return match decision {
                Decision::Block => Err(blocked()),
                Decision::Escalate => Err(Refusal::NeedsApproval(Escalation {
                    tool: p.binding.tool,
                    arguments: p.binding.arguments.clone(),
                    digest,
                    plan_id: p.binding.plan_id,
                    verdict: p.verdict.clone(),
                    note: None,
                    details: p.summary.clone(),
                })),
                Decision::Allow | Decision::Warn => Ok(None),
            };
        };
        let refused = |why| Refusal::Approval {
            id,
            why,
            verdict: p.verdict.clone(),
            digest: Some(digest),
        };
        let ctx = self.ctx(caller);
        let trust = ctx.trust();
        let store = self.store();
        let Some(mut approval) = store.approval(id)? else {
            return Err(refused(ApprovalRefusal::Unknown));
        };
        let now = self.now();
        // Statements that do not verify were put there by something other than a registered
        // human: recorded as a forgery, never honoured.
        let problems = approval.problems(&trust);
        if !problems.is_empty() {
            self.recorder.best_effort(
                AuditEvent::new(
                    EventKind::ApprovalForgery,
                    json!({"approval_id": id, "tool": p.spec.name, "agent": caller.audit(), "request_digest": digest, "problems": problems.iter().map(|(_, p)| p.to_string()).collect::<Vec<_>>()}),
                ),
                now,
            );
        }
        let before = approval.clone();
        let grant = match approval.consume(digest, now, &trust) {
            Ok(g) => g,
            Err(e @ ApprovalRefusal::ForAnotherAction { .. }) => {
                let changed = crate::tools::scripts::changed(&approval.summary, p.summary.as_ref());
                return Err(refused(if changed.is_empty() {
                    e
                } else {
                    ApprovalRefusal::ScriptsChanged(changed)
                }));
            }
            Err(e) => return Err(refused(e)),
        };
        // A block is never approvable; only a human's break-glass grant can lift it.
        if decision == Decision::Block && !grant.break_glass {
            return Err(blocked());
        }
        store
            .update_approval(&approval, &before)
            .map_err(|e| Refusal::Apply {
                why: NotApplied::Approval(e.to_string()),
                verdict: Some(p.verdict.clone()),
                plan_id: p.binding.plan_id.map(|i| i.to_string()).unwrap_or_default(),
            })?;
        drop(store);
        // The "decided" record that follows names the approval and fails closed.
        self.recorder.best_effort(
            AuditEvent::new(
                EventKind::ApprovalConsumed,
                json!({"approval_id": id, "tool": p.spec.name, "agent": caller.audit(), "request_digest": digest, "plan_id": p.binding.plan_id, "approvers": grant.approvers, "break_glass": grant.break_glass}),
            ),
            now,
        );
        Ok(Some(id))
    }

    /// Creates (or reuses) the pending approval bound to the escalation and answers with its id.
    pub(super) fn escalate(
        &self,
        tool: &str,
        caller: &Caller,
        e: Escalation,
    ) -> Result<Response, Refusal> {
        let approval = self.bind(caller, &e)?;
        let mut message = format!(
            "needs a human approval: a human runs `recourse approvals approve {}`; poll gateway_check_approval, then repeat this exact call with approval_id",
            approval.id
        );
        if let Some(note) = e.note {
            message = format!("{message}. {note}");
        }
        let mut r = Response::new(tool, Decision::Escalate, Status::PendingApproval, message)
            .with_reasons(e.verdict.reasons());
        r.approval_id = Some(approval.id);
        r.plan_id = e.plan_id;
        let event = AuditEvent::new(
            EventKind::ApprovalRequested,
            json!({"tool": e.tool, "agent": caller.audit(), "approval_id": approval.id, "request_digest": e.digest, "arguments": e.arguments, "reasons": e.verdict.reasons(), "expires_at": approval.expires_at}),
        );
        if let Err(err) = self.recorder.record(event, self.now()) {
            r.message = format!("{}; and the audit log is unavailable: {err}", r.message);
        }
        Ok(r)
    }

    pub(super) fn bind(&self, caller: &Caller, e: &Escalation) -> Result<Approval, Refusal> {
        let now = self.now();
        let ctx = self.ctx(caller);
        let store = self.store();
        let existing = store
            .pending_for_digest(&e.digest.to_hex())?
            .filter(|a| a.status(now, &ctx.trust()) == recourse_plan::ApprovalStatus::Pending);
        if let Some(a) = existing {
            return Ok(a);
        }
        let mut summary = json!({"tool": e.tool, "arguments": e.arguments, "environment": self.cfg.environment, "reasons": e.verdict.reasons()});
        if let Some(d) = &e.details {
            summary["details"] = d.clone();
        }
        // The policy the request was decided under (it is part of the request digest): the
        // approver is shown it.
        summary["policy_hash"] = json!(self.policy_hash.to_hex());
        let summary = self.redactor.redact_json(summary);
        let a = Approval::new(
            NewApproval {
                id: ApprovalId::from_bytes(new_id_bytes()?),
                request_digest: e.digest,
                requester: caller.agent_id.clone(),
                tool: e.tool.into(),
                summary,
                environment: self.cfg.environment,
                plan_id: e.plan_id,
                justification: None,
            },
            now,
            self.cfg.policy.approval_ttl_seconds.get(),
        );
        store.insert_approval(&a)?;
        Ok(a)
    }

    /// Records `approval_expired` once for each approval past a deadline: a request still
    /// pending after `approval_ttl_seconds`, or one granted and unused after
    /// `approval_use_ttl_seconds` (or its statements' own deadline). Looks at most every
    /// [`EXPIRY_SWEEP_SECONDS`]; with several gateways on one store, the one that marks the
    /// approval records it.
    pub(super) fn sweep_expired(&self, caller: &Caller) {
        use std::sync::atomic::Ordering::Relaxed;
        let now = self.now();
        let last = self.last_expiry_sweep.load(Relaxed);
        if last != 0 && now.0 < last.saturating_add(EXPIRY_SWEEP_SECONDS) {
            return;
        }
        self.last_expiry_sweep.store(now.0.max(1), Relaxed);
        let ctx = self.ctx(caller);
        let trust = ctx.trust();
        let store = self.store();
        let open = match store.open_approvals() {
            Ok(o) => o,
            Err(e) => {
                tracing::warn!(error = %e, "expired approvals not looked for");
                return;
            }
        };
        for a in open {
            let recourse_plan::Tally::Expired(at) = a.tally(now, &trust) else {
                continue;
            };
            let granted = a.statements.iter().any(|s| {
                s.statement.choice != recourse_plan::Choice::Reject && s.verify(&a, &trust).is_ok()
            });
            match store.mark_expired(a.id) {
                Ok(true) => self.recorder.best_effort(
                    AuditEvent::new(
                        EventKind::ApprovalExpired,
                        json!({"approval_id": a.id, "tool": a.tool, "requester": a.requester, "request_digest": a.request_digest, "plan_id": a.plan_id, "expired_at": at.to_rfc3339(), "granted": granted, "clock": if granted { "approval_use_ttl_seconds" } else { "approval_ttl_seconds" }}),
                    ),
                    now,
                ),
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, approval = %a.id, "expiry not recorded"),
            }
        }
    }
}
