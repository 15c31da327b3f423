//! The human control plane: `recourse approvals …` and `recourse break-glass …`. None of this is
//! reachable through MCP.

use std::io::Write;

use clap::{Args, Subcommand};
use recourse_exec::ControlPlane;
use recourse_plan::{Approval, ApprovalId, Channel, PlanId, Timestamp};
use recourse_policy::Environment;
use recourse_shell::escape_for_display;
use serde_json::json;

use crate::args::{StateDirArg, os_user};
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum ApprovalsCommand {
    /// List approvals, newest first.
    List {
        #[command(flatten)]
        state: StateDirArg,
        /// Only pending ones.
        #[arg(long)]
        pending: bool,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Show one approval: exactly what would run, redacted, invisible characters escaped.
    Show {
        /// Approval id.
        id: String,
        #[command(flatten)]
        state: StateDirArg,
    },
    /// Approve a pending request (you may not approve your own agent's request as that agent).
    Approve(Resolution),
    /// Reject a pending request.
    Reject(Resolution),
}

/// A human's decision on one approval request.
#[derive(Debug, Args)]
pub struct Resolution {
    /// Approval id.
    id: String,
    /// Why (recorded in the audit log).
    #[arg(long)]
    reason: String,
    /// Who decides (default: the OS user).
    #[arg(long = "as", value_name = "NAME")]
    approver: Option<String>,
    #[command(flatten)]
    state: StateDirArg,
}

#[derive(Debug, Subcommand)]
pub enum BreakGlassCommand {
    /// Grant, as a human, the apply of a plan the policy blocks. Mandatory reason; audited as
    /// break-glass.
    Plan {
        /// Plan id.
        plan_id: String,
        /// Why this override is necessary (at least 10 characters).
        #[arg(long)]
        reason: String,
        /// Environment the gateway serves.
        #[arg(short, long, value_name = "ENV")]
        env: Environment,
        /// Your identity (default: the OS user).
        #[arg(long = "as", value_name = "NAME")]
        human: Option<String>,
        #[command(flatten)]
        state: StateDirArg,
    },
}

pub(crate) fn control(state: &StateDirArg) -> Result<ControlPlane, CliError> {
    ControlPlane::open(&state.resolve()).map_err(|e| CliError::Config(e.to_string()))
}

fn approval_id(s: &str) -> Result<ApprovalId, CliError> {
    s.parse()
        .map_err(|e: recourse_plan::InvalidId| CliError::Config(e.to_string()))
}

fn summary_line(a: &Approval, now: recourse_plan::Timestamp) -> String {
    let what = a
        .summary
        .get("arguments")
        .map(|v| escape_for_display(&v.to_string()))
        .unwrap_or_default();
    let what: String = what.chars().take(100).collect();
    format!(
        "{}  {:<9} {:<26} {:<8} {}",
        a.id,
        a.status(now).as_str(),
        a.tool,
        a.requester,
        what
    )
}

pub fn approvals(cmd: ApprovalsCommand) -> Result<(), CliError> {
    let now = recourse_exec::system_now();
    let mut out = std::io::stdout().lock();
    match cmd {
        ApprovalsCommand::List {
            state,
            pending,
            json,
        } => {
            let cp = control(&state)?;
            let list: Vec<Approval> = cp
                .approvals()
                .map_err(|e| CliError::Config(e.to_string()))?
                .into_iter()
                .filter(|a| !pending || a.status(now) == recourse_plan::ApprovalStatus::Pending)
                .collect();
            if json {
                let v: Vec<_> = list.iter().map(|a| json!({"id": a.id, "status": a.status(now), "tool": a.tool, "requester": a.requester, "environment": a.environment, "created_at": a.created_at, "expires_at": a.expires_at, "summary": a.summary})).collect();
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&v).map_err(std::io::Error::other)?
                )?;
            } else if list.is_empty() {
                writeln!(out, "no {}approvals", if pending { "pending " } else { "" })?;
            } else {
                for a in &list {
                    writeln!(out, "{}", summary_line(a, now))?;
                }
            }
        }
        ApprovalsCommand::Show { id, state } => {
            let a = control(&state)?
                .approval(approval_id(&id)?)
                .map_err(|e| CliError::Config(e.to_string()))?;
            writeln!(out, "approval   {}", a.id)?;
            writeln!(out, "status     {}", a.status(now).as_str())?;
            writeln!(
                out,
                "requested  by {} at {} (expires {})",
                a.requester, a.created_at, a.expires_at
            )?;
            writeln!(out, "tool       {}", a.tool)?;
            writeln!(out, "environment {}", a.environment)?;
            if let Some(p) = a.plan_id {
                writeln!(out, "plan       {p}")?;
            }
            writeln!(out, "bound to   request digest {}", a.request_digest)?;
            writeln!(
                out,
                "action (canonical, redacted; invisible characters shown as escapes):"
            )?;
            let pretty = serde_json::to_string_pretty(&a.summary).map_err(std::io::Error::other)?;
            for line in pretty.lines() {
                writeln!(out, "  {}", escape_for_display(line))?;
            }
            if let Some(r) = a.resolution() {
                writeln!(
                    out,
                    "decided    by {} via {:?} at {}: {}",
                    r.approver, r.channel, r.at, r.reason
                )?;
            }
        }
        ApprovalsCommand::Approve(r) => decide(&mut out, r, true, now)?,
        ApprovalsCommand::Reject(r) => decide(&mut out, r, false, now)?,
    }
    Ok(())
}

/// `approvals approve` / `approvals reject`.
fn decide(
    out: &mut impl Write,
    r: Resolution,
    approve: bool,
    now: Timestamp,
) -> Result<(), CliError> {
    let who = r.approver.unwrap_or_else(os_user);
    let verb = if approve { "approved" } else { "rejected" };
    let a = control(&r.state)?
        .resolve(
            approval_id(&r.id)?,
            &who,
            &r.reason,
            Channel::Cli,
            approve,
            now,
        )
        .map_err(|e| CliError::Config(format!("not {verb}: {e}")))?;
    if approve {
        writeln!(
            out,
            "approved {} as {who}: the agent may now repeat the call once with approval_id {}",
            a.id, a.id
        )?;
    } else {
        writeln!(out, "rejected {} as {who}", a.id)?;
    }
    Ok(())
}

pub fn break_glass(cmd: BreakGlassCommand) -> Result<(), CliError> {
    let BreakGlassCommand::Plan {
        plan_id,
        reason,
        env,
        human,
        state,
    } = cmd;
    let id: PlanId = plan_id
        .parse()
        .map_err(|e: recourse_plan::InvalidId| CliError::Config(e.to_string()))?;
    let who = human.unwrap_or_else(os_user);
    let a = control(&state)?
        .break_glass_plan(id, &who, &reason, env, recourse_exec::system_now())
        .map_err(|e| CliError::Config(format!("break-glass refused: {e}")))?;
    writeln!(
        std::io::stdout().lock(),
        "break-glass grant {} for plan {id} by {who} (audited): apply with approval_id {}",
        a.id,
        a.id
    )?;
    Ok(())
}
