//! Plan analysis cost on large generated plans (issue 17: linear time, bounded memory).
//!
//! Run: `cargo bench -p recourse-plan --bench analyze`
//!
//! Each plan has `n` resource changes (a mix of deletes of data stores, updates, creates and
//! replacements with realistic attribute sets), the full configuration (half of the resources in
//! modules, every tenth with `prevent_destroy`) and a prior state holding every object. Parsing
//! is measured with analysis, because that is what the gateway pays per plan.
#![allow(missing_docs, clippy::unwrap_used)]

use std::fmt::Write as _;

use divan::{Bencher, black_box};
use recourse_plan::{Plan, analyze};

/// Counts allocations, so the table shows the bytes analysis allocates (`alloc`) and the most
/// it holds at once (`max alloc`), not only time.
#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

const KINDS: &[(&str, &str)] = &[
    ("aws_db_instance", r#"["delete"]"#),
    ("aws_s3_bucket", r#"["update"]"#),
    ("aws_instance", r#"["create"]"#),
    ("kubernetes_persistent_volume_claim", r#"["delete"]"#),
    ("aws_sqs_queue", r#"["create","delete"]"#),
];

fn values(ty: &str, i: usize) -> String {
    format!(
        r#"{{"id":"{ty}-{i}","arn":"arn:aws:svc:us-east-1:123456789012:{ty}/{i}","name":"r{i}","identifier":"db-{i}","engine":"postgres","engine_version":"15.4","instance_class":"db.t3.micro","allocated_storage":20,"skip_final_snapshot":false,"final_snapshot_identifier":"final-{i}","deletion_protection":false,"backup_retention_period":7,"delete_automated_backups":true,"force_destroy":false,"versioning":[{{"enabled":true,"mfa_delete":false}}],"tags":{{"team":"t{}","env":"prod"}},"tags_all":{{"team":"t{}","env":"prod"}},"metadata":[{{"name":"pvc-{i}","namespace":"apps"}}],"spec":[{{"volume_name":"pv-{i}","storage_class_name":"standard"}}],"message_retention_seconds":345600,"root_block_device":[{{"delete_on_termination":true,"volume_size":8}}]}}"#,
        i % 7,
        i % 7
    )
}

/// A plan with `n` changes, its configuration and its prior state.
fn generate(n: usize) -> String {
    let mut changes = String::new();
    let mut resources = String::new();
    let mut state = String::new();
    let mut modules: Vec<String> = vec![String::new(); 8];
    for i in 0..n {
        let (ty, actions) = KINDS[i % KINDS.len()];
        let module = (i % 2 == 1).then_some(i % 8);
        let prefix = module.map(|m| format!("module.m{m}.")).unwrap_or_default();
        let address = format!("{prefix}{ty}.r{i}");
        let v = values(ty, i);
        let (before, after) = match actions {
            r#"["create"]"# => ("null".to_owned(), v.clone()),
            r#"["delete"]"# => (v.clone(), "null".to_owned()),
            _ => (v.clone(), v.replace("prod", "production")),
        };
        if i > 0 {
            changes.push(',');
        }
        write!(
            changes,
            r#"{{"address":"{address}","mode":"managed","type":"{ty}","name":"r{i}","provider_name":"registry.terraform.io/hashicorp/aws","change":{{"actions":{actions},"before":{before},"after":{after},"after_unknown":{{"id":true}},"before_sensitive":{{}},"after_sensitive":{{}}}}}}"#
        )
        .unwrap();
        if actions != r#"["create"]"# {
            if !state.is_empty() {
                state.push(',');
            }
            write!(
                state,
                r#"{{"address":"{address}","mode":"managed","type":"{ty}","name":"r{i}","provider_name":"registry.terraform.io/hashicorp/aws","schema_version":1,"values":{v},"sensitive_values":{{}}}}"#
            )
            .unwrap();
        }
        let lifecycle = if i % 10 == 0 {
            r#","lifecycle":{"prevent_destroy":true}"#
        } else {
            ""
        };
        let config = format!(
            r#"{{"address":"{ty}.r{i}","mode":"managed","type":"{ty}","name":"r{i}","provider_config_key":"aws","expressions":{{"name":{{"constant_value":"r{i}"}},"tags":{{"constant_value":{{"team":"t"}}}}}},"schema_version":1{lifecycle}}}"#
        );
        let target = match module {
            Some(m) => &mut modules[m],
            None => &mut resources,
        };
        if !target.is_empty() {
            target.push(',');
        }
        target.push_str(&config);
    }
    let calls: Vec<String> = modules
        .iter()
        .enumerate()
        .map(|(m, r)| format!(r#""m{m}":{{"source":"./m{m}","module":{{"resources":[{r}]}}}}"#))
        .collect();
    format!(
        r#"{{"format_version":"1.2","terraform_version":"1.9.0","resource_changes":[{changes}],"prior_state":{{"format_version":"1.0","values":{{"root_module":{{"resources":[{state}]}}}}}},"configuration":{{"provider_config":{{"aws":{{"name":"aws","full_name":"registry.terraform.io/hashicorp/aws"}}}},"root_module":{{"resources":[{resources}],"module_calls":{{{}}}}}}}}}"#,
        calls.join(",")
    )
}

#[divan::bench(args = [5_000, 10_000, 20_000, 40_000], sample_count = 5, sample_size = 1)]
fn parse_and_analyze(b: Bencher<'_, '_>, n: usize) {
    let text = generate(n);
    b.counter(divan::counter::BytesCount::new(text.len()))
        .bench(|| {
            let plan = Plan::from_json(black_box(&text)).unwrap();
            analyze(&plan).changes.len()
        });
}
