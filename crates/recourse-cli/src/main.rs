//! `recourse`: the Recourse gateway's command line.

mod args;
mod cmd;
mod doctor;
mod error;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::cmd::{approvals, approvers, audit, control, gateway, plan, policy, shell};
use crate::error::CliError;

/// Recourse: an enforcement gateway between AI agents and the infrastructure they operate.
///
/// Agents get MCP tools, never credentials. Every call is classified, decided under a policy per
/// environment, bound to a human approval when it escalates, audited, and only then executed.
#[derive(Debug, Parser)]
#[command(
    name = "recourse",
    version,
    propagate_version = true,
    max_term_width = 100
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate, inspect, hash and describe policy files.
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
    /// Run the gateway: the MCP server an agent connects to.
    #[command(subcommand)]
    Gateway(gateway::GatewayCommand),
    /// The web control plane: approvers see exactly what will run and decide, in a browser.
    #[command(subcommand)]
    Control(control::ControlCommand),
    /// Approve or reject what agents asked for (human control plane; not reachable via MCP).
    #[command(subcommand)]
    Approvals(approvals::ApprovalsCommand),
    /// Register who may decide: approver keys and the approvers file.
    #[command(subcommand)]
    Approvers(approvers::ApproversCommand),
    /// One-command single-operator setup: your approver key, its registration, the audit key.
    Setup(approvers::SetupArgs),
    /// Human override for actions the policy blocks; mandatory reason, always audited.
    #[command(subcommand, name = "break-glass")]
    BreakGlass(approvals::BreakGlassCommand),
    /// Verify and read the tamper-evident audit log.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Analyze Terraform plans the way the gateway does.
    #[command(subcommand)]
    Plan(plan::PlanCommand),
    /// Classify shell commands the way the gateway does.
    #[command(subcommand)]
    Shell(shell::ShellCommand),
}

fn main() -> ExitCode {
    // `recourse __sandbox …` is the shell runner's confinement helper (see recourse_exec::sandbox).
    let mut argv = std::env::args();
    if argv.nth(1).as_deref() == Some(args::SANDBOX_SUBCOMMAND) {
        let code = recourse_exec::sandbox::helper_main(argv.collect());
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    let cli = Cli::parse();
    let result: Result<(), CliError> = match cli.command {
        Command::Policy(cmd) => policy::run(cmd),
        Command::Gateway(cmd) => gateway::run(cmd),
        Command::Control(cmd) => control::run(cmd),
        Command::Plan(cmd) => plan::run(cmd),
        Command::Approvals(cmd) => approvals::approvals(cmd),
        Command::BreakGlass(cmd) => approvals::break_glass(cmd),
        Command::Approvers(cmd) => approvers::run(cmd),
        Command::Setup(args) => approvers::setup(args),
        Command::Audit(cmd) => audit::run(cmd),
        Command::Shell(cmd) => shell::run(cmd),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`recourse policy show | head`) is the reader's choice, not a failure.
        Err(CliError::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
