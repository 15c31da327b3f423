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
    let r = run(h, command, 10);
    let Some(id) = r
        .approval_id
        .filter(|_| r.status == Status::PendingApproval)
    else {
        return r;
    };
    h.approve(id);
    h.call(ToolCall::ShellExec {
        command: command.into(),
        cwd: None,
        timeout: Some(10),
        approval_id: Some(id.to_string()),
    })
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
