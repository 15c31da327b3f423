//! The endpoints beside `/mcp`: the protected-resource metadata (RFC 9728), liveness,
//! readiness and Prometheus metrics.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use recourse_exec::metrics::HistogramSnapshot;
use serde_json::json;

use super::{AppState, Authentication};

fn json_response(status: StatusCode, body: serde_json::Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// RFC 9728: which authorization server issues tokens for this resource, and how to send them.
pub(super) async fn resource_metadata(State(state): State<Arc<AppState>>) -> Response {
    let mut doc = json!({
        "resource": state.resource,
        "resource_name": "Recourse gateway",
        "bearer_methods_supported": ["header"],
    });
    match &state.auth {
        Authentication::Bearer(a) => {
            doc["authorization_servers"] = json!([a.config().issuer]);
            if !a.config().required_scopes.is_empty() {
                doc["scopes_supported"] = json!(a.config().required_scopes);
            }
        }
        Authentication::InsecureNoAuth { .. } => {
            doc["authorization_servers"] = json!([]);
        }
    }
    json_response(StatusCode::OK, doc)
}

/// Alive: the process answers.
pub(super) async fn healthz() -> &'static str {
    "ok\n"
}

/// Ready: the store answers, the audit log is writable and the sandbox works (503 naming what
/// is not, so a load balancer takes the replica out).
pub(super) async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let gw = Arc::clone(&state.gateway);
    let Ok(r) = tokio::task::spawn_blocking(move || gw.readiness()).await else {
        return json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"ready": false, "error": "readiness check failed"}),
        );
    };
    let part = |p: &Result<(), String>| match p {
        Ok(()) => json!("ok"),
        Err(e) => json!(e),
    };
    let status = if r.ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    json_response(
        status,
        json!({"ready": r.ready(), "store": part(&r.store), "audit": part(&r.audit), "sandbox": part(&r.sandbox), "shutting_down": r.shutting_down}),
    )
}

fn histogram(out: &mut String, name: &str, help: &str, labels: &str, h: &HistogramSnapshot) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
    let sep = if labels.is_empty() { "" } else { "," };
    for (le, n) in &h.buckets {
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{le}\"}} {n}");
    }
    let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}", h.count);
    let braces = if labels.is_empty() {
        String::new()
    } else {
        format!("{{{labels}}}")
    };
    let _ = writeln!(out, "{name}_sum{braces} {}", h.sum);
    let _ = writeln!(out, "{name}_count{braces} {}", h.count);
}

/// Prometheus text format.
pub(super) async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let gw = Arc::clone(&state.gateway);
    let pending = tokio::task::spawn_blocking(move || gw.pending_approvals().ok())
        .await
        .ok()
        .flatten();
    let gw = &state.gateway;
    let m = gw.metrics();
    let env = gw.config().environment;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP recourse_tool_calls_total Tool calls answered, by tool, decision and environment.\n# TYPE recourse_tool_calls_total counter"
    );
    for (tool, decision, n) in m.calls() {
        let _ = writeln!(
            out,
            "recourse_tool_calls_total{{tool=\"{tool}\",decision=\"{decision}\",environment=\"{env}\"}} {n}"
        );
    }
    histogram(
        &mut out,
        "recourse_decision_duration_seconds",
        "Time from a call's arrival to its decision (normalize, assess, decide, bind), without audit or execution.",
        &format!("environment=\"{env}\""),
        &m.decision_duration.snapshot(),
    );
    histogram(
        &mut out,
        "recourse_audit_append_duration_seconds",
        "Time from submitting an audit record to its being on disk (group commit included).",
        "",
        &m.audit_append_duration.snapshot(),
    );
    let (batches, records) = m.audit_commits();
    let _ = writeln!(
        out,
        "# HELP recourse_audit_commits_total fsynced audit batches (group commits).\n# TYPE recourse_audit_commits_total counter\nrecourse_audit_commits_total {batches}"
    );
    let _ = writeln!(
        out,
        "# HELP recourse_audit_records_total Audit records written by this process.\n# TYPE recourse_audit_records_total counter\nrecourse_audit_records_total {records}"
    );
    if let Some(p) = pending {
        let _ = writeln!(
            out,
            "# HELP recourse_approvals_pending Approvals waiting for a human.\n# TYPE recourse_approvals_pending gauge\nrecourse_approvals_pending{{environment=\"{env}\"}} {p}"
        );
    }
    let _ = writeln!(
        out,
        "# HELP recourse_calls_in_flight Tool calls being handled now.\n# TYPE recourse_calls_in_flight gauge\nrecourse_calls_in_flight {}",
        gw.in_flight()
    );
    let r = &state.rejections;
    let _ = writeln!(
        out,
        "# HELP recourse_http_rejected_total Requests to /mcp turned away before MCP, by reason.\n# TYPE recourse_http_rejected_total counter"
    );
    for (reason, n) in [
        ("unauthenticated", &r.unauthenticated),
        ("forbidden", &r.forbidden),
        ("rate_limited", &r.rate_limited),
    ] {
        let _ = writeln!(
            out,
            "recourse_http_rejected_total{{reason=\"{reason}\"}} {}",
            n.load(Ordering::Relaxed)
        );
    }
    let mut resp = out.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    resp
}
