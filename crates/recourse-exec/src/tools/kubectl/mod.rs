//! The seven kubectl tools: one function each, from validated arguments to an argument vector
//! and the [`KubectlAction`] the policy decides on.
//!
//! - every value in the argument vector passed through [`args`], and the whole vector passes
//!   [`args::check_argv`] before the job is built; `--kubeconfig` and `--context` come from the
//!   gateway's configuration, added by the runner;
//! - resource types resolve through the cluster's discovery ([`discovery`]) to the type decided
//!   on, and kubectl gets that type fully qualified;
//! - manifests are expanded and re-serialized ([`manifest`]): kubectl applies exactly the
//!   objects decided on, and the approver sees each of them;
//! - what kubectl prints is checked for Secret values ([`output`]) before anyone sees it.

pub(crate) mod args;
pub(crate) mod discovery;
pub(crate) mod identity;
pub(crate) mod manifest;
pub(crate) mod output;

use std::sync::Arc;
use std::time::Duration;

use recourse_policy::{Digest, KubectlAction, KubectlRead, ResourceFacts, Scope};
use serde_json::{Map, Value, json};

use crate::call::{ToolCall, ToolSpec};
use crate::refusal::Refusal;
use crate::run::KubectlJob;
use crate::tools::{Binding, Job, Prepared, ToolCtx, presented};
use args::{ArgvRefused, InvalidArg};
use discovery::{ApiResources, Resolved, qualified};
use manifest::ManifestError;
use output::OutputCheck;

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

impl From<ArgvRefused> for Refusal {
    fn from(e: ArgvRefused) -> Self {
        Refusal::InvalidInput(e.to_string())
    }
}

/// The cluster's discovery, as the gate offers it to the preparers. It is asked lazily, after
/// the arguments are validated, so that invalid input never makes kubectl run.
pub(crate) trait Discovery {
    /// The cluster's resource types; `after_miss` (a name was not found) asks for a fresher
    /// answer. `Err` says why there is none (kubectl not configured, cluster unreachable).
    fn resources(&self, after_miss: bool) -> Result<Arc<ApiResources>, String>;
}

/// What one kubectl tool decided, before the gateway's own flags are added.
struct Planned {
    argv: Vec<String>,
    action: KubectlAction,
    stdin: Option<Vec<u8>>,
    /// The approval's binding; `Null` means the call's own arguments plus `resolved`.
    binding: Value,
    /// What the resource type resolved to and where the call acts (bound and shown to the
    /// approver beside the arguments the agent gave).
    resolved: Value,
    approval_id: Option<String>,
    output: OutputCheck,
    /// Recorded with the decision (e.g. why discovery could not be used).
    audit: Map<String, Value>,
}

impl Planned {
    fn new(argv: Vec<String>, action: KubectlAction) -> Planned {
        Planned {
            argv,
            action,
            stdin: None,
            binding: Value::Null,
            resolved: Value::Null,
            approval_id: None,
            output: OutputCheck::Text,
            audit: Map::new(),
        }
    }
}

/// Prepares any kubectl tool call; `cluster` answers discovery questions.
pub(crate) fn prepare(
    ctx: &ToolCtx<'_>,
    call: &ToolCall,
    cluster: &dyn Discovery,
) -> Result<Prepared, Refusal> {
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
            cluster,
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
        } => describe(ctx, cluster, resource, name, namespace.as_deref())?,
        ToolCall::KubectlApply {
            file,
            manifest,
            namespace,
            dry_run,
            approval_id,
        } => apply(
            ctx,
            cluster,
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
        } => delete(
            ctx,
            cluster,
            resource,
            name,
            namespace.as_deref(),
            approval_id,
        )?,
        ToolCall::KubectlScale {
            resource,
            name,
            replicas,
            namespace,
            approval_id,
        } => scale(
            ctx,
            cluster,
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
    let mut binding = match &planned.binding {
        Value::Null => call.binding_arguments(),
        other => other.clone(),
    };
    if let (Some(b), false) = (binding.as_object_mut(), planned.resolved.is_null()) {
        b.insert("resolved".into(), planned.resolved.clone());
    }
    finish(ctx, spec, planned, binding)
}

fn finish(
    ctx: &ToolCtx<'_>,
    spec: &'static ToolSpec,
    planned: Planned,
    binding: Value,
) -> Result<Prepared, Refusal> {
    let approval = presented(planned.approval_id.as_deref())?;
    configured(ctx)?;
    // The last word on what kubectl is asked to do, whatever the code above built.
    args::check_argv(&planned.argv, &ctx.cfg.kubectl_apply_args)?;
    let verdict = ctx
        .policy()
        .evaluate(ctx.env(), recourse_policy::Action::Kubectl(&planned.action));
    let job = KubectlJob {
        args: planned.argv,
        stdin: planned.stdin,
        timeout: Duration::from_secs(300),
        max_output: usize::try_from(ctx.policy().shell.max_output_bytes.get())
            .unwrap_or(usize::MAX),
        output: planned.output,
    };
    Ok(Prepared {
        spec,
        binding: Binding::new(spec.name, binding),
        verdict,
        approval,
        job: Job::Kubectl(job),
        data: None,
        audit: planned.audit,
        // What the approver must see is in the bound arguments (objects, resolved types).
        summary: None,
    })
}

fn configured(ctx: &ToolCtx<'_>) -> Result<(), Refusal> {
    if ctx.kubectl {
        Ok(())
    } else {
        Err(Refusal::NotConfigured(
            "kubectl is not configured on this gateway (start it with --kubeconfig or KUBECONFIG)",
        ))
    }
}

fn namespace(ctx: &ToolCtx<'_>, ns: Option<&str>) -> Result<String, InvalidArg> {
    args::namespace(ns.unwrap_or(&ctx.cfg.kube_default_namespace))
}

fn container(c: &str) -> Result<String, Refusal> {
    args::namespace(c)
        .map_err(|e| Refusal::InvalidInput(e.to_string().replace("namespace", "container")))
}

/// The resource type a call names, resolved through the cluster's discovery, and where the
/// call acts. A name the cluster does not know (or a cluster that cannot be asked) resolves to
/// an unresolved type, which the policy treats as cluster-scoped.
struct Target {
    facts: Vec<ResourceFacts>,
    /// The namespace the call acts in: none when every type is cluster-scoped (kubectl would
    /// ignore it, and the approver must not read "in default" for a cluster-wide object).
    acts_in: Option<String>,
    /// The effective namespace the agent named (or the gateway's default).
    namespace: String,
    /// Why discovery could not be used, if it could not.
    error: Option<String>,
}

/// Validates the type and namespace a call names, then resolves the type; `categories` says
/// whether a category such as `all` may stand for several types (only `get` lists several).
fn target(
    ctx: &ToolCtx<'_>,
    cluster: &dyn Discovery,
    resource: &str,
    ns: Option<&str>,
    categories: bool,
) -> Result<Target, Refusal> {
    let requested = args::resource(resource)?;
    let namespace = namespace(ctx, ns)?;
    configured(ctx)?;
    let (found, error) = match cluster.resources(false) {
        Ok(api) => {
            let mut found = api.resolve(&requested);
            if found == Resolved::Unknown
                && let Ok(fresh) = cluster.resources(true)
            {
                found = fresh.resolve(&requested);
            }
            (found, None)
        }
        Err(e) => (Resolved::Unknown, Some(e)),
    };
    let facts = match found {
        Resolved::One(f) => vec![f],
        Resolved::Category(members) if categories => members,
        Resolved::Category(_) => {
            return Err(Refusal::InvalidInput(format!(
                "`{requested}` is a category of several resource types here; name one type"
            )));
        }
        Resolved::Ambiguous(candidates) => {
            return Err(Refusal::InvalidInput(format!(
                "resource `{requested}` names several types in this cluster ({}); name it with its group",
                candidates.join(", ")
            )));
        }
        Resolved::Unknown => vec![ResourceFacts::unresolved(requested)],
    };
    let acts_in = facts
        .iter()
        .any(|f| f.scope != Scope::Cluster)
        .then(|| namespace.clone());
    Ok(Target {
        facts,
        acts_in,
        namespace,
        error,
    })
}

impl Target {
    /// The types as kubectl gets them, comma-separated.
    fn argument(&self) -> String {
        self.facts
            .iter()
            .map(qualified)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// `--namespace=…`, unless the call acts on cluster-scoped types only.
    fn namespace_flag(&self) -> Option<String> {
        self.acts_in.as_ref().map(|n| format!("--namespace={n}"))
    }

    /// The one type of a call that acts on one (delete, scale, describe).
    fn one(&self) -> Result<ResourceFacts, Refusal> {
        self.facts
            .first()
            .cloned()
            .ok_or_else(|| Refusal::Internal("a resource resolved to nothing".into()))
    }

    fn is_secret(&self) -> bool {
        self.facts
            .iter()
            .any(|f| f.is("", "Secret") || f.scope == Scope::Unresolved)
    }
}

impl Planned {
    /// Shows the approver (and binds) what the type resolved to and where the call acts, and
    /// records why discovery could not be used.
    fn on(mut self, t: &Target) -> Planned {
        self.resolved = json!({
            "resources": t.facts.iter().map(|f| json!({"resource": qualified(f), "kind": f.kind, "scope": f.scope})).collect::<Vec<_>>(),
            "namespace": t.acts_in,
            "scope": if t.acts_in.is_some() { "namespaced" } else { "cluster-scoped" },
        });
        if let Some(e) = &t.error {
            self.audit
                .insert("discovery_error".into(), Value::String(e.clone()));
        }
        self
    }
}

fn get(
    ctx: &ToolCtx<'_>,
    cluster: &dyn Discovery,
    resource: &str,
    name: Option<&str>,
    ns: Option<&str>,
    selector: Option<&str>,
    output: Option<&str>,
) -> Result<Planned, Refusal> {
    let name = name.map(|n| args::name("name", n)).transpose()?;
    let selector = selector.map(args::selector).transpose()?;
    let out = output.map(args::output).transpose()?;
    let t = target(ctx, cluster, resource, ns, true)?;
    let mut argv = vec!["get".into(), t.argument()];
    argv.extend(name);
    argv.extend(t.namespace_flag());
    argv.extend(selector.map(|s| format!("--selector={s}")));
    // Structured output is always parsed: whatever the name, the objects printed may be
    // Secrets, and that is only known from the objects.
    let check = match out.as_deref() {
        Some("yaml" | "json") => OutputCheck::Structured,
        _ => OutputCheck::Text,
    };
    argv.extend(out.map(|o| format!("--output={o}")));
    Ok(read(KubectlRead::Get, &t, argv, check))
}

/// A read of the target's types; `output` says how kubectl's stdout is checked. Secret values
/// are replaced in whatever kubectl prints, so a read never reveals them.
fn read(read: KubectlRead, t: &Target, argv: Vec<String>, output: OutputCheck) -> Planned {
    let mut p = Planned::new(
        argv,
        KubectlAction::Read {
            read,
            resources: t.facts.clone(),
            namespace: t.namespace.clone(),
            reveals_secret_data: false,
        },
    )
    .on(t);
    p.output = output;
    p
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
    Ok(Planned::new(
        argv,
        KubectlAction::Read {
            read: KubectlRead::Logs,
            // `kubectl logs` reads pods, whatever the cluster calls them.
            resources: vec![ResourceFacts::new(
                "",
                "v1",
                "pods",
                "Pod",
                Scope::Namespaced,
            )],
            namespace: ns,
            reveals_secret_data: false,
        },
    ))
}

fn describe(
    ctx: &ToolCtx<'_>,
    cluster: &dyn Discovery,
    resource: &str,
    name: &str,
    ns: Option<&str>,
) -> Result<Planned, Refusal> {
    let n = args::name("name", name)?;
    let t = target(ctx, cluster, resource, ns, false)?;
    let mut argv = vec!["describe".into(), t.argument(), n];
    argv.extend(t.namespace_flag());
    let check = if t.is_secret() {
        OutputCheck::Describe
    } else {
        OutputCheck::Text
    };
    Ok(read(KubectlRead::Describe, &t, argv, check))
}

fn manifest_text(
    ctx: &ToolCtx<'_>,
    file: Option<&str>,
    manifest: Option<&str>,
) -> Result<String, Refusal> {
    match (file, manifest) {
        (Some(_), Some(_)) | (None, None) => Err(Refusal::InvalidInput(
            "give exactly one of file or manifest".into(),
        )),
        (None, Some(m)) => Ok(m.to_owned()),
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
                .map_err(|e| Refusal::InvalidInput(format!("file {f}: {e}")))
        }
    }
}

fn apply(
    ctx: &ToolCtx<'_>,
    cluster: &dyn Discovery,
    file: Option<&str>,
    manifest: Option<&str>,
    ns: Option<&str>,
    dry_run: bool,
    approval_id: &Option<String>,
) -> Result<Planned, Refusal> {
    let text = manifest_text(ctx, file, manifest)?;
    let ns = namespace(ctx, ns)?;
    // Read once without the cluster: a malformed manifest is refused before kubectl runs.
    manifest::place(&text, &ns, None)?;
    configured(ctx)?;
    let (mut api, mut error) = match cluster.resources(false) {
        Ok(api) => (Some(api), None),
        Err(e) => (None, Some(e)),
    };
    let mut placed = manifest::place(&text, &ns, api.as_deref())?;
    if api.is_some()
        && placed
            .objects
            .iter()
            .any(|o| o.facts.scope == Scope::Unresolved)
    {
        match cluster.resources(true) {
            Ok(fresh) => api = Some(fresh),
            Err(e) => error = Some(e),
        }
        placed = manifest::place(&text, &ns, api.as_deref())?;
    }
    let mut argv = vec!["apply".into(), "--filename=-".into()];
    argv.extend(ctx.cfg.kubectl_apply_args.iter().cloned());
    if dry_run {
        argv.push("--dry-run=server".into());
    }
    let stdin = placed.stdin();
    // The approver sees every object as kubectl will receive it, Secret values replaced; the
    // digest of what kubectl receives binds the approval to the values too.
    let objects: Vec<Value> = placed
        .objects
        .iter()
        .map(|o| {
            let mut shown = o.value.clone();
            output::redact_secrets(&mut shown);
            json!({
                "api_version": o.facts.api_version,
                "kind": o.facts.kind,
                "name": o.facts.name,
                "namespace": o.facts.namespace,
                "scope": o.facts.scope,
                "object": serde_yaml_ng::to_string(&shown).unwrap_or_else(|e| format!("(not rendered: {e})")),
            })
        })
        .collect();
    let mut p = Planned::new(
        argv,
        KubectlAction::Apply {
            objects: placed.facts(),
            dry_run,
        },
    );
    p.binding = json!({"objects_sha256": Digest::of(&stdin), "objects": objects, "namespace": ns, "dry_run": dry_run});
    p.stdin = Some(stdin);
    p.approval_id = approval_id.clone();
    p.output = OutputCheck::Auto;
    if let Some(e) = error {
        p.audit.insert("discovery_error".into(), Value::String(e));
    }
    Ok(p)
}

fn delete(
    ctx: &ToolCtx<'_>,
    cluster: &dyn Discovery,
    resource: &str,
    name: &str,
    ns: Option<&str>,
    approval_id: &Option<String>,
) -> Result<Planned, Refusal> {
    let n = args::name("name", name)?;
    let t = target(ctx, cluster, resource, ns, false)?;
    let mut argv = vec!["delete".into(), t.argument(), n.clone()];
    argv.extend(t.namespace_flag());
    let mut p = Planned::new(
        argv,
        KubectlAction::Delete {
            resource: t.one()?,
            name: n,
            namespace: t.acts_in.clone(),
        },
    )
    .on(&t);
    p.approval_id = approval_id.clone();
    Ok(p)
}

fn scale(
    ctx: &ToolCtx<'_>,
    cluster: &dyn Discovery,
    resource: &str,
    name: &str,
    replicas: u32,
    ns: Option<&str>,
    approval_id: &Option<String>,
) -> Result<Planned, Refusal> {
    let n = args::name("name", name)?;
    let t = target(ctx, cluster, resource, ns, false)?;
    let mut argv = vec![
        "scale".into(),
        format!("{}/{n}", t.argument()),
        format!("--replicas={replicas}"),
    ];
    argv.extend(t.namespace_flag());
    let mut p = Planned::new(
        argv,
        KubectlAction::Scale {
            resource: t.one()?,
            name: n,
            namespace: t.acts_in.clone(),
            replicas,
        },
    )
    .on(&t);
    p.approval_id = approval_id.clone();
    Ok(p)
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
    let mut planned = Planned::new(
        argv,
        KubectlAction::Exec {
            pod: p,
            namespace: ns,
        },
    );
    planned.approval_id = approval_id.clone();
    Ok(planned)
}

#[cfg(test)]
mod tests;
