//! Runners: the only code that starts terraform, kubectl or a shell. Each takes a
//! [`Permit`](crate::gate::Permit) by value, so nothing runs that the gate did not decide.

use std::path::{Path, PathBuf};

use crate::gate::{Permit, ShellJob};
use crate::process::{self, Outcome, SpawnError, Spec};
use crate::redact::Redactor;
use crate::sandbox::{Enforced, Helper, STATUS_PREFIX};

/// A shell run's outcome with what the sandbox enforced.
#[derive(Debug, Clone)]
pub struct ShellOutcome {
    /// Process outcome.
    pub outcome: Outcome,
    /// Sandbox report (None if the helper did not report).
    pub enforced: Option<Enforced>,
}

/// Runs a permitted kubectl or terraform invocation (argv fixed by the gate).
pub fn run_tool(permit: Permit<Spec>, redactor: &Redactor) -> Result<Outcome, SpawnError> {
    process::run(&permit.into_permitted(), redactor)
}

/// Runs a permitted shell command inside the sandbox helper.
pub fn run_shell(
    permit: Permit<ShellJob>,
    helper: &Helper,
    redactor: &Redactor,
) -> Result<ShellOutcome, SpawnError> {
    let ShellJob {
        command,
        cwd,
        env,
        home,
        writable,
        deny,
        net_deny,
        timeout,
        max_output,
    } = permit.into_permitted();
    let mut write: Vec<&Path> = writable.iter().map(PathBuf::as_path).collect();
    write.push(home.as_path());
    let deny: Vec<&Path> = deny.iter().map(PathBuf::as_path).collect();
    let argv = helper.argv(&write, &deny, net_deny, "/bin/sh", &["-c", &command]);
    let spec = Spec {
        program: helper.program.clone(),
        args: argv,
        env,
        cwd,
        stdin: None,
        timeout,
        max_output,
    };
    let mut outcome = process::run(&spec, redactor)?;
    let mut enforced = None;
    if let Some(first) = outcome.stderr.lines().next()
        && first.starts_with(STATUS_PREFIX)
    {
        enforced = Enforced::parse(first);
        let rest = outcome
            .stderr
            .split_once('\n')
            .map_or("", |(_, r)| r)
            .to_owned();
        outcome.stderr = rest;
    }
    Ok(ShellOutcome { outcome, enforced })
}
