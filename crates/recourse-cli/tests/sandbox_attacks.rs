//! The sandbox attacks of issue 10, through the real MCP server: `recourse gateway serve`
//! driven by the official Python MCP client (installed by the project's test command into
//! `.tools/venv`), with real bubblewrap, terraform and kubectl, judged by effect (canary
//! secrets, marker files, dead processes, grants no human made). The script is
//! `tests/e2e/sandbox_attacks.py`; each attack is one function there.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

#[test]
fn sandbox_attacks_fail_to_reach_their_goal() {
    let Some(python) = recourse_testkit::tool("venv/bin/python") else {
        return;
    };
    let Some(tf) = recourse_testkit::terraform() else {
        return;
    };
    let Some(kubectl) = recourse_testkit::tool("bin/kubectl") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let script = recourse_testkit::workspace_root().join("tests/e2e/sandbox_attacks.py");
    let path = format!(
        "{}:{}",
        kubectl.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new(python)
        .arg(script)
        .args(["--recourse", env!("CARGO_BIN_EXE_recourse")])
        .arg("--terraform")
        .arg(&tf.bin)
        .arg("--plugin-dir")
        .arg(&tf.plugin_dir)
        .arg("--base")
        .arg(dir.path())
        .env("PATH", path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "sandbox attacks:\n{stdout}\n{}",
        stderr
            .chars()
            .rev()
            .take(4000)
            .collect::<String>()
            .chars()
            .rev()
            .collect::<String>()
    );
    assert!(stdout.contains("all sandbox attacks failed to reach their goal"));
}
