//! `recourse policy …` as a user runs it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

fn recourse(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_recourse"))
        .args(args)
        .output()
        .expect("run recourse")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn temp_policy(name: &str, body: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("recourse-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    path
}

#[test]
fn validate_default_and_example() {
    let out = recourse(&["policy", "validate"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("built-in default"));
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/policy.yaml");
    let out = recourse(&["policy", "validate", "-p", example]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn validate_bad_file_exits_2_naming_the_key() {
    let bad = temp_policy(
        "bad.yaml",
        "recourseos:\n  environments:\n    prod:\n      terraform_destroy: nope\n",
    );
    let out = recourse(&["policy", "validate", "-p", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("recourseos.environments.prod.terraform_destroy"),
        "{err}"
    );
    assert!(err.contains("line 4"), "{err}");
    assert!(err.contains("bad.yaml"), "{err}");
}

#[test]
fn validate_missing_file_exits_2() {
    let out = recourse(&["policy", "validate", "-p", "/nonexistent/policy.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("/nonexistent/policy.yaml"));
}

#[test]
fn show_unknown_environment_exits_2_listing_valid_ones() {
    let out = recourse(&["policy", "show", "-e", "qa"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    for name in ["qa", "dev", "staging", "prod"] {
        assert!(err.contains(name), "{err}");
    }
}

#[test]
fn show_prints_effective_policy() {
    let out = recourse(&["policy", "show", "-e", "production", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["environment"], "prod");
    assert_eq!(v["decisions"]["terraform_destroy"], "block");
    assert_eq!(v["plan_ttl_seconds"], 3600);
    let custom = temp_policy(
        "custom.yaml",
        "recourseos:\n  environments:\n    dev: { shell: block }\n",
    );
    let out = recourse(&[
        "policy",
        "show",
        "-e",
        "dev",
        "-p",
        custom.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let t = text(&out.stdout);
    assert!(t.contains("shell              block"), "{t}");
    assert!(t.contains("custom.yaml"), "{t}");
}

#[test]
fn hash_is_stable_and_changes_with_the_policy() {
    let a = temp_policy(
        "a.yaml",
        "recourseos:\n  plan_ttl_seconds: 60\n  approval_ttl_seconds: 120\n",
    );
    let b = temp_policy(
        "b.yaml",
        "# same, reordered\nrecourseos:\n  approval_ttl_seconds: 120\n  plan_ttl_seconds: 60\n",
    );
    let h = |p: &std::path::Path| {
        text(&recourse(&["policy", "hash", "-p", p.to_str().unwrap()]).stdout)
    };
    assert_eq!(h(&a), h(&b));
    assert_eq!(h(&a).trim().len(), 64);
    let default = text(&recourse(&["policy", "hash"]).stdout);
    assert_ne!(h(&a), default);
}

#[test]
fn schema_is_json_schema() {
    let out = recourse(&["policy", "schema"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["required"][0], "recourseos");
    assert!(v["$schema"].as_str().unwrap().contains("json-schema.org"));
}

#[test]
fn help_reads_well() {
    let out = recourse(&["--help"]);
    assert!(out.status.success());
    let t = text(&out.stdout);
    assert!(t.contains("policy"), "{t}");
    assert!(t.contains("enforcement gateway"), "{t}");
}

#[test]
fn validate_rejects_unparseable_shell_patterns() {
    let bad = temp_policy(
        "badpattern.yaml",
        "recourseos:\n  shell:\n    always_escalate: ['aws', 'a | | b']\n",
    );
    let out = recourse(&["policy", "validate", "-p", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("always_escalate[1]"),
        "{}",
        text(&out.stderr)
    );
}
