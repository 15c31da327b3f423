//! `recourse gateway doctor`: self-tests against a real gateway.
//!
//! The checks ([`checks::SUITES`]) run a real `Gateway`, configured as `gateway serve` would
//! configure it, with the environment and policy under test, behind the real MCP server, and
//! talk to it through an in-process MCP client ([`client`]). A check passes only if the gateway
//! behaves as the security property requires under the given policy; a weakened policy fails
//! loudly.

mod checks;
mod client;
mod fixture;

use std::io::Write;
use std::path::PathBuf;

use recourse_policy::{Environment, Policy};
use serde::Serialize;
use serde_json::json;

use crate::cmd::gateway::{KubeIdentityArgs, SandboxArgs};
use crate::error::CliError;
use fixture::Fixture;

#[derive(Debug, Serialize)]
pub struct CheckResult {
    pub name: String,
    pub suite: &'static str,
    pub passed: bool,
    pub critical: bool,
    /// Passed, with something the operator should fix (reported, not a failure).
    pub warning: bool,
    pub message: String,
}

/// The operator's trust files the doctor checks (the fixture uses keys of its own).
#[derive(Debug, Clone)]
pub struct Operator {
    /// The approvers file `serve` will use.
    pub approvers: PathBuf,
    /// The audit key `serve` will use, if any.
    pub audit_key: Option<PathBuf>,
    /// The kubectl and kubeconfig `serve` will use, whose identity the agent inherits.
    pub kube: KubeIdentityArgs,
    /// The serving gateways' state directory or store, whose active freezes are shown.
    pub state: crate::args::StateDirArg,
}

/// The active freezes of the serving gateways' store, as a result of the operations suite
/// (never a failure: a freeze is a human's decision; a store that cannot be read is named).
fn freezes(state: &crate::args::StateDirArg) -> CheckResult {
    let result = |warning, message| CheckResult {
        name: "active freezes".into(),
        suite: "operations",
        passed: true,
        critical: false,
        warning,
        message,
    };
    let dir = state.resolve();
    let store = match state.store_config() {
        Ok(s) => s,
        Err(e) => return result(true, format!("store not readable: {e}")),
    };
    if matches!(store, recourse_exec::store::StoreConfig::Sqlite)
        && !recourse_exec::db_path(&dir).exists()
    {
        return result(
            false,
            format!("none (no gateway state in {})", dir.display()),
        );
    }
    match recourse_exec::ControlPlane::open_in(&store, &dir, None).and_then(|cp| cp.freezes()) {
        Ok(f) if f.is_empty() => result(false, "none".into()),
        Ok(f) => result(
            true,
            f.iter()
                .map(|f| format!("{} (by {}: {})", f.scope, f.by, f.reason))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        Err(e) => result(true, format!("store not readable: {e}")),
    }
}

/// Runs every check and prints the report; exit 1 on a critical failure.
#[allow(clippy::too_many_arguments)]
pub fn run(
    env: Environment,
    policy: Policy,
    policy_file: Option<PathBuf>,
    source: String,
    sandbox: SandboxArgs,
    operator: Operator,
    json_out: bool,
) -> Result<(), CliError> {
    let started = std::time::Instant::now();
    let freezes = freezes(&operator.state);
    let fixture = Fixture::new(env, policy, policy_file, source.clone(), sandbox, operator)
        .map_err(CliError::Config)?;
    let mut results = Vec::new();
    for suite in checks::SUITES {
        for check in suite.checks {
            let outcome = check.run(&fixture);
            results.push(CheckResult {
                name: check.name.into(),
                suite: suite.name,
                passed: outcome.passed,
                critical: check.critical,
                warning: outcome.warning,
                message: outcome.message,
            });
        }
    }
    drop(fixture);
    results.push(freezes);
    report(env, &source, &results, started, json_out)
}

fn report(
    env: Environment,
    source: &str,
    results: &[CheckResult],
    started: std::time::Instant,
    json_out: bool,
) -> Result<(), CliError> {
    let total = results.len();
    let passed = results.iter().filter(|r| r.passed).count();
    let critical_failed = results.iter().filter(|r| !r.passed && r.critical).count();
    let mut out = std::io::stdout().lock();
    if json_out {
        let v = json!({"environment": env, "summary": {"total": total, "passed": passed, "failed": total - passed, "critical_failed": critical_failed}, "results": results});
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&v).map_err(std::io::Error::other)?
        )?;
    } else {
        writeln!(
            out,
            "recourse gateway doctor: environment {env}, policy {source}"
        )?;
        let mut suite = "";
        for r in results {
            if r.suite != suite {
                suite = r.suite;
                writeln!(out, "\n{suite}")?;
            }
            writeln!(
                out,
                "  [{}] {}{} — {}",
                match (r.passed, r.warning) {
                    (true, false) => "pass",
                    (true, true) => "warn",
                    (false, _) => "FAIL",
                },
                r.name,
                if r.critical { "" } else { " (advisory)" },
                r.message
            )?;
        }
        writeln!(
            out,
            "\n{passed}/{total} passed, {critical_failed} critical failure(s), {:.0} ms",
            started.elapsed().as_secs_f64() * 1000.0
        )?;
    }
    if critical_failed > 0 {
        return Err(CliError::DoctorFailed(critical_failed));
    }
    Ok(())
}
