//! `recourse control serve`: the web control plane, a process and listener of its own beside
//! the gateway, on the same state directory. And `recourse approvers login-link`, which makes
//! the single-use links it accepts.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};
use recourse_control::{ControlOptions, Format, LoginLinks, OidcConfig, Retry, Webhook};

use crate::args::{ApproversArg, StateDirArg};
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum ControlCommand {
    /// Serve the approvals pages: approvers log in (OIDC or a login link), see exactly what
    /// will run and decide; each decision is signed with this control plane's key on their
    /// behalf.
    Serve(Box<ServeArgs>),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where to listen, e.g. 127.0.0.1:8090 (behind a TLS-terminating proxy).
    #[arg(long, value_name = "ADDR")]
    http: SocketAddr,
    /// The URL approvers open (scheme://host[:port]); links in notifications point here.
    /// https makes cookies Secure. Default: http://ADDR (loopback only).
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    #[command(flatten)]
    state: StateDirArg,
    #[command(flatten)]
    approvers: ApproversArg,
    /// The control plane's own signing key (create with `recourse approvers keygen --key
    /// FILE`, register with `recourse approvers add web --public-key … --on-behalf`).
    #[arg(long = "key", value_name = "FILE", env = "RECOURSE_CONTROL_KEY")]
    key: PathBuf,
    /// OpenID Connect issuer URL (enables single sign-on).
    #[arg(long, value_name = "URL", requires_all = ["oidc_client_id", "oidc_client_secret_file"])]
    oidc_issuer: Option<String>,
    /// OIDC client id (the ID token's audience).
    #[arg(long, value_name = "ID")]
    oidc_client_id: Option<String>,
    /// File holding the OIDC client secret.
    #[arg(long, value_name = "FILE")]
    oidc_client_secret_file: Option<PathBuf>,
    /// ID-token claim naming the approver (must be a name in the approvers file).
    #[arg(long, default_value = "preferred_username", value_name = "CLAIM")]
    oidc_name_claim: String,
    /// ID-token claim holding groups (they can only narrow the approvers file's groups).
    #[arg(long, default_value = "groups", value_name = "CLAIM")]
    oidc_groups_claim: String,
    /// Directory of login links (default: `login-links` beside the approvers file).
    #[arg(long, value_name = "DIR")]
    login_links: Option<PathBuf>,
    /// Webhook for new, decided and expired approvals (repeatable).
    #[arg(long = "notify-webhook", value_name = "URL")]
    notify_webhooks: Vec<String>,
    /// Slack incoming-webhook URL: the same events in Slack's format (repeatable).
    #[arg(long = "notify-slack", value_name = "URL")]
    notify_slack: Vec<String>,
    /// File holding the webhooks' HMAC-SHA256 secret (at least 16 bytes).
    #[arg(long, value_name = "FILE")]
    notify_secret_file: Option<PathBuf>,
    /// Delivery attempts per webhook notification (exponential backoff from 1 s).
    #[arg(long, default_value_t = 6)]
    notify_attempts: u32,
    /// A further Host name accepted (repeatable; the public URL's host and loopback names are).
    #[arg(long = "allowed-host", value_name = "HOST")]
    allowed_hosts: Vec<String>,
    /// How often the store is checked for changes, in milliseconds.
    #[arg(long, default_value_t = 1000, value_name = "MS")]
    poll_ms: u64,
    /// Log level on stderr.
    #[arg(long, default_value = "info", env = "RECOURSE_LOG")]
    log_level: tracing::Level,
}

/// `recourse approvers login-link NAME`.
#[derive(Debug, Args)]
pub struct LoginLinkArgs {
    /// The registered approver the link logs in.
    name: String,
    /// The control plane's public URL.
    #[arg(long, value_name = "URL", env = "RECOURSE_CONTROL_URL")]
    url: String,
    /// Minutes the link stays valid (at most 60).
    #[arg(long, default_value_t = 15)]
    minutes: u64,
    #[command(flatten)]
    approvers: ApproversArg,
    /// Directory of login links (default: `login-links` beside the approvers file).
    #[arg(long, value_name = "DIR")]
    login_links: Option<PathBuf>,
}

fn links(dir: Option<&PathBuf>, approvers: &std::path::Path) -> LoginLinks {
    dir.map_or_else(|| LoginLinks::beside(approvers), LoginLinks::new)
}

/// Reads a secret file, refusing one that others can read.
fn secret_file(path: &std::path::Path) -> Result<String, CliError> {
    recourse_exec::trust::check_mode(path, true).map_err(|e| CliError::Config(e.to_string()))?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Config(format!("{}: {e}", path.display())))?;
    Ok(text.trim().to_owned())
}

pub fn login_link(args: LoginLinkArgs) -> Result<(), CliError> {
    let approvers = args.approvers.resolve();
    let list = recourse_exec::trust::load_approvers(Some(&approvers))
        .map_err(|e| CliError::Config(e.to_string()))?;
    match list.get(&args.name) {
        Some(r) if !r.on_behalf => {}
        _ => {
            return Err(CliError::Config(format!(
                "`{}` is not a registered approver in {}",
                args.name,
                approvers.display()
            )));
        }
    }
    let token = links(args.login_links.as_ref(), &approvers)
        .create(
            &args.name,
            args.minutes.saturating_mul(60),
            recourse_exec::system_now(),
        )
        .map_err(|e| CliError::Config(e.to_string()))?;
    writeln!(
        std::io::stdout().lock(),
        "{}/login/link?token={token}",
        args.url.trim_end_matches('/')
    )?;
    eprintln!(
        "a single-use login for {} valid for {} minutes; send it to them only",
        args.name, args.minutes
    );
    Ok(())
}

pub fn run(cmd: ControlCommand) -> Result<(), CliError> {
    let ControlCommand::Serve(args) = cmd;
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(args.log_level)
        .with_ansi(false)
        .init();
    let approvers = args.approvers.resolve();
    let key = recourse_exec::trust::read_secret_key(&args.key)
        .map_err(|e| CliError::Config(e.to_string()))?;
    let oidc = match (
        &args.oidc_issuer,
        &args.oidc_client_id,
        &args.oidc_client_secret_file,
    ) {
        (Some(issuer), Some(client_id), Some(secret)) => Some(OidcConfig {
            issuer: issuer.clone(),
            client_id: client_id.clone(),
            client_secret: secret_file(secret)?,
            name_claim: args.oidc_name_claim.clone(),
            groups_claim: args.oidc_groups_claim.clone(),
            leeway: Duration::from_secs(30),
        }),
        _ => None,
    };
    let mut webhooks: Vec<Webhook> = args
        .notify_webhooks
        .iter()
        .map(|u| Webhook {
            url: u.clone(),
            format: Format::Json,
        })
        .collect();
    webhooks.extend(args.notify_slack.iter().map(|u| Webhook {
        url: u.clone(),
        format: Format::Slack,
    }));
    let webhook_secret = match &args.notify_secret_file {
        Some(p) => secret_file(p)?.into_bytes(),
        None if webhooks.is_empty() => Vec::new(),
        None => {
            return Err(CliError::Config(
                "--notify-webhook and --notify-slack need --notify-secret-file (the HMAC secret)"
                    .into(),
            ));
        }
    };
    let opts = ControlOptions {
        listen: args.http,
        public_url: args
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", args.http)),
        state_dir: args.state.resolve(),
        links: links(args.login_links.as_ref(), &approvers),
        approvers_file: approvers,
        key,
        oidc,
        webhooks,
        webhook_secret,
        retry: Retry {
            attempts: args.notify_attempts.max(1),
            ..Retry::default()
        },
        allowed_hosts: args.allowed_hosts.clone(),
        poll: Duration::from_millis(args.poll_ms.max(100)),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(CliError::Output)?;
    runtime
        .block_on(recourse_control::serve(opts, async {
            let signal = crate::cmd::gateway::shutdown_signal().await;
            tracing::info!(signal, "control plane stopping");
        }))
        .map_err(|e| match e {
            recourse_control::ControlServeError::Config(m) => CliError::Config(m),
            other => CliError::BadInput(other.to_string()),
        })?;
    runtime.shutdown_timeout(Duration::from_secs(2));
    Ok(())
}
