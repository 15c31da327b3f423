//! Approvals: the human decision an escalated action waits for, bound to exactly one request.
//!
//! A human decides by a **signed statement** (Ed25519 over the canonical JSON of approval id,
//! request digest, decision, approver, reason, issued-at and expires-at) made with a key that is
//! registered in the approvers file, which lives outside the state directory. An approval counts
//! only the statements that verify against that registry and satisfy the environment's rules
//! (how many, distinct, who may approve or break glass, no self-approval). So a process that can
//! write the store, but holds no registered key, cannot grant anything: an `approved` row it
//! inserts or edits is a forgery, refused and reported.
//!
//! Lifecycle: pending → approved (enough valid grants) | rejected (any valid rejection) →
//! consumed (single use). Two clocks, derived from time and never stored: a pending approval
//! expires `approval_ttl_seconds` after it was requested, a granted one `approval_use_ttl_seconds`
//! after it was granted.

use recourse_policy::{ApprovalRules, Digest, Environment, SelfApproval};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::ids::{ApprovalId, PlanId, Timestamp};
use crate::lifecycle::PlanRecord;
use crate::signing::{PublicKey, SecretKey, Signature};

/// The tool name an "apply plan X" request is bound under.
pub const APPLY_TOOL: &str = "gateway_terraform_apply";

/// Where a human decision came from. None of these is reachable by an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Channel {
    /// `recourse approvals approve|reject`.
    Cli,
    /// The authenticated web control plane.
    Web,
    /// `recourse break-glass`: an audited human override, the only way past `block`.
    BreakGlass,
}

/// What a human decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Choice {
    /// Grant (counts towards the required number).
    Approve,
    /// Refuse (one valid rejection ends the request).
    Reject,
    /// Override a `block` verdict (alone enough, for those the rules allow).
    BreakGlass,
}

/// A human decision as signed. The signature covers exactly [`Statement::signing_bytes`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    /// The approval decided on.
    pub approval_id: ApprovalId,
    /// The request it is bound to (a statement for another request does not count).
    pub request_digest: Digest,
    /// The decision.
    pub choice: Choice,
    /// Who decided (a registered approver).
    pub approver: String,
    /// Whose key signed: the approver's own, or the web control plane's (registered with
    /// `on_behalf`) for a logged-in approver.
    pub signer: String,
    /// How the decision was made.
    pub channel: Channel,
    /// Why (mandatory).
    pub reason: String,
    /// When it was signed.
    pub issued_at: Timestamp,
    /// Until when it may be used.
    pub expires_at: Timestamp,
}

impl Statement {
    /// The bytes the signature covers: canonical JSON of every field, with a domain tag so that
    /// a signature made for something else never verifies as a decision.
    pub fn signing_bytes(&self) -> Vec<u8> {
        let v = json!({"domain": "recourse.approval-statement.v1", "statement": self});
        recourse_policy::canonical::to_canonical_string(&v).into_bytes()
    }

    /// Signs it.
    pub fn sign(self, key: &SecretKey) -> SignedStatement {
        let signature = key.sign(&self.signing_bytes());
        SignedStatement {
            statement: self,
            signature,
        }
    }
}

/// A statement with its signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedStatement {
    /// What was decided.
    #[serde(flatten)]
    pub statement: Statement,
    /// Ed25519 over [`Statement::signing_bytes`].
    pub signature: Signature,
}

/// One registered approver (or the web control plane's key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    /// The approver's name (what statements and the policy's `approvers:` name).
    pub name: String,
    /// The key their statements verify against.
    pub public_key: PublicKey,
    /// Groups (the policy's `group:NAME`).
    #[serde(default)]
    pub groups: Vec<String>,
    /// May sign on behalf of other registered approvers (the web control plane).
    #[serde(default)]
    pub on_behalf: bool,
}

/// The approvers file: who may decide. Lives outside the state directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approvers {
    /// Every registration.
    #[serde(default)]
    pub approvers: Vec<Registration>,
}

impl Approvers {
    /// The registration named `name`.
    pub fn get(&self, name: &str) -> Option<&Registration> {
        self.approvers.iter().find(|r| r.name == name)
    }

    /// The registration holding `key`.
    pub fn by_key(&self, key: &PublicKey) -> Option<&Registration> {
        self.approvers.iter().find(|r| r.public_key == *key)
    }

    /// Names and keys are unique, names are plain.
    pub fn validate(&self) -> Result<(), String> {
        for (i, r) in self.approvers.iter().enumerate() {
            if r.name.trim().is_empty()
                || r.name.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                return Err(format!("approver {}: invalid name `{}`", i + 1, r.name));
            }
            if self.approvers[..i].iter().any(|o| o.name == r.name) {
                return Err(format!("approver `{}` is registered twice", r.name));
            }
            if self.approvers[..i]
                .iter()
                .any(|o| o.public_key == r.public_key)
            {
                return Err(format!(
                    "approver `{}` reuses another approver's key",
                    r.name
                ));
            }
        }
        Ok(())
    }
}

/// What a statement is checked against: the registry, the environment's rules, and how long a
/// grant stays usable.
#[derive(Debug, Clone, Copy)]
pub struct Trust<'a> {
    /// The approvers file.
    pub approvers: &'a Approvers,
    /// The environment's approval rules.
    pub rules: &'a ApprovalRules,
    /// `approval_use_ttl_seconds`.
    pub use_ttl_seconds: u64,
}

/// Why a statement does not count.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementProblem {
    /// No registration for its signer.
    #[error("signed by `{0}`, who is not in the approvers file")]
    UnknownSigner(String),
    /// The signature does not verify: forged, or altered after signing.
    #[error("the signature of `{0}` does not verify (forged or altered)")]
    BadSignature(String),
    /// The signer may not sign for someone else.
    #[error("`{signer}` may not sign on behalf of `{approver}`")]
    NotOnBehalf {
        /// The signer.
        signer: String,
        /// The approver named.
        approver: String,
    },
    /// The approver named is not registered.
    #[error("`{0}` is not a registered approver")]
    UnknownApprover(String),
    /// It was made for another approval or request.
    #[error("the statement is for another approval or request")]
    OtherRequest,
    /// The rules do not let this approver decide here.
    #[error("`{0}` may not approve in this environment")]
    NotAllowed(String),
    /// The rules do not let this approver break glass.
    #[error("`{0}` may not break glass in this environment")]
    NoBreakGlass(String),
    /// The requester may not approve its own request.
    #[error("`{0}` requested this action and cannot approve it")]
    SelfApproval(String),
    /// No reason was given.
    #[error("a reason is required")]
    NoReason,
}

impl SignedStatement {
    /// Checks the signature against the registry, and the statement against this approval and
    /// the rules. Returns the approver's groups.
    pub fn verify<'a>(
        &self,
        approval: &Approval,
        trust: &Trust<'a>,
    ) -> Result<&'a [String], StatementProblem> {
        let s = &self.statement;
        let signer = trust
            .approvers
            .get(&s.signer)
            .ok_or_else(|| StatementProblem::UnknownSigner(s.signer.clone()))?;
        if !signer
            .public_key
            .verifies(&s.signing_bytes(), &self.signature)
        {
            return Err(StatementProblem::BadSignature(s.signer.clone()));
        }
        let approver = if s.approver == s.signer {
            signer
        } else if signer.on_behalf {
            trust
                .approvers
                .get(&s.approver)
                .filter(|a| !a.on_behalf)
                .ok_or_else(|| StatementProblem::UnknownApprover(s.approver.clone()))?
        } else {
            return Err(StatementProblem::NotOnBehalf {
                signer: s.signer.clone(),
                approver: s.approver.clone(),
            });
        };
        if s.approval_id != approval.id || s.request_digest != approval.request_digest {
            return Err(StatementProblem::OtherRequest);
        }
        if s.reason.trim().is_empty() {
            return Err(StatementProblem::NoReason);
        }
        let groups = approver.groups.as_slice();
        match s.choice {
            Choice::BreakGlass if !trust.rules.may_break_glass(&s.approver, groups) => {
                return Err(StatementProblem::NoBreakGlass(s.approver.clone()));
            }
            Choice::Approve | Choice::Reject if !trust.rules.may_approve(&s.approver, groups) => {
                return Err(StatementProblem::NotAllowed(s.approver.clone()));
            }
            _ => {}
        }
        if s.choice != Choice::Reject
            && trust.rules.self_approval == SelfApproval::Deny
            && same_identity(&s.approver, &approval.requester)
        {
            return Err(StatementProblem::SelfApproval(s.approver.clone()));
        }
        Ok(groups)
    }
}

/// Where an approval stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApprovalStatus {
    /// Waiting for (more) grants.
    Pending,
    /// Enough valid grants; not used yet.
    Approved,
    /// A valid rejection.
    Rejected,
    /// Past one of its deadlines.
    Expired,
    /// Used once.
    Consumed,
}

impl ApprovalStatus {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalStatus::Pending => "pending",
            ApprovalStatus::Approved => "approved",
            ApprovalStatus::Rejected => "rejected",
            ApprovalStatus::Expired => "expired",
            ApprovalStatus::Consumed => "consumed",
        }
    }
}

/// What the valid statements add up to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tally {
    /// `have` of `need` valid grants so far.
    Pending {
        /// Valid grants.
        have: u32,
        /// Required.
        need: u32,
    },
    /// Granted.
    Approved(Grant),
    /// Refused by a valid rejection.
    Rejected {
        /// Who.
        by: String,
        /// Why.
        reason: String,
    },
    /// Past a deadline (the one given).
    Expired(Timestamp),
    /// Used.
    Consumed(Timestamp),
}

impl Tally {
    /// The status it amounts to.
    pub fn status(&self) -> ApprovalStatus {
        match self {
            Tally::Pending { .. } => ApprovalStatus::Pending,
            Tally::Approved(_) => ApprovalStatus::Approved,
            Tally::Rejected { .. } => ApprovalStatus::Rejected,
            Tally::Expired(_) => ApprovalStatus::Expired,
            Tally::Consumed(_) => ApprovalStatus::Consumed,
        }
    }
}

/// A valid grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The approvers whose statements count, in order.
    pub approvers: Vec<String>,
    /// A break-glass override.
    pub break_glass: bool,
    /// When the grant became complete.
    pub at: Timestamp,
}

/// An approval request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// Random id.
    pub id: ApprovalId,
    /// Digest of the request it is bound to.
    pub request_digest: Digest,
    /// Who asked (the principal); it may not approve.
    pub requester: String,
    /// The tool.
    pub tool: String,
    /// The canonical, redacted action for the human to read.
    pub summary: Value,
    /// Environment.
    pub environment: Environment,
    /// For plan applies: the plan.
    pub plan_id: Option<PlanId>,
    /// Break-glass: the human's justification.
    pub justification: Option<String>,
    /// Requested at.
    pub created_at: Timestamp,
    /// A pending request expires at.
    pub expires_at: Timestamp,
    /// Every signed decision, in the order received.
    #[serde(default)]
    pub statements: Vec<SignedStatement>,
    /// When it was used.
    #[serde(default)]
    pub consumed_at: Option<Timestamp>,
}

/// A human decision that cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// No longer pending.
    #[error("approval is already {0}")]
    NotPending(&'static str),
    /// The statement does not count.
    #[error("{0}")]
    Statement(#[from] StatementProblem),
    /// The approver already decided (distinct approvers are required).
    #[error("`{0}` already decided on this approval")]
    AlreadyDecided(String),
}

/// Why a presented approval does not permit a call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalRefusal {
    /// No approval with that id.
    #[error("no approval with that id exists")]
    Unknown,
    /// The approval is bound to a different request.
    #[error(
        "the approval was granted for a different action (request digest {approved} ≠ {presented})"
    )]
    ForAnotherAction {
        /// Digest the approval is bound to.
        approved: Digest,
        /// Digest of the presented request.
        presented: Digest,
    },
    /// The scripts the command runs changed since the approval was granted.
    #[error(
        "the approval was granted for other content of {}: changed since it was approved; ask for a new approval",
        .0.join(", ")
    )]
    ScriptsChanged(Vec<String>),
    /// Not decided yet.
    #[error("the approval is still pending: {have} of {need} approvals so far")]
    Pending {
        /// Valid grants.
        have: u32,
        /// Required.
        need: u32,
    },
    /// Refused by a human.
    #[error("the approval was rejected by {approver}: {reason}")]
    Rejected {
        /// Who.
        approver: String,
        /// Why.
        reason: String,
    },
    /// Past its deadline.
    #[error("the approval expired at {0}")]
    Expired(Timestamp),
    /// Already used once.
    #[error("the approval was already used at {0}")]
    AlreadyUsed(Timestamp),
    /// It carries statements that do not verify (and not enough that do).
    #[error("the approval carries decisions that do not verify: {}", .0.join("; "))]
    Forged(Vec<String>),
}

/// What an approval is bound to.
#[derive(Debug, Clone, Copy)]
pub struct RequestBinding<'a> {
    /// The tool name.
    pub tool: &'a str,
    /// The normalized arguments (an `approval_id` key is ignored).
    pub arguments: &'a Value,
    /// Environment.
    pub environment: Environment,
    /// Terraform workspace, if any.
    pub workspace: Option<&'a str>,
    /// Canonical plan digest, for plan applies.
    pub plan_digest: Option<Digest>,
    /// Hash of the policy in force.
    pub policy_hash: Digest,
    /// Who asks (the principal's id): an approval granted for one agent's request cannot be
    /// used by another agent repeating the same call.
    pub requester: &'a str,
    /// The issuer that authenticated the requester (over HTTP): the same id from two issuers
    /// is two principals. `None` (stdio) leaves the digest as it was without issuers.
    pub requester_issuer: Option<&'a str>,
}

/// SHA-256 over the canonical JSON of tool, normalized arguments, environment, workspace, plan
/// digest, policy hash and requester. Any difference in what would run, or who asks, changes
/// it.
pub fn request_digest(b: RequestBinding<'_>) -> Digest {
    let mut arguments = b.arguments.clone();
    if let Some(obj) = arguments.as_object_mut() {
        obj.remove("approval_id");
    }
    let mut bound = json!({
        "tool": b.tool,
        "arguments": arguments,
        "environment": b.environment,
        "workspace": b.workspace,
        "plan_digest": b.plan_digest,
        "policy_hash": b.policy_hash,
        "requester": b.requester,
    });
    if let Some(iss) = b.requester_issuer {
        bound["requester_issuer"] = json!(iss);
    }
    Digest::of_canonical_json(&bound)
}

/// The request digest of "apply stored plan `record`" in `environment` under the policy with
/// `policy_hash`: the one definition shared by planning (which creates the approval), applying
/// (which checks it), the agent's approval request and break-glass, so that they cannot drift
/// apart and an approval granted through one path always matches the others.
///
/// The value equals `request_digest` of tool `gateway_terraform_apply`, arguments
/// `{"plan_id": "<id>"}`, the record's workspace and plan digest.
///
/// ```
/// # use recourse_plan::*;
/// # use recourse_policy::{Digest, Environment, Verdict};
/// # let record = PlanRecord {
/// #     id: PlanId::from_bytes([1; 16]), plan_file_sha256: Digest::of(b"f"),
/// #     plan_digest: Digest::of(b"p"), workspace: "default".into(),
/// #     environment: Environment::Prod, cwd: ".".into(), args: vec![], destroy: false,
/// #     lineage: None, serial: None, policy_hash: Digest::of(b"policy"),
/// #     created_at: Timestamp(0), expires_at: Timestamp(3600),
/// #     verdict: Verdict::from_reasons(vec![]), status: PlanStatus::Planned,
/// #     requester: "agent-a".into(), requester_issuer: None, config: Default::default(),
/// #     findings: vec![],
/// # };
/// let d = apply_binding(&record, Environment::Prod, record.policy_hash, "agent-a", None);
/// assert_ne!(d, apply_binding(&record, Environment::Dev, record.policy_hash, "agent-a", None));
/// assert_ne!(d, apply_binding(&record, Environment::Prod, record.policy_hash, "agent-b", None));
/// assert_ne!(d, apply_binding(&record, Environment::Prod, record.policy_hash, "agent-a", Some("https://idp")));
/// ```
pub fn apply_binding(
    record: &PlanRecord,
    environment: Environment,
    policy_hash: Digest,
    requester: &str,
    requester_issuer: Option<&str>,
) -> Digest {
    let arguments = json!({"plan_id": record.id.to_string()});
    request_digest(RequestBinding {
        tool: APPLY_TOOL,
        arguments: &arguments,
        environment,
        workspace: Some(&record.workspace),
        plan_digest: Some(record.plan_digest),
        policy_hash,
        requester,
        requester_issuer,
    })
}

/// What an approval is created from.
#[derive(Debug, Clone)]
pub struct NewApproval {
    /// Fresh random id.
    pub id: ApprovalId,
    /// The binding digest.
    pub request_digest: Digest,
    /// Requesting principal.
    pub requester: String,
    /// Tool.
    pub tool: String,
    /// Redacted canonical action.
    pub summary: Value,
    /// Environment.
    pub environment: Environment,
    /// Plan, for applies.
    pub plan_id: Option<PlanId>,
    /// Break-glass justification.
    pub justification: Option<String>,
}

fn same_identity(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

impl Approval {
    /// A pending approval that expires `ttl_seconds` after `now`.
    pub fn new(n: NewApproval, now: Timestamp, ttl_seconds: u64) -> Approval {
        Approval {
            id: n.id,
            request_digest: n.request_digest,
            requester: n.requester,
            tool: n.tool,
            summary: n.summary,
            environment: n.environment,
            plan_id: n.plan_id,
            justification: n.justification,
            created_at: now,
            expires_at: now.plus(ttl_seconds),
            statements: Vec::new(),
            consumed_at: None,
        }
    }

    /// The statements that do not count, each with its problem (for the audit log: an invalid
    /// statement in the store is a forgery attempt or a misconfiguration).
    pub fn problems(&self, trust: &Trust<'_>) -> Vec<(&SignedStatement, StatementProblem)> {
        self.statements
            .iter()
            .filter_map(|s| s.verify(self, trust).err().map(|p| (s, p)))
            .collect()
    }

    /// What the valid statements add up to at `now`.
    pub fn tally(&self, now: Timestamp, trust: &Trust<'_>) -> Tally {
        if let Some(at) = self.consumed_at {
            return Tally::Consumed(at);
        }
        let valid: Vec<&Statement> = self
            .statements
            .iter()
            .filter(|s| s.verify(self, trust).is_ok())
            .map(|s| &s.statement)
            .filter(|s| s.issued_at <= now.plus(300) && now < s.expires_at)
            .collect();
        if let Some(r) = valid.iter().find(|s| s.choice == Choice::Reject) {
            return Tally::Rejected {
                by: r.approver.clone(),
                reason: r.reason.clone(),
            };
        }
        let use_by = |at: Timestamp| at.plus(trust.use_ttl_seconds);
        if let Some(b) = valid.iter().find(|s| s.choice == Choice::BreakGlass) {
            if now >= use_by(b.issued_at) {
                return Tally::Expired(use_by(b.issued_at));
            }
            return Tally::Approved(Grant {
                approvers: vec![b.approver.clone()],
                break_glass: true,
                at: b.issued_at,
            });
        }
        let need = trust.rules.required.get();
        let mut approvers: Vec<&str> = Vec::new();
        let mut at = self.created_at;
        for s in valid.iter().filter(|s| s.choice == Choice::Approve) {
            if trust.rules.distinct && approvers.iter().any(|a| same_identity(a, &s.approver)) {
                continue;
            }
            approvers.push(&s.approver);
            at = at.max(s.issued_at);
            if approvers.len() as u32 >= need {
                if now >= use_by(at) {
                    return Tally::Expired(use_by(at));
                }
                return Tally::Approved(Grant {
                    approvers: approvers.iter().map(|a| (*a).to_owned()).collect(),
                    break_glass: false,
                    at,
                });
            }
        }
        if now >= self.expires_at {
            return Tally::Expired(self.expires_at);
        }
        Tally::Pending {
            have: approvers.len() as u32,
            need,
        }
    }

    /// The status at `now`.
    pub fn status(&self, now: Timestamp, trust: &Trust<'_>) -> ApprovalStatus {
        self.tally(now, trust).status()
    }

    /// Records a human's signed decision, after checking it counts.
    pub fn add(
        &mut self,
        statement: SignedStatement,
        now: Timestamp,
        trust: &Trust<'_>,
    ) -> Result<Tally, ResolveError> {
        match self.tally(now, trust) {
            Tally::Pending { .. } => {}
            // A break-glass grant is its own approval, made approved.
            _ if statement.statement.choice == Choice::BreakGlass && self.statements.is_empty() => {
            }
            other => return Err(ResolveError::NotPending(other.status().as_str())),
        }
        statement.verify(self, trust)?;
        let who = &statement.statement.approver;
        if trust.rules.distinct
            && self
                .statements
                .iter()
                .any(|s| same_identity(&s.statement.approver, who) && s.verify(self, trust).is_ok())
        {
            return Err(ResolveError::AlreadyDecided(who.clone()));
        }
        self.statements.push(statement);
        Ok(self.tally(now, trust))
    }

    /// Whether this approval permits the request with digest `presented` now.
    pub fn check(
        &self,
        presented: Digest,
        now: Timestamp,
        trust: &Trust<'_>,
    ) -> Result<Grant, ApprovalRefusal> {
        if presented != self.request_digest {
            return Err(ApprovalRefusal::ForAnotherAction {
                approved: self.request_digest,
                presented,
            });
        }
        match self.tally(now, trust) {
            Tally::Approved(g) => Ok(g),
            Tally::Pending { have, need } => {
                let problems = self.problems(trust);
                if problems.is_empty() {
                    Err(ApprovalRefusal::Pending { have, need })
                } else {
                    Err(ApprovalRefusal::Forged(
                        problems.iter().map(|(_, p)| p.to_string()).collect(),
                    ))
                }
            }
            Tally::Rejected { by, reason } => Err(ApprovalRefusal::Rejected {
                approver: by,
                reason,
            }),
            Tally::Expired(at) => Err(ApprovalRefusal::Expired(at)),
            Tally::Consumed(at) => Err(ApprovalRefusal::AlreadyUsed(at)),
        }
    }

    /// Uses the approval (single use).
    pub fn consume(
        &mut self,
        presented: Digest,
        now: Timestamp,
        trust: &Trust<'_>,
    ) -> Result<Grant, ApprovalRefusal> {
        let grant = self.check(presented, now, trust)?;
        self.consumed_at = Some(now);
        Ok(grant)
    }
}
