//! The doctor's checks, one table per suite. A check is a name, whether it is critical, and a
//! function of the fixture that says whether the gateway behaved as the security property
//! requires under the policy being checked.

pub(crate) mod approvals;
pub(crate) mod audit;
pub(crate) mod exposure;
pub(crate) mod kubectl;
pub(crate) mod policy;
pub(crate) mod sandbox;
pub(crate) mod shell;
pub(crate) mod terraform;
pub(crate) mod trust;

use super::fixture::Fixture;

/// What a check found.
pub(crate) struct Outcome {
    pub(crate) passed: bool,
    /// Passed, with something the operator should fix.
    pub(crate) warning: bool,
    pub(crate) message: String,
}

impl Outcome {
    pub(crate) fn new(passed: bool, message: impl Into<String>) -> Outcome {
        Outcome {
            passed,
            warning: false,
            message: message.into(),
        }
    }

    /// Passes, but the report says what to fix.
    pub(crate) fn warn(message: impl Into<String>) -> Outcome {
        Outcome {
            passed: true,
            warning: true,
            message: message.into(),
        }
    }

    /// The check could not be set up: it fails, saying why.
    pub(crate) fn setup_failed(e: impl std::fmt::Display) -> Outcome {
        Outcome::new(false, format!("setup failed: {e}"))
    }
}

/// What a check does.
#[derive(Clone, Copy)]
pub(crate) enum Probe {
    /// A function of the fixture.
    Fn(fn(&Fixture) -> Outcome),
    /// A shell command that must be blocked.
    ShellBlocks(&'static str),
}

/// One check.
pub(crate) struct Check {
    pub(crate) name: &'static str,
    /// A failure makes `doctor` exit 1; an advisory one does not.
    pub(crate) critical: bool,
    pub(crate) probe: Probe,
}

impl Check {
    pub(crate) fn run(&self, f: &Fixture) -> Outcome {
        match self.probe {
            Probe::Fn(run) => run(f),
            Probe::ShellBlocks(cmd) => shell::blocks(f, cmd),
        }
    }
}

/// A named group of checks.
pub(crate) struct Suite {
    pub(crate) name: &'static str,
    pub(crate) checks: &'static [Check],
}

/// Every suite, in report order.
pub(crate) const SUITES: &[Suite] = &[
    exposure::SUITE,
    terraform::ENFORCEMENT,
    terraform::LIFECYCLE,
    kubectl::SUITE,
    shell::SUITE,
    sandbox::SUITE,
    policy::SUITE,
    approvals::SUITE,
    audit::SUITE,
    trust::SUITE,
];

/// A critical check.
pub(crate) const fn critical(name: &'static str, run: fn(&Fixture) -> Outcome) -> Check {
    Check {
        name,
        critical: true,
        probe: Probe::Fn(run),
    }
}

/// An advisory check (reported, but not a failure of `doctor`).
pub(crate) const fn advisory(name: &'static str, run: fn(&Fixture) -> Outcome) -> Check {
    Check {
        name,
        critical: false,
        probe: Probe::Fn(run),
    }
}
