//! The attacks of the security issues, through the real MCP server: `recourse gateway serve`
//! driven by the official Python MCP client (installed by the project's test command into
//! `.tools/venv`), with real bubblewrap, terraform and kubectl, judged by effect (canary
//! secrets, marker files, dead processes, what approvers are shown, grants no human made).
//! Each script in `tests/e2e/` holds one issue's attacks, one function per attack.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

fn run_attacks(script: &str, done: &str) {
    run_script(script, done, &[]);
}

fn run_script(script: &str, done: &str, extra: &[&std::ffi::OsStr]) {
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
    let script = recourse_testkit::workspace_root()
        .join("tests/e2e")
        .join(script);
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
        .args(extra)
        .env("PATH", path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    let tail: String = {
        let chars: Vec<char> = stderr.chars().collect();
        chars[chars.len().saturating_sub(4000)..].iter().collect()
    };
    assert!(out.status.success(), "{stdout}\n{tail}");
    assert!(stdout.contains(done), "{stdout}");
}

/// Issue 10: agent-influenced code runs in a real sandbox.
#[test]
fn sandbox_attacks_fail_to_reach_their_goal() {
    run_attacks(
        "sandbox_attacks.py",
        "all sandbox attacks failed to reach their goal",
    );
}

/// Issue 14: commands that look read-only but write, run or send, refused unapproved in prod
/// (no marker file, no canary, nothing reaches a listener); the plainly malicious ones blocked;
/// their harmless twins run.
#[test]
fn classifier_attacks_fail_to_reach_their_goal() {
    run_attacks(
        "classifier_attacks.py",
        "classifier attacks failed to reach their goal",
    );
}

/// Issue 11: terraform plans are code execution.
#[test]
fn terraform_attacks_fail_to_reach_their_goal() {
    run_attacks(
        "terraform_attacks.py",
        "all terraform attacks failed to reach their goal",
    );
}

/// Issue 12: approvals only a human can grant, an audit trail the agent cannot rewrite.
#[test]
fn approval_attacks_fail_to_reach_their_goal() {
    run_attacks(
        "approval_attacks.py",
        "all approval attacks failed to reach their goal",
    );
}

/// Issue 16: the web approvals page in a real headless Chromium (Debian's, driven by
/// Playwright for Python): an escalated shell call shown with its zero-width space escaped,
/// approved by two approvers who logged in through a local OIDC provider and a login link,
/// retried exactly once; the requester's own approval, a POST without the CSRF token, forged
/// ID tokens and a replayed login link refused; `<script>`/`javascript:` payloads inert;
/// signed webhooks verified.
#[test]
fn web_approvals_in_a_real_browser() {
    let Some(chromium) = recourse_testkit::system_program("/usr/bin/chromium") else {
        return;
    };
    let Some(_playwright) = recourse_testkit::tool("venv/bin/playwright") else {
        return;
    };
    run_script(
        "web_approvals.py",
        "web approvals: all checks passed",
        &[std::ffi::OsStr::new("--chromium"), chromium.as_os_str()],
    );
}
