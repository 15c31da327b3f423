//! Runners: the only code that starts terraform, kubectl or a shell, always inside the sandbox
//! (`sandbox/`). Each takes a [`Permit`] by value and never makes one, so nothing runs that
//! the gate did not decide and record. (The one exception, `terraform::Inspect`, is a closed
//! list of invocations with no infrastructure effect that the gate needs in order to assess a
//! call; they run in the same sandbox.)

pub(crate) mod env;
pub(crate) mod kubeconfig;
pub(crate) mod process;
pub mod sandbox;
pub(crate) mod terraform;

use std::path::PathBuf;
use std::time::Duration;

use crate::gate::permit::Permit;
use crate::redact::Redactor;
use crate::tools::kubectl::output::{self, OutputCheck};
use kubeconfig::Kubectl;
use process::{Outcome, SpawnError, Spec};
use sandbox::{Bind, Enforced, Jail, PROTECTED, STATUS_PREFIX, Sandbox, Started, Unavailable};

/// HOME inside the shell's sandbox: a private tmpfs, gone when the call ends.
pub(crate) const SHELL_HOME: &str = "/home/sandbox";

/// A confined shell command a permit allows.
#[derive(Debug)]
pub(crate) struct ShellJob {
    pub(crate) command: String,
    pub(crate) cwd: PathBuf,
    pub(crate) env: Vec<(String, String)>,
    /// The allowed paths (read-write; everything else of the host is absent).
    pub(crate) writable: Vec<PathBuf>,
    /// The gateway's own files and credential files: never visible.
    pub(crate) deny: Vec<PathBuf>,
    pub(crate) net: bool,
    pub(crate) timeout: Duration,
    pub(crate) max_output: usize,
    /// The scripts the command runs, as bound (canonical path, the exact bytes hashed): the
    /// sandbox sees a read-only copy of these bytes at that path.
    pub(crate) pinned: Vec<(PathBuf, Vec<u8>)>,
    /// What the helper checks right before the command starts (see `Jail::expect`).
    pub(crate) expect: Vec<(PathBuf, Option<String>)>,
    /// Where the copies are made (gateway-owned, never visible to sandboxed code).
    pub(crate) pin_dir: PathBuf,
}

/// A kubectl invocation a permit allows (arguments after the gateway's own flags).
#[derive(Debug)]
pub(crate) struct KubectlJob {
    pub(crate) args: Vec<String>,
    pub(crate) stdin: Option<Vec<u8>>,
    pub(crate) timeout: Duration,
    pub(crate) max_output: usize,
    /// How stdout is checked for Secret values before it leaves the gateway.
    pub(crate) output: OutputCheck,
}

/// Why a runner did not run its child.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RunError {
    /// The process could not be started.
    #[error(transparent)]
    Spawn(#[from] SpawnError),
    /// The sandbox could not be built or did not confirm its confinement; nothing ran.
    #[error(transparent)]
    Sandbox(#[from] Unavailable),
}

/// A confined run's outcome with what the sandbox enforced.
#[derive(Debug, Clone)]
pub(crate) struct Confined {
    pub(crate) outcome: Outcome,
    pub(crate) enforced: Enforced,
}

/// What one confined run needs besides its jail.
pub(crate) struct Run<'a> {
    pub(crate) program: &'a str,
    pub(crate) args: &'a [String],
    pub(crate) env: Vec<(String, String)>,
    pub(crate) stdin: Option<Vec<u8>>,
    pub(crate) timeout: Duration,
    pub(crate) max_output: usize,
}

/// Runs `run` inside `jail`, in `staged` if given (a waiting sandbox that already has this
/// run's order). The helper's status line is taken off stderr; without it the command never
/// started (the helper prints it just before `exec`), and the run is refused.
pub(crate) fn confined(
    sandbox: &Sandbox,
    jail: &Jail,
    run: Run<'_>,
    redactor: &Redactor,
    staged: Option<Started>,
) -> Result<Confined, RunError> {
    let limits = process::Limits {
        timeout: run.timeout,
        max_output: run.max_output,
    };
    let run_stdin_none = run.stdin.is_none();
    let waiting = match staged {
        Some(s) => Some(s),
        None if run_stdin_none => sandbox.start_waiting(jail, run.program, run.args, &run.env),
        None => None,
    };
    // Used only for this very run, and only if the host is still what its mounts were decided
    // from; otherwise it is killed here and a fresh sandbox is built.
    let waiting = waiting.filter(|s| s.still_for(jail, run.program, run.args, &run.env));
    let (mut outcome, placeholders) = match waiting.and_then(Started::into_parts) {
        // The go goes in on the channel (the helper's stdin); the time limit counts from now.
        Some((child, channel, placeholders)) => (
            process::supervise(
                child,
                process::Watch::Channel(channel),
                limits,
                redactor,
                sandbox.jobs(),
            ),
            placeholders,
        ),
        None => {
            let placeholders = sandbox.placeholders(jail);
            let (program, args) = sandbox.argv(jail, &placeholders, run.program, run.args)?;
            let spec = Spec {
                program,
                args,
                env: run.env,
                // bwrap changes into the jail's working directory itself.
                cwd: PathBuf::from("/"),
                stdin: run.stdin,
                timeout: run.timeout,
                max_output: run.max_output,
            };
            (process::run(&spec, redactor, sandbox.jobs())?, placeholders)
        }
    };
    // The sandbox has ended. A call without stdin may be followed by one like it: prepare
    // its sandbox now (`sandbox/warm.rs`), which takes over these placeholders.
    if run_stdin_none {
        sandbox.prepare(jail, placeholders);
    } else {
        drop(placeholders);
    }
    let first = outcome.stderr.lines().next().unwrap_or("");
    let enforced = first
        .starts_with(STATUS_PREFIX)
        .then(|| Enforced::parse(first))
        .flatten();
    let Some(enforced) = enforced else {
        return Err(RunError::Sandbox(Unavailable(if outcome.timed_out {
            "the sandbox did not start before the time limit".into()
        } else {
            format!(
                "the sandbox did not start: {}",
                outcome.stderr.trim().chars().take(500).collect::<String>()
            )
        })));
    };
    outcome.stderr = outcome
        .stderr
        .split_once('\n')
        .map_or("", |(_, r)| r)
        .to_owned();
    Ok(Confined { outcome, enforced })
}

/// A shell command's jail: the allowed paths read-write (their protected paths read-only), a
/// private HOME and /tmp, the network only if the policy allows it; `pinned` are the binds of
/// the command's pinned scripts.
fn shell_jail(job: &ShellJob, pinned: Vec<Bind>) -> Jail {
    Jail {
        rw: job.writable.iter().cloned().map(Bind::same).collect(),
        pinned,
        expect: job.expect.clone(),
        deny: job.deny.clone(),
        protect: PROTECTED.to_vec(),
        home: PathBuf::from(SHELL_HOME),
        net: job.net,
        cwd: job.cwd.clone(),
        ..Jail::default()
    }
}

/// The shell that runs a command (`sh -c COMMAND`).
const SHELL: &str = "/bin/sh";

/// A shell command's sandbox taken and told its command before the call's decision is
/// recorded, so that the sandbox gets ready while the record is written; nothing runs until
/// [`run_shell`] releases it with the call's permit. Dropped instead (the decision could not
/// be recorded), its helper sees the channel close without the go, and the sandbox is killed
/// with nothing run.
#[derive(Debug)]
pub(crate) struct Staged(Started);

/// Stages `job` in a waiting sandbox if one is there for its jail (none for commands with
/// pinned scripts, whose mounts are made per call).
pub(crate) fn stage_shell(job: &ShellJob, sandbox: &Sandbox) -> Option<Staged> {
    if !job.pinned.is_empty() {
        return None;
    }
    let jail = shell_jail(job, Vec::new());
    let args = ["-c".to_owned(), job.command.clone()];
    sandbox
        .start_waiting(&jail, SHELL, &args, &job.env)
        .map(Staged)
}

/// Runs a permitted shell command (in its staged sandbox if it has one, see [`Staged`]). Also
/// returns the bound files that no longer hold the bytes they were bound to once the command
/// has ended (see [`changed_during_run`]).
pub(crate) fn run_shell(
    permit: Permit<ShellJob>,
    staged: Option<Staged>,
    sandbox: &Sandbox,
    redactor: &Redactor,
) -> Result<(Confined, Vec<String>), RunError> {
    let job = permit.into_permitted();
    let bound = job.expect.clone();
    let pins = Pins::make(&job.pin_dir, &job.pinned)?;
    let jail = shell_jail(&job, pins.binds.clone());
    // The staged sandbox runs only the permitted job: `confined` checks that it was sent
    // this very order for this jail, and drops it otherwise (nothing runs in it).
    let staged = staged.map(|Staged(s)| s);
    let args = ["-c".to_owned(), job.command];
    let c = confined(
        sandbox,
        &jail,
        Run {
            program: SHELL,
            args: &args,
            env: job.env,
            stdin: None,
            timeout: job.timeout,
            max_output: job.max_output,
        },
        redactor,
        staged,
    )?;
    Ok((c, changed_during_run(&bound)))
}

/// The bound files (scripts, configuration) that no longer hold their bound bytes, or exist
/// where they were bound as missing, after the command ended. The sandbox mounts the checked
/// copy over each path, but a rename over the path on the host while the command runs detaches
/// that mount, so a script run late in the command could be one nobody approved: this cannot
/// be prevented from inside, so it is detected and recorded (in the executed record, and in
/// the answer).
fn changed_during_run(bound: &[(PathBuf, Option<String>)]) -> Vec<String> {
    bound
        .iter()
        .filter(|(path, sha)| {
            let now = std::fs::read(path)
                .ok()
                .map(|b| recourse_policy::Digest::of(&b).to_hex());
            now != *sha
        })
        .map(|(path, _)| path.display().to_string())
        .collect()
}

/// Read-only copies of the scripts a shell command runs, which the sandbox sees in their
/// place: the bytes that were hashed are the bytes that run. Removed when dropped.
struct Pins {
    dir: Option<PathBuf>,
    binds: Vec<Bind>,
}

impl Pins {
    fn make(base: &std::path::Path, pinned: &[(PathBuf, Vec<u8>)]) -> Result<Pins, Unavailable> {
        use std::io::Write;
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        let mut pins = Pins {
            dir: None,
            binds: Vec::new(),
        };
        if pinned.is_empty() {
            return Ok(pins);
        }
        let fail = |e: std::io::Error| {
            Unavailable(format!("cannot pin the scripts the command runs: {e}"))
        };
        let id = crate::clock::new_id_bytes()
            .map_err(|e| Unavailable(format!("cannot pin the scripts the command runs: {e}")))?;
        let name: String = id.iter().map(|b| format!("{b:02x}")).collect();
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(base)
            .map_err(fail)?;
        let dir = base.join(name);
        std::fs::DirBuilder::new()
            .mode(0o711)
            .create(&dir)
            .map_err(fail)?;
        pins.dir = Some(dir.clone());
        for (i, (path, content)) in pinned.iter().enumerate() {
            let copy = dir.join(i.to_string());
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                // Read-only, and executable: `./run.sh` runs the pinned bytes (a copy without
                // the execute bits would fail where the agent's file would have run).
                .mode(0o555)
                .open(&copy)
                .map_err(fail)?;
            f.write_all(content).map_err(fail)?;
            pins.binds.push(Bind {
                src: copy,
                dst: path.clone(),
            });
        }
        Ok(pins)
    }
}

impl Drop for Pins {
    fn drop(&mut self) {
        if let Some(d) = &self.dir
            && let Err(e) = std::fs::remove_dir_all(d)
        {
            tracing::warn!(path = %d.display(), error = %e, "pinned script copies left in place");
        }
    }
}

/// Runs a permitted kubectl invocation with the gateway's kubeconfig and kubectl's own HOME
/// and cache, which no shell command can reach. Its stdout is checked for Secret values as the
/// job says, here, before the gate records or returns anything.
pub(crate) fn run_kubectl(
    permit: Permit<KubectlJob>,
    kubectl: &Kubectl,
    sandbox: &Sandbox,
    redactor: &Redactor,
) -> Result<Confined, RunError> {
    let job = permit.into_permitted();
    let (jail, program, mut args) = kubectl.jail();
    args.extend(job.args);
    let mut c = confined(
        sandbox,
        &jail,
        Run {
            program: &program,
            args: &args,
            env: kubectl.env(),
            stdin: job.stdin,
            timeout: job.timeout,
            max_output: job.max_output,
        },
        redactor,
        None,
    )?;
    c.outcome.stdout = output::check(job.output, std::mem::take(&mut c.outcome.stdout));
    Ok(c)
}
