//! A gateway in a temporary state directory, with a temporary allowed path, the real sandbox
//! helper, and a fake "gateway environment" holding credentials that must never leak.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use recourse_exec::sandbox::Helper;
use recourse_exec::{Caller, ControlPlane, Gateway, GatewayConfig, Response, Status, ToolCall};
use recourse_plan::{ApprovalId, Choice, SecretKey};
use recourse_policy::{Environment, Policy};

pub const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRETzz";
pub const ACCESS_KEY: &str = "AKIAZZZZZZZZZZZZZZZZ";
pub const KUBECONFIG: &str = "/etc/kube/admin-credentials.conf";

pub struct Harness {
    pub dir: tempfile::TempDir,
    pub gw: Gateway,
    pub caller: Caller,
    /// A registered human approver's key (alice), and the agent's own registered key.
    pub alice: SecretKey,
    pub agent_key: SecretKey,
}

/// The keys of the test approvers: alice (a human) and agent-7 (the agent itself, registered
/// so that its own approval is refused by the rules, not for lack of a key).
pub fn test_keys() -> (SecretKey, SecretKey) {
    (
        SecretKey::from_seed([11; 32]),
        SecretKey::from_seed([12; 32]),
    )
}

/// Writes the test approvers file and returns its path.
pub fn approvers_file(dir: &Path) -> PathBuf {
    let path = dir.join("approvers.yaml");
    let (alice, agent) = test_keys();
    for (name, k) in [("alice", &alice), ("agent-7", &agent)] {
        recourse_exec::trust::add_approver(
            &path,
            recourse_plan::Registration {
                name: name.into(),
                public_key: k.public(),
                groups: vec!["sre".into()],
                on_behalf: false,
            },
        )
        .unwrap();
    }
    path
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
        ControlPlane::open(&self.state(), Some(&self.dir.path().join("approvers.yaml"))).unwrap()
    }
    /// A human other than the agent approves (signed with alice's key).
    pub fn approve(&self, id: ApprovalId) {
        self.control()
            .decide(
                id,
                &self.alice,
                Choice::Approve,
                "reviewed",
                recourse_exec::system_now(),
            )
            .unwrap();
    }
    /// The agent tries to approve its own request with its own registered key.
    pub fn self_approve(&self, id: ApprovalId) -> Result<(), String> {
        self.control()
            .decide(
                id,
                &self.agent_key,
                Choice::Approve,
                "mine",
                recourse_exec::system_now(),
            )
            .map(|_| ())
            .map_err(|e| e.to_string())
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
    cfg.approvers_path = Some(approvers_file(dir.path()));
    tweak(&mut cfg);
    let gw = Gateway::open(cfg).unwrap();
    let (alice, agent_key) = test_keys();
    Harness {
        dir,
        gw,
        caller: Caller::agent("agent-7"),
        alice,
        agent_key,
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
