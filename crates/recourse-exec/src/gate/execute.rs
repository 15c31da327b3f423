//! Steps 6–9 of the gate: record "decided" (fail closed), mint the permit, run the job in its
//! runner, record "executed" and answer; plans are analyzed and stored here.

use super::*;

impl Gateway {
    pub(super) fn decide_and_run(
        &self,
        caller: &Caller,
        p: Prepared,
        digest: Digest,
        used: Option<ApprovalId>,
    ) -> Result<Response, Refusal> {
        let Prepared {
            spec,
            binding,
            verdict,
            job,
            data,
            audit,
            ..
        } = p;
        let tool = spec.name;
        let claimed = match &job {
            Job::Apply(_) => binding.plan_id,
            _ => None,
        };
        if let Some(id) = claimed
            && !self
                .store()
                .transition_plan(id, PlanStatus::Planned, PlanStatus::Applying)?
        {
            return Err(Refusal::Apply {
                why: NotApplied::Claimed,
                verdict: Some(verdict),
                plan_id: id.to_string(),
            });
        }
        // Applies of one workspace wait for each other, on every replica; a plan claimed but
        // not run goes back to `planned`.
        let _workspace = match (&job, claimed) {
            (Job::Apply(j), Some(id)) => {
                let key =
                    crate::state::store::workspace_key(&j.cwd.display().to_string(), &j.workspace);
                match self.store().lock_workspace(&key, self.cfg.apply_lock_wait) {
                    Ok(lock) => Some(lock),
                    Err(e) => {
                        self.restore_plan(id, PlanStatus::Applying, PlanStatus::Planned);
                        return Err(Refusal::Apply {
                            why: NotApplied::Busy(e.to_string()),
                            verdict: Some(verdict),
                            plan_id: id.to_string(),
                        });
                    }
                }
            }
            _ => None,
        };
        let mut event = AuditEvent::new(
            EventKind::Decided,
            json!({"tool": tool, "agent": caller.audit(), "arguments": binding.arguments, "request_digest": digest, "decision": verdict.decision(), "reasons": verdict.reasons(), "approval_id": used, "plan_id": binding.plan_id}),
        );
        if self.sandbox.insecure() {
            event = event.with("insecure_no_sandbox", json!(true));
        }
        for (k, v) in audit {
            event = event.with(&k, v);
        }
        // A shell command's waiting sandbox is told its command now and gets ready while the
        // record is written; the command starts only when the permit releases it (and if the
        // record fails, the staged sandbox is dropped and nothing runs).
        let staged = match &job {
            Job::Shell(job) => run::stage_shell(job, &self.sandbox),
            _ => None,
        };
        let decided = match self.recorder.decided(event, self.now()) {
            Ok(d) => d,
            Err(error) => {
                if let Some(id) = claimed {
                    // Nothing ran: put the plan back so a human can retry once the log is fixed.
                    self.restore_plan(id, PlanStatus::Applying, PlanStatus::Planned);
                }
                return Err(Refusal::AuditUnavailable { error, verdict });
            }
        };
        let mut r = Response::new(tool, verdict.decision(), Status::Executed, "executed")
            .with_reasons(verdict.reasons());
        r.approval_id = used;
        r.data = data;
        if self.sandbox.insecure() {
            r.message = format!(
                "{}; WARNING: run without a sandbox (--insecure-no-sandbox)",
                r.message
            );
        }
        match job {
            Job::Shell(job) => {
                let (c, changed) = run::run_shell(
                    Permit::mint(decided, *job),
                    staged,
                    &self.sandbox,
                    &self.redactor,
                )?;
                if changed.is_empty() {
                    return Ok(self.confined(caller, r, c, json!({})));
                }
                r.message = format!(
                    "{}; WARNING: bound files changed while the command ran (a later step may have run other bytes than those approved): {}",
                    r.message,
                    changed.join(", ")
                );
                Ok(self.confined(caller, r, c, json!({"changed_during_run": changed})))
            }
            Job::Kubectl(job) => {
                let kubectl = self.kubectl.as_ref().ok_or(Refusal::NotConfigured(
                    "kubectl is not configured on this gateway",
                ))?;
                let c = run::run_kubectl(
                    Permit::mint(decided, job),
                    kubectl,
                    &self.sandbox,
                    &self.redactor,
                )?;
                Ok(self.confined(caller, r, c, json!({})))
            }
            Job::Plan(job) => {
                let (id, cwd, ws, args, config) = (
                    job.id,
                    job.cwd.clone(),
                    job.workspace.clone(),
                    job.args.clone(),
                    job.config.clone(),
                );
                let planned = self
                    .terraform
                    .plan(Permit::mint(decided, job), &self.sandbox, &self.redactor)
                    .map_err(|e| match e {
                        PlanError::Run(e) => Refusal::from(e),
                        PlanError::Terraform(detail) => Refusal::Failed {
                            rule: "terraform.failed",
                            what: "planning",
                            detail,
                        },
                    })?;
                let job = crate::tools::terraform::PlannedJob {
                    id,
                    cwd: &cwd,
                    workspace: &ws,
                    args: &args,
                    config: &config,
                    requester: &caller.agent_id,
                };
                self.planned(caller, tool, job, planned)
            }
            Job::Apply(job) => {
                let id = claimed.ok_or_else(|| Refusal::Internal("apply without a plan".into()))?;
                r.plan_id = Some(id);
                match self.terraform.apply(
                    Permit::mint(decided, job),
                    &self.sandbox,
                    &self.redactor,
                ) {
                    Ok(c) => {
                        let ok = c.outcome.exit_code == Some(0);
                        let to = if ok {
                            PlanStatus::Applied
                        } else {
                            PlanStatus::Failed
                        };
                        self.restore_plan(id, PlanStatus::Applying, to);
                        r.message = if ok {
                            format!("applied plan {id}")
                        } else {
                            format!(
                                "terraform apply of plan {id} failed; the plan cannot be applied again: plan again"
                            )
                        };
                        Ok(self.confined(caller, r, c, json!({"plan_status": to})))
                    }
                    Err(e) => {
                        self.restore_plan(id, PlanStatus::Applying, PlanStatus::Failed);
                        Err(Refusal::from(e))
                    }
                }
            }
        }
    }

    /// Moves a plan's status after the fact; a failure leaves it `applying`, which refuses
    /// further applies (the safe side), and is logged.
    pub(super) fn restore_plan(&self, id: PlanId, from: PlanStatus, to: PlanStatus) {
        if let Err(e) = self.store().transition_plan(id, from, to) {
            tracing::error!(plan = %id, error = %e, "plan status not moved");
        }
    }

    /// A confined run's answer: what the sandbox enforced goes into the data and the record.
    pub(super) fn confined(
        &self,
        caller: &Caller,
        mut r: Response,
        c: Confined,
        extra: Value,
    ) -> Response {
        if c.enforced.landlock != "full" {
            r.message = format!(
                "{}; note: filesystem confinement (Landlock) is {} on this kernel",
                r.message, c.enforced.landlock
            );
        }
        match r.data.as_mut().and_then(Value::as_object_mut) {
            Some(d) => {
                d.insert("sandbox".into(), json!(c.enforced));
            }
            None => r.data = Some(json!({"sandbox": c.enforced})),
        }
        let mut extra = extra;
        if let Some(m) = extra.as_object_mut() {
            m.insert("sandbox".into(), json!(c.enforced));
        }
        self.executed(caller, r, &c.outcome, extra)
    }

    /// A finished plan: analyze, store, record, and bind its apply if it escalates.
    pub(super) fn planned(
        &self,
        caller: &Caller,
        tool: &'static str,
        job: crate::tools::terraform::PlannedJob<'_>,
        planned: run::terraform::Planned,
    ) -> Result<Response, Refusal> {
        let ctx = self.ctx(caller);
        let id = job.id;
        let tools::terraform::Analyzed { record, analysis } =
            tools::terraform::analyzed(&ctx, job, planned, self.now())?;
        if self.store().keeps_audit() {
            // Any replica may apply the plan: the store keeps the file's bytes too (checked
            // against the record's hash before they are used).
            let file = plan_file(&self.cfg.state_dir, id);
            let bytes = std::fs::read(&file).map_err(|e| {
                Refusal::Internal(format!("cannot read the plan file {}: {e}", file.display()))
            })?;
            self.store().put_plan_file(id, &bytes)?;
        }
        self.store().insert_plan(&record)?;
        let verdict = record.verdict.clone();
        let (workspace, destroy) = (record.workspace.clone(), record.destroy);
        let data = json!({"changes": analysis.changes, "worst_tier": analysis.worst_tier(), "output_changes": analysis.output_changes, "plan_digest": record.plan_digest, "expires_at": record.expires_at, "workspace": workspace, "destroy": destroy});
        let event = AuditEvent::new(
            EventKind::Planned,
            json!({"tool": tool, "agent": caller.audit(), "plan_id": id, "plan_digest": record.plan_digest, "plan_file_sha256": record.plan_file_sha256, "workspace": workspace, "cwd": record.cwd, "args": record.args, "decision": verdict.decision(), "reasons": verdict.reasons()}),
        );
        self.recorder
            .record(event, self.now())
            .map_err(|error| Refusal::AuditUnavailable {
                error,
                verdict: verdict.clone(),
            })?;
        let mut r = Response::new(tool, verdict.decision(), Status::Planned, "")
            .with_reasons(verdict.reasons());
        r.plan_id = Some(id);
        r.data = Some(data);
        match verdict.decision() {
            Decision::Block => {
                r.status = Status::Blocked;
                r.message = format!(
                    "planned as {id}, but the plan is blocked by policy: it can never be applied on an agent's request"
                );
            }
            Decision::Escalate => {
                let pending = self.escalate(
                    crate::call::TERRAFORM_APPLY.name,
                    caller,
                    apply_escalation(
                        &ctx,
                        &record,
                        verdict.clone(),
                        Some(tools::terraform::plan_summary(&record, &analysis)),
                    ),
                )?;
                r.approval_id = pending.approval_id;
                r.message = format!(
                    "planned as {id}; applying it needs a human approval ({}): poll gateway_check_approval, then call gateway_terraform_apply with plan_id and approval_id",
                    pending
                        .approval_id
                        .map(|a| a.to_string())
                        .unwrap_or_default()
                );
            }
            Decision::Allow | Decision::Warn => {
                r.message = format!(
                    "planned as {id}; call gateway_terraform_apply with this plan_id to apply exactly this plan"
                )
            }
        }
        Ok(r)
    }

    /// Step 8: the "executed" record, then the output in the answer.
    pub(super) fn executed(
        &self,
        caller: &Caller,
        mut r: Response,
        outcome: &Outcome,
        extra: Value,
    ) -> Response {
        let output_digest =
            Digest::of(format!("{}\0{}", outcome.stdout, outcome.stderr).as_bytes());
        let killed = if outcome.shutdown {
            Some("shutdown")
        } else if outcome.timed_out {
            Some("timeout")
        } else {
            None
        };
        if outcome.shutdown {
            r.message = format!("{}; killed: the gateway is shutting down", r.message);
        }
        let mut event = AuditEvent::new(
            EventKind::Executed,
            json!({"tool": r.tool, "agent": caller.audit(), "exit_code": outcome.exit_code, "timed_out": outcome.timed_out, "killed": killed, "truncated": outcome.truncated, "output_sha256": output_digest, "approval_id": r.approval_id, "plan_id": r.plan_id}),
        );
        if let Value::Object(m) = extra {
            for (k, v) in m {
                event = event.with(&k, v);
            }
        }
        if let Err(e) = self.recorder.record(event, self.now()) {
            r.message = format!(
                "{}; warning: the executed record could not be written ({e})",
                r.message
            );
        }
        r.output = Some(RunOutput {
            exit_code: outcome.exit_code,
            stdout: outcome.stdout.clone(),
            stderr: outcome.stderr.clone(),
            timed_out: outcome.timed_out,
            truncated: outcome.truncated,
        });
        r
    }
}
