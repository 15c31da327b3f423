//! The terraform tools: `gateway_terraform_plan` and `gateway_terraform_destroy` (argument
//! allow-list, workspace, working directory, the destroy pre-check), the analysis of a finished
//! plan into its record and verdict, and `gateway_terraform_apply` (the stored plan checked
//! against what the gate gathered: file hash, workspace, environment, state, policy, approval).

use std::path::{Path, PathBuf};

use recourse_plan::{
    Approval, ApprovalId, ApprovalRefusal, PlanAnalysis, PlanId, PlanRecord, PlanStatus, Timestamp,
    analyze, plan_digest, verify_apply,
};
use recourse_policy::{Action, Decision, Digest, Verdict};
use serde_json::{Map, json};

use crate::call::{self, ToolSpec};
use crate::refusal::{Escalation, NotApplied, Refusal};
use crate::run::terraform::{ApplyJob, PlanJob, Planned};
use crate::tools::terraform_config::{self, Config};
use crate::tools::{Binding, Job, Prepared, ToolCtx};

const FLAGS: &[&str] = &[
    "-refresh=false",
    "-refresh=true",
    "-destroy",
    "-compact-warnings",
    "-lock=false",
    "-no-color",
];
const VALUE_FLAGS: &[&str] = &["-var", "-var-file", "-target", "-replace", "-parallelism"];

/// The arguments agents may pass to `terraform plan`, normalized to `-flag=value`; and whether
/// they ask for a destroy plan. (`cwd` is `None` for the first pass, before the working
/// directory is checked: only the flags are.)
fn plan_args(
    ctx: &ToolCtx<'_>,
    args: &[String],
    cwd: Option<&Path>,
) -> Result<(Vec<String>, bool), String> {
    let mut out = Vec::new();
    let mut destroy = false;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        i += 1;
        if FLAGS.contains(&a.as_str()) {
            destroy |= a == "-destroy";
            out.push(a.clone());
            continue;
        }
        let (flag, value) = match a.split_once('=') {
            Some((f, v)) if VALUE_FLAGS.contains(&f) => (f.to_owned(), v.to_owned()),
            _ if VALUE_FLAGS.contains(&a.as_str()) => {
                let Some(v) = args.get(i) else {
                    return Err(format!("terraform argument {a} needs a value"));
                };
                i += 1;
                (a.clone(), v.clone())
            }
            _ => {
                return Err(format!(
                    "terraform argument `{a}` is not allowed (allowed: {} and {}=…)",
                    FLAGS.join(", "),
                    VALUE_FLAGS.join("=…, ")
                ));
            }
        };
        if let (Some(cwd), "-var-file") = (cwd, flag.as_str()) {
            let canon = ctx
                .files
                .canonicalize(&cwd.join(&value))
                .map_err(|e| format!("-var-file {value}: {e}"))?;
            if !canon.starts_with(cwd) {
                return Err(format!(
                    "-var-file {value} is outside the working directory"
                ));
            }
        }
        if flag == "-parallelism" && value.parse::<u32>().is_err() {
            return Err(format!("-parallelism needs a number, got {value}"));
        }
        out.push(format!("{flag}={value}"));
    }
    Ok((out, destroy))
}

fn workspace(ws: &str) -> Result<(), Refusal> {
    let ok = !ws.is_empty()
        && ws.len() <= 90
        && ws
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
    if ok {
        Ok(())
    } else {
        Err(Refusal::InvalidInput(format!(
            "invalid workspace `{ws}`: letters, digits, '-' and '_' only"
        )))
    }
}

fn working_dir(ctx: &ToolCtx<'_>, cwd: &str) -> Result<PathBuf, Refusal> {
    let bad = Refusal::InvalidInput;
    let p = PathBuf::from(cwd);
    if !p.is_absolute() {
        return Err(bad(format!("cwd must be an absolute path, got `{cwd}`")));
    }
    let canon = ctx
        .files
        .canonicalize(&p)
        .map_err(|e| bad(format!("cwd {cwd}: {e}")))?;
    if !ctx.files.is_dir(&canon) {
        return Err(bad(format!("cwd {cwd} is not a directory")));
    }
    let state = ctx
        .files
        .canonicalize(&ctx.cfg.state_dir)
        .unwrap_or_else(|_| ctx.cfg.state_dir.clone());
    if canon.starts_with(&state) {
        return Err(bad(
            "cwd may not be inside the gateway's state directory".into()
        ));
    }
    // Terraform runs only in the operator's project roots (default: the shell's allowed paths).
    let roots: Vec<PathBuf> = if ctx.cfg.terraform_roots.is_empty() {
        ctx.allowed.to_vec()
    } else {
        ctx.cfg
            .terraform_roots
            .iter()
            .map(|r| ctx.files.canonicalize(r).unwrap_or_else(|_| r.to_owned()))
            .collect()
    };
    if !roots.iter().any(|r| canon.starts_with(r)) {
        return Err(bad(format!(
            "cwd {} is outside the terraform roots ({})",
            canon.display(),
            roots
                .iter()
                .map(|r| r.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(canon)
}

/// What the approver sees about a configuration: every finding with its location and text.
fn findings_summary(findings: &[recourse_policy::ConfigFinding]) -> serde_json::Value {
    json!(
        findings
            .iter()
            .map(|f| json!({"rule": f.rule, "at": f.location(), "text": f.text, "why": f.message}))
            .collect::<Vec<_>>()
    )
}

/// A destroy the policy blocks outright in this environment is refused before anything runs
/// (no plan is made).
fn destroy_blocked(ctx: &ToolCtx<'_>, cwd: &str, ws: &str) -> Result<(), Refusal> {
    let pre = ctx
        .policy()
        .evaluate(ctx.env(), Action::TerraformDestroy { workspace: ws });
    if pre.decision() != Decision::Block {
        return Ok(());
    }
    Err(Refusal::Blocked {
        verdict: pre,
        message: "blocked by policy: terraform destroy never runs here on an agent's request",
        plan_id: None,
        details: json!({"arguments": {"cwd": cwd, "workspace": ws}}),
    })
}

/// `gateway_terraform_destroy`: a `-destroy` plan, refused up front where destroy blocks.
pub(crate) fn destroy(
    ctx: &ToolCtx<'_>,
    cwd: &str,
    ws: &str,
    approval: Option<ApprovalId>,
    id: PlanId,
) -> Result<Prepared, Refusal> {
    workspace(ws)?;
    destroy_blocked(ctx, cwd, ws)?;
    prepare_plan(
        ctx,
        &call::TERRAFORM_DESTROY,
        (cwd, ws, &["-destroy".to_owned()]),
        approval,
        id,
    )
}

/// `gateway_terraform_plan`.
pub(crate) fn plan(
    ctx: &ToolCtx<'_>,
    cwd: &str,
    ws: &str,
    args: &[String],
    approval: Option<ApprovalId>,
    id: PlanId,
) -> Result<Prepared, Refusal> {
    prepare_plan(ctx, &call::TERRAFORM_PLAN, (cwd, ws, args), approval, id)
}

/// A plan the configuration's findings escalate needs an approval before anything runs; it is
/// bound to the configuration's digest.
fn prepare_plan(
    ctx: &ToolCtx<'_>,
    spec: &'static ToolSpec,
    (cwd, ws, args): (&str, &str, &[String]),
    approval: Option<ApprovalId>,
    id: PlanId,
) -> Result<Prepared, Refusal> {
    workspace(ws)?;
    plan_args(ctx, args, None).map_err(Refusal::InvalidInput)?;
    let cwd = working_dir(ctx, cwd)?;
    let (args, destroy) = plan_args(ctx, args, Some(&cwd)).map_err(Refusal::InvalidInput)?;
    if destroy && spec.name != call::TERRAFORM_DESTROY.name {
        destroy_blocked(ctx, &cwd.display().to_string(), ws)?;
    }
    // Planning runs the configuration's code: screen it first and decide on what it does.
    let config = terraform_config::read(ctx, &cwd).map_err(|e| {
        Refusal::InvalidInput(format!(
            "the configuration in {} cannot be read: {e}",
            cwd.display()
        ))
    })?;
    let findings = config.screening.findings.clone();
    let verdict = ctx.policy().evaluate(
        ctx.env(),
        Action::TerraformConfig {
            workspace: ws,
            findings: &findings,
        },
    );
    let config_sha256 = config.binding(Vec::new()).digest();
    let arguments =
        json!({"cwd": cwd, "workspace": ws, "args": args, "config_sha256": config_sha256});
    let mut audit = Map::new();
    audit.insert("plan_id".into(), json!(id));
    audit.insert("findings".into(), findings_summary(&findings));
    Ok(Prepared {
        spec,
        binding: Binding::new(spec.name, arguments),
        verdict,
        approval,
        summary: Some(
            json!({"cwd": cwd, "workspace": ws, "findings": findings_summary(&findings)}),
        ),
        job: Job::Plan(PlanJob {
            id,
            cwd,
            workspace: ws.to_owned(),
            args,
            plan_file: crate::state::plan_file(&ctx.cfg.state_dir, id),
            config: Box::new(config),
        }),
        data: None,
        audit,
    })
}

/// A finished plan, analyzed and decided.
#[derive(Debug)]
pub(crate) struct Analyzed {
    pub(crate) record: PlanRecord,
    pub(crate) analysis: PlanAnalysis,
}

/// Turns what planning produced into the stored record and the verdict that decides its apply.
pub(crate) fn analyzed(
    ctx: &ToolCtx<'_>,
    job: PlannedJob<'_>,
    planned: Planned,
    now: Timestamp,
) -> Result<Analyzed, Refusal> {
    let PlannedJob {
        id,
        cwd,
        workspace: ws,
        args,
        config: before,
        requester,
    } = job;
    let fail = |detail: String| Refusal::Failed {
        rule: "terraform.failed",
        what: "planning",
        detail,
    };
    // What terraform read must be what was screened: read it again and compare.
    let after = terraform_config::read(ctx, cwd).map_err(fail)?;
    let changed = after
        .binding(Vec::new())
        .changes_since(&before.binding(Vec::new()));
    let changed: Vec<String> = changed
        .into_iter()
        .filter(|c| !c.starts_with(terraform_config::LOCK_FILE))
        .collect();
    if !changed.is_empty() {
        return Err(fail(format!(
            "the configuration changed while it was being planned ({}); plan again",
            changed.join("; ")
        )));
    }
    let destroy = args.iter().any(|a| a == "-destroy");
    let plan = recourse_plan::Plan::from_json(&planned.json).map_err(|e| fail(e.to_string()))?;
    let digest = plan_digest(&planned.json).map_err(|e| fail(e.to_string()))?;
    let analysis = analyze(&plan);
    let mut facts = analysis.facts(ws, destroy);
    facts.config_findings = after.screening.findings.clone();
    let verdict = ctx
        .policy()
        .evaluate(ctx.env(), Action::TerraformPlan(&facts));
    let record = PlanRecord {
        id,
        plan_file_sha256: planned.file_sha256,
        plan_digest: digest,
        workspace: ws.to_owned(),
        environment: ctx.env(),
        cwd: cwd.display().to_string(),
        args: args.to_vec(),
        destroy,
        lineage: planned.lineage,
        serial: planned.serial,
        policy_hash: ctx.policy_hash,
        created_at: now,
        expires_at: now.plus(ctx.policy().plan_ttl_seconds.get()),
        verdict,
        status: PlanStatus::Planned,
        requester: requester.to_owned(),
        requester_issuer: ctx.requester.issuer.clone(),
        config: after.binding(planned.providers),
        findings: after.screening.findings,
    };
    Ok(Analyzed { record, analysis })
}

/// The job a finished plan came from.
#[derive(Debug)]
pub(crate) struct PlannedJob<'a> {
    pub(crate) id: PlanId,
    pub(crate) cwd: &'a Path,
    pub(crate) workspace: &'a str,
    pub(crate) args: &'a [String],
    pub(crate) config: &'a Config,
    pub(crate) requester: &'a str,
}

/// What the approver of an apply sees: every change with its tier, every finding, the
/// providers and their hashes, workspace and state.
pub(crate) fn plan_summary(record: &PlanRecord, analysis: &PlanAnalysis) -> serde_json::Value {
    json!({
        "plan_id": record.id.to_string(),
        "cwd": record.cwd,
        "workspace": record.workspace,
        "lineage": record.lineage,
        "serial": record.serial,
        "destroy": record.destroy,
        "changes": analysis.changes.iter().map(|c| json!({
            "address": c.address,
            "type": c.resource_type,
            "actions": c.action.as_str(),
            "tier": c.tier,
            "why": c.why,
        })).collect::<Vec<_>>(),
        "findings": findings_summary(&record.findings),
        "providers": record.config.providers,
        "config_files": record.config.files.len(),
    })
}

/// The binding of "apply plan X": the same for the apply call, the escalation made at planning
/// time, an agent's approval request and a human's break-glass.
fn apply_binding(ctx: &ToolCtx<'_>, record: &PlanRecord) -> Binding {
    Binding {
        tool: call::TERRAFORM_APPLY.name,
        arguments: json!({"plan_id": record.id.to_string()}),
        workspace: Some(record.workspace.clone()),
        plan_digest: Some(record.plan_digest),
        plan_id: Some(record.id),
        fixed: Some(recourse_plan::apply_binding(
            record,
            ctx.env(),
            ctx.policy_hash,
            &ctx.requester.agent_id,
            ctx.requester.issuer.as_deref(),
        )),
    }
}

/// The escalation that asks a human to approve applying a plan.
pub(crate) fn apply_escalation(
    ctx: &ToolCtx<'_>,
    record: &PlanRecord,
    verdict: Verdict,
    details: Option<serde_json::Value>,
) -> Escalation {
    let binding = apply_binding(ctx, record);
    Escalation {
        tool: call::TERRAFORM_APPLY.name,
        digest: binding.digest(ctx.env(), ctx.policy_hash, ctx.requester),
        arguments: binding.arguments,
        plan_id: Some(record.id),
        verdict,
        note: None,
        details,
    }
}

/// What the gate gathered for an apply.
#[derive(Debug)]
pub(crate) struct ApplyFacts {
    pub(crate) record: Option<PlanRecord>,
    /// The stored plan file and its current hash.
    pub(crate) plan_file: PathBuf,
    pub(crate) plan_file_sha256: Digest,
    /// The workspace selected in the plan's directory now.
    pub(crate) workspace: String,
    /// The state's lineage and serial now.
    pub(crate) lineage: (Option<String>, Option<u64>),
    /// The approval presented, if any, and whether it exists.
    pub(crate) approval: Option<(recourse_plan::ApprovalId, Option<Approval>)>,
    /// The configuration, lock file and provider binaries as they are now.
    pub(crate) config: Option<recourse_plan::ConfigBinding>,
}

/// `gateway_terraform_apply`: checks, in order, that the plan exists, the policy is the one it
/// was planned under, the presented approval exists, the lifecycle check passes (expiry, file
/// hash, workspace, environment, approval, status) and the state did not move.
pub(crate) fn apply(
    ctx: &ToolCtx<'_>,
    plan_id: &str,
    facts: ApplyFacts,
    now: Timestamp,
) -> Result<Prepared, Refusal> {
    let not_applied = |why: NotApplied, verdict: Option<&Verdict>| Refusal::Apply {
        why,
        verdict: verdict.cloned(),
        plan_id: plan_id.to_owned(),
    };
    let Some(rec) = facts.record else {
        return Err(not_applied(
            recourse_plan::ApplyRefusal::UnknownPlan.into(),
            None,
        ));
    };
    if rec.policy_hash != ctx.policy_hash {
        return Err(not_applied(NotApplied::PolicyChanged, Some(&rec.verdict)));
    }
    let approval = match facts.approval {
        None => None,
        Some((_, Some(a))) => Some(a),
        Some((id, None)) => {
            return Err(not_applied(
                NotApplied::Approval(format!("approval {id}: {}", ApprovalRefusal::Unknown)),
                Some(&rec.verdict),
            ));
        }
    };
    let binding = apply_binding(ctx, &rec);
    let digest = binding.digest(ctx.env(), ctx.policy_hash, ctx.requester);
    let req = recourse_plan::ApplyRequest {
        plan_file_sha256: facts.plan_file_sha256,
        workspace: &facts.workspace,
        environment: ctx.env(),
        approval: approval.as_ref(),
        request_digest: digest,
        trust: ctx.trust(),
    };
    let permission = match verify_apply(Some(&rec), &req, now) {
        Ok(p) => p,
        Err(recourse_plan::ApplyRefusal::ApprovalRequired) => {
            return Err(Refusal::NeedsApproval(apply_escalation(
                ctx,
                &rec,
                rec.verdict.clone(),
                None,
            )));
        }
        Err(refusal) => return Err(not_applied(refusal.into(), Some(&rec.verdict))),
    };
    let changed = match &facts.config {
        Some(now) => now.changes_since(&rec.config),
        None => vec!["the configuration could not be read".to_owned()],
    };
    if !changed.is_empty() {
        return Err(not_applied(
            NotApplied::ConfigChanged(changed),
            Some(&rec.verdict),
        ));
    }
    if facts.lineage != (rec.lineage.clone(), rec.serial) {
        return Err(not_applied(
            NotApplied::StateChanged {
                planned: format!("{:?}/{:?}", rec.lineage, rec.serial),
                current: format!("{:?}/{:?}", facts.lineage.0, facts.lineage.1),
            },
            Some(&rec.verdict),
        ));
    }
    let mut audit = Map::new();
    audit.insert("plan_file_sha256".into(), json!(facts.plan_file_sha256));
    audit.insert("break_glass".into(), json!(permission.break_glass()));
    Ok(Prepared {
        spec: &call::TERRAFORM_APPLY,
        binding,
        verdict: rec.verdict.clone(),
        approval: permission.approval(),
        summary: None,
        job: Job::Apply(ApplyJob {
            id: rec.id,
            cwd: PathBuf::from(&rec.cwd),
            workspace: rec.workspace.clone(),
            plan_file: facts.plan_file,
            plan_file_sha256: facts.plan_file_sha256,
        }),
        data: None,
        audit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::tests_support::Fixture;
    use recourse_policy::Environment;

    fn id() -> PlanId {
        PlanId::from_bytes([7; 16])
    }

    #[test]
    fn only_allow_listed_arguments_pass() {
        let f = Fixture::new(Environment::Dev);
        for bad in [
            vec!["-out=/tmp/x".to_owned()],
            vec!["-chdir=/".to_owned()],
            vec!["-var".to_owned()],
            vec!["-parallelism=many".to_owned()],
        ] {
            let r = plan(&f.ctx(), "/work", "default", &bad, None, id());
            assert!(matches!(r, Err(Refusal::InvalidInput(_))), "{bad:?}");
        }
        let ok = plan(
            &f.ctx(),
            "/work",
            "default",
            &["-var".into(), "a=b".into(), "-refresh=false".into()],
            None,
            id(),
        )
        .unwrap();
        assert_eq!(
            ok.binding.arguments["args"],
            json!(["-var=a=b", "-refresh=false"])
        );
    }

    #[test]
    fn workspace_and_cwd_are_validated() {
        let f = Fixture::new(Environment::Dev);
        assert!(matches!(
            plan(&f.ctx(), "/work", "../prod", &[], None, id()),
            Err(Refusal::InvalidInput(_))
        ));
        assert!(matches!(
            plan(&f.ctx(), "relative", "default", &[], None, id()),
            Err(Refusal::InvalidInput(_))
        ));
        assert!(matches!(
            plan(
                &f.ctx(),
                "/var/lib/recourse/plans",
                "default",
                &[],
                None,
                id()
            ),
            Err(Refusal::InvalidInput(_))
        ));
    }

    #[test]
    fn a_destroy_blocked_in_prod_is_refused_before_planning() {
        let f = Fixture::new(Environment::Prod);
        assert!(matches!(
            destroy(&f.ctx(), "/work", "default", None, id()),
            Err(Refusal::Blocked { .. })
        ));
        assert!(matches!(
            plan(
                &f.ctx(),
                "/work",
                "default",
                &["-destroy".into()],
                None,
                id()
            ),
            Err(Refusal::Blocked { .. })
        ));
        let dev = Fixture::new(Environment::Dev);
        assert!(destroy(&dev.ctx(), "/work", "default", None, id()).is_ok());
    }

    #[test]
    fn an_unknown_plan_is_not_applied() {
        let f = Fixture::new(Environment::Dev);
        let facts = ApplyFacts {
            record: None,
            plan_file: PathBuf::from("/x"),
            plan_file_sha256: Digest::of(b"x"),
            workspace: "default".into(),
            lineage: (None, None),
            approval: None,
            config: None,
        };
        let r = apply(&f.ctx(), "p", facts, Timestamp(0));
        assert!(matches!(r, Err(Refusal::Apply { .. })));
    }
}
