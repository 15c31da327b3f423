//! Running a child process under control: its own process group (so a timeout kills
//! grandchildren too), an explicit environment, a time limit, a cap on captured output, and
//! redaction of both streams. The calling thread supervises it with poll(2): no reader or
//! waiter threads per run.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::redact::Redactor;
use crate::run::sandbox::GO;

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

fn kill_group(pid: u32) {
    if let Some(pid) = rustix::process::Pid::from_raw(pid as i32) {
        // The group may already be gone (ESRCH): nothing left to kill.
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
}

/// The processes one gateway has running, so that a shutdown can kill them all. Clones share
/// one registry.
#[derive(Debug, Default, Clone)]
pub(crate) struct Jobs(Arc<Registry>);

#[derive(Debug, Default)]
struct Registry {
    running: Mutex<HashSet<u32>>,
    shutting_down: AtomicBool,
    supervised: AtomicUsize,
}

/// Counts one supervised run while it lives.
struct Supervising<'a>(&'a Jobs);

impl<'a> Supervising<'a> {
    fn enter(jobs: &'a Jobs) -> Self {
        jobs.0.supervised.fetch_add(1, Ordering::SeqCst);
        Supervising(jobs)
    }
}

impl Drop for Supervising<'_> {
    fn drop(&mut self) {
        self.0.0.supervised.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Jobs {
    /// Kills every running job's process group; jobs started from now on are killed at once.
    pub(crate) fn shutdown(&self) {
        self.0.shutting_down.store(true, Ordering::SeqCst);
        let running = self.0.running.lock().unwrap_or_else(|p| p.into_inner());
        for pid in running.iter() {
            kill_group(*pid);
        }
    }

    /// How many calls' processes are being supervised now (prepared sandboxes waiting for a
    /// call do not count).
    pub(crate) fn supervised(&self) -> usize {
        self.0.supervised.load(Ordering::SeqCst)
    }

    pub(crate) fn shutting_down(&self) -> bool {
        self.0.shutting_down.load(Ordering::SeqCst)
    }

    fn register(&self, pid: u32) {
        self.0
            .running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(pid);
        // A shutdown that began between spawn and registration still reaches this job.
        if self.shutting_down() {
            kill_group(pid);
        }
    }

    fn unregister(&self, pid: u32) {
        self.0
            .running
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

/// How long after a waiting sandbox answered its teardown begins: after the call has recorded
/// its end and answered (by then nothing but the helper and bubblewrap's init is left in it).
const TEARDOWN_AFTER: Duration = Duration::from_millis(5);

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
        Watch::Stdin(spec.stdin.clone()),
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

/// Where a started process's output and end are learned from.
pub(crate) enum Watch {
    /// Data for its stdin pipe, if any; its end is its exit.
    Stdin(Option<Vec<u8>>),
    /// A waiting sandbox (`sandbox/warm.rs`) that has its order: the go is written to
    /// `channel`; the helper answers on it with the command's exit code once the command has
    /// ended and everything else in the sandbox was killed, so the call need not wait for
    /// bubblewrap to tear the namespaces down. Without that line (the helper died), its end is
    /// the process's exit. The helper leaves once the channel is closed (after the answer).
    Channel(UnixStream),
}

/// One captured output stream: what was kept (at most the cap) and whether more came.
struct Capture {
    fd: Option<OwnedFd>,
    kept: Vec<u8>,
    truncated: bool,
    cap: usize,
}

impl Capture {
    fn new(fd: Option<impl Into<OwnedFd>>, cap: usize) -> Capture {
        Capture {
            fd: fd.map(Into::into),
            kept: Vec::new(),
            truncated: false,
            cap,
        }
    }

    /// Reads once; the stream is closed at its end or on an error. Past the cap the bytes
    /// are read (so the writer never blocks) and dropped.
    fn read(&mut self) -> ReadOutcome {
        let Some(fd) = &self.fd else {
            return ReadOutcome::Closed;
        };
        let mut buf = [0u8; 16 * 1024];
        match rustix::io::read(fd, &mut buf) {
            Ok(0) => {
                self.fd = None;
                ReadOutcome::Closed
            }
            Ok(n) => {
                let room = self.cap.saturating_sub(self.kept.len());
                if n > room {
                    self.truncated = true;
                }
                self.kept.extend_from_slice(&buf[..n.min(room)]);
                ReadOutcome::Read
            }
            Err(rustix::io::Errno::INTR) => ReadOutcome::Read,
            Err(rustix::io::Errno::AGAIN) => ReadOutcome::Empty,
            Err(_) => {
                self.fd = None;
                ReadOutcome::Closed
            }
        }
    }

    /// Reads what the stream holds now, without waiting for more, and closes it: everything
    /// that wrote to it has ended.
    fn drain(&mut self) {
        if let Some(fd) = &self.fd
            && rustix::io::ioctl_fionbio(fd, true).is_err()
        {
            self.fd = None;
        }
        while self.read() == ReadOutcome::Read {}
        self.fd = None;
    }
}

#[derive(PartialEq, Eq)]
enum ReadOutcome {
    Read,
    Empty,
    Closed,
}

/// What the helper said on a waiting sandbox's channel, once it said a whole line.
fn reported(said: &[u8]) -> Option<i32> {
    let line = said.split(|b| *b == b'\n').next()?;
    if line.len() == said.len() {
        return None;
    }
    std::str::from_utf8(line).ok()?.trim().parse().ok()
}

/// Waits for a started process (see [`spawn`]) to end, or kills its group at the time limit
/// (counted from now) or on a shutdown, and returns its redacted output. One thread, one
/// poll(2) over the output pipes, the channel and a pidfd for the process.
pub(crate) fn supervise(
    mut child: Child,
    watch: Watch,
    limits: Limits,
    redactor: &Redactor,
    jobs: &Jobs,
) -> Outcome {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    let _supervising = Supervising::enter(jobs);
    let pid = child.id();
    let mut channel = match watch {
        Watch::Stdin(data) => {
            if let (Some(data), Some(mut pipe)) = (data, child.stdin.take()) {
                std::thread::spawn(move || {
                    let _ = pipe.write_all(&data);
                });
            }
            None
        }
        Watch::Channel(mut channel) => {
            // A helper that died cannot take the go: its end shows as the process's exit.
            let sent = channel.write_all(&[GO]).is_ok();
            sent.then_some(channel)
        }
    };
    let mut out = Capture::new(child.stdout.take(), limits.max_output);
    let mut err = Capture::new(child.stderr.take(), limits.max_output);
    // Without a pidfd (kernels before 5.3) the exit is looked for every few milliseconds.
    let pidfd = rustix::process::Pid::from_child(&child);
    let pidfd = rustix::process::pidfd_open(pidfd, rustix::process::PidfdFlags::empty()).ok();
    let deadline = Instant::now() + limits.timeout;
    let mut said = Vec::new();
    let mut timed_out = false;
    let mut code = None;
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break Some(status);
        }
        if let Some(c) = reported(&said) {
            code = Some(c);
            break None;
        }
        let now = Instant::now();
        if now >= deadline {
            timed_out = true;
            kill_group(pid);
            break child.wait().ok();
        }
        let wait = (deadline - now).min(if pidfd.is_some() {
            Duration::from_secs(3600)
        } else {
            Duration::from_millis(5)
        });
        let mut fds: Vec<PollFd<'_>> = Vec::with_capacity(4);
        let mut slots = [None; 4];
        for (slot, fd) in [
            out.fd.as_ref().map(|f| f.as_fd()),
            err.fd.as_ref().map(|f| f.as_fd()),
            channel.as_ref().map(|c| c.as_fd()),
            pidfd.as_ref().map(|f| f.as_fd()),
        ]
        .into_iter()
        .enumerate()
        {
            if let Some(fd) = fd {
                slots[fds.len()] = Some(slot);
                fds.push(PollFd::from_borrowed_fd(fd, PollFlags::IN));
            }
        }
        let timeout = Timespec::try_from(wait).ok();
        if poll(&mut fds, timeout.as_ref()).is_err() {
            // EINTR: look again. Anything else would repeat: fall back to waiting.
            continue;
        }
        let ready: Vec<usize> = fds
            .iter()
            .zip(slots)
            .filter(|(fd, _)| !fd.revents().is_empty())
            .filter_map(|(_, slot)| slot)
            .collect();
        drop(fds);
        for slot in ready {
            match slot {
                0 => {
                    out.read();
                }
                1 => {
                    err.read();
                }
                2 => {
                    let mut buf = [0u8; 64];
                    match channel.as_mut().map(|c| c.read(&mut buf)) {
                        Some(Ok(n)) if n > 0 && said.len() < 64 => {
                            said.extend_from_slice(&buf[..n])
                        }
                        Some(Err(e)) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        _ => channel = None,
                    }
                }
                // The pidfd: `try_wait` at the top of the loop reaps it.
                _ => {}
            }
        }
    };
    if code.is_some() {
        // The command has ended and the helper killed everything else in the sandbox before
        // it said so: what the pipes hold is all there is. Bubblewrap's teardown goes on
        // after the answer; its reaping with it.
        out.drain();
        err.drain();
        let channel = channel.take();
        let jobs = jobs.clone();
        std::thread::spawn(move || {
            std::thread::sleep(TEARDOWN_AFTER);
            drop(channel);
            kill_group(pid);
            let _ = child.wait();
            jobs.unregister(pid);
        });
    } else {
        // Whatever the child left behind in its group (background jobs holding the pipes)
        // goes too; then the pipes are read to their end, for at most five seconds.
        kill_group(pid);
        jobs.unregister(pid);
        let until = Instant::now() + Duration::from_secs(5);
        while out.fd.is_some() || err.fd.is_some() {
            let now = Instant::now();
            if now >= until {
                break;
            }
            let mut fds: Vec<PollFd<'_>> = [&out, &err]
                .iter()
                .filter_map(|c| c.fd.as_ref())
                .map(|fd| PollFd::from_borrowed_fd(fd.as_fd(), PollFlags::IN))
                .collect();
            let timeout = Timespec::try_from(until - now).ok();
            if poll(&mut fds, timeout.as_ref()).is_err() {
                continue;
            }
            let mut ready = fds.iter().map(|fd| !fd.revents().is_empty());
            let ready: Vec<bool> = [out.fd.is_some(), err.fd.is_some()]
                .into_iter()
                .map(|open| open && ready.next().unwrap_or(false))
                .collect();
            drop(fds);
            // A read of a stream with nothing in it would block: only the ready ones.
            for (c, ready) in [&mut out, &mut err].into_iter().zip(ready) {
                if ready {
                    c.read();
                }
            }
        }
    }
    // Killed (no exit code) while the gateway shuts down: the shutdown did it.
    let shutdown = code.is_none()
        && !timed_out
        && jobs.shutting_down()
        && status.as_ref().is_none_or(|s| s.code().is_none());
    Outcome {
        exit_code: if timed_out || shutdown {
            None
        } else {
            code.or_else(|| status.and_then(|s| s.code()))
        },
        timed_out,
        shutdown,
        stdout: redactor.redact(&String::from_utf8_lossy(&out.kept)),
        stderr: redactor.redact(&String::from_utf8_lossy(&err.kept)),
        truncated: out.truncated || err.truncated,
    }
}
