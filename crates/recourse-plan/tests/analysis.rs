//! Plan parsing and consequence analysis.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use recourse_plan::*;
use recourse_policy::{
    Action as PolicyAction, Decision, Environment, Policy, RecoverabilityTier as Tier,
};
use serde_json::{Value, json};

fn shared(name: &str) -> String {
    let path = format!(
        "{}/../../../shared/fixtures/tfplans/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_shared_fixture_parses() {
    let dir = format!(
        "{}/../../../shared/fixtures/tfplans",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let plan = Plan::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let a = analyze(&plan);
        assert_eq!(a.changes.len(), plan.resource_changes.len());
        plan_digest(&text).unwrap();
        n += 1;
    }
    assert!(n >= 10, "{n} fixtures");
}

fn kinds(text: &str) -> Vec<(String, ActionKind)> {
    analyze(&Plan::from_json(text).unwrap())
        .changes
        .into_iter()
        .map(|c| (c.address, c.action))
        .collect()
}

#[test]
fn action_kinds_for_all_shapes() {
    let basic = kinds(&shared("terraform-json__basic_plan.json"));
    assert!(basic.contains(&("null_resource.bar".into(), ActionKind::Create)));
    assert!(basic.contains(&("data.null_data_source.baz".into(), ActionKind::Read)));
    assert_eq!(
        kinds(&shared("tf-plan-format__update.tfplan.json"))[0].1,
        ActionKind::Update
    );
    assert_eq!(
        kinds(&shared("tf-plan-format__delete.tfplan.json"))[0].1,
        ActionKind::Delete
    );
    assert_eq!(
        kinds(&shared("tf-plan-format__no-op.tfplan.json"))[0].1,
        ActionKind::NoOp
    );
    assert_eq!(
        kinds(&shared("tf-plan-format__delete-create.tfplan.json"))[0].1,
        ActionKind::ReplaceDeleteBeforeCreate
    );
    let real = kinds(include_str!("data/tf103-s3-replace-rds-delete.plan.json"));
    assert!(real.contains(&(
        "aws_sqs_queue.jobs".into(),
        ActionKind::ReplaceCreateBeforeDestroy
    )));
    assert!(real.contains(&(
        "aws_s3_bucket.data".into(),
        ActionKind::ReplaceDeleteBeforeCreate
    )));
    assert!(real.contains(&("aws_db_instance.main".into(), ActionKind::Delete)));
    assert!(real.contains(&("aws_s3_bucket.logs".into(), ActionKind::Update)));
    use recourse_plan::Action::*;
    assert_eq!(ActionKind::from_actions(&[Forget]), ActionKind::Forget);
    assert_eq!(ActionKind::from_actions(&[Other]), ActionKind::Unknown);
    assert_eq!(
        ActionKind::from_actions(&[Delete, Delete]),
        ActionKind::Unknown
    );
}

#[test]
fn action_reason_and_sensitive_fixtures() {
    let a = analyze(&Plan::from_json(&shared("terraform-json__action_reason_plan.json")).unwrap());
    assert_eq!(
        a.changes[0].action_reason.as_deref(),
        Some("replace_because_tainted")
    );
    let s = Plan::from_json(&shared("tf-plan-format__sensitive.tfplan.json")).unwrap();
    assert!(s.resource_changes[0].change.replace_paths.is_some());
}

#[test]
fn malformed_and_unsupported_input_are_clear_errors() {
    assert!(matches!(
        Plan::from_json("nope"),
        Err(PlanParseError::Malformed(_))
    ));
    assert!(matches!(
        Plan::from_json("[]"),
        Err(PlanParseError::Malformed(_))
    ));
    assert!(matches!(
        Plan::from_json(r#"{"resource_changes": []}"#),
        Err(PlanParseError::Malformed(m)) if m.contains("format_version")
    ));
    assert_eq!(
        Plan::from_json(r#"{"format_version": "2.0"}"#),
        Err(PlanParseError::UnsupportedVersion("2.0".into()))
    );
    assert_eq!(
        Plan::from_json(r#"{"format_version": "1.2", "errored": true}"#),
        Err(PlanParseError::Errored)
    );
    assert!(matches!(
        Plan::from_json(r#"{"format_version":"1.2","resource_changes":[{"address":1}]}"#),
        Err(PlanParseError::Malformed(_))
    ));
}

/// A one-change plan destroying (or replacing) `ty` whose last values are `before`.
fn one(ty: &str, actions: &[&str], before: Value, after: Value) -> PlanAnalysis {
    let plan = json!({
        "format_version": "1.2",
        "resource_changes": [{
            "address": format!("{ty}.x"), "mode": "managed", "type": ty, "name": "x",
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": { "actions": actions, "before": before, "after": after }
        }]
    });
    analyze(&Plan::from_json(&plan.to_string()).unwrap())
}

fn tier_of_delete(ty: &str, before: Value) -> Tier {
    let t = one(ty, &["delete"], before.clone(), Value::Null)
        .worst_tier()
        .unwrap();
    // Replacement destroys the old object just the same, in either order.
    assert_eq!(
        one(ty, &["delete", "create"], before.clone(), json!({})).worst_tier(),
        Some(t),
        "{ty}"
    );
    assert_eq!(
        one(ty, &["create", "delete"], before, json!({})).worst_tier(),
        Some(t),
        "{ty}"
    );
    t
}

#[test]
fn database_tiers() {
    use Tier::*;
    for ty in ["aws_db_instance", "aws_rds_cluster"] {
        let base = json!({"identifier": "db", "engine": "postgres", "backup_retention_period": 7,
            "delete_automated_backups": true, "deletion_protection": false,
            "skip_final_snapshot": true, "final_snapshot_identifier": null});
        assert_eq!(tier_of_delete(ty, base.clone()), Unrecoverable, "{ty}");
        let mut keep = base.clone();
        keep["delete_automated_backups"] = json!(false);
        assert_eq!(tier_of_delete(ty, keep), RecoverableFromBackup, "{ty}");
        let mut snap = base.clone();
        snap["skip_final_snapshot"] = json!(false);
        snap["final_snapshot_identifier"] = json!("db-final");
        assert_eq!(tier_of_delete(ty, snap), RecoverableFromBackup, "{ty}");
        let mut nosnap = base.clone();
        nosnap["skip_final_snapshot"] = json!(false);
        assert_eq!(tier_of_delete(ty, nosnap), NeedsReview, "{ty}");
        let mut protected = base;
        protected["deletion_protection"] = json!(true);
        assert_eq!(tier_of_delete(ty, protected), NeedsReview, "{ty}");
    }
    assert_eq!(
        tier_of_delete(
            "google_sql_database_instance",
            json!({"deletion_protection": false})
        ),
        Unrecoverable
    );
    assert_eq!(
        tier_of_delete(
            "google_sql_database_instance",
            json!({"deletion_protection": true})
        ),
        NeedsReview
    );
    assert_eq!(
        tier_of_delete("azurerm_mssql_database", json!({"name": "db"})),
        RecoverableFromBackup
    );
    assert_eq!(
        tier_of_delete("azurerm_mssql_server", json!({"name": "srv"})),
        Unrecoverable
    );
    assert_eq!(
        tier_of_delete("azurerm_sql_database", json!({"name": "db"})),
        RecoverableFromBackup
    );
}

#[test]
fn storage_tiers() {
    use Tier::*;
    assert_eq!(
        tier_of_delete(
            "aws_s3_bucket",
            json!({"bucket": "b", "force_destroy": true, "versioning": [{"enabled": true}]})
        ),
        Unrecoverable
    );
    assert_eq!(
        tier_of_delete(
            "aws_s3_bucket",
            json!({"bucket": "b", "force_destroy": false, "versioning": [{"enabled": true}]})
        ),
        RecoverableWithEffort
    );
    assert_eq!(
        tier_of_delete(
            "aws_s3_bucket",
            json!({"bucket": "b", "force_destroy": false})
        ),
        RecoverableWithEffort
    );
    assert_eq!(
        tier_of_delete("google_storage_bucket", json!({"force_destroy": true})),
        Unrecoverable
    );
    assert_eq!(
        tier_of_delete("google_storage_bucket", json!({"force_destroy": false})),
        RecoverableWithEffort
    );
    assert_eq!(
        tier_of_delete(
            "aws_dynamodb_table",
            json!({"point_in_time_recovery": [{"enabled": true}], "deletion_protection_enabled": false})
        ),
        RecoverableFromBackup
    );
    assert_eq!(
        tier_of_delete(
            "aws_dynamodb_table",
            json!({"point_in_time_recovery": [{"enabled": false}]})
        ),
        Unrecoverable
    );
    assert_eq!(
        tier_of_delete(
            "aws_dynamodb_table",
            json!({"deletion_protection_enabled": true})
        ),
        NeedsReview
    );
    assert_eq!(
        tier_of_delete("aws_ebs_volume", json!({"size": 100})),
        Unrecoverable
    );
    assert_eq!(
        tier_of_delete(
            "aws_ebs_volume",
            json!({"size": 100, "final_snapshot": true})
        ),
        RecoverableFromBackup
    );
    assert_eq!(
        tier_of_delete("aws_efs_file_system", json!({"encrypted": true})),
        Unrecoverable
    );
    assert_eq!(
        tier_of_delete("google_compute_disk", json!({"size": 10})),
        Unrecoverable
    );
    assert_eq!(
        tier_of_delete("aws_elasticache_cluster", json!({"engine": "memcached"})),
        RecoverableWithEffort
    );
    assert_eq!(
        tier_of_delete(
            "aws_elasticache_cluster",
            json!({"engine": "redis", "final_snapshot_identifier": "f"})
        ),
        RecoverableFromBackup
    );
    assert_eq!(
        tier_of_delete(
            "aws_elasticache_replication_group",
            json!({"engine": "redis"})
        ),
        Unrecoverable
    );
    assert_eq!(
        tier_of_delete("azurerm_storage_account", json!({"name": "sa"})),
        Unrecoverable
    );
}

#[test]
fn key_secret_dns_iam_and_stateless_tiers() {
    use Tier::*;
    assert_eq!(
        tier_of_delete("aws_kms_key", json!({"deletion_window_in_days": 7})),
        NeedsReview
    );
    let kms = one(
        "aws_kms_key",
        &["delete"],
        json!({"deletion_window_in_days": 7}),
        Value::Null,
    );
    assert!(
        kms.changes[0].why.contains("7 days"),
        "{}",
        kms.changes[0].why
    );
    assert_eq!(
        tier_of_delete(
            "aws_secretsmanager_secret",
            json!({"recovery_window_in_days": 0})
        ),
        Unrecoverable
    );
    assert_eq!(
        tier_of_delete(
            "aws_secretsmanager_secret",
            json!({"recovery_window_in_days": 30})
        ),
        RecoverableFromBackup
    );
    assert_eq!(
        tier_of_delete(
            "aws_route53_zone",
            json!({"name": "example.com", "force_destroy": false})
        ),
        NeedsReview
    );
    assert_eq!(
        tier_of_delete(
            "aws_route53_zone",
            json!({"name": "example.com", "force_destroy": true})
        ),
        Unrecoverable
    );
    assert_eq!(
        tier_of_delete("aws_iam_role", json!({"name": "r"})),
        RecoverableWithEffort
    );
    assert_eq!(
        tier_of_delete("aws_iam_role_policy_attachment", json!({"role": "r"})),
        Reversible
    );
    assert_eq!(
        tier_of_delete("aws_security_group_rule", json!({"type": "ingress"})),
        RecoverableWithEffort
    );
    // Issue 17: a queue's undelivered messages are data; deleting it is not "stateless".
    assert_eq!(
        tier_of_delete("aws_sqs_queue", json!({"name": "q"})),
        NeedsReview
    );
    assert_eq!(tier_of_delete("null_resource", json!({})), Reversible);
    assert_eq!(tier_of_delete("aws_db_snapshot", json!({})), Unrecoverable);
    // Unknown types are never reversible.
    assert_eq!(tier_of_delete("acme_mystery_thing", json!({})), NeedsReview);
    assert_eq!(
        one("acme_mystery_thing", &["create"], Value::Null, json!({})).worst_tier(),
        Some(Reversible)
    );
}

#[test]
fn updates_that_turn_protection_off_need_review() {
    let a = one(
        "aws_db_instance",
        &["update"],
        json!({"deletion_protection": true}),
        json!({"deletion_protection": false}),
    );
    assert_eq!(a.worst_tier(), Some(Tier::NeedsReview));
    let a = one(
        "aws_s3_bucket",
        &["update"],
        json!({"force_destroy": false}),
        json!({"force_destroy": true}),
    );
    assert_eq!(a.worst_tier(), Some(Tier::NeedsReview));
    let a = one(
        "aws_db_instance",
        &["update"],
        json!({"backup_retention_period": 7}),
        json!({"backup_retention_period": 0}),
    );
    assert_eq!(a.worst_tier(), Some(Tier::NeedsReview));
    let a = one(
        "aws_db_instance",
        &["update"],
        json!({"instance_class": "db.t3.micro"}),
        json!({"instance_class": "db.t3.small"}),
    );
    assert_eq!(a.worst_tier(), Some(Tier::Reversible));
}

fn plan_of(changes: Value) -> PlanAnalysis {
    analyze(
        &Plan::from_json(
            &json!({"format_version": "1.2", "resource_changes": changes}).to_string(),
        )
        .unwrap(),
    )
}

fn rc(ty: &str, name: &str, actions: &[&str], before: Value, after: Value) -> Value {
    json!({"address": format!("{ty}.{name}"), "mode": "managed", "type": ty, "name": name,
        "provider_name": "p", "change": {"actions": actions, "before": before, "after": after}})
}

#[test]
fn cross_change_patterns_raise_tiers() {
    // A database with a final snapshot, but its backups deleted in the same plan.
    let a = plan_of(json!([
        rc(
            "aws_db_instance",
            "main",
            &["delete"],
            json!({"skip_final_snapshot": false, "final_snapshot_identifier": "f"}),
            Value::Null
        ),
        rc(
            "aws_db_snapshot",
            "nightly",
            &["delete"],
            json!({}),
            Value::Null
        ),
    ]));
    let db = a
        .changes
        .iter()
        .find(|c| c.address == "aws_db_instance.main")
        .unwrap();
    assert_eq!(db.tier, Some(Tier::Unrecoverable));
    assert!(db.why.contains("aws_db_snapshot.nightly"), "{}", db.why);
    // Protection turned off elsewhere while a data store is deleted.
    let a = plan_of(json!([
        rc(
            "aws_dynamodb_table",
            "t",
            &["delete"],
            json!({"point_in_time_recovery": [{"enabled": true}]}),
            Value::Null
        ),
        rc(
            "aws_rds_cluster",
            "c",
            &["update"],
            json!({"deletion_protection": true}),
            json!({"deletion_protection": false})
        ),
    ]));
    let t = a
        .changes
        .iter()
        .find(|c| c.address == "aws_dynamodb_table.t")
        .unwrap();
    assert_eq!(t.tier, Some(Tier::NeedsReview));
    // Without the second change the same deletion is recoverable from backup.
    let a = plan_of(json!([rc(
        "aws_dynamodb_table",
        "t",
        &["delete"],
        json!({"point_in_time_recovery": [{"enabled": true}]}),
        Value::Null
    )]));
    assert_eq!(a.worst_tier(), Some(Tier::RecoverableFromBackup));
}

#[test]
fn incomplete_plans_need_review() {
    let a = analyze(&Plan::from_json(r#"{"format_version":"1.2","complete":false}"#).unwrap());
    assert_eq!(a.worst_tier(), Some(Tier::NeedsReview));
}

#[test]
fn verdicts_through_the_policy() {
    let real = Plan::from_json(include_str!("data/tf103-s3-replace-rds-delete.plan.json")).unwrap();
    let a = analyze(&real);
    let db = a
        .changes
        .iter()
        .find(|c| c.address == "aws_db_instance.main")
        .unwrap();
    assert_eq!(db.tier, Some(Tier::Unrecoverable));
    let bucket = a
        .changes
        .iter()
        .find(|c| c.address == "aws_s3_bucket.data")
        .unwrap();
    assert_eq!(
        bucket.tier,
        Some(Tier::Unrecoverable),
        "force_destroy bucket replaced"
    );
    let facts = a.facts("default", false);
    let p = Policy::default();
    for env in Environment::ALL {
        assert_eq!(
            p.evaluate(env, PolicyAction::TerraformPlan(&facts))
                .decision(),
            Decision::Block
        );
    }
    // Creates only: the environment's default_mutation.
    let creates = analyze(&Plan::from_json(&shared("terraform-json__basic_plan.json")).unwrap());
    let f = creates.facts("default", false);
    let d: Vec<Decision> = Environment::ALL
        .iter()
        .map(|e| p.evaluate(*e, PolicyAction::TerraformPlan(&f)).decision())
        .collect();
    assert_eq!(d, [Decision::Allow, Decision::Warn, Decision::Escalate]);
    // Outputs only still count as a change.
    let outputs = analyze(&Plan::from_json(r#"{"format_version":"1.2","output_changes":{"x":{"actions":["create"],"before":null,"after":"1"}}}"#).unwrap());
    assert!(outputs.output_changes);
    let f = outputs.facts("default", false);
    assert_eq!(
        p.evaluate(Environment::Prod, PolicyAction::TerraformPlan(&f))
            .decision(),
        Decision::Escalate
    );
}

#[test]
fn digest_is_stable_across_key_order_and_timestamp() {
    let text = shared("tf-plan-format__update.tfplan.json");
    let d1 = plan_digest(&text).unwrap();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["timestamp"] = json!("2030-01-01T00:00:00Z");
    // Re-serialize with keys in reverse order.
    fn reverse(v: &Value) -> String {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                keys.reverse();
                let parts: Vec<String> = keys
                    .iter()
                    .map(|k| format!("{}: {}", serde_json::to_string(k).unwrap(), reverse(&m[*k])))
                    .collect();
                format!("{{\n  {}\n}}", parts.join(",\n  "))
            }
            Value::Array(a) => {
                format!("[{}]", a.iter().map(reverse).collect::<Vec<_>>().join(", "))
            }
            other => other.to_string(),
        }
    }
    assert_eq!(plan_digest(&reverse(&v)).unwrap(), d1);
    // Any change to the planned actions changes it.
    let mut changed = v.clone();
    changed["resource_changes"][0]["change"]["actions"] = json!(["delete", "create"]);
    assert_ne!(plan_digest(&changed.to_string()).unwrap(), d1);
    let mut changed = v;
    changed["resource_changes"][0]["change"]["after"]["input"] = json!("other");
    assert_ne!(plan_digest(&changed.to_string()).unwrap(), d1);
    assert!(plan_digest("[1]").is_err());
}
