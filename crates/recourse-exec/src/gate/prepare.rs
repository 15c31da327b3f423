//! Steps 1–3 of the gate: normalize, assess and decide a call (the per-tool preparers in
//! `tools/`), and the facts an apply is checked against. Nothing runs and nothing is written.

use super::*;

impl Gateway {
    pub(super) fn prepare(&self, call: ToolCall, caller: &Caller) -> Result<Step, Refusal> {
        let ctx = self.ctx(caller);
        let decided = Step::Decided;
        match &call {
            ToolCall::ShellExec {
                command,
                cwd,
                timeout,
                approval_id,
            } => tools::shell::exec(
                &ctx,
                command,
                cwd.as_deref(),
                *timeout,
                approval_id.as_deref(),
            )
            .map(decided),
            ToolCall::TerraformPlan {
                cwd,
                workspace,
                args,
                approval_id,
            } => tools::terraform::plan(
                &ctx,
                cwd,
                workspace,
                args,
                presented(approval_id.as_deref())?,
                self.new_plan_id()?,
            )
            .map(decided),
            ToolCall::TerraformDestroy {
                cwd,
                workspace,
                approval_id,
            } => tools::terraform::destroy(
                &ctx,
                cwd,
                workspace,
                presented(approval_id.as_deref())?,
                self.new_plan_id()?,
            )
            .map(decided),
            ToolCall::TerraformApply {
                plan_id,
                approval_id,
            } => {
                let facts = self.apply_facts(&ctx, plan_id, approval_id.as_deref())?;
                tools::terraform::apply(&ctx, plan_id, facts, self.now()).map(decided)
            }
            ToolCall::CheckApproval { approval_id } => {
                let id = parse_id::<ApprovalId>(approval_id)?;
                let a = self.store().approval(id)?;
                lookups::check_approval(&ctx, id, a, self.now()).map(Step::Answered)
            }
            ToolCall::GetPlan { plan_id } => {
                let id = parse_id::<PlanId>(plan_id)?;
                let rec = self.store().plan(id)?;
                lookups::get_plan(id, rec, self.now()).map(Step::Answered)
            }
            ToolCall::RequestApproval {
                operation,
                target,
                reason,
                plan_id,
            } => {
                let plan = match plan_id {
                    Some(p) => Some(self.store().plan(parse_id::<PlanId>(p)?)?),
                    None => None,
                };
                Err(lookups::request_approval(
                    &ctx,
                    lookups::Request {
                        operation,
                        target,
                        reason,
                        plan,
                    },
                ))
            }
            ToolCall::KubectlGet { .. }
            | ToolCall::KubectlLogs { .. }
            | ToolCall::KubectlDescribe { .. }
            | ToolCall::KubectlApply { .. }
            | ToolCall::KubectlDelete { .. }
            | ToolCall::KubectlScale { .. }
            | ToolCall::KubectlExec { .. } => {
                tools::kubectl::prepare(&ctx, &call, &kube::Cluster(self)).map(decided)
            }
        }
    }

    /// Copies a plan file kept in the store into the state directory (0600).
    fn fetch_plan_file(&self, id: PlanId, to: &std::path::Path) -> Result<(), Refusal> {
        let Some(bytes) = self.store().plan_file(id)? else {
            return Ok(());
        };
        crate::run::sandbox::write_atomically(to, &bytes, |_| Ok(())).map_err(|e| {
            Refusal::Internal(format!("cannot store the plan file {}: {e}", to.display()))
        })
    }

    pub(super) fn new_plan_id(&self) -> Result<PlanId, Refusal> {
        Ok(PlanId::from_bytes(new_id_bytes()?))
    }

    /// What an apply is checked against: the stored record, the plan file as it is now, the
    /// workspace and state as they are now, and the presented approval.
    pub(super) fn apply_facts(
        &self,
        ctx: &ToolCtx<'_>,
        plan_id: &str,
        approval_id: Option<&str>,
    ) -> Result<ApplyFacts, Refusal> {
        let id = parse_id::<PlanId>(plan_id)?;
        let presented = presented(approval_id)?;
        let record = self.store().plan(id)?;
        let plan_file = plan_file(&self.cfg.state_dir, id);
        if record.is_some() && !plan_file.exists() {
            // Planned on another replica: the store keeps the bytes (hashed below like a
            // local file, so the record's binding still decides).
            self.fetch_plan_file(id, &plan_file)?;
        }
        let plan_file_sha256 = std::fs::read(&plan_file)
            .map(|b| Digest::of(&b))
            .unwrap_or_else(|_| Digest::of(b"missing plan file"));
        let (workspace, lineage, config) = match &record {
            Some(rec) if self.sandbox_status.is_ok() => {
                let cwd = PathBuf::from(&rec.cwd);
                let (ws, lineage, providers) =
                    self.terraform.current(&self.sandbox, &cwd, &rec.workspace);
                let config = crate::tools::terraform_config::read(ctx, &cwd)
                    .ok()
                    .map(|c| c.binding(providers));
                (ws, lineage, config)
            }
            _ => (String::new(), (None, None), None),
        };
        let approval = match presented {
            Some(a) => Some((a, self.store().approval(a)?)),
            None => None,
        };
        Ok(ApplyFacts {
            record,
            plan_file,
            plan_file_sha256,
            workspace,
            lineage,
            approval,
            config,
        })
    }
}
