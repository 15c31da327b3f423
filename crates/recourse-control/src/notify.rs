//! Webhooks on new, decided and expired approvals.
//!
//! Each delivery is a JSON POST: `{event, approval: {id, status, tool, environment, requester,
//! summary, …}, url, sent_at}` where `url` is the approval's page (which asks for a login: a
//! link is never a grant). Headers: `X-Recourse-Event`, `X-Recourse-Timestamp` and
//! `X-Recourse-Signature: t=<timestamp>,v1=<hex HMAC-SHA256 over "<timestamp>.<body>">` with
//! the shared secret, so a receiver can check origin, integrity and freshness. A Slack
//! incoming-webhook URL gets Slack's `{text, blocks}` shape instead (signed all the same).
//! Deliveries run on their own thread, off the server, and are retried with exponential
//! backoff on network errors, 408, 429 and 5xx.

use std::sync::mpsc;
use std::time::Duration;

use hmac::{KeyInit, Mac};
use serde_json::{Value, json};

type HmacSha256 = hmac::Hmac<sha2_hmac::Sha256>;

/// What happened to an approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A new pending approval.
    Requested,
    /// Approved or rejected.
    Decided,
    /// Past a deadline.
    Expired,
}

impl Event {
    /// `approval.requested`, …
    pub fn name(self) -> &'static str {
        match self {
            Event::Requested => "approval.requested",
            Event::Decided => "approval.decided",
            Event::Expired => "approval.expired",
        }
    }
}

/// The payload shape a receiver expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The documented JSON.
    Json,
    /// Slack's incoming-webhook `{text, blocks}`.
    Slack,
}

/// One receiver.
#[derive(Debug, Clone)]
pub struct Webhook {
    /// Where to POST.
    pub url: String,
    /// What to send.
    pub format: Format,
}

/// The facts a notification carries about one approval.
#[derive(Debug, Clone)]
pub struct Notice {
    /// What happened.
    pub event: Event,
    /// Approval id.
    pub id: String,
    /// Status now ("pending (0 of 2)", "approved", …).
    pub status: String,
    /// Tool.
    pub tool: String,
    /// Environment.
    pub environment: String,
    /// Who asked.
    pub requester: String,
    /// One line: the command or the arguments (invisible characters escaped).
    pub summary: String,
    /// The approval's page.
    pub url: String,
}

/// The JSON body for `format`.
pub fn body(n: &Notice, format: Format, sent_at: u64) -> Value {
    match format {
        Format::Json => json!({
            "event": n.event.name(),
            "approval": {
                "id": n.id, "status": n.status, "tool": n.tool, "environment": n.environment,
                "requester": n.requester, "summary": n.summary,
            },
            "url": n.url,
            "sent_at": sent_at,
        }),
        Format::Slack => {
            // Slack's mrkdwn gives `&`, `<` and `>` meaning: escape them in every value.
            let esc = |s: &str| {
                s.replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
            };
            let verb = match n.event {
                Event::Requested => "needs approval",
                Event::Decided => "was decided",
                Event::Expired => "expired",
            };
            let text = format!(
                "{} in {} {verb} ({}): requested by {}",
                esc(&n.tool),
                esc(&n.environment),
                esc(&n.status),
                esc(&n.requester)
            );
            json!({
                "text": text,
                "blocks": [
                    {"type": "section", "text": {"type": "mrkdwn", "text": format!("*{text}*\n`{}`", esc(&n.summary).replace('`', "'"))}},
                    {"type": "section", "text": {"type": "mrkdwn", "text": format!("<{}|Review on the approvals page> (login required)", esc(&n.url))}},
                ],
            })
        }
    }
}

/// `t=<timestamp>,v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub fn signature(secret: &[u8], timestamp: u64, body: &[u8]) -> String {
    let mut mac = match HmacSha256::new_from_slice(secret) {
        Ok(m) => m,
        // HMAC takes keys of any length; this arm is unreachable.
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let tag = mac.finalize().into_bytes();
    let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}

/// Delivery attempts per notification and the first backoff (doubled each time).
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// Attempts in all.
    pub attempts: u32,
    /// Wait before the second attempt.
    pub first_backoff: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            attempts: 6,
            first_backoff: Duration::from_secs(1),
        }
    }
}

/// Sends notifications from a thread of its own.
#[derive(Debug, Clone)]
pub struct Notifier {
    tx: Option<mpsc::Sender<Notice>>,
}

impl Notifier {
    /// A notifier that sends nothing.
    pub fn none() -> Notifier {
        Notifier { tx: None }
    }

    /// Starts the delivery thread.
    pub fn start(hooks: Vec<Webhook>, secret: Vec<u8>, retry: Retry) -> Notifier {
        if hooks.is_empty() {
            return Notifier::none();
        }
        let (tx, rx) = mpsc::channel::<Notice>();
        let spawned = std::thread::Builder::new()
            .name("recourse-webhooks".into())
            .spawn(move || {
                let agent = ureq::Agent::config_builder()
                    .timeout_global(Some(Duration::from_secs(10)))
                    .http_status_as_error(false)
                    .build()
                    .new_agent();
                for notice in rx {
                    for hook in &hooks {
                        deliver(&agent, hook, &secret, &notice, retry);
                    }
                }
            });
        match spawned {
            Ok(_) => Notifier { tx: Some(tx) },
            Err(e) => {
                tracing::error!(error = %e, "webhook thread not started: no notifications");
                Notifier::none()
            }
        }
    }

    /// Queues a notification.
    pub fn send(&self, n: Notice) {
        if let Some(tx) = &self.tx
            && tx.send(n).is_err()
        {
            tracing::error!("webhook thread gone: notification dropped");
        }
    }
}

fn now_unix() -> u64 {
    recourse_exec::system_now().0
}

fn deliver(agent: &ureq::Agent, hook: &Webhook, secret: &[u8], n: &Notice, retry: Retry) {
    let mut backoff = retry.first_backoff;
    for attempt in 1..=retry.attempts.max(1) {
        // Signed afresh on every attempt: the timestamp says when this copy was sent.
        let ts = now_unix();
        let payload = body(n, hook.format, ts).to_string();
        let sig = signature(secret, ts, payload.as_bytes());
        let result = agent
            .post(&hook.url)
            .header("Content-Type", "application/json")
            .header("User-Agent", "recourse-control")
            .header("X-Recourse-Event", n.event.name())
            .header("X-Recourse-Timestamp", &ts.to_string())
            .header("X-Recourse-Signature", &sig)
            .send(payload.as_bytes());
        let retryable = match result {
            Ok(r) if r.status().is_success() => {
                tracing::info!(url = %hook.url, event = n.event.name(), approval = %n.id, "webhook delivered");
                return;
            }
            Ok(r) => {
                let s = r.status().as_u16();
                tracing::warn!(url = %hook.url, status = s, attempt, "webhook refused");
                s == 408 || s == 429 || s >= 500
            }
            Err(e) => {
                tracing::warn!(url = %hook.url, error = %e, attempt, "webhook not delivered");
                true
            }
        };
        if !retryable || attempt == retry.attempts {
            break;
        }
        std::thread::sleep(backoff);
        backoff = backoff.saturating_mul(2).min(Duration::from_secs(300));
    }
    tracing::error!(url = %hook.url, event = n.event.name(), approval = %n.id, "webhook given up");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice() -> Notice {
        Notice {
            event: Event::Requested,
            id: "ab".into(),
            status: "pending".into(),
            tool: "gateway_shell_exec".into(),
            environment: "prod".into(),
            requester: "<agent>".into(),
            summary: "rm -rf `x` & <b>".into(),
            url: "https://c.example/approvals/ab".into(),
        }
    }

    #[test]
    fn signature_is_hmac_sha256_over_timestamp_and_body() {
        // RFC 4231 test case 2 shape: key "Jefe", message "1.{}".
        let sig = signature(b"Jefe", 1, b"{}");
        assert!(sig.starts_with("t=1,v1="));
        assert_eq!(sig.len(), "t=1,v1=".len() + 64);
        assert_ne!(
            sig,
            signature(b"Jefe", 2, b"{}"),
            "the timestamp is covered"
        );
        assert_ne!(sig, signature(b"Jefe", 1, b"{ }"), "the body is covered");
        assert_ne!(sig, signature(b"other", 1, b"{}"), "the secret is covered");
        // Known answer: HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog").
        let mut mac = HmacSha256::new_from_slice(b"key").unwrap();
        mac.update(b"The quick brown fox jumps over the lazy dog");
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }

    #[test]
    fn payloads() {
        let j = body(&notice(), Format::Json, 7);
        assert_eq!(j["event"], "approval.requested");
        assert_eq!(j["approval"]["requester"], "<agent>");
        assert_eq!(j["url"], "https://c.example/approvals/ab");
        let s = body(&notice(), Format::Slack, 7);
        let text = s.to_string();
        assert!(text.contains("&lt;agent&gt;") && !text.contains("<agent>"));
        assert!(text.contains("<https://c.example/approvals/ab|Review"));
    }
}
