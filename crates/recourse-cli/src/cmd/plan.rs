//! `recourse plan analyze`.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use recourse_plan::{Plan, analyze, plan_digest};
use recourse_policy::{Action, Environment};
use serde_json::json;

use crate::args::{PolicyFileArg, load_policy};
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Analyze `terraform show -json` output: each change's action, recoverability tier and
    /// why, then the verdict under the policy.
    Analyze(AnalyzeArgs),
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Plan JSON (`terraform show -json PLANFILE > plan.json`); `-` reads stdin.
    #[arg(value_name = "FILE.json")]
    file: PathBuf,
    /// Environment whose policy applies.
    #[arg(short, long, value_name = "ENV", default_value = "prod")]
    env: Environment,
    #[command(flatten)]
    policy: PolicyFileArg,
    /// Terraform workspace the plan was made in (protected workspaces escalate).
    #[arg(short, long, default_value = "default")]
    workspace: String,
    /// The plan was made with `-destroy`.
    #[arg(long)]
    destroy: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(cmd: PlanCommand) -> Result<(), CliError> {
    let PlanCommand::Analyze(args) = cmd;
    let policy = load_policy(args.policy.policy.as_deref())?;
    let text = if args.file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(&args.file)
            .map_err(|e| CliError::BadInput(format!("cannot read {}: {e}", args.file.display())))?
    };
    let bad = |e: recourse_plan::PlanParseError| {
        CliError::Config(format!("{}: {e}", args.file.display()))
    };
    let plan = Plan::from_json(&text).map_err(bad)?;
    let digest = plan_digest(&text).map_err(bad)?;
    let analysis = analyze(&plan);
    let facts = analysis.facts(&args.workspace, args.destroy);
    let verdict = policy.evaluate(args.env, Action::TerraformPlan(&facts));
    let mut out = std::io::stdout().lock();
    if args.json {
        let v = json!({
            "environment": args.env,
            "workspace": args.workspace,
            "plan_digest": digest,
            "format_version": analysis.format_version,
            "terraform_version": analysis.terraform_version,
            "changes": analysis.changes,
            "worst_tier": analysis.worst_tier(),
            "output_changes": analysis.output_changes,
            "decision": verdict.decision(),
            "reasons": verdict.reasons(),
        });
        let text = serde_json::to_string_pretty(&v).map_err(std::io::Error::other)?;
        writeln!(out, "{text}")?;
        return Ok(());
    }
    writeln!(
        out,
        "plan: format {} from Terraform {}, digest {digest}",
        analysis.format_version,
        analysis.terraform_version.as_deref().unwrap_or("?")
    )?;
    let width = analysis
        .changes
        .iter()
        .map(|c| c.address.len())
        .max()
        .unwrap_or(0);
    for c in &analysis.changes {
        let tier = c.tier.map_or("-", |t| t.as_str());
        writeln!(
            out,
            "  {:<width$}  {:<31}  {:<23}  {}",
            c.address,
            c.action.as_str(),
            tier,
            c.why
        )?;
    }
    if analysis.output_changes {
        writeln!(out, "  (outputs change)")?;
    }
    writeln!(out)?;
    writeln!(out, "verdict: {} ({})", verdict.decision(), args.env)?;
    for r in verdict.reasons() {
        writeln!(out, "  {:<8} {}  [{}]", r.decision, r.message, r.rule)?;
    }
    Ok(())
}
