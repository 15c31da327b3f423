//! The gate: one path from an agent's tool call to an effect, the same for every tool.
//!
//! `normalize → assess → decide → bind → permit → audit → execute → audit → respond`
//! (DESIGN.md §3), spelled out once in [`Gateway::handle`]. Steps 1–3 are the per-tool
//! preparers in `tools/`; a refusal anywhere becomes an answer and a record at one boundary,
//! [`Gateway::answer`]; a [`Permit`] is minted only from the proof that "decided" is on disk.

mod kube;
pub(crate) mod permit;

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use recourse_plan::{
    Approval, ApprovalId, ApprovalRefusal, NewApproval, PlanId, PlanStatus, Timestamp,
};
use recourse_policy::{Decision, Digest};
use recourse_shell::Classifier;
use serde_json::{Value, json};

pub use permit::Permit;

use crate::call::{Caller, ToolCall};
use crate::clock::{Clock, RandomError, new_id_bytes, system_now};
use crate::config::{ConfigError, GatewayConfig};
use crate::redact::Redactor;
use crate::refusal::{Escalation, NotApplied, Refusal};
use crate::response::{Response, RunOutput, Status};
use crate::run::kubeconfig::Kubectl;
use crate::run::process::Outcome;
use crate::run::sandbox::{Sandbox, Unavailable};
use crate::run::terraform::{PlanError, Terraform};
use crate::run::{self, Confined};
use crate::state::audit::AppendError;
use crate::state::record::{AuditEvent, EventKind, Recorder};
use crate::state::store::{Store, StoreError};
use crate::state::{db_path, plan_file, prepare_state_dir};
use crate::tools::terraform::{ApplyFacts, apply_escalation};
use crate::tools::{self, Disk, Job, Prepared, Step, ToolCtx, lookups, parse_id, presented};

/// Whether a gateway can take calls (`/readyz`); each part says what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    /// The store answers a query.
    pub store: Result<(), String>,
    /// The audit log opens for appending.
    pub audit: Result<(), String>,
    /// The sandbox works (probed at startup).
    pub sandbox: Result<(), String>,
    /// A shutdown has begun: new calls are refused.
    pub shutting_down: bool,
}

impl Readiness {
    /// Everything is ready.
    pub fn ready(&self) -> bool {
        self.store.is_ok() && self.audit.is_ok() && self.sandbox.is_ok() && !self.shutting_down
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
    /// No randomness for ids.
    #[error(transparent)]
    Random(#[from] RandomError),
    /// The audit key or approvers file cannot be used.
    #[error("audit key: {0}")]
    Trust(#[from] crate::trust::TrustError),
}

/// How often a gateway looks for approvals past their deadlines (see `sweep_expired`).
const EXPIRY_SWEEP_SECONDS: u64 = 30;

/// The gateway service.
pub struct Gateway {
    cfg: GatewayConfig,
    store: Mutex<Store>,
    recorder: Recorder,
    classifier: Classifier,
    policy_hash: Digest,
    redactor: Redactor,
    allowed: Vec<PathBuf>,
    /// What sandboxed code may never see.
    deny: Vec<PathBuf>,
    sandbox: Sandbox,
    /// The startup probe's result: without a working sandbox nothing runs.
    sandbox_status: Result<(), Unavailable>,
    terraform: Terraform,
    kubectl: Option<Kubectl>,
    /// Calls being handled now (a shutdown waits for them to record how they ended).
    inflight: std::sync::atomic::AtomicUsize,
    /// When expired approvals were last looked for (unix seconds; 0: never).
    last_expiry_sweep: std::sync::atomic::AtomicU64,
    /// The approvers file as last read, with its modification time.
    approvers: Mutex<
        Option<(
            Option<std::time::SystemTime>,
            std::sync::Arc<recourse_plan::Approvers>,
        )>,
    >,
    /// New calls are refused; calls in flight go on (a graceful shutdown's first phase).
    draining: std::sync::atomic::AtomicBool,
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

impl Gateway {
    /// Opens the gateway: validates the configuration, prepares the state directory, opens
    /// the store and writes the startup record.
    pub fn open(cfg: GatewayConfig) -> Result<Gateway, OpenError> {
        cfg.validate()?;
        prepare_state_dir(&cfg.state_dir)?;
        let store = Store::open(&db_path(&cfg.state_dir))?;
        let classifier = Classifier::new(&cfg.policy.shell)?;
        let policy_hash = cfg.policy.hash();
        store.set_meta("policy_sha256", &policy_hash.to_hex())?;
        store.set_meta(
            crate::control::POLICY_META,
            &cfg.policy.to_document().to_string(),
        )?;
        let redactor = Redactor::from_env(cfg.base_env.clone());
        let mut recorder = Recorder::open(&cfg.state_dir, policy_hash, redactor.clone())?;
        if let Some(path) = &cfg.audit_key_path {
            let key = crate::trust::read_secret_key(path)?;
            recorder = recorder.with_checkpoints(&cfg.state_dir, key);
        }
        let allowed = cfg.allowed_paths()?;
        let sandbox = Sandbox::new(
            cfg.bwrap.clone(),
            cfg.sandbox.clone(),
            cfg.sandbox_uid,
            cfg.insecure_no_sandbox,
        );
        let sandbox_status = sandbox.probe();
        if let Err(e) = &sandbox_status {
            tracing::error!(error = %e, "nothing will run: the sandbox is unavailable");
        }
        let runners = crate::state::runners_dir(&cfg.state_dir);
        sandbox
            .own_dir(&runners)
            .map_err(|source| ConfigError::RunnerDir {
                path: runners.clone(),
                source,
            })?;
        let gw = Gateway {
            terraform: Terraform::prepare(&cfg, &runners, &sandbox)?,
            kubectl: Kubectl::prepare(&cfg, &runners, &sandbox)?,
            deny: run::env::deny_list(&cfg),
            store: Mutex::new(store),
            recorder,
            classifier,
            policy_hash,
            redactor,
            allowed,
            sandbox,
            sandbox_status,
            inflight: std::sync::atomic::AtomicUsize::new(0),
            last_expiry_sweep: std::sync::atomic::AtomicU64::new(0),
            approvers: Mutex::new(None),
            draining: std::sync::atomic::AtomicBool::new(false),
            clock: Box::new(system_now),
            cfg,
        };
        gw.recorder.record(
            AuditEvent::new(
                EventKind::Startup,
                json!({
                    "environment": gw.cfg.environment,
                    "policy_source": gw.cfg.policy_source,
                    "agent_id": gw.cfg.agent_id,
                    "sandbox": gw.sandbox_report(),
                }),
            ),
            gw.now(),
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

    /// Whether the sandbox works here (probed at startup); `Err` names what is missing.
    pub fn sandbox_status(&self) -> Result<(), String> {
        self.sandbox_status.clone().map_err(|e| e.to_string())
    }

    fn sandbox_report(&self) -> Value {
        json!({
            "available": self.sandbox_status.is_ok(),
            "error": self.sandbox_status.as_ref().err().map(ToString::to_string),
            "insecure_no_sandbox": self.sandbox.insecure(),
            "run_as_uid": self.sandbox.run_as().map(|(u, _)| u),
        })
    }

    fn now(&self) -> Timestamp {
        (self.clock)()
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave SQLite inconsistent (each statement is
        // atomic), so a poisoned lock is still usable.
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn ctx<'a>(&'a self, caller: &'a Caller) -> ToolCtx<'a> {
        ToolCtx {
            requester: caller,
            cfg: &self.cfg,
            policy_hash: self.policy_hash,
            classifier: &self.classifier,
            allowed: &self.allowed,
            deny: &self.deny,
            kubectl: self.kubectl.is_some(),
            providers: self.terraform.available(),
            approvers: self.approvers(),
            files: &Disk,
        }
    }

    /// The approvers file, re-read when it changes. One that cannot be read or parsed counts
    /// as empty (nobody's decision is honoured) and is logged.
    fn approvers(&self) -> std::sync::Arc<recourse_plan::Approvers> {
        let path = self.cfg.approvers_path.as_deref();
        let stamp = path.and_then(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        let mut cache = self.approvers.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((s, a)) = cache.as_ref()
            && *s == stamp
        {
            return std::sync::Arc::clone(a);
        }
        let loaded = crate::trust::load_approvers(path).unwrap_or_else(|e| {
            tracing::error!(error = %e, "approvers file unusable: no decision is honoured");
            recourse_plan::Approvers::default()
        });
        let loaded = std::sync::Arc::new(loaded);
        *cache = Some((stamp, std::sync::Arc::clone(&loaded)));
        loaded
    }

    /// The gateway's counters (calls by tool and decision, decision and audit latencies).
    pub fn metrics(&self) -> &crate::metrics::Metrics {
        self.recorder.metrics()
    }

    /// Approvals waiting for a human now.
    pub fn pending_approvals(&self) -> Result<u64, StoreError> {
        let now = self.now();
        let caller = Caller::agent("metrics");
        let ctx = self.ctx(&caller);
        let trust = ctx.trust();
        let all = self.store().approvals()?;
        Ok(all
            .iter()
            .filter(|a| a.status(now, &trust) == recourse_plan::ApprovalStatus::Pending)
            .count() as u64)
    }

    /// Whether the gateway can take calls now: the store answers, the audit log opens for
    /// appending, and the sandbox works. Each failure is named.
    pub fn readiness(&self) -> Readiness {
        Readiness {
            store: self
                .store()
                .meta("policy_sha256")
                .map(|_| ())
                .map_err(|e| e.to_string()),
            audit: self.recorder.writable().map_err(|e| e.to_string()),
            sandbox: self.sandbox_status(),
            shutting_down: self.sandbox.jobs().shutting_down()
                || self.draining.load(std::sync::atomic::Ordering::SeqCst),
        }
    }

    /// Records a note about how this gateway serves (transport, authentication), in the audit
    /// log: a gateway serving without authentication says so on the record.
    pub fn record_serving(&self, details: Value) -> Result<(), AppendError> {
        self.recorder
            .record(AuditEvent::new(EventKind::Serving, details), self.now())
    }

    /// Handles one agent call: the nine steps. Never panics on bad input; every call leaves an
    /// audit record.
    pub fn handle(&self, call: ToolCall, caller: &Caller) -> Response {
        let tool = call.tool();
        let started = std::time::Instant::now();
        let response = self.handle_timed(call, caller, started);
        self.metrics().count_call(tool, response.decision);
        response
    }

    fn handle_timed(
        &self,
        call: ToolCall,
        caller: &Caller,
        started: std::time::Instant,
    ) -> Response {
        let tool = call.tool();
        let _inflight = InFlight::enter(&self.inflight);
        let admitted = self.admit(call, caller);
        self.metrics().decision_duration.observe(started.elapsed());
        let (prepared, digest, used) = match admitted {
            Ok(admitted) => admitted,
            Err(Early::Refused(refusal)) => return self.answer(tool, caller, refusal),
            Err(Early::Answered(a)) => return self.answered(a),
        };
        // 6: record "decided" (fail closed); 7–9: execute, record "executed", respond.
        match self.decide_and_run(caller, prepared, digest, used) {
            Ok(response) => response,
            Err(refusal) => self.answer(tool, caller, refusal),
        }
    }

    /// Steps 0–5: who asks, normalize, assess, decide, bind, permit. Nothing is written and
    /// nothing runs here, except that a presented approval is used up.
    fn admit(
        &self,
        call: ToolCall,
        caller: &Caller,
    ) -> Result<(Prepared, Digest, Option<ApprovalId>), Early> {
        let tool = call.tool();
        if self.sandbox.jobs().shutting_down()
            || self.draining.load(std::sync::atomic::Ordering::SeqCst)
        {
            return Err(Early::Refused(Refusal::ShuttingDown));
        }
        // 0: who asks. The policy's principals section admits the caller to this tool or the
        // call ends here, whatever the transport.
        self.admits(caller, tool).map_err(Early::Refused)?;
        self.sweep_expired(caller);
        // 1–3: normalize, assess, decide (per tool; nothing runs, nothing is written).
        let prepared = match self.prepare(call, caller).map_err(Early::Refused)? {
            Step::Decided(p) => p,
            Step::Answered(a) => return Err(Early::Answered(a)),
        };
        // Nothing runs without the sandbox: refuse before an approval is used up.
        if let Err(e) = &self.sandbox_status {
            return Err(Early::Refused(Refusal::Sandbox(e.clone())));
        }
        // 4–5: bind an escalation to a pending approval, or use up the one presented.
        let digest = prepared
            .binding
            .digest(self.cfg.environment, self.policy_hash, caller);
        let used = self
            .authorize(caller, &prepared, digest)
            .map_err(Early::Refused)?;
        Ok((prepared, digest, used))
    }

    /// The first phase of a graceful shutdown: new calls are refused (`gateway.shutting_down`),
    /// calls in flight go on. Returns once none is in flight, or after `grace`; then
    /// [`Self::shutdown`] kills what is left.
    pub fn drain(&self, grace: std::time::Duration) {
        self.draining
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let deadline = std::time::Instant::now() + grace;
        while self.in_flight() > 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    /// Calls being handled now.
    pub fn in_flight(&self) -> usize {
        self.inflight.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Stops the gateway's work: new calls are refused, running jobs (their whole sandboxes)
    /// are killed, and each in-flight call records `executed` with `killed: shutdown`. Returns
    /// once no call is in flight, or after `grace`.
    pub fn shutdown(&self, grace: std::time::Duration) {
        self.sandbox.jobs().shutdown();
        let deadline = std::time::Instant::now() + grace;
        while self.inflight.load(std::sync::atomic::Ordering::SeqCst) > 0
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        // The last records get their signature too.
        self.recorder.checkpoint_now(self.now());
    }

    /// Records invalid input and answers with the reason; a caller the policy does not admit
    /// to the tool is refused as such first (who asks comes before what was asked).
    pub fn reject_input(&self, tool: &str, caller: &Caller, error: &str) -> Response {
        let refusal = match self.admits(caller, tool) {
            Err(why) => why,
            Ok(()) => Refusal::InvalidInput(error.to_owned()),
        };
        self.answer(tool, caller, refusal)
    }

    /// Whether the policy admits `caller` to `tool` here.
    fn admits(&self, caller: &Caller, tool: &str) -> Result<(), Refusal> {
        let principal = recourse_policy::Principal {
            id: &caller.agent_id,
            groups: &caller.groups,
        };
        self.cfg
            .policy
            .may_use(self.cfg.environment, &principal, tool)
            .map_err(Refusal::Principal)
    }

    /// The one boundary where a refusal becomes an answer and a record. An escalation is bound
    /// here (a pending approval is created or reused).
    fn answer(&self, tool: &str, caller: &Caller, refusal: Refusal) -> Response {
        let refusal = match refusal {
            Refusal::NeedsApproval(e) => match self.escalate(tool, caller, e) {
                Ok(r) => return r,
                Err(r) => r,
            },
            other => other,
        };
        let mut r = refusal.response(tool);
        if let Some(event) = refusal.event(tool, caller)
            && let Err(e) = self.recorder.record(event, self.now())
        {
            r.message = format!("{}; and the audit log is unavailable: {e}", r.message);
        }
        r
    }

    /// A lookup's answer and its record; the answer stands when the log cannot be written
    /// (nothing ran), and says so.
    fn answered(&self, a: tools::Answered) -> Response {
        let mut r = a.response;
        if let Err(e) = self.recorder.record(a.event, self.now()) {
            r.message = format!("{}; and the audit log is unavailable: {e}", r.message);
        }
        r
    }

    /// Records `approval_expired` once for each approval past a deadline: a request still
    /// pending after `approval_ttl_seconds`, or one granted and unused after
    /// `approval_use_ttl_seconds` (or its statements' own deadline). Looks at most every
    /// [`EXPIRY_SWEEP_SECONDS`]; with several gateways on one store, the one that marks the
    /// approval records it.
    fn sweep_expired(&self, caller: &Caller) {
        use std::sync::atomic::Ordering::Relaxed;
        let now = self.now();
        let last = self.last_expiry_sweep.load(Relaxed);
        if last != 0 && now.0 < last.saturating_add(EXPIRY_SWEEP_SECONDS) {
            return;
        }
        self.last_expiry_sweep.store(now.0.max(1), Relaxed);
        let ctx = self.ctx(caller);
        let trust = ctx.trust();
        let store = self.store();
        let open = match store.open_approvals() {
            Ok(o) => o,
            Err(e) => {
                tracing::warn!(error = %e, "expired approvals not looked for");
                return;
            }
        };
        for a in open {
            let recourse_plan::Tally::Expired(at) = a.tally(now, &trust) else {
                continue;
            };
            let granted = a.statements.iter().any(|s| {
                s.statement.choice != recourse_plan::Choice::Reject && s.verify(&a, &trust).is_ok()
            });
            match store.mark_expired(a.id) {
                Ok(true) => self.recorder.best_effort(
                    AuditEvent::new(
                        EventKind::ApprovalExpired,
                        json!({"approval_id": a.id, "tool": a.tool, "requester": a.requester, "request_digest": a.request_digest, "plan_id": a.plan_id, "expired_at": at.to_rfc3339(), "granted": granted, "clock": if granted { "approval_use_ttl_seconds" } else { "approval_ttl_seconds" }}),
                    ),
                    now,
                ),
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, approval = %a.id, "expiry not recorded"),
            }
        }
    }

    // ------------------------------------------------------------------ 1–3

    fn prepare(&self, call: ToolCall, caller: &Caller) -> Result<Step, Refusal> {
        let ctx = self.ctx(caller);
        let decided = Step::Decided;
        match &call {
            ToolCall::ShellExec {
                command,
                cwd,
                timeout,
                approval_id,
            } => tools::shell::exec(
                &ctx,
                command,
                cwd.as_deref(),
                *timeout,
                approval_id.as_deref(),
            )
            .map(decided),
            ToolCall::TerraformPlan {
                cwd,
                workspace,
                args,
                approval_id,
            } => tools::terraform::plan(
                &ctx,
                cwd,
                workspace,
                args,
                presented(approval_id.as_deref())?,
                self.new_plan_id()?,
            )
            .map(decided),
            ToolCall::TerraformDestroy {
                cwd,
                workspace,
                approval_id,
            } => tools::terraform::destroy(
                &ctx,
                cwd,
                workspace,
                presented(approval_id.as_deref())?,
                self.new_plan_id()?,
            )
            .map(decided),
            ToolCall::TerraformApply {
                plan_id,
                approval_id,
            } => {
                let facts = self.apply_facts(&ctx, plan_id, approval_id.as_deref())?;
                tools::terraform::apply(&ctx, plan_id, facts, self.now()).map(decided)
            }
            ToolCall::CheckApproval { approval_id } => {
                let id = parse_id::<ApprovalId>(approval_id)?;
                let a = self.store().approval(id)?;
                lookups::check_approval(&ctx, id, a, self.now()).map(Step::Answered)
            }
            ToolCall::GetPlan { plan_id } => {
                let id = parse_id::<PlanId>(plan_id)?;
                let rec = self.store().plan(id)?;
                lookups::get_plan(id, rec, self.now()).map(Step::Answered)
            }
            ToolCall::RequestApproval {
                operation,
                target,
                reason,
                plan_id,
            } => {
                let plan = match plan_id {
                    Some(p) => Some(self.store().plan(parse_id::<PlanId>(p)?)?),
                    None => None,
                };
                Err(lookups::request_approval(
                    &ctx,
                    lookups::Request {
                        operation,
                        target,
                        reason,
                        plan,
                    },
                ))
            }
            ToolCall::KubectlGet { .. }
            | ToolCall::KubectlLogs { .. }
            | ToolCall::KubectlDescribe { .. }
            | ToolCall::KubectlApply { .. }
            | ToolCall::KubectlDelete { .. }
            | ToolCall::KubectlScale { .. }
            | ToolCall::KubectlExec { .. } => {
                tools::kubectl::prepare(&ctx, &call, &kube::Cluster(self)).map(decided)
            }
        }
    }

    fn new_plan_id(&self) -> Result<PlanId, Refusal> {
        Ok(PlanId::from_bytes(new_id_bytes()?))
    }

    /// What an apply is checked against: the stored record, the plan file as it is now, the
    /// workspace and state as they are now, and the presented approval.
    fn apply_facts(
        &self,
        ctx: &ToolCtx<'_>,
        plan_id: &str,
        approval_id: Option<&str>,
    ) -> Result<ApplyFacts, Refusal> {
        let id = parse_id::<PlanId>(plan_id)?;
        let presented = presented(approval_id)?;
        let record = self.store().plan(id)?;
        let plan_file = plan_file(&self.cfg.state_dir, id);
        let plan_file_sha256 = std::fs::read(&plan_file)
            .map(|b| Digest::of(&b))
            .unwrap_or_else(|_| Digest::of(b"missing plan file"));
        let (workspace, lineage, config) = match &record {
            Some(rec) if self.sandbox_status.is_ok() => {
                let cwd = PathBuf::from(&rec.cwd);
                let (ws, lineage, providers) =
                    self.terraform.current(&self.sandbox, &cwd, &rec.workspace);
                let config = crate::tools::terraform_config::read(ctx, &cwd)
                    .ok()
                    .map(|c| c.binding(providers));
                (ws, lineage, config)
            }
            _ => (String::new(), (None, None), None),
        };
        let approval = match presented {
            Some(a) => Some((a, self.store().approval(a)?)),
            None => None,
        };
        Ok(ApplyFacts {
            record,
            plan_file,
            plan_file_sha256,
            workspace,
            lineage,
            approval,
            config,
        })
    }

    // ------------------------------------------------------------------ 4–5

    /// Blocks, escalates, or uses up the presented approval (single use, bound to `digest`).
    /// Returns the approval used.
    fn authorize(
        &self,
        caller: &Caller,
        p: &Prepared,
        digest: Digest,
    ) -> Result<Option<ApprovalId>, Refusal> {
        let decision = p.verdict.decision();
        let blocked = || Refusal::Blocked {
            verdict: p.verdict.clone(),
            message: "blocked by policy: this action never runs on an agent's request",
            plan_id: p.binding.plan_id,
            details: json!({"arguments": p.binding.arguments, "request_digest": digest}),
        };
        let Some(id) = p.approval else {
            return match decision {
                Decision::Block => Err(blocked()),
                Decision::Escalate => Err(Refusal::NeedsApproval(Escalation {
                    tool: p.binding.tool,
                    arguments: p.binding.arguments.clone(),
                    digest,
                    plan_id: p.binding.plan_id,
                    verdict: p.verdict.clone(),
                    note: None,
                    details: p.summary.clone(),
                })),
                Decision::Allow | Decision::Warn => Ok(None),
            };
        };
        let refused = |why| Refusal::Approval {
            id,
            why,
            verdict: p.verdict.clone(),
            digest: Some(digest),
        };
        let ctx = self.ctx(caller);
        let trust = ctx.trust();
        let store = self.store();
        let Some(mut approval) = store.approval(id)? else {
            return Err(refused(ApprovalRefusal::Unknown));
        };
        let now = self.now();
        // Statements that do not verify were put there by something other than a registered
        // human: recorded as a forgery, never honoured.
        let problems = approval.problems(&trust);
        if !problems.is_empty() {
            self.recorder.best_effort(
                AuditEvent::new(
                    EventKind::ApprovalForgery,
                    json!({"approval_id": id, "tool": p.spec.name, "agent": caller.audit(), "request_digest": digest, "problems": problems.iter().map(|(_, p)| p.to_string()).collect::<Vec<_>>()}),
                ),
                now,
            );
        }
        let before = approval.clone();
        let grant = match approval.consume(digest, now, &trust) {
            Ok(g) => g,
            Err(e @ ApprovalRefusal::ForAnotherAction { .. }) => {
                let changed = crate::tools::scripts::changed(&approval.summary, p.summary.as_ref());
                return Err(refused(if changed.is_empty() {
                    e
                } else {
                    ApprovalRefusal::ScriptsChanged(changed)
                }));
            }
            Err(e) => return Err(refused(e)),
        };
        // A block is never approvable; only a human's break-glass grant can lift it.
        if decision == Decision::Block && !grant.break_glass {
            return Err(blocked());
        }
        store
            .update_approval(&approval, &before)
            .map_err(|e| Refusal::Apply {
                why: NotApplied::Approval(e.to_string()),
                verdict: Some(p.verdict.clone()),
                plan_id: p.binding.plan_id.map(|i| i.to_string()).unwrap_or_default(),
            })?;
        drop(store);
        // The "decided" record that follows names the approval and fails closed.
        self.recorder.best_effort(
            AuditEvent::new(
                EventKind::ApprovalConsumed,
                json!({"approval_id": id, "tool": p.spec.name, "agent": caller.audit(), "request_digest": digest, "plan_id": p.binding.plan_id, "approvers": grant.approvers, "break_glass": grant.break_glass}),
            ),
            now,
        );
        Ok(Some(id))
    }

    /// Creates (or reuses) the pending approval bound to the escalation and answers with its id.
    fn escalate(&self, tool: &str, caller: &Caller, e: Escalation) -> Result<Response, Refusal> {
        let approval = self.bind(caller, &e)?;
        let mut message = format!(
            "needs a human approval: a human runs `recourse approvals approve {}`; poll gateway_check_approval, then repeat this exact call with approval_id",
            approval.id
        );
        if let Some(note) = e.note {
            message = format!("{message}. {note}");
        }
        let mut r = Response::new(tool, Decision::Escalate, Status::PendingApproval, message)
            .with_reasons(e.verdict.reasons());
        r.approval_id = Some(approval.id);
        r.plan_id = e.plan_id;
        let event = AuditEvent::new(
            EventKind::ApprovalRequested,
            json!({"tool": e.tool, "agent": caller.audit(), "approval_id": approval.id, "request_digest": e.digest, "arguments": e.arguments, "reasons": e.verdict.reasons(), "expires_at": approval.expires_at}),
        );
        if let Err(err) = self.recorder.record(event, self.now()) {
            r.message = format!("{}; and the audit log is unavailable: {err}", r.message);
        }
        Ok(r)
    }

    fn bind(&self, caller: &Caller, e: &Escalation) -> Result<Approval, Refusal> {
        let now = self.now();
        let ctx = self.ctx(caller);
        let store = self.store();
        let existing = store
            .pending_for_digest(&e.digest.to_hex())?
            .filter(|a| a.status(now, &ctx.trust()) == recourse_plan::ApprovalStatus::Pending);
        if let Some(a) = existing {
            return Ok(a);
        }
        let mut summary = json!({"tool": e.tool, "arguments": e.arguments, "environment": self.cfg.environment, "reasons": e.verdict.reasons()});
        if let Some(d) = &e.details {
            summary["details"] = d.clone();
        }
        let summary = self.redactor.redact_json(summary);
        let a = Approval::new(
            NewApproval {
                id: ApprovalId::from_bytes(new_id_bytes()?),
                request_digest: e.digest,
                requester: caller.agent_id.clone(),
                tool: e.tool.into(),
                summary,
                environment: self.cfg.environment,
                plan_id: e.plan_id,
                justification: None,
            },
            now,
            self.cfg.policy.approval_ttl_seconds.get(),
        );
        store.insert_approval(&a)?;
        Ok(a)
    }

    // ------------------------------------------------------------------ 6–9

    fn decide_and_run(
        &self,
        caller: &Caller,
        p: Prepared,
        digest: Digest,
        used: Option<ApprovalId>,
    ) -> Result<Response, Refusal> {
        let Prepared {
            spec,
            binding,
            verdict,
            job,
            data,
            audit,
            ..
        } = p;
        let tool = spec.name;
        let claimed = match &job {
            Job::Apply(_) => binding.plan_id,
            _ => None,
        };
        if let Some(id) = claimed
            && !self
                .store()
                .transition_plan(id, PlanStatus::Planned, PlanStatus::Applying)?
        {
            return Err(Refusal::Apply {
                why: NotApplied::Claimed,
                verdict: Some(verdict),
                plan_id: id.to_string(),
            });
        }
        let mut event = AuditEvent::new(
            EventKind::Decided,
            json!({"tool": tool, "agent": caller.audit(), "arguments": binding.arguments, "request_digest": digest, "decision": verdict.decision(), "reasons": verdict.reasons(), "approval_id": used, "plan_id": binding.plan_id}),
        );
        if self.sandbox.insecure() {
            event = event.with("insecure_no_sandbox", json!(true));
        }
        for (k, v) in audit {
            event = event.with(&k, v);
        }
        let decided = match self.recorder.decided(event, self.now()) {
            Ok(d) => d,
            Err(error) => {
                if let Some(id) = claimed {
                    // Nothing ran: put the plan back so a human can retry once the log is fixed.
                    self.restore_plan(id, PlanStatus::Applying, PlanStatus::Planned);
                }
                return Err(Refusal::AuditUnavailable { error, verdict });
            }
        };
        let mut r = Response::new(tool, verdict.decision(), Status::Executed, "executed")
            .with_reasons(verdict.reasons());
        r.approval_id = used;
        r.data = data;
        if self.sandbox.insecure() {
            r.message = format!(
                "{}; WARNING: run without a sandbox (--insecure-no-sandbox)",
                r.message
            );
        }
        match job {
            Job::Shell(job) => {
                let c = run::run_shell(Permit::mint(decided, *job), &self.sandbox, &self.redactor)?;
                Ok(self.confined(caller, r, c, json!({})))
            }
            Job::Kubectl(job) => {
                let kubectl = self.kubectl.as_ref().ok_or(Refusal::NotConfigured(
                    "kubectl is not configured on this gateway",
                ))?;
                let c = run::run_kubectl(
                    Permit::mint(decided, job),
                    kubectl,
                    &self.sandbox,
                    &self.redactor,
                )?;
                Ok(self.confined(caller, r, c, json!({})))
            }
            Job::Plan(job) => {
                let (id, cwd, ws, args, config) = (
                    job.id,
                    job.cwd.clone(),
                    job.workspace.clone(),
                    job.args.clone(),
                    job.config.clone(),
                );
                let planned = self
                    .terraform
                    .plan(Permit::mint(decided, job), &self.sandbox, &self.redactor)
                    .map_err(|e| match e {
                        PlanError::Run(e) => Refusal::from(e),
                        PlanError::Terraform(detail) => Refusal::Failed {
                            rule: "terraform.failed",
                            what: "planning",
                            detail,
                        },
                    })?;
                let job = crate::tools::terraform::PlannedJob {
                    id,
                    cwd: &cwd,
                    workspace: &ws,
                    args: &args,
                    config: &config,
                    requester: &caller.agent_id,
                };
                self.planned(caller, tool, job, planned)
            }
            Job::Apply(job) => {
                let id = claimed.ok_or_else(|| Refusal::Internal("apply without a plan".into()))?;
                r.plan_id = Some(id);
                match self.terraform.apply(
                    Permit::mint(decided, job),
                    &self.sandbox,
                    &self.redactor,
                ) {
                    Ok(c) => {
                        let ok = c.outcome.exit_code == Some(0);
                        let to = if ok {
                            PlanStatus::Applied
                        } else {
                            PlanStatus::Failed
                        };
                        self.restore_plan(id, PlanStatus::Applying, to);
                        r.message = if ok {
                            format!("applied plan {id}")
                        } else {
                            format!(
                                "terraform apply of plan {id} failed; the plan cannot be applied again: plan again"
                            )
                        };
                        Ok(self.confined(caller, r, c, json!({"plan_status": to})))
                    }
                    Err(e) => {
                        self.restore_plan(id, PlanStatus::Applying, PlanStatus::Failed);
                        Err(Refusal::from(e))
                    }
                }
            }
        }
    }

    /// Moves a plan's status after the fact; a failure leaves it `applying`, which refuses
    /// further applies (the safe side), and is logged.
    fn restore_plan(&self, id: PlanId, from: PlanStatus, to: PlanStatus) {
        if let Err(e) = self.store().transition_plan(id, from, to) {
            tracing::error!(plan = %id, error = %e, "plan status not moved");
        }
    }

    /// A confined run's answer: what the sandbox enforced goes into the data and the record.
    fn confined(&self, caller: &Caller, mut r: Response, c: Confined, extra: Value) -> Response {
        if c.enforced.landlock != "full" {
            r.message = format!(
                "{}; note: filesystem confinement (Landlock) is {} on this kernel",
                r.message, c.enforced.landlock
            );
        }
        match r.data.as_mut().and_then(Value::as_object_mut) {
            Some(d) => {
                d.insert("sandbox".into(), json!(c.enforced));
            }
            None => r.data = Some(json!({"sandbox": c.enforced})),
        }
        let mut extra = extra;
        if let Some(m) = extra.as_object_mut() {
            m.insert("sandbox".into(), json!(c.enforced));
        }
        self.executed(caller, r, &c.outcome, extra)
    }

    /// A finished plan: analyze, store, record, and bind its apply if it escalates.
    fn planned(
        &self,
        caller: &Caller,
        tool: &'static str,
        job: crate::tools::terraform::PlannedJob<'_>,
        planned: run::terraform::Planned,
    ) -> Result<Response, Refusal> {
        let ctx = self.ctx(caller);
        let id = job.id;
        let tools::terraform::Analyzed { record, analysis } =
            tools::terraform::analyzed(&ctx, job, planned, self.now())?;
        self.store().insert_plan(&record)?;
        let verdict = record.verdict.clone();
        let (workspace, destroy) = (record.workspace.clone(), record.destroy);
        let data = json!({"changes": analysis.changes, "worst_tier": analysis.worst_tier(), "output_changes": analysis.output_changes, "plan_digest": record.plan_digest, "expires_at": record.expires_at, "workspace": workspace, "destroy": destroy});
        let event = AuditEvent::new(
            EventKind::Planned,
            json!({"tool": tool, "agent": caller.audit(), "plan_id": id, "plan_digest": record.plan_digest, "plan_file_sha256": record.plan_file_sha256, "workspace": workspace, "cwd": record.cwd, "args": record.args, "decision": verdict.decision(), "reasons": verdict.reasons()}),
        );
        self.recorder
            .record(event, self.now())
            .map_err(|error| Refusal::AuditUnavailable {
                error,
                verdict: verdict.clone(),
            })?;
        let mut r = Response::new(tool, verdict.decision(), Status::Planned, "")
            .with_reasons(verdict.reasons());
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
                let pending = self.escalate(
                    crate::call::TERRAFORM_APPLY.name,
                    caller,
                    apply_escalation(
                        &ctx,
                        &record,
                        verdict.clone(),
                        Some(tools::terraform::plan_summary(&record, &analysis)),
                    ),
                )?;
                r.approval_id = pending.approval_id;
                r.message = format!(
                    "planned as {id}; applying it needs a human approval ({}): poll gateway_check_approval, then call gateway_terraform_apply with plan_id and approval_id",
                    pending
                        .approval_id
                        .map(|a| a.to_string())
                        .unwrap_or_default()
                );
            }
            Decision::Allow | Decision::Warn => {
                r.message = format!(
                    "planned as {id}; call gateway_terraform_apply with this plan_id to apply exactly this plan"
                )
            }
        }
        Ok(r)
    }

    /// Step 8: the "executed" record, then the output in the answer.
    fn executed(
        &self,
        caller: &Caller,
        mut r: Response,
        outcome: &Outcome,
        extra: Value,
    ) -> Response {
        let output_digest =
            Digest::of(format!("{}\0{}", outcome.stdout, outcome.stderr).as_bytes());
        let killed = if outcome.shutdown {
            Some("shutdown")
        } else if outcome.timed_out {
            Some("timeout")
        } else {
            None
        };
        if outcome.shutdown {
            r.message = format!("{}; killed: the gateway is shutting down", r.message);
        }
        let mut event = AuditEvent::new(
            EventKind::Executed,
            json!({"tool": r.tool, "agent": caller.audit(), "exit_code": outcome.exit_code, "timed_out": outcome.timed_out, "killed": killed, "truncated": outcome.truncated, "output_sha256": output_digest, "approval_id": r.approval_id, "plan_id": r.plan_id}),
        );
        if let Value::Object(m) = extra {
            for (k, v) in m {
                event = event.with(&k, v);
            }
        }
        if let Err(e) = self.recorder.record(event, self.now()) {
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
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.recorder.checkpoint_now(self.now());
    }
}

/// How a call ends before anything is recorded as decided.
enum Early {
    /// A refusal (rendered and recorded by `answer`).
    Refused(Refusal),
    /// A lookup's answer.
    Answered(tools::Answered),
}

/// Counts a call as in flight for as long as it lives.
struct InFlight<'a>(&'a std::sync::atomic::AtomicUsize);

impl<'a> InFlight<'a> {
    fn enter(n: &'a std::sync::atomic::AtomicUsize) -> InFlight<'a> {
        n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        InFlight(n)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}
