//! One module per command family.

pub(crate) mod approvals;
pub(crate) mod approvers;
pub(crate) mod audit;
pub(crate) mod control;
pub(crate) mod gateway;
pub(crate) mod plan;
pub(crate) mod policy;
pub(crate) mod shell;
