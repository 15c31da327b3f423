//! kubectl through the gateway. No Kubernetes API server can be installed on these machines
//! (DESIGN.md §7), so the runner is tested with the real kubectl binary (installed by the
//! project's test command) against a small loopback HTTP fixture that answers the few API
//! calls used: discovery, listing pods, and creating a ConfigMap. The decision path
//! (namespaces per manifest object, argument injection, secrets) is tested in-process too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use common::*;
use recourse_exec::{Status, ToolCall};
use recourse_policy::{Decision, Environment, Policy};
use serde_json::{Value, json};

type Log = Arc<Mutex<Vec<(String, String, String)>>>;

fn respond(stream: &mut TcpStream, code: u16, body: &Value) {
    let text = body.to_string();
    let reason = if code == 200 {
        "OK"
    } else if code == 201 {
        "Created"
    } else {
        "Not Found"
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {code} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{text}",
        text.len()
    );
}

fn api_resources() -> Value {
    let r = |name: &str, kind: &str, namespaced: bool| json!({"name": name, "singularName": kind.to_lowercase(), "namespaced": namespaced, "kind": kind, "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]});
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "v1", "resources": [
        r("pods", "Pod", true), r("configmaps", "ConfigMap", true), r("secrets", "Secret", true), r("namespaces", "Namespace", false)
    ]})
}

fn handle(mut stream: TcpStream, log: Log) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_owned();
        let target = parts.next().unwrap_or("").to_owned();
        let path = target.split('?').next().unwrap_or("").to_owned();
        let mut len = 0usize;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                break;
            }
            if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; len];
        reader.read_exact(&mut body).unwrap();
        let body = String::from_utf8_lossy(&body).into_owned();
        log.lock()
            .unwrap()
            .push((method.clone(), path.clone(), body.clone()));
        match (method.as_str(), path.as_str()) {
            ("GET", "/api") => respond(
                &mut stream,
                200,
                &json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}),
            ),
            ("GET", "/apis") => respond(
                &mut stream,
                200,
                &json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": []}),
            ),
            ("GET", "/api/v1") => respond(&mut stream, 200, &api_resources()),
            ("GET", p) if p.ends_with("/pods") => respond(
                &mut stream,
                200,
                &json!({"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": [
                    {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "web-1", "namespace": "shop", "creationTimestamp": "2026-11-21T09:00:00Z"}, "status": {"phase": "Running"}}
                ]}),
            ),
            ("POST", p) if p.ends_with("/configmaps") => {
                let mut obj: Value = serde_json::from_str(&body).unwrap_or(json!({}));
                obj["metadata"]["creationTimestamp"] = json!("2026-11-21T09:00:00Z");
                obj["metadata"]["resourceVersion"] = json!("2");
                obj["metadata"]["uid"] = json!("00000000-0000-0000-0000-000000000001");
                respond(&mut stream, 201, &obj)
            }
            _ => respond(
                &mut stream,
                404,
                &json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404, "message": format!("{path} not found")}),
            ),
        }
    }
}

struct Fixture {
    log: Log,
    kubeconfig: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let log: Log = Arc::default();
    let l2 = Arc::clone(&log);
    std::thread::spawn(move || {
        for s in listener.incoming().flatten() {
            let l = Arc::clone(&l2);
            std::thread::spawn(move || handle(s, l));
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, format!("apiVersion: v1\nkind: Config\nclusters:\n- name: fx\n  cluster: {{server: \"http://127.0.0.1:{port}\"}}\ncontexts:\n- name: fx\n  context: {{cluster: fx, user: fx}}\nusers:\n- name: fx\n  user: {{}}\ncurrent-context: fx\n")).unwrap();
    Fixture {
        log,
        kubeconfig,
        _dir: dir,
    }
}

fn kube_harness(env: Environment) -> Option<(Harness, Fixture)> {
    let kubectl = recourse_testkit::tool("bin/kubectl")?;
    let fx = fixture();
    let h = harness_with(env, Policy::default(), |cfg| {
        cfg.kubectl_bin = kubectl;
        cfg.kubeconfig = Some(fx.kubeconfig.clone());
        cfg.kube_context = Some("fx".into());
        cfg.kube_default_namespace = "shop".into();
        // The fixture serves no OpenAPI document, which client-side validation needs.
        cfg.kubectl_apply_args = vec!["--validate=false".into()];
    });
    Some((h, fx))
}

#[test]
fn get_pods_runs_real_kubectl_against_the_fixture() {
    let Some((h, fx)) = kube_harness(Environment::Prod) else {
        return;
    };
    let r = h.call(ToolCall::KubectlGet {
        resource: "pods".into(),
        name: None,
        namespace: Some("shop".into()),
        selector: None,
        output: Some("name".into()),
    });
    assert_executed(&r);
    assert_eq!(r.decision, Decision::Allow);
    assert!(stdout(&r).contains("web-1"), "{r:#?}");
    assert!(
        fx.log
            .lock()
            .unwrap()
            .iter()
            .any(|(m, p, _)| m == "GET" && p == "/api/v1/namespaces/shop/pods")
    );
    h.verify_audit();
}

#[test]
fn inline_manifest_goes_to_kubectl_on_stdin() {
    let Some((h, fx)) = kube_harness(Environment::Dev) else {
        return;
    };
    let manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  color: blue-from-stdin\n";
    let r = h.call(ToolCall::KubectlApply {
        file: None,
        manifest: Some(manifest.into()),
        namespace: None,
        dry_run: false,
        approval_id: None,
    });
    assert_executed(&r);
    assert_eq!(r.output.as_ref().unwrap().exit_code, Some(0), "{r:#?}");
    let log = fx.log.lock().unwrap();
    let post = log
        .iter()
        .find(|(m, p, _)| m == "POST" && p == "/api/v1/namespaces/shop/configmaps")
        .expect("created through the API");
    assert!(post.2.contains("blue-from-stdin"));
    h.verify_audit();
}

#[test]
fn every_manifest_objects_namespace_is_checked() {
    let Some((h, fx)) = kube_harness(Environment::Dev) else {
        return;
    };
    let manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: kube-system}\n";
    let r = h.call(ToolCall::KubectlApply {
        file: None,
        manifest: Some(manifest.into()),
        namespace: Some("shop".into()),
        dry_run: false,
        approval_id: None,
    });
    assert_eq!(r.status, Status::PendingApproval, "{r:#?}");
    assert!(
        r.reasons
            .iter()
            .any(|x| x.rule.as_str() == "protected_namespaces")
    );
    assert!(
        !fx.log.lock().unwrap().iter().any(|(m, _, _)| m == "POST"),
        "nothing was sent"
    );
}

#[test]
fn argument_injection_is_rejected() {
    let Some((h, fx)) = kube_harness(Environment::Dev) else {
        return;
    };
    for call in [
        ToolCall::KubectlDelete {
            resource: "pods".into(),
            name: "--all".into(),
            namespace: None,
            approval_id: None,
        },
        ToolCall::KubectlGet {
            resource: "pods".into(),
            name: None,
            namespace: Some("--namespace=kube-system".into()),
            selector: None,
            output: None,
        },
        ToolCall::KubectlGet {
            resource: "pods --all-namespaces".into(),
            name: None,
            namespace: None,
            selector: None,
            output: None,
        },
        ToolCall::KubectlLogs {
            pod: "web-1".into(),
            namespace: None,
            container: Some("--kubeconfig=/x".into()),
            tail: None,
            since: None,
        },
        ToolCall::KubectlApply {
            file: None,
            manifest: Some("kind: Pod\nmetadata: {name: '--all'}\n".into()),
            namespace: None,
            dry_run: false,
            approval_id: None,
        },
        ToolCall::KubectlApply {
            file: Some("/etc/passwd".into()),
            manifest: None,
            namespace: None,
            dry_run: false,
            approval_id: None,
        },
    ] {
        let r = h.call(call);
        assert_eq!(r.status, Status::RejectedInput, "{r:#?}");
    }
    assert!(fx.log.lock().unwrap().is_empty(), "kubectl never ran");
    h.verify_audit();
}

#[test]
fn secrets_are_never_returned_in_clear() {
    let Some((h, fx)) = kube_harness(Environment::Dev) else {
        return;
    };
    for output in ["yaml", "json"] {
        let r = h.call(ToolCall::KubectlGet {
            resource: "secrets".into(),
            name: Some("db".into()),
            namespace: None,
            selector: None,
            output: Some(output.into()),
        });
        assert_eq!(r.status, Status::Blocked, "{r:#?}");
    }
    assert!(
        !fx.log
            .lock()
            .unwrap()
            .iter()
            .any(|(_, p, _)| p.contains("secrets"))
    );
}

#[test]
fn mutations_follow_policy() {
    let Some((h, _fx)) = kube_harness(Environment::Prod) else {
        return;
    };
    let r = h.call(ToolCall::KubectlDelete {
        resource: "namespace".into(),
        name: "shop".into(),
        namespace: None,
        approval_id: None,
    });
    assert_eq!(r.status, Status::Blocked);
    let r = h.call(ToolCall::KubectlExec {
        pod: "web-1".into(),
        command: vec!["ls".into()],
        namespace: None,
        container: None,
        approval_id: None,
    });
    assert_eq!(r.status, Status::PendingApproval);
    let r = h.call(ToolCall::KubectlScale {
        resource: "deployment".into(),
        name: "web".into(),
        replicas: 0,
        namespace: None,
        approval_id: None,
    });
    assert_eq!(r.status, Status::PendingApproval);
    assert!(
        r.reasons
            .iter()
            .any(|x| x.rule.as_str() == "kubectl.scale_to_zero")
    );
}
