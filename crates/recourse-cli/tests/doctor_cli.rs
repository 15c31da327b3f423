//! `recourse gateway doctor`: passes on the default policy in every environment, fails loudly on
//! a weakened one, exits 2 on a broken one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

fn doctor(args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_recourse"))
        .args(["gateway", "doctor", "--json"])
        .args(args)
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (
        out.status.code(),
        v,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn default_policy_passes_everywhere() {
    for env in ["prod", "staging", "dev"] {
        let (code, v, err) = doctor(&["-e", env]);
        assert_eq!(code, Some(0), "{env}: {err}\n{v:#}");
        assert!(v["summary"]["total"].as_u64().unwrap() >= 40);
        assert_eq!(v["summary"]["failed"], 0);
        assert_eq!(v["environment"], env);
        let names: Vec<&str> = v["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        for must in [
            "gateway_approve not exposed",
            "Terraform destroy blocks in prod",
            "Shell: curl | sh blocks",
            "audit append failure refuses execution",
            "self-approval refused",
        ] {
            assert!(names.contains(&must), "{must} missing");
        }
    }
}

#[test]
fn weakened_policy_fails_loudly() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("weak.yaml");
    std::fs::write(&p, "recourseos:\n  environments:\n    prod: { terraform_destroy: allow, kubectl_exec: allow, shell: allow }\n    dev: { shell: allow }\n  shell: { default: allow }\n").unwrap();
    let (code, v, _) = doctor(&["-e", "prod", "-p", p.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    let failed: Vec<&str> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["passed"] == false)
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(
        failed.contains(&"Terraform destroy blocks in prod"),
        "{failed:?}"
    );
    assert!(
        failed.contains(&"kubectl exec escalates by default"),
        "{failed:?}"
    );
    let (code, v, _) = doctor(&["-e", "dev", "-p", p.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{v:#}");
    assert!(v["summary"]["critical_failed"].as_u64().unwrap() >= 1);
}

#[test]
fn broken_policy_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("broken.yaml");
    std::fs::write(&p, "recourseos:\n  environments:\n    qa: {}\n").unwrap();
    let (code, _, err) = doctor(&["-e", "prod", "-p", p.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(err.contains("qa"), "{err}");
    let (code, _, _) = doctor(&["-e", "qa"]);
    assert_eq!(code, Some(2));
}
