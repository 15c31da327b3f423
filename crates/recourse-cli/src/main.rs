//! `recourse`: the Recourse gateway's command line.

mod control_cmd;
mod doctor;
mod error;
mod gateway_cmd;
mod plan_cmd;
mod policy_cmd;
mod shell_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    Policy(policy_cmd::PolicyCommand),
    /// Run the gateway: the MCP server an agent connects to.
    #[command(subcommand)]
    Gateway(gateway_cmd::GatewayCommand),
    /// Approve or reject what agents asked for (human control plane; not reachable via MCP).
    #[command(subcommand)]
    Approvals(control_cmd::ApprovalsCommand),
    /// Human override for actions the policy blocks; mandatory reason, always audited.
    #[command(subcommand, name = "break-glass")]
    BreakGlass(control_cmd::BreakGlassCommand),
    /// Verify and read the tamper-evident audit log.
    #[command(subcommand)]
    Audit(control_cmd::AuditCommand),
    /// Analyze Terraform plans the way the gateway does.
    #[command(subcommand)]
    Plan(plan_cmd::PlanCommand),
    /// Classify shell commands the way the gateway does.
    #[command(subcommand)]
    Shell(ShellCommand),
}

#[derive(Debug, Subcommand)]
enum ShellCommand {
    /// Decide a shell command (allow, warn, escalate, block) with reasons and its parsed parts.
    Check(shell_cmd::CheckArgs),
}

fn main() -> ExitCode {
    // `recourse __sandbox …` is the shell runner's confinement helper (see recourse_exec::sandbox).
    let mut args = std::env::args();
    if args.nth(1).as_deref() == Some("__sandbox") {
        let code = recourse_exec::sandbox::helper_main(args.collect());
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    let cli = Cli::parse();
    let result: Result<(), CliError> = match cli.command {
        Command::Policy(cmd) => policy_cmd::run(cmd),
        Command::Gateway(cmd) => gateway_cmd::run(cmd),
        Command::Plan(cmd) => plan_cmd::run(cmd),
        Command::Approvals(cmd) => control_cmd::approvals(cmd),
        Command::BreakGlass(cmd) => control_cmd::break_glass(cmd),
        Command::Audit(cmd) => control_cmd::audit(cmd),
        Command::Shell(ShellCommand::Check(args)) => shell_cmd::check(args),
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
