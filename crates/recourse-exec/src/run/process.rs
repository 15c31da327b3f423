//! Running a child process under control: its own process group (so a timeout kills
//! grandchildren too), an explicit environment, a time limit, a cap on captured output, and
//! redaction of both streams.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::redact::Redactor;

/// What to run.
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    /// Program.
    pub program: PathBuf,
    /// Arguments.
    pub args: Vec<String>,
    /// The complete environment (nothing is inherited).
    pub env: Vec<(String, String)>,
    /// Working directory.
    pub cwd: PathBuf,
    /// Data for stdin (stdin is closed otherwise).
    pub stdin: Option<Vec<u8>>,
    /// Time limit.
    pub timeout: Duration,
    /// Cap per stream, in bytes.
    pub max_output: usize,
}

/// How it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Outcome {
    /// Exit code (`None` if killed by a signal or the timeout).
    pub exit_code: Option<i32>,
    /// Killed at the time limit.
    pub timed_out: bool,
    /// Killed because the gateway is shutting down.
    pub shutdown: bool,
    /// Redacted stdout (at most the cap).
    pub stdout: String,
    /// Redacted stderr (at most the cap).
    pub stderr: String,
    /// Some output beyond the cap was dropped.
    pub truncated: bool,
}

/// Why a process could not be run at all.
#[derive(Debug, thiserror::Error)]
#[error("cannot start {program}: {source}")]
pub(crate) struct SpawnError {
    /// The program.
    pub program: String,
    /// The OS error.
    pub source: std::io::Error,
}

fn reader(mut r: impl Read + Send + 'static, cap: usize) -> mpsc::Receiver<(Vec<u8>, bool)> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut truncated = false;
        let mut buf = [0u8; 8192];
        loop {
            match r.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = cap.saturating_sub(kept.len());
                    if n > room {
                        truncated = true;
                    }
                    kept.extend_from_slice(&buf[..n.min(room)]);
                }
            }
        }
        let _ = tx.send((kept, truncated));
    });
    rx
}

fn kill_group(pid: u32) {
    if let Some(pid) = rustix::process::Pid::from_raw(pid as i32) {
        // The group may already be gone (ESRCH): nothing left to kill.
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
}

/// The processes one gateway has running, so that a shutdown can kill them all.
#[derive(Debug, Default)]
pub(crate) struct Jobs {
    running: Mutex<HashSet<u32>>,
    shutting_down: AtomicBool,
}

impl Jobs {
    /// Kills every running job's process group; jobs started from now on are killed at once.
    pub(crate) fn shutdown(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
        let running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        for pid in running.iter() {
            kill_group(*pid);
        }
    }

    pub(crate) fn shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::SeqCst)
    }

    fn register(&self, pid: u32) {
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(pid);
        // A shutdown that began between spawn and registration still reaches this job.
        if self.shutting_down() {
            kill_group(pid);
        }
    }

    fn unregister(&self, pid: u32) {
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&pid);
    }
}

/// Starts `spec`'s process in its own process group, registered with `jobs`; its stdout and
/// stderr are pipes, and so is its stdin when `spec` has data for it.
pub(crate) fn start(spec: &Spec, jobs: &Jobs) -> Result<Child, SpawnError> {
    let mut cmd = Command::new(&spec.program);
    cmd.args(&spec.args)
        .env_clear()
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .current_dir(&spec.cwd)
        .stdin(if spec.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
    spawn(cmd, &spec.program, jobs)
}

/// Spawns `cmd` with stdout and stderr piped, in its own process group, registered with `jobs`
/// (so that a shutdown kills it) until [`supervise`] has seen it end.
pub(crate) fn spawn(mut cmd: Command, program: &Path, jobs: &Jobs) -> Result<Child, SpawnError> {
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let child = cmd.spawn().map_err(|source| SpawnError {
        program: program.display().to_string(),
        source,
    })?;
    jobs.register(child.id());
    Ok(child)
}

/// Kills a started process's group and reaps it (one that is no longer wanted).
pub(crate) fn discard(mut child: Child, jobs: &Jobs) {
    kill_group(child.id());
    // Killed: the wait returns at once.
    let _ = child.wait();
    jobs.unregister(child.id());
}

/// Runs a process to completion (or the time limit, or a shutdown) and returns its redacted
/// output.
pub(crate) fn run(spec: &Spec, redactor: &Redactor, jobs: &Jobs) -> Result<Outcome, SpawnError> {
    let child = start(spec, jobs)?;
    Ok(supervise(
        child,
        spec.stdin.clone(),
        Limits {
            timeout: spec.timeout,
            max_output: spec.max_output,
        },
        redactor,
        jobs,
    ))
}

/// The time limit and the output cap of one run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub timeout: Duration,
    pub max_output: usize,
}

/// Waits for a started process (see [`spawn`]) to end, or kills its group at the time limit
/// (counted from now) or on a shutdown, and returns its redacted output. `stdin` is written to
/// the child's stdin pipe, if it has one.
pub(crate) fn supervise(
    mut child: Child,
    stdin: Option<Vec<u8>>,
    limits: Limits,
    redactor: &Redactor,
    jobs: &Jobs,
) -> Outcome {
    let pid = child.id();
    if let (Some(data), Some(mut pipe)) = (stdin, child.stdin.take()) {
        std::thread::spawn(move || {
            let _ = pipe.write_all(&data);
        });
    }
    let out_rx = child.stdout.take().map(|s| reader(s, limits.max_output));
    let err_rx = child.stderr.take().map(|s| reader(s, limits.max_output));
    // A waiter thread blocks in wait(2), so the end of the child is seen at once; the time limit
    // is a timeout on its answer, and a shutdown kills the group from outside (`Jobs`).
    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || {
        // The receiver may be gone only if this function already returned: nothing to tell.
        let _ = done_tx.send(child.wait().ok());
    });
    let deadline = Instant::now() + limits.timeout;
    let mut timed_out = false;
    let status = match done_rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(status) => status,
        Err(_) => {
            timed_out = true;
            kill_group(pid);
            done_rx.recv().ok().flatten()
        }
    };
    // Whatever the child left behind in its group (background jobs holding the pipes) goes too.
    kill_group(pid);
    jobs.unregister(pid);
    // Killed (no exit code) while the gateway shuts down: the shutdown did it.
    let shutdown =
        !timed_out && jobs.shutting_down() && status.as_ref().is_none_or(|s| s.code().is_none());
    let collect = |rx: Option<mpsc::Receiver<(Vec<u8>, bool)>>| {
        rx.and_then(|rx| rx.recv_timeout(Duration::from_secs(5)).ok())
            .unwrap_or_default()
    };
    let (out, out_trunc) = collect(out_rx);
    let (err, err_trunc) = collect(err_rx);
    Outcome {
        exit_code: if timed_out || shutdown {
            None
        } else {
            status.and_then(|s| s.code())
        },
        timed_out,
        shutdown,
        stdout: redactor.redact(&String::from_utf8_lossy(&out)),
        stderr: redactor.redact(&String::from_utf8_lossy(&err)),
        truncated: out_trunc || err_trunc,
    }
}
