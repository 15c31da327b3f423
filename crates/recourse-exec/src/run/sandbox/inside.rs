//! The helper's side, run inside the sandbox as its first program: it checks the namespaces
//! it was promised, sets rlimits and `no_new_privs`, enforces Landlock and a seccomp filter,
//! reports what it enforced on its first stderr line, drops to the sandbox uid and execs the
//! command. A helper that cannot enforce all of it exits 126 without running anything.
//!
//! In a sandbox built before its call (`--wait`, see `warm.rs`) the command comes as an order
//! on stdin, a socket to the gateway, followed later by one byte, the go: the gateway sends the
//! order while it records the call's decision and the go once that record is on disk (a
//! channel closed instead of the go runs nothing). The helper then runs the command as its
//! child and reports its end on that socket (see [`run_and_report`]).

use std::collections::BTreeMap;
use std::os::fd::OwnedFd;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;

use landlock::{
    ABI, Access, AccessFs, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus, Scope,
    path_beneath_rules,
};

use super::STATUS_PREFIX;

/// Syscalls sandboxed code never needs and that an escape would: tracing, kernel keyrings,
/// eBPF, mounts, namespaces, modules, kexec, io_uring (which bypasses syscall filtering for
/// the operations it carries), perf, userfaultfd, raw handles, another process's descriptors.
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
    libc::SYS_pidfd_getfd,
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

/// The first script whose content (or absence) is not what was bound, described.
fn scripts_changed(expect: &[(String, Option<String>)]) -> Option<String> {
    expect.iter().find_map(|(path, hash)| {
        let now = std::fs::read(path).ok();
        let ok = match (hash, &now) {
            (Some(h), Some(bytes)) => recourse_policy::Digest::of(bytes).to_hex() == *h,
            (None, None) => true,
            _ => false,
        };
        (!ok).then(|| {
            format!(
                "{path}: {} since it was checked; nothing ran",
                match (hash, now) {
                    (None, Some(_)) => "created",
                    (Some(_), None) => "removed",
                    _ => "changed",
                }
            )
        })
    })
}

/// What a waiting sandbox is told to run (see [`encode_order`]).
#[derive(Debug, PartialEq, Eq)]
struct Order {
    cwd: Option<String>,
    /// The complete environment (`None`: the helper's own).
    env: Option<Vec<(String, String)>>,
    argv: Vec<String>,
}

/// The most a waiting sandbox reads as its order.
const MAX_ORDER: usize = 64 << 20;

/// The byte that starts an ordered command (see [`GO`]'s use in `process::supervise`).
pub(crate) const GO: u8 = b'g';

/// The order for a waiting sandbox: records of a tag byte (`c` working directory, `e` one
/// `KEY=value`, `a` one argument, program first; `.` the end, so a cut order is no order), a
/// little-endian u32 length and the bytes.
/// Lengths, not separators: an argument may hold any byte.
pub(crate) fn encode_order(cwd: &str, env: &[(String, String)], argv: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut put = |tag: u8, bytes: &[u8]| {
        out.push(tag);
        // A field too long for its length (over 4 GiB) claims the most: the helper then
        // finds the order longer than its limit and runs nothing.
        let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(bytes);
    };
    put(b'c', cwd.as_bytes());
    for (k, v) in env {
        put(b'e', format!("{k}={v}").as_bytes());
    }
    for a in argv {
        put(b'a', a.as_bytes());
    }
    put(b'.', b"");
    out
}

/// The length of the order at the start of `bytes` (up to and including its end record), by
/// its record headers alone; `None` while it is incomplete. Refuses an unknown tag early, so
/// that garbage is not read up to the size limit.
fn order_len(bytes: &[u8]) -> Result<Option<usize>, String> {
    let mut at = 0usize;
    while let Some(&tag) = bytes.get(at) {
        if !matches!(tag, b'c' | b'e' | b'a' | b'.') {
            return Err(format!("unknown record tag {tag}"));
        }
        let Some(len) = bytes.get(at + 1..at + 5) else {
            return Ok(None);
        };
        let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
        at = at.saturating_add(5).saturating_add(len);
        if at > bytes.len() {
            return Ok(None);
        }
        if tag == b'.' {
            return Ok(Some(at));
        }
    }
    Ok(None)
}

impl Order {
    fn decode(mut bytes: &[u8]) -> Result<Order, String> {
        let mut order = Order {
            cwd: None,
            env: Some(Vec::new()),
            argv: Vec::new(),
        };
        let mut ended = false;
        while let Some((&tag, rest)) = bytes.split_first() {
            if ended {
                return Err("records after the end".into());
            }
            let (len, rest) = rest
                .split_first_chunk::<4>()
                .ok_or("truncated record length")?;
            let len = u32::from_le_bytes(*len) as usize;
            if rest.len() < len {
                return Err("truncated record".into());
            }
            let (value, rest) = rest.split_at(len);
            bytes = rest;
            let value = String::from_utf8(value.to_vec()).map_err(|_| "a record is not UTF-8")?;
            match tag {
                b'c' => order.cwd = Some(value),
                b'e' => {
                    let (k, v) = value
                        .split_once('=')
                        .ok_or("an environment record without =")?;
                    if let Some(env) = &mut order.env {
                        env.push((k.to_owned(), v.to_owned()));
                    }
                }
                b'a' => order.argv.push(value),
                b'.' => ended = true,
                other => return Err(format!("unknown record tag {other}")),
            }
        }
        if !ended {
            return Err("cut short".into());
        }
        if order.cwd.is_none() {
            return Err("no working directory".into());
        }
        Ok(order)
    }

    /// Reads the order from stdin up to its end record, then moves stdin (the channel to the
    /// gateway) to a close-on-exec descriptor, returned with whatever came after the order (the
    /// go, if it was sent at once), and puts /dev/null in its place.
    fn read() -> Result<(Order, OwnedFd, Vec<u8>), String> {
        let mut bytes = Vec::new();
        let mut chunk = vec![0u8; 64 * 1024];
        let end = loop {
            if let Some(end) = order_len(&bytes)? {
                break end;
            }
            if bytes.len() > MAX_ORDER {
                return Err("longer than the limit".into());
            }
            let n = match rustix::io::read(rustix::stdio::stdin(), &mut chunk) {
                Ok(n) => n,
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(format!("reading stdin: {e}")),
            };
            if n == 0 {
                return Err("cut short".into());
            }
            bytes.extend_from_slice(&chunk[..n]);
        };
        let channel = rustix::io::fcntl_dupfd_cloexec(rustix::stdio::stdin(), 3)
            .map_err(|e| format!("keeping the channel: {e}"))?;
        let null = std::fs::File::open("/dev/null").map_err(|e| format!("/dev/null: {e}"))?;
        rustix::stdio::dup2_stdin(&null).map_err(|e| format!("stdin: {e}"))?;
        let after = bytes.split_off(end);
        Ok((Order::decode(&bytes)?, channel, after))
    }
}

/// Waits for the go (see [`GO`]): `after` is what came with the order. Anything else, or the
/// channel closing, means the call was not permitted to run.
fn wait_for_go(channel: &OwnedFd, after: &[u8]) -> Result<(), String> {
    let first = match after.first() {
        Some(b) => Some(*b),
        None => {
            let mut b = [0u8; 1];
            loop {
                match rustix::io::read(channel, &mut b) {
                    Ok(0) => break None,
                    Ok(_) => break Some(b[0]),
                    Err(rustix::io::Errno::INTR) => {}
                    Err(e) => return Err(format!("reading the go: {e}")),
                }
            }
        }
    };
    match first {
        Some(GO) if after.len() <= 1 => Ok(()),
        Some(GO) => Err("bytes after the go".into()),
        Some(other) => Err(format!("expected the go, got byte {other}")),
        None => Err("the gateway closed the channel without the go".into()),
    }
}

/// The helper's `main`: parses its arguments, confines itself and execs the command (or, in a
/// waiting sandbox, runs it and reports its end). Returns the exit code to use: on failure
/// (126: not confined, nothing ran), or the command's in a waiting sandbox.
pub fn helper_main(args: Vec<String>) -> i32 {
    let mut write: Vec<PathBuf> = Vec::new();
    let mut net = "allow".to_owned();
    let mut namespaces = "yes".to_owned();
    let (mut uid, mut gid): (Option<u32>, Option<u32>) = (None, None);
    let mut expect: Vec<(String, Option<String>)> = Vec::new();
    let mut wait = false;
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
            "--expect" => {
                let v = value();
                match v.rsplit_once('=') {
                    Some((path, hash)) => expect.push((path.to_owned(), Some(hash.to_owned()))),
                    None => {
                        eprintln!("{STATUS_PREFIX}error=bad-argument --expect {v}");
                        return 125;
                    }
                }
            }
            "--expect-absent" => expect.push((value(), None)),
            "--wait" => wait = true,
            "--" => break,
            other => {
                eprintln!("{STATUS_PREFIX}unknown argument {other}");
                return 125;
            }
        }
    }
    if !wait && args.get(i).is_none() {
        eprintln!("{STATUS_PREFIX}no program to run");
        return 125;
    }
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
    // A waiting sandbox (built before its command was known) reads the command from stdin,
    // written by the gateway when a call takes it; the command's stdin is /dev/null.
    let (order, channel, after) = if wait {
        match Order::read() {
            Ok((o, channel, after)) => (o, Some(channel), after),
            Err(e) => {
                eprintln!("{STATUS_PREFIX}error=order: {e}");
                return 125;
            }
        }
    } else {
        let order = Order {
            cwd: None,
            env: None,
            argv: args[i..].to_vec(),
        };
        (order, None, Vec::new())
    };
    let Some((program, rest)) = order.argv.split_first() else {
        eprintln!("{STATUS_PREFIX}no program to run");
        return 125;
    };
    if let Some(cwd) = &order.cwd
        && let Err(e) = std::env::set_current_dir(cwd)
    {
        eprintln!("{STATUS_PREFIX}error=chdir: cannot change into {cwd}: {e}");
        return 125;
    }
    // Everything up to here is ready before the call's decision is on disk; the command
    // starts only once the gateway says so.
    if let Some(channel) = &channel
        && let Err(e) = wait_for_go(channel, &after)
    {
        eprintln!("{STATUS_PREFIX}error=no-go: {e}; nothing ran");
        return 125;
    }
    // The scripts the command runs are still the bytes that were bound (and the missing ones
    // still missing), as this sandbox sees them, at the last moment before the command starts.
    if let Some(why) = scripts_changed(&expect) {
        eprintln!("{STATUS_PREFIX}error=script-changed {why}");
        return 125;
    }
    eprintln!(
        "{STATUS_PREFIX}landlock={ll} seccomp=yes netns={} namespaces={namespaces}",
        if net == "deny" { "yes" } else { "no" }
    );
    let mut cmd = Command::new(program);
    cmd.args(rest);
    if let Some(env) = &order.env {
        cmd.env_clear().envs(env.iter().map(|(k, v)| (k, v)));
    }
    if let (Some(u), Some(g)) = (uid, gid) {
        // std clears supplementary groups, then setgid, then setuid: no capability survives.
        cmd.uid(u).gid(g);
    }
    match channel {
        // Checked above: a fresh PID namespace, so `kill_the_rest` reaches only the sandbox.
        Some(channel) if namespaces == "yes" => run_and_report(cmd, program, &channel),
        _ => {
            let err = cmd.exec();
            eprintln!("{STATUS_PREFIX}cannot run {program}: {err}");
            127
        }
    }
}

/// In a waiting sandbox: runs the command as a child instead of becoming it; once it has
/// ended, kills everything else in the sandbox and writes the command's exit code (128 + the
/// signal if a signal ended it, as bubblewrap reports it) to the gateway's channel. The
/// gateway answers on that line instead of waiting for bubblewrap to tear the namespaces down.
///
/// The command cannot forge the line: the channel is close-on-exec, a socket (which
/// /proc/<pid>/fd cannot reopen), `pidfd_getfd` and ptrace are filtered, and this process is
/// not dumpable. A command that kills this process ends the sandbox with it (its init exits),
/// and the gateway then goes by bubblewrap's exit.
fn run_and_report(mut cmd: Command, program: &str, channel: &OwnedFd) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    if let Err(e) =
        rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable)
    {
        eprintln!("{STATUS_PREFIX}error=dumpable: {e}");
        return 125;
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(err) => {
            eprintln!("{STATUS_PREFIX}cannot run {program}: {err}");
            return 127;
        }
    };
    let code = match child.wait() {
        Ok(s) => s
            .code()
            .or_else(|| s.signal().map(|n| 128 + n))
            .unwrap_or(125),
        Err(_) => 125,
    };
    kill_the_rest();
    // If the gateway is gone (or stopped listening), the exit code still says it.
    let _ = rustix::io::write(channel, format!("{code}\n").as_bytes());
    // The gateway closes the channel once it has answered the call: tearing the namespaces
    // down (which this process's exit starts) would slow the answer down.
    let mut end = [0u8; 1];
    let _ = rustix::io::read(channel, &mut end);
    code
}

/// Kills every process in this PID namespace but this one and the namespace's init
/// (bubblewrap's, which ends when this process does): whatever the command left behind dies
/// before the gateway hears the call ended.
#[allow(unsafe_code)]
fn kill_the_rest() {
    // SAFETY: kill(2) takes two integers and reads or writes no memory of this process, so
    // no Rust invariant is involved. With pid -1 it signals every process this one may signal
    // in its own PID namespace, except itself and the namespace's init; only called in a
    // fresh PID namespace (checked at startup), so nothing outside the sandbox is reached.
    // Its result is not needed: ESRCH means there was nothing left.
    unsafe {
        libc::kill(-1, libc::SIGKILL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_round_trips_whatever_bytes_its_arguments_hold() {
        let env = vec![
            ("PATH".to_owned(), "/usr/bin:/bin".to_owned()),
            ("A".into(), "x=y".into()),
        ];
        let bytes = encode_order("/work", &env, &["/bin/sh", "-c", "echo a\nb\u{1} ; x=1"]);
        let o = Order::decode(&bytes).unwrap();
        assert_eq!(o.cwd.as_deref(), Some("/work"));
        assert_eq!(o.env, Some(env));
        assert_eq!(o.argv, ["/bin/sh", "-c", "echo a\nb\u{1} ; x=1"]);
    }

    #[test]
    fn a_damaged_order_is_refused() {
        let bytes = encode_order("/", &[], &["/bin/true"]);
        // Cut anywhere, even between records: refused, never a shorter command.
        for cut in 0..bytes.len() {
            assert!(Order::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut more = bytes.clone();
        more.extend_from_slice(&encode_order("/", &[], &["x"]));
        assert!(Order::decode(&more).is_err(), "records after the end");
        assert!(Order::decode(&[b'z', 0, 0, 0, 0]).is_err());
        assert!(Order::decode(&[b'.', 0, 0, 0, 0]).is_err(), "no cwd");
    }

    #[test]
    fn an_order_ends_at_its_end_record_and_not_before() {
        let bytes = encode_order(
            "/work",
            &[("A".into(), "b".into())],
            &["/bin/sh", "-c", "x"],
        );
        for cut in 0..bytes.len() {
            assert_eq!(order_len(&bytes[..cut]), Ok(None), "cut at {cut}");
        }
        assert_eq!(order_len(&bytes), Ok(Some(bytes.len())));
        let mut with_go = bytes.clone();
        with_go.push(GO);
        assert_eq!(order_len(&with_go), Ok(Some(bytes.len())));
        // Garbage is refused at its first byte, not read up to the size limit.
        assert!(order_len(b"GET / HTTP/1.1").is_err());
        assert!(order_len(&[b'c', 255, 255, 255, 255]).unwrap().is_none());
    }

    #[test]
    fn only_the_go_starts_the_command() {
        use std::io::Write;
        use std::os::unix::net::UnixStream;
        let go = |after: &[u8], sent: Option<&[u8]>| {
            let (mut gateway, helper) = UnixStream::pair().unwrap();
            if let Some(bytes) = sent {
                gateway.write_all(bytes).unwrap();
            }
            drop(gateway);
            wait_for_go(&OwnedFd::from(helper), after)
        };
        assert_eq!(go(b"", Some(&[GO])), Ok(()));
        assert_eq!(go(&[GO], None), Ok(()));
        // The gateway went away (its decision was not recorded): nothing runs.
        assert!(go(b"", None).is_err());
        assert!(go(b"", Some(b"x")).is_err());
        assert!(go(b"x", None).is_err());
        assert!(go(&[GO, GO], None).is_err());
    }
}
