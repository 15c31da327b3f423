//! The seven kubectl tools: one function each, from validated arguments to an argument vector
//! and the [`KubectlAction`] the policy decides on. Every value in the argument vector passed
//! through `kubectl_args`; `--kubeconfig` and `--context` come from the gateway's configuration.

use std::time::Duration;

use recourse_policy::{Digest, KubectlAction, KubectlRead};
use serde_json::json;

use crate::call::{ToolCall, ToolSpec};
use crate::refusal::Refusal;
use crate::run::KubectlJob;
use crate::tools::kubectl_args::{self as args, InvalidArg, ManifestError};
use crate::tools::{Binding, Job, Prepared, ToolCtx, presented};

impl From<InvalidArg> for Refusal {
    fn from(e: InvalidArg) -> Self {
        Refusal::InvalidInput(e.to_string())
    }
}

impl From<ManifestError> for Refusal {
    fn from(e: ManifestError) -> Self {
        Refusal::InvalidInput(e.to_string())
    }
}

/// What one kubectl tool decided, before the gateway's own flags are added.
struct Planned {
    argv: Vec<String>,
    action: KubectlAction,
    stdin: Option<Vec<u8>>,
    binding: serde_json::Value,
    approval_id: Option<String>,
}

/// Prepares any kubectl tool call.
pub(crate) fn prepare(ctx: &ToolCtx<'_>, call: &ToolCall) -> Result<Prepared, Refusal> {
    let spec = call.spec();
    let planned = match call {
        ToolCall::KubectlGet {
            resource,
            name,
            namespace,
            selector,
            output,
        } => get(
            ctx,
            resource,
            name.as_deref(),
            namespace.as_deref(),
            selector.as_deref(),
            output.as_deref(),
        )?,
        ToolCall::KubectlLogs {
            pod,
            namespace,
            container,
            tail,
            since,
        } => logs(
            ctx,
            pod,
            namespace.as_deref(),
            container.as_deref(),
            *tail,
            since.as_deref(),
        )?,
        ToolCall::KubectlDescribe {
            resource,
            name,
            namespace,
        } => describe(ctx, resource, name, namespace.as_deref())?,
        ToolCall::KubectlApply {
            file,
            manifest,
            namespace,
            dry_run,
            approval_id,
        } => apply(
            ctx,
            file.as_deref(),
            manifest.as_deref(),
            namespace.as_deref(),
            *dry_run,
            approval_id,
        )?,
        ToolCall::KubectlDelete {
            resource,
            name,
            namespace,
            approval_id,
        } => delete(ctx, resource, name, namespace.as_deref(), approval_id)?,
        ToolCall::KubectlScale {
            resource,
            name,
            replicas,
            namespace,
            approval_id,
        } => scale(
            ctx,
            resource,
            name,
            *replicas,
            namespace.as_deref(),
            approval_id,
        )?,
        ToolCall::KubectlExec {
            pod,
            command,
            namespace,
            container,
            approval_id,
        } => exec(
            ctx,
            pod,
            command,
            namespace.as_deref(),
            container.as_deref(),
            approval_id,
        )?,
        _ => {
            return Err(Refusal::Internal(format!(
                "{} is not a kubectl tool",
                spec.name
            )));
        }
    };
    let binding = match &planned.binding {
        serde_json::Value::Null => call.binding_arguments(),
        other => other.clone(),
    };
    finish(ctx, spec, planned, binding)
}

fn finish(
    ctx: &ToolCtx<'_>,
    spec: &'static ToolSpec,
    planned: Planned,
    binding: serde_json::Value,
) -> Result<Prepared, Refusal> {
    let approval = presented(planned.approval_id.as_deref())?;
    if !ctx.kubectl {
        return Err(Refusal::NotConfigured(
            "kubectl is not configured on this gateway (start it with --kubeconfig or KUBECONFIG)",
        ));
    }
    let verdict = ctx
        .policy()
        .evaluate(ctx.env(), recourse_policy::Action::Kubectl(&planned.action));
    let job = KubectlJob {
        args: planned.argv,
        stdin: planned.stdin,
        timeout: Duration::from_secs(300),
        max_output: usize::try_from(ctx.policy().shell.max_output_bytes.get())
            .unwrap_or(usize::MAX),
    };
    Ok(Prepared {
        spec,
        binding: Binding::new(spec.name, binding),
        verdict,
        approval,
        job: Job::Kubectl(job),
        data: None,
        audit: Default::default(),
        summary: None,
    })
}

fn namespace(ctx: &ToolCtx<'_>, ns: Option<&str>) -> Result<String, InvalidArg> {
    args::namespace(ns.unwrap_or(&ctx.cfg.kube_default_namespace))
}

fn container(c: &str) -> Result<String, Refusal> {
    args::namespace(c)
        .map_err(|e| Refusal::InvalidInput(e.to_string().replace("namespace", "container")))
}

fn read(read: KubectlRead, resource: String, namespace: String, reveals: bool) -> KubectlAction {
    KubectlAction::Read {
        read,
        resource,
        namespace,
        reveals_secret_data: reveals,
    }
}

fn get(
    ctx: &ToolCtx<'_>,
    resource: &str,
    name: Option<&str>,
    ns: Option<&str>,
    selector: Option<&str>,
    output: Option<&str>,
) -> Result<Planned, Refusal> {
    let r = args::resource(resource)?;
    let ns = namespace(ctx, ns)?;
    let mut argv = vec!["get".into(), r.clone()];
    if let Some(n) = name {
        argv.push(args::name("name", n)?);
    }
    argv.push(format!("--namespace={ns}"));
    if let Some(s) = selector {
        argv.push(format!("--selector={}", args::selector(s)?));
    }
    let out = output.map(args::output).transpose()?;
    if let Some(o) = &out {
        argv.push(format!("--output={o}"));
    }
    let reveals = args::is_secret_resource(&r) && matches!(out.as_deref(), Some("yaml" | "json"));
    Ok(Planned {
        argv,
        action: read(KubectlRead::Get, r, ns, reveals),
        stdin: None,
        binding: serde_json::Value::Null,
        approval_id: None,
    })
}

fn logs(
    ctx: &ToolCtx<'_>,
    pod: &str,
    ns: Option<&str>,
    container_name: Option<&str>,
    tail: Option<u32>,
    since: Option<&str>,
) -> Result<Planned, Refusal> {
    let p = args::name("pod", pod)?;
    let ns = namespace(ctx, ns)?;
    let mut argv = vec!["logs".into(), p, format!("--namespace={ns}")];
    if let Some(c) = container_name {
        argv.push(format!("--container={}", container(c)?));
    }
    if let Some(t) = tail {
        argv.push(format!("--tail={t}"));
    }
    if let Some(s) = since {
        argv.push(format!("--since={}", args::since(s)?));
    }
    Ok(Planned {
        argv,
        action: read(KubectlRead::Logs, "pods".into(), ns, false),
        stdin: None,
        binding: serde_json::Value::Null,
        approval_id: None,
    })
}

fn describe(
    ctx: &ToolCtx<'_>,
    resource: &str,
    name: &str,
    ns: Option<&str>,
) -> Result<Planned, Refusal> {
    let r = args::resource(resource)?;
    let n = args::name("name", name)?;
    let ns = namespace(ctx, ns)?;
    Ok(Planned {
        argv: vec!["describe".into(), r.clone(), n, format!("--namespace={ns}")],
        action: read(KubectlRead::Describe, r, ns, false),
        stdin: None,
        binding: serde_json::Value::Null,
        approval_id: None,
    })
}

fn apply(
    ctx: &ToolCtx<'_>,
    file: Option<&str>,
    manifest: Option<&str>,
    ns: Option<&str>,
    dry_run: bool,
    approval_id: &Option<String>,
) -> Result<Planned, Refusal> {
    let text = match (file, manifest) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(Refusal::InvalidInput(
                "give exactly one of file or manifest".into(),
            ));
        }
        (None, Some(m)) => m.to_owned(),
        (Some(f), None) => {
            let (canon, inside) = ctx
                .resolve(f)
                .map_err(|e| Refusal::InvalidInput(format!("file {f}: {e}")))?;
            if !inside {
                return Err(Refusal::InvalidInput(format!(
                    "file {f} is outside the policy's allowed paths"
                )));
            }
            ctx.files
                .read_to_string(&canon)
                .map_err(|e| Refusal::InvalidInput(format!("file {f}: {e}")))?
        }
    };
    let ns = namespace(ctx, ns)?;
    let objects = args::manifest_objects(&text, &ns)?;
    let mut argv = vec![
        "apply".into(),
        "--filename=-".into(),
        format!("--namespace={ns}"),
    ];
    argv.extend(ctx.cfg.kubectl_apply_args.iter().cloned());
    if dry_run {
        argv.push("--dry-run=server".into());
    }
    let action = if dry_run {
        read(KubectlRead::Get, "dry-run".into(), ns.clone(), false)
    } else {
        KubectlAction::Apply {
            objects: objects.clone(),
        }
    };
    let binding = json!({"manifest_sha256": Digest::of(text.as_bytes()), "objects": objects, "namespace": ns, "dry_run": dry_run});
    Ok(Planned {
        argv,
        action,
        stdin: Some(text.into_bytes()),
        binding,
        approval_id: approval_id.clone(),
    })
}

fn delete(
    ctx: &ToolCtx<'_>,
    resource: &str,
    name: &str,
    ns: Option<&str>,
    approval_id: &Option<String>,
) -> Result<Planned, Refusal> {
    let r = args::resource(resource)?;
    let n = args::name("name", name)?;
    let ns = namespace(ctx, ns)?;
    Ok(Planned {
        argv: vec![
            "delete".into(),
            r.clone(),
            n.clone(),
            format!("--namespace={ns}"),
        ],
        action: KubectlAction::Delete {
            resource: r,
            name: n,
            namespace: ns,
        },
        stdin: None,
        binding: serde_json::Value::Null,
        approval_id: approval_id.clone(),
    })
}

fn scale(
    ctx: &ToolCtx<'_>,
    resource: &str,
    name: &str,
    replicas: u32,
    ns: Option<&str>,
    approval_id: &Option<String>,
) -> Result<Planned, Refusal> {
    let r = args::resource(resource)?;
    let n = args::name("name", name)?;
    let ns = namespace(ctx, ns)?;
    Ok(Planned {
        argv: vec![
            "scale".into(),
            format!("{r}/{n}"),
            format!("--replicas={replicas}"),
            format!("--namespace={ns}"),
        ],
        action: KubectlAction::Scale {
            resource: r,
            name: n,
            namespace: ns,
            replicas,
        },
        stdin: None,
        binding: serde_json::Value::Null,
        approval_id: approval_id.clone(),
    })
}

fn exec(
    ctx: &ToolCtx<'_>,
    pod: &str,
    command: &[String],
    ns: Option<&str>,
    container_name: Option<&str>,
    approval_id: &Option<String>,
) -> Result<Planned, Refusal> {
    let p = args::name("pod", pod)?;
    let ns = namespace(ctx, ns)?;
    if command.is_empty() {
        return Err(Refusal::InvalidInput("command must not be empty".into()));
    }
    let mut argv = vec!["exec".into(), p.clone(), format!("--namespace={ns}")];
    if let Some(c) = container_name {
        argv.push(format!("--container={}", container(c)?));
    }
    argv.push("--".into());
    argv.extend(command.iter().cloned());
    Ok(Planned {
        argv,
        action: KubectlAction::Exec {
            pod: p,
            namespace: ns,
        },
        stdin: None,
        binding: serde_json::Value::Null,
        approval_id: approval_id.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::tests_support::Fixture;
    use recourse_policy::Decision;

    fn argv(p: &Prepared) -> Vec<String> {
        match &p.job {
            Job::Kubectl(job) => job.args.clone(),
            other => panic!("not a kubectl job: {other:?}"),
        }
    }

    #[test]
    fn smuggled_flags_are_rejected_before_anything_is_decided() {
        let f = Fixture::new(recourse_policy::Environment::Dev);
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
        ] {
            assert!(
                matches!(prepare(&f.ctx(), &call), Err(Refusal::InvalidInput(_))),
                "{call:?}"
            );
        }
    }

    #[test]
    fn argv_carries_gateway_flags_and_validated_values_only() {
        let f = Fixture::new(recourse_policy::Environment::Prod);
        let p = prepare(
            &f.ctx(),
            &ToolCall::KubectlScale {
                resource: "deployment".into(),
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
                "deployment/web",
                "--replicas=0",
                "--namespace=shop"
            ]
        );
        assert_eq!(p.verdict.decision(), Decision::Escalate);
    }

    #[test]
    fn every_manifest_object_is_decided_on() {
        let f = Fixture::new(recourse_policy::Environment::Dev);
        let manifest = "kind: ConfigMap\nmetadata: {name: a}\n---\nkind: ConfigMap\nmetadata: {name: b, namespace: kube-system}\n";
        let p = prepare(
            &f.ctx(),
            &ToolCall::KubectlApply {
                file: None,
                manifest: Some(manifest.into()),
                namespace: None,
                dry_run: false,
                approval_id: None,
            },
        )
        .unwrap();
        assert_eq!(p.verdict.decision(), Decision::Escalate, "{:?}", p.verdict);
        assert_eq!(p.binding.arguments["objects"].as_array().unwrap().len(), 2);
    }
}
