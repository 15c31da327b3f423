//! A `kill -9` of the gateway in the middle of an apply leaves the store readable, the audit
//! chain verifiable, and the plan impossible to apply twice.
//!
//! The test re-runs its own binary as the victim (`victim_gateway`, which does nothing unless
//! `RECOURSE_CRASH_DIR` is set): a gateway whose terraform is wrapped to stall inside `apply`.
//! The parent waits for the apply's "decided" record, sends SIGKILL, then inspects the state.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use recourse_exec::sandbox::Helper;
use recourse_exec::{Caller, Gateway, GatewayConfig, Status, ToolCall};
use recourse_policy::{Environment, Policy};

fn config(dir: &Path, tf_wrapper: &Path) -> GatewayConfig {
    let mut p = Policy::default();
    p.shell.allowed_paths = vec![dir.join("work").display().to_string()];
    let mut cfg = GatewayConfig::new(
        dir.join("state"),
        Environment::Dev,
        p,
        Helper {
            program: env!("CARGO_BIN_EXE_recourse-sandbox").into(),
            prefix: vec![],
        },
    );
    cfg.terraform_bin = tf_wrapper.to_owned();
    cfg.terraform_roots = vec![dir.join("infra")];
    cfg.base_env = vec![];
    cfg
}

#[test]
fn victim_gateway() {
    let Some(dir) = std::env::var_os("RECOURSE_CRASH_DIR") else {
        return;
    };
    let dir = Path::new(&dir);
    let gw = Gateway::open(config(dir, &dir.join("tf-wrapper"))).unwrap();
    let plan_id = std::fs::read_to_string(dir.join("plan_id")).unwrap();
    let caller = Caller::agent("agent");
    // Stalls inside `terraform apply` until killed.
    let _ = gw.handle(
        ToolCall::TerraformApply {
            plan_id,
            approval_id: None,
        },
        &caller,
    );
}

#[test]
fn kill_9_during_apply() {
    let Some(tf) = recourse_testkit::terraform() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("work")).unwrap();
    std::fs::create_dir_all(d.join("infra")).unwrap();
    std::fs::write(d.join("infra/main.tf"), "output \"x\" { value = \"1\" }\n").unwrap();
    // The sandbox shows terraform only its working directory and its own binary: the real
    // binary and the stall marker live in the working directory, where the wrapper finds them.
    let real = d.join("infra/tf-real");
    std::fs::hard_link(&tf.bin, &real)
        .or_else(|_| std::fs::copy(&tf.bin, &real).map(|_| ()))
        .unwrap();
    let wrapper = d.join("tf-wrapper");
    // A stall of a length of this test's own, to find exactly this process in /proc.
    let stall_for = format!("60.{}", std::process::id());
    std::fs::write(&wrapper, format!("#!/bin/sh\nif [ \"$1\" = apply ] && [ -f {stall} ]; then sleep {stall_for}; fi\nexec {tf} \"$@\"\n", stall = d.join("infra/stall").display(), tf = real.display())).unwrap();
    recourse_testkit::give_to_sandbox(&d.join("infra"));
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();

    // Plan in the parent.
    let plan_id = {
        let gw = Gateway::open(config(d, &wrapper)).unwrap();
        let r = gw.handle(
            ToolCall::TerraformPlan {
                cwd: d.join("infra").display().to_string(),
                workspace: "default".into(),
                args: vec![],
                approval_id: None,
            },
            &Caller::agent("agent"),
        );
        assert_eq!(r.status, Status::Planned, "{r:#?}");
        r.plan_id.unwrap()
    };
    std::fs::write(d.join("plan_id"), plan_id.to_string()).unwrap();
    std::fs::write(d.join("infra/stall"), "").unwrap();

    // The victim applies and stalls.
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "victim_gateway",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("RECOURSE_CRASH_DIR", d)
        .spawn()
        .unwrap();
    let audit = recourse_exec::audit_path(&d.join("state"));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let text = std::fs::read_to_string(&audit).unwrap_or_default();
        let applying = text
            .lines()
            .any(|l| l.contains("\"event\":\"decided\"") && l.contains("gateway_terraform_apply"));
        if applying {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the victim never started applying"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    // The store is readable and the plan is stuck in `applying`: never applied twice.
    let store =
        recourse_exec::store::Store::open(&recourse_exec::db_path(&d.join("state"))).unwrap();
    let rec = store.plan(plan_id).unwrap().unwrap();
    assert_eq!(rec.status, recourse_plan::PlanStatus::Applying);
    // The chain verifies, anchor included.
    let log = recourse_exec::audit::AuditLog::new(&audit);
    log.verify(store.audit_anchor().unwrap()).unwrap();
    // A restarted gateway refuses to apply the plan again.
    std::fs::remove_file(d.join("infra/stall")).unwrap();
    let gw = Gateway::open(config(d, &wrapper)).unwrap();
    let r = gw.handle(
        ToolCall::TerraformApply {
            plan_id: plan_id.to_string(),
            approval_id: None,
        },
        &Caller::agent("agent"),
    );
    assert_eq!(r.status, Status::Refused, "{r:#?}");
    assert!(r.message.contains("already"), "{}", r.message);
    log.verify(store.audit_anchor().unwrap()).unwrap();
    // The sandboxed terraform that was stalling died with its gateway (bubblewrap's
    // --die-with-parent takes the whole PID namespace down): nothing outlives the call.
    let stalled = || {
        std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
            .any(|c| String::from_utf8_lossy(&c).contains(&format!("sleep\u{0}{stall_for}")))
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while stalled() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!stalled(), "the stalled apply outlived its gateway");
}
