//! The routes, the guard in front of them and the handlers.
//!
//! The guard, on every request: `Host` must be the public URL's host or a loopback name (DNS
//! rebinding); a state-changing request must come from the public origin (`Origin`, else
//! `Sec-Fetch-Site`); every answer carries the CSP (`default-src 'self'; script-src 'self';
//! frame-ancestors 'none'`…), `nosniff`, `same-origin` referrers and `no-store`. Pages need a session;
//! every form carries the session's CSRF token, checked in constant time before anything else.

use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::Markup;
use recourse_exec::view::ApprovalView;
use recourse_exec::{ControlError, ControlPlane};
use recourse_plan::{Approval, ApprovalId, ApprovalStatus, Choice, Registration, Tally, Timestamp};
use serde::Deserialize;

use crate::links::LinkError;
use crate::pages::{self, Allowed, Filter, Viewer};
use crate::session::{LOGIN_SECONDS, SESSION_SECONDS, Session, Via};
use crate::{App, secret};

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// Why a request is answered with an error page (or a redirect to the login).
#[derive(Debug, thiserror::Error)]
pub(crate) enum Problem {
    #[error("log in first")]
    Login(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Gone(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<ControlError> for Problem {
    fn from(e: ControlError) -> Problem {
        match e {
            ControlError::NotFound(m) => Problem::NotFound(m),
            ControlError::Refused(m) => Problem::Forbidden(m),
            other => Problem::Internal(other.to_string()),
        }
    }
}

impl From<secret::RandomError> for Problem {
    fn from(e: secret::RandomError) -> Problem {
        Problem::Internal(e.to_string())
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let (status, title) = match &self {
            Problem::Login(next) => {
                let q = serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default();
                return Redirect::to(&format!("/login?{q}")).into_response();
            }
            Problem::BadRequest(_) => (StatusCode::BAD_REQUEST, "Bad request"),
            Problem::Forbidden(_) => (StatusCode::FORBIDDEN, "Refused"),
            Problem::NotFound(_) => (StatusCode::NOT_FOUND, "Not found"),
            Problem::Gone(_) => (StatusCode::GONE, "Expired"),
            Problem::Internal(m) => {
                tracing::error!(error = %m, "request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong")
            }
        };
        (status, page(pages::message(title, &self.to_string(), None))).into_response()
    }
}

fn page(m: Markup) -> axum::response::Html<String> {
    axum::response::Html(m.into_string())
}

/// Runs store work off the async runtime, on a control plane opened for this request (so the
/// approvers file and the gateway's policy are read fresh).
async fn with_control<T: Send + 'static>(
    app: &Arc<App>,
    f: impl FnOnce(&ControlPlane) -> Result<T, Problem> + Send + 'static,
) -> Result<T, Problem> {
    let app = Arc::clone(app);
    tokio::task::spawn_blocking(move || {
        let cp = ControlPlane::open(&app.state_dir, Some(&app.approvers_file))?;
        f(&cp)
    })
    .await
    .map_err(|e| Problem::Internal(e.to_string()))?
}

pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/approvals") }))
        .route("/approvals", get(list))
        .route("/approvals/events", get(events))
        .route("/approvals/{id}", get(detail))
        .route("/approvals/{id}/decide", post(decide))
        .route("/login", get(login))
        .route("/login/oidc", get(oidc_start))
        .route("/login/oidc/callback", get(oidc_callback))
        .route("/login/link", get(link_confirm).post(link_redeem))
        .route("/logout", post(logout))
        .route("/static/app.js", get(script))
        .route("/static/style.css", get(style))
        .route("/healthz", get(|| async { "ok" }))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&app),
            guard,
        ))
        .with_state(app)
}

fn bare_host(authority: &str) -> &str {
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or(v6);
    }
    authority.split(':').next().unwrap_or(authority)
}

/// Host and origin checks, then the security headers on whatever the handler answered.
async fn guard(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(bare_host)
        .map(str::to_ascii_lowercase);
    if !host.is_some_and(|h| app.hosts.iter().any(|a| *a == h)) {
        return with_headers(
            &app,
            (StatusCode::MISDIRECTED_REQUEST, "unknown Host").into_response(),
        );
    }
    let unsafe_method = !matches!(*request.method(), Method::GET | Method::HEAD);
    if unsafe_method && !same_origin(&app, headers) {
        tracing::warn!(path = %request.uri().path(), "cross-origin POST refused");
        return with_headers(
            &app,
            Problem::Forbidden("this request did not come from the approvals page".into())
                .into_response(),
        );
    }
    let response = next.run(request).await;
    with_headers(&app, response)
}

/// `Origin` (every browser sends it on a POST) must be the public origin; without it,
/// `Sec-Fetch-Site` must say same-origin; a request with neither (not a browser) passes on to
/// the CSRF token check, which it cannot pass without a session's token.
fn same_origin(app: &App, headers: &HeaderMap) -> bool {
    if let Some(origin) = headers.get(header::ORIGIN) {
        return origin.to_str().is_ok_and(|o| o == app.origin);
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => site == "same-origin" || site == "none",
        None => true,
    }
}

fn with_headers(app: &App, mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if app.secure {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    r
}

// ---- cookies and sessions

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

impl App {
    fn session_cookie(&self) -> &'static str {
        if self.secure {
            "__Host-recourse-session"
        } else {
            "recourse-session"
        }
    }

    fn login_cookie(&self) -> &'static str {
        if self.secure {
            "__Host-recourse-login"
        } else {
            "recourse-login"
        }
    }

    fn set_cookie(&self, name: &str, value: &str, same_site: &str, max_age: u64) -> HeaderValue {
        let secure = if self.secure { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{name}={value}; Path=/; HttpOnly; SameSite={same_site}; Max-Age={max_age}{secure}"
        ))
        .unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
    }

    fn session(&self, headers: &HeaderMap) -> Option<(String, Session)> {
        let id = cookie(headers, self.session_cookie())?;
        self.sessions.get(id).map(|s| (id.to_owned(), s))
    }
}

fn require(app: &App, headers: &HeaderMap, here: &str) -> Result<Session, Problem> {
    app.session(headers)
        .map(|(_, s)| s)
        .ok_or_else(|| Problem::Login(here.to_owned()))
}

fn check_csrf(s: &Session, presented: Option<&str>) -> Result<(), Problem> {
    match presented {
        Some(t) if secret::same(t, &s.csrf) => Ok(()),
        _ => Err(Problem::Forbidden(
            "the form's CSRF token is missing or wrong: reload the page and try again".into(),
        )),
    }
}

/// A local path to go to after login (never another site: `//evil`, `/\evil`, a scheme).
fn local_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && n.chars().all(|c| !c.is_control() && c != '\\') =>
        {
            n.to_owned()
        }
        _ => "/approvals".to_owned(),
    }
}

// ---- approvals

fn same_identity(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// The groups the page decides with: the approvers file's, narrowed to the identity
/// provider's when it asserted any (the provider can take a group away, never add one; the
/// gate checks the file's groups, a superset).
fn effective_groups(reg: &Registration, s: &Session) -> Vec<String> {
    match &s.idp_groups {
        None => reg.groups.clone(),
        Some(idp) => reg
            .groups
            .iter()
            .filter(|g| idp.contains(g))
            .cloned()
            .collect(),
    }
}

fn allowed(cp: &ControlPlane, a: &Approval, tally: &Tally, s: &Session) -> Allowed {
    let Some(reg) = cp.approvers().get(&s.approver).filter(|r| !r.on_behalf) else {
        return Allowed::default();
    };
    let groups = effective_groups(reg, s);
    let rules = cp.rules(a.environment);
    let own_request = same_identity(&s.approver, &a.requester);
    Allowed {
        open: matches!(tally, Tally::Pending { .. }),
        own_request,
        decided: a
            .statements
            .iter()
            .any(|st| same_identity(&st.statement.approver, &s.approver)),
        approve: !own_request && rules.may_approve(&s.approver, &groups),
        break_glass: !own_request && rules.may_break_glass(&s.approver, &groups),
    }
}

fn view_of(cp: &ControlPlane, a: &Approval, now: Timestamp) -> (ApprovalView, Tally) {
    let (tally, problems) = cp.tally(a, now);
    (ApprovalView::new(a, &tally, &problems), tally)
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    env: Option<String>,
    tool: Option<String>,
}

async fn list(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Result<Response, Problem> {
    let s = require(&app, &headers, "/approvals")?;
    let filter = Filter {
        environment: q.env.filter(|e| !e.is_empty()),
        tool: q.tool.filter(|t| !t.is_empty()),
    };
    let now = recourse_exec::system_now();
    let f = filter.clone();
    let (views, tools) = with_control(&app, move |cp| {
        let all = cp.approvals()?;
        let mut tools: Vec<String> = all.iter().map(|a| a.tool.clone()).collect();
        tools.sort();
        tools.dedup();
        let views = all
            .iter()
            .filter(|a| {
                f.environment
                    .as_deref()
                    .is_none_or(|e| a.environment.to_string() == e)
            })
            .filter(|a| f.tool.as_deref().is_none_or(|t| a.tool == t))
            .map(|a| view_of(cp, a, now).0)
            .collect::<Vec<_>>();
        Ok((views, tools))
    })
    .await?;
    let viewer = Viewer {
        name: &s.approver,
        csrf: &s.csrf,
    };
    Ok(page(pages::list(&views, &tools, &filter, now, &viewer)).into_response())
}

fn approval_id(id: &str) -> Result<ApprovalId, Problem> {
    id.parse()
        .map_err(|_| Problem::NotFound(format!("no approval {id}")))
}

async fn render_detail(
    app: &Arc<App>,
    s: &Session,
    id: ApprovalId,
    error: Option<String>,
) -> Result<Markup, Problem> {
    let now = recourse_exec::system_now();
    let session = s.clone();
    let (view, allowed, policy) = with_control(app, move |cp| {
        let a = cp.approval(id)?;
        let (view, tally) = view_of(cp, &a, now);
        Ok((
            view,
            allowed(cp, &a, &tally, &session),
            cp.policy_hash().to_string(),
        ))
    })
    .await?;
    let viewer = Viewer {
        name: &s.approver,
        csrf: &s.csrf,
    };
    Ok(pages::detail(
        &view,
        &policy,
        allowed,
        error.as_deref(),
        now,
        &viewer,
    ))
}

async fn detail(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let s = require(&app, &headers, &format!("/approvals/{id}"))?;
    let id = approval_id(&id)?;
    Ok(page(render_detail(&app, &s, id, None).await?).into_response())
}

#[derive(Debug, Deserialize)]
struct DecideForm {
    csrf: Option<String>,
    choice: Option<String>,
    reason: Option<String>,
}

async fn decide(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<DecideForm>,
) -> Result<Response, Problem> {
    let s = require(&app, &headers, &format!("/approvals/{id}"))?;
    check_csrf(&s, form.csrf.as_deref())?;
    let id = approval_id(&id)?;
    let choice = match form.choice.as_deref() {
        Some("approve") => Choice::Approve,
        Some("reject") => Choice::Reject,
        Some("break-glass") => Choice::BreakGlass,
        _ => {
            return Err(Problem::BadRequest(
                "choose approve, reject or break glass".into(),
            ));
        }
    };
    let reason = form.reason.unwrap_or_default();
    let result = if reason.trim().is_empty() {
        Err(Problem::Forbidden("a reason is required".into()))
    } else {
        let app2 = Arc::clone(&app);
        let session = s.clone();
        with_control(&app, move |cp| {
            let now = recourse_exec::system_now();
            let a = cp.approval(id)?;
            let (_, tally) = view_of(cp, &a, now);
            let may = allowed(cp, &a, &tally, &session);
            let permitted = match choice {
                Choice::BreakGlass => may.break_glass,
                Choice::Approve | Choice::Reject => may.approve,
            };
            // The rules again with the identity provider's groups; the control plane then
            // checks signature, rules, self-approval and distinct approvers as for the CLI.
            if !permitted && !may.own_request {
                return Err(Problem::Forbidden(format!(
                    "`{}` may not {} here (the policy's approvers and your groups)",
                    session.approver,
                    if choice == Choice::BreakGlass {
                        "break glass"
                    } else {
                        "decide"
                    }
                )));
            }
            cp.decide_on_behalf(id, &app2.key, &session.approver, choice, &reason, now)?;
            Ok(())
        })
        .await
    };
    match result {
        Ok(()) => {
            tracing::info!(approval = %id, approver = %s.approver, ?choice, "decision signed on behalf of a logged-in approver");
            app.changed(&id.to_string());
            Ok(Redirect::to(&format!("/approvals/{id}")).into_response())
        }
        Err(Problem::Forbidden(why)) => {
            tracing::warn!(approval = %id, approver = %s.approver, error = %why, "decision refused");
            let m = render_detail(&app, &s, id, Some(why)).await?;
            Ok((StatusCode::FORBIDDEN, page(m)).into_response())
        }
        Err(other) => Err(other),
    }
}

async fn events(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Sse<impl futures_util::Stream<Item = Result<SseEvent, Infallible>>>, Problem> {
    require(&app, &headers, "/approvals")?;
    let rx = app.events.subscribe();
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        let id = match rx.recv().await {
            Ok(id) => id,
            // Missed some: every page refreshes.
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => "*".to_owned(),
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
        };
        Some((Ok(SseEvent::default().event("change").data(id)), rx))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

// ---- login

#[derive(Debug, Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    let next = local_next(q.next.as_deref());
    if app.session(&headers).is_some() {
        return Redirect::to(&next).into_response();
    }
    page(pages::login(&next, app.provider.is_some(), None)).into_response()
}

async fn oidc_start(
    State(app): State<Arc<App>>,
    Query(q): Query<NextQuery>,
) -> Result<Response, Problem> {
    let provider = app
        .provider
        .as_ref()
        .ok_or_else(|| Problem::NotFound("single sign-on is not configured".into()))?;
    let state = secret::token()?;
    let nonce = secret::token()?;
    let verifier = secret::token()?;
    let browser = secret::token()?;
    let url = provider.authorize_url(
        &app.redirect_uri,
        &state,
        &nonce,
        &secret::pkce_challenge(&verifier),
    );
    app.sessions.begin_login(
        &state,
        nonce,
        verifier,
        local_next(q.next.as_deref()),
        browser.clone(),
    );
    let mut r = Redirect::to(&url).into_response();
    // Lax: the provider's redirect back is a cross-site top-level navigation.
    r.headers_mut().append(
        header::SET_COOKIE,
        app.set_cookie(app.login_cookie(), &browser, "Lax", LOGIN_SECONDS),
    );
    Ok(r)
}

#[derive(Debug, Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// A registered approver (never the control plane's own on-behalf registration).
fn registered(cp: &ControlPlane, name: &str) -> Result<(), Problem> {
    match cp.approvers().get(name) {
        Some(r) if !r.on_behalf => Ok(()),
        _ => Err(Problem::Forbidden(format!(
            "`{name}` is not a registered approver (ask an operator: recourse approvers add)"
        ))),
    }
}

fn logged_in(app: &App, id: &str, next: &str) -> Response {
    let mut r = page(pages::continue_to(next)).into_response();
    let h = r.headers_mut();
    h.append(
        header::SET_COOKIE,
        app.set_cookie(app.session_cookie(), id, "Strict", SESSION_SECONDS),
    );
    h.append(
        header::SET_COOKIE,
        app.set_cookie(app.login_cookie(), "", "Lax", 0),
    );
    r
}

async fn oidc_callback(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(cb): Query<Callback>,
) -> Result<Response, Problem> {
    let provider_missing = || Problem::NotFound("single sign-on is not configured".into());
    app.provider.as_ref().ok_or_else(provider_missing)?;
    let state = cb.state.unwrap_or_default();
    let pending = app.sessions.finish_login(&state).ok_or_else(|| {
        Problem::BadRequest(
            "this login was not started here, or took too long: sign in again".into(),
        )
    })?;
    if !cookie(&headers, app.login_cookie()).is_some_and(|b| secret::same(b, &pending.browser)) {
        return Err(Problem::BadRequest(
            "this login was started in another browser: sign in again".into(),
        ));
    }
    if let Some(e) = cb.error {
        return Err(Problem::Forbidden(format!(
            "the identity provider said: {e}"
        )));
    }
    let code = cb
        .code
        .ok_or_else(|| Problem::BadRequest("the identity provider sent no code".into()))?;
    let app2 = Arc::clone(&app);
    let identity = tokio::task::spawn_blocking(move || {
        let provider = app2.provider.as_ref().ok_or_else(provider_missing)?;
        let token = provider
            .exchange(&code, &pending.verifier, &app2.redirect_uri)
            .map_err(|e| Problem::Forbidden(e.to_string()))?;
        provider
            .validate(&token, &pending.nonce)
            .map_err(|e| Problem::Forbidden(e.to_string()))
    })
    .await
    .map_err(|e| Problem::Internal(e.to_string()))??;
    let name = identity.name.clone();
    with_control(&app, move |cp| registered(cp, &name)).await?;
    let id = app.sessions.start(
        &identity.name,
        identity.groups,
        Via::Oidc {
            subject: identity.subject.clone(),
        },
    )?;
    tracing::info!(approver = %identity.name, subject = %identity.subject, "logged in (OIDC)");
    Ok(logged_in(&app, &id, &pending.next))
}

#[derive(Debug, Deserialize)]
struct LinkQuery {
    token: Option<String>,
}

fn link_problem(e: LinkError) -> Problem {
    match e {
        LinkError::Invalid => Problem::Forbidden(e.to_string()),
        LinkError::Expired(_) => Problem::Gone(e.to_string()),
        other => Problem::Internal(other.to_string()),
    }
}

async fn link_confirm(
    State(app): State<Arc<App>>,
    Query(q): Query<LinkQuery>,
) -> Result<Response, Problem> {
    let token = q.token.unwrap_or_default();
    let now = recourse_exec::system_now();
    let link = app.links.peek(&token, now).map_err(link_problem)?;
    Ok(page(pages::confirm_link(
        &token,
        &link.approver,
        link.expires_at,
        now,
    ))
    .into_response())
}

async fn link_redeem(
    State(app): State<Arc<App>>,
    Form(q): Form<LinkQuery>,
) -> Result<Response, Problem> {
    let token = q.token.unwrap_or_default();
    let now = recourse_exec::system_now();
    let link = app.links.redeem(&token, now).map_err(link_problem)?;
    let name = link.approver.clone();
    with_control(&app, move |cp| registered(cp, &name)).await?;
    let id = app.sessions.start(&link.approver, None, Via::Link)?;
    tracing::info!(approver = %link.approver, "logged in (login link)");
    Ok(logged_in(&app, &id, "/approvals"))
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    csrf: Option<String>,
}

async fn logout(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Problem> {
    if let Some((id, s)) = app.session(&headers) {
        check_csrf(&s, form.csrf.as_deref())?;
        app.sessions.end(&id);
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        app.set_cookie(app.session_cookie(), "", "Strict", 0),
    );
    Ok(r)
}

// ---- static files

async fn script() -> Response {
    static_file(
        "text/javascript; charset=utf-8",
        include_str!("../static/app.js"),
    )
}

async fn style() -> Response {
    static_file(
        "text/css; charset=utf-8",
        include_str!("../static/style.css"),
    )
}

fn static_file(content_type: &'static str, body: &'static str) -> Response {
    let mut r = body.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

/// Whether an approval counts as decided for notifications.
pub(crate) fn is_decided(s: ApprovalStatus) -> bool {
    matches!(s, ApprovalStatus::Approved | ApprovalStatus::Rejected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_always_local() {
        assert_eq!(local_next(Some("/approvals/ab")), "/approvals/ab");
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://evil",
            "javascript:x",
            "/a\nb",
        ] {
            assert_eq!(local_next(Some(bad)), "/approvals", "{bad}");
        }
        assert_eq!(local_next(None), "/approvals");
    }

    #[test]
    fn cookies_are_read_by_exact_name() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; recourse-session=xyz; b=2"),
        );
        assert_eq!(cookie(&h, "recourse-session"), Some("xyz"));
        assert_eq!(cookie(&h, "session"), None);
    }
}
