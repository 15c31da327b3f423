//! The shell sandbox helper. The shell runner does not fork-and-confine inside the gateway
//! (that would mean unsafe code between fork and exec in a threaded process); it starts this
//! helper instead, a fresh single-threaded process that confines itself and then `exec`s the
//! command:
//!
//! - with `--net deny`, a new network namespace (no interfaces but a down loopback), or exit
//!   126 if the kernel refuses: policy requires it, so no fallback;
//! - a Landlock ruleset: read and execute under the system directories, full access only
//!   under `--write` directories (the policy's allowed paths and a scratch home), nothing
//!   anywhere else; `--deny` paths (the state directory, the policy file, `~/.aws`, `~/.kube`,
//!   `~/.ssh`) are carved out of every grant, so they stay out of reach even when they sit
//!   under `/etc` or inside an allowed path. Kernels without Landlock run unconfined and say so.
//!
//! Its first stderr line reports what was enforced: `recourse-sandbox: landlock=full|partial|none netns=yes|no`.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use landlock::{
    ABI, Access, AccessFs, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus,
    path_beneath_rules,
};

/// Directories readable (and executable) inside the sandbox.
pub const READ_DIRS: &[&str] = &[
    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc", "/opt", "/proc", "/sys", "/dev",
];

/// The marker line prefix.
pub const STATUS_PREFIX: &str = "recourse-sandbox: ";

/// What the helper enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Enforced {
    /// `full`, `partial` or `none`.
    pub landlock: &'static str,
    /// Whether the network was isolated.
    pub netns: bool,
}

impl Enforced {
    /// Parses the helper's status line.
    pub fn parse(line: &str) -> Option<Enforced> {
        let rest = line.strip_prefix(STATUS_PREFIX)?;
        let mut landlock = None;
        let mut netns = None;
        for part in rest.split_whitespace() {
            match part.split_once('=') {
                Some(("landlock", v)) => {
                    landlock = ["full", "partial", "none"].into_iter().find(|x| *x == v);
                }
                Some(("netns", v)) => netns = Some(v == "yes"),
                _ => {}
            }
        }
        Some(Enforced {
            landlock: landlock?,
            netns: netns?,
        })
    }
}

/// Landlock rules only grant; to keep `deny` paths out of a granted hierarchy, a root that has
/// a denied path beneath it is replaced by grants on its children, recursively, skipping the
/// denied branch. Returns (full grants, directories that were split: listable only). Depth is
/// capped; past the cap nothing more is granted (fail closed).
pub fn grants_around(roots: &[PathBuf], deny: &[PathBuf]) -> (Vec<PathBuf>, Vec<PathBuf>) {
    fn expand(p: &Path, deny: &[PathBuf], out: &mut (Vec<PathBuf>, Vec<PathBuf>), depth: usize) {
        if deny.iter().any(|d| p.starts_with(d)) {
            return;
        }
        if !deny.iter().any(|d| d.starts_with(p)) {
            out.0.push(p.to_owned());
            return;
        }
        if depth > 16 {
            return;
        }
        out.1.push(p.to_owned());
        if let Ok(entries) = std::fs::read_dir(p) {
            for e in entries.flatten() {
                expand(&e.path(), deny, out, depth + 1);
            }
        }
    }
    let deny: Vec<PathBuf> = deny.iter().filter_map(|d| d.canonicalize().ok()).collect();
    let mut out = (Vec::new(), Vec::new());
    for r in roots {
        if let Ok(c) = r.canonicalize() {
            expand(&c, &deny, &mut out, 0);
        }
    }
    out
}

fn landlock(write: &[PathBuf], deny: &[PathBuf]) -> Result<&'static str, String> {
    let abi = ABI::V3;
    let read_roots: Vec<PathBuf> = READ_DIRS.iter().map(PathBuf::from).collect();
    let (read, read_split) = grants_around(&read_roots, deny);
    let (write, write_split) = grants_around(write, deny);
    // Split directories stay listable (so `ls` works) but grant nothing beneath them: no file
    // reads, no new files.
    let listable: Vec<PathBuf> = read_split.into_iter().chain(write_split).collect();
    let status = Ruleset::default()
        .handle_access(AccessFs::from_all(abi))
        .and_then(|r| r.create())
        .and_then(|r| r.add_rules(path_beneath_rules(&read, AccessFs::from_read(abi))))
        .and_then(|r| r.add_rules(path_beneath_rules(&write, AccessFs::from_all(abi))))
        .and_then(|r| r.add_rules(path_beneath_rules(&listable, AccessFs::ReadDir)))
        .and_then(|r| r.add_rules(path_beneath_rules(["/dev/null"], AccessFs::from_all(abi))))
        .and_then(|r| r.restrict_self())
        .map_err(|e| e.to_string())?;
    Ok(match status.ruleset {
        RulesetStatus::FullyEnforced => "full",
        RulesetStatus::PartiallyEnforced => "partial",
        RulesetStatus::NotEnforced => "none",
    })
}

fn isolate_network() -> Result<(), String> {
    use rustix::thread::{UnshareFlags, unshare_unsafe};
    // SAFETY: unshare(2) with CLONE_NEWNET/CLONE_NEWUSER only changes this process's namespaces;
    // the helper is single-threaded at this point and holds no state that depends on them.
    #[allow(unsafe_code)]
    let first = unsafe { unshare_unsafe(UnshareFlags::NEWNET) };
    if first.is_ok() {
        return Ok(());
    }
    // SAFETY: as above; an unprivileged caller needs a user namespace to get a network one.
    #[allow(unsafe_code)]
    let second = unsafe { unshare_unsafe(UnshareFlags::NEWUSER | UnshareFlags::NEWNET) };
    second.map_err(|e| {
        format!(
            "{e} (and without a user namespace: {})",
            first.err().map(|e| e.to_string()).unwrap_or_default()
        )
    })
}

/// The helper's `main`: parses its arguments, confines itself and execs the command.
/// Returns only on failure, with the exit code to use.
pub fn helper_main(args: Vec<String>) -> i32 {
    let mut write: Vec<PathBuf> = Vec::new();
    let mut deny: Vec<PathBuf> = Vec::new();
    let mut net_deny = false;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        i += 1;
        match a.as_str() {
            "--write" => {
                if let Some(p) = args.get(i) {
                    write.push(PathBuf::from(p));
                    i += 1;
                }
            }
            "--deny" => {
                if let Some(p) = args.get(i) {
                    deny.push(PathBuf::from(p));
                    i += 1;
                }
            }
            "--net" => {
                net_deny = args.get(i).map(String::as_str) == Some("deny");
                i += 1;
            }
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
    let netns = if net_deny {
        if let Err(e) = isolate_network() {
            eprintln!(
                "{STATUS_PREFIX}landlock=none netns=no error=cannot isolate the network: {e}"
            );
            return 126;
        }
        true
    } else {
        false
    };
    let ll = match landlock(&write, &deny) {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "{STATUS_PREFIX}landlock=none netns={} error={e}",
                if netns { "yes" } else { "no" }
            );
            return 126;
        }
    };
    eprintln!(
        "{STATUS_PREFIX}landlock={ll} netns={}",
        if netns { "yes" } else { "no" }
    );
    let err = Command::new(program).args(&args[i + 1..]).exec();
    eprintln!("{STATUS_PREFIX}cannot run {program}: {err}");
    127
}

/// How the gateway starts the helper.
#[derive(Debug, Clone)]
pub struct Helper {
    /// The program (`recourse` itself, or `recourse-sandbox`).
    pub program: PathBuf,
    /// Arguments before the helper's own (`["__sandbox"]` for `recourse`).
    pub prefix: Vec<String>,
}

impl Helper {
    /// The argument vector that runs `program args` confined.
    pub fn argv(
        &self,
        write: &[&Path],
        deny: &[&Path],
        net_deny: bool,
        program: &str,
        args: &[&str],
    ) -> Vec<String> {
        let mut v = self.prefix.clone();
        for w in write {
            v.push("--write".into());
            v.push(w.display().to_string());
        }
        for d in deny {
            v.push("--deny".into());
            v.push(d.display().to_string());
        }
        v.push("--net".into());
        v.push(if net_deny { "deny" } else { "allow" }.into());
        v.push("--".into());
        v.push(program.into());
        v.extend(args.iter().map(|s| (*s).to_owned()));
        v
    }
}
