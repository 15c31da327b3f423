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
                "TF_CLI_CONFIG_FILE",
                "TF_PLUGIN_CACHE_DIR",
                "TF_DATA_DIR",
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
    /// Extra `terraform init` arguments (e.g. `-plugin-dir=…` for offline use).
    pub terraform_init_args: Vec<String>,
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
    /// How to start the shell sandbox helper.
    pub sandbox: Helper,
}

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
            terraform_init_args: Vec::new(),
            kubectl_bin: PathBuf::from("kubectl"),
            kubeconfig: None,
            kube_context: None,
            kubectl_apply_args: Vec::new(),
            kube_default_namespace: "default".into(),
            runner_env: RunnerEnv::default(),
            base_env: std::env::vars().collect(),
            base_dir: std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
            sandbox,
        }
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
        let state = self
            .state_dir
            .canonicalize()
            .unwrap_or_else(|_| self.state_dir.clone());
        for allowed in self.allowed_paths()? {
            if state.starts_with(&allowed) {
                return Err(ConfigError::StateInsideAllowedPath { allowed, state });
            }
        }
        Ok(())
    }
}
