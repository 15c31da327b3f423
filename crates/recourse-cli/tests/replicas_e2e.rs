//! Two `recourse gateway serve --http` replicas on one PostgreSQL database (a real server this
//! test starts, `recourse_testkit::postgres`), each with a state directory of its own as if on
//! two machines, driven by the official Python MCP client through each in turn
//! (`tests/e2e/replicas_e2e.py`): an escalation requested on A is approved by a human and
//! consumed on B; 50 races of one approved apply across both replicas run it exactly once each
//! time, the rest refused and recorded; a freeze stops the next call on both; A killed in the
//! middle of an apply leaves B serving and the plan not applied twice; then `audit verify
//! --all` passes over every chain.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use recourse_testkit::http::request;
use recourse_testkit::jwt::{ISSUER, Issuer};
use recourse_testkit::postgres::PASSWORD;
use serde_json::Value;

struct Replica {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn recourse(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_recourse"));
    c.env("HOME", home)
        .env("RECOURSE_STORE_PASSWORD", PASSWORD)
        .stdin(Stdio::null());
    c
}

fn serve_args(dir: &Path, store: &str, log_id: &str, tf: &[String]) -> Vec<String> {
    let mut v: Vec<String> = [
        "gateway",
        "serve",
        "-e",
        "prod",
        "--log-level",
        "warn",
        "--store",
        store,
        "--log-id",
        log_id,
        "--auth-issuer",
        ISSUER,
    ]
    .map(String::from)
    .to_vec();
    v.push("--state-dir".into());
    v.push(dir.join(log_id).display().to_string());
    v.push("--auth-jwks".into());
    v.push(dir.join("jwks.json").display().to_string());
    v.extend(tf.iter().cloned());
    v
}

fn start(dir: &Path, work: &Path, store: &str, log_id: &str, tf: &[String]) -> Replica {
    let addr: SocketAddr = format!("127.0.0.1:{}", recourse_testkit::free_port())
        .parse()
        .unwrap();
    let child = recourse(&dir.join("home"))
        .args(serve_args(dir, store, log_id, tf))
        .arg("--http")
        .arg(addr.to_string())
        .current_dir(work)
        .spawn()
        .unwrap();
    let r = Replica { child, addr };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if std::net::TcpStream::connect(addr).is_ok()
            && request(addr, "GET", "/readyz", &[], "").status == 200
        {
            return r;
        }
        assert!(
            Instant::now() < deadline,
            "replica {log_id} never became ready"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A terraform that stalls inside `apply` (and says so) while its working directory holds a
/// `stall` file. The real binary sits in each working directory, where the sandbox shows it.
fn stalling_terraform(dir: &Path, real: &Path, workdirs: &[&Path]) -> std::path::PathBuf {
    for w in workdirs {
        std::fs::create_dir_all(w).unwrap();
        let dst = w.join(".tf-real");
        std::fs::hard_link(real, &dst)
            .or_else(|_| std::fs::copy(real, &dst).map(|_| ()))
            .unwrap();
    }
    let wrapper = dir.join("tf-wrapper");
    let stall_for = format!("60.{}", std::process::id());
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nhere=\"$(pwd)\"\nif [ \"$1\" = apply ] && [ -f \"$here/stall\" ]; then touch \"$here/applying\"; sleep {stall_for}; fi\nexec \"$here/.tf-real\" \"$@\"\n"
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    wrapper
}

fn records(server: &recourse_testkit::postgres::Server, url: &str) -> Vec<Value> {
    let out = server.psql(url, "SELECT line FROM audit_records ORDER BY log_id, seq");
    out.lines()
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn two_replicas_on_postgres() {
    let Some(server) = recourse_testkit::postgres::server() else {
        return;
    };
    let Some(python) = recourse_testkit::tool("venv/bin/python") else {
        return;
    };
    let Some(tf) = recourse_testkit::terraform() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let home = d.join("home");
    let work = d.join("work");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    Issuer::new().write_jwks(&d.join("jwks.json"));
    let setup = recourse(&home)
        .args(["setup", "--name", "alice"])
        .output()
        .unwrap();
    assert!(setup.status.success(), "{setup:?}");
    let setup_text = String::from_utf8_lossy(&setup.stdout).into_owned();
    let audit_key = setup_text
        .lines()
        .find(|l| l.starts_with("audit key"))
        .and_then(|l| l.split_whitespace().last())
        .map(str::to_owned)
        .expect("setup prints the audit public key");

    let url = server.database("replicas");
    // Before migration, serve refuses the store.
    let early = recourse(&home)
        .args(serve_args(d, &url, "replica-a", &[]))
        .arg("--http")
        .arg(format!("127.0.0.1:{}", recourse_testkit::free_port()))
        .current_dir(&work)
        .output()
        .unwrap();
    assert_eq!(early.status.code(), Some(2), "{early:?}");
    assert!(
        String::from_utf8_lossy(&early.stderr).contains("recourse store migrate"),
        "{}",
        String::from_utf8_lossy(&early.stderr)
    );
    let migrate = recourse(&home)
        .args(["store", "migrate", "--store", &url])
        .output()
        .unwrap();
    assert!(migrate.status.success(), "{migrate:?}");

    let wrapper = stalling_terraform(d, &tf.bin, &[&work.join("race"), &work.join("crash")]);
    recourse_testkit::give_to_sandbox(&work);
    let tf_args = vec![
        format!("--terraform={}", wrapper.display()),
        format!("--terraform-plugin-dir={}", tf.plugin_dir.display()),
    ];
    let a = start(d, &work, &url, "replica-a", &tf_args);
    let b = start(d, &work, &url, "replica-b", &tf_args);

    // A second process with A's log id is refused: one writer per chain.
    let dup = recourse(&home)
        .args(serve_args(d, &url, "replica-a", &tf_args))
        .arg("--http")
        .arg(format!("127.0.0.1:{}", recourse_testkit::free_port()))
        .current_dir(&work)
        .output()
        .unwrap();
    assert_eq!(dup.status.code(), Some(2), "{dup:?}");
    assert!(
        String::from_utf8_lossy(&dup.stderr).contains("in use by another running gateway"),
        "{}",
        String::from_utf8_lossy(&dup.stderr)
    );

    // One token for both replicas: its audience names both URLs.
    let mut claims = Issuer::new().claims("agent-a", &format!("http://{}/mcp", a.addr));
    claims["aud"] = serde_json::json!([
        format!("http://{}/mcp", a.addr),
        format!("http://{}/mcp", b.addr)
    ]);
    let shared = Issuer::new().rs256(&claims);
    let report = d.join("report.json");
    let races = std::env::var("RECOURSE_REPLICA_RACES").unwrap_or_else(|_| "50".into());
    let out = Command::new(python)
        .arg(recourse_testkit::workspace_root().join("tests/e2e/replicas_e2e.py"))
        .args(["--recourse", env!("CARGO_BIN_EXE_recourse")])
        .args(["--store", &url])
        .arg("--workdir")
        .arg(work.canonicalize().unwrap())
        .args(["--url-a", &format!("http://{}/mcp", a.addr)])
        .args(["--url-b", &format!("http://{}/mcp", b.addr)])
        .args(["--token", &shared])
        .arg("--report")
        .arg(&report)
        .args(["--races", &races])
        .args(["--pid-a", &a.child.id().to_string()])
        .env("HOME", &home)
        .env("RECOURSE_STORE_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(
        out.status.success() && stdout.contains("ok: all phases passed"),
        "replicas end-to-end failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Every race: one "executed" apply, every other call refused and recorded.
    let recs = records(server, &url);
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    for race in report["races"].as_array().unwrap() {
        let (plan, approval) = (&race["plan_id"], &race["approval_id"]);
        let executed = recs
            .iter()
            .filter(|r| {
                r["event"] == "executed"
                    && r["tool"] == "gateway_terraform_apply"
                    && r["plan_id"] == *plan
            })
            .count();
        assert_eq!(executed, 1, "plan {plan} executed {executed} times");
        let refused = recs
            .iter()
            .filter(|r| {
                r["event"] == "refused" && (r["plan_id"] == *plan || r["approval_id"] == *approval)
            })
            .count();
        assert_eq!(
            refused as u64,
            race["calls"].as_u64().unwrap() - 1,
            "plan {plan}: refusals recorded"
        );
    }
    // Both replicas wrote their own chains; the killed one's apply was decided, never executed.
    let crashed = &report["crashed"]["plan_id"];
    assert!(recs.iter().any(|r| r["log_id"] == "replica-a"
        && r["event"] == "decided"
        && r["plan_id"] == *crashed));
    assert!(
        !recs
            .iter()
            .any(|r| r["event"] == "executed" && r["plan_id"] == *crashed)
    );
    assert!(recs.iter().any(|r| r["log_id"] == "replica-b"));
    assert!(
        recs.iter()
            .any(|r| r["log_id"] == "control" && r["event"] == "freeze")
    );
    assert!(
        recs.iter()
            .any(|r| r["log_id"] == "control" && r["event"] == "thaw")
    );

    // Stop B cleanly (its last records get a signed checkpoint), then verify every chain.
    Command::new("kill")
        .args(["-TERM", &b.child.id().to_string()])
        .status()
        .unwrap();
    let mut b = b;
    let deadline = Instant::now() + Duration::from_secs(30);
    while b.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "B did not stop");
        std::thread::sleep(Duration::from_millis(100));
    }
    let verify = recourse(&home)
        .args([
            "audit",
            "verify",
            "--all",
            "--store",
            &url,
            "--public-key",
            &audit_key,
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&verify.stdout);
    assert!(
        verify.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    for chain in ["replica-a", "replica-b", "control"] {
        assert!(text.contains(&format!("ok: chain {chain}:")), "{text}");
    }
    assert!(text.contains("signed checkpoint(s)"), "{text}");

    // A record changed in the store is found, naming its chain.
    server.psql(
        &url,
        "UPDATE audit_records SET line = replace(line, '\"event\":\"', '\"event\":\"x') WHERE log_id = 'replica-b' AND seq = 3",
    );
    let verify = recourse(&home)
        .args(["audit", "verify", "--all", "--store", &url])
        .output()
        .unwrap();
    assert_eq!(verify.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&verify.stderr).contains("chain replica-b"),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    drop(a);
}
