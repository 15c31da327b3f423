//! Gateway configuration.

use std::path::{Path, PathBuf};

use recourse_policy::{Environment, Policy};

use crate::run::sandbox::Helper;

/// A configuration that cannot work.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The state directory cannot be created or secured.
    #[error("state directory {path}: {source}")]
    StateDir {
        /// Path.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// An allowed path does not exist.
    #[error("shell allowed path {path}: {source}")]
    AllowedPath {
        /// Path.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// Shell commands could reach the gateway's own state.
    #[error(
        "shell allowed path {allowed} contains the state directory {state}: commands could tamper with plans, approvals and the audit log"
    )]
    StateInsideAllowedPath {
        /// The allowed path.
        allowed: PathBuf,
        /// The state dir.
        state: PathBuf,
    },
    /// The agent id is unusable.
    #[error("agent id must be non-empty printable text without spaces, got `{0}`")]
    AgentId(String),
    /// An allowed path that would hand sandboxed code the whole system or a home directory.
    #[error(
        "shell allowed path {path} is {why}: commands could read tokens and change start-up files there; allow a project directory instead"
    )]
    AllowedPathTooBroad {
        /// The path.
        path: PathBuf,
        /// What it is.
        why: &'static str,
    },
    /// A log id that cannot name a chain.
    #[error("log id must be 1 to 64 letters, digits or `.` `_` `-` `@` `:`, got `{0}`")]
    LogId(String),
    /// `--insecure-no-sandbox` in prod.
    #[error("--insecure-no-sandbox is for development only and is refused in prod")]
    InsecureInProd,
    /// The kubeconfig cannot be used.
    #[error("kubeconfig {path}: {detail}")]
    Kubeconfig {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// A runner's private directory cannot be prepared.
    #[error("runner directory {path}: {source}")]
    RunnerDir {
        /// The directory.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
}

/// Which of the gateway's environment variables a runner receives. Entries are exact names or
/// prefixes ending in `*`.
#[derive(Debug, Clone)]
pub struct RunnerEnv {
    /// Terraform (cloud credentials, `TF_*`).
    pub terraform: Vec<String>,
    /// kubectl (nothing by default: context and kubeconfig are passed as flags).
    pub kubectl: Vec<String>,
    /// Shell (nothing by default; never credentials).
    pub shell: Vec<String>,
}

impl Default for RunnerEnv {
    fn default() -> Self {
        RunnerEnv {
            terraform: [
                "AWS_*",
                "GOOGLE_*",
                "CLOUDSDK_*",
                "ARM_*",
                "AZURE_*",
                "TF_VAR_*",
                "SSL_CERT_FILE",
                "HTTPS_PROXY",
                "NO_PROXY",
            ]
            .map(String::from)
            .to_vec(),
            kubectl: Vec::new(),
            shell: Vec::new(),
        }
    }
}

impl RunnerEnv {
    /// The variables of `from` that `patterns` admit.
    pub fn select(patterns: &[String], from: &[(String, String)]) -> Vec<(String, String)> {
        from.iter()
            .filter(|(k, _)| {
                patterns.iter().any(|p| match p.strip_suffix('*') {
                    Some(prefix) => k.starts_with(prefix),
                    None => k == p,
                })
            })
            .cloned()
            .collect()
    }
}

/// Everything the gateway needs to run.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// State directory (created 0700): database, plan files, audit log.
    pub state_dir: PathBuf,
    /// The environment this gateway serves.
    pub environment: Environment,
    /// The effective policy.
    pub policy: Policy,
    /// Where the policy came from (for messages).
    pub policy_source: String,
    /// The policy file, if any (kept out of the shell's reach).
    pub policy_path: Option<PathBuf>,
    /// The agent's identity (approvals by this identity are refused).
    pub agent_id: String,
    /// terraform binary.
    pub terraform_bin: PathBuf,
    /// Directories holding the providers terraform may install (filesystem mirrors, e.g. a
    /// `-plugin-dir` layout); nothing else is installed unless a registry is listed.
    pub terraform_plugin_dirs: Vec<PathBuf>,
    /// Registry hosts terraform may download providers from (e.g. `registry.terraform.io`).
    pub terraform_registries: Vec<String>,
    /// Directories terraform tools may run in (their `cwd` must lie inside one); empty: the
    /// shell's allowed paths.
    pub terraform_roots: Vec<PathBuf>,
    /// kubectl binary.
    pub kubectl_bin: PathBuf,
    /// `--kubeconfig` for kubectl (never from the agent).
    pub kubeconfig: Option<PathBuf>,
    /// `--context` for kubectl (never from the agent).
    pub kube_context: Option<String>,
    /// Extra `kubectl apply` arguments set by the operator (never by the agent), e.g.
    /// `--server-side`.
    pub kubectl_apply_args: Vec<String>,
    /// Namespace for calls and manifest objects that name none.
    pub kube_default_namespace: String,
    /// Environment passed to runners.
    pub runner_env: RunnerEnv,
    /// The gateway's own environment (source for runner variables, and for redaction).
    pub base_env: Vec<(String, String)>,
    /// Directory relative shell allowed paths resolve against.
    pub base_dir: PathBuf,
    /// How to start the sandbox helper.
    pub sandbox: Helper,
    /// The bubblewrap binary.
    pub bwrap: PathBuf,
    /// When the gateway runs as root: the uid (and gid) sandboxed code runs as.
    pub sandbox_uid: u32,
    /// Development only (refused in prod): run without namespaces, audited on every call.
    pub insecure_no_sandbox: bool,
    /// Further files sandboxed code must never see (approver files, signing keys).
    pub deny_paths: Vec<PathBuf>,
    /// The approvers file (outside the state directory): whose signed decisions count. None,
    /// or a missing file: nobody's, so no escalation can be granted.
    pub approvers_path: Option<PathBuf>,
    /// The key that signs audit checkpoints (outside the state directory). None: no
    /// checkpoints are written.
    pub audit_key_path: Option<PathBuf>,
    /// Where plans, approvals and freezes are kept: the state directory's SQLite file (the
    /// default), or PostgreSQL shared by several replicas.
    pub store: crate::state::store::StoreConfig,
    /// This gateway's audit chain in a store that keeps chains (PostgreSQL): unique among the
    /// replicas (a second process with the same id is refused). Default: the host name.
    pub log_id: String,
    /// How long an apply waits for another apply of the same workspace to finish.
    pub apply_lock_wait: std::time::Duration,
}

/// The default log id: this machine's host name (`gateway` if it has none usable).
pub fn default_log_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| valid_log_id(h))
        .unwrap_or_else(|| "gateway".into())
}

/// Whether `id` can name an audit chain (it appears in every record and checkpoint origin).
pub fn valid_log_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@' | ':'))
}

/// System directories that may never be an allowed (writable) path.
const SYSTEM_ROOTS: &[&str] = &[
    "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/opt", "/proc", "/root", "/run",
    "/sbin", "/srv", "/sys", "/tmp", "/usr", "/var", "/var/tmp",
];

impl GatewayConfig {
    /// A configuration with defaults for everything but the essentials.
    pub fn new(
        state_dir: PathBuf,
        environment: Environment,
        policy: Policy,
        sandbox: Helper,
    ) -> Self {
        GatewayConfig {
            state_dir,
            environment,
            policy,
            policy_source: "built-in default".into(),
            policy_path: None,
            agent_id: "agent".into(),
            terraform_bin: PathBuf::from("terraform"),
            terraform_plugin_dirs: Vec::new(),
            terraform_registries: Vec::new(),
            terraform_roots: Vec::new(),
            kubectl_bin: PathBuf::from("kubectl"),
            kubeconfig: None,
            kube_context: None,
            kubectl_apply_args: Vec::new(),
            kube_default_namespace: "default".into(),
            runner_env: RunnerEnv::default(),
            base_env: std::env::vars().collect(),
            base_dir: std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
            sandbox,
            bwrap: PathBuf::from("bwrap"),
            sandbox_uid: 65534,
            insecure_no_sandbox: false,
            deny_paths: Vec::new(),
            approvers_path: None,
            audit_key_path: None,
            store: crate::state::store::StoreConfig::Sqlite,
            log_id: default_log_id(),
            apply_lock_wait: std::time::Duration::from_secs(600),
        }
    }

    /// The gateway user's home directory.
    pub fn home(&self) -> Option<PathBuf> {
        self.base_env
            .iter()
            .find(|(k, _)| k == "HOME")
            .map(|(_, v)| PathBuf::from(v))
            .or_else(|| std::env::var_os("HOME").map(PathBuf::from))
            .filter(|h| h.is_absolute())
    }

    /// The policy's allowed shell paths, resolved and canonicalized.
    pub fn allowed_paths(&self) -> Result<Vec<PathBuf>, ConfigError> {
        self.policy
            .shell
            .allowed_paths
            .iter()
            .map(|p| {
                let path = Path::new(p);
                let abs = if path.is_absolute() {
                    path.to_owned()
                } else {
                    self.base_dir.join(path)
                };
                abs.canonicalize()
                    .map_err(|source| ConfigError::AllowedPath { path: abs, source })
            })
            .collect()
    }

    /// Checks what can be checked before serving.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.agent_id.is_empty()
            || self
                .agent_id
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(ConfigError::AgentId(self.agent_id.clone()));
        }
        if !valid_log_id(&self.log_id) {
            return Err(ConfigError::LogId(self.log_id.clone()));
        }
        if self.insecure_no_sandbox && self.environment == Environment::Prod {
            return Err(ConfigError::InsecureInProd);
        }
        let state = self
            .state_dir
            .canonicalize()
            .unwrap_or_else(|_| self.state_dir.clone());
        let home = self.home().map(|h| h.canonicalize().unwrap_or(h));
        for allowed in self.allowed_paths()? {
            if state.starts_with(&allowed) {
                return Err(ConfigError::StateInsideAllowedPath { allowed, state });
            }
            let why = if allowed == Path::new("/") {
                Some("the root directory")
            } else if home.as_ref().is_some_and(|h| h.starts_with(&allowed)) {
                Some("the home directory or one of its ancestors")
            } else if SYSTEM_ROOTS.iter().any(|r| allowed == Path::new(r)) {
                Some("a system directory")
            } else {
                None
            };
            if let Some(why) = why {
                return Err(ConfigError::AllowedPathTooBroad { path: allowed, why });
            }
        }
        Ok(())
    }
}
