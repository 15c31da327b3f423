//! The analyzer on plans made by real Terraform 1.0.3 with the real AWS provider 3.39.0,
//! offline: fake credentials, every provider network check off, a hand-written state and
//! `plan -refresh=false` (DESIGN.md §6). The tools come from `scripts/install-test-tools`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use recourse_plan::{ActionKind, Plan, analyze, plan_digest};
use recourse_policy::{Action, Decision, Environment, Policy, RecoverabilityTier as Tier};
use recourse_testkit::{AWS_PROVIDER_TF, TfDir, aws_resource, state_json, terraform};
use serde_json::json;

const MAIN_TF: &str = r#"
resource "aws_s3_bucket" "logs" {
  bucket        = "recourse-logs"
  force_destroy = false
  tags          = { team = "b" }
}
resource "aws_s3_bucket" "data" {
  bucket        = "recourse-data-v2"
  force_destroy = true
}
resource "aws_sqs_queue" "jobs" {
  name = "jobs-v2"
  lifecycle { create_before_destroy = true }
}
resource "aws_sns_topic" "alerts" {
  name = "alerts"
}
"#;

fn state() -> String {
    state_json(
        "3f6c2a8e-1111-2222-3333-444455556666",
        7,
        &[
            aws_resource(
                "aws_s3_bucket",
                "logs",
                0,
                json!({"id": "recourse-logs", "bucket": "recourse-logs", "force_destroy": false, "acl": "private", "tags": {"team": "a"}, "tags_all": {"team": "a"}, "arn": "arn:aws:s3:::recourse-logs", "region": "us-east-1", "versioning": [{"enabled": false, "mfa_delete": false}]}),
            ),
            aws_resource(
                "aws_s3_bucket",
                "data",
                0,
                json!({"id": "recourse-data", "bucket": "recourse-data", "force_destroy": true, "acl": "private", "arn": "arn:aws:s3:::recourse-data", "region": "us-east-1", "versioning": [{"enabled": false, "mfa_delete": false}]}),
            ),
            aws_resource(
                "aws_sqs_queue",
                "jobs",
                0,
                json!({"id": "https://sqs.us-east-1.amazonaws.com/123/jobs", "name": "jobs", "arn": "arn:aws:sqs:us-east-1:123:jobs", "visibility_timeout_seconds": 30, "message_retention_seconds": 345600, "max_message_size": 262144, "delay_seconds": 0, "receive_wait_time_seconds": 0, "fifo_queue": false, "content_based_deduplication": false}),
            ),
            aws_resource(
                "aws_db_instance",
                "main",
                1,
                json!({"id": "main-db", "identifier": "main-db", "engine": "postgres", "instance_class": "db.t3.micro", "allocated_storage": 20, "skip_final_snapshot": true, "deletion_protection": false, "backup_retention_period": 0, "delete_automated_backups": true, "arn": "arn:aws:rds:us-east-1:123:db:main-db"}),
            ),
        ],
    )
}

#[test]
fn real_plan_with_every_action_shape() {
    let Some(tf) = terraform() else { return };
    let dir = TfDir::new(
        &tf,
        &[
            ("provider.tf", AWS_PROVIDER_TF),
            ("main.tf", MAIN_TF),
            ("terraform.tfstate", &state()),
        ],
    );
    dir.init();
    let (file, json) = dir.plan(&[]);
    let plan = Plan::from_json(&json).unwrap();
    assert_eq!(plan.terraform_version.as_deref(), Some("1.0.3"));
    let a = analyze(&plan);
    let by = |addr: &str| {
        a.changes
            .iter()
            .find(|c| c.address == addr)
            .unwrap_or_else(|| panic!("{addr} in {:#?}", a.changes))
    };
    assert_eq!(by("aws_sns_topic.alerts").action, ActionKind::Create);
    assert_eq!(by("aws_sns_topic.alerts").tier, Some(Tier::Reversible));
    assert_eq!(by("aws_s3_bucket.logs").action, ActionKind::Update);
    assert_eq!(by("aws_s3_bucket.logs").tier, Some(Tier::Reversible));
    assert_eq!(by("aws_db_instance.main").action, ActionKind::Delete);
    assert_eq!(by("aws_db_instance.main").tier, Some(Tier::Unrecoverable));
    assert!(
        by("aws_db_instance.main")
            .why
            .contains("skip_final_snapshot")
    );
    assert_eq!(
        by("aws_s3_bucket.data").action,
        ActionKind::ReplaceDeleteBeforeCreate
    );
    assert_eq!(by("aws_s3_bucket.data").tier, Some(Tier::Unrecoverable));
    assert_eq!(
        by("aws_sqs_queue.jobs").action,
        ActionKind::ReplaceCreateBeforeDestroy
    );
    // Issue 17: replacing a queue loses its undelivered messages.
    assert_eq!(by("aws_sqs_queue.jobs").tier, Some(Tier::NeedsReview));
    assert_eq!(
        by("aws_s3_bucket.data").action_reason.as_deref(),
        Some("replace_because_cannot_update")
    );

    // The verdict: unrecoverable blocks, in prod and everywhere.
    let facts = a.facts("default", false);
    let p = Policy::default();
    assert_eq!(
        p.evaluate(Environment::Prod, Action::TerraformPlan(&facts))
            .decision(),
        Decision::Block
    );

    // Two `show -json` runs of the same plan file agree on the canonical digest.
    let again = dir.show_json(&file);
    assert_eq!(plan_digest(&json).unwrap(), plan_digest(&again).unwrap());
}

#[test]
fn real_plan_that_only_creates_follows_default_mutation() {
    let Some(tf) = terraform() else { return };
    let dir = TfDir::new(
        &tf,
        &[
            ("provider.tf", AWS_PROVIDER_TF),
            (
                "main.tf",
                "resource \"aws_sns_topic\" \"t\" { name = \"t\" }\n",
            ),
        ],
    );
    dir.init();
    let (_, json) = dir.plan(&[]);
    let a = analyze(&Plan::from_json(&json).unwrap());
    assert_eq!(a.worst_tier(), Some(Tier::Reversible));
    let facts = a.facts("default", false);
    let p = Policy::default();
    let d: Vec<Decision> = Environment::ALL
        .iter()
        .map(|e| p.evaluate(*e, Action::TerraformPlan(&facts)).decision())
        .collect();
    assert_eq!(d, [Decision::Allow, Decision::Warn, Decision::Escalate]);
}

#[test]
fn real_destroy_plan() {
    let Some(tf) = terraform() else { return };
    let dir = TfDir::new(
        &tf,
        &[
            ("provider.tf", AWS_PROVIDER_TF),
            ("main.tf", MAIN_TF),
            ("terraform.tfstate", &state()),
        ],
    );
    dir.init();
    let (_, json) = dir.plan(&["-destroy"]);
    let a = analyze(&Plan::from_json(&json).unwrap());
    assert!(
        a.changes
            .iter()
            .filter(|c| c.tier.is_some())
            .all(|c| c.action == ActionKind::Delete)
    );
    let facts = a.facts("default", true);
    let p = Policy::default();
    assert_eq!(
        p.evaluate(Environment::Prod, Action::TerraformPlan(&facts))
            .decision(),
        Decision::Block
    );
    let dev = p.evaluate(Environment::Dev, Action::TerraformPlan(&facts));
    assert!(
        dev.reasons()
            .iter()
            .any(|r| r.rule.as_str() == "environments.dev.terraform_destroy")
    );
}
