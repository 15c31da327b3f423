//! The sandbox every runner uses: available, and confining what the shell runs.

use super::{Outcome, Suite, critical};
use crate::doctor::client::{brief, status};
use crate::doctor::fixture::Fixture;

pub(crate) const SUITE: Suite = Suite {
    name: "sandbox",
    checks: &[
        critical(
            "sandbox available (bubblewrap, Landlock, seccomp)",
            available,
        ),
        critical(
            "sandbox: /proc shows only the sandbox's processes",
            own_proc,
        ),
        critical("sandbox: the state directory is absent", state_absent),
        critical("sandbox: no credentials in the environment", no_credentials),
    ],
};

fn available(f: &Fixture) -> Outcome {
    match f.gateway.sandbox_status() {
        Ok(()) => Outcome::new(
            true,
            "namespaces, Landlock and seccomp confirmed by a probe",
        ),
        Err(e) => Outcome::new(false, e),
    }
}

/// Runs a read-only command and returns its stdout (empty when it did not run).
fn run(f: &Fixture, command: &str) -> (String, String) {
    let r = f.shell(command);
    let out = r
        .pointer("/output/stdout")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("")
        .to_owned();
    (out, format!("`{command}`: {}", brief(&r)))
}

fn own_proc(f: &Fixture) -> Outcome {
    let (out, what) = run(f, "ls /proc");
    let pids = out
        .lines()
        .filter(|l| l.bytes().all(|b| b.is_ascii_digit()))
        .count();
    Outcome::new(
        (1..=4).contains(&pids),
        format!("{pids} processes visible; {what}"),
    )
}

fn state_absent(f: &Fixture) -> Outcome {
    let state = f.state().display().to_string();
    let r = f.shell(&format!("ls {state}"));
    let stderr = r
        .pointer("/output/stderr")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("");
    Outcome::new(
        status(&r) == "executed" && stderr.contains("No such file"),
        format!("`ls {state}`: {}", brief(&r)),
    )
}

fn no_credentials(f: &Fixture) -> Outcome {
    // An environment dump escalates everywhere: a human approves it, and it still shows the
    // sandbox's environment, not the gateway's credentials.
    let command = "cat /proc/self/environ; cat /proc/1/environ";
    let first = f.shell(command);
    let aid = first
        .get("approval_id")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("")
        .to_owned();
    if !aid.is_empty()
        && let Err(e) = f.human(&aid, true)
    {
        return Outcome::setup_failed(e);
    }
    let r = f.call(
        "gateway_shell_exec",
        serde_json::json!({"command": command, "approval_id": aid}),
    );
    let out = r
        .pointer("/output/stdout")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("");
    Outcome::new(
        status(&r) == "executed" && !out.contains("doctor-secret-value"),
        brief(&r),
    )
}
