//! The operator's trust setup: an approvers file nobody else can write, with at least one
//! registered approver, and an audit signing key nobody else can read.

use super::{Outcome, Suite, critical};
use crate::doctor::fixture::Fixture;

pub(crate) const SUITE: Suite = Suite {
    name: "approvers and keys",
    checks: &[
        critical(
            "approvers file present and not writable by others",
            approvers_file,
        ),
        critical("audit signing key present and private", audit_key),
    ],
};

fn approvers_file(f: &Fixture) -> Outcome {
    let path = &f.operator.approvers;
    if !path.exists() {
        return Outcome::new(
            false,
            format!(
                "{} is missing: no escalation could ever be approved (run `recourse setup`, or `recourse approvers add`)",
                path.display()
            ),
        );
    }
    if let Err(e) = recourse_exec::trust::check_mode(path, false) {
        return Outcome::new(false, e.to_string());
    }
    match recourse_exec::trust::load_approvers(Some(path)) {
        Ok(a) if a.approvers.is_empty() => {
            Outcome::new(false, format!("{} registers no approver", path.display()))
        }
        Ok(a) => Outcome::new(
            true,
            format!(
                "{} registers {} approver(s)",
                path.display(),
                a.approvers.len()
            ),
        ),
        Err(e) => Outcome::new(false, e.to_string()),
    }
}

fn audit_key(f: &Fixture) -> Outcome {
    let Some(path) = &f.operator.audit_key else {
        return Outcome::new(
            false,
            "no audit key: the audit log would not be checkpointed (run `recourse setup`, or `recourse audit keygen` and pass --audit-key)",
        );
    };
    match recourse_exec::trust::read_secret_key(path) {
        Ok(k) => Outcome::new(
            true,
            format!("{} (public key {})", path.display(), k.public()),
        ),
        Err(e) => Outcome::new(false, e.to_string()),
    }
}
