//! Audit: the chain verifies, and a gateway that cannot write it runs nothing.

use recourse_exec::{Caller, Status, ToolCall};

use super::{Outcome, Suite, critical};
use crate::doctor::fixture::{AGENT, Fixture};

pub(crate) const SUITE: Suite = Suite {
    name: "audit",
    checks: &[
        critical("audit chain verifies", chain_verifies),
        critical(
            "audit append failure refuses execution",
            append_failure_refuses,
        ),
    ],
};

fn chain_verifies(f: &Fixture) -> Outcome {
    let anchor = f
        .control()
        .ok()
        .and_then(|c| c.audit_anchor().ok().flatten());
    let log = recourse_exec::audit::AuditLog::new(recourse_exec::audit_path(&f.state()));
    match log.verify(anchor) {
        Ok(v) => Outcome::new(v.records > 20, format!("{} records", v.records)),
        Err(e) => Outcome::new(false, e.to_string()),
    }
}

fn append_failure_refuses(f: &Fixture) -> Outcome {
    let g = match f.second_gateway("state-broken-audit") {
        Ok(g) => g,
        Err(e) => return Outcome::setup_failed(e),
    };
    let path = recourse_exec::audit_path(&f.dir.join("state-broken-audit"));
    if let Err(e) = std::fs::remove_file(&path).and_then(|()| std::fs::create_dir(&path)) {
        return Outcome::setup_failed(e);
    }
    // A read-only command runs under every policy; with no audit log it must not.
    let r = g.handle(
        ToolCall::ShellExec {
            command: "pwd".into(),
            cwd: None,
            timeout: None,
            approval_id: None,
        },
        &Caller::agent(AGENT),
    );
    let refused = r.status == Status::Refused
        && r.output.is_none()
        && r.reasons
            .iter()
            .any(|x| x.rule.as_str() == "audit.append_failed");
    Outcome::new(refused, format!("{:?}: {}", r.status, r.message))
}
