//! What the two-sided tests (`expansion.rs`, `intent.rs`) share: a decision and its reasons
//! under the default policy.
#![allow(clippy::unwrap_used, dead_code)]

use recourse_policy::{Decision, Environment, Policy};
use recourse_shell::Classifier;

/// The decision for a command in an environment.
pub fn decide(cmd: &str, env: Environment) -> Decision {
    let p = Policy::default();
    let c = Classifier::new(&p.shell).unwrap();
    c.classify(cmd).verdict(&p, env).decision()
}

/// The command and the reasons for its decision in an environment, for a failing assertion.
pub fn explain_in(cmd: &str, env: Environment) -> String {
    let p = Policy::default();
    let c = Classifier::new(&p.shell).unwrap();
    let a = c.classify(cmd);
    format!("{cmd:?}: {:#?}", a.verdict(&p, env).reasons())
}
