//! The gate: one path from an agent's tool call to an effect, the same for every tool.
//!
//! `normalize → assess → decide → bind → permit → audit → execute → audit → respond`
//! (DESIGN.md §3), spelled out once in [`Gateway::handle`]. Steps 1–3 are the per-tool
//! preparers in `tools/`; a refusal anywhere becomes an answer and a record at one boundary,
//! [`Gateway::answer`]; a [`Permit`] is minted only from the proof that "decided" is on disk.

mod authorize;
mod execute;
mod kube;
pub(crate) mod permit;
mod prepare;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

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
use crate::state::store::{StateStore, StoreError};
use crate::state::{plan_file, prepare_state_dir};
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
    /// Plans, approvals, freezes: the SQLite file or PostgreSQL (internally synchronized;
    /// every method is one atomic step).
    store: Arc<dyn StateStore>,
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
        let store = cfg.store.open(&cfg.state_dir)?;
        let classifier = Classifier::new(&cfg.policy.shell)?;
        let policy_hash = cfg.policy.hash();
        store.set_meta("policy_sha256", &policy_hash.to_hex())?;
        store.set_meta(
            crate::control::POLICY_META,
            &cfg.policy.to_document().to_string(),
        )?;
        let redactor = Redactor::from_env(cfg.base_env.clone());
        let mut recorder = if store.keeps_audit() {
            // This replica's own chain; a second process with the same log id stops here.
            let guard = store.claim_log(&cfg.log_id)?;
            Recorder::in_store(
                Arc::clone(&store),
                &cfg.log_id,
                Some(guard),
                policy_hash,
                redactor.clone(),
            )
        } else {
            Recorder::open(&cfg.state_dir, policy_hash, redactor.clone())?
        };
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
            store,
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

    fn store(&self) -> &dyn StateStore {
        self.store.as_ref()
    }

    /// The store (for the control plane of a process that also serves, e.g. a web page).
    pub fn state_store(&self) -> Arc<dyn StateStore> {
        Arc::clone(&self.store)
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
        // call ends here, whatever the transport; and nothing passes a freeze.
        self.admits(caller, tool).map_err(Early::Refused)?;
        self.unfrozen(caller).map_err(Early::Refused)?;
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
        self.sandbox.shutdown();
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
        let refusal = match self
            .admits(caller, tool)
            .and_then(|()| self.unfrozen(caller))
        {
            Err(why) => why,
            Ok(()) => Refusal::InvalidInput(error.to_owned()),
        };
        self.answer(tool, caller, refusal)
    }

    /// Records a message that never became a tool call: malformed JSON-RPC, `tools/call`
    /// without usable parameters, an unknown tool. `raw` is the message as received; only its
    /// digest and size are recorded (it may be large or hostile). Nothing ran.
    pub fn reject_message(
        &self,
        caller: &Caller,
        tool: Option<&str>,
        error: &str,
        raw: Option<&[u8]>,
    ) -> Result<(), AppendError> {
        let mut event = AuditEvent::new(
            EventKind::RejectedInput,
            json!({"tool": tool, "agent": caller.audit(), "error": error}),
        );
        if let Some(raw) = raw {
            event = event
                .with("raw_sha256", json!(Digest::of(raw)))
                .with("raw_bytes", json!(raw.len()));
        }
        self.recorder.record(event, self.now())
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

    /// Whether a freeze covers this call. Read from the store on every call, never cached, so
    /// a freeze issued anywhere stops the next call on every replica; an unreadable freeze
    /// table refuses the call.
    fn unfrozen(&self, caller: &Caller) -> Result<(), Refusal> {
        let freezes = self
            .store()
            .active_freezes()
            .map_err(|e| Refusal::FreezeUnknown(e.to_string()))?;
        match crate::state::freeze::covering(&freezes, self.cfg.environment, &caller.agent_id) {
            Some(f) => Err(Refusal::Frozen(f.clone())),
            None => Ok(()),
        }
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
