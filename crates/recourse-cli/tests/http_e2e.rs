//! `recourse gateway serve --http` as a real process, with bearer tokens minted here from the
//! test issuer (`recourse_testkit::jwt`):
//!
//! - the official Python MCP client (`tests/e2e/mcp_http_e2e.py`) in both protocol eras:
//!   tools/list, a blocked call, an escalation approved by a human and retried, terraform plan
//!   and apply, and another principal refused A's approval;
//! - 32 concurrent clients × 50 calls: every call answered, audited exactly once, the chain
//!   verifies; then SIGTERM stops the gateway cleanly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use recourse_testkit::http::{Conn, mcp_headers, request, stateless};
use recourse_testkit::jwt::{ISSUER, Issuer};
use serde_json::{Value, json};

struct Gateway {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the gateway (prod) in `work` and waits until /readyz says ready.
fn serve(dir: &Path, work: &Path, extra: &[&str]) -> Gateway {
    serve_in("prod", dir, work, extra)
}

fn serve_in(env: &str, dir: &Path, work: &Path, extra: &[&str]) -> Gateway {
    let addr: SocketAddr = format!("127.0.0.1:{}", recourse_testkit::free_port())
        .parse()
        .unwrap();
    let jwks = dir.join("jwks.json");
    Issuer::new().write_jwks(&jwks);
    // The operator's approver key, approvers file and audit key (idempotent).
    let setup = Command::new(env!("CARGO_BIN_EXE_recourse"))
        .args(["setup", "--name", "alice"])
        .env("HOME", dir.join("home"))
        .output()
        .unwrap();
    assert!(setup.status.success(), "{setup:?}");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_recourse"));
    cmd.args(["gateway", "serve", "-e", env, "--log-level", "warn"])
        .arg("--state-dir")
        .arg(dir.join("state"))
        .arg("--http")
        .arg(addr.to_string())
        .arg("--auth-jwks")
        .arg(&jwks)
        .args(["--auth-issuer", ISSUER])
        .args(extra)
        .current_dir(work)
        .env("HOME", dir.join("home"))
        .stdin(Stdio::null());
    let child = cmd.spawn().unwrap();
    let gw = Gateway { child, addr };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if std::net::TcpStream::connect(addr).is_ok()
            && request(addr, "GET", "/readyz", &[], "").status == 200
        {
            return gw;
        }
        assert!(Instant::now() < deadline, "the gateway never became ready");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn token(addr: SocketAddr, sub: &str) -> String {
    Issuer::new().rs256(&Issuer::new().claims(sub, &format!("http://{addr}/mcp")))
}

#[test]
fn python_mcp_client_over_http_in_both_eras() {
    let Some(python) = recourse_testkit::tool("venv/bin/python") else {
        return;
    };
    let Some(tf) = recourse_testkit::terraform() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    for era in ["2025-11-25", "2026-07-28"] {
        std::fs::create_dir_all(work.join(era)).unwrap();
        let infra = work.join(format!("infra-{era}"));
        std::fs::create_dir_all(&infra).unwrap();
        std::fs::write(
            infra.join("main.tf"),
            "output \"greeting\" { value = \"from-http\" }\n",
        )
        .unwrap();
    }
    std::fs::create_dir_all(dir.path().join("home")).unwrap();
    recourse_testkit::give_to_sandbox(&work);
    let plugin = format!("--terraform-plugin-dir={}", tf.plugin_dir.display());
    let gw = serve(
        dir.path(),
        &work,
        &["--terraform", tf.bin.to_str().unwrap(), &plugin],
    );
    let script = recourse_testkit::workspace_root().join("tests/e2e/mcp_http_e2e.py");
    let out = Command::new(python)
        .arg(script)
        .args(["--recourse", env!("CARGO_BIN_EXE_recourse")])
        .arg("--state-dir")
        .arg(dir.path().join("state"))
        .arg("--workdir")
        .arg(work.canonicalize().unwrap())
        .args(["--url", &format!("http://{}/mcp", gw.addr)])
        .args(["--token-a", &token(gw.addr, "agent-a")])
        .args(["--token-b", &token(gw.addr, "agent-b")])
        // The human's approvals are signed with alice's key, in this home.
        .env("HOME", dir.path().join("home"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "HTTP end-to-end failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("ok: audit chain verifies"));
    // The audit names each principal as its token did, never the token.
    let log = std::fs::read_to_string(dir.path().join("state/audit.jsonl")).unwrap();
    assert!(log.contains("\"id\":\"agent-a\"") && log.contains("\"id\":\"agent-b\""));
    assert!(!log.contains(&token(gw.addr, "agent-a")));
    assert!(log.contains("\"event\":\"serving\""));
}

#[test]
fn thirty_two_clients_fifty_calls_each() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(dir.path().join("home")).unwrap();
    let mut gw = serve(dir.path(), &work, &[]);
    let addr = gw.addr;
    let threads: Vec<_> = (0..32)
        .map(|c| {
            std::thread::spawn(move || {
                let auth = format!("Bearer {}", token(addr, &format!("client-{c}")));
                let mut conn = Conn::open(addr);
                for i in 0..50 {
                    let body = stateless(
                        i,
                        "tools/call",
                        json!({"name": "gateway_shell_exec", "arguments": {"command": format!("sudo -i # {c}-{i}")}}),
                    );
                    let r = conn.send(
                        "POST",
                        "/mcp",
                        &mcp_headers(&body, &[("Authorization", &auth)]),
                        &body,
                    );
                    assert_eq!(r.status, 200, "{}", r.body);
                    let v = r.json();
                    assert_eq!(v["id"], i, "{}", r.body);
                    assert_eq!(
                        v["result"]["structuredContent"]["decision"], "block",
                        "{}",
                        r.body
                    );
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let text = std::fs::read_to_string(dir.path().join("state/audit.jsonl")).unwrap();
    let records: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for c in 0..32 {
        for i in 0..50 {
            let command = format!("sudo -i # {c}-{i}");
            let n = records
                .iter()
                .filter(|r| r["arguments"]["command"] == command.as_str())
                .count();
            assert_eq!(n, 1, "{command} recorded {n} times");
            let who = records
                .iter()
                .find(|r| r["arguments"]["command"] == command.as_str())
                .unwrap();
            assert_eq!(who["agent"]["id"], format!("client-{c}"));
        }
    }
    let verify = Command::new(env!("CARGO_BIN_EXE_recourse"))
        .args(["audit", "verify", "--state-dir"])
        .arg(dir.path().join("state"))
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let metrics = request(addr, "GET", "/metrics", &[], "").body;
    assert!(
        metrics.contains(
            "recourse_tool_calls_total{tool=\"gateway_shell_exec\",decision=\"block\",environment=\"prod\"} 1600"
        ),
        "{metrics}"
    );
    // SIGTERM: the gateway drains and exits cleanly.
    let pid = gw.child.id();
    Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = gw.child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "no exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
}

/// SIGTERM with a call in flight: new calls are refused, the running one gets the grace period,
/// then is killed; its client still gets an answer saying so, and the audit records it.
#[test]
fn sigterm_kills_and_records_calls_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(dir.path().join("home")).unwrap();
    recourse_testkit::give_to_sandbox(&work);
    let mut gw = serve_in("dev", dir.path(), &work, &["--shutdown-grace", "1"]);
    let addr = gw.addr;
    let slow = std::thread::spawn(move || {
        let auth = format!("Bearer {}", token(addr, "agent-slow"));
        let body = stateless(
            1,
            "tools/call",
            json!({"name": "gateway_shell_exec", "arguments": {"command": "sleep 30"}}),
        );
        request(
            addr,
            "POST",
            "/mcp",
            &mcp_headers(&body, &[("Authorization", &auth)]),
            &body,
        )
    });
    // Wait until the call is running (its "decided" record is written before it starts).
    let audit = dir.path().join("state/audit.jsonl");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(&audit)
        .unwrap_or_default()
        .contains("sleep 30")
    {
        assert!(Instant::now() < deadline, "the slow call never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    Command::new("kill")
        .args(["-TERM", &gw.child.id().to_string()])
        .status()
        .unwrap();
    let r = slow.join().unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    let sc = &r.json()["result"]["structuredContent"];
    assert!(
        sc["message"]
            .as_str()
            .unwrap_or("")
            .contains("shutting down"),
        "{sc}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the call was not cut short"
    );
    let status = gw.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let text = std::fs::read_to_string(&audit).unwrap();
    let executed: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["event"] == "executed")
        .collect();
    assert_eq!(executed.len(), 1, "{text}");
    assert_eq!(executed[0]["killed"], "shutdown");
    assert_eq!(executed[0]["agent"]["id"], "agent-slow");
}

/// A call that outlives --request-timeout: its client gets a JSON-RPC error saying so (the call
/// runs on to its own limit and is recorded).
#[test]
fn a_call_past_the_request_timeout_gets_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(dir.path().join("home")).unwrap();
    recourse_testkit::give_to_sandbox(&work);
    let gw = serve_in("dev", dir.path(), &work, &["--request-timeout", "1"]);
    let auth = format!("Bearer {}", token(gw.addr, "agent-slow"));
    let body = stateless(
        5,
        "tools/call",
        json!({"name": "gateway_shell_exec", "arguments": {"command": "sleep 4"}}),
    );
    let started = Instant::now();
    let r = request(
        gw.addr,
        "POST",
        "/mcp",
        &mcp_headers(&body, &[("Authorization", &auth)]),
        &body,
    );
    assert!(started.elapsed() < Duration::from_secs(4), "not cut at 1 s");
    let v = r.json();
    assert_eq!(v["id"], 5, "{}", r.body);
    let msg = v["error"]["message"].as_str().unwrap_or_default();
    assert!(msg.contains("did not finish within 1 s"), "{}", r.body);
    // The call itself finishes and is recorded.
    let audit = dir.path().join("state/audit.jsonl");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(&audit)
        .unwrap_or_default()
        .contains("\"event\":\"executed\"")
    {
        assert!(
            Instant::now() < deadline,
            "the call was never recorded as executed"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn serve_http_refuses_unsafe_configurations() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_recourse"))
            .args(["gateway", "serve", "-e", "dev", "--state-dir"])
            .arg(dir.path().join("state"))
            .args(args)
            .output()
            .unwrap()
    };
    // No authentication configured: refused (exit 2), not served open.
    let out = run(&["--http", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--auth-jwks"));
    // --insecure-no-auth off loopback: refused.
    let out = run(&["--http", "0.0.0.0:0", "--insecure-no-auth"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("loopback"));
}
