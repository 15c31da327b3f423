//! The one sandbox every runner (shell, terraform, kubectl) runs its child in.
//!
//! Two layers, each a maintained, battle-tested piece doing what it is made for:
//!
//! 1. **bubblewrap** (`bwrap`, Debian's `bubblewrap`, the sandbox of Flatpak) builds the
//!    namespaces: PID (its own `/proc`: the gateway and every other process invisible), mount (a
//!    minimal read-only system view, the allowed paths read-write, private `/tmp` and `HOME`;
//!    the state directory, the policy, approver and key files and every credential file absent),
//!    IPC, UTS, cgroup and, unless the runner needs it, network; `--die-with-parent` and
//!    `--new-session`. When the gateway runs as root, bwrap does the mounts with root's rights
//!    and the helper below drops to an unprivileged uid before the command runs; otherwise bwrap
//!    uses an unprivileged user namespace.
//! 2. **The helper** (`recourse __sandbox`, or the `recourse-sandbox` binary) runs inside as the
//!    sandbox's first program: `no_new_privs`, rlimits, Landlock (read-only everywhere but the
//!    writable paths; abstract unix sockets and signals scoped to the sandbox), a seccomp filter
//!    (no ptrace, bpf, keyrings, mounts, new namespaces, module loading, io_uring, …), then the
//!    uid drop and `exec` of the command. Its first stderr line reports what it enforced.
//!
//! Nothing a call starts outlives it: killing bwrap kills its PID namespace's init, and the
//! kernel kills everything else in the namespace. In a sandbox prepared ahead (`warm.rs`) the
//! helper stays as the command's parent: when the command ends it kills everything else in the
//! namespace and says so on a channel only it holds, and the call answers without waiting for
//! bubblewrap's teardown. A missing primitive means refusal, never a
//! quieter sandbox: the gateway probes bwrap and the helper at startup, and a helper that cannot
//! enforce Landlock or seccomp exits 126 without running anything.
//!
//! Where each part lives: `jail.rs` says what one runner's child may see (`Jail`),
//! `bwrap.rs` turns a jail into bubblewrap's arguments (the system view, binds, masks),
//! `placeholders.rs` makes the protected paths that do not exist yet, `warm.rs` builds
//! sandboxes before their call and `inside.rs` is the helper's side ([`helper_main`]). This file holds the `Sandbox` itself, its startup probe
//! and the files it writes for sandboxed code.

mod bwrap;
mod inside;
mod jail;
mod placeholders;
mod warm;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use crate::run::process::Jobs;

pub(crate) use inside::GO;
pub use inside::helper_main;
pub(crate) use jail::{Bind, Jail, PROTECTED};
pub(crate) use placeholders::Placeholders;
pub(crate) use warm::Started;

/// The marker line prefix.
pub const STATUS_PREFIX: &str = "recourse-sandbox: ";

/// Where the helper binary is mounted inside the sandbox.
const HELPER_INSIDE: &str = "/run/recourse/sandbox-helper";

/// What the helper enforced (its status line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Enforced {
    /// Landlock: `full`, `partial` or `none`.
    pub landlock: &'static str,
    /// Whether the network was isolated.
    pub netns: bool,
    /// Whether the seccomp filter is installed.
    pub seccomp: bool,
    /// Whether the command runs in bubblewrap's namespaces (false only with
    /// `--insecure-no-sandbox`).
    pub namespaces: bool,
}

impl Enforced {
    /// Parses the helper's status line.
    pub fn parse(line: &str) -> Option<Enforced> {
        let rest = line.strip_prefix(STATUS_PREFIX)?;
        let mut landlock = None;
        let (mut netns, mut seccomp, mut namespaces) = (None, None, None);
        for part in rest.split_whitespace() {
            match part.split_once('=') {
                Some(("landlock", v)) => {
                    landlock = ["full", "partial", "none"].into_iter().find(|x| *x == v);
                }
                Some(("netns", v)) => netns = Some(v == "yes"),
                Some(("seccomp", v)) => seccomp = Some(v == "yes"),
                Some(("namespaces", v)) => namespaces = Some(v == "yes"),
                _ => {}
            }
        }
        Some(Enforced {
            landlock: landlock?,
            netns: netns?,
            seccomp: seccomp?,
            namespaces: namespaces?,
        })
    }
}

/// How the gateway starts the helper.
#[derive(Debug, Clone)]
pub struct Helper {
    /// The program (`recourse` itself, or `recourse-sandbox`).
    pub program: PathBuf,
    /// Arguments before the helper's own (`["__sandbox"]` for `recourse`).
    pub prefix: Vec<String>,
}

/// Why nothing can be run confined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sandbox_unavailable: {0}")]
pub struct Unavailable(pub String);

/// The sandbox as configured for this gateway: what builds a sandbox ([`Core`], shared with
/// the thread that builds waiting sandboxes) and the waiting sandboxes themselves (`warm.rs`).
#[derive(Debug)]
pub(crate) struct Sandbox {
    core: Arc<Core>,
    warm: warm::Warm,
}

impl std::ops::Deref for Sandbox {
    type Target = Core;
    fn deref(&self) -> &Core {
        &self.core
    }
}

/// What builds a sandbox.
#[derive(Debug)]
pub(crate) struct Core {
    bwrap: PathBuf,
    helper: Helper,
    /// When the gateway is root: the uid/gid sandboxed code runs as on the host.
    run_as: Option<(u32, u32)>,
    /// `--insecure-no-sandbox`: no namespaces (development only; refused in prod).
    insecure: bool,
    /// Placeholders this process made for protected paths that did not exist, and how many of
    /// its calls use each (see `placeholders.rs` for the locks shared with other processes).
    placeholders: Mutex<HashMap<PathBuf, usize>>,
    /// What is running now (killed on shutdown).
    jobs: Jobs,
}

impl Sandbox {
    pub(crate) fn new(bwrap: PathBuf, helper: Helper, sandbox_uid: u32, insecure: bool) -> Sandbox {
        let root = rustix::process::getuid().is_root();
        let core = Arc::new(Core {
            bwrap: resolve(bwrap, crate::run::env::PATH),
            helper,
            run_as: root.then_some((sandbox_uid, sandbox_uid)),
            insecure,
            placeholders: Mutex::new(HashMap::new()),
            jobs: Jobs::default(),
        });
        Sandbox {
            warm: warm::Warm::new(Arc::clone(&core)),
            core,
        }
    }

    /// Locks the writable roots, decides which protected paths to mount read-only and makes
    /// placeholders for the missing ones (see `placeholders.rs`).
    pub(crate) fn placeholders(&self, jail: &Jail) -> Placeholders {
        Core::placeholders(&self.core, jail)
    }

    /// Takes a sandbox for `jail` that was built before this call, if one is waiting
    /// (`warm.rs`), and sends it the order to run `program args`; the command waits for the go.
    /// `None`: build a fresh one.
    pub(crate) fn start_waiting(
        &self,
        jail: &Jail,
        program: &str,
        args: &[String],
        env: &[(String, String)],
    ) -> Option<Started> {
        self.warm.start(jail, program, args, env)
    }

    /// Stops running jobs and takes down the waiting sandboxes; from now on every job is
    /// killed as it starts and nothing is prepared.
    pub(crate) fn shutdown(&self) {
        self.core.jobs.shutdown();
        self.warm.stop();
    }

    /// Asks for a sandbox for `jail` to be built for the next call (`warm.rs`); `used` are
    /// the placeholders of the call that just ended, kept until that sandbox holds them.
    pub(crate) fn prepare(&self, jail: &Jail, used: Placeholders) {
        self.warm.prepare(jail, used);
    }
}

impl Core {
    /// The jobs running in this sandbox.
    pub(crate) fn jobs(&self) -> &Jobs {
        &self.jobs
    }

    /// The host uid sandboxed code runs as, when it differs from the gateway's.
    pub(crate) fn run_as(&self) -> Option<(u32, u32)> {
        self.run_as
    }

    /// Whether namespaces are off (`--insecure-no-sandbox`).
    pub(crate) fn insecure(&self) -> bool {
        self.insecure
    }

    /// Creates (if needed) a directory only the sandbox's uid and the gateway can use: 0700,
    /// owned by the sandbox uid when the gateway runs as root.
    pub(crate) fn own_dir(&self, path: &Path) -> std::io::Result<()> {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(path)?;
        self.chown(path)
    }

    /// Writes a file (0600) that sandboxed code of the runner may read.
    pub(crate) fn own_file(&self, path: &Path, contents: &[u8]) -> std::io::Result<()> {
        write_atomically(path, contents, |tmp| self.chown(tmp))
    }

    fn chown(&self, path: &Path) -> std::io::Result<()> {
        if let Some((uid, gid)) = self.run_as {
            rustix::fs::chown(
                path,
                Some(rustix::fs::Uid::from_raw(uid)),
                Some(rustix::fs::Gid::from_raw(gid)),
            )?;
        }
        Ok(())
    }
}

impl Sandbox {
    /// Runs `true` confined, with the network isolated: proves bwrap, the namespaces, the helper,
    /// Landlock and seccomp all work here. Called once at startup.
    pub(crate) fn probe(&self) -> Result<(), Unavailable> {
        let jail = Jail {
            home: PathBuf::from("/home/sandbox"),
            cwd: PathBuf::from("/"),
            // Without namespaces there is no network isolation to prove.
            net: self.insecure,
            ..Jail::default()
        };
        let none = Placeholders::none(&self.core);
        let (program, args) = self.argv(&jail, &none, "/bin/true", &[])?;
        let out = Command::new(&program)
            .args(&args)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .output()
            .map_err(|e| Unavailable(format!("cannot start {}: {e}", program.display())))?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            return Err(Unavailable(format!(
                "{} failed ({}): {}",
                program.display(),
                out.status,
                stderr.trim()
            )));
        }
        let enforced = stderr.lines().next().and_then(Enforced::parse);
        match enforced {
            Some(e) if e.landlock != "none" && e.seccomp && (e.namespaces || self.insecure) => {
                Ok(())
            }
            _ => Err(Unavailable(format!(
                "the sandbox helper did not confirm its confinement: {}",
                stderr.trim()
            ))),
        }
    }
}

/// A bare program name (`bwrap`) looked up once in `path` (the runners' `PATH`, which the
/// lookup at every start used before), so that each start can use `posix_spawn` (the C
/// library's vfork-style start; the standard library falls back to `fork` when it has to
/// search a `PATH` it was given). A name that is not found stays as it is: starting it then
/// fails as it did before.
fn resolve(program: PathBuf, path: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    if program.components().count() != 1 || program.is_absolute() {
        return program;
    }
    path.split(':')
        .filter(|dir| Path::new(dir).is_absolute())
        .map(|dir| Path::new(dir).join(&program))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
        .unwrap_or(program)
}

/// Writes `contents` to `path` through a 0600 temporary file renamed over it, so a reader
/// never sees half a file; `prepare` runs on the temporary file before the rename.
pub(crate) fn write_atomically(
    path: &Path,
    contents: &[u8],
    prepare: impl FnOnce(&Path) -> std::io::Result<()>,
) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    // A name of this write's own: two gateways on one state directory start together, and
    // one gateway's threads may refresh the same file.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = path.with_extension(format!("{}.{n}.tmp", std::process::id()));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(contents)?;
    f.sync_all()?;
    prepare(&tmp)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_name_is_found_once_in_the_path_and_paths_stay() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("tool");
        std::fs::write(&bin, "#!/bin/sh\n").unwrap();
        let path = format!("relative:{}", dir.path().display());
        // Not executable: not the program.
        assert_eq!(resolve("tool".into(), &path), PathBuf::from("tool"));
        std::fs::set_permissions(&bin, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        assert_eq!(resolve("tool".into(), &path), bin);
        assert_eq!(resolve("missing".into(), &path), PathBuf::from("missing"));
        assert_eq!(resolve("./tool".into(), &path), PathBuf::from("./tool"));
        assert_eq!(
            resolve("/usr/bin/x".into(), &path),
            PathBuf::from("/usr/bin/x")
        );
    }
}
