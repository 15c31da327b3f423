//! kubectl through the gateway. No Kubernetes API server can be installed on these machines
//! (DESIGN.md §7), so the runner is tested with the real kubectl binary (installed by the
//! project's test command) against a small loopback HTTP fixture that answers the few API
//! calls used: discovery (core and a few groups, with short names, categories and
//! cluster-scoped kinds), listing pods, reading Secrets, and creating and deleting objects of
//! any type. Every request is logged, so tests judge by what reached the "cluster" and what
//! the tool returned. The decision path is tested in-process too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use common::*;
use recourse_exec::{Response, Status, ToolCall};
use recourse_plan::ApprovalId;
use recourse_policy::{Decision, Environment, Policy};
use serde_json::{Value, json};

type Log = Arc<Mutex<Vec<(String, String, String)>>>;

/// Secret values the fixture serves; none may ever reach the agent.
const CLEAR: [&str; 4] = [
    "cG9zdGdyZXM6Ly9hZG1pbjpodW50ZXIyQGRi", // base64 of a connection string
    "aHVudGVyMg==",                         // base64 of hunter2
    "hunter2",
    "c3VwZXItc2VjcmV0LWFwaS1rZXk=",
];

fn respond(stream: &mut TcpStream, code: u16, body: &Value) {
    let text = body.to_string();
    let reason = match code {
        200 => "OK",
        201 => "Created",
        _ => "Not Found",
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {code} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{text}",
        text.len()
    );
}

/// How the fixture's discovery answers.
#[derive(Clone, Copy, Default)]
struct Cluster {
    /// `cfgs` is a short name of secrets (what a poisoned discovery cache said).
    poisoned: bool,
}

fn resource(name: &str, kind: &str, namespaced: bool, short: &[&str], cats: &[&str]) -> Value {
    json!({"name": name, "singularName": kind.to_lowercase(), "namespaced": namespaced, "kind": kind,
        "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
        "shortNames": short, "categories": cats})
}

/// `(group, resources)` for every group version the fixture serves; `""` is core.
fn groups(c: Cluster) -> Vec<(&'static str, Vec<Value>)> {
    let secret_short: &[&str] = if c.poisoned { &["cfgs"] } else { &[] };
    vec![
        (
            "",
            vec![
                resource("pods", "Pod", true, &["po"], &["all"]),
                resource("configmaps", "ConfigMap", true, &["cm"], &[]),
                resource("secrets", "Secret", true, secret_short, &[]),
                resource("namespaces", "Namespace", false, &["ns"], &[]),
                resource("nodes", "Node", false, &["no"], &[]),
                resource("persistentvolumes", "PersistentVolume", false, &["pv"], &[]),
            ],
        ),
        (
            "apps",
            vec![resource(
                "deployments",
                "Deployment",
                true,
                &["deploy"],
                &["all"],
            )],
        ),
        (
            "rbac.authorization.k8s.io",
            vec![resource(
                "clusterrolebindings",
                "ClusterRoleBinding",
                false,
                &[],
                &[],
            )],
        ),
        (
            "apiextensions.k8s.io",
            vec![resource(
                "customresourcedefinitions",
                "CustomResourceDefinition",
                false,
                &["crd", "crds"],
                &[],
            )],
        ),
        (
            "admissionregistration.k8s.io",
            vec![resource(
                "validatingadmissionpolicies",
                "ValidatingAdmissionPolicy",
                false,
                &[],
                &[],
            )],
        ),
    ]
}

fn discovery(c: Cluster, path: &str) -> Option<Value> {
    let all = groups(c);
    match path {
        "/api" => Some(
            json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}),
        ),
        "/apis" => Some(json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": all.iter().filter(|(g, _)| !g.is_empty()).map(|(g, _)| {
            let gv = format!("{g}/v1");
            json!({"name": g, "versions": [{"groupVersion": gv, "version": "v1"}], "preferredVersion": {"groupVersion": gv, "version": "v1"}})
        }).collect::<Vec<_>>()})),
        _ => all.into_iter().find_map(|(g, resources)| {
            let gv = if g.is_empty() { "v1".to_owned() } else { format!("{g}/v1") };
            let p = if g.is_empty() { "/api/v1".to_owned() } else { format!("/apis/{g}/v1") };
            (p == path).then(|| json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}))
        }),
    }
}

fn secret(name: &str) -> Value {
    json!({"kind": "Secret", "apiVersion": "v1", "metadata": {"name": name, "namespace": "shop",
        "annotations": {"kubectl.kubernetes.io/last-applied-configuration": format!("{{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"data\":{{\"apikey\":\"{}\"}}}}", CLEAR[3])}},
        "type": "Opaque", "data": {"conn": CLEAR[0], "password": CLEAR[1], "apikey": CLEAR[3]}})
}

fn handle(mut stream: TcpStream, log: Log, c: Cluster) {
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
        if method == "GET"
            && let Some(d) = discovery(c, &path)
        {
            respond(&mut stream, 200, &d);
            continue;
        }
        match (method.as_str(), path.as_str()) {
            ("GET", p) if p.ends_with("/pods") => respond(
                &mut stream,
                200,
                &json!({"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": [
                    {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "web-1", "namespace": "shop", "creationTimestamp": "2026-11-21T09:00:00Z"}, "status": {"phase": "Running"}}
                ]}),
            ),
            ("GET", "/api/v1/namespaces/shop/secrets") => {
                let mut a = secret("db");
                let mut b = secret("api");
                // Straight from the API, list items carry no kind or apiVersion.
                for item in [&mut a, &mut b] {
                    let m = item.as_object_mut().unwrap();
                    m.remove("kind");
                    m.remove("apiVersion");
                }
                respond(
                    &mut stream,
                    200,
                    &json!({"kind": "SecretList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": [a, b]}),
                )
            }
            ("GET", p) if p.starts_with("/api/v1/namespaces/shop/secrets/") => {
                respond(&mut stream, 200, &secret(p.rsplit('/').next().unwrap()))
            }
            ("POST", _) => {
                let mut obj: Value = serde_json::from_str(&body).unwrap_or(json!({}));
                obj["metadata"]["creationTimestamp"] = json!("2026-11-21T09:00:00Z");
                obj["metadata"]["resourceVersion"] = json!("2");
                obj["metadata"]["uid"] = json!("00000000-0000-0000-0000-000000000001");
                respond(&mut stream, 201, &obj)
            }
            ("DELETE", _) => respond(
                &mut stream,
                200,
                &json!({"kind": "Status", "apiVersion": "v1", "status": "Success", "code": 200}),
            ),
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

impl Fixture {
    fn requests(&self) -> Vec<(String, String, String)> {
        self.log.lock().unwrap().clone()
    }
    /// Requests other than discovery (what changed or read objects).
    fn object_requests(&self) -> Vec<(String, String, String)> {
        self.requests()
            .into_iter()
            .filter(|(m, p, _)| !(m == "GET" && discovery(Cluster { poisoned: true }, p).is_some()))
            .collect()
    }
    fn mutations(&self) -> Vec<(String, String, String)> {
        self.requests()
            .into_iter()
            .filter(|(m, _, _)| m != "GET")
            .collect()
    }
}

fn fixture(c: Cluster) -> Fixture {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let log: Log = Arc::default();
    let l2 = Arc::clone(&log);
    std::thread::spawn(move || {
        for s in listener.incoming().flatten() {
            let l = Arc::clone(&l2);
            std::thread::spawn(move || handle(s, l, c));
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
    kube_harness_on(env, Cluster::default())
}

fn kube_harness_on(env: Environment, c: Cluster) -> Option<(Harness, Fixture)> {
    let kubectl = recourse_testkit::tool("bin/kubectl")?;
    let fx = fixture(c);
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

fn apply_call(manifest: &str, approval_id: Option<ApprovalId>) -> ToolCall {
    ToolCall::KubectlApply {
        file: None,
        manifest: Some(manifest.into()),
        namespace: None,
        dry_run: false,
        approval_id: approval_id.map(|a| a.to_string()),
    }
}

fn delete_call(resource: &str, name: &str, approval_id: Option<ApprovalId>) -> ToolCall {
    ToolCall::KubectlDelete {
        resource: resource.into(),
        name: name.into(),
        namespace: None,
        approval_id: approval_id.map(|a| a.to_string()),
    }
}

fn everything(r: &Response) -> String {
    serde_json::to_string(r).unwrap()
}

fn assert_no_clear_secret(r: &Response) {
    let all = everything(r);
    for c in CLEAR {
        assert!(!all.contains(c), "{c} leaked: {r:#?}");
    }
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

/// Attack 1 of issue 13: a ConfigMap carrying `items:` with a cluster-admin binding. kubectl
/// treats any object with an `items` array as a list, so it applied the binding while the
/// gateway decided on the ConfigMap (allow in dev).
#[test]
fn attack_items_on_a_configmap_never_applies_the_hidden_binding() {
    let attack = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: innocent}\nitems:\n- apiVersion: rbac.authorization.k8s.io/v1\n  kind: ClusterRoleBinding\n  metadata: {name: pwn}\n  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n  subjects: [{kind: ServiceAccount, name: default, namespace: shop}]\n";
    for env in [Environment::Dev, Environment::Staging, Environment::Prod] {
        let Some((h, fx)) = kube_harness(env) else {
            return;
        };
        let r = h.call(apply_call(attack, None));
        assert_eq!(r.status, Status::RejectedInput, "{env}: {r:#?}");
        assert!(r.message.contains("ambiguous"), "{}", r.message);
        assert!(fx.mutations().is_empty(), "{env}: {:?}", fx.mutations());
        h.verify_audit();
    }
}

/// The same binding in a real List: decided on, shown to the approver object by object, and
/// after approval applied by real kubectl exactly as shown.
#[test]
fn a_listed_cluster_scoped_object_escalates_and_the_approver_sees_it() {
    let Some((h, fx)) = kube_harness(Environment::Dev) else {
        return;
    };
    let listed = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: innocent}\n  data: {color: blue}\n- apiVersion: v1\n  kind: List\n  items:\n  - apiVersion: rbac.authorization.k8s.io/v1\n    kind: ClusterRoleBinding\n    metadata: {name: pwn}\n    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n    subjects: [{kind: ServiceAccount, name: default, namespace: shop}]\n";
    let r = h.call(apply_call(listed, None));
    assert_eq!(r.status, Status::PendingApproval, "{r:#?}");
    assert!(
        r.reasons
            .iter()
            .any(|x| x.rule.as_str() == "kubectl.cluster_scoped"
                && x.message.contains("ClusterRoleBinding")),
        "{r:#?}"
    );
    assert!(fx.mutations().is_empty(), "{:?}", fx.mutations());
    let id = r.approval_id.unwrap();
    let summary = h.control().approval(id).unwrap().summary;
    let objects = summary["arguments"]["objects"].as_array().unwrap();
    assert_eq!(objects.len(), 2, "{summary:#}");
    assert_eq!(objects[0]["kind"], "ConfigMap");
    assert_eq!(objects[0]["namespace"], "shop");
    assert_eq!(objects[1]["kind"], "ClusterRoleBinding");
    assert_eq!(objects[1]["scope"], "cluster-scoped");
    assert_eq!(objects[1]["namespace"], Value::Null);
    assert!(
        objects[1]["object"]
            .as_str()
            .unwrap()
            .contains("cluster-admin")
    );
    h.approve(id);
    let r = h.call(apply_call(listed, Some(id)));
    assert_executed(&r);
    assert_eq!(r.output.as_ref().unwrap().exit_code, Some(0), "{r:#?}");
    let posts: Vec<_> = fx
        .mutations()
        .into_iter()
        .map(|(m, p, _)| format!("{m} {p}"))
        .collect();
    assert_eq!(
        posts,
        [
            "POST /api/v1/namespaces/shop/configmaps",
            "POST /apis/rbac.authorization.k8s.io/v1/clusterrolebindings"
        ]
    );
    h.verify_audit();
}

/// Attack 2 of issue 13: discovery says `cfgs` is a short name of secrets (a poisoned cache, or
/// a cluster that says so). The gateway recognised Secrets by the literal resource string and
/// redacted by key name, so `get cfgs -o yaml` returned Secret data in clear.
#[test]
fn attack_a_poisoned_short_name_returns_no_secret_value() {
    let Some((h, fx)) = kube_harness_on(Environment::Dev, Cluster { poisoned: true }) else {
        return;
    };
    let get = |resource: &str, name: Option<&str>, output: &str| ToolCall::KubectlGet {
        resource: resource.into(),
        name: name.map(Into::into),
        namespace: None,
        selector: None,
        output: Some(output.into()),
    };
    for output in ["yaml", "json"] {
        let r = h.call(get("cfgs", Some("db"), output));
        assert_executed(&r);
        assert_no_clear_secret(&r);
        let out = stdout(&r);
        assert!(out.contains("conn") && out.contains("[REDACTED]"), "{out}");
        assert!(out.contains("last-applied-configuration"), "{out}");
    }
    assert!(
        fx.object_requests()
            .iter()
            .any(|(m, p, _)| m == "GET" && p == "/api/v1/namespaces/shop/secrets/db"),
        "{:?}",
        fx.requests()
    );
    // A list of Secrets (items without a kind from the API), by the poisoned name and the real.
    for resource in ["cfgs", "secrets"] {
        let r = h.call(get(resource, None, "json"));
        assert_executed(&r);
        assert_no_clear_secret(&r);
        assert!(
            stdout(&r).matches("[REDACTED]").count() >= 6,
            "{}\n{:?}",
            stdout(&r),
            fx.object_requests()
        );
    }
    // describe prints sizes, and is checked anyway.
    let r = h.call(ToolCall::KubectlDescribe {
        resource: "cfgs".into(),
        name: "db".into(),
        namespace: None,
    });
    assert_executed(&r);
    assert_no_clear_secret(&r);
    assert!(stdout(&r).contains("bytes"), "{r:#?}");
    // Templates select values the gateway cannot check: refused before kubectl runs.
    let before = fx.requests().len();
    for output in [
        "jsonpath={.data.conn}",
        "go-template={{.data}}",
        "custom-columns=D:.data",
    ] {
        let r = h.call(get("cfgs", Some("db"), output));
        assert_eq!(r.status, Status::RejectedInput, "{r:#?}");
    }
    assert_eq!(fx.requests().len(), before);
    // Nothing in clear in the audit log either.
    let log = std::fs::read_to_string(recourse_exec::audit_path(&h.state())).unwrap();
    for c in CLEAR {
        assert!(!log.contains(c), "{c} in the audit log");
    }
    h.verify_audit();
}

/// Attack 3 of issue 13: deleting a CRD, a PersistentVolume, a Node or a
/// ValidatingAdmissionPolicy was decided as a namespaced delete "in default" (warn, so it ran,
/// in dev), and applying a ValidatingAdmissionPolicy went through in dev and staging.
#[test]
fn attack_cluster_scoped_deletes_and_applies_escalate_and_say_so() {
    let targets = [
        ("customresourcedefinitions", "certificates.cert-manager.io"),
        ("crd", "certificates.cert-manager.io"),
        ("persistentvolumes", "pv-data-1"),
        ("nodes", "worker-1"),
        ("validatingadmissionpolicies", "require-labels"),
    ];
    let vap = "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: allow-all}\nspec: {failurePolicy: Ignore, validations: [{expression: 'true'}]}\n";
    for env in [Environment::Dev, Environment::Staging] {
        let Some((h, fx)) = kube_harness(env) else {
            return;
        };
        for (resource, name) in targets {
            let r = h.call(delete_call(resource, name, None));
            assert_eq!(
                r.status,
                Status::PendingApproval,
                "{env} {resource}: {r:#?}"
            );
            assert!(
                r.reasons
                    .iter()
                    .any(|x| x.rule.as_str() == "kubectl.cluster_scoped"),
                "{r:#?}"
            );
            let summary = h
                .control()
                .approval(r.approval_id.unwrap())
                .unwrap()
                .summary;
            let text = summary.to_string();
            assert!(!text.contains("in default"), "{text}");
            assert_eq!(summary["arguments"]["resolved"]["scope"], "cluster-scoped");
            assert_eq!(summary["arguments"]["resolved"]["namespace"], Value::Null);
        }
        let r = h.call(apply_call(vap, None));
        assert_eq!(r.status, Status::PendingApproval, "{env}: {r:#?}");
        assert!(fx.mutations().is_empty(), "{env}: {:?}", fx.mutations());
    }
    let Some((h, fx)) = kube_harness(Environment::Prod) else {
        return;
    };
    let r = h.call(delete_call("crd", "certificates.cert-manager.io", None));
    assert_eq!(r.status, Status::Blocked, "{r:#?}");
    assert!(
        r.reasons
            .iter()
            .any(|x| x.rule.as_str() == "kubectl.delete_crd")
    );
    assert!(fx.mutations().is_empty());
}

/// After approval, kubectl deletes exactly the resolved, cluster-scoped object: no namespace in
/// the path, whatever namespace the call named.
#[test]
fn an_approved_cluster_scoped_delete_reaches_the_cluster_wide_path() {
    let Some((h, fx)) = kube_harness(Environment::Dev) else {
        return;
    };
    let call = |approval: Option<ApprovalId>| ToolCall::KubectlDelete {
        resource: "pv".into(),
        name: "pv-data-1".into(),
        namespace: Some("shop".into()),
        approval_id: approval.map(|a| a.to_string()),
    };
    let r = h.call(call(None));
    assert_eq!(r.status, Status::PendingApproval, "{r:#?}");
    let id = r.approval_id.unwrap();
    h.approve(id);
    let r = h.call(call(Some(id)));
    assert_executed(&r);
    let deletes: Vec<String> = fx
        .mutations()
        .into_iter()
        .map(|(m, p, _)| format!("{m} {p}"))
        .collect();
    assert_eq!(deletes, ["DELETE /api/v1/persistentvolumes/pv-data-1"]);
    h.verify_audit();
}

#[test]
fn discovery_is_asked_once_and_cached_by_the_gateway() {
    use std::os::unix::fs::MetadataExt;
    let Some((h, _fx)) = kube_harness(Environment::Dev) else {
        return;
    };
    let get = |resource: &str| {
        h.call(ToolCall::KubectlGet {
            resource: resource.into(),
            name: None,
            namespace: None,
            selector: None,
            output: Some("name".into()),
        })
    };
    assert_executed(&get("po"));
    // Kept in kubectl's gateway-owned runner directory, outside the HOME its sandbox mounts;
    // every fetch replaces the file.
    let cache = h.state().join("runners/kubectl/discovery.json");
    let fetched = std::fs::metadata(&cache).unwrap().ino();
    assert!(
        !h.state()
            .join("runners/kubectl/home/discovery.json")
            .exists()
    );
    assert_executed(&get("deploy"));
    assert_eq!(
        std::fs::metadata(&cache).unwrap().ino(),
        fetched,
        "not fetched again"
    );
    // A name the cached answer does not know may ask again — not more often than every few
    // seconds, so made-up names cannot make every call run kubectl twice — and escalates.
    let r = get("frobs");
    assert_eq!(r.status, Status::PendingApproval, "{r:#?}");
    assert!(
        r.reasons
            .iter()
            .any(|x| x.rule.as_str() == "kubectl.unresolved_resource")
    );
    assert_eq!(std::fs::metadata(&cache).unwrap().ino(), fetched);
}
