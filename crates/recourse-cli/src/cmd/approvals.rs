//! The human control plane: `recourse approvals …` and `recourse break-glass …`. None of this is
//! reachable through MCP. Every decision is signed with the approver's own key (see
//! `recourse approvers`), checked against the approvers file, and honoured by the gate only if
//! it verifies.

use std::io::Write;

use clap::{Args, Subcommand};
use recourse_exec::ControlPlane;
use recourse_plan::{Approval, ApprovalId, Choice, PlanId, Tally, Timestamp};
use recourse_policy::Environment;
use recourse_shell::escape_for_display;
use serde_json::{Value, json};

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

/// "approved", "pending (1 of 2)", …
fn status_text(t: &Tally) -> String {
    match t {
        Tally::Pending { have, need } if *need > 1 => format!("pending ({have} of {need})"),
        other => other.status().as_str().to_owned(),
    }
}

fn summary_line(a: &Approval, t: &Tally) -> String {
    let what = a
        .summary
        .get("arguments")
        .map(|v| escape_for_display(&v.to_string()))
        .unwrap_or_default();
    let what: String = what.chars().take(100).collect();
    format!(
        "{}  {:<16} {:<26} {:<8} {}",
        a.id,
        status_text(t),
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

/// Writes a line with invisible characters made visible.
fn line(out: &mut impl Write, indent: &str, text: &str) -> std::io::Result<()> {
    for l in text.lines() {
        writeln!(out, "{indent}{}", escape_for_display(l))?;
    }
    if text.is_empty() {
        writeln!(out, "{indent}")?;
    }
    Ok(())
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The human-readable view of what the approval would let run, from the summary the gate
/// wrote from the same parse it decided on.
fn show(
    out: &mut impl Write,
    a: &Approval,
    tally: &Tally,
    problems: &[String],
) -> std::io::Result<()> {
    writeln!(out, "approval    {}", a.id)?;
    writeln!(out, "status      {}", status_text(tally))?;
    writeln!(
        out,
        "requested   by {} at {} (expires {})",
        a.requester, a.created_at, a.expires_at
    )?;
    writeln!(out, "tool        {}", a.tool)?;
    writeln!(out, "environment {}", a.environment)?;
    if let Some(p) = a.plan_id {
        writeln!(out, "plan        {p}")?;
    }
    writeln!(out, "bound to    request digest {}", a.request_digest)?;
    let s = &a.summary;
    let args = s.get("arguments").cloned().unwrap_or(Value::Null);
    let inner = args.get("arguments").unwrap_or(&args);
    writeln!(
        out,
        "\nwhat would run (canonical, redacted; invisible characters shown as escapes):"
    )?;
    if let Some(cmd) = inner.get("command").and_then(Value::as_str) {
        writeln!(out, "  shell command, in {}:", str_of(inner, "cwd"))?;
        line(out, "    $ ", cmd)?;
    }
    if let Some(scripts) = s.pointer("/details/scripts").and_then(Value::as_array) {
        for sc in scripts {
            writeln!(
                out,
                "  script it runs: {} (sha256 {})",
                str_of(sc, "path"),
                str_of(sc, "sha256")
            )?;
            line(out, "    | ", str_of(sc, "content"))?;
        }
    }
    if let Some(objects) = inner.get("objects").and_then(Value::as_array) {
        writeln!(out, "  kubectl apply of {} object(s):", objects.len())?;
        for o in objects {
            let ns = o
                .get("namespace")
                .and_then(Value::as_str)
                .unwrap_or("(cluster-scoped)");
            line(
                out,
                "    - ",
                &format!("{} {} in {ns}", str_of(o, "kind"), str_of(o, "name")),
            )?;
        }
    }
    if let Some(d) = s.get("details") {
        if let Some(changes) = d.get("changes").and_then(Value::as_array) {
            writeln!(
                out,
                "  terraform plan in {} (workspace {}, state lineage {} serial {}): {} change(s)",
                str_of(d, "cwd"),
                str_of(d, "workspace"),
                d.get("lineage").and_then(Value::as_str).unwrap_or("none"),
                d.get("serial").map_or("none".into(), Value::to_string),
                changes.len()
            )?;
            for c in changes {
                line(
                    out,
                    "    - ",
                    &format!(
                        "{} {} [{}]: {}",
                        str_of(c, "actions"),
                        str_of(c, "address"),
                        c.get("tier").and_then(Value::as_str).unwrap_or("no data"),
                        str_of(c, "why")
                    ),
                )?;
            }
        }
        if let Some(findings) = d.get("findings").and_then(Value::as_array)
            && !findings.is_empty()
        {
            writeln!(out, "  configuration findings:")?;
            for f in findings {
                line(
                    out,
                    "    - ",
                    &format!(
                        "{} at {}: {}",
                        str_of(f, "rule"),
                        str_of(f, "at"),
                        str_of(f, "why")
                    ),
                )?;
                line(out, "        ", str_of(f, "text"))?;
            }
        }
        if let Some(providers) = d.get("providers").and_then(Value::as_array) {
            for p in providers {
                line(
                    out,
                    "  provider ",
                    &format!(
                        "{} {} (sha256 {})",
                        str_of(p, "source"),
                        str_of(p, "version"),
                        str_of(p, "sha256")
                    ),
                )?;
            }
        }
    }
    writeln!(out, "\nthe full record:")?;
    let pretty = serde_json::to_string_pretty(s).map_err(std::io::Error::other)?;
    line(out, "  ", &pretty)?;
    for st in &a.statements {
        let st = &st.statement;
        writeln!(
            out,
            "decision    {:?} by {} (signed by {}, {:?}) at {}: {}",
            st.choice, st.approver, st.signer, st.channel, st.issued_at, st.reason
        )?;
    }
    for p in problems {
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
