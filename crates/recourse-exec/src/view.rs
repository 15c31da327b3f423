//! What an approver is shown: one reading of an approval's summary (which the gate wrote from
//! the same parse it decided on), shared by `recourse approvals show` and the web control
//! plane so that the terminal and the page cannot show different things.
//!
//! Every piece of text in a view has its invisible and bidirectional characters made visible
//! (`\u{200B}`) by [`recourse_shell::escape_for_display`] when the view is built; renderers
//! only lay it out (the web page HTML-escapes it as well).

use recourse_plan::{Approval, ApprovalStatus, Channel, Choice, Tally, Timestamp};
use recourse_shell::escape_for_display;
use serde_json::Value;

/// Text with invisible characters made visible.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Shown(String, bool);

impl Shown {
    /// Escapes `text`.
    pub fn new(text: &str) -> Shown {
        let shown = escape_for_display(text);
        let changed = shown != text;
        Shown(shown, changed)
    }

    /// The escaped text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the original held characters that are now shown as escapes (the approver is
    /// told so).
    pub fn had_hidden(&self) -> bool {
        self.1
    }
}

/// Displayed inline, a `Shown` stays on one line: line breaks are shown as `\n` / `\r`, so no
/// value (a requester's name, a reason) can start a line of its own and pass for another field.
/// Multi-line text (a command, a script) is laid out from [`Shown::as_str`].
impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for c in self.0.chars() {
            match c {
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                c => std::fmt::Write::write_char(f, c)?,
            }
        }
        Ok(())
    }
}

/// One reason the policy gave.
#[derive(Debug, Clone)]
pub struct ReasonView {
    /// `allow`, `warn`, `escalate` or `block`.
    pub decision: String,
    /// The rule id.
    pub rule: Shown,
    /// The sentence.
    pub message: Shown,
}

/// One kubectl object as kubectl will receive it (Secret values replaced).
#[derive(Debug, Clone)]
pub struct ObjectView {
    /// `apiVersion`.
    pub api_version: Shown,
    /// Kind.
    pub kind: Shown,
    /// Name.
    pub name: Shown,
    /// Namespace, or `None` for a cluster-scoped object.
    pub namespace: Option<Shown>,
    /// The object as YAML.
    pub body: Shown,
}

/// One terraform change.
#[derive(Debug, Clone)]
pub struct ChangeView {
    /// `create`, `delete`, `replace`…
    pub actions: Shown,
    /// Resource address.
    pub address: Shown,
    /// Resource type.
    pub resource_type: Shown,
    /// Recoverability tier (kebab-case), if the change has one.
    pub tier: Option<String>,
    /// Why that tier.
    pub why: Shown,
}

/// One configuration finding.
#[derive(Debug, Clone)]
pub struct FindingView {
    /// The policy key (`provisioner`, `credential_read`…).
    pub rule: Shown,
    /// File and line.
    pub at: Shown,
    /// Why it matters.
    pub why: Shown,
    /// The text found (a provisioner's command in full).
    pub text: Shown,
}

/// Code a command runs that is neither shown nor pinned.
#[derive(Debug, Clone)]
pub struct UnboundView {
    /// What runs or is loaded, as the command names it.
    pub what: Shown,
    /// Why it cannot be bound.
    pub why: Shown,
}

/// The warning every renderer puts above [`Part::Unbound`].
pub const UNBOUND_WARNING: &str = "WARNING: this command also runs code that is NOT shown here and NOT pinned; what runs there may change after you approve:";

/// One part of what would run.
#[derive(Debug, Clone)]
pub enum Part {
    /// A shell command.
    Command {
        /// Working directory.
        cwd: Shown,
        /// The command.
        command: Shown,
    },
    /// A script the command runs, as bound (content hash) and pinned.
    Script {
        /// Path.
        path: Shown,
        /// sha256 of the content.
        sha256: Shown,
        /// The content (possibly cut).
        content: Shown,
        /// Whether the content shown is cut.
        truncated: bool,
    },
    /// Code the command runs that the gateway could not bind: it is NOT shown here and NOT
    /// pinned, so what runs may differ from anything the approver saw.
    Unbound(Vec<UnboundView>),
    /// Objects a kubectl apply sends.
    Objects(Vec<ObjectView>),
    /// A terraform plan's changes.
    Plan {
        /// Working directory.
        cwd: Shown,
        /// Workspace.
        workspace: Shown,
        /// State lineage and serial.
        state: Shown,
        /// Every change.
        changes: Vec<ChangeView>,
    },
    /// Configuration findings.
    Findings(Vec<FindingView>),
    /// Providers and their hashes.
    Providers(Vec<Shown>),
    /// Any other tool's arguments, as JSON.
    Arguments(Shown),
}

/// One signed decision on the approval.
#[derive(Debug, Clone)]
pub struct DecisionView {
    /// What was decided.
    pub choice: Choice,
    /// Who decided.
    pub approver: Shown,
    /// Whose key signed.
    pub signer: Shown,
    /// Where.
    pub channel: Channel,
    /// When.
    pub at: Timestamp,
    /// Why.
    pub reason: Shown,
}

/// Everything an approver is shown about one approval.
#[derive(Debug, Clone)]
pub struct ApprovalView {
    /// Id.
    pub id: String,
    /// Status.
    pub status: ApprovalStatus,
    /// "pending (1 of 2)", "approved"…
    pub status_text: String,
    /// Valid grants and grants required, while pending.
    pub progress: Option<(u32, u32)>,
    /// Who asked.
    pub requester: Shown,
    /// Tool.
    pub tool: Shown,
    /// Environment.
    pub environment: String,
    /// Plan, for applies.
    pub plan_id: Option<String>,
    /// The request digest the approval is bound to.
    pub request_digest: String,
    /// The policy the gateway decided under, when the approval records it.
    pub policy_hash: Option<String>,
    /// Requested at.
    pub created_at: Timestamp,
    /// A pending request expires at.
    pub expires_at: Timestamp,
    /// Break-glass justification.
    pub justification: Option<Shown>,
    /// The policy's reasons.
    pub reasons: Vec<ReasonView>,
    /// What would run.
    pub parts: Vec<Part>,
    /// Decisions so far.
    pub decisions: Vec<DecisionView>,
    /// Decisions that do not count, and why.
    pub problems: Vec<Shown>,
    /// The whole summary, pretty JSON.
    pub record: Shown,
    /// One line: the command, or the arguments.
    pub headline: Shown,
}

/// "approved", "pending (1 of 2)", …
pub fn status_text(t: &Tally) -> String {
    match t {
        Tally::Pending { have, need } if *need > 1 => format!("pending ({have} of {need})"),
        other => other.status().as_str().to_owned(),
    }
}

fn text(v: &Value, key: &str) -> Shown {
    Shown::new(v.get(key).and_then(Value::as_str).unwrap_or(""))
}

fn list(v: Option<&Value>) -> impl Iterator<Item = &Value> {
    v.and_then(Value::as_array).into_iter().flatten()
}

fn scalar(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "none".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The parts of what would run, read from an approval's summary.
fn parts(summary: &Value) -> Vec<Part> {
    let mut out = Vec::new();
    let args = summary.get("arguments").unwrap_or(&Value::Null);
    // Applies bind `{arguments: {…}}` inside the tool's arguments.
    let inner = args.get("arguments").unwrap_or(args);
    let details = summary.get("details");
    if let Some(cmd) = inner.get("command").and_then(Value::as_str) {
        out.push(Part::Command {
            cwd: text(inner, "cwd"),
            command: Shown::new(cmd),
        });
    }
    for s in list(details.and_then(|d| d.get("scripts"))) {
        out.push(Part::Script {
            path: text(s, "path"),
            sha256: text(s, "sha256"),
            content: text(s, "content"),
            truncated: s.get("truncated").and_then(Value::as_bool) == Some(true),
        });
    }
    let unbound: Vec<UnboundView> = list(details.and_then(|d| d.get("unbound")))
        .map(|u| UnboundView {
            what: text(u, "what"),
            why: text(u, "why"),
        })
        .collect();
    if !unbound.is_empty() {
        out.push(Part::Unbound(unbound));
    }
    if let Some(objects) = inner.get("objects").and_then(Value::as_array) {
        out.push(Part::Objects(
            objects
                .iter()
                .map(|o| ObjectView {
                    api_version: text(o, "api_version"),
                    kind: text(o, "kind"),
                    name: text(o, "name"),
                    namespace: o.get("namespace").and_then(Value::as_str).map(Shown::new),
                    body: text(o, "object"),
                })
                .collect(),
        ));
    }
    if let Some(d) = details {
        if let Some(changes) = d.get("changes").and_then(Value::as_array) {
            out.push(Part::Plan {
                cwd: text(d, "cwd"),
                workspace: text(d, "workspace"),
                state: Shown::new(&format!(
                    "lineage {} serial {}",
                    scalar(d.get("lineage")),
                    scalar(d.get("serial"))
                )),
                changes: changes
                    .iter()
                    .map(|c| ChangeView {
                        actions: text(c, "actions"),
                        address: text(c, "address"),
                        resource_type: text(c, "type"),
                        tier: c.get("tier").and_then(Value::as_str).map(str::to_owned),
                        why: text(c, "why"),
                    })
                    .collect(),
            });
        }
        let findings: Vec<FindingView> = list(d.get("findings"))
            .map(|f| FindingView {
                rule: text(f, "rule"),
                at: text(f, "at"),
                why: text(f, "why"),
                text: text(f, "text"),
            })
            .collect();
        if !findings.is_empty() {
            out.push(Part::Findings(findings));
        }
        let providers: Vec<Shown> = list(d.get("providers"))
            .map(|p| {
                Shown::new(&format!(
                    "{} {} (sha256 {})",
                    scalar(p.get("source")),
                    scalar(p.get("version")),
                    scalar(p.get("sha256"))
                ))
            })
            .collect();
        if !providers.is_empty() {
            out.push(Part::Providers(providers));
        }
    }
    if out.is_empty() {
        let pretty = serde_json::to_string_pretty(args).unwrap_or_default();
        out.push(Part::Arguments(Shown::new(&pretty)));
    }
    out
}

/// One line for lists: the command, else the arguments, at most `max` characters.
fn headline(summary: &Value, max: usize) -> Shown {
    let args = summary.get("arguments").unwrap_or(&Value::Null);
    let inner = args.get("arguments").unwrap_or(args);
    let objects = inner.get("objects").and_then(Value::as_array);
    let changes = summary
        .pointer("/details/changes")
        .and_then(Value::as_array);
    let line = if let Some(cmd) = inner.get("command").and_then(Value::as_str) {
        cmd.to_owned()
    } else if let Some(objects) = objects {
        let names: Vec<String> = objects
            .iter()
            .map(|o| {
                let s = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or("");
                match o.get("namespace").and_then(Value::as_str) {
                    Some(ns) => format!("{} {} in {ns}", s("kind"), s("name")),
                    None => format!("{} {} (cluster-scoped)", s("kind"), s("name")),
                }
            })
            .collect();
        format!("apply {}", names.join(", "))
    } else if let Some(changes) = changes {
        let each: Vec<String> = changes
            .iter()
            .map(|c| {
                let s = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("");
                format!("{} {}", s("actions"), s("address"))
            })
            .collect();
        format!("terraform: {}", each.join(", "))
    } else {
        args.to_string()
    };
    let full = escape_for_display(&line);
    let changed = full != line;
    let escaped = full.replace(['\n', '\t'], " ");
    let mut cut: String = escaped.chars().take(max).collect();
    if cut.len() < escaped.len() {
        cut.push('…');
    }
    Shown(cut, changed)
}

impl ApprovalView {
    /// The view of `a`, whose tally (and problems) the control plane computed.
    pub fn new(a: &Approval, tally: &Tally, problems: &[String]) -> ApprovalView {
        let s = &a.summary;
        ApprovalView {
            id: a.id.to_string(),
            status: tally.status(),
            status_text: status_text(tally),
            progress: match tally {
                Tally::Pending { have, need } => Some((*have, *need)),
                _ => None,
            },
            requester: Shown::new(&a.requester),
            tool: Shown::new(&a.tool),
            environment: a.environment.to_string(),
            plan_id: a.plan_id.map(|p| p.to_string()),
            request_digest: a.request_digest.to_string(),
            policy_hash: s
                .get("policy_hash")
                .and_then(Value::as_str)
                .map(str::to_owned),
            created_at: a.created_at,
            expires_at: a.expires_at,
            justification: a.justification.as_deref().map(Shown::new),
            reasons: list(s.get("reasons"))
                .map(|r| ReasonView {
                    decision: scalar(r.get("decision")),
                    rule: text(r, "rule"),
                    message: text(r, "message"),
                })
                .collect(),
            parts: parts(s),
            decisions: a
                .statements
                .iter()
                .map(|st| {
                    let st = &st.statement;
                    DecisionView {
                        choice: st.choice,
                        approver: Shown::new(&st.approver),
                        signer: Shown::new(&st.signer),
                        channel: st.channel,
                        at: st.issued_at,
                        reason: Shown::new(&st.reason),
                    }
                })
                .collect(),
            problems: problems.iter().map(|p| Shown::new(p)).collect(),
            record: Shown::new(&serde_json::to_string_pretty(s).unwrap_or_default()),
            headline: headline(s, 120),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use recourse_plan::{ApprovalId, NewApproval};
    use recourse_policy::{Digest, Environment};
    use serde_json::json;

    fn approval(summary: Value) -> Approval {
        Approval::new(
            NewApproval {
                id: ApprovalId::from_bytes([3; 16]),
                request_digest: Digest::of(b"r"),
                requester: "agent\u{200b}".into(),
                tool: "gateway_shell_exec".into(),
                summary,
                environment: Environment::Prod,
                plan_id: None,
                justification: None,
            },
            Timestamp(100),
            60,
        )
    }

    #[test]
    fn every_text_has_invisible_characters_made_visible() {
        let a = approval(json!({
            "arguments": {"command": "ls\u{200b} -la", "cwd": "/w"},
            "details": {"scripts": [{"path": "x.sh", "sha256": "ab", "content": "rm \u{202e}x"}]},
            "reasons": [{"decision": "escalate", "rule": "shell", "message": "m\u{feff}"}],
            "policy_hash": "00ff",
        }));
        let v = ApprovalView::new(&a, &Tally::Pending { have: 1, need: 2 }, &[]);
        assert_eq!(v.status_text, "pending (1 of 2)");
        assert_eq!(v.progress, Some((1, 2)));
        assert_eq!(v.requester.as_str(), "agent\\u{200B}");
        assert!(v.requester.had_hidden() && !v.tool.had_hidden());
        assert_eq!(v.policy_hash.as_deref(), Some("00ff"));
        assert_eq!(v.headline.as_str(), "ls\\u{200B} -la");
        assert_eq!(v.reasons[0].message.as_str(), "m\\u{FEFF}");
        match (&v.parts[0], &v.parts[1]) {
            (Part::Command { command, .. }, Part::Script { content, .. }) => {
                assert_eq!(command.as_str(), "ls\\u{200B} -la");
                assert_eq!(content.as_str(), "rm \\u{202E}x");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn kubectl_objects_and_terraform_changes_one_by_one() {
        let a = approval(json!({"arguments": {"objects": [
            {"api_version": "v1", "kind": "Pod", "name": "a", "namespace": "kube-system", "object": "kind: Pod\n"},
            {"api_version": "v1", "kind": "Namespace", "name": "b", "namespace": null, "object": "kind: Namespace\n"},
        ]}, "details": {"cwd": "/i", "workspace": "default", "lineage": null, "serial": 3,
            "changes": [{"address": "aws_db.x", "type": "aws_db", "actions": "delete", "tier": "unrecoverable", "why": "no backup"}],
            "findings": [{"rule": "provisioner", "at": "main.tf:3", "why": "runs", "text": "curl x"}],
            "providers": [{"source": "hashicorp/aws", "version": "3.39.0", "sha256": "cd"}]}}));
        let v = ApprovalView::new(&a, &Tally::Pending { have: 0, need: 1 }, &[]);
        assert_eq!(v.status_text, "pending");
        assert_eq!(
            v.headline.as_str(),
            "apply Pod a in kube-system, Namespace b (cluster-scoped)"
        );
        let Part::Objects(objects) = &v.parts[0] else {
            panic!("{:?}", v.parts)
        };
        assert_eq!(objects.len(), 2);
        assert!(objects[1].namespace.is_none());
        let Part::Plan { changes, state, .. } = &v.parts[1] else {
            panic!("{:?}", v.parts)
        };
        assert_eq!(state.as_str(), "lineage none serial 3");
        assert_eq!(changes[0].tier.as_deref(), Some("unrecoverable"));
        assert!(matches!(&v.parts[2], Part::Findings(f) if f[0].text.as_str() == "curl x"));
        assert!(matches!(&v.parts[3], Part::Providers(p) if p[0].as_str().contains("3.39.0")));
    }

    #[test]
    fn code_that_cannot_be_bound_is_its_own_part() {
        let a = approval(json!({
            "arguments": {"command": "node -r pkg\u{200b} x.js", "cwd": "/w"},
            "details": {"unbound": [{"what": "pkg\u{200b}", "why": "found in node_modules"}]},
        }));
        let v = ApprovalView::new(&a, &Tally::Pending { have: 0, need: 1 }, &[]);
        let Some(Part::Unbound(u)) = v.parts.iter().find(|p| matches!(p, Part::Unbound(_))) else {
            panic!("{:?}", v.parts);
        };
        assert_eq!(u[0].what.as_str(), "pkg\\u{200B}");
        assert!(u[0].what.had_hidden());
        assert_eq!(u[0].why.as_str(), "found in node_modules");
    }

    #[test]
    fn other_tools_show_their_arguments() {
        let a = approval(json!({"arguments": {"resource": "pods", "name": "web"}}));
        let v = ApprovalView::new(&a, &Tally::Pending { have: 0, need: 1 }, &[]);
        assert!(matches!(&v.parts[0], Part::Arguments(s) if s.as_str().contains("\"web\"")));
    }
}
