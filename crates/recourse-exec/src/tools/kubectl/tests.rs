//! Unit tests of the seven kubectl preparers: argument vectors, resolved types, bindings and
//! verdicts, against a fixed discovery table (no cluster, no kubectl).

use super::*;
use crate::tools::tests_support::Fixture;
use recourse_policy::{Decision, Environment};

/// Discovery as a table, or unavailable.
struct Fixed(Option<ApiResources>);

impl Discovery for Fixed {
    fn resources(&self, _: bool) -> Result<Arc<ApiResources>, String> {
        self.0
            .clone()
            .map(Arc::new)
            .ok_or_else(|| "the cluster is unreachable".into())
    }
}

fn cluster() -> Fixed {
    Fixed(Some(discovery::tests::standard()))
}

fn prep(env: Environment, call: &ToolCall) -> Result<Prepared, Refusal> {
    let f = Fixture::new(env);
    prepare(&f.ctx(), call, &cluster())
}

fn argv(p: &Prepared) -> Vec<String> {
    match &p.job {
        Job::Kubectl(job) => job.args.clone(),
        other => panic!("not a kubectl job: {other:?}"),
    }
}

fn delete(resource: &str, name: &str) -> ToolCall {
    ToolCall::KubectlDelete {
        resource: resource.into(),
        name: name.into(),
        namespace: None,
        approval_id: None,
    }
}

fn get(resource: &str, output: Option<&str>) -> ToolCall {
    ToolCall::KubectlGet {
        resource: resource.into(),
        name: None,
        namespace: None,
        selector: None,
        output: output.map(Into::into),
    }
}

fn apply(manifest: &str) -> ToolCall {
    ToolCall::KubectlApply {
        file: None,
        manifest: Some(manifest.into()),
        namespace: None,
        dry_run: false,
        approval_id: None,
    }
}

/// Discovery that counts how often it is asked.
struct Counting(std::cell::Cell<u32>);

impl Discovery for Counting {
    fn resources(&self, _: bool) -> Result<Arc<ApiResources>, String> {
        self.0.set(self.0.get() + 1);
        Ok(Arc::new(discovery::tests::standard()))
    }
}

#[test]
fn smuggled_flags_are_rejected_before_anything_is_decided() {
    let f = Fixture::new(Environment::Dev);
    let asked = Counting(std::cell::Cell::new(0));
    for call in [
        ToolCall::KubectlGet {
            resource: "pods".into(),
            name: Some("--all".into()),
            namespace: None,
            selector: None,
            output: None,
        },
        ToolCall::KubectlDelete {
            resource: "pods".into(),
            name: "web".into(),
            namespace: Some("--namespace=kube-system".into()),
            approval_id: None,
        },
        ToolCall::KubectlExec {
            pod: "web".into(),
            command: vec![],
            namespace: None,
            container: None,
            approval_id: None,
        },
        get("pods", Some("jsonpath={.items[*].data}")),
        get("secrets", Some("go-template={{.data}}")),
        get("secrets", Some("custom-columns=D:.data")),
        apply("apiVersion: v1\nkind: Pod\nmetadata: {name: '--all'}\n"),
    ] {
        assert!(
            matches!(
                prepare(&f.ctx(), &call, &asked),
                Err(Refusal::InvalidInput(_))
            ),
            "{call:?}"
        );
    }
    assert_eq!(asked.0.get(), 0, "invalid input never asks the cluster");
}

#[test]
fn argv_carries_the_resolved_type_and_validated_values_only() {
    let p = prep(
        Environment::Prod,
        &ToolCall::KubectlScale {
            resource: "deploy".into(),
            name: "web".into(),
            replicas: 0,
            namespace: Some("shop".into()),
            approval_id: None,
        },
    )
    .unwrap();
    assert_eq!(
        argv(&p),
        [
            "scale",
            "deployments.v1.apps/web",
            "--replicas=0",
            "--namespace=shop"
        ]
    );
    assert_eq!(p.verdict.decision(), Decision::Escalate);
    let p = prep(Environment::Dev, &get("cfgs-unknown", None)).unwrap();
    assert_eq!(argv(&p), ["get", "cfgs-unknown", "--namespace=default"]);
}

#[test]
fn every_prepared_argv_passes_the_final_check() {
    let calls = [
        get("all", Some("wide")),
        get("secret", Some("yaml")),
        ToolCall::KubectlLogs {
            pod: "web".into(),
            namespace: None,
            container: Some("app".into()),
            tail: Some(10),
            since: Some("5m".into()),
        },
        ToolCall::KubectlDescribe {
            resource: "node".into(),
            name: "n1".into(),
            namespace: None,
        },
        apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"),
        delete("crd", "certificates.cert-manager.io"),
        ToolCall::KubectlExec {
            pod: "web".into(),
            command: vec!["sh".into(), "-c".into(), "--as=root".into()],
            namespace: None,
            container: None,
            approval_id: None,
        },
    ];
    for call in calls {
        let p = prep(Environment::Dev, &call).unwrap();
        assert_eq!(args::check_argv(&argv(&p), &[]), Ok(()), "{call:?}");
    }
}

#[test]
fn a_short_name_is_decided_as_the_type_it_resolves_to() {
    let mut api = discovery::tests::standard();
    api.resources[2].short_names.push("cfgs".into());
    let f = Fixture::new(Environment::Dev);
    let p = prepare(&f.ctx(), &get("cfgs", Some("yaml")), &Fixed(Some(api))).unwrap();
    assert_eq!(argv(&p)[1], "secrets.v1.");
    match &p.job {
        Job::Kubectl(job) => assert_eq!(job.output, OutputCheck::Structured),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        p.binding.arguments["resolved"]["resources"][0]["kind"],
        "Secret"
    );
}

#[test]
fn cluster_scoped_deletes_are_not_in_a_namespace() {
    for (resource, name, prod) in [
        ("crd", "certificates.cert-manager.io", Decision::Block),
        ("pv", "data-1", Decision::Escalate),
        ("nodes", "worker-1", Decision::Escalate),
        ("validatingadmissionpolicies", "policy", Decision::Escalate),
        ("ns", "shop", Decision::Block),
    ] {
        let dev = prep(Environment::Dev, &delete(resource, name)).unwrap();
        assert!(
            dev.verdict.decision() >= Decision::Escalate,
            "{resource}: {:?}",
            dev.verdict
        );
        assert!(
            !argv(&dev).iter().any(|a| a.starts_with("--namespace")),
            "{resource}"
        );
        let shown = &dev.binding.arguments["resolved"];
        assert_eq!(shown["scope"], "cluster-scoped", "{resource}");
        assert_eq!(shown["namespace"], Value::Null, "{resource}");
        let p = prep(Environment::Prod, &delete(resource, name)).unwrap();
        assert_eq!(p.verdict.decision(), prod, "{resource}");
        assert!(
            p.verdict
                .reasons()
                .iter()
                .all(|r| !r.message.contains("in default")),
            "{:?}",
            p.verdict
        );
    }
}

#[test]
fn unknown_types_and_unreachable_discovery_escalate() {
    let p = prep(Environment::Dev, &delete("frobs", "x")).unwrap();
    assert_eq!(p.verdict.decision(), Decision::Escalate);
    let f = Fixture::new(Environment::Dev);
    let down = Fixed(None);
    let p = prepare(&f.ctx(), &get("pods", None), &down).unwrap();
    assert_eq!(p.verdict.decision(), Decision::Escalate);
    assert!(p.audit.contains_key("discovery_error"));
    let p = prepare(
        &f.ctx(),
        &apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"),
        &down,
    )
    .unwrap();
    assert_eq!(p.verdict.decision(), Decision::Escalate);
    // Ambiguous names and categories where one type is needed are refused.
    assert!(matches!(
        prep(Environment::Dev, &delete("certificates", "x")),
        Err(Refusal::InvalidInput(m)) if m.contains("cert-manager.io")
    ));
    assert!(matches!(
        prep(Environment::Dev, &delete("all", "x")),
        Err(Refusal::InvalidInput(_))
    ));
}

#[test]
fn every_manifest_object_is_decided_on_and_shown() {
    let manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: b, namespace: kube-system}\n  stringData: {anything: hunter2}\n";
    let p = prep(Environment::Dev, &apply(manifest)).unwrap();
    assert_eq!(p.verdict.decision(), Decision::Escalate, "{:?}", p.verdict);
    let objects = p.binding.arguments["objects"].as_array().unwrap();
    assert_eq!(objects.len(), 2);
    assert_eq!(objects[1]["kind"], "Secret");
    assert_eq!(objects[1]["namespace"], "kube-system");
    let shown = objects[1]["object"].as_str().unwrap();
    assert!(
        shown.contains("anything") && !shown.contains("hunter2"),
        "{shown}"
    );
    // kubectl receives the values, and no `--namespace` it could disagree with.
    match &p.job {
        Job::Kubectl(job) => {
            let stdin = String::from_utf8(job.stdin.clone().unwrap()).unwrap();
            assert!(stdin.contains("hunter2"));
            assert!(!job.args.iter().any(|a| a.starts_with("--namespace")));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn items_on_an_object_are_refused_and_cluster_scoped_objects_escalate() {
    let attack = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: innocent}\nitems:\n- apiVersion: rbac.authorization.k8s.io/v1\n  kind: ClusterRoleBinding\n  metadata: {name: pwn}\n  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n";
    assert!(matches!(
        prep(Environment::Dev, &apply(attack)),
        Err(Refusal::InvalidInput(m)) if m.contains("ambiguous")
    ));
    let listed = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: rbac.authorization.k8s.io/v1\n  kind: ClusterRoleBinding\n  metadata: {name: pwn}\n";
    for env in [Environment::Dev, Environment::Staging, Environment::Prod] {
        let p = prep(env, &apply(listed)).unwrap();
        assert!(p.verdict.decision() >= Decision::Escalate, "{env}");
        assert_eq!(p.binding.arguments["objects"][0]["scope"], "cluster-scoped");
    }
}
