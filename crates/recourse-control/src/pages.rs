//! The HTML of every page. maud escapes every interpolated value; nothing here opts out with
//! `PreEscaped` on anything that came from a request, an approval or the identity provider.
//! No inline script or style: the CSP allows only `/static/*`. Colours always come with a text
//! label (status, decision, tier), so nothing is said by colour alone.

use maud::{DOCTYPE, Markup, html};
use recourse_exec::view::{ApprovalView, Part, Shown, UNBOUND_WARNING};
use recourse_plan::{ApprovalStatus, Channel, Choice, Timestamp};

/// The logged-in approver, as the page header shows them.
#[derive(Debug, Clone)]
pub struct Viewer<'a> {
    /// Approver name.
    pub name: &'a str,
    /// The session's CSRF token (every form carries it).
    pub csrf: &'a str,
}

/// `2026-11-21 09:00:00 UTC`.
pub fn time(t: Timestamp) -> String {
    // `2026-11-21T09:00:00Z` → `2026-11-21 09:00:00 UTC`.
    let iso = t.to_rfc3339();
    format!("{} UTC", iso.trim_end_matches('Z').replacen('T', " ", 1))
}

/// "in 3 h", "5 min ago".
pub fn relative(t: Timestamp, now: Timestamp) -> String {
    if t.0 == now.0 {
        return "just now".into();
    }
    let (d, future) = if t.0 > now.0 {
        (t.0 - now.0, true)
    } else {
        (now.0 - t.0, false)
    };
    let amount = match d {
        0..60 => format!("{d} s"),
        60..3600 => format!("{} min", d / 60),
        3600..172_800 => format!("{} h", d / 3600),
        _ => format!("{} days", d / 86_400),
    };
    if future {
        format!("in {amount}")
    } else {
        format!("{amount} ago")
    }
}

fn status_class(s: ApprovalStatus) -> &'static str {
    match s {
        ApprovalStatus::Pending => "badge s-pending",
        ApprovalStatus::Approved => "badge s-approved",
        ApprovalStatus::Rejected => "badge s-rejected",
        ApprovalStatus::Expired => "badge s-expired",
        ApprovalStatus::Consumed => "badge s-consumed",
    }
}

fn decision_class(d: &str) -> &'static str {
    match d {
        "allow" => "badge d-allow",
        "warn" => "badge d-warn",
        "escalate" => "badge d-escalate",
        "block" => "badge d-block",
        _ => "badge",
    }
}

fn tier_class(t: Option<&str>) -> &'static str {
    match t {
        Some("reversible") => "badge t-reversible",
        Some("recoverable-with-effort") => "badge t-effort",
        Some("recoverable-from-backup") => "badge t-backup",
        Some("needs-review") => "badge t-review",
        Some("unrecoverable") => "badge t-unrecoverable",
        _ => "badge",
    }
}

fn choice_text(c: Choice) -> (&'static str, &'static str) {
    match c {
        Choice::Approve => ("approved", "badge s-approved"),
        Choice::Reject => ("rejected", "badge s-rejected"),
        Choice::BreakGlass => ("break-glass", "badge d-block"),
    }
}

fn channel_text(c: Channel) -> &'static str {
    match c {
        Channel::Cli => "command line",
        Channel::Web => "web",
        Channel::BreakGlass => "break-glass command",
    }
}

/// The status as words: "pending — 1 of 2 approvals".
fn status_words(v: &ApprovalView) -> String {
    match v.progress {
        Some((have, need)) => format!("pending — {have} of {need} approvals"),
        None => v.status.as_str().to_owned(),
    }
}

/// Every page's frame.
pub fn layout(title: &str, viewer: Option<&Viewer<'_>>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="same-origin";
                title { (title) " · Recourse" }
                link rel="stylesheet" href="/static/style.css";
                script src="/static/app.js" defer {}
            }
            body {
                header.top {
                    a.brand href="/approvals" { "Recourse " span.muted { "approvals" } }
                    @if let Some(v) = viewer {
                        div.who {
                            span { "Signed in as " strong { (v.name) } }
                            form.inline method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(v.csrf);
                                button.link type="submit" { "Log out" }
                            }
                        }
                    }
                }
                main #main { (body) }
            }
        }
    }
}

/// The list filters.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Environment, or all.
    pub environment: Option<String>,
    /// Tool, or all.
    pub tool: Option<String>,
}

fn card(v: &ApprovalView, now: Timestamp) -> Markup {
    html! {
        li.card {
            a.cardlink href={ "/approvals/" (v.id) } {
                div.cardhead {
                    span class=(status_class(v.status)) { (status_words(v)) }
                    span.badge.env { (v.environment) }
                    span.tool { (v.tool) }
                }
                code.headline { (v.headline) }
                div.meta {
                    "requested by " strong { (v.requester) } " · " (relative(v.created_at, now))
                    @if v.status == ApprovalStatus::Pending {
                        " · expires " (relative(v.expires_at, now))
                    }
                }
            }
        }
    }
}

/// `/approvals`: pending first, then recent decisions.
pub fn list(
    views: &[ApprovalView],
    tools: &[String],
    filter: &Filter,
    now: Timestamp,
    viewer: &Viewer<'_>,
) -> Markup {
    let pending: Vec<&ApprovalView> = views
        .iter()
        .filter(|v| v.status == ApprovalStatus::Pending)
        .collect();
    let decided: Vec<&ApprovalView> = views
        .iter()
        .filter(|v| v.status != ApprovalStatus::Pending)
        .take(50)
        .collect();
    let body = html! {
        form.filters method="get" action="/approvals" {
            label { "Environment "
                select name="env" {
                    option value="" selected[filter.environment.is_none()] { "all" }
                    @for e in ["dev", "staging", "prod"] {
                        option value=(e) selected[filter.environment.as_deref() == Some(e)] { (e) }
                    }
                }
            }
            label { "Tool "
                select name="tool" {
                    option value="" selected[filter.tool.is_none()] { "all" }
                    @for t in tools {
                        option value=(t) selected[filter.tool.as_deref() == Some(t.as_str())] { (t) }
                    }
                }
            }
            button type="submit" { "Filter" }
        }
        div #live data-events="/approvals/events" {
            h1 { "Waiting for a decision " span.count { "(" (pending.len()) ")" } }
            @if pending.is_empty() {
                p.empty { "Nothing is waiting for a decision." }
            } @else {
                ul.cards { @for v in &pending { (card(v, now)) } }
            }
            h2 { "Recent decisions" }
            @if decided.is_empty() {
                p.empty { "No decisions yet." }
            } @else {
                ul.cards { @for v in &decided { (card(v, now)) } }
            }
            p.updated.muted { "Updated " (time(now)) " · live" }
        }
    };
    layout("Approvals", Some(viewer), body)
}

fn pre(text: &Shown, class: &str) -> Markup {
    html! { pre class=(class) { code { (text.as_str()) } } }
}

fn hidden_note(text: &Shown) -> Markup {
    html! {
        @if text.had_hidden() {
            p.warning { strong { "Hidden characters: " } "this text contains invisible or direction-changing characters. They are shown as " code { "\\u{…}" } " escapes, exactly where they are." }
        }
    }
}

fn part(p: &Part) -> Markup {
    html! {
        @match p {
            Part::Command { cwd, command } => {
                section.part {
                    h3 { "Shell command" }
                    p.muted { "in " code { (cwd) } }
                    (hidden_note(command))
                    (pre(command, "command"))
                }
            }
            Part::Script { path, sha256, content, truncated } => {
                section.part {
                    h3 { "Script it runs: " code { (path) } }
                    p.muted.digest { "sha256 " (sha256) @if *truncated { " · shown in part" } }
                    (hidden_note(content))
                    (pre(content, "script"))
                }
            }
            Part::Unbound(unbound) => {
                section.part.unbound {
                    h3 { span.badge.d-block { "Not shown, not pinned" } " Code it runs that this page cannot show" }
                    p.warning { strong { (UNBOUND_WARNING) } }
                    ul.findings {
                        @for u in unbound {
                            li { code { (u.what) } ": " (u.why) }
                        }
                    }
                }
            }
            Part::Objects(objects) => {
                section.part {
                    h3 { "kubectl apply: " (objects.len()) " object(s)" }
                    @for (i, o) in objects.iter().enumerate() {
                        article.object {
                            h4 {
                                span.num { (i + 1) "." } " " (o.kind) " " code { (o.name) }
                                @match &o.namespace {
                                    Some(ns) => { " in namespace " code { (ns) } }
                                    None => { " " span.badge.d-escalate { "cluster-scoped" } }
                                }
                            }
                            p.muted { (o.api_version) }
                            (hidden_note(&o.body))
                            (pre(&o.body, "manifest"))
                        }
                    }
                }
            }
            Part::Plan { cwd, workspace, state, changes } => {
                section.part {
                    h3 { "terraform apply: " (changes.len()) " change(s)" }
                    p.muted { "in " code { (cwd) } " · workspace " code { (workspace) } " · state " (state) }
                    table.changes {
                        thead { tr { th { "Action" } th { "Address" } th { "Consequence" } th { "Why" } } }
                        tbody {
                            @for c in changes {
                                tr {
                                    td { span.action { (c.actions) } }
                                    td { code { (c.address) } br; span.muted { (c.resource_type) } }
                                    td { span class=(tier_class(c.tier.as_deref())) { (c.tier.as_deref().unwrap_or("no data")) } }
                                    td { (c.why) }
                                }
                            }
                        }
                    }
                }
            }
            Part::Findings(findings) => {
                section.part {
                    h3 { "Configuration findings" }
                    ul.findings {
                        @for f in findings {
                            li {
                                span.badge.d-escalate { (f.rule) } " at " code { (f.at) } ": " (f.why)
                                (pre(&f.text, "finding"))
                            }
                        }
                    }
                }
            }
            Part::Providers(providers) => {
                section.part {
                    h3 { "Providers" }
                    ul { @for p in providers { li { code { (p) } } } }
                }
            }
            Part::Arguments(args) => {
                section.part {
                    h3 { "Arguments" }
                    (hidden_note(args))
                    (pre(args, "arguments"))
                }
            }
        }
    }
}

/// What the viewer may do on one approval.
#[derive(Debug, Clone, Copy, Default)]
pub struct Allowed {
    /// The approval is pending (decisions are open).
    pub open: bool,
    /// The viewer requested it.
    pub own_request: bool,
    /// The viewer already decided.
    pub decided: bool,
    /// The rules let the viewer approve or reject.
    pub approve: bool,
    /// The rules let the viewer break glass.
    pub break_glass: bool,
}

/// `/approvals/{id}`.
pub fn detail(
    v: &ApprovalView,
    policy_now: &str,
    allowed: Allowed,
    error: Option<&str>,
    now: Timestamp,
    viewer: &Viewer<'_>,
) -> Markup {
    let title = format!("{} in {}", v.tool, v.environment);
    let body = html! {
        p.back { a href="/approvals" { "← All approvals" } }
        div #live data-events="/approvals/events" data-approval=(v.id) {
            h1 { (v.tool) " " span.muted { "in" } " " span.badge.env { (v.environment) } }
            p.statusline {
                span class=(status_class(v.status)) { (status_words(v)) }
                @if v.status == ApprovalStatus::Pending {
                    " · expires " (relative(v.expires_at, now))
                }
            }
            @if let Some(e) = error {
                p.error role="alert" { strong { "Not recorded: " } (e) }
            }
            dl.facts {
                dt { "Requested by" } dd { strong { (v.requester) } }
                dt { "Requested" } dd { (time(v.created_at)) " (" (relative(v.created_at, now)) ")" }
                dt { "Expires" } dd { (time(v.expires_at)) " if not decided; a grant must be used within the policy's use window" }
                dt { "Environment" } dd { (v.environment) }
                @if let Some(p) = &v.plan_id { dt { "Plan" } dd { code { (p) } } }
                dt { "Policy" } dd.digest {
                    @match &v.policy_hash {
                        Some(h) => { "sha256 " (h) }
                        None => { "sha256 " (policy_now) " (the gateway's policy now)" }
                    }
                }
                dt { "Bound to" } dd.digest { "request digest " (v.request_digest) }
                dt { "Approval" } dd.digest { (v.id) }
                @if let Some(j) = &v.justification { dt { "Justification" } dd { (j) } }
            }
            @if !v.reasons.is_empty() {
                section.part {
                    h2 { "Why it needs a decision" }
                    ul.reasons {
                        @for r in &v.reasons {
                            li { span class=(decision_class(&r.decision)) { (r.decision) } " " (r.message) " " span.muted { "(" (r.rule) ")" } }
                        }
                    }
                }
            }
            h2 { "What will run" }
            p.muted { "Exactly what the gateway decided on: canonical, secrets redacted, invisible characters shown as escapes." }
            @for p in &v.parts { (part(p)) }
            @if !v.decisions.is_empty() {
                section.part {
                    h2 { "Decisions" }
                    ul.decisions {
                        @for d in &v.decisions {
                            @let (word, class) = choice_text(d.choice);
                            li {
                                span class=(class) { (word) } " by " strong { (d.approver) }
                                " · " (time(d.at)) " · " (channel_text(d.channel))
                                @if d.signer != d.approver { " (signed by " (d.signer) ")" }
                                blockquote { (d.reason) }
                            }
                        }
                    }
                }
            }
            @for p in &v.problems {
                p.error { strong { "Not counted: " } (p) }
            }
            (decide_forms(v, allowed, viewer))
            details.record {
                summary { "The full record" }
                pre { code { (v.record) } }
            }
        }
    };
    layout(&title, Some(viewer), body)
}

fn decide_forms(v: &ApprovalView, allowed: Allowed, viewer: &Viewer<'_>) -> Markup {
    let action = format!("/approvals/{}/decide", v.id);
    html! {
        @if !allowed.open {
            p.notice { "This approval is " (v.status.as_str()) "; no more decisions are taken." }
        } @else if allowed.own_request {
            p.notice { strong { "You requested this action." } " You cannot approve your own request; another approver must." }
        } @else if allowed.decided {
            p.notice { "You have decided on this approval; another approver must give the next decision." }
        } @else if !allowed.approve && !allowed.break_glass {
            p.notice { "The policy for " (v.environment) " does not let you decide on this approval." }
        }
        @if allowed.open && allowed.approve && !allowed.decided {
            form.decide method="post" action=(action) {
                input type="hidden" name="csrf" value=(viewer.csrf);
                label for="reason" { "Reason " span.muted { "(required; signed and recorded)" } }
                textarea #reason name="reason" required minlength="3" maxlength="2000" rows="3" {}
                div.buttons {
                    button.approve type="submit" name="choice" value="approve" { "Approve" }
                    button.reject type="submit" name="choice" value="reject" { "Reject" }
                }
            }
        }
        @if allowed.open && allowed.break_glass {
            details.breakglass {
                summary { "Break glass" }
                p { "Grants this action alone, whatever the required number of approvals. Audited as break-glass." }
                form method="post" action=(action) {
                    input type="hidden" name="csrf" value=(viewer.csrf);
                    input type="hidden" name="choice" value="break-glass";
                    label for="bg-reason" { "Why is this override necessary? " span.muted { "(at least 10 characters)" } }
                    textarea #bg-reason name="reason" required minlength="10" maxlength="2000" rows="2" {}
                    button.reject type="submit" { "Break glass" }
                }
            }
        }
    }
}

/// The login page: single sign-on if configured, and how login links work.
pub fn login(next: &str, sso: bool, message: Option<&str>) -> Markup {
    let body = html! {
        div.narrow {
            h1 { "Sign in to decide" }
            @if let Some(m) = message { p.error role="alert" { (m) } }
            @if sso {
                p { a.button href={ "/login/oidc?" (serde_urlencoded::to_string([("next", next)]).unwrap_or_default()) } { "Sign in with single sign-on" } }
            }
            p.muted { "Without single sign-on, ask an operator for a login link: "
                code { "recourse approvers login-link NAME" } ". A link works once, for a few minutes." }
        }
    };
    layout("Sign in", None, body)
}

/// The login link's confirmation: using it is a POST from this page (a link preview fetching
/// the URL does not use it up).
pub fn confirm_link(token: &str, approver: &str, expires: Timestamp, now: Timestamp) -> Markup {
    let body = html! {
        div.narrow {
            h1 { "Sign in as " (approver) "?" }
            p { "This login link works once and expires " (relative(expires, now)) "." }
            form method="post" action="/login/link" {
                input type="hidden" name="token" value=(token);
                button.approve type="submit" { "Sign in as " (approver) }
            }
        }
    };
    layout("Sign in", None, body)
}

/// After a login: continue to `next` (a same-site navigation, so the `SameSite=Strict` session
/// cookie goes along; a redirect straight from the identity provider's site would not carry it).
pub fn continue_to(next: &str) -> Markup {
    let refresh = format!("0;url={next}");
    let body = html! {
        div.narrow {
            h1 { "Signed in" }
            p { a.button href=(next) { "Continue" } }
        }
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="refresh" content=(refresh);
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Signed in · Recourse" }
                link rel="stylesheet" href="/static/style.css";
            }
            body { main #main { (body) } }
        }
    }
}

/// A plain message page (errors).
pub fn message(title: &str, text: &str, viewer: Option<&Viewer<'_>>) -> Markup {
    let body = html! {
        div.narrow {
            h1 { (title) }
            p { (text) }
            p { a href="/approvals" { "Approvals" } }
        }
    };
    layout(title, viewer, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(time(Timestamp(0)), "1970-01-01 00:00:00 UTC");
        assert_eq!(time(Timestamp(1_795_000_000)), "2026-11-18 11:06:40 UTC");
        assert_eq!(relative(Timestamp(100), Timestamp(40)), "in 1 min");
        assert_eq!(relative(Timestamp(0), Timestamp(7200)), "2 h ago");
    }

    #[test]
    fn untrusted_text_is_escaped() {
        let m = message(
            "<script>x</script>",
            "\"><img src=x onerror=alert(1)>",
            None,
        )
        .into_string();
        assert!(!m.contains("<script>x") && m.contains("&lt;script&gt;x"));
        assert!(!m.contains("<img") && m.contains("&lt;img"));
    }
}
