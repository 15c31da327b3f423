//! The gate: one path from an agent's tool call to an effect.
//!
//! `normalize → assess → decide → bind → permit → audit → execute → audit → respond`
//! (DESIGN.md §3). [`Permit`] has private fields and no public constructor: only this module
//! makes one, and only after the decision allows it and the "decided" record is on disk. Every
//! runner takes a `Permit` by value, so "no execution path outside the gate" is a compile-time
//! fact.

// The error side of these results is the answer returned to the agent (a `Response`); it is
// built at most once per call, so its size does not matter.
#![allow(clippy::result_large_err)]

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use recourse_plan::{
    ApplyRefusal, ApplyRequest, Approval, ApprovalId, ApprovalRefusal, ApprovalStatus, Channel,
    NewApproval, PlanId, PlanRecord, PlanStatus, RequestBinding, Timestamp, analyze, plan_digest,
    request_digest, verify_apply,
};
use recourse_policy::{
    Action, Decision, Digest, KubectlAction, KubectlRead, NetworkAccess, Reason, Verdict,
};
use recourse_shell::Classifier;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::audit::{AppendError, AuditLog};
use crate::config::{ConfigError, GatewayConfig, RunnerEnv};
use crate::kube;
use crate::process::{Outcome, Spec};
use crate::redact::Redactor;
use crate::runners;
use crate::store::{Store, StoreError};

/// The `schemaVersion` of every response.
pub const SCHEMA_VERSION: &str = "recourse.gateway.v2";

/// Tool names.
pub mod tools {
    /// Plan.
    pub const TERRAFORM_PLAN: &str = "gateway_terraform_plan";
    /// Apply a stored plan.
    pub const TERRAFORM_APPLY: &str = "gateway_terraform_apply";
    /// Plan a destroy.
    pub const TERRAFORM_DESTROY: &str = "gateway_terraform_destroy";
    /// kubectl get.
    pub const KUBECTL_GET: &str = "gateway_kubectl_get";
    /// kubectl logs.
    pub const KUBECTL_LOGS: &str = "gateway_kubectl_logs";
    /// kubectl describe.
    pub const KUBECTL_DESCRIBE: &str = "gateway_kubectl_describe";
    /// kubectl apply.
    pub const KUBECTL_APPLY: &str = "gateway_kubectl_apply";
    /// kubectl delete.
    pub const KUBECTL_DELETE: &str = "gateway_kubectl_delete";
    /// kubectl scale.
    pub const KUBECTL_SCALE: &str = "gateway_kubectl_scale";
    /// kubectl exec.
    pub const KUBECTL_EXEC: &str = "gateway_kubectl_exec";
    /// Shell.
    pub const SHELL_EXEC: &str = "gateway_shell_exec";
    /// Ask for an approval.
    pub const REQUEST_APPROVAL: &str = "gateway_request_approval";
    /// Poll an approval.
    pub const CHECK_APPROVAL: &str = "gateway_check_approval";
    /// Look up a plan.
    pub const GET_PLAN: &str = "gateway_get_plan";
    /// All fourteen, in order.
    pub const ALL: [&str; 14] = [
        TERRAFORM_PLAN,
        TERRAFORM_APPLY,
        TERRAFORM_DESTROY,
        KUBECTL_GET,
        KUBECTL_LOGS,
        KUBECTL_DESCRIBE,
        KUBECTL_APPLY,
        KUBECTL_DELETE,
        KUBECTL_SCALE,
        KUBECTL_EXEC,
        SHELL_EXEC,
        REQUEST_APPROVAL,
        CHECK_APPROVAL,
        GET_PLAN,
    ];
}

/// An agent's call, with typed arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "tool",
    content = "arguments",
    rename_all = "snake_case",
    deny_unknown_fields
)]
#[allow(missing_docs)]
pub enum ToolCall {
    #[serde(rename = "gateway_terraform_plan")]
    TerraformPlan {
        cwd: String,
        workspace: String,
        #[serde(default)]
        args: Vec<String>,
    },
    #[serde(rename = "gateway_terraform_apply")]
    TerraformApply {
        plan_id: String,
        approval_id: Option<String>,
    },
    #[serde(rename = "gateway_terraform_destroy")]
    TerraformDestroy { cwd: String, workspace: String },
    #[serde(rename = "gateway_kubectl_get")]
    KubectlGet {
        resource: String,
        name: Option<String>,
        namespace: Option<String>,
        selector: Option<String>,
        output: Option<String>,
    },
    #[serde(rename = "gateway_kubectl_logs")]
    KubectlLogs {
        pod: String,
        namespace: Option<String>,
        container: Option<String>,
        tail: Option<u32>,
        since: Option<String>,
    },
    #[serde(rename = "gateway_kubectl_describe")]
    KubectlDescribe {
        resource: String,
        name: String,
        namespace: Option<String>,
    },
    #[serde(rename = "gateway_kubectl_apply")]
    KubectlApply {
        file: Option<String>,
        manifest: Option<String>,
        namespace: Option<String>,
        #[serde(default)]
        dry_run: bool,
        approval_id: Option<String>,
    },
    #[serde(rename = "gateway_kubectl_delete")]
    KubectlDelete {
        resource: String,
        name: String,
        namespace: Option<String>,
        approval_id: Option<String>,
    },
    #[serde(rename = "gateway_kubectl_scale")]
    KubectlScale {
        resource: String,
        name: String,
        replicas: u32,
        namespace: Option<String>,
        approval_id: Option<String>,
    },
    #[serde(rename = "gateway_kubectl_exec")]
    KubectlExec {
        pod: String,
        command: Vec<String>,
        namespace: Option<String>,
        container: Option<String>,
        approval_id: Option<String>,
    },
    #[serde(rename = "gateway_shell_exec")]
    ShellExec {
        command: String,
        cwd: Option<String>,
        timeout: Option<u64>,
        approval_id: Option<String>,
    },
    #[serde(rename = "gateway_request_approval")]
    RequestApproval {
        operation: String,
        target: String,
        reason: String,
        plan_id: Option<String>,
    },
    #[serde(rename = "gateway_check_approval")]
    CheckApproval { approval_id: String },
    #[serde(rename = "gateway_get_plan")]
    GetPlan { plan_id: String },
}

impl ToolCall {
    /// The tool's name.
    pub fn tool(&self) -> &'static str {
        use tools::*;
        match self {
            ToolCall::TerraformPlan { .. } => TERRAFORM_PLAN,
            ToolCall::TerraformApply { .. } => TERRAFORM_APPLY,
            ToolCall::TerraformDestroy { .. } => TERRAFORM_DESTROY,
            ToolCall::KubectlGet { .. } => KUBECTL_GET,
            ToolCall::KubectlLogs { .. } => KUBECTL_LOGS,
            ToolCall::KubectlDescribe { .. } => KUBECTL_DESCRIBE,
            ToolCall::KubectlApply { .. } => KUBECTL_APPLY,
            ToolCall::KubectlDelete { .. } => KUBECTL_DELETE,
            ToolCall::KubectlScale { .. } => KUBECTL_SCALE,
            ToolCall::KubectlExec { .. } => KUBECTL_EXEC,
            ToolCall::ShellExec { .. } => SHELL_EXEC,
            ToolCall::RequestApproval { .. } => REQUEST_APPROVAL,
            ToolCall::CheckApproval { .. } => CHECK_APPROVAL,
            ToolCall::GetPlan { .. } => GET_PLAN,
        }
    }

    /// Parses a call from a tool name and its JSON arguments (unknown fields are errors).
    pub fn from_json(tool: &str, arguments: Value) -> Result<ToolCall, String> {
        if !tools::ALL.contains(&tool) {
            return Err(format!("unknown tool `{tool}`"));
        }
        let arguments = if arguments.is_null() {
            json!({})
        } else {
            arguments
        };
        serde_json::from_value(json!({"tool": tool, "arguments": arguments}))
            .map_err(|e| format!("invalid arguments for {tool}: {e}"))
    }
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The agent's identity.
    pub agent_id: String,
}

/// What happened to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// It ran.
    Executed,
    /// A plan was made and stored.
    Planned,
    /// Waiting for a human: poll `gateway_check_approval`, then repeat with `approval_id`.
    PendingApproval,
    /// Never runs on an agent's request.
    Blocked,
    /// Not run: a check failed (expired, tampered, wrong approval, …).
    Refused,
    /// The arguments were invalid.
    RejectedInput,
    /// Information (approval status, plan record).
    Info,
}

/// A runner's result as returned to the agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunOutput {
    /// Exit code, if it exited.
    pub exit_code: Option<i32>,
    /// Redacted stdout.
    pub stdout: String,
    /// Redacted stderr.
    pub stderr: String,
    /// Killed at the time limit.
    pub timed_out: bool,
    /// Output beyond the cap was dropped.
    pub truncated: bool,
}

/// The gateway's answer to one call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// Always [`SCHEMA_VERSION`].
    #[serde(rename = "schemaVersion")]
    pub schema_version: String,
    /// The tool called.
    pub tool: String,
    /// The decision.
    pub decision: Decision,
    /// What happened.
    pub status: Status,
    /// One sentence for the agent.
    pub message: String,
    /// Every reason behind the decision.
    pub reasons: Vec<Reason>,
    /// The approval to wait for / that was used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_id: Option<ApprovalId>,
    /// The plan made / applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<PlanId>,
    /// Runner output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<RunOutput>,
    /// Tool-specific data (plan changes, approval status, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl Response {
    fn new(tool: &str, decision: Decision, status: Status, message: impl Into<String>) -> Self {
        Response {
            schema_version: SCHEMA_VERSION.into(),
            tool: tool.into(),
            decision,
            status,
            message: message.into(),
            reasons: Vec::new(),
            approval_id: None,
            plan_id: None,
            output: None,
            data: None,
        }
    }

    /// Whether the agent should treat this as a failure (MCP `isError`).
    pub fn is_error(&self) -> bool {
        matches!(
            self.status,
            Status::Blocked | Status::Refused | Status::RejectedInput
        ) || self.output.as_ref().is_some_and(|o| o.exit_code != Some(0))
    }
}

/// A confined shell command a permit allows.
#[derive(Debug)]
pub(crate) struct ShellJob {
    pub(crate) command: String,
    pub(crate) cwd: PathBuf,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) home: PathBuf,
    pub(crate) writable: Vec<PathBuf>,
    pub(crate) deny: Vec<PathBuf>,
    pub(crate) net_deny: bool,
    pub(crate) timeout: Duration,
    pub(crate) max_output: usize,
}

/// Permission to run exactly one decided action of kind `T` (a terraform/kubectl process
/// [`Spec`], or a shell job). Only the gate constructs one, and each runner accepts only its own
/// kind, so a permit for one thing can never run another.
#[derive(Debug)]
pub struct Permit<T> {
    permitted: T,
}

impl<T> Permit<T> {
    pub(crate) fn into_permitted(self) -> T {
        self.permitted
    }
}

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// Bad configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The startup record could not be written.
    #[error(transparent)]
    Audit(#[from] AppendError),
    /// A shell pattern in the policy is invalid.
    #[error("policy: {0}")]
    Pattern(#[from] recourse_shell::PatternError),
}

/// The current time.
pub fn system_now() -> Timestamp {
    Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    )
}

fn random_bytes() -> [u8; 16] {
    let mut b = [0u8; 16];
    // A failing OS random source is not recoverable; an all-zero id would collide, so the
    // insert fails instead of silently reusing one.
    let _ = getrandom::fill(&mut b);
    b
}

type Clock = Box<dyn Fn() -> Timestamp + Send + Sync>;

/// The gateway service.
pub struct Gateway {
    cfg: GatewayConfig,
    store: Mutex<Store>,
    /// A second connection used only to move the audit anchor, so that writing an audit record
    /// never waits on a lock the caller may already hold.
    anchor: Mutex<Store>,
    audit: AuditLog,
    classifier: Classifier,
    policy_hash: Digest,
    redactor: Redactor,
    allowed: Vec<PathBuf>,
    /// Scratch `HOME` for runners: outside the state directory, private to this gateway.
    scratch: PathBuf,
    clock: Clock,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("state_dir", &self.cfg.state_dir)
            .field("environment", &self.cfg.environment)
            .finish_non_exhaustive()
    }
}

/// The gateway's paths inside its state directory.
pub fn db_path(state_dir: &Path) -> PathBuf {
    state_dir.join("recourse.db")
}
/// The audit log path.
pub fn audit_path(state_dir: &Path) -> PathBuf {
    state_dir.join("audit.jsonl")
}
fn plans_dir(state_dir: &Path) -> PathBuf {
    state_dir.join("plans")
}

/// Creates the state directory (0700) and its plans folder.
pub fn prepare_state_dir(state_dir: &Path) -> Result<(), ConfigError> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    let err = |source| ConfigError::StateDir {
        path: state_dir.to_owned(),
        source,
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(state_dir)
        .map_err(err)?;
    std::fs::set_permissions(state_dir, std::fs::Permissions::from_mode(0o700)).map_err(err)?;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(plans_dir(state_dir))
        .map_err(err)?;
    Ok(())
}

fn parse_id<T: std::str::FromStr<Err = recourse_plan::InvalidId>>(s: &str) -> Result<T, String> {
    s.trim().parse::<T>().map_err(|e| e.to_string())
}

fn sha256_file(path: &Path) -> Option<Digest> {
    std::fs::read(path).ok().map(|b| Digest::of(&b))
}

const TERRAFORM_FLAGS: &[&str] = &[
    "-refresh=false",
    "-refresh=true",
    "-destroy",
    "-compact-warnings",
    "-lock=false",
    "-no-color",
];
const TERRAFORM_VALUE_FLAGS: &[&str] =
    &["-var", "-var-file", "-target", "-replace", "-parallelism"];

impl Gateway {
    /// Opens the gateway: validates the configuration, prepares the state directory, opens
    /// the store and writes the startup record.
    pub fn open(cfg: GatewayConfig) -> Result<Gateway, OpenError> {
        cfg.validate()?;
        prepare_state_dir(&cfg.state_dir)?;
        let store = Store::open(&db_path(&cfg.state_dir))?;
        let anchor = Store::open(&db_path(&cfg.state_dir))?;
        let classifier = Classifier::new(&cfg.policy.shell)?;
        let policy_hash = cfg.policy.hash();
        store.set_meta("policy_sha256", &policy_hash.to_hex())?;
        let redactor = Redactor::from_env(cfg.base_env.clone());
        let allowed = cfg.allowed_paths()?;
        let scratch = std::env::temp_dir().join(format!(
            "recourse-home-{}",
            random_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        ));
        {
            use std::os::unix::fs::DirBuilderExt;
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&scratch)
                .map_err(|source| ConfigError::StateDir {
                    path: scratch.clone(),
                    source,
                })?;
        }
        let gw = Gateway {
            audit: AuditLog::new(audit_path(&cfg.state_dir)),
            store: Mutex::new(store),
            anchor: Mutex::new(anchor),
            classifier,
            policy_hash,
            redactor,
            allowed,
            scratch,
            clock: Box::new(system_now),
            cfg,
        };
        gw.audit_event(
            "startup",
            json!({
                "environment": gw.cfg.environment,
                "policy_source": gw.cfg.policy_source,
                "agent_id": gw.cfg.agent_id,
            }),
        )?;
        Ok(gw)
    }

    /// Replaces the clock (for hosts with their own time source, and tests).
    pub fn set_clock(&mut self, clock: impl Fn() -> Timestamp + Send + Sync + 'static) {
        self.clock = Box::new(clock);
    }

    /// The configuration.
    pub fn config(&self) -> &GatewayConfig {
        &self.cfg
    }

    /// The policy hash every record carries.
    pub fn policy_hash(&self) -> Digest {
        self.policy_hash
    }

    fn now(&self) -> Timestamp {
        (self.clock)()
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave SQLite inconsistent (each statement is
        // atomic), so a poisoned lock is still usable.
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn audit_event(&self, event: &str, details: Value) -> Result<(), AppendError> {
        let details = match details {
            Value::Object(m) => m,
            other => {
                let mut m = Map::new();
                m.insert("detail".into(), other);
                m
            }
        };
        let redacted = match self.redactor.redact_json(Value::Object(details)) {
            Value::Object(m) => m,
            _ => Map::new(), // redact_json keeps the shape: an object stays an object
        };
        let rec = self
            .audit
            .append(event, self.policy_hash, self.now(), redacted)?;
        if let (Some(seq), Some(hash)) = (
            rec.get("seq").and_then(Value::as_u64),
            rec.get("hash").and_then(Value::as_str),
        ) {
            // The anchor only detects truncation; failing to move it must not stop the gateway.
            let anchor = self.anchor.lock().unwrap_or_else(|p| p.into_inner());
            let _ = anchor.set_audit_anchor(seq, hash);
        }
        Ok(())
    }

    /// Handles one agent call. Never panics on bad input; every call leaves an audit record.
    pub fn handle(&self, call: ToolCall, caller: &Caller) -> Response {
        let result = match call {
            ToolCall::ShellExec {
                command,
                cwd,
                timeout,
                approval_id,
            } => self.shell(
                caller,
                &command,
                cwd.as_deref(),
                timeout,
                approval_id.as_deref(),
            ),
            ToolCall::TerraformPlan {
                cwd,
                workspace,
                args,
            } => self.terraform_plan(caller, &cwd, &workspace, &args, false),
            ToolCall::TerraformDestroy { cwd, workspace } => {
                self.terraform_destroy(caller, &cwd, &workspace)
            }
            ToolCall::TerraformApply {
                plan_id,
                approval_id,
            } => self.terraform_apply(caller, &plan_id, approval_id.as_deref()),
            ToolCall::CheckApproval { approval_id } => self.check_approval(caller, &approval_id),
            ToolCall::GetPlan { plan_id } => self.get_plan(caller, &plan_id),
            ToolCall::RequestApproval {
                operation,
                target,
                reason,
                plan_id,
            } => self.request_approval(caller, &operation, &target, &reason, plan_id.as_deref()),
            other => self.kubectl(caller, other),
        };
        match result {
            Ok(r) => r,
            Err(resp) => resp,
        }
    }

    /// Records invalid input and answers with the reason.
    pub fn reject_input(&self, tool: &str, caller: &Caller, error: &str) -> Response {
        let mut r = Response::new(
            tool,
            Decision::Block,
            Status::RejectedInput,
            format!("rejected: {error}"),
        );
        r.reasons.push(Reason::new(
            Decision::Block,
            "input.invalid",
            error.to_owned(),
        ));
        self.audited(
            r,
            "rejected_input",
            json!({"tool": tool, "agent": caller.agent_id, "error": error}),
        )
    }

    /// Records a refusal or answer that runs nothing. The answer stands when the log cannot be
    /// written (nothing ran), and says so.
    fn audited(&self, mut r: Response, event: &str, details: Value) -> Response {
        if let Err(e) = self.audit_event(event, details) {
            r.message = format!("{}; and the audit log is unavailable: {e}", r.message);
        }
        r
    }

    fn refuse(
        &self,
        tool: &str,
        caller: &Caller,
        decision: Decision,
        reasons: Vec<Reason>,
        message: String,
        extra: Value,
    ) -> Response {
        let mut r = Response::new(tool, decision, Status::Refused, message.clone());
        r.reasons = reasons;
        let mut details = json!({"tool": tool, "agent": caller.agent_id, "decision": decision, "reasons": r.reasons, "message": message});
        if let (Some(d), Value::Object(e)) = (details.as_object_mut(), extra) {
            d.extend(e);
        }
        self.audited(r, "refused", details)
    }

    /// Steps 4–6 for a decided call: bind an approval if it escalates, check a presented one,
    /// write the "decided" record, and only then issue the permit.
    #[allow(clippy::too_many_arguments)]
    fn permit<T>(
        &self,
        tool: &str,
        caller: &Caller,
        arguments: &Value,
        workspace: Option<&str>,
        plan_digest: Option<Digest>,
        plan_id: Option<PlanId>,
        verdict: &Verdict,
        approval_id: Option<&str>,
        permitted: T,
    ) -> Result<(Permit<T>, Option<ApprovalId>), Response> {
        let now = self.now();
        let digest = request_digest(RequestBinding {
            tool,
            arguments,
            environment: self.cfg.environment,
            workspace,
            plan_digest,
            policy_hash: self.policy_hash,
        });
        let presented = match approval_id {
            None => None,
            Some(s) => {
                Some(parse_id::<ApprovalId>(s).map_err(|e| self.reject_input(tool, caller, &e))?)
            }
        };
        let decision = verdict.decision();
        let base = json!({"tool": tool, "agent": caller.agent_id, "arguments": arguments, "request_digest": digest, "decision": decision, "reasons": verdict.reasons()});
        if decision == Decision::Block {
            let mut r = Response::new(
                tool,
                Decision::Block,
                Status::Blocked,
                "blocked by policy: this action never runs on an agent's request",
            );
            r.reasons = verdict.reasons().to_vec();
            r.plan_id = plan_id;
            return Err(self.audited(r, "decided", base));
        }
        let mut used = None;
        if let Some(id) = presented {
            let store = self.store();
            let approval = store
                .approval(id)
                .map_err(|e| self.internal(tool, caller, &e.to_string()))?;
            let Some(mut approval) = approval else {
                drop(store);
                return Err(self.refuse(
                    tool,
                    caller,
                    decision,
                    verdict.reasons().to_vec(),
                    format!("approval {id}: {}", ApprovalRefusal::Unknown),
                    json!({"approval_id": id}),
                ));
            };
            if let Err(refusal) = approval.consume(digest, now) {
                drop(store);
                return Err(self.refuse(
                    tool,
                    caller,
                    decision,
                    verdict.reasons().to_vec(),
                    format!("approval {id} does not permit this call: {refusal}"),
                    json!({"approval_id": id, "request_digest": digest}),
                ));
            }
            if let Err(e) = store.update_approval(&approval, "approved") {
                drop(store);
                return Err(self.refuse(
                    tool,
                    caller,
                    decision,
                    verdict.reasons().to_vec(),
                    e.to_string(),
                    json!({"approval_id": id}),
                ));
            }
            drop(store);
            let _ = self.audit_event(
                "approval_consumed",
                json!({"approval_id": id, "tool": tool, "request_digest": digest}),
            );
            used = Some(id);
        } else if decision == Decision::Escalate {
            return Err(self.escalate(tool, caller, arguments, digest, plan_id, verdict));
        }
        let mut details = base;
        if let Some(d) = details.as_object_mut() {
            d.insert("approval_id".into(), json!(used));
            d.insert("plan_id".into(), json!(plan_id));
        }
        if let Err(e) = self.audit_event("decided", details) {
            return Err(self.audit_failed(tool, decision, verdict, &e));
        }
        Ok((Permit { permitted }, used))
    }

    fn audit_failed(
        &self,
        tool: &str,
        decision: Decision,
        verdict: &Verdict,
        e: &AppendError,
    ) -> Response {
        let mut r = Response::new(
            tool,
            decision,
            Status::Refused,
            format!(
                "not executed: the audit record could not be written ({e}); the gateway fails closed"
            ),
        );
        r.reasons = verdict.reasons().to_vec();
        r.reasons.push(Reason::new(
            Decision::Block,
            "audit.append_failed",
            e.to_string(),
        ));
        r
    }

    fn internal(&self, tool: &str, caller: &Caller, error: &str) -> Response {
        let mut r = Response::new(
            tool,
            Decision::Block,
            Status::Refused,
            format!("internal error, nothing was executed: {error}"),
        );
        r.reasons.push(Reason::new(
            Decision::Block,
            "gateway.internal_error",
            error.to_owned(),
        ));
        self.audited(
            r,
            "refused",
            json!({"tool": tool, "agent": caller.agent_id, "error": error}),
        )
    }

    /// Creates (or reuses) the pending approval bound to `digest` and answers with its id.
    fn escalate(
        &self,
        tool: &str,
        caller: &Caller,
        arguments: &Value,
        digest: Digest,
        plan_id: Option<PlanId>,
        verdict: &Verdict,
    ) -> Response {
        let now = self.now();
        let store = self.store();
        let existing = store
            .pending_for_digest(&digest.to_hex())
            .ok()
            .flatten()
            .filter(|a| a.status(now) == ApprovalStatus::Pending);
        let approval = match existing {
            Some(a) => a,
            None => {
                let summary = json!({"tool": tool, "arguments": arguments, "environment": self.cfg.environment, "reasons": verdict.reasons()});
                let summary = self.redactor.redact_json(summary);
                let a = Approval::new(
                    NewApproval {
                        id: ApprovalId::from_bytes(random_bytes()),
                        request_digest: digest,
                        requester: caller.agent_id.clone(),
                        tool: tool.into(),
                        summary,
                        environment: self.cfg.environment,
                        plan_id,
                        justification: None,
                    },
                    now,
                    self.cfg.policy.approval_ttl_seconds.get(),
                );
                if let Err(e) = store.insert_approval(&a) {
                    drop(store);
                    return self.internal(tool, caller, &e.to_string());
                }
                a
            }
        };
        drop(store);
        let mut r = Response::new(
            tool,
            Decision::Escalate,
            Status::PendingApproval,
            format!(
                "needs a human approval: a human runs `recourse approvals approve {}`; poll gateway_check_approval, then repeat this exact call with approval_id",
                approval.id
            ),
        );
        r.reasons = verdict.reasons().to_vec();
        r.approval_id = Some(approval.id);
        r.plan_id = plan_id;
        self.audited(r, "approval_requested", json!({"tool": tool, "agent": caller.agent_id, "approval_id": approval.id, "request_digest": digest, "arguments": arguments, "reasons": verdict.reasons(), "expires_at": approval.expires_at}))
    }

    fn executed(
        &self,
        tool: &str,
        caller: &Caller,
        mut r: Response,
        outcome: &Outcome,
        extra: Value,
    ) -> Response {
        let output_digest =
            Digest::of(format!("{}\0{}", outcome.stdout, outcome.stderr).as_bytes());
        let mut details = json!({"tool": tool, "agent": caller.agent_id, "exit_code": outcome.exit_code, "timed_out": outcome.timed_out, "truncated": outcome.truncated, "output_sha256": output_digest, "approval_id": r.approval_id, "plan_id": r.plan_id});
        if let (Some(d), Value::Object(e)) = (details.as_object_mut(), extra) {
            d.extend(e);
        }
        if let Err(e) = self.audit_event("executed", details) {
            r.message = format!(
                "{}; warning: the executed record could not be written ({e})",
                r.message
            );
        }
        r.output = Some(RunOutput {
            exit_code: outcome.exit_code,
            stdout: outcome.stdout.clone(),
            stderr: outcome.stderr.clone(),
            timed_out: outcome.timed_out,
            truncated: outcome.truncated,
        });
        r
    }

    fn runner_env(&self, patterns: &[String], home: &Path) -> Vec<(String, String)> {
        let mut env = vec![
            (
                "PATH".to_owned(),
                "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin".to_owned(),
            ),
            ("HOME".to_owned(), home.display().to_string()),
            ("LANG".to_owned(), "C.UTF-8".to_owned()),
            ("TERM".to_owned(), "dumb".to_owned()),
        ];
        env.extend(RunnerEnv::select(patterns, &self.cfg.base_env));
        env
    }

    /// What the shell may never touch: the gateway's state, its policy file, and the gateway
    /// user's cloud, cluster and SSH credentials.
    fn sandbox_deny(&self) -> Vec<PathBuf> {
        let mut deny = vec![self.cfg.state_dir.clone()];
        deny.extend(self.cfg.policy_path.iter().cloned());
        let home = self
            .cfg
            .base_env
            .iter()
            .find(|(k, _)| k == "HOME")
            .map(|(_, v)| PathBuf::from(v))
            .or_else(|| std::env::var_os("HOME").map(PathBuf::from));
        if let Some(h) = home {
            for d in [
                ".aws",
                ".kube",
                ".ssh",
                ".config/gcloud",
                ".azure",
                ".docker",
                ".gnupg",
            ] {
                deny.push(h.join(d));
            }
        }
        deny
    }

    fn scratch_home(&self) -> PathBuf {
        self.scratch.clone()
    }

    // ---------------------------------------------------------------- shell

    fn shell(
        &self,
        caller: &Caller,
        command: &str,
        cwd: Option<&str>,
        timeout: Option<u64>,
        approval_id: Option<&str>,
    ) -> Result<Response, Response> {
        let tool = tools::SHELL_EXEC;
        let policy = &self.cfg.policy;
        let cwd_path = match cwd {
            Some(c) => {
                let p = Path::new(c);
                if p.is_absolute() {
                    p.to_owned()
                } else {
                    self.allowed.first().cloned().unwrap_or_default().join(p)
                }
            }
            None => self.allowed.first().cloned().ok_or_else(|| {
                self.reject_input(tool, caller, "the policy allows no shell paths")
            })?,
        };
        let cwd_canon = cwd_path.canonicalize().map_err(|e| {
            self.reject_input(tool, caller, &format!("cwd {}: {e}", cwd_path.display()))
        })?;
        let max = policy.shell.max_timeout_seconds.get();
        let timeout_s = timeout.unwrap_or(max.min(60));
        if timeout_s == 0 || timeout_s > max {
            return Err(self.reject_input(tool, caller, &format!("timeout must be between 1 and {max} seconds (policy shell.max_timeout_seconds), got {timeout_s}")));
        }
        let assessment = self.classifier.classify(command);
        let mut verdict = assessment.verdict(policy, self.cfg.environment);
        if !self.allowed.iter().any(|a| cwd_canon.starts_with(a)) {
            verdict.push(Reason::new(
                Decision::Block,
                "shell.allowed_paths",
                format!(
                    "cwd {} is outside the policy's allowed paths",
                    cwd_canon.display()
                ),
            ));
        }
        let arguments = json!({"command": command, "cwd": cwd_canon, "timeout": timeout_s});
        let home = self.scratch_home();
        let _ = std::fs::create_dir_all(&home);
        let permitted = ShellJob {
            command: command.to_owned(),
            cwd: cwd_canon.clone(),
            env: {
                let mut env = self.runner_env(&self.cfg.runner_env.shell, &home);
                // Defense in depth: no pagers, and git's filesystem monitor (which a planted
                // .git/config could point at a program) off; env config outranks repo config.
                for (k, v) in [
                    ("PAGER", "cat"),
                    ("GIT_PAGER", "cat"),
                    ("MANPAGER", "cat"),
                    ("SYSTEMD_PAGER", "cat"),
                    ("LESSSECURE", "1"),
                    ("GIT_CONFIG_COUNT", "1"),
                    ("GIT_CONFIG_KEY_0", "core.fsmonitor"),
                    ("GIT_CONFIG_VALUE_0", "false"),
                ] {
                    env.push((k.to_owned(), v.to_owned()));
                }
                env
            },
            home,
            writable: self.allowed.clone(),
            deny: self.sandbox_deny(),
            net_deny: policy.shell.network == NetworkAccess::Deny,
            timeout: Duration::from_secs(timeout_s),
            max_output: usize::try_from(policy.shell.max_output_bytes.get()).unwrap_or(usize::MAX),
        };
        let (permit, used) = self.permit(
            tool,
            caller,
            &arguments,
            None,
            None,
            None,
            &verdict,
            approval_id,
            permitted,
        )?;
        let mut r = Response::new(tool, verdict.decision(), Status::Executed, "executed");
        r.reasons = verdict.reasons().to_vec();
        r.approval_id = used;
        r.data = Some(json!({"parts": assessment.parts}));
        match runners::run_shell(permit, &self.cfg.sandbox, &self.redactor) {
            Ok(so) => {
                if so.outcome.exit_code == Some(126)
                    && so.enforced.is_none()
                    && so.outcome.stderr.contains("cannot isolate the network")
                {
                    r.status = Status::Refused;
                    r.message = "not executed: policy forbids network access and the kernel could not isolate it".into();
                }
                let sandbox = json!({"sandbox": so.enforced});
                if let Some(e) = &so.enforced
                    && e.landlock != "full"
                {
                    r.message = format!(
                        "{}; note: filesystem confinement (Landlock) is {} on this kernel",
                        r.message, e.landlock
                    );
                }
                if let Some(d) = r.data.as_mut().and_then(Value::as_object_mut) {
                    d.insert("sandbox".into(), json!(so.enforced));
                }
                Ok(self.executed(tool, caller, r, &so.outcome, sandbox))
            }
            Err(e) => Ok(self.internal(tool, caller, &e.to_string())),
        }
    }

    // ------------------------------------------------------------ terraform

    fn tf_spec(&self, cwd: &Path, args: Vec<String>, timeout: Duration) -> Spec {
        let home = self.scratch_home();
        let _ = std::fs::create_dir_all(&home);
        let mut env = self.runner_env(&self.cfg.runner_env.terraform, &home);
        env.push(("TF_IN_AUTOMATION".into(), "1".into()));
        env.push(("TF_INPUT".into(), "0".into()));
        env.push(("CHECKPOINT_DISABLE".into(), "1".into()));
        Spec {
            program: self.cfg.terraform_bin.clone(),
            args,
            env,
            cwd: cwd.to_owned(),
            stdin: None,
            timeout,
            max_output: 16 << 20,
        }
    }

    /// Terraform invocations the gate itself needs to assess (workspace, state, show): no
    /// infrastructure effect, so they run without a permit, through the same process control.
    fn tf_inspect(&self, cwd: &Path, args: &[&str]) -> Result<Outcome, String> {
        let spec = self.tf_spec(
            cwd,
            args.iter().map(|s| (*s).to_owned()).collect(),
            Duration::from_secs(300),
        );
        // Parsed by the gate, never returned verbatim: redaction would corrupt the JSON.
        let out =
            crate::process::run(&spec, &Redactor::passthrough()).map_err(|e| e.to_string())?;
        if out.exit_code == Some(0) {
            Ok(out)
        } else {
            Err(format!(
                "terraform {} failed: {}",
                args.join(" "),
                out.stderr.trim()
            ))
        }
    }

    fn validate_tf_args(args: &[String], cwd: &Path) -> Result<(Vec<String>, bool), String> {
        let mut out = Vec::new();
        let mut destroy = false;
        let mut i = 0;
        while let Some(a) = args.get(i) {
            i += 1;
            if TERRAFORM_FLAGS.contains(&a.as_str()) {
                destroy |= a == "-destroy";
                out.push(a.clone());
                continue;
            }
            let (flag, value) = match a.split_once('=') {
                Some((f, v)) if TERRAFORM_VALUE_FLAGS.contains(&f) => (f.to_owned(), v.to_owned()),
                _ if TERRAFORM_VALUE_FLAGS.contains(&a.as_str()) => {
                    let Some(v) = args.get(i) else {
                        return Err(format!("terraform argument {a} needs a value"));
                    };
                    i += 1;
                    (a.clone(), v.clone())
                }
                _ => {
                    return Err(format!(
                        "terraform argument `{a}` is not allowed (allowed: {} and {}=…)",
                        TERRAFORM_FLAGS.join(", "),
                        TERRAFORM_VALUE_FLAGS.join("=…, ")
                    ));
                }
            };
            if flag == "-var-file" {
                let p = cwd.join(&value);
                let canon = p
                    .canonicalize()
                    .map_err(|e| format!("-var-file {value}: {e}"))?;
                if !canon.starts_with(cwd) {
                    return Err(format!(
                        "-var-file {value} is outside the working directory"
                    ));
                }
            }
            if flag == "-parallelism" && value.parse::<u32>().is_err() {
                return Err(format!("-parallelism needs a number, got {value}"));
            }
            out.push(format!("{flag}={value}"));
        }
        Ok((out, destroy))
    }

    fn validate_workspace(ws: &str) -> Result<(), String> {
        let ok = !ws.is_empty()
            && ws.len() <= 90
            && ws
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_');
        if ok {
            Ok(())
        } else {
            Err(format!(
                "invalid workspace `{ws}`: letters, digits, '-' and '_' only"
            ))
        }
    }

    fn tf_cwd(&self, cwd: &str) -> Result<PathBuf, String> {
        let p = PathBuf::from(cwd);
        if !p.is_absolute() {
            return Err(format!("cwd must be an absolute path, got `{cwd}`"));
        }
        let canon = p.canonicalize().map_err(|e| format!("cwd {cwd}: {e}"))?;
        if !canon.is_dir() {
            return Err(format!("cwd {cwd} is not a directory"));
        }
        let state = self
            .cfg
            .state_dir
            .canonicalize()
            .unwrap_or_else(|_| self.cfg.state_dir.clone());
        if canon.starts_with(&state) {
            return Err("cwd may not be inside the gateway's state directory".into());
        }
        Ok(canon)
    }

    /// Selects and verifies the workspace; initializes the directory if it never was.
    fn tf_prepare(&self, cwd: &Path, workspace: &str) -> Result<(), String> {
        if !cwd.join(".terraform").exists() {
            let mut args = vec!["init", "-input=false", "-no-color"];
            let extra: Vec<&str> = self
                .cfg
                .terraform_init_args
                .iter()
                .map(String::as_str)
                .collect();
            args.extend(extra);
            self.tf_inspect(cwd, &args)?;
        }
        let current = self
            .tf_inspect(cwd, &["workspace", "show"])?
            .stdout
            .trim()
            .to_owned();
        if current != workspace {
            self.tf_inspect(cwd, &["workspace", "select", "-no-color", workspace])?;
            let now = self
                .tf_inspect(cwd, &["workspace", "show"])?
                .stdout
                .trim()
                .to_owned();
            if now != workspace {
                return Err(format!(
                    "workspace `{workspace}` could not be selected (current: `{now}`)"
                ));
            }
        }
        Ok(())
    }

    fn tf_lineage(&self, cwd: &Path) -> (Option<String>, Option<u64>) {
        match self.tf_inspect(cwd, &["state", "pull"]) {
            Ok(out) => match serde_json::from_str::<Value>(&out.stdout) {
                Ok(v) => (
                    v.get("lineage").and_then(Value::as_str).map(str::to_owned),
                    v.get("serial").and_then(Value::as_u64),
                ),
                Err(_) => (None, None),
            },
            Err(_) => (None, None),
        }
    }

    fn terraform_destroy(
        &self,
        caller: &Caller,
        cwd: &str,
        workspace: &str,
    ) -> Result<Response, Response> {
        let tool = tools::TERRAFORM_DESTROY;
        Self::validate_workspace(workspace).map_err(|e| self.reject_input(tool, caller, &e))?;
        if let Some(r) = self.destroy_blocked(tool, caller, cwd, workspace) {
            return Ok(r);
        }
        self.terraform_plan(caller, cwd, workspace, &["-destroy".to_owned()], true)
    }

    /// A destroy the policy blocks outright in this environment is refused before anything
    /// runs (no plan is made): the answer, recorded.
    fn destroy_blocked(
        &self,
        tool: &str,
        caller: &Caller,
        cwd: &str,
        workspace: &str,
    ) -> Option<Response> {
        let pre = self
            .cfg
            .policy
            .evaluate(self.cfg.environment, Action::TerraformDestroy { workspace });
        if pre.decision() != Decision::Block {
            return None;
        }
        let mut r = Response::new(
            tool,
            Decision::Block,
            Status::Blocked,
            "blocked by policy: terraform destroy never runs here on an agent's request",
        );
        r.reasons = pre.reasons().to_vec();
        Some(self.audited(r, "decided", json!({"tool": tool, "agent": caller.agent_id, "arguments": {"cwd": cwd, "workspace": workspace}, "decision": "block", "reasons": pre.reasons()})))
    }

    fn terraform_plan(
        &self,
        caller: &Caller,
        cwd: &str,
        workspace: &str,
        args: &[String],
        via_destroy: bool,
    ) -> Result<Response, Response> {
        let tool = if via_destroy {
            tools::TERRAFORM_DESTROY
        } else {
            tools::TERRAFORM_PLAN
        };
        Self::validate_workspace(workspace).map_err(|e| self.reject_input(tool, caller, &e))?;
        let cwd = self
            .tf_cwd(cwd)
            .map_err(|e| self.reject_input(tool, caller, &e))?;
        let (args, destroy) =
            Self::validate_tf_args(args, &cwd).map_err(|e| self.reject_input(tool, caller, &e))?;
        if destroy
            && !via_destroy
            && let Some(r) =
                self.destroy_blocked(tool, caller, &cwd.display().to_string(), workspace)
        {
            return Ok(r);
        }
        let fail = |e: String| {
            self.refuse(
                tool,
                caller,
                Decision::Escalate,
                vec![Reason::new(
                    Decision::Escalate,
                    "terraform.failed",
                    e.clone(),
                )],
                format!("planning failed: {e}"),
                json!({}),
            )
        };
        self.tf_prepare(&cwd, workspace).map_err(fail)?;
        let (lineage, serial) = self.tf_lineage(&cwd);
        let id = PlanId::from_bytes(random_bytes());
        let plan_file = plans_dir(&self.cfg.state_dir).join(format!("{id}.tfplan"));
        let mut plan_args = vec![
            "plan".to_owned(),
            "-input=false".into(),
            "-no-color".into(),
            format!("-out={}", plan_file.display()),
        ];
        plan_args.extend(args.iter().cloned());
        let spec = self.tf_spec(&cwd, plan_args, Duration::from_secs(1800));
        let out = crate::process::run(&spec, &self.redactor).map_err(|e| fail(e.to_string()))?;
        if out.exit_code != Some(0) {
            return Err(fail(out.stderr.trim().to_owned()));
        }
        let json_text = self
            .tf_inspect(&cwd, &["show", "-json", &plan_file.display().to_string()])
            .map_err(fail)?
            .stdout;
        let plan = recourse_plan::Plan::from_json(&json_text).map_err(|e| fail(e.to_string()))?;
        let digest = plan_digest(&json_text).map_err(|e| fail(e.to_string()))?;
        let file_hash =
            sha256_file(&plan_file).ok_or_else(|| fail("the plan file was not written".into()))?;
        let analysis = analyze(&plan);
        let facts = analysis.facts(workspace, destroy);
        let verdict = self
            .cfg
            .policy
            .evaluate(self.cfg.environment, Action::TerraformPlan(&facts));
        let now = self.now();
        let rec = PlanRecord {
            id,
            plan_file_sha256: file_hash,
            plan_digest: digest,
            workspace: workspace.to_owned(),
            environment: self.cfg.environment,
            cwd: cwd.display().to_string(),
            args: args.clone(),
            destroy,
            lineage,
            serial,
            policy_hash: self.policy_hash,
            created_at: now,
            expires_at: now.plus(self.cfg.policy.plan_ttl_seconds.get()),
            verdict: verdict.clone(),
            status: PlanStatus::Planned,
        };
        self.store()
            .insert_plan(&rec)
            .map_err(|e| self.internal(tool, caller, &e.to_string()))?;
        let data = json!({"changes": analysis.changes, "worst_tier": analysis.worst_tier(), "output_changes": analysis.output_changes, "plan_digest": digest, "expires_at": rec.expires_at, "workspace": workspace, "destroy": destroy});
        if let Err(e) = self.audit_event("planned", json!({"tool": tool, "agent": caller.agent_id, "plan_id": id, "plan_digest": digest, "plan_file_sha256": file_hash, "workspace": workspace, "cwd": rec.cwd, "args": args, "decision": verdict.decision(), "reasons": verdict.reasons()})) {
            return Err(self.audit_failed(tool, verdict.decision(), &verdict, &e));
        }
        let mut r = Response::new(tool, verdict.decision(), Status::Planned, "");
        r.reasons = verdict.reasons().to_vec();
        r.plan_id = Some(id);
        r.data = Some(data);
        match verdict.decision() {
            Decision::Block => {
                r.status = Status::Blocked;
                r.message = format!(
                    "planned as {id}, but the plan is blocked by policy: it can never be applied on an agent's request"
                );
            }
            Decision::Escalate => {
                let arguments = json!({"plan_id": id.to_string()});
                let d = request_digest(RequestBinding {
                    tool: tools::TERRAFORM_APPLY,
                    arguments: &arguments,
                    environment: self.cfg.environment,
                    workspace: Some(workspace),
                    plan_digest: Some(digest),
                    policy_hash: self.policy_hash,
                });
                let pending = self.escalate(
                    tools::TERRAFORM_APPLY,
                    caller,
                    &arguments,
                    d,
                    Some(id),
                    &verdict,
                );
                r.approval_id = pending.approval_id;
                r.message = format!(
                    "planned as {id}; applying it needs a human approval ({}): poll gateway_check_approval, then call gateway_terraform_apply with plan_id and approval_id",
                    pending
                        .approval_id
                        .map(|a| a.to_string())
                        .unwrap_or_default()
                );
            }
            _ => {
                r.message = format!(
                    "planned as {id}; call gateway_terraform_apply with this plan_id to apply exactly this plan"
                )
            }
        }
        Ok(r)
    }

    fn terraform_apply(
        &self,
        caller: &Caller,
        plan_id: &str,
        approval_id: Option<&str>,
    ) -> Result<Response, Response> {
        let tool = tools::TERRAFORM_APPLY;
        let id = parse_id::<PlanId>(plan_id).map_err(|e| self.reject_input(tool, caller, &e))?;
        let presented = match approval_id {
            Some(a) => {
                Some(parse_id::<ApprovalId>(a).map_err(|e| self.reject_input(tool, caller, &e))?)
            }
            None => None,
        };
        let now = self.now();
        let rec = self
            .store()
            .plan(id)
            .map_err(|e| self.internal(tool, caller, &e.to_string()))?;
        let refuse = |refusal: String, decision: Decision| {
            self.refuse(
                tool,
                caller,
                decision,
                vec![Reason::new(
                    Decision::Block,
                    "terraform.apply_refused",
                    refusal.clone(),
                )],
                format!("not applied: {refusal}"),
                json!({"plan_id": plan_id}),
            )
        };
        let Some(rec) = rec else {
            return Err(refuse(
                ApplyRefusal::UnknownPlan.to_string(),
                Decision::Block,
            ));
        };
        if rec.policy_hash != self.policy_hash {
            return Err(refuse(
                "the policy changed since this plan was made; plan again".into(),
                rec.verdict.decision(),
            ));
        }
        let cwd = PathBuf::from(&rec.cwd);
        let plan_file = plans_dir(&self.cfg.state_dir).join(format!("{id}.tfplan"));
        let file_hash = sha256_file(&plan_file).unwrap_or_else(|| Digest::of(b"missing plan file"));
        let current_ws = self
            .tf_inspect(&cwd, &["workspace", "show"])
            .map(|o| o.stdout.trim().to_owned())
            .unwrap_or_default();
        let arguments = json!({"plan_id": id.to_string()});
        let digest = request_digest(RequestBinding {
            tool,
            arguments: &arguments,
            environment: self.cfg.environment,
            workspace: Some(&rec.workspace),
            plan_digest: Some(rec.plan_digest),
            policy_hash: self.policy_hash,
        });
        let approval = match presented {
            Some(a) => match self
                .store()
                .approval(a)
                .map_err(|e| self.internal(tool, caller, &e.to_string()))?
            {
                Some(ap) => Some(ap),
                None => {
                    return Err(refuse(
                        format!("approval {a}: {}", ApprovalRefusal::Unknown),
                        rec.verdict.decision(),
                    ));
                }
            },
            None => None,
        };
        let req = ApplyRequest {
            plan_file_sha256: file_hash,
            workspace: &current_ws,
            environment: self.cfg.environment,
            approval: approval.as_ref(),
            request_digest: digest,
        };
        let permission = match verify_apply(Some(&rec), &req, now) {
            Ok(p) => p,
            Err(ApplyRefusal::ApprovalRequired) => {
                let mut r = self.escalate(tool, caller, &arguments, digest, Some(id), &rec.verdict);
                r.plan_id = Some(id);
                return Ok(r);
            }
            Err(refusal) => {
                let mut r = refuse(refusal.to_string(), rec.verdict.decision());
                r.reasons
                    .splice(0..0, rec.verdict.reasons().iter().cloned());
                r.plan_id = Some(id);
                if matches!(refusal, ApplyRefusal::Blocked) {
                    r.status = Status::Blocked;
                }
                return Err(r);
            }
        };
        let (lineage, serial) = self.tf_lineage(&cwd);
        if (lineage.clone(), serial) != (rec.lineage.clone(), rec.serial) {
            return Err(refuse(
                format!(
                    "the state changed since planning (lineage/serial {:?}/{:?} → {:?}/{:?}); plan again",
                    rec.lineage, rec.serial, lineage, serial
                ),
                rec.verdict.decision(),
            ));
        }
        // Single use of the approval, then the one planned → applying transition.
        if let (Some(aid), Some(mut ap)) = (permission.approval(), approval) {
            if let Err(e) = ap.consume(digest, now) {
                return Err(refuse(e.to_string(), rec.verdict.decision()));
            }
            if let Err(e) = self.store().update_approval(&ap, "approved") {
                return Err(refuse(e.to_string(), rec.verdict.decision()));
            }
            let _ = self.audit_event(
                "approval_consumed",
                json!({"approval_id": aid, "tool": tool, "plan_id": id}),
            );
        }
        match self
            .store()
            .transition_plan(id, PlanStatus::Planned, PlanStatus::Applying)
        {
            Ok(true) => {}
            Ok(false) => {
                return Err(refuse(
                    ApplyRefusal::AlreadyApplying.to_string() + " or already applied",
                    rec.verdict.decision(),
                ));
            }
            Err(e) => return Err(self.internal(tool, caller, &e.to_string())),
        }
        let verdict = &rec.verdict;
        if let Err(e) = self.audit_event("decided", json!({"tool": tool, "agent": caller.agent_id, "plan_id": id, "plan_file_sha256": file_hash, "request_digest": digest, "approval_id": permission.approval(), "break_glass": permission.break_glass(), "decision": verdict.decision(), "reasons": verdict.reasons()})) {
            // Nothing ran: put the plan back so a human can retry once the log is fixed.
            let _ = self.store().transition_plan(id, PlanStatus::Applying, PlanStatus::Planned);
            return Err(self.audit_failed(tool, verdict.decision(), verdict, &e));
        }
        let spec = self.tf_spec(
            &cwd,
            vec![
                "apply".into(),
                "-input=false".into(),
                "-no-color".into(),
                plan_file.display().to_string(),
            ],
            Duration::from_secs(3600),
        );
        let permit = Permit { permitted: spec };
        let outcome = runners::run_tool(permit, &self.redactor);
        let mut r = Response::new(tool, verdict.decision(), Status::Executed, "");
        r.reasons = verdict.reasons().to_vec();
        r.plan_id = Some(id);
        r.approval_id = permission.approval();
        match outcome {
            Ok(o) => {
                let ok = o.exit_code == Some(0);
                let to = if ok {
                    PlanStatus::Applied
                } else {
                    PlanStatus::Failed
                };
                let _ = self.store().transition_plan(id, PlanStatus::Applying, to);
                r.message = if ok {
                    format!("applied plan {id}")
                } else {
                    format!(
                        "terraform apply of plan {id} failed; the plan cannot be applied again: plan again"
                    )
                };
                Ok(self.executed(tool, caller, r, &o, json!({"plan_status": to})))
            }
            Err(e) => {
                let _ = self
                    .store()
                    .transition_plan(id, PlanStatus::Applying, PlanStatus::Failed);
                Ok(self.internal(tool, caller, &e.to_string()))
            }
        }
    }

    // -------------------------------------------------------------- kubectl

    fn kubectl_base(&self) -> Vec<String> {
        let mut v = Vec::new();
        if let Some(k) = &self.cfg.kubeconfig {
            v.push(format!("--kubeconfig={}", k.display()));
        }
        if let Some(c) = &self.cfg.kube_context {
            v.push(format!("--context={c}"));
        }
        v
    }

    fn kubectl(&self, caller: &Caller, call: ToolCall) -> Result<Response, Response> {
        let tool = call.tool();
        let bad = |e: String| self.reject_input(tool, caller, &e);
        let default_ns = self.cfg.kube_default_namespace.clone();
        let ns_of = |ns: &Option<String>| -> Result<String, String> {
            kube::namespace(ns.as_deref().unwrap_or(&default_ns)).map_err(|e| e.to_string())
        };
        let mut stdin = None;
        let (argv, action, approval_id, arguments): (
            Vec<String>,
            KubectlAction,
            Option<String>,
            Value,
        ) = match &call {
            ToolCall::KubectlGet {
                resource,
                name,
                namespace,
                selector,
                output,
            } => {
                let r = kube::resource(resource).map_err(|e| bad(e.to_string()))?;
                let ns = ns_of(namespace).map_err(bad)?;
                let mut a = vec!["get".into(), r.clone()];
                if let Some(n) = name {
                    a.push(kube::name("name", n).map_err(|e| bad(e.to_string()))?);
                }
                a.push(format!("--namespace={ns}"));
                if let Some(s) = selector {
                    a.push(format!(
                        "--selector={}",
                        kube::selector(s).map_err(|e| bad(e.to_string()))?
                    ));
                }
                let out = match output {
                    Some(o) => Some(kube::output(o).map_err(|e| bad(e.to_string()))?),
                    None => None,
                };
                if let Some(o) = &out {
                    a.push(format!("--output={o}"));
                }
                let reveals =
                    kube::is_secret_resource(&r) && matches!(out.as_deref(), Some("yaml" | "json"));
                (
                    a,
                    KubectlAction::Read {
                        read: KubectlRead::Get,
                        resource: r,
                        namespace: ns,
                        reveals_secret_data: reveals,
                    },
                    None,
                    serde_json::to_value(&call).unwrap_or_default(),
                )
            }
            ToolCall::KubectlLogs {
                pod,
                namespace,
                container,
                tail,
                since,
            } => {
                let p = kube::name("pod", pod).map_err(|e| bad(e.to_string()))?;
                let ns = ns_of(namespace).map_err(bad)?;
                let mut a = vec!["logs".into(), p, format!("--namespace={ns}")];
                if let Some(c) = container {
                    a.push(format!(
                        "--container={}",
                        kube::namespace(c)
                            .map_err(|e| bad(e.to_string().replace("namespace", "container")))?
                    ));
                }
                if let Some(t) = tail {
                    a.push(format!("--tail={t}"));
                }
                if let Some(s) = since {
                    a.push(format!(
                        "--since={}",
                        kube::since(s).map_err(|e| bad(e.to_string()))?
                    ));
                }
                (
                    a,
                    KubectlAction::Read {
                        read: KubectlRead::Logs,
                        resource: "pods".into(),
                        namespace: ns,
                        reveals_secret_data: false,
                    },
                    None,
                    serde_json::to_value(&call).unwrap_or_default(),
                )
            }
            ToolCall::KubectlDescribe {
                resource,
                name,
                namespace,
            } => {
                let r = kube::resource(resource).map_err(|e| bad(e.to_string()))?;
                let n = kube::name("name", name).map_err(|e| bad(e.to_string()))?;
                let ns = ns_of(namespace).map_err(bad)?;
                (
                    vec!["describe".into(), r.clone(), n, format!("--namespace={ns}")],
                    KubectlAction::Read {
                        read: KubectlRead::Describe,
                        resource: r,
                        namespace: ns,
                        reveals_secret_data: false,
                    },
                    None,
                    serde_json::to_value(&call).unwrap_or_default(),
                )
            }
            ToolCall::KubectlApply {
                file,
                manifest,
                namespace,
                dry_run,
                approval_id,
            } => {
                let text = match (file, manifest) {
                    (Some(_), Some(_)) | (None, None) => {
                        return Err(bad("give exactly one of file or manifest".into()));
                    }
                    (None, Some(m)) => m.clone(),
                    (Some(f), None) => {
                        let p = Path::new(f);
                        let p = if p.is_absolute() {
                            p.to_owned()
                        } else {
                            self.allowed.first().cloned().unwrap_or_default().join(p)
                        };
                        let canon = p
                            .canonicalize()
                            .map_err(|e| bad(format!("file {f}: {e}")))?;
                        if !self.allowed.iter().any(|a| canon.starts_with(a)) {
                            return Err(bad(format!(
                                "file {f} is outside the policy's allowed paths"
                            )));
                        }
                        std::fs::read_to_string(&canon)
                            .map_err(|e| bad(format!("file {f}: {e}")))?
                    }
                };
                let ns = ns_of(namespace).map_err(bad)?;
                let objects = kube::manifest_objects(&text, &ns).map_err(|e| bad(e.to_string()))?;
                let mut a = vec![
                    "apply".into(),
                    "--filename=-".into(),
                    format!("--namespace={ns}"),
                ];
                a.extend(self.cfg.kubectl_apply_args.iter().cloned());
                if *dry_run {
                    a.push("--dry-run=server".into());
                }
                stdin = Some(text.clone().into_bytes());
                let action = if *dry_run {
                    KubectlAction::Read {
                        read: KubectlRead::Get,
                        resource: "dry-run".into(),
                        namespace: ns.clone(),
                        reveals_secret_data: false,
                    }
                } else {
                    KubectlAction::Apply {
                        objects: objects.clone(),
                    }
                };
                let args = json!({"manifest_sha256": Digest::of(text.as_bytes()), "objects": objects, "namespace": ns, "dry_run": dry_run});
                (a, action, approval_id.clone(), args)
            }
            ToolCall::KubectlDelete {
                resource,
                name,
                namespace,
                approval_id,
            } => {
                let r = kube::resource(resource).map_err(|e| bad(e.to_string()))?;
                let n = kube::name("name", name).map_err(|e| bad(e.to_string()))?;
                let ns = ns_of(namespace).map_err(bad)?;
                let mut args = serde_json::to_value(&call).unwrap_or_default();
                strip_approval(&mut args);
                (
                    vec![
                        "delete".into(),
                        r.clone(),
                        n.clone(),
                        format!("--namespace={ns}"),
                    ],
                    KubectlAction::Delete {
                        resource: r,
                        name: n,
                        namespace: ns,
                    },
                    approval_id.clone(),
                    args,
                )
            }
            ToolCall::KubectlScale {
                resource,
                name,
                replicas,
                namespace,
                approval_id,
            } => {
                let r = kube::resource(resource).map_err(|e| bad(e.to_string()))?;
                let n = kube::name("name", name).map_err(|e| bad(e.to_string()))?;
                let ns = ns_of(namespace).map_err(bad)?;
                let mut args = serde_json::to_value(&call).unwrap_or_default();
                strip_approval(&mut args);
                (
                    vec![
                        "scale".into(),
                        format!("{r}/{n}"),
                        format!("--replicas={replicas}"),
                        format!("--namespace={ns}"),
                    ],
                    KubectlAction::Scale {
                        resource: r,
                        name: n,
                        namespace: ns,
                        replicas: *replicas,
                    },
                    approval_id.clone(),
                    args,
                )
            }
            ToolCall::KubectlExec {
                pod,
                command,
                namespace,
                container,
                approval_id,
            } => {
                let p = kube::name("pod", pod).map_err(|e| bad(e.to_string()))?;
                let ns = ns_of(namespace).map_err(bad)?;
                if command.is_empty() {
                    return Err(bad("command must not be empty".into()));
                }
                let mut a = vec!["exec".into(), p.clone(), format!("--namespace={ns}")];
                if let Some(c) = container {
                    a.push(format!(
                        "--container={}",
                        kube::namespace(c)
                            .map_err(|e| bad(e.to_string().replace("namespace", "container")))?
                    ));
                }
                a.push("--".into());
                a.extend(command.iter().cloned());
                let mut args = serde_json::to_value(&call).unwrap_or_default();
                strip_approval(&mut args);
                (
                    a,
                    KubectlAction::Exec {
                        pod: p,
                        namespace: ns,
                    },
                    approval_id.clone(),
                    args,
                )
            }
            _ => return Err(bad("not a kubectl tool".into())),
        };
        let verdict = self
            .cfg
            .policy
            .evaluate(self.cfg.environment, Action::Kubectl(&action));
        let home = self.scratch_home();
        let _ = std::fs::create_dir_all(&home);
        let mut full = self.kubectl_base();
        full.extend(argv);
        let spec = Spec {
            program: self.cfg.kubectl_bin.clone(),
            args: full,
            env: self.runner_env(&self.cfg.runner_env.kubectl, &home),
            cwd: home,
            stdin,
            timeout: Duration::from_secs(300),
            max_output: usize::try_from(self.cfg.policy.shell.max_output_bytes.get())
                .unwrap_or(usize::MAX),
        };
        let (permit, used) = self.permit(
            tool,
            caller,
            &arguments,
            None,
            None,
            None,
            &verdict,
            approval_id.as_deref(),
            spec,
        )?;
        let mut r = Response::new(tool, verdict.decision(), Status::Executed, "executed");
        r.reasons = verdict.reasons().to_vec();
        r.approval_id = used;
        match runners::run_tool(permit, &self.redactor) {
            Ok(o) => Ok(self.executed(tool, caller, r, &o, json!({}))),
            Err(e) => Ok(self.internal(tool, caller, &e.to_string())),
        }
    }

    // ------------------------------------------------------------ lookups

    /// A lookup of something that does not exist: refused, and audited like any refusal.
    fn not_found(
        &self,
        tool: &str,
        caller: &Caller,
        rule: &'static str,
        message: &str,
    ) -> Response {
        self.refuse(
            tool,
            caller,
            Decision::Block,
            vec![Reason::new(Decision::Block, rule, message.to_owned())],
            message.to_owned(),
            json!({}),
        )
    }

    fn check_approval(&self, caller: &Caller, approval_id: &str) -> Result<Response, Response> {
        let tool = tools::CHECK_APPROVAL;
        let id =
            parse_id::<ApprovalId>(approval_id).map_err(|e| self.reject_input(tool, caller, &e))?;
        let a = self
            .store()
            .approval(id)
            .map_err(|e| self.internal(tool, caller, &e.to_string()))?;
        let Some(a) = a else {
            return Ok(self.not_found(
                tool,
                caller,
                "approval.unknown",
                "no approval with that id exists",
            ));
        };
        let status = a.status(self.now());
        let decision = match status {
            ApprovalStatus::Approved => Decision::Allow,
            ApprovalStatus::Pending => Decision::Escalate,
            _ => Decision::Block,
        };
        let message = match status {
            ApprovalStatus::Approved => {
                "approved: repeat the original call with this approval_id (single use)".to_owned()
            }
            ApprovalStatus::Pending => "pending: a human has not decided yet".to_owned(),
            s => format!("{}: this approval cannot be used", s.as_str()),
        };
        let mut r = Response::new(tool, decision, Status::Info, message);
        r.approval_id = Some(id);
        r.plan_id = a.plan_id;
        let resolution = a.resolution().map(|res| json!({"by": res.approver, "channel": res.channel, "reason": res.reason, "at": res.at}));
        r.data = Some(
            json!({"status": status, "tool": a.tool, "expires_at": a.expires_at, "resolution": resolution}),
        );
        Ok(self.audited(
            r,
            "approval_checked",
            json!({"approval_id": id, "status": status}),
        ))
    }

    fn get_plan(&self, caller: &Caller, plan_id: &str) -> Result<Response, Response> {
        let tool = tools::GET_PLAN;
        let id = parse_id::<PlanId>(plan_id).map_err(|e| self.reject_input(tool, caller, &e))?;
        let rec = self
            .store()
            .plan(id)
            .map_err(|e| self.internal(tool, caller, &e.to_string()))?;
        let Some(rec) = rec else {
            return Ok(self.not_found(tool, caller, "plan.unknown", "no plan with that id exists"));
        };
        let now = self.now();
        let status = if rec.status == PlanStatus::Planned && now >= rec.expires_at {
            PlanStatus::Expired
        } else {
            rec.status
        };
        let mut r = Response::new(
            tool,
            rec.verdict.decision(),
            Status::Info,
            format!("plan {id} is {}", status.as_str()),
        );
        r.plan_id = Some(id);
        r.reasons = rec.verdict.reasons().to_vec();
        r.data = Some(
            json!({"status": status, "workspace": rec.workspace, "environment": rec.environment, "cwd": rec.cwd, "args": rec.args, "destroy": rec.destroy, "created_at": rec.created_at, "expires_at": rec.expires_at, "plan_digest": rec.plan_digest}),
        );
        Ok(self.audited(r, "plan_looked_up", json!({"plan_id": id})))
    }

    fn request_approval(
        &self,
        caller: &Caller,
        operation: &str,
        target: &str,
        reason: &str,
        plan_id: Option<&str>,
    ) -> Result<Response, Response> {
        let tool = tools::REQUEST_APPROVAL;
        if operation.trim().is_empty() || target.trim().is_empty() || reason.trim().is_empty() {
            return Err(self.reject_input(
                tool,
                caller,
                "operation, target and reason are required",
            ));
        }
        if let Some(pid) = plan_id {
            let id = parse_id::<PlanId>(pid).map_err(|e| self.reject_input(tool, caller, &e))?;
            let rec = self
                .store()
                .plan(id)
                .map_err(|e| self.internal(tool, caller, &e.to_string()))?;
            let Some(rec) = rec else {
                return Err(self.refuse(
                    tool,
                    caller,
                    Decision::Block,
                    vec![Reason::new(
                        Decision::Block,
                        "plan.unknown",
                        "no plan with that id exists",
                    )],
                    "no plan with that id exists".into(),
                    json!({}),
                ));
            };
            if rec.verdict.decision() == Decision::Block {
                let mut r = Response::new(
                    tool,
                    Decision::Block,
                    Status::Blocked,
                    "this plan is blocked by policy and cannot be approved (only a human break-glass can apply it)",
                );
                r.reasons = rec.verdict.reasons().to_vec();
                r.plan_id = Some(id);
                return Ok(r);
            }
            let arguments = json!({"plan_id": id.to_string()});
            let d = request_digest(RequestBinding {
                tool: tools::TERRAFORM_APPLY,
                arguments: &arguments,
                environment: self.cfg.environment,
                workspace: Some(&rec.workspace),
                plan_digest: Some(rec.plan_digest),
                policy_hash: self.policy_hash,
            });
            let mut v = rec.verdict.clone();
            v.push(Reason::new(
                Decision::Escalate,
                "approval.requested",
                format!("the agent asks: {reason}"),
            ));
            return Ok(self.escalate(tools::TERRAFORM_APPLY, caller, &arguments, d, Some(id), &v));
        }
        let arguments = json!({"operation": operation, "target": target});
        let d = request_digest(RequestBinding {
            tool,
            arguments: &arguments,
            environment: self.cfg.environment,
            workspace: None,
            plan_digest: None,
            policy_hash: self.policy_hash,
        });
        let v = Verdict::from_reasons(vec![Reason::new(
            Decision::Escalate,
            "approval.requested",
            format!("the agent asks to {operation} {target}: {reason}"),
        )]);
        let mut r = self.escalate(tool, caller, &arguments, d, None, &v);
        r.message = format!(
            "{}. Note: an approval is bound to one exact call; to run something, call its tool — an escalated call returns an approval_id bound to it",
            r.message
        );
        Ok(r)
    }
}

fn strip_approval(v: &mut Value) {
    if let Some(args) = v.get_mut("arguments").and_then(Value::as_object_mut) {
        args.remove("approval_id");
    }
}

/// The human control plane: listing and resolving approvals, break-glass. Works on the same
/// state directory as a running gateway, from another process. Never reachable through MCP.
#[derive(Debug)]
pub struct ControlPlane {
    store: Store,
    audit: AuditLog,
    policy_hash: Digest,
}

/// A control-plane failure.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// Store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Audit.
    #[error(transparent)]
    Audit(#[from] AppendError),
    /// No such approval or plan.
    #[error("{0}")]
    NotFound(String),
    /// The decision was refused.
    #[error("{0}")]
    Refused(String),
}

impl ControlPlane {
    /// Opens the control plane on a state directory (which must exist: a gateway created it).
    pub fn open(state_dir: &Path) -> Result<ControlPlane, ControlError> {
        if !db_path(state_dir).exists() {
            return Err(ControlError::NotFound(format!(
                "no gateway state in {} (start `recourse gateway serve --state-dir {}` first)",
                state_dir.display(),
                state_dir.display()
            )));
        }
        let store = Store::open(&db_path(state_dir))?;
        let policy_hash = store
            .meta("policy_sha256")?
            .and_then(|h| h.parse().ok())
            .unwrap_or_else(|| Digest::of(b"unknown policy"));
        Ok(ControlPlane {
            store,
            audit: AuditLog::new(audit_path(state_dir)),
            policy_hash,
        })
    }

    /// All approvals, newest first.
    pub fn approvals(&self) -> Result<Vec<Approval>, ControlError> {
        Ok(self.store.approvals()?)
    }

    /// One approval.
    pub fn approval(&self, id: ApprovalId) -> Result<Approval, ControlError> {
        self.store
            .approval(id)?
            .ok_or_else(|| ControlError::NotFound(format!("no approval {id}")))
    }

    fn record(&self, event: &str, details: Value) -> Result<(), ControlError> {
        let Value::Object(m) = details else {
            return Ok(());
        };
        let rec = self
            .audit
            .append(event, self.policy_hash, system_now(), m)?;
        if let (Some(seq), Some(hash)) = (
            rec.get("seq").and_then(Value::as_u64),
            rec.get("hash").and_then(Value::as_str),
        ) {
            let _ = self.store.set_audit_anchor(seq, hash);
        }
        Ok(())
    }

    /// A human approves (or, with `reject`, refuses) a pending approval.
    pub fn resolve(
        &self,
        id: ApprovalId,
        approver: &str,
        reason: &str,
        channel: Channel,
        approve: bool,
        now: Timestamp,
    ) -> Result<Approval, ControlError> {
        let mut a = self.approval(id)?;
        let r = if approve {
            a.approve(approver, channel, reason, now)
        } else {
            a.reject(approver, channel, reason, now)
        };
        if let Err(e) = r {
            self.record(
                "approval_resolution_refused",
                json!({"approval_id": id, "approver": approver, "error": e.to_string()}),
            )?;
            return Err(ControlError::Refused(e.to_string()));
        }
        // Audit first: a grant that is not on record does not exist.
        let event = if approve {
            "approval_granted"
        } else {
            "approval_rejected"
        };
        self.record(event, json!({"approval_id": id, "approver": approver, "channel": channel, "reason": reason, "request_digest": a.request_digest, "tool": a.tool}))?;
        self.store.update_approval(&a, "pending")?;
        Ok(a)
    }

    /// Break-glass for a plan the policy blocks: a human grant through the break-glass channel,
    /// bound to applying exactly that plan. Always audited as such.
    pub fn break_glass_plan(
        &self,
        plan_id: PlanId,
        human: &str,
        reason: &str,
        environment: recourse_policy::Environment,
        now: Timestamp,
    ) -> Result<Approval, ControlError> {
        if reason.trim().len() < 10 {
            return Err(ControlError::Refused(
                "break-glass needs a real reason (at least 10 characters)".into(),
            ));
        }
        let rec = self
            .store
            .plan(plan_id)?
            .ok_or_else(|| ControlError::NotFound(format!("no plan {plan_id}")))?;
        let arguments = json!({"plan_id": plan_id.to_string()});
        let digest = request_digest(RequestBinding {
            tool: tools::TERRAFORM_APPLY,
            arguments: &arguments,
            environment,
            workspace: Some(&rec.workspace),
            plan_digest: Some(rec.plan_digest),
            policy_hash: rec.policy_hash,
        });
        let mut a = Approval::new(
            NewApproval {
                id: ApprovalId::from_bytes(random_bytes()),
                request_digest: digest,
                requester: "break-glass".into(),
                tool: tools::TERRAFORM_APPLY.into(),
                summary: json!({"plan_id": plan_id.to_string(), "break_glass": true}),
                environment,
                plan_id: Some(plan_id),
                justification: Some(reason.into()),
            },
            now,
            3600,
        );
        a.approve(human, Channel::BreakGlass, reason, now)
            .map_err(|e| ControlError::Refused(e.to_string()))?;
        self.record("break_glass", json!({"approval_id": a.id, "plan_id": plan_id, "human": human, "reason": reason, "verdict": rec.verdict.decision()}))?;
        self.store.insert_approval(&a)?;
        Ok(a)
    }

    /// The audit anchor (for verification).
    pub fn audit_anchor(&self) -> Result<Option<(u64, String)>, ControlError> {
        Ok(self.store.audit_anchor()?)
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        // The scratch home holds only what runners left there.
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}
