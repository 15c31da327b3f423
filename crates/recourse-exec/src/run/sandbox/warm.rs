//! Sandboxes built before their command is known, so that a call does not wait for one.
//!
//! Building a sandbox (bubblewrap's namespaces and mounts, then the helper's Landlock and
//! seccomp) costs several milliseconds, most of it bubblewrap walking the mount table after
//! each mount. Nothing in it depends on the command: only on the jail (binds, protected paths,
//! denied paths, network). So after a call, a thread builds the next sandbox for the same jail,
//! fully confined, with its helper blocked reading stdin; the next call with that jail writes
//! its working directory, environment and argv there (`inside.rs`) while it records its
//! decision, and the go once the record is on disk; the helper changes into the directory,
//! waits for the go, reports its status line and runs the command. Each sandbox serves exactly one
//! call: its own PID namespace, `/tmp` and `HOME`, killed with everything in it at the call's
//! deadline, as a sandbox built for the call would be.
//!
//! A waiting sandbox is used only if it still matches the host: every path its mounts were
//! decided from (writable roots, each protected path inside them, the read-only sources, the
//! denied paths) must be the same file as when it was built (device, inode, link count), or it
//! is discarded and the call builds a fresh one. It waits at most [`IDLE`]; its placeholders
//! (see `placeholders.rs`) stay while it waits. Calls with per-call mounts (pinned scripts) or
//! stdin always get a fresh sandbox.

use std::io::Write;
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use super::inside::encode_order;
use super::{Core, Jail, Placeholders};
use crate::run::process;

/// How long a built sandbox waits for a call before it is taken down, its placeholders with it.
pub(crate) const IDLE: Duration = Duration::from_secs(30);
/// The most sandboxes waiting at once (one per jail; the oldest goes first).
const MAX_WAITING: usize = 4;

/// What identifies a file for the staleness check: device, inode, link count.
type Seen = Vec<(PathBuf, Option<(u64, u64, u64)>)>;

/// The waiting sandboxes of one gateway and the thread that builds them.
#[derive(Debug)]
pub(crate) struct Warm {
    core: Arc<Core>,
    waiting: Arc<Mutex<Vec<Spare>>>,
    /// Jails to build a sandbox for, with the placeholders to hand over (the thread starts
    /// with the first).
    builder: Mutex<Option<Builder>>,
}

/// The thread that builds sandboxes, and how to give it work.
#[derive(Debug)]
struct Builder {
    orders: Sender<(Jail, Placeholders)>,
    thread: std::thread::JoinHandle<()>,
}

/// A sandbox a call took and told its command (`order`); its helper waits for the go
/// (`process::supervise` sends it). Dropped without being run, it is killed with everything
/// in it and nothing runs.
#[derive(Debug)]
pub(crate) struct Started {
    child: Option<Child>,
    /// The helper's end of it is its stdin; its answer comes back here.
    channel: Option<UnixStream>,
    placeholders: Option<Placeholders>,
    jobs: process::Jobs,
    /// The order it was sent, the jail it was built for and what the host was then.
    order: Vec<u8>,
    key: Jail,
    seen: Seen,
}

impl Started {
    /// Whether this sandbox may run `program args` in `jail` now: it was sent exactly that
    /// order, built for that jail, and every path its mounts were decided from is still the
    /// same file (checked at the last moment before the go; see the module's comment).
    pub(crate) fn still_for(
        &self,
        jail: &Jail,
        program: &str,
        args: &[String],
        env: &[(String, String)],
    ) -> bool {
        if self.key != key(jail) || self.order != order(jail, program, args, env) {
            tracing::warn!("a staged sandbox was offered for another run: a fresh one is built");
            return false;
        }
        let now = seen(&self.key);
        if let Some((path, _)) = now
            .iter()
            .zip(&self.seen)
            .find(|(a, b)| a != b)
            .map(|(a, _)| a)
        {
            tracing::debug!(path = %path.display(), "a prepared sandbox is stale: a fresh one is built");
            return false;
        }
        true
    }

    /// The helper's process, its channel and the placeholders its mounts use (to drop when
    /// it has ended).
    pub(crate) fn into_parts(mut self) -> Option<(Child, UnixStream, Placeholders)> {
        Some((
            self.child.take()?,
            self.channel.take()?,
            self.placeholders.take()?,
        ))
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            process::discard(child, &self.jobs);
        }
    }
}

/// How long a prepared sandbox's helper has to take its order.
const ORDER_WRITE: Duration = Duration::from_secs(1);

/// The order that runs `program args` in `jail` (see `inside.rs`).
fn order(jail: &Jail, program: &str, args: &[String], env: &[(String, String)]) -> Vec<u8> {
    let mut argv = vec![program];
    argv.extend(args.iter().map(String::as_str));
    encode_order(&jail.cwd.display().to_string(), env, &argv)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Whether sandboxes for `jail` can be built ahead: not without namespaces, and not with
/// per-call mounts (pinned scripts) or checks.
fn warmable(core: &Core, jail: &Jail) -> bool {
    !core.insecure && jail.pinned.is_empty() && jail.expect.is_empty()
}

/// The jail as a key: everything but the working directory, which the order carries.
fn key(jail: &Jail) -> Jail {
    Jail {
        cwd: PathBuf::from("/"),
        ..jail.clone()
    }
}

impl Warm {
    pub(crate) fn new(core: Arc<Core>) -> Warm {
        Warm {
            core,
            waiting: Arc::new(Mutex::new(Vec::new())),
            builder: Mutex::new(None),
        }
    }

    /// Starts `program args` in a waiting sandbox for `jail` if there is a usable one.
    /// `None`: the caller builds a fresh sandbox.
    pub(crate) fn start(
        &self,
        jail: &Jail,
        program: &str,
        args: &[String],
        env: &[(String, String)],
    ) -> Option<Started> {
        if !warmable(&self.core, jail) {
            return None;
        }
        let key = key(jail);
        let spare = {
            let mut waiting = lock(&self.waiting);
            let i = waiting.iter().position(|s| s.key == key);
            i.map(|i| waiting.swap_remove(i))
        }?;
        spare.take(&order(jail, program, args, env))
    }

    /// Asks for a sandbox for `jail` to be built for the next call. Called when a call's
    /// sandbox has ended, not before: building one takes the kernel's mount lock, which the
    /// running sandbox's own teardown needs too. `used` (the ended call's placeholders) is
    /// dropped once the new sandbox holds its own: the placeholders pass from one sandbox to
    /// the next instead of being removed and made again (a removal waits on the file
    /// system's journal, and the next fsync of the audit log pays for it).
    pub(crate) fn prepare(&self, jail: &Jail, used: Placeholders) {
        if !warmable(&self.core, jail) || self.core.jobs.shutting_down() {
            return;
        }
        let order = (key(jail), used);
        let mut builder = lock(&self.builder);
        let order = match builder.as_ref() {
            Some(b) => match b.orders.send(order) {
                Ok(()) => return,
                // The thread ended (it cannot panic but for a bug): start another.
                Err(std::sync::mpsc::SendError(order)) => order,
            },
            None => order,
        };
        let (tx, rx) = channel::<(Jail, Placeholders)>();
        let core = Arc::clone(&self.core);
        let waiting = Arc::downgrade(&self.waiting);
        let spawned = std::thread::Builder::new()
            .name("sandbox-warm".into())
            .spawn(move || build_loop(&core, &waiting, &rx));
        let thread = match spawned {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(error = %e, "cannot start the thread that prepares sandboxes");
                return;
            }
        };
        // The receiver is alive: the thread was just started with it.
        let _ = tx.send(order);
        *builder = Some(Builder { orders: tx, thread });
    }
}

impl Warm {
    /// Takes down every waiting sandbox, placeholders included; called at shutdown, after
    /// the jobs were told to stop (no sandbox is prepared from then on).
    /// The builder thread is waited for: placeholders it holds (handed over by the last call,
    /// or made for a sandbox it is building) are removed before the gateway exits.
    pub(crate) fn stop(&self) {
        let builder = lock(&self.builder).take();
        if let Some(Builder { orders, thread }) = builder {
            drop(orders);
            // It ends at the next order it looks at (there is none); a panic in it has
            // nothing left to clean up here.
            let _ = thread.join();
        }
        let waiting = std::mem::take(&mut *lock(&self.waiting));
        drop(waiting);
    }
}

/// How long after a call the next sandbox is built at the earliest: the call is still
/// recording its end and answering, and building (a clone of the gateway, bubblewrap's
/// mounts) would compete with it for the CPU and the kernel's locks.
const SETTLE: Duration = Duration::from_millis(5);
/// The longest a build waits for running jobs to end.
const BUSY_WAIT: Duration = Duration::from_millis(200);

/// Waits until the call that asked for a sandbox has answered, and while other jobs run
/// (up to [`BUSY_WAIT`]): a sandbox built in the background should not slow a call down.
fn settle(core: &Core) {
    std::thread::sleep(SETTLE);
    let until = Instant::now() + BUSY_WAIT;
    while core.jobs.supervised() > 0 && !core.jobs.shutting_down() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Builds the sandboxes asked for, one at a time, and takes down the ones idle for too long;
/// ends when the gateway's [`Warm`] is gone.
fn build_loop(
    core: &Arc<Core>,
    waiting: &Weak<Mutex<Vec<Spare>>>,
    rx: &std::sync::mpsc::Receiver<(Jail, Placeholders)>,
) {
    loop {
        let next = rx.recv_timeout(Duration::from_secs(1));
        let Some(waiting) = waiting.upgrade() else {
            return;
        };
        let expired: Vec<Spare> = {
            let mut w = lock(&waiting);
            let (old, keep) = std::mem::take(&mut *w)
                .into_iter()
                .partition(|s| s.born.elapsed() >= IDLE);
            *w = keep;
            old
        };
        drop(expired);
        let (key, used) = match next {
            Ok(order) => order,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        settle(core);
        if core.jobs.shutting_down() || lock(&waiting).iter().any(|s| s.key == key) {
            continue;
        }
        let spare = Spare::build(core, key);
        drop(used);
        let spare = match spare {
            Ok(s) => s,
            Err(e) => {
                tracing::debug!(error = %e, "no sandbox prepared");
                continue;
            }
        };
        let evicted = {
            let mut w = lock(&waiting);
            // Checked under the lock [`Warm::stop`] clears under: a sandbox built while the
            // gateway shut down is not kept.
            if core.jobs.shutting_down() {
                drop(w);
                drop(spare);
                continue;
            }
            w.push(spare);
            if w.len() > MAX_WAITING {
                Some(w.remove(0))
            } else {
                None
            }
        };
        drop(evicted);
    }
}

/// One sandbox waiting for its command.
#[derive(Debug)]
struct Spare {
    key: Jail,
    channel: Option<UnixStream>,
    child: Option<Child>,
    placeholders: Option<Placeholders>,
    seen: Seen,
    born: Instant,
    core: Arc<Core>,
}

impl Spare {
    fn build(core: &Arc<Core>, key: Jail) -> Result<Spare, String> {
        let placeholders = core.placeholders(&key);
        // After the placeholders exist, before bwrap mounts anything: a change from here on
        // shows at the check when a call takes this sandbox.
        let seen = seen(&key);
        let (program, args) = core
            .argv_waiting(&key, &placeholders)
            .map_err(|e| e.to_string())?;
        // A socket, not a pipe: the helper answers on it (`process::Watch::Channel`), and a
        // socket cannot be reopened through /proc/<pid>/fd by anything else in the sandbox.
        let (channel, theirs) =
            UnixStream::pair().map_err(|e| format!("cannot make the order channel: {e}"))?;
        let mut cmd = Command::new(&program);
        cmd.args(&args)
            .env_clear()
            .current_dir("/")
            .stdin(Stdio::from(OwnedFd::from(theirs)));
        let child = process::spawn(cmd, &program, &core.jobs).map_err(|e| e.to_string())?;
        Ok(Spare {
            key,
            channel: Some(channel),
            child: Some(child),
            placeholders: Some(placeholders),
            seen,
            born: Instant::now(),
            core: Arc::clone(core),
        })
    }

    /// Hands this sandbox to a call, if it is still what a fresh one would be, with the
    /// call's `order` sent (the command waits for the go).
    fn take(mut self, order: &[u8]) -> Option<Started> {
        if self.born.elapsed() >= IDLE {
            return None;
        }
        // A sandbox that failed to build (bwrap refused a mount) is not handed out: a fresh
        // one says what was wrong.
        let alive = self
            .child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)));
        if !alive {
            tracing::debug!("a prepared sandbox ended before its call: a fresh one is built");
            return None;
        }
        // A helper that died cannot take its order, and one that does not read it within a
        // second is not waited for: a fresh sandbox is built.
        let sent = self.channel.as_mut().is_some_and(|c| {
            c.set_write_timeout(Some(ORDER_WRITE)).is_ok()
                && c.write_all(order).is_ok()
                && c.set_write_timeout(None).is_ok()
        });
        if !sent {
            tracing::debug!("a prepared sandbox did not take its order: a fresh one is built");
            return None;
        }
        Some(Started {
            child: self.child.take(),
            channel: self.channel.take(),
            placeholders: self.placeholders.take(),
            jobs: self.core.jobs.clone(),
            order: order.to_vec(),
            key: self.key.clone(),
            seen: std::mem::take(&mut self.seen),
        })
    }
}

impl Drop for Spare {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            process::discard(child, &self.core.jobs);
        }
    }
}

/// What each path a jail's mounts are decided from is now.
fn seen(jail: &Jail) -> Seen {
    use std::os::unix::fs::MetadataExt;
    let mut paths: Vec<PathBuf> = Vec::new();
    for b in &jail.rw {
        paths.push(b.src.clone());
        paths.extend(jail.protect.iter().map(|p| b.src.join(p.rel)));
    }
    paths.extend(jail.ro.iter().map(|b| b.src.clone()));
    paths.extend(jail.deny.iter().cloned());
    paths
        .into_iter()
        .map(|p| {
            let id = std::fs::symlink_metadata(&p)
                .ok()
                .map(|m| (m.dev(), m.ino(), m.nlink()));
            (p, id)
        })
        .collect()
}
