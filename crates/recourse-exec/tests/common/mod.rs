//! A gateway in a temporary state directory, with a temporary allowed path, the real sandbox
//! helper, and a fake "gateway environment" holding credentials that must never leak.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use recourse_exec::sandbox::Helper;
use recourse_exec::{Caller, ControlPlane, Gateway, GatewayConfig, Response, Status, ToolCall};
use recourse_plan::{ApprovalId, Channel};
use recourse_policy::{Environment, Policy};

pub const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRETzz";
pub const ACCESS_KEY: &str = "AKIAZZZZZZZZZZZZZZZZ";
pub const KUBECONFIG: &str = "/etc/kube/admin-credentials.conf";

pub struct Harness {
    pub dir: tempfile::TempDir,
    pub gw: Gateway,
    pub caller: Caller,
}

impl Harness {
    pub fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }
    pub fn work(&self) -> PathBuf {
        self.dir.path().join("work").canonicalize().unwrap()
    }
    pub fn call(&self, call: ToolCall) -> Response {
        self.gw.handle(call, &self.caller)
    }
    pub fn shell(&self, command: &str) -> Response {
        self.call(ToolCall::ShellExec {
            command: command.into(),
            cwd: None,
            timeout: None,
            approval_id: None,
        })
    }
    pub fn shell_approved(&self, command: &str, id: ApprovalId) -> Response {
        self.call(ToolCall::ShellExec {
            command: command.into(),
            cwd: None,
            timeout: None,
            approval_id: Some(id.to_string()),
        })
    }
    pub fn control(&self) -> ControlPlane {
        ControlPlane::open(&self.state()).unwrap()
    }
    /// A human other than the agent approves.
    pub fn approve(&self, id: ApprovalId) {
        self.control()
            .resolve(
                id,
                "alice",
                "reviewed",
                Channel::Cli,
                true,
                recourse_exec::system_now(),
            )
            .unwrap();
    }
    pub fn verify_audit(&self) -> u64 {
        let cp = self.control();
        let log = recourse_exec::audit::AuditLog::new(recourse_exec::audit_path(&self.state()));
        log.verify(cp.audit_anchor().unwrap())
            .unwrap_or_else(|e| panic!("audit chain: {e}"))
            .records
    }
    pub fn audit_events(&self) -> Vec<String> {
        recourse_exec::audit::AuditLog::new(recourse_exec::audit_path(&self.state()))
            .tail(100_000)
            .unwrap()
            .into_iter()
            .map(|v| v["event"].as_str().unwrap_or("").to_owned())
            .collect()
    }
}

pub fn sandbox_helper() -> Helper {
    Helper {
        program: PathBuf::from(env!("CARGO_BIN_EXE_recourse-sandbox")),
        prefix: vec![],
    }
}

pub fn fake_gateway_env() -> Vec<(String, String)> {
    vec![
        ("PATH".into(), "/usr/bin:/bin".into()),
        ("AWS_SECRET_ACCESS_KEY".into(), SECRET_KEY.into()),
        ("AWS_ACCESS_KEY_ID".into(), ACCESS_KEY.into()),
        ("KUBECONFIG".into(), KUBECONFIG.into()),
        (
            "GITHUB_TOKEN".into(),
            "ghp_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz".into(),
        ),
    ]
}

pub fn harness_with(
    env: Environment,
    mut policy: Policy,
    tweak: impl FnOnce(&mut GatewayConfig),
) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    recourse_testkit::give_to_sandbox(&work);
    policy.shell.allowed_paths = vec![work.display().to_string()];
    let mut cfg = GatewayConfig::new(dir.path().join("state"), env, policy, sandbox_helper());
    cfg.base_env = fake_gateway_env();
    cfg.agent_id = "agent-7".into();
    tweak(&mut cfg);
    let gw = Gateway::open(cfg).unwrap();
    Harness {
        dir,
        gw,
        caller: Caller::agent("agent-7"),
    }
}

pub fn harness(env: Environment) -> Harness {
    harness_with(env, Policy::default(), |_| {})
}

pub fn stdout(r: &Response) -> String {
    r.output
        .as_ref()
        .map(|o| o.stdout.clone())
        .unwrap_or_default()
}

pub fn assert_executed(r: &Response) {
    assert_eq!(r.status, Status::Executed, "{r:#?}");
}

pub fn exists(p: &Path) -> bool {
    p.exists()
}
