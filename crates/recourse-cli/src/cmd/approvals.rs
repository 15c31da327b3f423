//! The human control plane: `recourse approvals …` and `recourse break-glass …`. None of this is
//! reachable through MCP. Every decision is signed with the approver's own key (see
//! `recourse approvers`), checked against the approvers file, and honoured by the gate only if
//! it verifies.

use std::io::Write;

use clap::{Args, Subcommand};
use recourse_exec::ControlPlane;
use recourse_exec::view::{ApprovalView, Part, Shown, UNBOUND_WARNING};
use recourse_plan::{Approval, ApprovalId, Choice, PlanId, Tally, Timestamp};
use recourse_policy::Environment;
use serde_json::json;

use crate::args::{ApproversArg, KeyArg, StateDirArg};
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum ApprovalsCommand {
    /// List approvals, newest first.
    List {
        #[command(flatten)]
        state: StateDirArg,
        #[command(flatten)]
        approvers: ApproversArg,
        /// Only pending ones.
        #[arg(long)]
        pending: bool,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Show one approval: exactly what would run (commands and the scripts they run, kubectl
    /// objects, terraform changes and findings), redacted, invisible characters escaped.
    Show {
        /// Approval id.
        id: String,
        #[command(flatten)]
        state: StateDirArg,
        #[command(flatten)]
        approvers: ApproversArg,
    },
    /// Wait until a request is decided (or used), then print its status. Wakes on the store's
    /// notifications (PostgreSQL), and re-reads the store every 250 ms either way.
    Wait {
        /// Approval id.
        id: String,
        /// Give up after this many seconds (the status is printed either way).
        #[arg(long, default_value_t = 600)]
        timeout: u64,
        #[command(flatten)]
        state: StateDirArg,
        #[command(flatten)]
        approvers: ApproversArg,
    },
    /// Approve a pending request, signed with your key (you may not approve a request you made).
    Approve(Resolution),
    /// Reject a pending request, signed with your key.
    Reject(Resolution),
}

/// A human's decision on one approval request.
#[derive(Debug, Args)]
pub struct Resolution {
    /// Approval id.
    id: String,
    /// Why (signed, and recorded in the audit log).
    #[arg(long)]
    reason: String,
    #[command(flatten)]
    key: KeyArg,
    #[command(flatten)]
    approvers: ApproversArg,
    #[command(flatten)]
    state: StateDirArg,
}

#[derive(Debug, Subcommand)]
pub enum BreakGlassCommand {
    /// Grant, as a human, the apply of a plan the policy blocks. Mandatory reason; signed with
    /// your key; audited as break-glass.
    Plan {
        /// Plan id.
        plan_id: String,
        /// Why this override is necessary (at least 10 characters).
        #[arg(long)]
        reason: String,
        /// Environment the gateway serves.
        #[arg(short, long, value_name = "ENV")]
        env: Environment,
        #[command(flatten)]
        key: KeyArg,
        #[command(flatten)]
        approvers: ApproversArg,
        #[command(flatten)]
        state: StateDirArg,
    },
}

pub(crate) fn control(
    state: &StateDirArg,
    approvers: &ApproversArg,
) -> Result<ControlPlane, CliError> {
    ControlPlane::open_in(
        &state.store_config()?,
        &state.resolve(),
        Some(&approvers.resolve()),
    )
    .map_err(|e| CliError::Config(e.to_string()))
}

fn approval_id(s: &str) -> Result<ApprovalId, CliError> {
    s.parse()
        .map_err(|e: recourse_plan::InvalidId| CliError::Config(e.to_string()))
}

fn summary_line(a: &Approval, t: &Tally) -> String {
    let v = ApprovalView::new(a, t, &[]);
    let what: String = v.headline.as_str().chars().take(100).collect();
    format!(
        "{}  {:<16} {:<26} {:<8} {}",
        v.id, v.status_text, v.tool, v.requester, what
    )
}

pub fn approvals(cmd: ApprovalsCommand) -> Result<(), CliError> {
    let now = recourse_exec::system_now();
    let mut out = std::io::stdout().lock();
    match cmd {
        ApprovalsCommand::List {
            state,
            approvers,
            pending,
            json,
        } => {
            let cp = control(&state, &approvers)?;
            let list: Vec<(Approval, Tally)> = cp
                .approvals()
                .map_err(|e| CliError::Config(e.to_string()))?
                .into_iter()
                .map(|a| {
                    let t = cp.tally(&a, now).0;
                    (a, t)
                })
                .filter(|(_, t)| !pending || matches!(t, Tally::Pending { .. }))
                .collect();
            if json {
                let v: Vec<_> = list.iter().map(|(a, t)| {
                    let (have, need) = match t { Tally::Pending { have, need } => (Some(*have), Some(*need)), _ => (None, None) };
                    json!({"id": a.id, "status": t.status(), "approvals": have, "required": need, "tool": a.tool, "requester": a.requester, "environment": a.environment, "created_at": a.created_at, "expires_at": a.expires_at, "summary": a.summary})
                }).collect();
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&v).map_err(std::io::Error::other)?
                )?;
            } else if list.is_empty() {
                writeln!(out, "no {}approvals", if pending { "pending " } else { "" })?;
            } else {
                for (a, t) in &list {
                    writeln!(out, "{}", summary_line(a, t))?;
                }
            }
        }
        ApprovalsCommand::Show {
            id,
            state,
            approvers,
        } => {
            let cp = control(&state, &approvers)?;
            let a = cp
                .approval(approval_id(&id)?)
                .map_err(|e| CliError::Config(e.to_string()))?;
            let (tally, problems) = cp.tally(&a, now);
            show(&mut out, &a, &tally, &problems)?;
        }
        ApprovalsCommand::Wait {
            id,
            timeout,
            state,
            approvers,
        } => {
            let cp = control(&state, &approvers)?;
            let id = approval_id(&id)?;
            let seen = cp
                .approval(id)
                .map_err(|e| CliError::Config(e.to_string()))?;
            let mut a = seen.clone();
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(timeout);
            // Changes that leave it pending (one vote of several) wait on.
            while matches!(
                cp.tally(&a, recourse_exec::system_now()).0,
                Tally::Pending { .. }
            ) && std::time::Instant::now() < deadline
            {
                a = cp
                    .wait_for_change(
                        id,
                        &a,
                        deadline.saturating_duration_since(std::time::Instant::now()),
                    )
                    .map_err(|e| CliError::Config(e.to_string()))?;
            }
            let tally = cp.tally(&a, recourse_exec::system_now()).0;
            writeln!(out, "{}", summary_line(&a, &tally))?;
        }
        ApprovalsCommand::Approve(r) => decide(&mut out, r, Choice::Approve, now)?,
        ApprovalsCommand::Reject(r) => decide(&mut out, r, Choice::Reject, now)?,
    }
    Ok(())
}

/// Writes already-escaped text, each line after `indent`.
fn line(out: &mut impl Write, indent: &str, text: &Shown) -> std::io::Result<()> {
    for l in text.as_str().lines() {
        writeln!(out, "{indent}{l}")?;
    }
    if text.as_str().is_empty() {
        writeln!(out, "{indent}")?;
    }
    Ok(())
}

/// The human-readable view of what the approval would let run: the same [`ApprovalView`] the
/// web page renders, from the summary the gate wrote from the same parse it decided on.
fn show(
    out: &mut impl Write,
    a: &Approval,
    tally: &Tally,
    problems: &[String],
) -> std::io::Result<()> {
    let v = ApprovalView::new(a, tally, problems);
    writeln!(out, "approval    {}", v.id)?;
    writeln!(out, "status      {}", v.status_text)?;
    writeln!(
        out,
        "requested   by {} at {} (expires {})",
        v.requester, v.created_at, v.expires_at
    )?;
    writeln!(out, "tool        {}", v.tool)?;
    writeln!(out, "environment {}", v.environment)?;
    if let Some(p) = &v.plan_id {
        writeln!(out, "plan        {p}")?;
    }
    writeln!(out, "bound to    request digest {}", v.request_digest)?;
    if let Some(h) = &v.policy_hash {
        writeln!(out, "policy      sha256 {h}")?;
    }
    writeln!(
        out,
        "\nwhat would run (canonical, redacted; invisible characters shown as escapes):"
    )?;
    for part in &v.parts {
        match part {
            Part::Command { cwd, command } => {
                writeln!(out, "  shell command, in {cwd}:")?;
                line(out, "    $ ", command)?;
            }
            Part::Script {
                path,
                sha256,
                content,
                truncated,
            } => {
                writeln!(out, "  script it runs: {path} (sha256 {sha256})")?;
                line(out, "    | ", content)?;
                if *truncated {
                    writeln!(
                        out,
                        "    !! NOT ALL SHOWN: only the start of this script is above; read the file itself (sha256 above) before approving"
                    )?;
                }
            }
            Part::Unbound(unbound) => {
                writeln!(out, "  !! {UNBOUND_WARNING}")?;
                for u in unbound {
                    writeln!(out, "  !!   {}: {}", u.what, u.why)?;
                }
            }
            Part::Objects(objects) => {
                writeln!(out, "  kubectl apply of {} object(s):", objects.len())?;
                for o in objects {
                    let ns = o
                        .namespace
                        .as_ref()
                        .map_or("(cluster-scoped)", Shown::as_str);
                    writeln!(out, "    - {} {} in {ns}", o.kind, o.name)?;
                }
            }
            Part::Plan {
                cwd,
                workspace,
                state,
                changes,
            } => {
                writeln!(
                    out,
                    "  terraform plan in {cwd} (workspace {workspace}, state {state}): {} change(s)",
                    changes.len()
                )?;
                for c in changes {
                    writeln!(
                        out,
                        "    - {} {} [{}]: {}",
                        c.actions,
                        c.address,
                        c.tier.as_deref().unwrap_or("no data"),
                        c.why
                    )?;
                }
            }
            Part::Findings(findings) => {
                writeln!(out, "  configuration findings:")?;
                for f in findings {
                    writeln!(out, "    - {} at {}: {}", f.rule, f.at, f.why)?;
                    line(out, "        ", &f.text)?;
                }
            }
            Part::Providers(providers) => {
                for p in providers {
                    writeln!(out, "  provider {p}")?;
                }
            }
            Part::Arguments(args) => {
                writeln!(out, "  arguments:")?;
                line(out, "    ", args)?;
            }
        }
    }
    writeln!(out, "\nthe full record:")?;
    line(out, "  ", &v.record)?;
    for d in &v.decisions {
        writeln!(
            out,
            "decision    {:?} by {} (signed by {}, {:?}) at {}: {}",
            d.choice, d.approver, d.signer, d.channel, d.at, d.reason
        )?;
    }
    for p in &v.problems {
        writeln!(out, "NOT COUNTED {p}")?;
    }
    Ok(())
}

/// `approvals approve` / `approvals reject`.
fn decide(
    out: &mut impl Write,
    r: Resolution,
    choice: Choice,
    now: Timestamp,
) -> Result<(), CliError> {
    let key = r.key.load()?;
    let verb = if choice == Choice::Approve {
        "approved"
    } else {
        "rejected"
    };
    let (a, tally) = control(&r.state, &r.approvers)?
        .decide(approval_id(&r.id)?, &key, choice, &r.reason, now)
        .map_err(|e| CliError::Config(format!("not {verb}: {e}")))?;
    match tally {
        Tally::Approved(g) => writeln!(
            out,
            "approved {} (by {}): the agent may now repeat the call once with approval_id {}",
            a.id,
            g.approvers.join(", "),
            a.id
        )?,
        Tally::Pending { have, need } => writeln!(
            out,
            "recorded your approval of {}: {have} of {need} approvals so far",
            a.id
        )?,
        other => writeln!(out, "{verb} {}: {}", a.id, other.status().as_str())?,
    }
    Ok(())
}

pub fn break_glass(cmd: BreakGlassCommand) -> Result<(), CliError> {
    let BreakGlassCommand::Plan {
        plan_id,
        reason,
        env,
        key,
        approvers,
        state,
    } = cmd;
    let id: PlanId = plan_id
        .parse()
        .map_err(|e: recourse_plan::InvalidId| CliError::Config(e.to_string()))?;
    let key = key.load()?;
    let a = control(&state, &approvers)?
        .break_glass_plan(id, &key, &reason, env, recourse_exec::system_now())
        .map_err(|e| CliError::Config(format!("break-glass refused: {e}")))?;
    writeln!(
        std::io::stdout().lock(),
        "break-glass grant {} for plan {id} (signed, audited): apply with approval_id {}",
        a.id,
        a.id
    )?;
    Ok(())
}
