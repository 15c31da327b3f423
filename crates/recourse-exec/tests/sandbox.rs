//! The sandbox every runner uses, seen from a shell command inside it (real bubblewrap, the
//! real helper): its own /proc, no trace of the gateway's files, no outside unix socket, and
//! nothing that outlives the call.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::os::unix::net::UnixListener;
use std::time::{Duration, Instant};

use common::*;
use recourse_exec::{Status, ToolCall};
use recourse_policy::{Environment, NetworkAccess, Policy};

/// Runs a command in dev (where most commands run with a warning) with a timeout.
fn run(h: &Harness, command: &str, timeout: u64) -> recourse_exec::Response {
    h.call(ToolCall::ShellExec {
        command: command.into(),
        cwd: None,
        timeout: Some(timeout),
        approval_id: None,
    })
}

/// Runs a command that escalates, approved by a human.
fn run_approved(h: &Harness, command: &str) -> recourse_exec::Response {
    run_approved_in(h, command, None)
}

/// Runs a command in `cwd`, approved by a human if it escalates.
fn run_approved_in(h: &Harness, command: &str, cwd: Option<String>) -> recourse_exec::Response {
    let call = |approval_id| {
        h.call(ToolCall::ShellExec {
            command: command.into(),
            cwd: cwd.clone(),
            timeout: Some(10),
            approval_id,
        })
    };
    let r = call(None);
    let Some(id) = r
        .approval_id
        .filter(|_| r.status == Status::PendingApproval)
    else {
        return r;
    };
    h.approve(id);
    call(Some(id.to_string()))
}

#[test]
fn proc_lists_only_the_sandboxs_processes() {
    let h = harness(Environment::Dev);
    let r = run(&h, "ls /proc", 10);
    assert_executed(&r);
    let pids: Vec<String> = stdout(&r)
        .lines()
        .filter(|l| l.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_owned)
        .collect();
    // bubblewrap's init, the helper exec'd into `sh`, and `ls`.
    assert!(pids.len() <= 3, "{pids:?}");
    assert!(
        !pids.contains(&std::process::id().to_string()),
        "the gateway is visible: {pids:?}"
    );
}

#[test]
fn the_gateways_files_do_not_exist_inside() {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("admin.conf");
    std::fs::write(&kubeconfig, "apiVersion: v1\nkind: Config\n").unwrap();
    let policy_file = dir.path().join("policy.yaml");
    std::fs::write(&policy_file, "recourseos:\n  version: '2.0'\n").unwrap();
    let creds = dir.path().join("aws-shared");
    std::fs::write(&creds, "[default]\n").unwrap();
    let h = harness_with(Environment::Dev, Policy::default(), |cfg| {
        cfg.kubeconfig = Some(kubeconfig.clone());
        cfg.policy_path = Some(policy_file.clone());
        cfg.base_env.push((
            "AWS_SHARED_CREDENTIALS_FILE".into(),
            creds.display().to_string(),
        ));
    });
    for path in [h.state(), kubeconfig, policy_file, creds] {
        let r = run(&h, &format!("ls -d {}", path.display()), 10);
        assert_executed(&r);
        let o = r.output.unwrap();
        assert_ne!(
            o.exit_code,
            Some(0),
            "{} exists inside: {o:#?}",
            path.display()
        );
        assert!(o.stderr.contains("No such file"), "{o:#?}");
    }
}

#[test]
fn outside_unix_sockets_cannot_be_reached() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("host.sock");
    let listener = UnixListener::bind(&path).unwrap();
    listener.set_nonblocking(true).unwrap();
    for network in [NetworkAccess::Deny, NetworkAccess::Allow] {
        let mut p = Policy::default();
        p.shell.network = network;
        let h = harness_with(Environment::Dev, p, |_| {});
        let probe = format!(
            "python3 -c \"import socket\nfor a in ['{}', '\\0recourse-test-abstract']:\n s=socket.socket(socket.AF_UNIX)\n try:\n  s.connect(a); print('CONNECTED')\n except OSError as e: print('refused', e)\"",
            path.display()
        );
        let r = run_approved(&h, &probe);
        assert_executed(&r);
        let out = stdout(&r);
        assert!(!out.contains("CONNECTED"), "{network:?}: {out}");
        assert_eq!(
            out.lines().filter(|l| l.starts_with("refused")).count(),
            2,
            "{network:?}: {r:#?}"
        );
        assert!(
            listener.accept().is_err(),
            "{network:?}: a connection arrived"
        );
    }
}

#[test]
fn children_of_every_kind_die_with_the_call() {
    let h = harness(Environment::Dev);
    let marker = |n: &str| h.work().join(n);
    let started = Instant::now();
    let r = run(
        &h,
        "setsid sh -c 'sleep 2; touch setsid' >/dev/null 2>&1 & \
         (sh -c 'sleep 2; touch doublefork' >/dev/null 2>&1 &) ; \
         nohup sh -c 'sleep 2; touch nohup' >/dev/null 2>&1 & \
         sleep 30",
        1,
    );
    assert_eq!(r.status, Status::Executed, "{r:#?}");
    assert!(r.output.as_ref().unwrap().timed_out, "{r:#?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    std::thread::sleep(Duration::from_secs(3));
    for m in ["setsid", "doublefork", "nohup"] {
        assert!(!marker(m).exists(), "{m} child outlived its call");
    }
}

#[test]
fn a_missing_sandbox_refuses_everything_that_would_run() {
    let h = harness_with(Environment::Dev, Policy::default(), |cfg| {
        cfg.bwrap = "/nonexistent/bwrap".into();
    });
    assert!(
        h.gw.sandbox_status()
            .unwrap_err()
            .contains("sandbox_unavailable")
    );
    let r = run(&h, "ls", 10);
    assert_eq!(r.status, Status::Refused, "{r:#?}");
    assert!(r.output.is_none());
    assert!(
        r.reasons
            .iter()
            .any(|x| x.rule.as_str() == "sandbox_unavailable"),
        "{r:#?}"
    );
    assert_eq!(h.audit_events().last().map(String::as_str), Some("refused"));
}

#[test]
fn insecure_no_sandbox_is_refused_in_prod_and_recorded_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = recourse_exec::GatewayConfig::new(
        dir.path().join("state"),
        Environment::Prod,
        Policy::default(),
        sandbox_helper(),
    );
    cfg.insecure_no_sandbox = true;
    let err = recourse_exec::Gateway::open(cfg).unwrap_err();
    assert!(err.to_string().contains("refused in prod"), "{err}");
    let h = harness_with(Environment::Dev, Policy::default(), |cfg| {
        cfg.insecure_no_sandbox = true;
    });
    let r = run(&h, "ls", 10);
    assert_executed(&r);
    assert!(r.message.contains("without a sandbox"), "{r:#?}");
    let log = std::fs::read_to_string(recourse_exec::audit_path(&h.state())).unwrap();
    assert!(log.contains("\"insecure_no_sandbox\":true"), "{log}");
}

/// The helper's last check before the command starts: a bound script that no longer holds its
/// bytes (or a missing one that appeared) stops the run, naming the file. This is what closes
/// the race between the gate's check and the command opening the file (a rename over the
/// pinned path, a file created where a missing one was bound).
#[test]
fn the_helper_refuses_a_script_changed_after_the_check() {
    let d = tempfile::tempdir().unwrap();
    let script = d.path().join("x.sh");
    std::fs::write(&script, "echo approved\n").unwrap();
    let good = recourse_policy::Digest::of(b"echo approved\n").to_hex();
    let helper = common::sandbox_helper();
    let run = |expect: &[&str]| {
        let mut c = std::process::Command::new(&helper.program);
        c.args(&helper.prefix)
            .args(["--namespaces", "no", "--net", "allow", "--write", "/tmp"])
            .args(expect)
            .args(["--", "/bin/true"]);
        c.output().unwrap()
    };
    let bound = format!("{}={good}", script.display());
    let ok = run(&["--expect", &bound]);
    assert!(ok.status.success(), "{ok:?}");
    std::fs::write(&script, "touch PWNED\n").unwrap();
    let changed = run(&["--expect", &bound]);
    assert_eq!(changed.status.code(), Some(125), "{changed:?}");
    let err = String::from_utf8_lossy(&changed.stderr);
    assert!(
        err.contains("x.sh: changed") && err.contains("nothing ran"),
        "{err}"
    );
    let missing = d.path().join("GNUmakefile");
    let absent = missing.display().to_string();
    assert!(run(&["--expect-absent", &absent]).status.success());
    std::fs::write(&missing, "all:\n\ttouch PWNED\n").unwrap();
    let created = run(&["--expect-absent", &absent]);
    assert_eq!(created.status.code(), Some(125), "{created:?}");
    assert!(String::from_utf8_lossy(&created.stderr).contains("created"));
}

/// The sandboxes built ahead for `h`'s jail and waiting for a call (`warm.rs`): this process's
/// children running bubblewrap with the helper's `--wait`, binding `h`'s working directory.
fn waiting_sandboxes(h: &Harness) -> Vec<u32> {
    let me = std::process::id().to_string();
    let work = h.work().display().to_string();
    let mut pids = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let (Ok(stat), Ok(cmdline)) = (
            std::fs::read_to_string(e.path().join("stat")),
            std::fs::read(e.path().join("cmdline")),
        ) else {
            continue;
        };
        // pid (comm) state ppid …: comm may hold spaces, so split after its closing paren.
        let after = stat.rsplit_once(") ").map(|(_, r)| r).unwrap_or("");
        let ppid = after.split(' ').nth(1).unwrap_or("");
        let args: Vec<String> = cmdline
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if ppid == me
            && !after.starts_with('Z')
            && args.iter().any(|a| a == "--wait")
            && args.contains(&work)
        {
            pids.push(pid);
        }
    }
    pids
}

/// Runs a call, then waits until a sandbox for the next one is built; returns its pid.
fn warm_up(h: &Harness) -> u32 {
    assert_executed(&run(h, "true", 10));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let [pid] = waiting_sandboxes(h)[..] {
            return pid;
        }
        assert!(Instant::now() < deadline, "no sandbox was prepared");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether the prepared sandbox `spare` served a call: it ends shortly after its call has
/// answered (its teardown waits for the answer), while an unused one waits for many seconds.
fn used_up(h: &Harness, spare: u32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(3);
    while waiting_sandboxes(h).contains(&spare) {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    true
}

/// A call takes the sandbox prepared after the previous one, and that sandbox is as fresh as
/// one built for the call: its own /proc and /tmp, the environment, working directory and
/// output of a sandbox built on the spot.
#[test]
fn a_prepared_sandbox_serves_one_call_and_is_what_a_fresh_one_would_be() {
    let h = harness(Environment::Dev);
    std::fs::create_dir(h.work().join("sub")).unwrap();
    recourse_testkit::give_to_sandbox(&h.work().join("sub"));
    let probe = "ls -A /tmp ~; echo leftover > /tmp/mark; echo leftover > ~/mark; env | sort; \
                 pwd; ls /proc | grep -c '^[0-9]'; echo out; echo err >&2; exit 3";
    let call =
        |h: &Harness| run_approved_in(h, probe, Some(h.work().join("sub").display().to_string()));
    let cold = call(&h);
    assert_executed(&cold);
    let spare = warm_up(&h);
    let warm = call(&h);
    assert_executed(&warm);
    assert!(
        used_up(&h, spare),
        "the prepared sandbox was not the one used"
    );
    let (c, w) = (cold.output.unwrap(), warm.output.unwrap());
    assert_eq!(w.exit_code, Some(3), "{w:#?}");
    // The process count is the one line that differs: in a prepared sandbox the helper stays
    // as the command's parent (it reports the end; see `inside.rs`), one process more.
    let count = |out: &str| -> (String, usize) {
        let lines: Vec<&str> = out.lines().collect();
        let at = lines.len() - 2;
        let n = lines[at].parse().unwrap();
        let rest: Vec<&str> = lines
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != at)
            .map(|(_, l)| *l)
            .collect();
        (rest.join("\n"), n)
    };
    let ((c_rest, c_procs), (w_rest, w_procs)) = (count(&c.stdout), count(&w.stdout));
    assert_eq!(
        c_rest, w_rest,
        "a prepared sandbox differs from a fresh one"
    );
    assert_eq!(w_procs, c_procs + 1, "{}\n---\n{}", c.stdout, w.stdout);
    assert_eq!(c.stderr, w.stderr);
    // Nothing the previous calls left in /tmp or HOME, and only its own processes.
    assert!(!w.stdout.contains("mark"), "{}", w.stdout);
    assert!(
        w.stdout
            .contains(&format!("{}\n", h.work().join("sub").display()))
    );
}

/// A prepared sandbox is told its command while the call's decision is being recorded, and
/// waits for the go. When the record cannot be written, the go never comes: the staged
/// command does not run, then or later.
#[test]
fn a_staged_command_does_not_run_when_its_decision_is_not_recorded() {
    let h = harness(Environment::Dev);
    recourse_testkit::give_to_sandbox(&h.work());
    let spare = warm_up(&h);
    // A log whose last record is damaged refuses appends, after reading back through all of
    // it for the last line: a failure slow enough for a command that did not wait for the go
    // to have run.
    let log = recourse_exec::audit_path(&h.state());
    std::fs::write(&log, vec![b'x'; 48 << 20]).unwrap();
    let r = run(&h, "touch staged-ran", 10);
    assert_eq!(r.status, Status::Refused, "{r:#?}");
    assert!(
        r.reasons
            .iter()
            .any(|x| x.rule.as_str() == "audit.append_failed"),
        "{r:#?}"
    );
    assert!(used_up(&h, spare), "the prepared sandbox was not staged");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        !h.work().join("staged-ran").exists(),
        "a staged command ran without its decided record"
    );
}

/// The attack on a sandbox built ahead: between its build and the call, the agent swaps a
/// protected directory (`.git/hooks`) for a new one. The prepared sandbox's read-only mount
/// was of the old directory; used as it is, the new one would be writable. It is discarded.
#[test]
fn a_prepared_sandbox_is_not_used_after_a_protected_path_was_replaced() {
    let h = harness(Environment::Dev);
    let git = h.work().join(".git");
    std::fs::create_dir_all(git.join("hooks")).unwrap();
    std::fs::write(git.join("config"), "[core]\n").unwrap();
    std::fs::write(git.join("HEAD"), "ref: refs/heads/main\n").unwrap();
    recourse_testkit::give_to_sandbox(&h.work());
    let spare = warm_up(&h);
    // The agent's editor, outside the gateway's sight.
    std::fs::rename(git.join("hooks"), git.join("hooks-old")).unwrap();
    std::fs::create_dir(git.join("hooks")).unwrap();
    recourse_testkit::give_to_sandbox(&h.work());
    let r = run_approved(
        &h,
        // The path is computed, as a hostile agent would hide it from the classifier.
        "python3 -c \"open('.git/' + 'ho' + 'oks/pre-commit', 'w').write('touch PWNED')\"",
    );
    assert_eq!(r.status, Status::Executed, "{r:#?}");
    assert!(
        !git.join("hooks/pre-commit").exists(),
        "a git hook was written through a stale prepared sandbox"
    );
    assert_ne!(r.output.unwrap().exit_code, Some(0));
    assert!(!waiting_sandboxes(&h).contains(&spare));
}

#[test]
fn children_of_a_call_in_a_prepared_sandbox_die_with_it() {
    let h = harness(Environment::Dev);
    warm_up(&h);
    let started = Instant::now();
    let r = run(
        &h,
        "setsid sh -c 'sleep 2; touch setsid' >/dev/null 2>&1 & \
         (sh -c 'sleep 2; touch doublefork' >/dev/null 2>&1 &) ; sleep 30",
        1,
    );
    assert!(r.output.as_ref().unwrap().timed_out, "{r:#?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    std::thread::sleep(Duration::from_secs(3));
    for m in ["setsid", "doublefork"] {
        assert!(!h.work().join(m).exists(), "{m} child outlived its call");
    }
}

/// In a prepared sandbox the call ends when the command does, without waiting for the
/// sandbox's teardown; what the command left running is killed before the call answers.
#[test]
fn what_a_command_leaves_behind_in_a_prepared_sandbox_dies_when_it_ends() {
    let h = harness(Environment::Dev);
    warm_up(&h);
    let r = run(
        &h,
        "setsid sh -c 'sleep 1; touch setsid' >/dev/null 2>&1 & \
         (sh -c 'sleep 1; touch doublefork' >/dev/null 2>&1 &) ; exit 4",
        10,
    );
    assert_executed(&r);
    assert_eq!(r.output.as_ref().unwrap().exit_code, Some(4), "{r:#?}");
    std::thread::sleep(Duration::from_secs(2));
    for m in ["setsid", "doublefork"] {
        assert!(!h.work().join(m).exists(), "{m} child outlived its call");
    }
}

/// The attack on the early answer: the command writes a made-up exit line to every descriptor
/// it can reach in the sandbox (the helper's and bubblewrap's, through /proc and
/// pidfd_getfd), hoping the gateway ends the call early, reports a forged exit code and leaves
/// the command running unsupervised. The channel is out of its reach: the call reports the
/// command's own exit code after it ran to its end.
#[test]
fn a_command_cannot_forge_the_end_of_its_call() {
    let h = harness(Environment::Dev);
    let spare = warm_up(&h);
    let forge = r#"
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
reached = []
for pid in [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]:
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        fds = [str(n) for n in range(8)]
    for fd in fds:
        try:
            f = os.open(f"/proc/{pid}/fd/{fd}", os.O_WRONLY)
            os.write(f, b"0\n")
            reached.append(f"open {pid}/{fd}")
        except OSError:
            pass
        pidfd = libc.syscall(434, int(pid), 0)
        if pidfd >= 0:
            got = libc.syscall(438, pidfd, int(fd), 0)
            if got >= 0:
                try:
                    os.write(got, b"0\n")
                    reached.append(f"pidfd_getfd {pid}/{fd}")
                except OSError:
                    pass
for fd in range(3, 256):
    try:
        os.write(fd, b"0\n")
        reached.append(f"inherited {fd}")
    except OSError:
        pass
print("reached:", reached)
"#;
    // Read by inline code, not run as a script file: a call that runs a script gets a fresh
    // sandbox (its pinned copy is a per-call mount), and this attack is on a prepared one.
    std::fs::write(h.work().join("forge.txt"), forge).unwrap();
    recourse_testkit::give_to_sandbox(&h.work());
    let command = "python3 -c \"exec(open('forge.txt').read())\"; sleep 1; touch finished; exit 7";
    let r = run_approved_in(&h, command, None);
    assert_executed(&r);
    assert!(
        used_up(&h, spare),
        "the prepared sandbox was not the one used"
    );
    let out = r.output.as_ref().unwrap();
    assert!(out.stdout.contains("reached:"), "{r:#?}");
    assert_eq!(out.exit_code, Some(7), "{r:#?}");
    assert!(
        h.work().join("finished").exists(),
        "the call ended before its command: {r:#?}"
    );
}

/// A shutdown takes the waiting sandboxes down with the running jobs, and none is built after.
/// The placeholders a waiting sandbox mounts (empty `.mcp.json`, `.bashrc`, … where the
/// directory has none) are gone when the shutdown returns: nothing of the gateway stays in the
/// agent's directory.
#[test]
fn a_shutdown_takes_down_prepared_sandboxes() {
    let h = harness(Environment::Dev);
    let spare = warm_up(&h);
    assert!(
        h.work().join(".mcp.json").exists(),
        "no placeholder while a sandbox waits"
    );
    h.gw.shutdown(Duration::from_secs(1));
    let left: Vec<_> = std::fs::read_dir(h.work())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "left in the working directory: {left:?}");
    let deadline = Instant::now() + Duration::from_secs(5);
    while waiting_sandboxes(&h).contains(&spare) {
        assert!(
            Instant::now() < deadline,
            "a prepared sandbox survived the shutdown"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(1500));
    assert!(waiting_sandboxes(&h).is_empty());
}
