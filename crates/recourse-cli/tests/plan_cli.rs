//! `recourse plan analyze`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

const REAL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../recourse-plan/tests/data/tf103-s3-replace-rds-delete.plan.json"
);

fn recourse(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_recourse"))
        .args(args)
        .output()
        .unwrap()
}

/// A real Terraform 1.0.3 plan that replaces a force_destroy S3 bucket and deletes an RDS
/// instance with skip_final_snapshot = true: unrecoverable, and blocked in prod.
#[test]
fn s3_replace_and_rds_delete_is_unrecoverable_and_blocks_in_prod() {
    let out = recourse(&["plan", "analyze", REAL, "-e", "prod"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let t = String::from_utf8_lossy(&out.stdout);
    assert!(t.contains("aws_db_instance.main"), "{t}");
    assert!(t.contains("unrecoverable"), "{t}");
    assert!(t.contains("skip_final_snapshot"), "{t}");
    assert!(t.contains("replace (delete before create)"), "{t}");
    assert!(t.contains("verdict: block (prod)"), "{t}");
}

#[test]
fn json_output() {
    let out = recourse(&["plan", "analyze", REAL, "--json", "-e", "dev"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["decision"], "block");
    assert_eq!(v["worst_tier"], "unrecoverable");
    assert_eq!(v["plan_digest"].as_str().unwrap().len(), 64);
    assert!(
        v["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["action"] == "replace-create-before-destroy")
    );
}

#[test]
fn bad_input_exits_2() {
    let dir = std::env::temp_dir().join(format!("recourse-plan-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\"format_version\": \"9.0\"}").unwrap();
    let out = recourse(&["plan", "analyze", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("9.0"));
    let out = recourse(&["plan", "analyze", "/nonexistent.json"]);
    assert_ne!(out.status.code(), Some(0));
}
