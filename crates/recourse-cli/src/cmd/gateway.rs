//! `recourse gateway serve` and `recourse gateway doctor`.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Subcommand};
use recourse_exec::{Gateway, GatewayConfig};
use recourse_policy::Environment;

use crate::args::{PolicyFileArg, StateDirArg, load_policy, this_binary_helper};
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum GatewayCommand {
    /// Serve the gateway's MCP tools over stdio (stdout carries only the protocol; logs go to
    /// stderr).
    Serve(ServeArgs),
    /// Self-test a real gateway with this environment and policy (≥ 40 checks); exit 1 on any
    /// critical failure, 2 if the policy does not load.
    Doctor {
        /// Environment: dev, staging or prod.
        #[arg(short, long, value_name = "ENV")]
        env: Environment,
        #[command(flatten)]
        policy: PolicyFileArg,
        /// JSON output: {environment, summary, results}.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Environment this gateway serves: dev, staging or prod.
    #[arg(short, long, value_name = "ENV")]
    pub env: Environment,
    #[command(flatten)]
    pub policy: PolicyFileArg,
    #[command(flatten)]
    pub state: StateDirArg,
    /// The agent's identity (its own approvals are refused).
    #[arg(long, default_value = "agent", env = "RECOURSE_AGENT_ID")]
    pub agent_id: String,
    /// terraform binary.
    #[arg(long, default_value = "terraform", env = "RECOURSE_TERRAFORM")]
    pub terraform: PathBuf,
    /// Extra `terraform init` argument (repeatable), e.g. -plugin-dir=DIR for offline use.
    #[arg(
        long = "terraform-init-arg",
        value_name = "ARG",
        allow_hyphen_values = true
    )]
    pub terraform_init_args: Vec<String>,
    /// kubectl binary.
    #[arg(long, default_value = "kubectl", env = "RECOURSE_KUBECTL")]
    pub kubectl: PathBuf,
    /// kubeconfig for kubectl (never taken from the agent).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// kube context for kubectl (never taken from the agent).
    #[arg(long, value_name = "NAME")]
    pub kube_context: Option<String>,
    /// Log level on stderr: error, warn, info, debug, trace.
    #[arg(long, default_value = "info", env = "RECOURSE_LOG")]
    pub log_level: tracing::Level,
}

/// The gateway configuration for `serve` (and `doctor`) from command-line arguments.
pub fn config(args: &ServeArgs) -> Result<GatewayConfig, CliError> {
    let policy = load_policy(args.policy.policy.as_deref())?;
    let mut cfg = GatewayConfig::new(
        args.state.resolve(),
        args.env,
        policy,
        this_binary_helper()?,
    );
    cfg.policy_source = args
        .policy
        .policy
        .as_deref()
        .map_or_else(|| "built-in default".into(), |p| p.display().to_string());
    cfg.policy_path = args
        .policy
        .policy
        .as_ref()
        .and_then(|p| p.canonicalize().ok());
    cfg.agent_id = args.agent_id.clone();
    cfg.terraform_bin = args.terraform.clone();
    cfg.terraform_init_args = args.terraform_init_args.clone();
    cfg.kubectl_bin = args.kubectl.clone();
    cfg.kubeconfig = args.kubeconfig.clone();
    cfg.kube_context = args.kube_context.clone();
    Ok(cfg)
}

pub fn run(cmd: GatewayCommand) -> Result<(), CliError> {
    let args = match cmd {
        GatewayCommand::Serve(args) => args,
        GatewayCommand::Doctor { env, policy, json } => {
            let source = policy
                .policy
                .as_deref()
                .map_or_else(|| "built-in default".into(), |p| p.display().to_string());
            let file = policy.policy.clone();
            let policy = load_policy(file.as_deref())?;
            return crate::doctor::run(env, policy, file, source, json);
        }
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(args.log_level)
        .with_ansi(false)
        .init();
    let cfg = config(&args)?;
    let state_dir = cfg.state_dir.clone();
    let gateway = Gateway::open(cfg).map_err(|e| CliError::Config(e.to_string()))?;
    tracing::info!(environment = %args.env, state_dir = %state_dir.display(), policy_sha256 = %gateway.policy_hash(), "recourse gateway serving MCP on stdio");
    let server = recourse_mcp::RecourseServer::new(Arc::new(gateway), args.agent_id.clone());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(CliError::Output)?;
    runtime
        .block_on(recourse_mcp::serve_stdio(server))
        .map_err(|e| CliError::BadInput(e.to_string()))?;
    tracing::info!("client disconnected; gateway stopped");
    Ok(())
}
