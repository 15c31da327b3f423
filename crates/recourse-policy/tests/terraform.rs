//! The per-environment `terraform` section (issues 11 and 17): loading (strict, with key path
//! and line), defaults, hashing, and how the keys decide plans and configurations.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use Decision::*;
use recourse_policy::*;

fn load(yaml: &str) -> Result<Policy, LoadError> {
    Policy::from_yaml_str(yaml)
}

fn load_err(yaml: &str) -> (String, Option<usize>) {
    let e = load(yaml).expect_err("policy should have been rejected");
    (e.to_string(), e.line())
}

const FULL: &str = "recourseos:
  environments:
    prod:
      terraform:
        config:
          provisioner: block
          backend: allow
        max_destroy: 5
        max_replace: 0
        protected_types: [aws_db_instance, google_sql_database_instance]
        empty_state_creates: 3
        import: block
        forget: warn
";

#[test]
fn loads_every_key_and_keeps_other_defaults() {
    let p = load(FULL).unwrap();
    let t = &p.environment(Environment::Prod).terraform;
    assert_eq!(t.config.get(ConfigRule::Provisioner), Block);
    assert_eq!(t.config.get(ConfigRule::Backend), Allow);
    assert_eq!(t.config.get(ConfigRule::CredentialRead), Block);
    assert_eq!(t.config.get(ConfigRule::ExternalData), Escalate);
    assert_eq!(t.max_destroy, Some(5));
    assert_eq!(t.max_replace, Some(0));
    assert!(t.is_protected_type("aws_db_instance"));
    assert_eq!(t.empty_state_creates, 3);
    assert_eq!((t.import, t.forget), (Block, Warn));
    assert_eq!(
        p.environment(Environment::Dev).terraform,
        TerraformPolicy::defaults(Environment::Dev)
    );
    // Round trip through the effective document.
    assert_eq!(load(&p.to_yaml()).unwrap(), p);
}

#[test]
fn bad_terraform_keys_name_path_and_line() {
    let (msg, line) = load_err(
        "recourseos:\n  environments:\n    prod:\n      terraform:\n        config:\n          provisioners: block\n",
    );
    assert!(
        msg.contains("recourseos.environments.prod.terraform.config"),
        "{msg}"
    );
    assert!(msg.contains("provisioners"), "{msg}");
    assert!(msg.contains("provisioner"), "{msg}");
    assert_eq!(line, Some(6));
    let (msg, line) = load_err(
        "recourseos:\n  environments:\n    dev:\n      terraform:\n        config:\n          http_data: deny\n",
    );
    assert!(msg.contains("deny"), "{msg}");
    assert_eq!(line, Some(6));
    let (msg, _) = load_err(
        "recourseos:\n  environments:\n    dev:\n      terraform:\n        config:\n          http_data: warn\n          http_data: block\n",
    );
    assert!(msg.contains("duplicate"), "{msg}");
    let (msg, line) = load_err(
        "recourseos:\n  environments:\n    dev:\n      terraform:\n        max_destroys: 3\n",
    );
    assert!(
        msg.contains("recourseos.environments.dev.terraform"),
        "{msg}"
    );
    assert_eq!(line, Some(5));
    let (msg, _) = load_err(
        "recourseos:\n  environments:\n    dev:\n      terraform:\n        max_destroy: -1\n",
    );
    assert!(msg.contains("max_destroy"), "{msg}");
    let (msg, _) = load_err(
        "recourseos:\n  environments:\n    dev:\n      terraform:\n        empty_state_creates: 0\n",
    );
    assert!(msg.contains("empty_state_creates"), "{msg}");
    let (msg, _) = load_err(
        "recourseos:\n  environments:\n    dev:\n      terraform:\n        protected_types: ['']\n",
    );
    assert!(msg.contains("empty"), "{msg}");
}

#[test]
fn hash_ignores_an_unset_or_restated_terraform_section() {
    let plain = load("recourseos:\n  environments:\n    prod: { shell: block }\n").unwrap();
    let restated = load("recourseos:\n  environments:\n    prod:\n      shell: block\n      terraform:\n        config: { credential_read: block }\n        import: escalate\n").unwrap();
    assert_eq!(plain.hash(), restated.hash());
    assert_ne!(plain.hash(), load(FULL).unwrap().hash());
    // The document shows the effective section all the same.
    let doc = Policy::default().to_document();
    assert_eq!(
        doc["recourseos"]["environments"]["prod"]["terraform"]["config"]["credential_read"],
        "block"
    );
    let schema = json_schema();
    let config = &schema["properties"]["recourseos"]["properties"]["environments"]["properties"]["prod"]
        ["properties"]["terraform"]["properties"]["config"]["properties"];
    for rule in ConfigRule::ALL {
        assert!(config.get(rule.key()).is_some(), "{rule}");
    }
}

fn change(address: &str, ty: &str, action: ChangeAction, tier: RecoverabilityTier) -> PlanChange {
    PlanChange {
        address: address.into(),
        resource_type: ty.into(),
        action,
        tier,
        why: "test".into(),
    }
}

fn plan(changes: Vec<PlanChange>) -> PlanFacts {
    PlanFacts {
        workspace: "default".into(),
        changes,
        prior_resources: Some(10),
        ..PlanFacts::default()
    }
}

fn has(v: &Verdict, rule: &str) -> bool {
    v.reasons().iter().any(|r| r.rule.as_str() == rule)
}

#[test]
fn caps_and_protected_types_block_and_name_the_addresses() {
    use RecoverabilityTier::RecoverableWithEffort as Rwe;
    let p = load(FULL).unwrap();
    let deletes: Vec<PlanChange> = (0..6)
        .map(|i| {
            change(
                &format!("aws_sns_topic.t{i}"),
                "aws_sns_topic",
                ChangeAction::Delete,
                Rwe,
            )
        })
        .collect();
    let v = p.evaluate(
        Environment::Prod,
        Action::TerraformPlan(&plan(deletes.clone())),
    );
    assert_eq!(v.decision(), Block);
    let r = v
        .reasons()
        .iter()
        .find(|r| r.rule.as_str() == "environments.prod.terraform.max_destroy")
        .unwrap();
    assert!(
        r.message.contains("aws_sns_topic.t5") && r.message.contains("6 object"),
        "{}",
        r.message
    );
    // Under the cap, or another environment without one: no cap reason.
    let v = p.evaluate(
        Environment::Prod,
        Action::TerraformPlan(&plan(deletes[..5].to_vec())),
    );
    assert!(!has(&v, "environments.prod.terraform.max_destroy"));
    let v = p.evaluate(Environment::Dev, Action::TerraformPlan(&plan(deletes)));
    assert_eq!(v.decision(), Allow);
    // max_replace: 0.
    let one = vec![change(
        "aws_sns_topic.r",
        "aws_sns_topic",
        ChangeAction::Replace,
        Rwe,
    )];
    let v = p.evaluate(Environment::Prod, Action::TerraformPlan(&plan(one)));
    assert!(has(&v, "environments.prod.terraform.max_replace"));
    // Protected types: destroy or replace blocks, update does not.
    let db = |a| vec![change("aws_db_instance.main", "aws_db_instance", a, Rwe)];
    let v = p.evaluate(
        Environment::Prod,
        Action::TerraformPlan(&plan(db(ChangeAction::Delete))),
    );
    assert!(has(&v, "environments.prod.terraform.protected_types"));
    assert!(
        v.reasons()
            .iter()
            .any(|r| r.message.contains("aws_db_instance.main"))
    );
    let v = p.evaluate(
        Environment::Prod,
        Action::TerraformPlan(&plan(db(ChangeAction::Update))),
    );
    assert!(!has(&v, "environments.prod.terraform.protected_types"));
    // Long lists are cut, with a count.
    let many: Vec<PlanChange> = (0..40)
        .map(|i| {
            change(
                &format!("aws_db_instance.d{i}"),
                "aws_db_instance",
                ChangeAction::Delete,
                Rwe,
            )
        })
        .collect();
    let v = p.evaluate(Environment::Prod, Action::TerraformPlan(&plan(many)));
    assert!(
        v.reasons()
            .iter()
            .any(|r| r.message.contains("and 30 more"))
    );
}

#[test]
fn imports_forgets_and_empty_state_creates() {
    use RecoverabilityTier::RecoverableWithEffort as Rwe;
    let p = Policy::default();
    let decisions = |f: &PlanFacts| -> Vec<Decision> {
        Environment::ALL
            .iter()
            .map(|e| p.evaluate(*e, Action::TerraformPlan(f)).decision())
            .collect()
    };
    let imp = plan(vec![change(
        "aws_s3_bucket.b",
        "aws_s3_bucket",
        ChangeAction::Import,
        Rwe,
    )]);
    assert_eq!(decisions(&imp), [Warn, Escalate, Escalate]);
    let fg = plan(vec![change(
        "aws_s3_bucket.b",
        "aws_s3_bucket",
        ChangeAction::Forget,
        Rwe,
    )]);
    assert_eq!(decisions(&fg), [Warn, Escalate, Escalate]);
    let creates = |n: usize, prior: Option<u64>| PlanFacts {
        prior_resources: prior,
        ..plan(
            (0..n)
                .map(|i| {
                    change(
                        &format!("aws_sns_topic.t{i}"),
                        "aws_sns_topic",
                        ChangeAction::Create,
                        RecoverabilityTier::Reversible,
                    )
                })
                .collect(),
        )
    };
    assert_eq!(
        decisions(&creates(10, Some(0))),
        [Escalate, Escalate, Escalate]
    );
    assert_eq!(decisions(&creates(9, Some(0))), [Allow, Warn, Escalate]);
    assert_eq!(decisions(&creates(50, Some(3))), [Allow, Warn, Escalate]);
    assert_eq!(decisions(&creates(50, None)), [Allow, Warn, Escalate]);
}

#[test]
fn config_findings_decide_even_without_changes() {
    let finding = |rule| ConfigFinding {
        rule,
        file: "main.tf".into(),
        line: 3,
        text: "file(\"/proc/self/environ\")".into(),
        message: "file() reads process files".into(),
    };
    let p = Policy::default();
    let f = PlanFacts {
        config_findings: vec![finding(ConfigRule::ProcRead)],
        ..PlanFacts::default()
    };
    for e in Environment::ALL {
        let v = p.evaluate(e, Action::TerraformPlan(&f));
        assert_eq!(v.decision(), Block);
        assert!(v.reasons()[0].message.starts_with("main.tf:3"));
    }
    for (rule, want) in [
        (ConfigRule::ExternalData, [Warn, Escalate, Escalate]),
        (ConfigRule::OutsideRead, [Warn, Escalate, Escalate]),
        (ConfigRule::Provisioner, [Warn, Escalate, Escalate]),
        (ConfigRule::DynamicRead, [Escalate, Escalate, Escalate]),
        (ConfigRule::Unparseable, [Escalate, Escalate, Escalate]),
        (ConfigRule::Provider, [Block, Block, Block]),
        (ConfigRule::CredentialRead, [Block, Block, Block]),
    ] {
        let got: Vec<Decision> = Environment::ALL
            .iter()
            .map(|e| {
                p.evaluate(
                    *e,
                    Action::TerraformConfig {
                        workspace: "w",
                        findings: &[finding(rule)],
                    },
                )
                .decision()
            })
            .collect();
        assert_eq!(got, want, "{rule}");
    }
}
