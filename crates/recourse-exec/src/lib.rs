//! # recourse-exec
//!
//! The Recourse gateway service: the one place where decisions turn into effects. A
//! [`Gateway`] takes an agent's [`ToolCall`], normalizes and assesses it with the pure crates,
//! decides under the policy, binds any escalation to a human approval, writes a hash-chained
//! audit record *before* acting, and only then runs terraform, kubectl or a sandboxed shell —
//! through runners that require a [`Permit`] only the gate can make. `ARCHITECTURE.md` at the
//! repository root maps the modules.

// A `Refusal` is built at most once per call and carries the verdict it renders; boxing it
// would buy nothing.
#![allow(clippy::result_large_err)]

mod call;
mod clock;
mod config;
mod control;
mod gate;
pub mod metrics;
pub mod redact;
mod refusal;
mod response;
pub(crate) mod run;
pub mod state;
mod tools;
pub mod trust;
pub mod view;

pub use call::{Caller, Family, TOOLS, ToolCall, ToolSpec, tool_spec};
pub use clock::{RandomError, new_id_bytes, system_now};
pub use config::{ConfigError, GatewayConfig, RunnerEnv};
pub use control::{BREAK_GLASS_REASON, ControlError, ControlPlane};
pub use gate::{Gateway, OpenError, Permit, Readiness};
pub use response::{Response, RunOutput, SCHEMA_VERSION, Status};
pub use run::sandbox;
pub use state::{audit, audit_path, db_path, prepare_state_dir, store};
pub use tools::kubectl::identity::{AccessRule, KubeIdentity};
