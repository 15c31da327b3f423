//! What the checks run against: a real gateway in a temporary state directory, configured by
//! the same function as `gateway serve`, behind the real MCP server, with stand-ins for
//! terraform and kubectl that never touch infrastructure (every check is decided by the gate
//! before a real binary would run). Seeded plans go through the same store API the gateway
//! uses.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use recourse_exec::store::Store;
use recourse_exec::{ControlPlane, Gateway};
use recourse_mcp::RecourseServer;
use recourse_plan::{PlanId, PlanRecord, PlanStatus, Timestamp};
use recourse_policy::{Decision, Digest, Environment, Policy, Reason, Verdict};
use serde_json::{Value, json};

use super::client::McpClient;
use crate::args::{PolicyFileArg, StateDirArg};
use crate::cmd::gateway::{
    HttpArgs, KubeIdentityArgs, KubectlTools, SandboxArgs, ServeArgs, config,
};

/// The agent identity the doctor's client acts as.
pub(crate) const AGENT: &str = "doctor-agent";

const FAKE_TERRAFORM: &str = "#!/bin/sh\ncase \"$1 $2\" in\n  'workspace show') echo default ;;\n  'state pull') echo '{}' ;;\n  *) echo \"doctor stand-in: terraform $* not run\" >&2; exit 3 ;;\nesac\n";
const DOCTOR_KUBECONFIG: &str =
    "apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n";
/// The stand-in kubectl answers what the gateway asks on its own behalf — discovery (a small
/// cluster: core types, apps, RBAC, CRDs) and its identity (scoped, not cluster-admin) — and one
/// read of a Secret whose value must never reach the agent ([`DOCTOR_SECRET_VALUE`]); it runs
/// nothing else.
const FAKE_KUBECTL: &str = r#"#!/bin/sh
for a in "$@"; do
  case "$a" in --kubeconfig=*|--cache-dir=*|--context=*) shift ;; *) break ;; esac
done
r() { printf '{"name":"%s","singularName":"%s","namespaced":%s,"group":"%s","version":"v1","kind":"%s","shortNames":[%s],"verbs":["get","list","create","delete"]}' "$@"; }
case "$1 $2" in
  'api-resources --output=json')
    printf '{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"","resources":['
    r pods pod true '' Pod '"po"'; printf ,
    r configmaps configmap true '' ConfigMap '"cm"'; printf ,
    r secrets secret true '' Secret ''; printf ,
    r namespaces namespace false '' Namespace '"ns"'; printf ,
    r nodes node false '' Node '"no"'; printf ,
    r deployments deployment true apps Deployment '"deploy"'; printf ,
    r clusterrolebindings clusterrolebinding false rbac.authorization.k8s.io ClusterRoleBinding ''; printf ,
    r customresourcedefinitions customresourcedefinition false apiextensions.k8s.io CustomResourceDefinition '"crd","crds"'
    printf ']}
' ;;
  'auth can-i')
    printf 'Resources          Non-Resource URLs   Resource Names   Verbs
pods               []                  []               [get list watch]
deployments.apps   []                  []               [get list patch]
' ;;
  'get secrets.v1.')
    printf 'apiVersion: v1
kind: Secret
metadata: {name: db, namespace: default}
type: Opaque
data: {conn: ZG9jdG9yLWNsZWFyLXZhbHVl}
' ;;
  *) echo "doctor stand-in: kubectl $* not run" >&2; exit 3 ;;
esac
"#;

/// The value of the stand-in's Secret (base64 of `doctor-clear-value`), under a key no
/// name-based redaction would recognise.
pub(crate) const DOCTOR_SECRET_VALUE: &str = "ZG9jdG9yLWNsZWFyLXZhbHVl";

pub(crate) struct Fixture {
    pub(crate) env: Environment,
    pub(crate) policy: Policy,
    pub(crate) policy_file: Option<PathBuf>,
    pub(crate) policy_source: String,
    pub(crate) dir: PathBuf,
    pub(crate) gateway: Arc<Gateway>,
    pub(crate) mcp: McpClient,
    sandbox: SandboxArgs,
    /// The operator's own trust files (checked by the trust suite) and kube identity.
    pub(crate) operator: super::Operator,
    /// The fixture's approvers file, and the keys of its human and its agent.
    approvers: PathBuf,
    human_key: recourse_plan::SecretKey,
    agent_key: recourse_plan::SecretKey,
}

fn write_exec(path: &Path, body: &str) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, body)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
}

fn random_name() -> String {
    recourse_exec::new_id_bytes()
        .map(|b| b.iter().map(|x| format!("{x:02x}")).collect())
        .unwrap_or_else(|_| std::process::id().to_string())
}

impl Fixture {
    pub(crate) fn new(
        env: Environment,
        policy: Policy,
        policy_file: Option<PathBuf>,
        policy_source: String,
        sandbox: SandboxArgs,
        operator: super::Operator,
    ) -> Result<Fixture, String> {
        let dir = std::env::temp_dir().join(format!("recourse-doctor-{}", random_name()));
        let setup = || -> std::io::Result<PathBuf> {
            std::fs::create_dir_all(dir.join("work"))?;
            std::fs::create_dir_all(dir.join("infra"))?;
            write_exec(&dir.join("fake-terraform"), FAKE_TERRAFORM)?;
            write_exec(&dir.join("fake-kubectl"), FAKE_KUBECTL)?;
            std::fs::write(dir.join("kubeconfig"), DOCTOR_KUBECONFIG)?;
            dir.canonicalize()
        };
        let dir = setup().map_err(|e| format!("doctor setup: {e}"))?;
        // The fixture's own trust: a human approver, the agent registered too (so that its own
        // decision is refused by the rules, not for lack of a key), and an audit key.
        let key = || recourse_exec::trust::generate_key().map_err(|e| e.to_string());
        let (human_key, agent_key, audit_key) = (key()?, key()?, key()?);
        let approvers = dir.join("approvers.yaml");
        for (name, k) in [("doctor-human", &human_key), (AGENT, &agent_key)] {
            recourse_exec::trust::add_approver(
                &approvers,
                recourse_plan::Registration {
                    name: name.into(),
                    public_key: k.public(),
                    groups: Vec::new(),
                    on_behalf: false,
                },
            )
            .map_err(|e| e.to_string())?;
        }
        recourse_exec::trust::write_new_secret_key(&dir.join("audit.key"), &audit_key)
            .map_err(|e| e.to_string())?;
        let gateway = Arc::new(open_gateway(
            &dir,
            "state",
            env,
            &policy,
            policy_file.as_deref(),
            &sandbox,
            None,
        )?);
        let server = RecourseServer::new(Arc::clone(&gateway), AGENT.into());
        let mcp = McpClient::connect(server)
            .map_err(|e| format!("doctor: in-process MCP connection failed: {e}"))?;
        Ok(Fixture {
            env,
            policy,
            policy_file,
            policy_source,
            dir,
            gateway,
            mcp,
            sandbox,
            operator,
            approvers,
            human_key,
            agent_key,
        })
    }

    pub(crate) fn state(&self) -> PathBuf {
        self.dir.join("state")
    }

    pub(crate) fn call(&self, tool: &str, args: Value) -> Value {
        self.mcp.call(tool, args)
    }

    pub(crate) fn shell(&self, command: &str) -> Value {
        self.call("gateway_shell_exec", json!({"command": command}))
    }

    /// Another gateway on a state directory of its own (for checks that break something).
    pub(crate) fn second_gateway(&self, name: &str) -> Result<Gateway, String> {
        open_gateway(
            &self.dir,
            name,
            self.env,
            &self.policy,
            self.policy_file.as_deref(),
            &self.sandbox,
            None,
        )
    }

    /// A gateway with the kubectl and kubeconfig `serve` would use (found as `serve` finds
    /// them), to ask its identity; `None` when no kubeconfig is found (kubectl tools off).
    pub(crate) fn serve_kube_gateway(&self) -> Result<Option<Gateway>, String> {
        let gw = open_gateway(
            &self.dir,
            "kube-identity",
            self.env,
            &self.policy,
            self.policy_file.as_deref(),
            &self.sandbox,
            Some(&self.operator.kube),
        )?;
        Ok(gw.config().kubeconfig.is_some().then_some(gw))
    }

    /// The policy under test as the doctor's gateway runs it (allowed paths in the scratch
    /// folder).
    pub(crate) fn effective_policy(&self) -> Policy {
        effective(&self.dir, &self.policy)
    }

    /// A stored plan with a given verdict and its (stand-in) plan file.
    pub(crate) fn seed_plan(
        &self,
        d: Decision,
        status: PlanStatus,
        ttl: i64,
        workspace: &str,
    ) -> Result<PlanId, String> {
        let id = PlanId::from_bytes(recourse_exec::new_id_bytes().map_err(|e| e.to_string())?);
        let body = format!("doctor plan {id}");
        let file = self.state().join("plans").join(format!("{id}.tfplan"));
        std::fs::write(&file, &body).map_err(|e| e.to_string())?;
        let now = recourse_exec::system_now();
        let rec = PlanRecord {
            id,
            plan_file_sha256: Digest::of(body.as_bytes()),
            plan_digest: Digest::of(id.to_string().as_bytes()),
            workspace: workspace.into(),
            environment: self.env,
            cwd: self.dir.join("infra").display().to_string(),
            args: vec![],
            destroy: false,
            lineage: None,
            serial: None,
            policy_hash: self.gateway.policy_hash(),
            created_at: now,
            expires_at: if ttl >= 0 {
                now.plus(ttl.unsigned_abs())
            } else {
                Timestamp(now.0.saturating_sub(ttl.unsigned_abs()))
            },
            verdict: Verdict::from_reasons(vec![Reason::new(d, "doctor", "seeded verdict")]),
            status,
            requester: AGENT.into(),
            requester_issuer: None,
            config: Default::default(),
            findings: Vec::new(),
        };
        Store::open(&recourse_exec::db_path(&self.state()))
            .and_then(|s| s.insert_plan(&rec))
            .map_err(|e| e.to_string())?;
        Ok(id)
    }

    pub(crate) fn control(&self) -> Result<ControlPlane, String> {
        ControlPlane::open(&self.state(), Some(&self.approvers)).map_err(|e| e.to_string())
    }

    /// A registered key decides (`agent`: the agent's own key).
    pub(crate) fn decide_with(&self, agent: bool, id: &str, approve: bool) -> Result<(), String> {
        let id = id
            .parse()
            .map_err(|e: recourse_plan::InvalidId| e.to_string())?;
        let key = if agent {
            &self.agent_key
        } else {
            &self.human_key
        };
        let choice = if approve {
            recourse_plan::Choice::Approve
        } else {
            recourse_plan::Choice::Reject
        };
        self.control()?
            .decide(id, key, choice, "doctor check", recourse_exec::system_now())
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// A human other than the agent decides.
    pub(crate) fn human(&self, id: &str, approve: bool) -> Result<(), String> {
        self.decide_with(false, id, approve)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.dir) {
            tracing::debug!(error = %e, "doctor scratch folder not removed");
        }
    }
}

/// The policy under test, with its shell allowed paths pointed at the doctor's scratch folder.
fn effective(dir: &Path, policy: &Policy) -> Policy {
    let mut policy = policy.clone();
    policy.shell.allowed_paths = vec![dir.join("work").display().to_string()];
    policy
}

/// A gateway configured exactly as `gateway serve` would be, pointed at the scratch folder;
/// with the stand-in kubectl, or with `kube` (the operator's) when given.
fn open_gateway(
    dir: &Path,
    name: &str,
    env: Environment,
    policy: &Policy,
    policy_file: Option<&Path>,
    sandbox: &SandboxArgs,
    kube: Option<&KubeIdentityArgs>,
) -> Result<Gateway, String> {
    let args = ServeArgs {
        env,
        policy: PolicyFileArg {
            policy: policy_file.map(Path::to_owned),
        },
        // The doctor's own scratch gateway: always the embedded store.
        state: StateDirArg {
            state_dir: Some(dir.join(name)),
            store: None,
            store_password_file: None,
        },
        agent_id: AGENT.into(),
        log_id: None,
        terraform: dir.join("fake-terraform"),
        terraform_plugin_dirs: Vec::new(),
        terraform_registries: Vec::new(),
        terraform_roots: vec![dir.join("infra")],
        kubectl: kube.map_or_else(|| dir.join("fake-kubectl"), |k| k.kubectl.clone()),
        kubeconfig: match kube {
            Some(k) => k.kubeconfig.clone(),
            None => Some(dir.join("kubeconfig")),
        },
        kubectl_tools: if kube.is_some() {
            KubectlTools::Auto
        } else {
            KubectlTools::On
        },
        kube_context: kube.and_then(|k| k.kube_context.clone()),
        sandbox: sandbox.clone(),
        approvers: crate::args::ApproversArg {
            approvers: Some(dir.join("approvers.yaml")),
        },
        audit_key: crate::args::AuditKeyArg {
            audit_key: Some(dir.join("audit.key")),
        },
        http: HttpArgs::stdio(),
        log_level: tracing::Level::INFO,
    };
    let mut cfg = config(&args).map_err(|e| e.to_string())?;
    cfg.policy = effective(dir, policy);
    cfg.base_env = vec![("AWS_SECRET_ACCESS_KEY".into(), "doctor-secret-value".into())];
    Gateway::open(cfg).map_err(|e| e.to_string())
}
