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
    /// stderr), or with --http over streamable HTTP with bearer-token authentication.
    Serve(Box<ServeArgs>),
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
        #[command(flatten)]
        sandbox: SandboxArgs,
        #[command(flatten)]
        approvers: crate::args::ApproversArg,
        #[command(flatten)]
        audit_key: crate::args::AuditKeyArg,
        #[command(flatten)]
        kube: KubeIdentityArgs,
    },
}

/// The kube identity `doctor` checks: the one `serve` would run kubectl with (the agent
/// inherits whatever it may do).
#[derive(Debug, Clone, Args)]
pub struct KubeIdentityArgs {
    /// kubectl binary, as for `serve`.
    #[arg(long, default_value = "kubectl", env = "RECOURSE_KUBECTL")]
    pub kubectl: PathBuf,
    /// kubeconfig whose identity is checked. Default as for `serve`: the first file of
    /// $KUBECONFIG, else ~/.kube/config if it exists.
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// kube context, as for `serve`.
    #[arg(long, value_name = "NAME")]
    pub kube_context: Option<String>,
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
    /// Directory of providers terraform may install (repeatable; a filesystem mirror, e.g. a
    /// `-plugin-dir` layout). Providers come only from these and --terraform-registry hosts.
    #[arg(long = "terraform-plugin-dir", value_name = "DIR")]
    pub terraform_plugin_dirs: Vec<PathBuf>,
    /// Registry host terraform may download providers from (repeatable), e.g.
    /// registry.terraform.io.
    #[arg(long = "terraform-registry", value_name = "HOST")]
    pub terraform_registries: Vec<String>,
    /// Directory terraform tools may run in (repeatable; `cwd` must lie inside one). Default:
    /// the shell's allowed paths.
    #[arg(long = "terraform-root", value_name = "DIR")]
    pub terraform_roots: Vec<PathBuf>,
    /// kubectl binary.
    #[arg(long, default_value = "kubectl", env = "RECOURSE_KUBECTL")]
    pub kubectl: PathBuf,
    /// kubeconfig for kubectl (never taken from the agent). Default: the first file of
    /// $KUBECONFIG, else ~/.kube/config if it exists.
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// kubectl tools: `auto` (on when a kubeconfig is found), `on` (a missing kubeconfig is a
    /// startup error) or `off`.
    #[arg(long, value_name = "MODE", default_value = "auto")]
    pub kubectl_tools: KubectlTools,
    /// kube context for kubectl (never taken from the agent).
    #[arg(long, value_name = "NAME")]
    pub kube_context: Option<String>,
    #[command(flatten)]
    pub sandbox: SandboxArgs,
    #[command(flatten)]
    pub approvers: crate::args::ApproversArg,
    #[command(flatten)]
    pub audit_key: crate::args::AuditKeyArg,
    #[command(flatten)]
    pub http: HttpArgs,
    /// Log level on stderr: error, warn, info, debug, trace.
    #[arg(long, default_value = "info", env = "RECOURSE_LOG")]
    pub log_level: tracing::Level,
}

/// Streamable HTTP (`--http`): where, for whom, and with which limits.
#[derive(Debug, Clone, Args)]
pub struct HttpArgs {
    /// Serve MCP over streamable HTTP at http://ADDR/mcp instead of stdio (e.g. 127.0.0.1:8080;
    /// put a TLS-terminating proxy in front for anything but loopback).
    #[arg(long, value_name = "ADDR")]
    pub http: Option<std::net::SocketAddr>,
    /// The URL clients reach the gateway at, without path (e.g. https://gateway.example.com
    /// behind a proxy). Default: http://ADDR.
    #[arg(long, value_name = "URL", requires = "http")]
    pub public_url: Option<String>,
    /// The issuer's signing keys: a JWKS file (reread when a token names an unknown key) or an
    /// https:// URL.
    #[arg(long, value_name = "FILE|URL", requires = "http")]
    pub auth_jwks: Option<String>,
    /// The token issuer (`iss`) accepted; also advertised as the authorization server.
    #[arg(long, value_name = "ISS", requires = "http")]
    pub auth_issuer: Option<String>,
    /// An accepted token audience (`aud`), repeatable. Default: the public URL and its /mcp
    /// endpoint (the MCP resource indicator).
    #[arg(long = "auth-audience", value_name = "AUD", requires = "http")]
    pub auth_audiences: Vec<String>,
    /// A scope every token must carry (repeatable); tokens without it get 403
    /// insufficient_scope.
    #[arg(long = "auth-required-scope", value_name = "SCOPE", requires = "http")]
    pub auth_required_scopes: Vec<String>,
    /// The token claim that lists the principal's groups.
    #[arg(long, value_name = "CLAIM", default_value = "groups")]
    pub auth_groups_claim: String,
    /// Clock skew tolerated for exp and nbf, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub auth_leeway: u64,
    /// Development only: no authentication, every request acts as --agent-id. Accepted only on
    /// a loopback address; logged and recorded in the audit log.
    #[arg(long, requires = "http", conflicts_with_all = ["auth_jwks", "auth_issuer"])]
    pub insecure_no_auth: bool,
    /// A Host header value accepted besides loopback names and the public URL's host
    /// (repeatable). Anything else is refused (DNS rebinding).
    #[arg(long = "allowed-host", value_name = "HOST", requires = "http")]
    pub allowed_hosts: Vec<String>,
    /// A browser Origin accepted besides the public URL's (repeatable), e.g.
    /// https://console.example.com.
    #[arg(long = "allowed-origin", value_name = "ORIGIN", requires = "http")]
    pub allowed_origins: Vec<String>,
    /// Largest request body in bytes (413 beyond).
    #[arg(long, value_name = "BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Requests per second each principal may make on average (0: no limit); 429 beyond.
    #[arg(long, value_name = "RPS", default_value_t = 50.0)]
    pub rate_limit: f64,
    /// Requests a principal may make in a burst.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub rate_burst: u32,
    /// Seconds a tool call may take before its request is answered with an error (the call
    /// runs on to its own limit and is recorded either way).
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    pub request_timeout: u64,
    /// How many proxies in front of the gateway append to X-Forwarded-For; only then is the
    /// header believed, that far.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub trusted_proxy_hops: usize,
    /// On SIGTERM: seconds calls in flight get to finish before they are killed (and recorded
    /// as killed).
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub shutdown_grace: u64,
}

impl HttpArgs {
    /// No `--http`: stdio, every HTTP setting at its command-line default (read from the
    /// argument definitions, so there is one place each default is written).
    pub fn stdio() -> HttpArgs {
        use clap::{Args as _, FromArgMatches as _};
        let cmd = HttpArgs::augment_args(clap::Command::new("serve"));
        cmd.try_get_matches_from(["serve"])
            .ok()
            .and_then(|m| HttpArgs::from_arg_matches(&m).ok())
            .unwrap_or_else(|| unreachable!("no argument is required"))
    }
}

/// How runners are sandboxed (shared by `serve` and `doctor`).
#[derive(Debug, Clone, Args)]
pub struct SandboxArgs {
    /// The bubblewrap binary every runner's sandbox is built with.
    #[arg(long, default_value = "bwrap", env = "RECOURSE_BWRAP")]
    pub bwrap: PathBuf,
    /// When the gateway runs as root: the unprivileged uid (and gid) sandboxed code runs as.
    #[arg(long, default_value_t = 65534, value_name = "UID")]
    pub sandbox_uid: u32,
    /// Development only: run commands without the sandbox's namespaces. Refused in prod;
    /// recorded on every call.
    #[arg(long)]
    pub insecure_no_sandbox: bool,
}

/// Whether the kubectl tools are served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KubectlTools {
    /// On when a kubeconfig is found.
    Auto,
    /// On; no kubeconfig is a startup error.
    On,
    /// Off: kubectl tools are refused.
    Off,
}

/// The kubeconfig kubectl gets: the flag, else the first file of $KUBECONFIG, else
/// ~/.kube/config if it exists. Resolved once, here.
fn kubeconfig(args: &ServeArgs) -> Result<Option<PathBuf>, CliError> {
    if args.kubectl_tools == KubectlTools::Off {
        return Ok(None);
    }
    let found = args.kubeconfig.clone().or_else(|| {
        std::env::var_os("KUBECONFIG")
            .and_then(|v| std::env::split_paths(&v).find(|p| !p.as_os_str().is_empty()))
            .or_else(|| {
                std::env::var_os("HOME")
                    .map(|h| PathBuf::from(h).join(".kube/config"))
                    .filter(|p| p.is_file())
            })
    });
    match (found, args.kubectl_tools) {
        (Some(p), _) => p
            .canonicalize()
            .map(Some)
            .map_err(|e| CliError::Config(format!("kubeconfig {}: {e}", p.display()))),
        (None, KubectlTools::On) => Err(CliError::Config(
            "--kubectl-tools on needs a kubeconfig: pass --kubeconfig FILE or set KUBECONFIG"
                .into(),
        )),
        (None, _) => Ok(None),
    }
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
    cfg.terraform_plugin_dirs = args
        .terraform_plugin_dirs
        .iter()
        .map(|d| {
            d.canonicalize().map_err(|e| {
                CliError::Config(format!("--terraform-plugin-dir {}: {e}", d.display()))
            })
        })
        .collect::<Result<_, _>>()?;
    cfg.terraform_registries = args.terraform_registries.clone();
    cfg.terraform_roots = args
        .terraform_roots
        .iter()
        .map(|d| {
            d.canonicalize()
                .map_err(|e| CliError::Config(format!("--terraform-root {}: {e}", d.display())))
        })
        .collect::<Result<_, _>>()?;
    cfg.kubectl_bin = args.kubectl.clone();
    cfg.kubeconfig = kubeconfig(args)?;
    cfg.kube_context = args.kube_context.clone();
    cfg.approvers_path = Some(args.approvers.resolve());
    cfg.audit_key_path = args.audit_key.resolve();
    cfg.bwrap = args.sandbox.bwrap.clone();
    cfg.sandbox_uid = args.sandbox.sandbox_uid;
    cfg.insecure_no_sandbox = args.sandbox.insecure_no_sandbox;
    Ok(cfg)
}

pub fn run(cmd: GatewayCommand) -> Result<(), CliError> {
    let args = match cmd {
        GatewayCommand::Serve(args) => args,
        GatewayCommand::Doctor {
            env,
            policy,
            json,
            sandbox,
            approvers,
            audit_key,
            kube,
        } => {
            let source = policy
                .policy
                .as_deref()
                .map_or_else(|| "built-in default".into(), |p| p.display().to_string());
            let file = policy.policy.clone();
            let policy = load_policy(file.as_deref())?;
            let operator = crate::doctor::Operator {
                approvers: approvers.resolve(),
                audit_key: audit_key.resolve(),
                kube,
            };
            return crate::doctor::run(env, policy, file, source, sandbox, operator, json);
        }
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(args.log_level)
        .with_ansi(false)
        .init();
    // HTTP settings (and the issuer's keys) are checked before anything is opened: a gateway
    // that would serve unauthenticated off loopback never starts.
    let http = match args.http.http {
        Some(listen) => Some(http_options(&args, listen)?),
        None => None,
    };
    let cfg = config(&args)?;
    let state_dir = cfg.state_dir.clone();
    let gateway = Gateway::open(cfg).map_err(|e| CliError::Config(e.to_string()))?;
    // Without a working sandbox nothing could run: say what is missing and stop.
    gateway.sandbox_status().map_err(CliError::Config)?;
    if args.sandbox.insecure_no_sandbox {
        tracing::warn!("--insecure-no-sandbox: commands run WITHOUT namespaces (development only)");
    }
    match &gateway.config().approvers_path {
        Some(p) if !p.exists() => {
            tracing::warn!(approvers = %p.display(), "no approvers file: no escalation can be approved (run `recourse setup`)")
        }
        _ => {}
    }
    if gateway.config().audit_key_path.is_none() {
        tracing::warn!(
            "no audit key: the audit log is not checkpointed (run `recourse setup` or pass --audit-key)"
        );
    }
    if gateway.config().kubeconfig.is_none() {
        tracing::info!("kubectl tools are off: no kubeconfig (--kubeconfig, KUBECONFIG)");
    }
    let gateway = Arc::new(gateway);
    if let Some(opts) = http {
        return serve_http(&args, opts, gateway);
    }
    tracing::info!(environment = %args.env, state_dir = %state_dir.display(), policy_sha256 = %gateway.policy_hash(), "recourse gateway serving MCP on stdio");
    let server = recourse_mcp::RecourseServer::new(Arc::clone(&gateway), args.agent_id.clone());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(CliError::Output)?;
    let served = runtime.block_on(async {
        tokio::select! {
            r = recourse_mcp::serve_stdio(server) => r.map_err(|e| CliError::BadInput(e.to_string())),
            signal = shutdown_signal() => {
                tracing::warn!(signal, "shutting down: killing in-flight jobs");
                Ok(())
            }
        }
    });
    // Whatever still runs is killed; each in-flight call records `executed` with
    // `killed: shutdown` before the process exits.
    gateway.shutdown(std::time::Duration::from_secs(10));
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    served?;
    tracing::info!("client disconnected; gateway stopped");
    Ok(())
}

/// The HTTP server's options from the command line; authentication is required unless
/// --insecure-no-auth (on loopback only).
fn http_options(
    args: &ServeArgs,
    listen: std::net::SocketAddr,
) -> Result<recourse_mcp::http::HttpOptions, CliError> {
    use recourse_mcp::http::{AuthConfig, Authentication, Authenticator, HttpOptions, JwksSource};
    let h = &args.http;
    let public_url = h
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{listen}"))
        .trim_end_matches('/')
        .to_owned();
    let auth = if h.insecure_no_auth {
        Authentication::InsecureNoAuth {
            agent_id: args.agent_id.clone(),
        }
    } else {
        let (Some(jwks), Some(issuer)) = (&h.auth_jwks, &h.auth_issuer) else {
            return Err(CliError::Config(
                "--http needs --auth-jwks and --auth-issuer (bearer tokens are required), or --insecure-no-auth on a loopback address for development".into(),
            ));
        };
        let audiences = if h.auth_audiences.is_empty() {
            vec![public_url.clone(), format!("{public_url}/mcp")]
        } else {
            h.auth_audiences.clone()
        };
        let authenticator = Authenticator::new(AuthConfig {
            jwks: JwksSource::parse(jwks),
            issuer: issuer.clone(),
            audiences,
            required_scopes: h.auth_required_scopes.clone(),
            groups_claim: h.auth_groups_claim.clone(),
            leeway: std::time::Duration::from_secs(h.auth_leeway),
        })
        .map_err(|e| CliError::Config(e.to_string()))?;
        Authentication::Bearer(Arc::new(authenticator))
    };
    let opts = HttpOptions {
        listen,
        public_url,
        auth,
        allowed_hosts: h.allowed_hosts.clone(),
        allowed_origins: h.allowed_origins.clone(),
        max_body_bytes: h.max_body_bytes,
        rate_limit: (h.rate_limit > 0.0).then_some((h.rate_limit, h.rate_burst)),
        request_timeout: std::time::Duration::from_secs(h.request_timeout.max(1)),
        trusted_proxy_hops: h.trusted_proxy_hops,
    };
    opts.validate()
        .map_err(|e| CliError::Config(e.to_string()))?;
    Ok(opts)
}

/// `serve --http`: the team gateway.
fn serve_http(
    args: &ServeArgs,
    opts: recourse_mcp::http::HttpOptions,
    gateway: Arc<Gateway>,
) -> Result<(), CliError> {
    use recourse_mcp::http::Authentication;
    let listen = opts.listen;
    let (auth, issuer, audiences) = match &opts.auth {
        Authentication::Bearer(a) => (
            "bearer",
            Some(a.config().issuer.clone()),
            a.config().audiences.clone(),
        ),
        Authentication::InsecureNoAuth { .. } => ("none", None, Vec::new()),
    };
    if matches!(opts.auth, Authentication::InsecureNoAuth { .. }) {
        tracing::error!(listen = %listen, agent_id = %args.agent_id, "--insecure-no-auth: NO AUTHENTICATION; every request acts as the agent (development only, loopback only)");
    }
    // The audit log says how this gateway serves, unauthenticated serving included.
    gateway
        .record_serving(serde_json::json!({"transport": "http", "listen": listen.to_string(), "public_url": opts.public_url, "auth": auth, "issuer": issuer, "audiences": audiences, "insecure_no_auth": auth == "none", "trusted_proxy_hops": opts.trusted_proxy_hops}))
        .map_err(|e| CliError::Config(e.to_string()))?;
    tracing::info!(environment = %args.env, listen = %listen, public_url = %opts.public_url, auth, policy_sha256 = %gateway.policy_hash(), "recourse gateway serving MCP over streamable HTTP at /mcp");
    let grace = std::time::Duration::from_secs(args.http.shutdown_grace);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(CliError::Output)?;
    let served = runtime.block_on(recourse_mcp::http::serve_http(
        Arc::clone(&gateway),
        opts,
        async {
            let signal = shutdown_signal().await;
            tracing::warn!(signal, "shutdown requested");
        },
        grace,
    ));
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    served.map_err(|e| CliError::Config(e.to_string()))?;
    tracing::info!("gateway stopped");
    Ok(())
}

/// Resolves on SIGTERM (what MCP hosts send) or SIGINT, with the signal's name.
pub(crate) async fn shutdown_signal() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        // Without signal handling, serve until the client disconnects.
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    }
}
