//! Fuzz the classifier: any input must classify without panicking, and wrapping the input in
//! `sh -c '…'` must never lower the decision.
//!
//! Run: `cd crates/recourse-shell && cargo +nightly fuzz run classify`
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use recourse_policy::{Environment, Policy};
use recourse_shell::Classifier;

// Compiled once: compiling the policy's patterns per input would dominate each run.
static SETUP: LazyLock<(Policy, Classifier)> = LazyLock::new(|| {
    let policy = Policy::default();
    let classifier = Classifier::new(&policy.shell).expect("the default policy compiles");
    (policy, classifier)
});

fuzz_target!(|data: &[u8]| {
    let Ok(cmd) = std::str::from_utf8(data) else { return };
    let (policy, c) = &*SETUP;
    let a = c.classify(cmd);
    let d = a.verdict(policy, Environment::Prod).decision();
    if !cmd.trim().is_empty() && recourse_shell::syntax::parse(cmd).is_ok() {
        // A leading space: a script starting with `-` or `+` would be read as an option.
        let wrapped = format!("sh -c ' {}'", cmd.replace('\'', r"'\''"));
        let w = c.classify(&wrapped).verdict(policy, Environment::Prod).decision();
        assert!(w >= d, "{wrapped:?} = {w} < {cmd:?} = {d}");
    }
});
