//! # recourse-control
//!
//! The web control plane: a page where approvers see exactly what an escalated call will run
//! and decide. A separate process and listener from the agent-facing MCP endpoint
//! (`recourse control serve`), on the same state directory as the gateway.
//!
//! - **What is shown** is [`recourse_exec::view::ApprovalView`], the reading of the approval's
//!   summary `recourse approvals show` prints too: the command with invisible characters
//!   escaped and the scripts it runs, kubectl objects one by one, terraform changes with their
//!   tiers and findings, redacted; requester, environment, policy hash, expiry, "1 of 2".
//! - **Who decides** logs in with OpenID Connect ([`oidc`]) or a single-use login link
//!   ([`links`]); sessions live server-side ([`session`]).
//! - **Every decision** is signed by the control plane's own key, registered in the approvers
//!   file with `on_behalf`, naming the logged-in approver
//!   ([`recourse_exec::ControlPlane::decide_on_behalf`]): the gate honours nothing else, and
//!   applies the same rules as for the CLI (no self-approval, distinct approvers, groups, both
//!   expiry clocks).
//! - **Notifications** go to webhooks ([`notify`]) when approvals appear, are decided or expire.

#![deny(missing_docs)]

mod app;
pub mod links;
pub mod notify;
pub mod oidc;
mod pages;
pub mod secret;
pub mod session;
mod watch;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use recourse_exec::ControlPlane;
use recourse_plan::SecretKey;

pub use links::LoginLinks;
pub use notify::{Format, Retry, Webhook};
pub use oidc::OidcConfig;

/// What `recourse control serve` was given.
#[derive(Debug)]
pub struct ControlOptions {
    /// Where to listen.
    pub listen: SocketAddr,
    /// The URL approvers reach the page at (scheme://host[:port], no path). `https://` makes
    /// cookies `Secure` (and `__Host-` prefixed) and adds HSTS.
    pub public_url: String,
    /// The gateway's state directory.
    pub state_dir: PathBuf,
    /// The approvers file.
    pub approvers_file: PathBuf,
    /// The control plane's own signing key (registered with `on_behalf`).
    pub key: SecretKey,
    /// Single sign-on, if configured.
    pub oidc: Option<OidcConfig>,
    /// Where login links are kept.
    pub links: LoginLinks,
    /// Webhooks.
    pub webhooks: Vec<Webhook>,
    /// The webhooks' HMAC secret.
    pub webhook_secret: Vec<u8>,
    /// Webhook retries.
    pub retry: Retry,
    /// Further `Host` names accepted.
    pub allowed_hosts: Vec<String>,
    /// How often the store is looked at for changes (live updates, notifications).
    pub poll: Duration,
}

/// Why the control plane cannot start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ControlServeError {
    /// A setting is unusable.
    #[error("{0}")]
    Config(String),
    /// The listener failed.
    #[error("control plane on {addr}: {source}")]
    Io {
        /// Address.
        addr: SocketAddr,
        /// Cause.
        source: std::io::Error,
    },
}

/// What the handlers share.
#[derive(Debug)]
pub(crate) struct App {
    state_dir: PathBuf,
    approvers_file: PathBuf,
    key: SecretKey,
    provider: Option<oidc::Provider>,
    links: LoginLinks,
    sessions: session::Sessions,
    events: tokio::sync::broadcast::Sender<String>,
    notifier: notify::Notifier,
    public_url: String,
    origin: String,
    redirect_uri: String,
    hosts: HashSet<String>,
    secure: bool,
    poll: Duration,
}

impl App {
    /// Tells live pages that an approval changed.
    pub(crate) fn changed(&self, id: &str) {
        // No subscriber is fine: nobody is looking.
        let _receivers = self.events.send(id.to_owned());
    }
}

fn authority(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let a = rest.split('/').next()?;
    (!a.is_empty() && !a.contains('@')).then_some(a)
}

/// Checks the options and the key's registration, discovers the identity provider
/// (blocking), and returns the shared state.
fn prepare(opts: ControlOptions) -> Result<Arc<App>, ControlServeError> {
    let cfg = |m: String| ControlServeError::Config(m);
    let url = opts.public_url.trim_end_matches('/').to_owned();
    let secure = url.starts_with("https://");
    let auth = authority(&url)
        .filter(|_| secure || url.starts_with("http://"))
        .ok_or_else(|| cfg(format!("--public-url {url}: expected scheme://host[:port]")))?;
    if !secure && !opts.listen.ip().is_loopback() {
        return Err(cfg(format!(
            "--public-url {url} is not https: serving cookies without TLS is accepted only on a loopback address, not {}",
            opts.listen
        )));
    }
    let cp = ControlPlane::open(&opts.state_dir, Some(&opts.approvers_file))
        .map_err(|e| cfg(e.to_string()))?;
    let pk = opts.key.public();
    match cp.approvers().by_key(&pk) {
        Some(r) if r.on_behalf => {}
        Some(r) => {
            return Err(cfg(format!(
                "the control plane's key is registered as `{}` without --on-behalf; register it with `recourse approvers add NAME --public-key {pk} --on-behalf`",
                r.name
            )));
        }
        None => {
            return Err(cfg(format!(
                "the control plane's key is not in the approvers file {}; register it with `recourse approvers add web --public-key {pk} --on-behalf`",
                opts.approvers_file.display()
            )));
        }
    }
    if !opts.webhooks.is_empty() && opts.webhook_secret.len() < 16 {
        return Err(cfg(
            "webhooks need a signing secret of at least 16 bytes (--notify-secret-file)".into(),
        ));
    }
    let provider = match opts.oidc {
        Some(c) => Some(oidc::Provider::discover(c).map_err(|e| cfg(e.to_string()))?),
        None => None,
    };
    let mut hosts: HashSet<String> = ["localhost", "127.0.0.1", "::1"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let bare = if let Some(v6) = auth.strip_prefix('[') {
        v6.split(']').next().unwrap_or(v6)
    } else {
        auth.split(':').next().unwrap_or(auth)
    };
    hosts.insert(bare.to_ascii_lowercase());
    hosts.extend(opts.allowed_hosts.iter().map(|h| h.to_ascii_lowercase()));
    let scheme = if secure { "https" } else { "http" };
    Ok(Arc::new(App {
        state_dir: opts.state_dir,
        approvers_file: opts.approvers_file,
        key: opts.key,
        provider,
        links: opts.links,
        sessions: session::Sessions::default(),
        events: tokio::sync::broadcast::channel(64).0,
        notifier: notify::Notifier::start(opts.webhooks, opts.webhook_secret, opts.retry),
        origin: format!("{scheme}://{auth}"),
        redirect_uri: format!("{url}/login/oidc/callback"),
        public_url: url,
        hosts,
        secure,
        poll: opts.poll,
    }))
}

/// Serves the control plane until `shutdown` resolves.
pub async fn serve(
    opts: ControlOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ControlServeError> {
    let addr = opts.listen;
    let (app, first) = tokio::task::spawn_blocking(move || {
        prepare(opts).map(|app| {
            let first = watch::baseline(&app);
            (app, first)
        })
    })
    .await
    .map_err(|e| ControlServeError::Config(e.to_string()))??;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ControlServeError::Io { addr, source })?;
    tracing::info!(%addr, url = %app.public_url, sso = app.provider.is_some(), "control plane serving");
    let watcher = tokio::spawn(watch::run(Arc::clone(&app), first));
    let result = axum::serve(listener, app::router(Arc::clone(&app)))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|source| ControlServeError::Io { addr, source });
    watcher.abort();
    result
}
