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
//! kernel kills everything else in the namespace. A missing primitive means refusal, never a
//! quieter sandbox: the gateway probes bwrap and the helper at startup, and a helper that cannot
//! enforce Landlock or seccomp exits 126 without running anything.

use std::collections::{BTreeMap, HashMap};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use crate::run::process::Jobs;
use landlock::{
    ABI, Access, AccessFs, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus, Scope,
    path_beneath_rules,
};

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

/// The sandbox as configured for this gateway.
#[derive(Debug)]
pub(crate) struct Sandbox {
    bwrap: PathBuf,
    helper: Helper,
    /// When the gateway is root: the uid/gid sandboxed code runs as on the host.
    run_as: Option<(u32, u32)>,
    /// `--insecure-no-sandbox`: no namespaces (development only; refused in prod).
    insecure: bool,
    /// Placeholders for protected paths that did not exist, shared by concurrent calls.
    placeholders: Mutex<HashMap<PathBuf, usize>>,
    /// What is running now (killed on shutdown).
    jobs: Jobs,
}

/// A path bound into the sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bind {
    pub(crate) src: PathBuf,
    pub(crate) dst: PathBuf,
}

impl Bind {
    /// The same path inside as outside.
    pub(crate) fn same(p: impl Into<PathBuf>) -> Bind {
        let p = p.into();
        Bind {
            src: p.clone(),
            dst: p,
        }
    }
}

/// What one runner's child may see and do.
#[derive(Debug, Clone, Default)]
pub(crate) struct Jail {
    /// Read-only binds besides the system view (a binary, a plugin dir, a kubeconfig).
    pub(crate) ro: Vec<Bind>,
    /// Read-write binds (allowed paths, the runner's own data directories).
    pub(crate) rw: Vec<Bind>,
    /// Read-only files mounted over paths inside the read-write binds (the pinned copies of
    /// the scripts a shell command runs); their sources are the gateway's own.
    pub(crate) pinned: Vec<Bind>,
    /// Paths that must not be readable even where a bind would include them.
    pub(crate) deny: Vec<PathBuf>,
    /// Relative paths kept read-only inside every read-write bind, whether or not they exist.
    pub(crate) protect: Vec<Protected>,
    /// `HOME` inside (a private tmpfs unless a read-write bind covers it).
    pub(crate) home: PathBuf,
    /// Keep the host's network.
    pub(crate) net: bool,
    /// The working directory inside.
    pub(crate) cwd: PathBuf,
}

/// A path inside a writable root that stays read-only.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Protected {
    pub(crate) rel: &'static str,
    pub(crate) dir: bool,
    /// Protected only while it does not exist (a missing `.git`: no new repository whose
    /// hooks and config a human's git would run; an existing one stays usable).
    pub(crate) if_missing: bool,
}

const fn file(rel: &'static str) -> Protected {
    Protected {
        rel,
        dir: false,
        if_missing: false,
    }
}

const fn dir(rel: &'static str) -> Protected {
    Protected {
        rel,
        dir: true,
        if_missing: false,
    }
}

/// Inside writable roots: what would let sandboxed code run code later, outside the sandbox
/// (git hooks and config, shell start-up files, agent host configuration).
pub(crate) const PROTECTED: &[Protected] = &[
    Protected {
        rel: ".git",
        dir: true,
        if_missing: true,
    },
    dir(".git/hooks"),
    file(".git/config"),
    file(".mcp.json"),
    dir(".claude"),
    dir(".recourse"),
    file(".bashrc"),
    file(".bash_profile"),
    file(".bash_login"),
    file(".bash_logout"),
    file(".profile"),
    file(".zshrc"),
    file(".zshenv"),
    file(".zprofile"),
    file(".zlogin"),
];

/// The read-only system view: what programs need to run, nothing of the host's state.
const SYSTEM_DIRS: &[&str] = &["/usr", "/opt"];
/// Top-level names that are directories on older layouts and symlinks into /usr on merged ones.
const SYSTEM_LINKS: &[&str] = &["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];
/// The entries of /etc programs need; everything else (shadow, sudoers, ssh host keys,
/// operator credentials) stays out.
const ETC: &[&str] = &[
    "alternatives",
    "ca-certificates",
    "ca-certificates.conf",
    "debian_version",
    "gai.conf",
    "gitconfig",
    "group",
    "host.conf",
    "hostname",
    "hosts",
    "inputrc",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "locale.alias",
    "localtime",
    "magic",
    "magic.mime",
    "mime.types",
    "nsswitch.conf",
    "os-release",
    "passwd",
    "perl",
    "protocols",
    "python3",
    "python3.11",
    "resolv.conf",
    "services",
    "shells",
    "ssl",
    "terminfo",
    "timezone",
];

fn push(args: &mut Vec<String>, items: &[&str]) {
    args.extend(items.iter().map(|s| (*s).to_owned()));
}

fn path_arg(p: &Path) -> String {
    p.display().to_string()
}

impl Sandbox {
    pub(crate) fn new(bwrap: PathBuf, helper: Helper, sandbox_uid: u32, insecure: bool) -> Sandbox {
        let root = rustix::process::getuid().is_root();
        Sandbox {
            bwrap,
            helper,
            run_as: root.then_some((sandbox_uid, sandbox_uid)),
            insecure,
            placeholders: Mutex::new(HashMap::new()),
            jobs: Jobs::default(),
        }
    }

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
        let none = Placeholders {
            sandbox: self,
            paths: Vec::new(),
        };
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

    /// The program and arguments that run `program args` inside the jail (with the
    /// placeholders made for it by [`Sandbox::placeholders`]).
    pub(crate) fn argv(
        &self,
        jail: &Jail,
        placeholders: &Placeholders<'_>,
        program: &str,
        args: &[String],
    ) -> Result<(PathBuf, Vec<String>), Unavailable> {
        let mut helper_args = self.helper_args(jail);
        helper_args.push("--".into());
        helper_args.push(program.into());
        helper_args.extend(args.iter().cloned());
        if self.insecure {
            let mut v = self.helper.prefix.clone();
            v.extend(helper_args);
            return Ok((self.helper.program.clone(), v));
        }
        let mut a = Vec::new();
        push(
            &mut a,
            &[
                "--die-with-parent",
                "--new-session",
                "--unshare-pid",
                "--unshare-ipc",
                "--unshare-uts",
                "--unshare-cgroup-try",
                "--hostname",
                "sandbox",
            ],
        );
        if self.run_as.is_none() {
            push(&mut a, &["--unshare-user", "--disable-userns"]);
        }
        if !jail.net {
            push(&mut a, &["--unshare-net"]);
        }
        self.system_view(&mut a, jail);
        push(&mut a, &["--proc", "/proc", "--dev", "/dev"]);
        push(&mut a, &["--perms", "1777", "--tmpfs", "/tmp"]);
        self.ancestors(&mut a, jail);
        push(
            &mut a,
            &["--perms", "1777", "--tmpfs", &path_arg(&jail.home)],
        );
        for b in &jail.ro {
            if !jail.deny.iter().any(|d| b.src.starts_with(d)) {
                push(&mut a, &["--ro-bind", &path_arg(&b.src), &path_arg(&b.dst)]);
            }
        }
        for b in &jail.rw {
            if jail.deny.iter().any(|d| b.src.starts_with(d)) {
                continue;
            }
            push(&mut a, &["--bind", &path_arg(&b.src), &path_arg(&b.dst)]);
            for p in &jail.protect {
                let inside = b.dst.join(p.rel);
                let outside = b.src.join(p.rel);
                let placeholder = placeholders.paths.contains(&outside);
                if placeholder || (outside.exists() && !p.if_missing) {
                    push(
                        &mut a,
                        &["--ro-bind", &path_arg(&outside), &path_arg(&inside)],
                    );
                }
            }
        }
        for b in &jail.pinned {
            push(&mut a, &["--ro-bind", &path_arg(&b.src), &path_arg(&b.dst)]);
        }
        self.masks(&mut a, jail);
        push(
            &mut a,
            &[
                "--ro-bind",
                &path_arg(&self.helper.program),
                HELPER_INSIDE,
                "--chdir",
                &path_arg(&jail.cwd),
                "--",
                HELPER_INSIDE,
            ],
        );
        a.extend(self.helper.prefix.iter().cloned());
        a.extend(helper_args);
        Ok((self.bwrap.clone(), a))
    }

    fn helper_args(&self, jail: &Jail) -> Vec<String> {
        let mut v = Vec::new();
        for b in &jail.rw {
            v.push("--write".into());
            v.push(path_arg(&b.dst));
        }
        for w in ["/tmp", "/dev"] {
            v.push("--write".into());
            v.push(w.into());
        }
        v.push("--write".into());
        v.push(path_arg(&jail.home));
        v.push("--net".into());
        v.push(if jail.net { "allow" } else { "deny" }.into());
        v.push("--namespaces".into());
        v.push(if self.insecure { "no" } else { "yes" }.into());
        if let Some((uid, gid)) = self.run_as {
            v.push("--uid".into());
            v.push(uid.to_string());
            v.push("--gid".into());
            v.push(gid.to_string());
        }
        v
    }

    /// The directories on the way to every mount point, traversable by the sandbox's uid
    /// (bubblewrap would create them 0700, owned by root).
    fn ancestors(&self, a: &mut Vec<String>, jail: &Jail) {
        let mut dirs: Vec<PathBuf> = Vec::new();
        let targets = jail
            .ro
            .iter()
            .chain(&jail.rw)
            .map(|b| b.dst.as_path())
            .chain([jail.home.as_path(), Path::new(HELPER_INSIDE)]);
        for t in targets {
            for anc in t.ancestors().skip(1) {
                let system = anc == Path::new("/")
                    || anc == Path::new("/tmp")
                    || SYSTEM_DIRS.iter().any(|s| anc.starts_with(s))
                    || anc.starts_with("/proc")
                    || anc.starts_with("/dev");
                if !system && !dirs.iter().any(|d| d == anc) {
                    dirs.push(anc.to_owned());
                }
            }
        }
        // Parents first.
        dirs.sort_by_key(|d| d.components().count());
        for d in dirs {
            push(a, &["--perms", "0755", "--dir", &path_arg(&d)]);
        }
    }

    /// /usr, the /bin-style links, and the chosen entries of /etc, minus denied paths.
    fn system_view(&self, a: &mut Vec<String>, jail: &Jail) {
        let denied = |p: &Path| jail.deny.iter().any(|d| p.starts_with(d));
        for d in SYSTEM_DIRS {
            let p = Path::new(d);
            if p.is_dir() && !denied(p) {
                push(a, &["--ro-bind", d, d]);
            }
        }
        for l in SYSTEM_LINKS {
            let p = Path::new(l);
            match std::fs::read_link(p) {
                Ok(target) => push(a, &["--symlink", &path_arg(&target), l]),
                Err(_) if p.is_dir() && !denied(p) => push(a, &["--ro-bind", l, l]),
                Err(_) => {}
            }
        }
        push(a, &["--perms", "0755", "--dir", "/etc"]);
        for e in ETC {
            let p = Path::new("/etc").join(e);
            if denied(&p) {
                continue;
            }
            match std::fs::symlink_metadata(&p) {
                Ok(m) if m.file_type().is_symlink() => {
                    if let Ok(t) = std::fs::read_link(&p) {
                        push(a, &["--symlink", &path_arg(&t), &path_arg(&p)]);
                    }
                }
                Ok(_) => push(a, &["--ro-bind", &path_arg(&p), &path_arg(&p)]),
                Err(_) => {}
            }
        }
    }

    /// Denied paths that a bind would otherwise expose: an empty read-only directory or file
    /// over them.
    fn masks(&self, a: &mut Vec<String>, jail: &Jail) {
        let bound: Vec<&Bind> = jail.ro.iter().chain(&jail.rw).collect();
        let system: Vec<PathBuf> = SYSTEM_DIRS
            .iter()
            .map(PathBuf::from)
            .chain(ETC.iter().map(|e| Path::new("/etc").join(e)))
            .collect();
        for d in &jail.deny {
            let inside = bound
                .iter()
                .find(|b| d.starts_with(&b.src) && *d != b.src)
                .map(|b| b.dst.join(d.strip_prefix(&b.src).unwrap_or(d)))
                .or_else(|| {
                    system
                        .iter()
                        .any(|s| d.starts_with(s) && d != s)
                        .then(|| d.clone())
                });
            let Some(inside) = inside else { continue };
            match std::fs::metadata(d) {
                Ok(m) if m.is_dir() => {
                    push(
                        a,
                        &[
                            "--tmpfs",
                            &path_arg(&inside),
                            "--remount-ro",
                            &path_arg(&inside),
                        ],
                    );
                }
                Ok(_) => push(a, &["--ro-bind", "/dev/null", &path_arg(&inside)]),
                Err(_) => {}
            }
        }
    }

    /// Creates placeholders for protected paths that do not exist in the writable roots, so
    /// that they can be mounted read-only; the guard removes them when the last call using them
    /// ends (if they are still empty).
    pub(crate) fn placeholders(&self, jail: &Jail) -> Placeholders<'_> {
        let mut made = Vec::new();
        let mut map = self.placeholders.lock().unwrap_or_else(|p| p.into_inner());
        for b in &jail.rw {
            for p in &jail.protect {
                let path = b.src.join(p.rel);
                if let Some(n) = map.get_mut(&path) {
                    *n += 1;
                    made.push(path);
                    continue;
                }
                // Only where the parent exists and is not itself a placeholder of this call (a
                // missing `.git` is protected as a whole).
                let parent_made = made.iter().any(|m: &PathBuf| path.starts_with(m));
                if parent_made
                    || path.parent().is_none_or(|parent| !parent.is_dir())
                    || path.exists()
                {
                    continue;
                }
                let created = if p.dir {
                    std::fs::create_dir(&path)
                } else {
                    std::fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .open(&path)
                        .map(|_| ())
                };
                if created.is_ok() {
                    map.insert(path.clone(), 1);
                    made.push(path);
                }
            }
        }
        Placeholders {
            sandbox: self,
            paths: made,
        }
    }
}

/// Placeholders held for one call.
#[derive(Debug)]
pub(crate) struct Placeholders<'a> {
    sandbox: &'a Sandbox,
    paths: Vec<PathBuf>,
}

impl Drop for Placeholders<'_> {
    fn drop(&mut self) {
        let mut map = self
            .sandbox
            .placeholders
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        // Children first, so that `.git/hooks` goes before `.git`.
        for path in self.paths.iter().rev() {
            let Some(n) = map.get_mut(path) else { continue };
            *n -= 1;
            if *n > 0 {
                continue;
            }
            map.remove(path);
            // Still empty: ours to remove. Anything else was put there by someone else.
            let removed = match std::fs::symlink_metadata(path) {
                Ok(m) if m.is_dir() => std::fs::remove_dir(path),
                Ok(m) if m.is_file() && m.len() == 0 => std::fs::remove_file(path),
                _ => Ok(()),
            };
            if let Err(e) = removed {
                tracing::warn!(path = %path.display(), error = %e, "placeholder left in place");
            }
        }
    }
}

// ---------------------------------------------------------------------------- inside

/// Syscalls sandboxed code never needs and that an escape would: tracing, kernel keyrings,
/// eBPF, mounts, namespaces, modules, kexec, io_uring (which bypasses syscall filtering for
/// the operations it carries), perf, userfaultfd, raw handles.
const DENIED_SYSCALLS: &[libc::c_long] = &[
    libc::SYS_ptrace,
    libc::SYS_process_vm_readv,
    libc::SYS_process_vm_writev,
    libc::SYS_bpf,
    libc::SYS_keyctl,
    libc::SYS_add_key,
    libc::SYS_request_key,
    libc::SYS_mount,
    libc::SYS_umount2,
    libc::SYS_pivot_root,
    libc::SYS_move_mount,
    libc::SYS_open_tree,
    libc::SYS_fsopen,
    libc::SYS_fsconfig,
    libc::SYS_fsmount,
    libc::SYS_fspick,
    libc::SYS_mount_setattr,
    libc::SYS_unshare,
    libc::SYS_setns,
    libc::SYS_init_module,
    libc::SYS_finit_module,
    libc::SYS_delete_module,
    libc::SYS_kexec_load,
    libc::SYS_kexec_file_load,
    libc::SYS_io_uring_setup,
    libc::SYS_io_uring_enter,
    libc::SYS_io_uring_register,
    libc::SYS_perf_event_open,
    libc::SYS_userfaultfd,
    libc::SYS_open_by_handle_at,
    libc::SYS_name_to_handle_at,
    libc::SYS_swapon,
    libc::SYS_swapoff,
    libc::SYS_reboot,
    libc::SYS_syslog,
    libc::SYS_acct,
    libc::SYS_quotactl,
    libc::SYS_lookup_dcookie,
    libc::SYS_vhangup,
    libc::SYS_iopl,
    libc::SYS_ioperm,
    libc::SYS_settimeofday,
    libc::SYS_clock_settime,
    libc::SYS_clock_adjtime,
    libc::SYS_adjtimex,
    libc::SYS_chroot,
];

/// clone(2) flags that create namespaces.
const NAMESPACE_FLAGS: &[u64] = &[
    libc::CLONE_NEWUSER as u64,
    libc::CLONE_NEWNS as u64,
    libc::CLONE_NEWPID as u64,
    libc::CLONE_NEWNET as u64,
    libc::CLONE_NEWIPC as u64,
    libc::CLONE_NEWUTS as u64,
    libc::CLONE_NEWCGROUP as u64,
];

fn seccomp() -> Result<(), String> {
    use seccompiler::{
        BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
        SeccompRule, TargetArch,
    };
    let arch: TargetArch = std::env::consts::ARCH
        .try_into()
        .map_err(|e| format!("{e:?}"))?;
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> =
        DENIED_SYSCALLS.iter().map(|s| (*s, Vec::new())).collect();
    let mut clone_rules = Vec::new();
    for flag in NAMESPACE_FLAGS {
        let cond = SeccompCondition::new(
            0,
            SeccompCmpArgLen::Qword,
            SeccompCmpOp::MaskedEq(*flag),
            *flag,
        )
        .map_err(|e| e.to_string())?;
        clone_rules.push(SeccompRule::new(vec![cond]).map_err(|e| e.to_string())?);
    }
    rules.insert(libc::SYS_clone, clone_rules);
    let deny: BpfProgram = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EPERM as u32),
        arch,
    )
    .and_then(TryInto::try_into)
    .map_err(|e| e.to_string())?;
    // clone3 passes its flags in memory, out of a filter's reach: report it missing, and the C
    // library falls back to clone(2), whose flags the rule above checks.
    let clone3: BpfProgram = SeccompFilter::new(
        [(libc::SYS_clone3, Vec::new())].into_iter().collect(),
        SeccompAction::Allow,
        SeccompAction::Errno(libc::ENOSYS as u32),
        arch,
    )
    .and_then(TryInto::try_into)
    .map_err(|e| e.to_string())?;
    seccompiler::apply_filter(&deny).map_err(|e| e.to_string())?;
    seccompiler::apply_filter(&clone3).map_err(|e| e.to_string())
}

fn landlock(write: &[PathBuf]) -> Result<&'static str, String> {
    let abi = ABI::V6;
    // Read and execute everywhere the mount namespace shows; write only under the writable
    // paths (inside them, the mounts keep the protected paths read-only).
    let status = Ruleset::default()
        .handle_access(AccessFs::from_all(abi))
        .and_then(|r| r.scope(Scope::AbstractUnixSocket | Scope::Signal))
        .and_then(|r| r.create())
        .and_then(|r| r.add_rules(path_beneath_rules(["/"], AccessFs::from_read(abi))))
        .and_then(|r| r.add_rules(path_beneath_rules(write, AccessFs::from_all(abi))))
        .and_then(|r| r.restrict_self())
        .map_err(|e| e.to_string())?;
    Ok(match status.ruleset {
        RulesetStatus::FullyEnforced => "full",
        RulesetStatus::PartiallyEnforced => "partial",
        RulesetStatus::NotEnforced => "none",
    })
}

/// The network namespace has no interface but loopback.
fn only_loopback() -> Result<(), String> {
    let dev = std::fs::read_to_string("/proc/net/dev").map_err(|e| e.to_string())?;
    let others: Vec<&str> = dev
        .lines()
        .skip(2)
        .filter_map(|l| l.split(':').next())
        .map(str::trim)
        .filter(|i| *i != "lo")
        .collect();
    if others.is_empty() {
        Ok(())
    } else {
        Err(format!("network interfaces visible: {}", others.join(", ")))
    }
}

fn rlimits() -> Result<(), String> {
    use rustix::process::{Resource, Rlimit, setrlimit};
    let set = |r: Resource, n: u64| {
        setrlimit(
            r,
            Rlimit {
                current: Some(n),
                maximum: Some(n),
            },
        )
        .map_err(|e| format!("setrlimit {r:?}: {e}"))
    };
    set(Resource::Core, 0)?;
    set(Resource::Nofile, 4096)?;
    set(Resource::Fsize, 4 << 30)?;
    set(Resource::Nproc, 4096)?;
    Ok(())
}

/// The helper's `main`: parses its arguments, confines itself and execs the command.
/// Returns only on failure, with the exit code to use (126: not confined, nothing ran).
pub fn helper_main(args: Vec<String>) -> i32 {
    let mut write: Vec<PathBuf> = Vec::new();
    let mut net = "allow".to_owned();
    let mut namespaces = "yes".to_owned();
    let (mut uid, mut gid): (Option<u32>, Option<u32>) = (None, None);
    let mut i = 0;
    while let Some(a) = args.get(i) {
        i += 1;
        let mut value = || {
            i += 1;
            args.get(i - 1).cloned().unwrap_or_default()
        };
        match a.as_str() {
            "--write" => write.push(PathBuf::from(value())),
            "--net" => net = value(),
            "--namespaces" => namespaces = value(),
            "--uid" => uid = value().parse().ok(),
            "--gid" => gid = value().parse().ok(),
            "--" => break,
            other => {
                eprintln!("{STATUS_PREFIX}unknown argument {other}");
                return 125;
            }
        }
    }
    let Some(program) = args.get(i) else {
        eprintln!("{STATUS_PREFIX}no program to run");
        return 125;
    };
    let fail = |what: &str, e: String| {
        eprintln!(
            "{STATUS_PREFIX}landlock=none seccomp=no netns=no namespaces=no error={what}: {e}"
        );
        126
    };
    // Trust, but verify: what bubblewrap was asked to build must be what we are in.
    if namespaces == "yes" && std::process::id() > 2 {
        return fail(
            "namespaces",
            format!("not in a fresh PID namespace (pid {})", std::process::id()),
        );
    }
    if net == "deny"
        && let Err(e) = only_loopback()
    {
        return fail("network", e);
    }
    if let Err(e) = rlimits() {
        return fail("rlimits", e);
    }
    if let Err(e) = rustix::thread::set_no_new_privs(true) {
        return fail("no_new_privs", e.to_string());
    }
    let ll = match landlock(&write) {
        Ok("none") => return fail("landlock", "not supported by this kernel".into()),
        Ok(s) => s,
        Err(e) => return fail("landlock", e),
    };
    if let Err(e) = seccomp() {
        return fail("seccomp", e);
    }
    eprintln!(
        "{STATUS_PREFIX}landlock={ll} seccomp=yes netns={} namespaces={namespaces}",
        if net == "deny" { "yes" } else { "no" }
    );
    let mut cmd = Command::new(program);
    cmd.args(&args[i + 1..]);
    if let (Some(u), Some(g)) = (uid, gid) {
        // std clears supplementary groups, then setgid, then setuid: no capability survives.
        cmd.uid(u).gid(g);
    }
    let err = cmd.exec();
    eprintln!("{STATUS_PREFIX}cannot run {program}: {err}");
    127
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
