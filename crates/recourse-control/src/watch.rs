//! Watching the store: the gateway writes approvals from another process, so the control plane
//! looks every `poll` interval, tells live pages what changed (server-sent events) and sends
//! the webhooks: new pending approvals, decisions, expiries. The first look only learns what
//! exists (a restart does not notify again).

use std::collections::HashMap;
use std::sync::Arc;

use recourse_exec::ControlPlane;
use recourse_exec::view::ApprovalView;
use recourse_plan::ApprovalStatus;

use crate::App;
use crate::app::is_decided;
use crate::notify::{Event, Notice};

/// What was seen of one approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Seen {
    status: ApprovalStatus,
    text: String,
}

fn look(app: &App) -> Result<Vec<ApprovalView>, recourse_exec::ControlError> {
    let cp = ControlPlane::open(&app.state_dir, Some(&app.approvers_file))?;
    let now = recourse_exec::system_now();
    Ok(cp
        .approvals()?
        .iter()
        .map(|a| {
            let (tally, problems) = cp.tally(a, now);
            ApprovalView::new(a, &tally, &problems)
        })
        .collect())
}

/// The notification a change calls for, if any.
fn event(before: Option<&Seen>, now: ApprovalStatus) -> Option<Event> {
    match (before.map(|s| s.status), now) {
        (None, ApprovalStatus::Pending) => Some(Event::Requested),
        (None | Some(ApprovalStatus::Pending), s) if is_decided(s) => Some(Event::Decided),
        (Some(b), ApprovalStatus::Expired) if b != ApprovalStatus::Expired => Some(Event::Expired),
        _ => None,
    }
}

/// What exists now (blocking): the first look, taken before the control plane serves, so that
/// whatever appears afterwards is new.
pub(crate) fn baseline(app: &App) -> HashMap<String, Seen> {
    match look(app) {
        Ok(views) => views
            .into_iter()
            .map(|v| {
                let s = Seen {
                    status: v.status,
                    text: v.status_text,
                };
                (v.id, s)
            })
            .collect(),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read approvals");
            HashMap::new()
        }
    }
}

pub(crate) async fn run(app: Arc<App>, first: HashMap<String, Seen>) {
    let mut seen = Some(first);
    loop {
        tokio::time::sleep(app.poll).await;
        let a = Arc::clone(&app);
        match tokio::task::spawn_blocking(move || look(&a)).await {
            Ok(Ok(views)) => {
                let mut next = HashMap::with_capacity(views.len());
                for v in views {
                    let now = Seen {
                        status: v.status,
                        text: v.status_text.clone(),
                    };
                    if let Some(before) = &seen {
                        let prev = before.get(&v.id);
                        if prev != Some(&now) {
                            app.changed(&v.id);
                        }
                        if let Some(e) = event(prev, v.status) {
                            app.notifier.send(Notice {
                                event: e,
                                url: format!("{}/approvals/{}", app.public_url, v.id),
                                id: v.id.clone(),
                                status: v.status_text.clone(),
                                tool: v.tool.to_string(),
                                environment: v.environment.clone(),
                                requester: v.requester.to_string(),
                                summary: v.headline.to_string(),
                            });
                        }
                    }
                    next.insert(v.id, now);
                }
                seen = Some(next);
            }
            Ok(Err(e)) => tracing::warn!(error = %e, "cannot read approvals"),
            Err(e) => tracing::warn!(error = %e, "approvals watcher task failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_changes_notify() {
        use ApprovalStatus::*;
        let seen = |status| Seen {
            status,
            text: String::new(),
        };
        assert_eq!(event(None, Pending), Some(Event::Requested));
        assert_eq!(event(Some(&seen(Pending)), Approved), Some(Event::Decided));
        assert_eq!(event(Some(&seen(Pending)), Rejected), Some(Event::Decided));
        assert_eq!(event(Some(&seen(Pending)), Expired), Some(Event::Expired));
        assert_eq!(event(Some(&seen(Approved)), Expired), Some(Event::Expired));
        assert_eq!(event(Some(&seen(Approved)), Consumed), None);
        assert_eq!(event(Some(&seen(Pending)), Pending), None);
        assert_eq!(event(Some(&seen(Expired)), Expired), None);
    }
}
