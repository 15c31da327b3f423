//! # recourse-plan
//!
//! Everything about Terraform plans and approvals that can be decided without I/O: the
//! `terraform show -json` model (format 0.1 – 1.2, and Terraform Cloud's redacted JSON),
//! consequence analysis (action kind and recoverability tier per change, with reasons, in
//! linear time), config screening before `terraform init` ([`screen`]), the canonical plan
//! digest, the plan record lifecycle with [`verify_apply`], and the approval lifecycle with
//! request digests ([`apply_binding`] for applying a stored plan).
//!
//! ```
//! use recourse_plan::{analyze, Plan};
//! use recourse_policy::{Action, Decision, Environment, Policy, RecoverabilityTier};
//!
//! let json = r#"{
//!   "format_version": "1.2",
//!   "resource_changes": [{
//!     "address": "aws_db_instance.main", "mode": "managed", "type": "aws_db_instance",
//!     "name": "main", "provider_name": "registry.terraform.io/hashicorp/aws",
//!     "change": { "actions": ["delete"], "before": { "skip_final_snapshot": true }, "after": null }
//!   }]
//! }"#;
//! let analysis = analyze(&Plan::from_json(json)?);
//! assert_eq!(analysis.worst_tier(), Some(RecoverabilityTier::Unrecoverable));
//!
//! let facts = analysis.facts("default", false);
//! let verdict = Policy::default().evaluate(Environment::Prod, Action::TerraformPlan(&facts));
//! assert_eq!(verdict.decision(), Decision::Block);
//! # Ok::<(), recourse_plan::PlanParseError>(())
//! ```

mod analyze;
mod approval;
mod attrs;
mod bound;
mod checkpoint;
mod digest;
mod ids;
mod lifecycle;
mod model;
mod screen;
mod signing;
mod tiers;

pub use analyze::{ActionKind, ChangeAnalysis, PlanAnalysis, analyze};
pub use approval::{
    APPLY_TOOL, Approval, ApprovalRefusal, ApprovalStatus, Approvers, Channel, Choice, Grant,
    NewApproval, Registration, RequestBinding, ResolveError, SignedStatement, Statement,
    StatementProblem, Tally, Trust, apply_binding, request_digest,
};
pub use bound::{ConfigBinding, ProviderBinary};
pub use checkpoint::{Checkpoint, Frontier, NoteError, leaf_hash};
pub use digest::plan_digest;
pub use ids::{ApprovalId, InvalidId, PlanId, Timestamp};
pub use lifecycle::{
    ApplyPermission, ApplyRefusal, ApplyRequest, PlanRecord, PlanStatus, TransitionError,
    verify_apply,
};
pub use model::{
    Action, Change, Configuration, DeferredChange, Importing, Json, Mode, Plan, PlanParseError,
    PriorState, ResourceChange, StateObject,
};
pub use screen::{AvailableProvider, ConfigFile, ScreenContext, Screening, screen};
pub use signing::{KeyError, PublicKey, SecretKey, Signature};
