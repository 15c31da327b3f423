//! Runners: the only code that starts terraform, kubectl or a shell. Each takes a
//! [`Permit`] by value and never makes one, so nothing runs that the gate did not decide and
//! record. (The one exception, `terraform::Inspect`, is a closed list of invocations with no
//! infrastructure effect that the gate needs in order to assess a call.)

pub(crate) mod env;
pub(crate) mod process;
pub mod sandbox;
pub(crate) mod terraform;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::gate::permit::Permit;
use crate::redact::Redactor;
use process::{Outcome, SpawnError, Spec};
use sandbox::{Enforced, Helper, STATUS_PREFIX};

/// A confined shell command a permit allows.
#[derive(Debug)]
pub(crate) struct ShellJob {
    pub(crate) command: String,
    pub(crate) cwd: PathBuf,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) home: PathBuf,
    pub(crate) writable: Vec<PathBuf>,
    pub(crate) deny: Vec<PathBuf>,
    pub(crate) net_deny: bool,
    pub(crate) timeout: Duration,
    pub(crate) max_output: usize,
}

/// A shell run's outcome with what the sandbox enforced.
#[derive(Debug, Clone)]
pub(crate) struct ShellOutcome {
    /// Process outcome.
    pub(crate) outcome: Outcome,
    /// Sandbox report (None if the helper did not report).
    pub(crate) enforced: Option<Enforced>,
}

/// Runs a permitted kubectl invocation (argv fixed by the gate).
pub(crate) fn run_tool(permit: Permit<Spec>, redactor: &Redactor) -> Result<Outcome, SpawnError> {
    process::run(&permit.into_permitted(), redactor)
}

/// Runs a permitted shell command inside the sandbox helper.
pub(crate) fn run_shell(
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
