//! Issue 17: tiers by knowledge, for each family of types, on both sides of the attribute that
//! decides the outcome; imports, forgets, moves and deferred changes; redacted plans. The plan
//! JSON is shaped like real provider output (full `before` objects, sensitive markers, prior
//! state and configuration where the provider writes them).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use recourse_plan::*;
use recourse_policy::{
    Action as PolicyAction, Decision, Environment, Policy, RecoverabilityTier as Tier,
};
use serde_json::{Value, json};

fn change(ty: &str, actions: &[&str], before: Value) -> Value {
    json!({
        "address": format!("{ty}.x"), "mode": "managed", "type": ty, "name": "x",
        "provider_name": "registry.terraform.io/hashicorp/p",
        "change": {"actions": actions, "before": before,
            "after": if actions == ["delete"] { Value::Null } else { json!({}) },
            "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {}}
    })
}

fn analyze_doc(doc: Value) -> PlanAnalysis {
    analyze(&Plan::from_json(&doc.to_string()).unwrap())
}

fn delete(ty: &str, before: Value) -> ChangeAnalysis {
    let a = analyze_doc(
        json!({"format_version": "1.2", "resource_changes": [change(ty, &["delete"], before)]}),
    );
    a.changes.into_iter().next().unwrap()
}

fn dev_decision(a: &PlanAnalysis) -> Decision {
    Policy::default()
        .evaluate(
            Environment::Dev,
            PolicyAction::TerraformPlan(&a.facts("default", false)),
        )
        .decision()
}

/// Deleting `ty` with `before` is at least needs-review (escalate in dev) and says what is lost.
fn data_loss(ty: &str, before: Value, lost: &str) -> Tier {
    let c = delete(ty, before.clone());
    let t = c.tier.unwrap();
    assert!(t >= Tier::NeedsReview, "{ty}: {t} ({})", c.why);
    assert!(
        c.why.contains(lost),
        "{ty}: `{}` does not say `{lost}`",
        c.why
    );
    let a = analyze_doc(
        json!({"format_version": "1.2", "resource_changes": [change(ty, &["delete"], before)]}),
    );
    assert!(dev_decision(&a) >= Decision::Escalate, "{ty}");
    t
}

fn cheap(ty: &str, before: Value) -> Tier {
    let c = delete(ty, before);
    let t = c.tier.unwrap();
    assert!(t < Tier::NeedsReview, "{ty}: {t} ({})", c.why);
    t
}

#[test]
fn persistent_volume_claims_follow_the_reclaim_policy() {
    let pvc = json!({"id": "apps/data", "metadata": [{"name": "data", "namespace": "apps", "labels": null}],
        "spec": [{"access_modes": ["ReadWriteOnce"], "volume_name": "pv-data", "storage_class_name": "standard",
                  "resources": [{"requests": {"storage": "10Gi"}, "limits": null}], "selector": [], "volume_mode": "Filesystem"}],
        "wait_until_bound": true, "timeouts": null});
    let pv = |policy: &str| {
        json!({"address": "kubernetes_persistent_volume_v1.data", "mode": "managed", "type": "kubernetes_persistent_volume_v1",
            "name": "data", "provider_name": "registry.terraform.io/hashicorp/kubernetes", "schema_version": 0,
            "values": {"id": "pv-data", "metadata": [{"name": "pv-data"}],
                "spec": [{"persistent_volume_reclaim_policy": policy, "storage_class_name": "standard"}]}})
    };
    let plan = |state: Value| {
        analyze_doc(json!({"format_version": "1.2",
            "resource_changes": [change("kubernetes_persistent_volume_claim_v1", &["delete"], pvc.clone())],
            "prior_state": {"format_version": "1.0", "values": {"root_module": {"resources": state}}}}))
    };
    // Retain: the volume and its data stay.
    let a = plan(json!([pv("Retain")]));
    assert_eq!(
        a.changes[0].tier,
        Some(Tier::RecoverableWithEffort),
        "{}",
        a.changes[0].why
    );
    assert!(a.changes[0].why.contains("Retain"));
    // Delete: the data goes with the claim.
    let a = plan(json!([pv("Delete")]));
    assert_eq!(a.changes[0].tier, Some(Tier::Unrecoverable));
    // Not known (dynamic provisioning defaults to Delete): needs review.
    let a = plan(json!([]));
    assert_eq!(a.changes[0].tier, Some(Tier::NeedsReview));
    assert!(a.changes[0].why.contains("Delete"));
    // A storage class with reclaim_policy Retain decides it too.
    let sc = json!({"address": "kubernetes_storage_class_v1.standard", "mode": "managed", "type": "kubernetes_storage_class_v1",
        "name": "standard", "values": {"metadata": [{"name": "standard"}], "reclaim_policy": "Retain", "storage_provisioner": "ebs.csi.aws.com"}});
    let mut unbound = pvc.clone();
    unbound["spec"][0]["volume_name"] = json!("");
    let a = analyze_doc(json!({"format_version": "1.2",
        "resource_changes": [change("kubernetes_persistent_volume_claim_v1", &["delete"], unbound)],
        "prior_state": {"format_version": "1.0", "values": {"root_module": {"resources": [sc]}}}}));
    assert_eq!(
        a.changes[0].tier,
        Some(Tier::RecoverableWithEffort),
        "{}",
        a.changes[0].why
    );
    // The volume itself.
    let v = |p: &str| json!({"metadata": [{"name": "pv"}], "spec": [{"persistent_volume_reclaim_policy": p}]});
    assert_eq!(
        cheap("kubernetes_persistent_volume", v("Retain")),
        Tier::RecoverableWithEffort
    );
    assert_eq!(
        data_loss("kubernetes_persistent_volume_v1", v("Delete"), "deleted"),
        Tier::Unrecoverable
    );
}

#[test]
fn containers_of_other_resources_need_review() {
    data_loss(
        "kubernetes_namespace",
        json!({"id": "apps", "metadata": [{"name": "apps"}]}),
        "everything in it",
    );
    data_loss(
        "kubernetes_namespace_v1",
        json!({"id": "apps", "metadata": [{"name": "apps"}]}),
        "everything in it",
    );
    data_loss(
        "azurerm_resource_group",
        json!({"name": "rg", "location": "westeurope", "tags": {}}),
        "every resource in it",
    );
    data_loss(
        "google_project",
        json!({"project_id": "p", "deletion_policy": "DELETE", "skip_delete": null}),
        "everything in it",
    );
    assert_eq!(
        cheap(
            "google_project",
            json!({"project_id": "p", "deletion_policy": "ABANDON"})
        ),
        Tier::RecoverableWithEffort
    );
    for ty in [
        "aws_eks_cluster",
        "google_container_cluster",
        "azurerm_kubernetes_cluster",
    ] {
        data_loss(
            ty,
            json!({"name": "c", "deletion_protection": false}),
            "in-cluster state",
        );
    }
    // azurerm: the provider setting decides whether unmanaged resources go too.
    let doc = |flag: bool| {
        json!({"format_version": "1.2",
            "resource_changes": [change("azurerm_resource_group", &["delete"], json!({"name": "rg"}))],
            "configuration": {"provider_config": {"azurerm": {"name": "azurerm", "full_name": "registry.terraform.io/hashicorp/azurerm",
                "expressions": {"features": [{"resource_group": [{"prevent_deletion_if_contains_resources": {"constant_value": flag}}]}]}}},
                "root_module": {}}})
    };
    assert_eq!(
        analyze_doc(doc(false)).changes[0].tier,
        Some(Tier::Unrecoverable)
    );
    assert_eq!(
        analyze_doc(doc(true)).changes[0].tier,
        Some(Tier::NeedsReview)
    );
}

#[test]
fn github_repositories_archive_or_lose_history() {
    let repo = |archive: Value| json!({"name": "svc", "visibility": "private", "archive_on_destroy": archive, "archived": false});
    data_loss("github_repository", repo(json!(false)), "history");
    data_loss("github_repository", repo(Value::Null), "history");
    assert_eq!(
        cheap("github_repository", repo(json!(true))),
        Tier::RecoverableWithEffort
    );
    assert_eq!(
        cheap("github_team", json!({"name": "t"})),
        Tier::RecoverableWithEffort
    );
    data_loss("github_branch", json!({"branch": "feature"}), "commits");
}

#[test]
fn machines_lose_their_boot_disks_unless_kept() {
    let ec2 = |root: bool, extra: bool| {
        json!({"ami": "ami-1", "instance_type": "t3.micro",
            "root_block_device": [{"delete_on_termination": root, "volume_size": 8}],
            "ebs_block_device": [{"device_name": "/dev/sdf", "delete_on_termination": extra}]})
    };
    data_loss(
        "aws_instance",
        ec2(true, false),
        "deleted with the instance",
    );
    data_loss(
        "aws_instance",
        ec2(false, true),
        "deleted with the instance",
    );
    assert_eq!(
        cheap("aws_instance", ec2(false, false)),
        Tier::RecoverableWithEffort
    );
    let gce = |auto: bool| json!({"name": "vm", "boot_disk": [{"auto_delete": auto, "device_name": "persistent-disk-0"}]});
    data_loss("google_compute_instance", gce(true), "boot disk");
    assert_eq!(
        cheap("google_compute_instance", gce(false)),
        Tier::RecoverableWithEffort
    );
    data_loss(
        "azurerm_linux_virtual_machine",
        json!({"name": "vm", "os_disk": [{"caching": "ReadWrite"}]}),
        "OS disk",
    );
    let legacy = |os: bool| json!({"name": "vm", "delete_os_disk_on_termination": os, "delete_data_disks_on_termination": false});
    data_loss("azurerm_virtual_machine", legacy(true), "deleted");
    assert_eq!(
        cheap("azurerm_virtual_machine", legacy(false)),
        Tier::RecoverableWithEffort
    );
}

#[test]
fn queues_lose_undelivered_messages() {
    for ty in [
        "aws_sqs_queue",
        "google_pubsub_topic",
        "google_pubsub_subscription",
        "azurerm_servicebus_queue",
        "azurerm_servicebus_namespace",
        "aws_kinesis_stream",
        "aws_mq_broker",
    ] {
        data_loss(
            ty,
            json!({"name": "q", "message_retention_seconds": 345600}),
            "messages",
        );
    }
    // A topic that only fans out stores nothing.
    assert_eq!(
        cheap("aws_sns_topic", json!({"name": "t"})),
        Tier::RecoverableWithEffort
    );
    assert_eq!(
        cheap("aws_sqs_queue_policy", json!({"queue_url": "u"})),
        Tier::RecoverableWithEffort
    );
}

#[test]
fn authoritative_iam_deletes_are_lockout_risks() {
    for ty in [
        "google_project_iam_policy",
        "google_storage_bucket_iam_policy",
        "google_project_iam_binding",
        "aws_iam_policy_attachment",
    ] {
        data_loss(ty, json!({"project": "p", "role": "roles/owner"}), "");
        assert!(
            delete(ty, json!({})).why.contains("lock")
                || delete(ty, json!({})).why.contains("every"),
            "{ty}"
        );
    }
    assert_eq!(
        cheap(
            "google_project_iam_member",
            json!({"project": "p", "role": "roles/viewer"})
        ),
        Tier::Reversible
    );
}

#[test]
fn released_public_addresses_cannot_be_got_back() {
    for ty in [
        "aws_eip",
        "azurerm_public_ip",
        "google_compute_global_address",
    ] {
        data_loss(ty, json!({"public_ip": "203.0.113.7"}), "released");
    }
    data_loss(
        "google_compute_address",
        json!({"address_type": "EXTERNAL"}),
        "released",
    );
    assert_eq!(
        cheap(
            "google_compute_address",
            json!({"address_type": "INTERNAL"})
        ),
        Tier::RecoverableWithEffort
    );
    assert_eq!(
        cheap("aws_eip_association", json!({"allocation_id": "a"})),
        Tier::RecoverableWithEffort
    );
}

#[test]
fn data_stores_by_their_deciding_attribute() {
    assert_eq!(
        data_loss(
            "google_firestore_database",
            json!({"deletion_policy": "DELETE"}),
            "document"
        ),
        Tier::Unrecoverable
    );
    assert_eq!(
        cheap(
            "google_firestore_database",
            json!({"deletion_policy": "ABANDON"})
        ),
        Tier::RecoverableWithEffort
    );
    assert_eq!(
        data_loss(
            "aws_cognito_user_pool",
            json!({"deletion_protection": "INACTIVE"}),
            "user account"
        ),
        Tier::Unrecoverable
    );
    data_loss(
        "aws_cognito_user_pool",
        json!({"deletion_protection": "ACTIVE"}),
        "refuse",
    );
    assert_eq!(
        cheap(
            "snowflake_database",
            json!({"data_retention_time_in_days": 1})
        ),
        Tier::RecoverableFromBackup
    );
    data_loss(
        "snowflake_database",
        json!({"data_retention_time_in_days": 0}),
        "destroyed",
    );
    assert_eq!(
        cheap(
            "azurerm_key_vault",
            json!({"purge_protection_enabled": true})
        ),
        Tier::RecoverableFromBackup
    );
    data_loss(
        "helm_release",
        json!({"name": "db", "chart": "postgresql"}),
        "every object it installed",
    );
    data_loss(
        "kubernetes_manifest",
        json!({"manifest": {"kind": "CustomResourceDefinition"}}),
        "every custom resource",
    );
    assert_eq!(
        cheap(
            "kubernetes_manifest",
            json!({"manifest": {"kind": "Deployment"}})
        ),
        Tier::RecoverableWithEffort
    );
    data_loss(
        "kubectl_manifest",
        json!({"yaml_body": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n"}),
        "everything in it",
    );
    let sts = |when: &str| json!({"spec": [{"persistent_volume_claim_retention_policy": [{"when_deleted": when}]}]});
    assert_eq!(
        cheap("kubernetes_stateful_set_v1", sts("Retain")),
        Tier::RecoverableWithEffort
    );
    data_loss("kubernetes_stateful_set_v1", sts("Delete"), "volume claims");
    data_loss(
        "tls_private_key",
        json!({"algorithm": "RSA"}),
        "private key",
    );
    data_loss(
        "aws_s3_bucket_versioning",
        json!({"bucket": "b"}),
        "versioning",
    );
}

#[test]
fn unknown_types_are_never_called_stateless() {
    for ty in [
        "acme_database",
        "aws_brand_new_store",
        "datadog_logs_index",
        "google_new_thing",
        "aws_routeplanner",
    ] {
        let c = delete(ty, json!({}));
        assert_eq!(c.tier, Some(Tier::NeedsReview), "{ty}");
        assert!(c.why.contains("may be lost"), "{}", c.why);
    }
}

#[test]
fn redacted_values_are_not_known_not_safe() {
    // force_destroy redacted: not the safe answer.
    let mut rc = change(
        "aws_s3_bucket",
        &["delete"],
        json!({"bucket": "b", "force_destroy": null}),
    );
    rc["change"]["before_sensitive"] = json!({"force_destroy": true});
    let a = analyze_doc(json!({"format_version": "1.2", "resource_changes": [rc]}));
    assert_eq!(
        a.changes[0].tier,
        Some(Tier::NeedsReview),
        "{}",
        a.changes[0].why
    );
    // Left out entirely.
    assert_eq!(
        delete("aws_s3_bucket", json!({"bucket": "b"})).tier,
        Some(Tier::NeedsReview)
    );
    assert_eq!(
        delete(
            "aws_db_instance",
            json!({"identifier": "db", "deletion_protection": false})
        )
        .tier,
        Some(Tier::NeedsReview)
    );
    // A protection that becomes known only at apply.
    let mut up = change(
        "aws_db_instance",
        &["update"],
        json!({"deletion_protection": true}),
    );
    up["change"]["after"] = json!({"deletion_protection": null});
    up["change"]["after_unknown"] = json!({"deletion_protection": true});
    let a = analyze_doc(json!({"format_version": "1.2", "resource_changes": [up]}));
    assert_eq!(
        a.changes[0].tier,
        Some(Tier::NeedsReview),
        "{}",
        a.changes[0].why
    );
}

/// The shape of `GET /api/v2/plans/:id/json-output-redacted` (Terraform Cloud/Enterprise).
#[test]
fn terraform_cloud_redacted_plans_parse() {
    let doc = json!({
        "plan_format_version": "1.2",
        "resource_drift": [],
        "relevant_attributes": [{"resource": "aws_db_instance.main", "attribute": ["password"]}],
        "output_changes": {"endpoint": {"actions": ["update"], "before": "a", "after": null, "after_unknown": true, "before_sensitive": false, "after_sensitive": false}},
        "resource_changes": [{
            "address": "aws_db_instance.main", "mode": "managed", "type": "aws_db_instance", "name": "main",
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {"actions": ["delete"], "before": {"identifier": "main", "skip_final_snapshot": true, "deletion_protection": false, "password": null},
                "after": null, "after_unknown": {}, "before_sensitive": {"password": true}, "after_sensitive": false}
        }],
        "deferred_changes": [{"reason": "provider_config_unknown", "resource_change": {
            "address": "aws_s3_bucket.late", "mode": "managed", "type": "aws_s3_bucket", "name": "late",
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {"actions": ["create"], "before": null, "after": {}, "after_unknown": {"id": true}}}}],
        "provider_format_version": "1.0",
        "provider_schemas": {"registry.terraform.io/hashicorp/aws": {"provider": {"version": 0, "block": {}}}}
    });
    let plan = Plan::from_json(&doc.to_string()).unwrap();
    assert_eq!(plan.format_version, "1.2");
    assert!(plan.prior_state.is_none());
    let a = analyze(&plan);
    assert_eq!(a.changes[0].tier, Some(Tier::Unrecoverable));
    let late = a
        .changes
        .iter()
        .find(|c| c.address == "aws_s3_bucket.late")
        .unwrap();
    assert_eq!(late.tier, Some(Tier::NeedsReview));
    assert!(late.why.contains("deferred"), "{}", late.why);
    assert_eq!(a.facts("default", false).prior_resources, None);
}

fn import_plan(actions: &[&str]) -> PlanAnalysis {
    analyze_doc(json!({"format_version": "1.2", "resource_changes": [{
        "address": "aws_s3_bucket.legacy", "mode": "managed", "type": "aws_s3_bucket", "name": "legacy",
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {"actions": actions, "before": {"bucket": "legacy"}, "after": {"bucket": "legacy"},
            "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {}, "importing": {"id": "legacy"}}}],
        "prior_state": {"format_version": "1.0", "values": {"root_module": {"resources": []}}}}))
}

fn decisions(a: &PlanAnalysis) -> Vec<Decision> {
    let f = a.facts("default", false);
    Environment::ALL
        .iter()
        .map(|e| {
            Policy::default()
                .evaluate(*e, PolicyAction::TerraformPlan(&f))
                .decision()
        })
        .collect()
}

#[test]
fn imports_forgets_moves_and_deferrals_are_decided() {
    // An import-only plan used to be "no changes" and allowed in prod.
    for actions in [&["no-op"][..], &["update"][..]] {
        let a = import_plan(actions);
        assert!(a.changes[0].importing);
        assert!(a.changes[0].why.contains("legacy"));
        assert_eq!(
            decisions(&a),
            [Decision::Warn, Decision::Escalate, Decision::Escalate]
        );
    }
    let forget = analyze_doc(
        json!({"format_version": "1.2", "resource_changes": [change("aws_s3_bucket", &["forget"], json!({"bucket": "b"}))]}),
    );
    assert_eq!(
        decisions(&forget),
        [Decision::Warn, Decision::Escalate, Decision::Escalate]
    );
    // A move changes only the address in state: the environment's mutation rule, said so.
    let moved = analyze_doc(json!({"format_version": "1.2", "resource_changes": [{
        "address": "aws_s3_bucket.new", "previous_address": "aws_s3_bucket.old", "mode": "managed",
        "type": "aws_s3_bucket", "name": "new", "change": {"actions": ["no-op"], "before": {}, "after": {}}}]}));
    assert_eq!(
        moved.changes[0].moved_from.as_deref(),
        Some("aws_s3_bucket.old")
    );
    assert_eq!(moved.changes[0].tier, Some(Tier::Reversible));
    assert_eq!(
        decisions(&moved),
        [Decision::Allow, Decision::Warn, Decision::Escalate]
    );
    // Deferred changes need a human everywhere.
    let deferred = analyze_doc(
        json!({"format_version": "1.2", "complete": false, "deferred_changes": [
        {"reason": "resource_config_unknown", "resource_change": change("aws_instance", &["create"], Value::Null)}]}),
    );
    assert_eq!(
        decisions(&deferred),
        [Decision::Escalate, Decision::Escalate, Decision::Escalate]
    );
}

#[test]
fn many_creates_against_an_empty_state_escalate() {
    let creates: Vec<Value> = (0..12)
        .map(|i| {
            let mut c = change("aws_sns_topic", &["create"], Value::Null);
            c["address"] = json!(format!("aws_sns_topic.t{i}"));
            c
        })
        .collect();
    let plan = |resources: Value| {
        analyze_doc(
            json!({"format_version": "1.2", "resource_changes": creates.clone(),
            "prior_state": {"format_version": "1.0", "values": {"root_module": {"resources": resources}}}}),
        )
    };
    let empty = plan(json!([]));
    assert_eq!(empty.prior_resources, Some(0));
    let v = Policy::default().evaluate(
        Environment::Dev,
        PolicyAction::TerraformPlan(&empty.facts("default", false)),
    );
    assert_eq!(v.decision(), Decision::Escalate);
    assert!(
        v.reasons()
            .iter()
            .any(|r| r.message.contains("state may be missing"))
    );
    let existing = plan(
        json!([{"address": "aws_sns_topic.old", "mode": "managed", "type": "aws_sns_topic", "name": "old", "values": {}}]),
    );
    assert_eq!(existing.prior_resources, Some(1));
    assert_eq!(dev_decision(&existing), Decision::Allow);
    // Terraform writes an empty state as a prior_state without values.
    let fresh = analyze_doc(
        json!({"format_version": "1.2", "resource_changes": creates.clone(),
        "prior_state": {"format_version": "1.0", "terraform_version": "1.9.0"}}),
    );
    assert_eq!(fresh.prior_resources, Some(0));
}

#[test]
fn prevent_destroy_is_found_through_modules_and_instance_keys() {
    let doc = json!({"format_version": "1.2",
        "resource_changes": [{"address": "module.db[\"eu\"].aws_sns_topic.t[0]", "module_address": "module.db[\"eu\"]",
            "mode": "managed", "type": "aws_sns_topic", "name": "t", "change": {"actions": ["delete"], "before": {}, "after": null}},
            {"address": "aws_sns_topic.t", "mode": "managed", "type": "aws_sns_topic", "name": "t",
            "change": {"actions": ["delete"], "before": {}, "after": null}}],
        "configuration": {"root_module": {
            "resources": [{"address": "aws_sns_topic.t", "mode": "managed", "type": "aws_sns_topic", "name": "t"}],
            "module_calls": {"db": {"source": "./db", "module": {"resources": [
                {"address": "aws_sns_topic.t", "mode": "managed", "type": "aws_sns_topic", "name": "t", "lifecycle": {"prevent_destroy": true}}]}}}}}});
    let a = analyze_doc(doc);
    assert_eq!(a.changes[0].tier, Some(Tier::NeedsReview));
    assert!(a.changes[0].why.contains("prevent_destroy"));
    // Only the module's resource sets it, not the root's of the same name.
    assert_eq!(a.changes[1].tier, Some(Tier::RecoverableWithEffort));
}
