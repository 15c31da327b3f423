//! # recourse-exec
//!
//! The Recourse gateway service: the one place where decisions turn into effects. A
//! [`Gateway`] takes an agent's [`ToolCall`], normalizes and assesses it with the pure crates,
//! decides under the policy, binds any escalation to a human approval, writes a hash-chained
//! audit record *before* acting, and only then runs terraform, kubectl or a sandboxed shell —
//! through runners that require a [`Permit`] only the gate can make.

pub mod audit;
pub mod config;
mod gate;
pub mod kube;
pub mod process;
pub mod redact;
mod runners;
pub mod sandbox;
pub mod store;

pub use config::{ConfigError, GatewayConfig, RunnerEnv};
pub use gate::{
    Caller, ControlError, ControlPlane, Gateway, OpenError, Permit, Response, RunOutput,
    SCHEMA_VERSION, Status, ToolCall, audit_path, db_path, prepare_state_dir, system_now, tools,
};
