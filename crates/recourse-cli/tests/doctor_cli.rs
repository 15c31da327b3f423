//! `recourse gateway doctor`: passes on the default policy in every environment, fails loudly on
//! a weakened one, exits 2 on a broken one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

/// The operator's configuration, set up with `recourse setup` (approver key, approvers file,
/// audit key).
fn configured() -> tempfile::TempDir {
    let config = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_recourse"))
        .arg("setup")
        .env("XDG_CONFIG_HOME", config.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    config
}

fn doctor_in(config: &std::path::Path, args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_recourse"))
        .args(["gateway", "doctor", "--json"])
        .args(args)
        .env("XDG_CONFIG_HOME", config)
        .env_remove("RECOURSE_APPROVERS")
        .env_remove("RECOURSE_AUDIT_KEY")
        // No operator kubeconfig: the kube identity check must not reach whatever cluster the
        // machine running the tests is configured for.
        .env_remove("KUBECONFIG")
        .env(
            "HOME",
            std::env::temp_dir().join("recourse-doctor-test-no-home"),
        )
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (
        out.status.code(),
        v,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn doctor(args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let config = configured();
    doctor_in(config.path(), args)
}

/// Without approvers or an audit key, or with files others can change or read, doctor fails
/// naming them.
#[test]
fn missing_or_exposed_trust_files_fail_doctor() {
    use std::os::unix::fs::PermissionsExt;
    let empty = tempfile::tempdir().unwrap();
    let (code, v, _) = doctor_in(empty.path(), &["-e", "dev"]);
    assert_eq!(code, Some(1), "{v:#}");
    let failed: Vec<String> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["passed"] == false)
        .map(|r| format!("{}: {}", r["name"], r["message"]))
        .collect();
    assert!(
        failed
            .iter()
            .any(|f| f.contains("approvers file") && f.contains("missing")),
        "{failed:?}"
    );
    assert!(
        failed
            .iter()
            .any(|f| f.contains("audit") && f.contains("no audit key")),
        "{failed:?}"
    );
    let config = configured();
    let dir = config.path().join("recourse");
    std::fs::set_permissions(
        dir.join("approvers.yaml"),
        std::fs::Permissions::from_mode(0o666),
    )
    .unwrap();
    std::fs::set_permissions(
        dir.join("audit.key"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let (code, v, _) = doctor_in(config.path(), &["-e", "dev"]);
    assert_eq!(code, Some(1), "{v:#}");
    let text = v.to_string();
    assert!(text.contains("accessible to others"), "{text}");
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
            "gateway kube identity is not cluster-admin",
            "manifest items on a non-list kind refused",
            "cluster-scoped delete escalates and says so",
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

/// The gateway's kube identity is what the agent inherits: `*` on `*` fails doctor in prod and
/// is a warning elsewhere. A stand-in kubectl answers `auth can-i --list` as cluster-admin.
#[test]
fn a_cluster_admin_kube_identity_fails_prod_and_warns_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let kubectl = dir.path().join("kubectl");
    std::fs::write(
        &kubectl,
        "#!/bin/sh\nfor a in \"$@\"; do case \"$a\" in --kubeconfig=*|--cache-dir=*|--context=*) shift ;; *) break ;; esac; done\ncase \"$1 $2\" in\n  'auth can-i') printf 'Resources   Non-Resource URLs   Resource Names   Verbs\\n*.*         []                  []               [*]\\n            [*]                 []               [*]\\n' ;;\n  *) exit 3 ;;\nesac\n",
    )
    .unwrap();
    std::fs::set_permissions(
        &kubectl,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n",
    )
    .unwrap();
    recourse_testkit::give_to_sandbox(dir.path());
    let kube = [
        "--kubectl",
        kubectl.to_str().unwrap(),
        "--kubeconfig",
        kubeconfig.to_str().unwrap(),
    ];
    let result = |v: &serde_json::Value| {
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "gateway kube identity is not cluster-admin")
            .cloned()
            .unwrap()
    };
    let (code, v, err) = doctor(&[&["-e", "prod"][..], &kube[..]].concat());
    assert_eq!(code, Some(1), "{err}\n{v:#}");
    let r = result(&v);
    assert_eq!(r["passed"], false, "{r}");
    assert!(r["message"].as_str().unwrap().contains("`*` on `*`"), "{r}");
    let (code, v, err) = doctor(&[&["-e", "dev"][..], &kube[..]].concat());
    assert_eq!(code, Some(0), "{err}\n{v:#}");
    let r = result(&v);
    assert_eq!(
        (r["passed"].as_bool(), r["warning"].as_bool()),
        (Some(true), Some(true)),
        "{r}"
    );
}
