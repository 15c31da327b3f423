//! The official Python MCP client (installed by the project's test command into
//! `.tools/venv`) drives `recourse gateway serve` over stdio: tool list, blocked and escalated
//! shell calls, approvals from a separate `recourse approvals` process, single use, a real
//! Terraform plan → approve → apply, and `recourse audit verify` afterwards. The script is
//! `tests/e2e/mcp_e2e.py`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

#[test]
fn python_mcp_client_end_to_end() {
    let Some(python) = recourse_testkit::tool("venv/bin/python") else {
        return;
    };
    let Some(tf) = recourse_testkit::terraform() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(work.join("infra")).unwrap();
    std::fs::write(
        work.join("infra/main.tf"),
        "output \"greeting\" { value = \"from-e2e\" }\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("home")).unwrap();
    recourse_testkit::give_to_sandbox(&work);
    let script = recourse_testkit::workspace_root().join("tests/e2e/mcp_e2e.py");
    let out = Command::new(python)
        .arg(script)
        .args(["--recourse", env!("CARGO_BIN_EXE_recourse")])
        .arg("--state-dir")
        .arg(dir.path().join("state"))
        .arg("--workdir")
        .arg(&work)
        .arg("--terraform")
        .arg(&tf.bin)
        .arg("--plugin-dir")
        .arg(&tf.plugin_dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "end-to-end failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("ok: audit chain verifies"));
}

/// The MCP Inspector CLI (npm, installed by the project's test command) lists the 14 tools.
#[test]
fn mcp_inspector_cli_lists_the_tools() {
    let Some(inspector) = recourse_testkit::tool("inspector/node_modules/.bin/mcp-inspector")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let state = dir.path().join("state");
    let out = Command::new(inspector)
        .args(["--cli", "--method", "tools/list", "--"])
        .arg(env!("CARGO_BIN_EXE_recourse"))
        .args([
            "gateway",
            "serve",
            "--env=prod",
            "--log-level",
            "error",
            "--state-dir",
        ])
        .arg(&state)
        .current_dir(&work)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = v["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 14, "{names:?}");
    assert!(names.iter().all(|n| n.starts_with("gateway_")));
}

/// A client on a 2025-era protocol version is served: the server answers `initialize` with that
/// version, and tools/list and tools/call work (raw JSON-RPC over the pipes).
#[test]
fn serves_2025_era_clients() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;
    for version in ["2025-03-26", "2025-06-18"] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("work")).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_recourse"))
            .args([
                "gateway",
                "serve",
                "-e",
                "prod",
                "--log-level",
                "error",
                "--state-dir",
            ])
            .arg(dir.path().join("state"))
            .current_dir(dir.path().join("work"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let msgs = [
            serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "old-client", "version": "1"}}}),
            serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
            serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
            serde_json::json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "gateway_shell_exec", "arguments": {"command": "sudo -i"}}}),
        ];
        for m in &msgs {
            writeln!(stdin, "{m}").unwrap();
        }
        stdin.flush().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut seen = std::collections::HashMap::new();
        while seen.len() < 3 {
            let line = lines.next().expect("server answered").unwrap();
            let v: serde_json::Value = serde_json::from_str(&line).unwrap();
            if let Some(id) = v["id"].as_u64() {
                seen.insert(id, v);
            }
        }
        drop(stdin);
        let _ = child.wait();
        assert_eq!(seen[&1]["result"]["protocolVersion"], version);
        assert_eq!(seen[&2]["result"]["tools"].as_array().unwrap().len(), 14);
        assert_eq!(seen[&3]["result"]["isError"], true);
        assert_eq!(seen[&3]["result"]["structuredContent"]["decision"], "block");
    }
}
