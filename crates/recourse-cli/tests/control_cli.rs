//! The human control plane from the command line, on a state directory a gateway created.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

use recourse_exec::sandbox::Helper;
use recourse_exec::{Caller, Gateway, GatewayConfig, ToolCall};
use recourse_policy::{Environment, Policy};

/// The CLI as operator-olga, whose configuration (approver key, approvers file, audit key)
/// lives in `config`.
fn recourse_in(config: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_recourse"))
        .args(args)
        .env("USER", "operator-olga")
        .env("XDG_CONFIG_HOME", config)
        .env_remove("RECOURSE_APPROVERS")
        .env_remove("RECOURSE_APPROVER_KEY")
        .output()
        .unwrap()
}

fn recourse(args: &[&str]) -> Output {
    let none = tempfile::tempdir().unwrap();
    recourse_in(none.path(), args)
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A gateway that has received one escalated call whose command hides a zero-width character.
/// `recourse setup` made operator-olga's key and registered it; the agent's own key is
/// registered too (its approval must be refused by the rules, not for lack of a key).
fn setup() -> (tempfile::TempDir, String, String) {
    let (dir, state, id, _) = setup_with(Policy::default());
    (dir, state, id)
}

/// [`setup`] under `p`, also returning the gateway.
fn setup_with(mut p: Policy) -> (tempfile::TempDir, String, String, Gateway) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let out = recourse_in(&config, &["setup"]);
    assert!(out.status.success(), "{}", text(&out));
    let agent_key = dir.path().join("agent.key");
    let out = recourse_in(
        &config,
        &["approvers", "keygen", "--key", agent_key.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out));
    let pk = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let out = recourse_in(
        &config,
        &["approvers", "add", "agent-x", "--public-key", &pk],
    );
    assert!(out.status.success(), "{}", text(&out));
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    p.shell.allowed_paths = vec![work.display().to_string()];
    let state = dir.path().join("state");
    let mut cfg = GatewayConfig::new(
        state.clone(),
        Environment::Prod,
        p,
        Helper {
            program: env!("CARGO_BIN_EXE_recourse").into(),
            prefix: vec!["__sandbox".into()],
        },
    );
    cfg.agent_id = "agent-x".into();
    cfg.approvers_path = Some(config.join("recourse/approvers.yaml"));
    let gw = Gateway::open(cfg).unwrap();
    let r = gw.handle(
        ToolCall::ShellExec {
            command: "mkdir build\u{200b}dir".into(),
            cwd: None,
            timeout: None,
            approval_id: None,
        },
        &Caller::agent("agent-x"),
    );
    let id = r.approval_id.unwrap().to_string();
    (dir, state.display().to_string(), id, gw)
}

#[test]
fn two_approvals_required_show_one_of_two_until_a_second_person_decides() {
    let policy = Policy::from_yaml_str(
        "recourseos:\n  environments:\n    prod:\n      approvals: { required: 2, distinct: true }\n",
    )
    .unwrap();
    let (d, state, id, gw) = setup_with(policy);
    let config = d.path().join("config");
    let olga = |args: &[&str]| recourse_in(&config, args);
    // Bob, a second person with his own key, registered by the operator.
    let bob_key = d.path().join("bob.key");
    let out = olga(&["approvers", "keygen", "--key", bob_key.to_str().unwrap()]);
    let bob_pk = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(
        olga(&["approvers", "add", "bob", "--public-key", &bob_pk])
            .status
            .success()
    );
    let approve = |key: Option<&str>| {
        let mut a = vec![
            "approvals",
            "approve",
            &id,
            "--reason",
            "reviewed",
            "--state-dir",
            &state,
        ];
        if let Some(k) = key {
            a.extend(["--key", k]);
        }
        olga(&a)
    };
    let out = approve(None);
    assert!(out.status.success(), "{}", text(&out));
    let listed = text(&olga(&["approvals", "list", "--state-dir", &state]));
    assert!(listed.contains("1 of 2"), "{listed}");
    let shown = text(&olga(&["approvals", "show", &id, "--state-dir", &state]));
    assert!(shown.contains("1 of 2"), "{shown}");
    // The gate does not honour half an approval.
    let retry = |gw: &Gateway| {
        gw.handle(
            ToolCall::ShellExec {
                command: "mkdir build\u{200b}dir".into(),
                cwd: None,
                timeout: None,
                approval_id: Some(id.clone()),
            },
            &Caller::agent("agent-x"),
        )
    };
    let r = retry(&gw);
    assert_eq!(r.status, recourse_exec::Status::Refused, "{r:#?}");
    assert!(r.message.contains("1 of 2"), "{}", r.message);
    // The same person twice is still one.
    let out = approve(None);
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
    let out = approve(Some(bob_key.to_str().unwrap()));
    assert!(out.status.success(), "{}", text(&out));
    let listed = text(&olga(&["approvals", "list", "--state-dir", &state]));
    assert!(listed.contains("approved"), "{listed}");
    let r = retry(&gw);
    assert_eq!(r.status, recourse_exec::Status::Executed, "{r:#?}");
}

#[test]
fn list_show_approve_reject() {
    let (d, state, id) = setup();
    let config = d.path().join("config");
    let recourse = |args: &[&str]| recourse_in(&config, args);
    let out = recourse(&["approvals", "list", "--pending", "--state-dir", &state]);
    assert!(
        out.status.success() && text(&out).contains(&id),
        "{}",
        text(&out)
    );
    let out = recourse(&["approvals", "list", "--json", "--state-dir", &state]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["status"], "pending");
    let out = recourse(&["approvals", "show", &id, "--state-dir", &state]);
    let t = text(&out);
    assert!(
        t.contains("\\u{200B}"),
        "invisible character shown as an escape: {t}"
    );
    assert!(!t.contains('\u{200b}'), "{t}");
    // The agent's own identity cannot approve, even with a registered key of its own.
    let approve_with = |key: &std::path::Path| {
        recourse(&[
            "approvals",
            "approve",
            &id,
            "--reason",
            "x",
            "--key",
            key.to_str().unwrap(),
            "--state-dir",
            &state,
        ])
    };
    let out = approve_with(&d.path().join("agent.key"));
    assert_ne!(out.status.code(), Some(0));
    assert!(text(&out).contains("cannot approve"), "{}", text(&out));
    // A key nobody registered decides nothing.
    let stranger = d.path().join("stranger.key");
    recourse(&["approvers", "keygen", "--key", stranger.to_str().unwrap()]);
    let out = approve_with(&stranger);
    assert_ne!(out.status.code(), Some(0));
    assert!(text(&out).contains("not registered"), "{}", text(&out));
    // A reason is mandatory.
    let out = recourse(&["approvals", "approve", &id, "--state-dir", &state]);
    assert_eq!(out.status.code(), Some(2));
    // The operator's own key by default (registered under the OS user's name by `setup`).
    let out = recourse(&[
        "approvals",
        "approve",
        &id,
        "--reason",
        "checked the path",
        "--state-dir",
        &state,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("operator-olga"), "{}", text(&out));
    let out = recourse(&[
        "approvals",
        "reject",
        &id,
        "--reason",
        "too late",
        "--state-dir",
        &state,
    ]);
    assert_ne!(out.status.code(), Some(0), "already approved");
    let out = recourse(&["audit", "tail", "-n", "5", "--state-dir", &state]);
    assert!(text(&out).contains("approval_granted"), "{}", text(&out));
    let out = recourse(&["audit", "verify", "--state-dir", &state]);
    assert!(out.status.success(), "{}", text(&out));
    let out = recourse(&["approvals", "show", &id, "--state-dir", &state]);
    assert!(
        text(&out).contains("decision    Approve by operator-olga"),
        "{}",
        text(&out)
    );
}

#[test]
fn audit_verify_names_the_first_bad_record() {
    let (_d, state, _id) = setup();
    let log = std::path::Path::new(&state).join("audit.jsonl");
    let t = std::fs::read_to_string(&log).unwrap();
    std::fs::write(
        &log,
        t.replacen("\"event\":\"startup\"", "\"event\":\"startuq\"", 1),
    )
    .unwrap();
    let out = recourse(&["audit", "verify", "--state-dir", &state]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("line 1"), "{}", text(&out));
}

#[test]
fn control_plane_without_a_gateway_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = recourse(&[
        "approvals",
        "list",
        "--state-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("no gateway state"), "{}", text(&out));
}

#[test]
fn serve_refuses_bad_policy_and_environment_before_serving() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "recourseos:\n  plan_ttl_seconds: 0\n").unwrap();
    let out = recourse(&[
        "gateway",
        "serve",
        "-e",
        "prod",
        "-p",
        bad.to_str().unwrap(),
        "--state-dir",
        dir.path().join("s").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("plan_ttl_seconds"), "{}", text(&out));
    let out = recourse(&["gateway", "serve", "-e", "qa"]);
    assert_eq!(out.status.code(), Some(2));
}

/// `control serve` starts only with its own key registered `--on-behalf`, and only with TLS
/// off loopback; `approvers login-link` makes links only for registered approvers, and keeps
/// only their hash.
#[test]
fn control_serve_and_login_links_check_keys_and_names() {
    let (d, state, _) = setup();
    let config = d.path().join("config");
    let recourse = |args: &[&str]| recourse_in(&config, args);
    let key = |name: &str| d.path().join(format!("{name}.key")).display().to_string();
    let serve = |key: &str, listen: &str, url: &str| {
        recourse(&[
            "control",
            "serve",
            "--http",
            listen,
            "--public-url",
            url,
            "--state-dir",
            &state,
            "--key",
            key,
        ])
    };

    let out = recourse(&["approvers", "keygen", "--key", &key("web")]);
    assert!(out.status.success(), "{}", text(&out));
    let web_pk = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let out = serve(&key("web"), "127.0.0.1:0", "http://127.0.0.1:1");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("not in the approvers file"),
        "{}",
        text(&out)
    );
    let out = serve(&key("agent"), "127.0.0.1:0", "http://127.0.0.1:1");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("without --on-behalf"), "{}", text(&out));

    let out = recourse(&[
        "approvers",
        "add",
        "web",
        "--public-key",
        &web_pk,
        "--on-behalf",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let out = serve(&key("web"), "0.0.0.0:0", "http://approvals.example.com");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("not https"), "{}", text(&out));

    let link = |name: &str| {
        recourse(&[
            "approvers",
            "login-link",
            name,
            "--url",
            "https://approvals.example.com/",
        ])
    };
    for nobody in ["mallory", "web"] {
        let out = link(nobody);
        assert_eq!(out.status.code(), Some(2), "{nobody}: {}", text(&out));
    }
    let out = link("operator-olga");
    assert!(out.status.success(), "{}", text(&out));
    let url = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let token = url
        .strip_prefix("https://approvals.example.com/login/link?token=")
        .unwrap();
    let dir = config.join("recourse/login-links");
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
    assert_eq!(files.len(), 1);
    let stored = std::fs::read_to_string(files[0].path()).unwrap();
    assert!(stored.contains("operator-olga") && !stored.contains(token));
    let out = recourse(&[
        "approvers",
        "login-link",
        "operator-olga",
        "--url",
        "x",
        "--minutes",
        "61",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}
