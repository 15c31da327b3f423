//! MCP over streamable HTTP: one gateway for a team of agents.
//!
//! `/mcp` is rmcp's [`StreamableHttpService`]: sessions for the 2025-era protocol (2025-11-25
//! and before, `initialize` handshake) and stateless requests for 2026-07-28 (per-request
//! `_meta`). In front of it, one guard per request, in this order:
//!
//! 1. the client's address (the socket peer, or `X-Forwarded-For` as far as
//!    `--trusted-proxy-hops` proxies vouch for it);
//! 2. authentication (`auth.rs`): a bearer JWT becomes the [`Caller`], or 401/403 with the
//!    `WWW-Authenticate` header MCP clients use to find the authorization server; with
//!    `--insecure-no-auth` (loopback only) every request is the configured agent;
//! 3. the session's owner: a session opened by one principal is unknown to every other;
//! 4. the principal's rate limit (429 with a JSON-RPC error);
//!
//! then rmcp checks `Host` and `Origin` (DNS rebinding), caps the body (413) and dispatches to
//! [`RecourseServer`], which reads the caller from the request, never from anything the client
//! could choose. Beside `/mcp`: the RFC 9728 metadata, `/healthz`, `/readyz` and `/metrics`.

pub mod auth;
pub mod limits;
mod ops;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use recourse_exec::{Caller, Gateway};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::RecourseServer;
pub use auth::{AuthConfig, AuthError, Authenticator, JwksError, JwksSource, KeyFailure, KeySet};
pub use limits::RateLimiter;

/// How requests are authenticated.
#[derive(Debug, Clone)]
pub enum Authentication {
    /// Bearer JWTs (the default, and the only choice off loopback).
    Bearer(Arc<Authenticator>),
    /// Every request acts as this agent. Development only; refused unless the listener is on
    /// a loopback address.
    InsecureNoAuth {
        /// The principal every call is made as.
        agent_id: String,
    },
}

/// The HTTP server's settings.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Where to listen.
    pub listen: SocketAddr,
    /// The URL clients reach the gateway at (scheme, host, port; no path), e.g. the TLS
    /// proxy's `https://gateway.example.com`. The MCP endpoint is `<public_url>/mcp`.
    pub public_url: String,
    /// Authentication.
    pub auth: Authentication,
    /// `Host` values accepted besides loopback names and the public URL's host.
    pub allowed_hosts: Vec<String>,
    /// Browser origins accepted besides the public URL's (requests without `Origin` pass).
    pub allowed_origins: Vec<String>,
    /// Largest request body (413 beyond).
    pub max_body_bytes: usize,
    /// Per-principal rate limit: (requests per second, burst); `None` for no limit.
    pub rate_limit: Option<(f64, u32)>,
    /// How long one tool call may take before its request is answered with an error (the call
    /// itself is bounded by its runner's timeout and recorded either way).
    pub request_timeout: Duration,
    /// How many proxies in front append to `X-Forwarded-For` (0: the header is ignored).
    pub trusted_proxy_hops: usize,
}

/// Why the HTTP server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// A setting is unusable.
    #[error("{0}")]
    Config(String),
    /// The listener could not be bound or failed.
    #[error("HTTP server on {addr}: {source}")]
    Io {
        /// Address.
        addr: SocketAddr,
        /// Cause.
        source: std::io::Error,
    },
}

/// Counters of requests turned away before reaching MCP.
#[derive(Debug, Default)]
pub(crate) struct Rejections {
    unauthenticated: AtomicU64,
    forbidden: AtomicU64,
    rate_limited: AtomicU64,
}

/// What the guard and the operational endpoints share.
#[derive(Debug)]
pub(crate) struct AppState {
    gateway: Arc<Gateway>,
    auth: Authentication,
    /// `<public_url>/mcp`: the protected resource.
    resource: String,
    /// `<public_url>/.well-known/oauth-protected-resource/mcp`.
    metadata_url: String,
    limiter: Option<RateLimiter>,
    sessions: limits::SessionOwners,
    hops: usize,
    rejections: Rejections,
    /// Largest request body (the guard reads a POST body whole to screen it).
    max_body: usize,
}

/// The client's address, as the guard resolved it.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub IpAddr);

fn host_of(url: &str) -> Option<(String, String)> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let bare = if let Some(v6) = host.strip_prefix('[') {
        v6.split(']').next().unwrap_or(v6).to_owned()
    } else {
        host.split(':').next().unwrap_or(host).to_owned()
    };
    Some((authority.to_owned(), bare))
}

impl HttpOptions {
    /// Checks the options that can be wrong on their own: an unauthenticated server off
    /// loopback, a public URL that is not one.
    pub fn validate(&self) -> Result<(), HttpError> {
        if matches!(self.auth, Authentication::InsecureNoAuth { .. })
            && !self.listen.ip().is_loopback()
        {
            return Err(HttpError::Config(format!(
                "--insecure-no-auth is accepted only on a loopback address, not {}",
                self.listen
            )));
        }
        let ok_scheme =
            self.public_url.starts_with("https://") || self.public_url.starts_with("http://");
        if !ok_scheme || host_of(&self.public_url).is_none() || self.public_url.ends_with('/') {
            return Err(HttpError::Config(format!(
                "--public-url {}: expected scheme://host[:port] without a trailing slash",
                self.public_url
            )));
        }
        if self
            .rate_limit
            .is_some_and(|(r, _)| r <= 0.0 || !r.is_finite())
        {
            return Err(HttpError::Config("--rate-limit must be positive".into()));
        }
        Ok(())
    }

    fn mcp_config(&self, cancel: CancellationToken) -> StreamableHttpServerConfig {
        let mut hosts: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
        let mut origins = self.allowed_origins.clone();
        if let Some((authority, bare)) = host_of(&self.public_url) {
            hosts.push(bare);
            hosts.push(authority.clone());
            let scheme = self.public_url.split("://").next().unwrap_or("https");
            origins.push(format!("{scheme}://{authority}"));
        }
        hosts.extend(self.allowed_hosts.iter().cloned());
        StreamableHttpServerConfig::default()
            .with_allowed_hosts(hosts)
            .with_allowed_origins(origins)
            .enforce_origin_validation()
            .with_max_request_body_bytes(self.max_body_bytes)
            .with_json_response(true)
            .with_legacy_session_mode(true)
            .with_cancellation_token(cancel)
    }
}

/// The whole application: `/mcp` behind the guard, metadata and operations beside it.
pub fn router(gateway: Arc<Gateway>, opts: &HttpOptions, cancel: CancellationToken) -> Router {
    let resource = format!("{}/mcp", opts.public_url);
    let state = Arc::new(AppState {
        gateway: Arc::clone(&gateway),
        auth: opts.auth.clone(),
        metadata_url: format!(
            "{}/.well-known/oauth-protected-resource/mcp",
            opts.public_url
        ),
        resource,
        limiter: opts.rate_limit.map(|(r, b)| RateLimiter::new(r, b)),
        sessions: limits::SessionOwners::default(),
        hops: opts.trusted_proxy_hops,
        rejections: Rejections::default(),
        max_body: opts.max_body_bytes,
    });
    let timeout = opts.request_timeout;
    let mcp = StreamableHttpService::new(
        move || Ok(RecourseServer::for_http(Arc::clone(&gateway), timeout)),
        Arc::new(LocalSessionManager::default()),
        opts.mcp_config(cancel),
    );
    let guarded =
        Router::new()
            .route_service("/mcp", mcp)
            .layer(axum::middleware::from_fn_with_state(
                Arc::clone(&state),
                guard,
            ));
    Router::new()
        .merge(guarded)
        .route(
            "/.well-known/oauth-protected-resource",
            get(ops::resource_metadata),
        )
        .route(
            "/.well-known/oauth-protected-resource/mcp",
            get(ops::resource_metadata),
        )
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .with_state(state)
}

/// Serves until `shutdown` resolves, then shuts down gracefully: new calls are refused, calls
/// in flight get up to `grace` to finish and answer, whatever still runs is killed and
/// recorded (`executed` with `killed: shutdown`), and the listener closes.
pub async fn serve_http(
    gateway: Arc<Gateway>,
    opts: HttpOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> Result<(), HttpError> {
    opts.validate()?;
    let addr = opts.listen;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| HttpError::Io { addr, source })?;
    let cancel = CancellationToken::new();
    let app = router(Arc::clone(&gateway), &opts, cancel.clone())
        .into_make_service_with_connect_info::<SocketAddr>();
    let stop = CancellationToken::new();
    let stopped = stop.clone();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move { stopped.cancelled().await })
            .await
    });
    // Keys are refetched when a token names a new `kid`; this also notices withdrawn keys.
    let refresher = match &opts.auth {
        Authentication::Bearer(a) => Some(tokio::spawn(refresh_keys(Arc::clone(a)))),
        Authentication::InsecureNoAuth { .. } => None,
    };
    shutdown.await;
    if let Some(r) = refresher {
        r.abort();
    }
    tracing::warn!(
        in_flight = gateway.in_flight(),
        "shutting down: refusing new calls, letting calls in flight finish"
    );
    let gw = Arc::clone(&gateway);
    let _drained = tokio::task::spawn_blocking(move || {
        gw.drain(grace);
        // Whatever still runs is killed; each such call records `executed` with
        // `killed: shutdown` and answers before we stop listening.
        gw.shutdown(Duration::from_secs(10));
    })
    .await;
    cancel.cancel();
    stop.cancel();
    match tokio::time::timeout(Duration::from_secs(5), server).await {
        Ok(Ok(Ok(()))) | Err(_) => Ok(()),
        Ok(Ok(Err(source))) => Err(HttpError::Io { addr, source }),
        Ok(Err(join)) => Err(HttpError::Io {
            addr,
            source: std::io::Error::other(join.to_string()),
        }),
    }
}

/// How often the issuer's keys are reread regardless of tokens (a withdrawn key stops
/// verifying within this time).
const KEY_REFRESH: Duration = Duration::from_secs(600);

async fn refresh_keys(auth: Arc<Authenticator>) {
    loop {
        tokio::time::sleep(KEY_REFRESH).await;
        let a = Arc::clone(&auth);
        if let Ok(Err(e)) = tokio::task::spawn_blocking(move || a.refresh()).await {
            tracing::warn!(error = %e, "JWKS refresh failed; keeping the old keys");
        }
    }
}

/// RFC 6750 error descriptions are quoted strings: keep them printable and quote-free.
fn quoted(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c == '"' || c == '\\' || !(' '..='~').contains(&c) {
                '\''
            } else {
                c
            }
        })
        .collect()
}

/// The answer to a request that did not authenticate: 401 (or 400/403), with the
/// `WWW-Authenticate` challenge that tells an MCP client where the metadata is.
fn auth_failure(state: &AppState, e: &AuthError) -> Response {
    let meta = format!("resource_metadata=\"{}\"", state.metadata_url);
    let (status, challenge, code) = match e {
        AuthError::Missing => (StatusCode::UNAUTHORIZED, format!("Bearer {meta}"), None),
        AuthError::BadRequest(_) => (
            StatusCode::BAD_REQUEST,
            format!(
                "Bearer error=\"invalid_request\", error_description=\"{}\", {meta}",
                quoted(&e.to_string())
            ),
            Some("invalid_request"),
        ),
        AuthError::Invalid(_) => (
            StatusCode::UNAUTHORIZED,
            format!(
                "Bearer error=\"invalid_token\", error_description=\"{}\", {meta}",
                quoted(&e.to_string())
            ),
            Some("invalid_token"),
        ),
        AuthError::InsufficientScope(_) => {
            let scopes = match &state.auth {
                Authentication::Bearer(a) => a.config().required_scopes.join(" "),
                Authentication::InsecureNoAuth { .. } => String::new(),
            };
            (
                StatusCode::FORBIDDEN,
                format!(
                    "Bearer error=\"insufficient_scope\", scope=\"{}\", error_description=\"{}\", {meta}",
                    quoted(&scopes),
                    quoted(&e.to_string())
                ),
                Some("insufficient_scope"),
            )
        }
    };
    if status == StatusCode::FORBIDDEN {
        state.rejections.forbidden.fetch_add(1, Ordering::Relaxed);
    } else {
        state
            .rejections
            .unauthenticated
            .fetch_add(1, Ordering::Relaxed);
    }
    let body = json!({"error": code.unwrap_or("unauthorized"), "error_description": e.to_string()});
    let mut r = (status, body.to_string()).into_response();
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// Authenticates a request: a bearer token, retried once after a key refresh when its `kid`
/// is new (the issuer rotated its keys).
async fn authenticate(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    query: Option<&str>,
) -> Result<Caller, AuthError> {
    let auth = match &state.auth {
        Authentication::InsecureNoAuth { agent_id } => return Ok(Caller::agent(agent_id.clone())),
        Authentication::Bearer(a) => Arc::clone(a),
    };
    let token = Authenticator::bearer(headers, query)?.to_owned();
    match auth.authenticate(&token) {
        Err(AuthError::Invalid(why)) if why == "unknown key" && auth.may_refresh() => {
            let a = Arc::clone(&auth);
            let refreshed = tokio::task::spawn_blocking(move || a.refresh()).await;
            if let Ok(Err(e)) = refreshed {
                tracing::warn!(error = %e, "JWKS refresh failed; keeping the old keys");
            }
            auth.authenticate(&token)
        }
        other => other,
    }
}

/// A JSON-RPC error body for a request turned away before MCP saw it; the request's id when
/// the body names one.
async fn jsonrpc_refusal(
    request: Request,
    status: StatusCode,
    code: i64,
    message: String,
    limit: usize,
) -> Response {
    let bytes = axum::body::to_bytes(request.into_body(), limit)
        .await
        .unwrap_or_default();
    let id = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v.get("id").cloned())
        .unwrap_or(serde_json::Value::Null);
    jsonrpc_error(status, &crate::jsonrpc::error_reply(&id, code, &message))
}

/// A JSON-RPC error answered by the guard itself.
fn jsonrpc_error(status: StatusCode, reply: &serde_json::Value) -> Response {
    let mut r = (status, reply.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// Reads a POST body whole (at most `max_body` bytes: 413 beyond) and screens it
/// ([`crate::jsonrpc::screen`]): a malformed message is answered here with its JSON-RPC error
/// (HTTP 400), a `tools/call` that cannot become a call is also audited; anything else goes on
/// to MCP unchanged.
async fn screened(
    state: &AppState,
    caller: &recourse_exec::Caller,
    request: Request,
) -> Result<Request, Response> {
    use crate::jsonrpc::{Screened, code, error_reply, screen};
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, state.max_body).await else {
        return Err(jsonrpc_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &error_reply(
                &serde_json::Value::Null,
                code::INVALID_REQUEST,
                &format!(
                    "Invalid Request: the body is larger than {} bytes",
                    state.max_body
                ),
            ),
        ));
    };
    match screen(&bytes) {
        Screened::Pass => Ok(Request::from_parts(parts, axum::body::Body::from(bytes))),
        Screened::Reject { mut reply, audit } => {
            let a = Screened::record_of(&reply, audit);
            let (gateway, caller) = (Arc::clone(&state.gateway), caller.clone());
            let recorded = tokio::task::spawn_blocking(move || {
                gateway.reject_message(&caller, a.tool.as_deref(), &a.error, Some(&bytes))
            })
            .await;
            if !matches!(recorded, Ok(Ok(()))) {
                let m = format!(
                    "{}; and the audit log is unavailable",
                    reply["error"]["message"].as_str().unwrap_or("")
                );
                reply["error"]["message"] = m.into();
            }
            Err(jsonrpc_error(StatusCode::BAD_REQUEST, &reply))
        }
    }
}

/// The guard in front of `/mcp` (see the module docs for the order).
async fn guard(State(state): State<Arc<AppState>>, mut request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)), |c| c.0);
    let forwarded = request
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    let client = limits::client_address(peer, forwarded, state.hops);
    let headers = request.headers().clone();
    let query = request.uri().query().map(str::to_owned);
    let caller = match authenticate(&state, &headers, query.as_deref()).await {
        Ok(c) => c,
        Err(e) => {
            tracing::info!(client.address = %client, error = %e, "request refused: not authenticated");
            return auth_failure(&state, &e);
        }
    };
    let principal = format!(
        "{}\u{0}{}",
        caller.issuer.as_deref().unwrap_or(""),
        caller.agent_id
    );
    let session = request
        .headers()
        .get("mcp-session-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Some(s) = &session
        && !state.sessions.admits(s, &principal)
    {
        tracing::warn!(client.address = %client, principal = %caller.agent_id, "request refused: session opened by another principal");
        state.rejections.forbidden.fetch_add(1, Ordering::Relaxed);
        return (StatusCode::NOT_FOUND, "Not Found: no such session").into_response();
    }
    if let Some(limiter) = &state.limiter
        && let Err(wait) = limiter.take(&principal, Instant::now())
    {
        state
            .rejections
            .rate_limited
            .fetch_add(1, Ordering::Relaxed);
        let secs = wait.as_secs().max(1);
        let mut r = jsonrpc_refusal(
            request,
            StatusCode::TOO_MANY_REQUESTS,
            -32000,
            format!(
                "rate limit exceeded for principal `{}`: retry in {secs} s",
                caller.agent_id
            ),
            64 * 1024,
        )
        .await;
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        return r;
    }
    let method = request.method().clone();
    if method == Method::POST {
        request = match screened(&state, &caller, request).await {
            Ok(r) => r,
            Err(refused) => return refused,
        };
    }
    request.extensions_mut().insert(caller);
    request.extensions_mut().insert(ClientAddr(client));
    let response = next.run(request).await;
    if response.status().is_success() {
        match (&session, method) {
            (Some(s), Method::DELETE) => state.sessions.forget(s),
            (None, _) => {
                if let Some(opened) = response
                    .headers()
                    .get("mcp-session-id")
                    .and_then(|v| v.to_str().ok())
                {
                    state.sessions.bind(opened, &principal);
                }
            }
            _ => {}
        }
    }
    response
}
