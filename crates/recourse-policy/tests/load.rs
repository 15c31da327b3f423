//! Loading policy files: defaults, strictness (every error names key path and line), merging,
//! aliases, hashing, schema.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use Decision::*;
use recourse_policy::defaults::*;
use recourse_policy::{Decision, Environment, LoadError, NetworkAccess, Policy};

fn load(yaml: &str) -> Result<Policy, LoadError> {
    Policy::from_yaml_str(yaml)
}

fn load_err(yaml: &str) -> (String, Option<usize>) {
    let e = load(yaml).expect_err("policy should have been rejected");
    (e.to_string(), e.line())
}

#[test]
fn defaults_equal_the_design_table() {
    let p = Policy::default();
    // env, default_mutation, terraform_destroy, kubectl_exec, kubectl_delete, shell
    let table = [
        (Environment::Dev, Allow, Escalate, Escalate, Warn, Warn),
        (
            Environment::Staging,
            Warn,
            Escalate,
            Escalate,
            Escalate,
            Escalate,
        ),
        (
            Environment::Prod,
            Escalate,
            Block,
            Escalate,
            Escalate,
            Escalate,
        ),
    ];
    for (env, dm, td, ke, kd, sh) in table {
        let e = p.environment(env);
        assert_eq!(
            (
                e.default_mutation,
                e.terraform_destroy,
                e.kubectl_exec,
                e.kubectl_delete,
                e.shell
            ),
            (dm, td, ke, kd, sh),
            "{env}"
        );
    }
    let ns: Vec<&str> = p.protected_namespaces.iter().map(|n| n.as_str()).collect();
    assert_eq!(
        ns,
        [
            "kube-system",
            "kube-public",
            "cert-manager",
            "ingress",
            "istio-system",
            "monitoring",
            "security",
            "vault"
        ]
    );
    assert_eq!(p.protected_workspaces, ["production", "prod"]);
    assert_eq!(p.plan_ttl_seconds.get(), 3600);
    assert_eq!(p.approval_ttl_seconds.get(), 86400);
}

#[test]
fn default_shell_lists_match_the_documented_product() {
    let s = Policy::default().shell;
    assert_eq!(
        s.allow_readonly,
        [
            "ls",
            "cat",
            "head",
            "tail",
            "grep",
            "find",
            "wc",
            "jq",
            "yq",
            "git status",
            "git diff",
            "git log",
            "git show",
            "terraform show",
            "terraform validate",
            "terraform fmt",
            "kubectl get",
            "kubectl describe",
            "kubectl logs",
            "echo",
            "pwd",
            "whoami",
            "date"
        ]
    );
    assert!(
        !s.allow_readonly.iter().any(|c| c == "env"),
        "env prints credentials"
    );
    assert_eq!(
        s.always_escalate,
        [
            "rm",
            "mv",
            "cp",
            "chmod",
            "chown",
            "mkdir",
            "rmdir",
            "aws",
            "gcloud",
            "az",
            "kubectl apply",
            "kubectl delete",
            "kubectl exec",
            "kubectl patch",
            "terraform apply",
            "terraform destroy",
            "terraform import",
            "helm install",
            "helm upgrade",
            "helm delete",
            "docker run",
            "docker exec",
            "docker rm"
        ]
    );
    assert_eq!(
        s.always_block,
        [
            "curl | sh",
            "curl | bash",
            "wget | sh",
            "wget | bash",
            "bash <(curl)",
            "sh <(curl)",
            "rm -rf /",
            "rm -rf /*",
            "rm -rf ~",
            "chmod 777",
            "chmod -R 777",
            "sudo su",
            "sudo -i",
            "sudo bash",
            "nc -e",
            "bash -i >& /dev/tcp"
        ]
    );
    assert_eq!(s.default, Warn);
    assert!(s.redact_secrets);
    assert_eq!(s.network, NetworkAccess::Allow);
    assert_eq!(s.max_timeout_seconds.get(), DEFAULT_MAX_TIMEOUT_SECONDS);
    assert_eq!(s.max_output_bytes.get(), DEFAULT_MAX_OUTPUT_BYTES);
}

#[test]
fn the_design_example_loads() {
    let p = load(
        r#"
recourseos:
  version: '2.0'
  environments:
    prod: { default_mutation: escalate, terraform_destroy: block }
  protected_namespaces: [kube-system, monitoring, production]
  shell:
    always_block: ['curl | sh', 'rm -rf /', 'sudo su']
    always_escalate: ['aws', 'terraform apply']
  plan_ttl_seconds: 3600
  approval_ttl_seconds: 86400
"#,
    )
    .unwrap();
    assert_eq!(p.protected_namespaces.len(), 3);
    assert_eq!(p.shell.always_block, ["curl | sh", "rm -rf /", "sudo su"]);
    // untouched keys keep their defaults
    assert_eq!(
        p.shell.allow_readonly,
        Policy::default().shell.allow_readonly
    );
    assert_eq!(p.environments.dev, Policy::default().environments.dev);
}

#[test]
fn the_shipped_example_policy_loads() {
    let text = include_str!("../../../examples/policy.yaml");
    let p = load(text).unwrap();
    assert_eq!(p.environment(Environment::Staging).kubectl_delete, Escalate);
    assert_eq!(p.shell.max_timeout_seconds.get(), 120);
}

#[test]
fn a_key_replaces_only_itself_and_lists_replace_whole() {
    let p = load(
        "recourseos:\n  environments:\n    dev:\n      shell: escalate\n  protected_workspaces: [live]\n  shell:\n    allow_readonly: [ls]\n    network: deny\n",
    )
    .unwrap();
    let d = Policy::default();
    assert_eq!(p.environment(Environment::Dev).shell, Escalate);
    assert_eq!(
        p.environment(Environment::Dev).default_mutation,
        d.environment(Environment::Dev).default_mutation
    );
    assert_eq!(p.environments.prod, d.environments.prod);
    assert_eq!(p.protected_workspaces, ["live"]);
    assert_eq!(p.shell.allow_readonly, ["ls"]);
    assert_eq!(p.shell.always_block, d.shell.always_block);
    assert_eq!(p.shell.network, NetworkAccess::Deny);
    assert_eq!(p.protected_namespaces, d.protected_namespaces);
}

#[test]
fn environment_aliases_in_files() {
    for (alias, env) in [
        ("production", Environment::Prod),
        ("stage", Environment::Staging),
        ("development", Environment::Dev),
    ] {
        let p = load(&format!(
            "recourseos:\n  environments:\n    {alias}:\n      kubectl_exec: block\n"
        ))
        .unwrap();
        assert_eq!(p.environment(env).kubectl_exec, Block, "{alias}");
    }
    // an alias and its canonical name together is ambiguous
    let (msg, line) = load_err("recourseos:\n  environments:\n    prod: {}\n    production: {}\n");
    assert!(msg.contains("duplicate field"), "{msg}");
    assert!(line.is_some());
}

#[test]
fn unknown_environment_names_valid_ones_and_line() {
    let (msg, line) = load_err("recourseos:\n  environments:\n    qa:\n      shell: allow\n");
    assert!(msg.contains("recourseos.environments"), "{msg}");
    assert!(msg.contains("`qa`"), "{msg}");
    for valid in ["dev", "staging", "prod"] {
        assert!(msg.contains(valid), "{msg}");
    }
    assert_eq!(line, Some(3));
}

#[test]
fn every_kind_of_bad_file_names_key_path_and_line() {
    let cases: &[(&str, &str, usize)] = &[
        // unknown key at top of the policy
        (
            "recourseos:\n  version: '2.0'\n  bogus: 1\n",
            "recourseos: unknown field `bogus`",
            3,
        ),
        // unknown key in an environment
        (
            "recourseos:\n  environments:\n    prod:\n      default_mutations: block\n",
            "recourseos.environments.prod: unknown field `default_mutations`",
            4,
        ),
        // unknown key in shell
        (
            "recourseos:\n  shell:\n    allow: [ls]\n",
            "recourseos.shell: unknown field `allow`",
            3,
        ),
        // unknown decision value
        (
            "recourseos:\n  environments:\n    prod:\n      shell: deny\n",
            "recourseos.environments.prod.shell: unknown variant `deny`",
            4,
        ),
        // wrong type
        (
            "recourseos:\n  plan_ttl_seconds: soon\n",
            "recourseos.plan_ttl_seconds: invalid type",
            2,
        ),
        (
            "recourseos:\n  protected_namespaces: kube-system\n",
            "recourseos.protected_namespaces",
            2,
        ),
        (
            "recourseos:\n  shell:\n    redact_secrets: 'no'\n",
            "recourseos.shell.redact_secrets",
            3,
        ),
        // zero TTLs and limits
        (
            "recourseos:\n  plan_ttl_seconds: 0\n",
            "recourseos.plan_ttl_seconds",
            2,
        ),
        (
            "recourseos:\n  approval_ttl_seconds: 0\n",
            "recourseos.approval_ttl_seconds",
            2,
        ),
        (
            "recourseos:\n  shell:\n    max_output_bytes: 0\n",
            "recourseos.shell.max_output_bytes",
            3,
        ),
        (
            "recourseos:\n  approval_ttl_seconds: -5\n",
            "recourseos.approval_ttl_seconds",
            2,
        ),
        // invalid namespace
        (
            "recourseos:\n  protected_namespaces: [kube-system, '--all']\n",
            "recourseos.protected_namespaces: `--all` is not a valid namespace",
            2,
        ),
        // empty pattern
        (
            "recourseos:\n  shell:\n    always_block: ['']\n",
            "recourseos.shell.always_block: empty string",
            3,
        ),
        // network value
        (
            "recourseos:\n  shell:\n    network: maybe\n",
            "recourseos.shell.network",
            3,
        ),
        // version
        ("recourseos:\n  version: '1.0'\n", "recourseos.version", 2),
        // wrong root
        ("policy:\n  version: '2.0'\n", "unknown field `policy`", 1),
        // duplicate key
        (
            "recourseos:\n  plan_ttl_seconds: 10\n  plan_ttl_seconds: 20\n",
            "duplicate field `plan_ttl_seconds`",
            2,
        ),
        // malformed YAML
        (
            "recourseos:\n  environments: [\n",
            "recourseos.environments: invalid type: sequence, expected a mapping of environment names",
            2,
        ),
        (
            "recourseos:\n  shell:\n    always_block: ['ls\n",
            "while scanning a quoted scalar at line 3",
            4,
        ),
    ];
    for (yaml, needle, line) in cases {
        let (msg, got_line) = load_err(yaml);
        assert!(msg.contains(needle), "{yaml:?}: {msg}");
        assert_eq!(got_line, Some(*line), "{yaml:?}: {msg}");
    }
}

#[test]
fn empty_and_rootless_files_are_errors() {
    assert_eq!(load("").unwrap_err(), LoadError::Empty);
    assert_eq!(load("# only a comment\n\n").unwrap_err(), LoadError::Empty);
    assert!(
        load("recourseos:\n")
            .unwrap_err()
            .to_string()
            .contains("recourseos")
    );
    assert!(load("{}\n").unwrap_err().to_string().contains("recourseos"));
}

#[test]
fn version_forms() {
    for v in ["'2.0'", "\"2\"", "2.0", "2"] {
        assert!(
            load(&format!("recourseos:\n  version: {v}\n")).is_ok(),
            "{v}"
        );
    }
}

#[test]
fn hash_is_stable_across_key_order_comments_and_restated_defaults() {
    let a = load("recourseos:\n  plan_ttl_seconds: 600\n  environments:\n    prod: { shell: block, kubectl_exec: block }\n").unwrap();
    let b = load("# comment\nrecourseos:\n  environments:\n    prod:\n      kubectl_exec: block   # why\n      shell: block\n  plan_ttl_seconds: 600\n  approval_ttl_seconds: 86400\n").unwrap();
    assert_eq!(a.hash(), b.hash());
    let c = load("recourseos:\n  plan_ttl_seconds: 601\n  environments:\n    prod: { shell: block, kubectl_exec: block }\n").unwrap();
    assert_ne!(a.hash(), c.hash());
    assert_ne!(a.hash(), Policy::default().hash());
    // the empty overlay hashes as the default
    assert_eq!(
        load("recourseos:\n  version: '2.0'\n").unwrap().hash(),
        Policy::default().hash()
    );
}

#[test]
fn yaml_round_trip() {
    let p = load(include_str!("../../../examples/policy.yaml")).unwrap();
    let again = load(&p.to_yaml()).unwrap();
    assert_eq!(p, again);
    assert_eq!(p.hash(), again.hash());
    assert_eq!(
        load(&Policy::default().to_yaml()).unwrap(),
        Policy::default()
    );
}

/// Every key the schema names is a key the loader accepts, and vice versa: a document with all
/// keys set loads, and the schema's property sets equal the document's keys.
#[test]
fn schema_and_loader_agree() {
    let schema = recourse_policy::json_schema();
    let root = &schema["properties"]["recourseos"]["properties"];
    let doc = Policy::default().to_document();
    let body = doc["recourseos"].as_object().unwrap();
    let schema_keys: std::collections::BTreeSet<&str> = root
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let doc_keys: std::collections::BTreeSet<&str> = body.keys().map(String::as_str).collect();
    assert_eq!(schema_keys, doc_keys);
    let shell_schema: std::collections::BTreeSet<&str> = root["shell"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let shell_doc: std::collections::BTreeSet<&str> = body["shell"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(shell_schema, shell_doc);
    let env_schema: std::collections::BTreeSet<&str> =
        root["environments"]["properties"]["prod"]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
    let mut env_doc: std::collections::BTreeSet<&str> = body["environments"]["prod"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    // `principals` is optional: the default document leaves it out (and out of the hash).
    env_doc.insert("principals");
    assert_eq!(env_schema, env_doc);
}

mod principals {
    use super::*;
    use recourse_policy::{AccessRefusal, Principal};

    const TEAM: &str = "recourseos:
  environments:
    prod:
      principals:
        group:sre: all
        group:agents: [gateway_kubectl_get, gateway_check_approval]
        principal:ci-bot: [gateway_terraform_plan]
";

    #[test]
    fn a_principals_section_loads_and_decides_per_environment() {
        let p = load(TEAM).unwrap();
        let agents = vec!["agents".to_owned()];
        let agent = Principal {
            id: "agent-7",
            groups: &agents,
        };
        assert!(
            p.may_use(Environment::Prod, &agent, "gateway_kubectl_get")
                .is_ok()
        );
        assert!(matches!(
            p.may_use(Environment::Prod, &agent, "gateway_shell_exec"),
            Err(AccessRefusal::NotGranted { .. })
        ));
        let stranger = Principal {
            id: "nobody",
            groups: &[],
        };
        assert!(matches!(
            p.may_use(Environment::Prod, &stranger, "gateway_get_plan"),
            Err(AccessRefusal::UnknownPrincipal { .. })
        ));
        // Environments without a section admit every caller (stdio setups keep working).
        assert!(
            p.may_use(Environment::Dev, &stranger, "gateway_shell_exec")
                .is_ok()
        );
        assert!(
            Policy::default()
                .may_use(Environment::Prod, &stranger, "gateway_shell_exec")
                .is_ok()
        );
    }

    #[test]
    fn a_principals_section_round_trips_and_changes_the_hash() {
        let p = load(TEAM).unwrap();
        assert_eq!(load(&p.to_yaml()).unwrap(), p);
        assert_ne!(p.hash(), Policy::default().hash());
        // Unset, the section is not part of the hashed document: old hashes stay.
        assert!(!p.to_yaml().is_empty());
        assert!(
            !Policy::default()
                .to_document()
                .to_string()
                .contains("principals")
        );
    }

    #[test]
    fn principals_errors_name_key_path_and_line() {
        for (yaml, needle, line) in [
            (
                "recourseos:\n  environments:\n    prod:\n      principals:\n        user:alice: all\n",
                "unknown principal key `user:alice`",
                5,
            ),
            (
                "recourseos:\n  environments:\n    prod:\n      principals:\n        group:sre: [gateway_rm_rf]\n",
                "unknown tool `gateway_rm_rf`",
                5,
            ),
            (
                "recourseos:\n  environments:\n    prod:\n      principals:\n        group:sre: everything\n",
                "expected `all` or a list of tool names",
                5,
            ),
            (
                "recourseos:\n  environments:\n    prod:\n      principals:\n        group:sre: all\n        group:sre: []\n",
                "duplicate entry `group:sre`",
                5,
            ),
            (
                "recourseos:\n  environments:\n    prod:\n      principals:\n        'group: ': all\n",
                "must be non-empty",
                5,
            ),
            (
                "recourseos:\n  environments:\n    prod:\n      principals:\n        '*': [gateway_get_plan, gateway_get_plan]\n",
                "listed twice",
                5,
            ),
        ] {
            let (msg, at) = load_err(yaml);
            assert!(msg.contains(needle), "{msg}");
            assert!(
                msg.contains("recourseos.environments.prod.principals"),
                "{msg}"
            );
            assert_eq!(at, Some(line), "{msg}");
        }
    }

    #[test]
    fn the_schema_knows_the_principals_section() {
        let schema = recourse_policy::json_schema().to_string();
        assert!(schema.contains("principals"));
        assert!(schema.contains("gateway_kubectl_get"));
    }
}
