//! Consequence analysis: for each planned change, what kind of action it is and how
//! recoverable its effect would be, with the reason.

use recourse_policy::{ChangeAction, PlanChange, PlanFacts, RecoverabilityTier as Tier};
use serde::Serialize;
use serde_json::Value;

use crate::attrs::Attrs;
use crate::model::{
    Action, CROSS_REFERENCED, Configuration, Mode, Plan, ResourceChange, config_address,
    parse_or_null,
};
use crate::tiers::{BACKUPS, Context, DATA_BEARING, PROTECTIONS, destroy_tier};

/// The shape of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionKind {
    /// Nothing changes.
    NoOp,
    /// A data source is read.
    Read,
    /// A new object.
    Create,
    /// Changed in place.
    Update,
    /// Destroyed.
    Delete,
    /// Replaced, the old object destroyed first.
    ReplaceDeleteBeforeCreate,
    /// Replaced, the new object created first.
    ReplaceCreateBeforeDestroy,
    /// Removed from state only.
    Forget,
    /// An action list this analyzer does not know.
    Unknown,
}

impl ActionKind {
    /// From a change's action list.
    pub fn from_actions(actions: &[Action]) -> ActionKind {
        use Action::*;
        match actions {
            [NoOp] | [] => ActionKind::NoOp,
            [Read] => ActionKind::Read,
            [Create] => ActionKind::Create,
            [Update] => ActionKind::Update,
            [Delete] => ActionKind::Delete,
            [Delete, Create] => ActionKind::ReplaceDeleteBeforeCreate,
            [Create, Delete] => ActionKind::ReplaceCreateBeforeDestroy,
            [Forget] => ActionKind::Forget,
            _ => ActionKind::Unknown,
        }
    }

    /// Whether the existing object is destroyed.
    pub fn destroys(self) -> bool {
        matches!(
            self,
            ActionKind::Delete
                | ActionKind::ReplaceDeleteBeforeCreate
                | ActionKind::ReplaceCreateBeforeDestroy
        )
    }

    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::NoOp => "no-op",
            ActionKind::Read => "read",
            ActionKind::Create => "create",
            ActionKind::Update => "update",
            ActionKind::Delete => "delete",
            ActionKind::ReplaceDeleteBeforeCreate => "replace (delete before create)",
            ActionKind::ReplaceCreateBeforeDestroy => "replace (create before destroy)",
            ActionKind::Forget => "forget",
            ActionKind::Unknown => "unknown",
        }
    }
}

/// The analysis of one resource change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeAnalysis {
    /// Resource address.
    pub address: String,
    /// Resource type.
    pub resource_type: String,
    /// Action shape.
    pub action: ActionKind,
    /// How recoverable the effect is; `None` for no-ops and reads.
    pub tier: Option<Tier>,
    /// Why.
    pub why: String,
    /// Terraform's own reason for the action, if given.
    pub action_reason: Option<String>,
    /// Whether the change imports an existing object (an `import` block).
    pub importing: bool,
    /// The previous address, when a `moved` block changed it.
    pub moved_from: Option<String>,
    /// Terraform's reason, when it deferred this change to a later plan.
    pub deferred: Option<String>,
}

impl ChangeAnalysis {
    /// What the change does, as the policy's blast-radius rules count it.
    pub fn change_action(&self) -> ChangeAction {
        if self.deferred.is_some() {
            return ChangeAction::Deferred;
        }
        if self.importing {
            return ChangeAction::Import;
        }
        match self.action {
            ActionKind::Create => ChangeAction::Create,
            ActionKind::Update => ChangeAction::Update,
            ActionKind::Delete => ChangeAction::Delete,
            ActionKind::ReplaceDeleteBeforeCreate | ActionKind::ReplaceCreateBeforeDestroy => {
                ChangeAction::Replace
            }
            ActionKind::Forget => ChangeAction::Forget,
            ActionKind::NoOp | ActionKind::Read if self.moved_from.is_some() => ChangeAction::Move,
            _ => ChangeAction::Other,
        }
    }
}

/// The analysis of a whole plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanAnalysis {
    /// Plan format version.
    pub format_version: String,
    /// Terraform version.
    pub terraform_version: Option<String>,
    /// Every resource change (no-ops and reads included, with no tier).
    pub changes: Vec<ChangeAnalysis>,
    /// Whether any output changes.
    pub output_changes: bool,
    /// Managed objects in the prior state; `None` when the plan has no prior state.
    pub prior_resources: Option<u64>,
}

impl PlanAnalysis {
    /// The worst tier of any change.
    pub fn worst_tier(&self) -> Option<Tier> {
        self.changes.iter().filter_map(|c| c.tier).max()
    }

    /// The facts the policy engine decides on.
    pub fn facts(&self, workspace: &str, destroy: bool) -> PlanFacts {
        PlanFacts {
            workspace: workspace.to_owned(),
            destroy,
            changes: self
                .changes
                .iter()
                .filter_map(|c| {
                    c.tier.map(|tier| PlanChange {
                        address: c.address.clone(),
                        resource_type: c.resource_type.clone(),
                        action: c.change_action(),
                        tier,
                        why: format!("{}: {}", c.action.as_str(), c.why),
                    })
                })
                .collect(),
            output_changes: self.output_changes,
            prior_resources: self.prior_resources,
            config_findings: Vec::new(),
        }
    }
}

/// Which protection an update turns off (or leaves to a value known only at apply), if any.
fn lowered_protection(
    before: &Attrs<'_>,
    after: &Attrs<'_>,
    unknown: &Attrs<'_>,
) -> Option<String> {
    for (path, protective) in PROTECTIONS {
        if before.flag(path) != Some(*protective) {
            continue;
        }
        if after.flag(path) == Some(!*protective) {
            return Some(format!(
                "turns {} from {} to {}",
                path.join("."),
                protective,
                !protective
            ));
        }
        if unknown.flag(path) == Some(true) {
            return Some(format!(
                "{} (now {protective}) becomes a value known only at apply",
                path.join(".")
            ));
        }
    }
    for key in ["backup_retention_period", "recovery_window_in_days"] {
        if before.number(&[key]).is_some_and(|n| n > 0.0) && after.number(&[key]) == Some(0.0) {
            return Some(format!("sets {key} to 0"));
        }
    }
    None
}

/// Reclaim policies of persistent volumes and storage classes, from the prior state and from
/// the plan's own changes (a volume created or kept in the same plan).
fn reclaim_context<'a>(plan: &Plan, config: Option<&'a Configuration>) -> Context<'a> {
    let mut ctx = Context {
        config,
        ..Context::default()
    };
    let mut note = |ty: &str, v: &Value| {
        let a = Attrs::new(v, &Value::Null);
        let Some(name) = a.text(&["metadata", "name"]) else {
            return;
        };
        if ty.starts_with("kubernetes_persistent_volume") {
            if let Some(p) = a.text(&["spec", "persistent_volume_reclaim_policy"]) {
                ctx.volumes.insert(name.to_owned(), p.to_owned());
            }
        } else if let Some(p) = a.text(&["reclaim_policy"]) {
            ctx.classes.insert(name.to_owned(), p.to_owned());
        }
    };
    for o in plan.prior_state.iter().flat_map(|p| &p.objects) {
        note(&o.resource_type, &o.values.parse());
    }
    for rc in &plan.resource_changes {
        if CROSS_REFERENCED.contains(&rc.resource_type.as_str()) {
            for v in [&rc.change.before, &rc.change.after].into_iter().flatten() {
                note(&rc.resource_type, &v.parse());
            }
        }
    }
    ctx
}

fn analyze_change(
    rc: &ResourceChange,
    config: Option<&Configuration>,
    ctx: &Context<'_>,
) -> ChangeAnalysis {
    let action = ActionKind::from_actions(&rc.change.actions);
    let ty = rc.resource_type.as_str();
    let importing = rc.change.importing.is_some();
    let moved_from = rc
        .previous_address
        .as_ref()
        .filter(|p| **p != rc.address)
        .cloned();
    let (mut tier, mut why) = match action {
        ActionKind::NoOp => (None, "no change".into()),
        ActionKind::Read => (None, "data source read".into()),
        _ if rc.mode == Mode::Data => (None, "data source".into()),
        ActionKind::Create => (
            Some(Tier::Reversible),
            "a new object; planning again without it removes it".into(),
        ),
        ActionKind::Update => {
            let before = parse_or_null(rc.change.before.as_ref());
            let before_hidden = parse_or_null(rc.change.before_sensitive.as_ref());
            let after = parse_or_null(rc.change.after.as_ref());
            let after_hidden = parse_or_null(rc.change.after_sensitive.as_ref());
            let unknown = parse_or_null(rc.change.after_unknown.as_ref());
            match lowered_protection(
                &Attrs::new(&before, &before_hidden),
                &Attrs::new(&after, &after_hidden),
                &Attrs::new(&unknown, &Value::Null),
            ) {
                Some(what) => (
                    Some(Tier::NeedsReview),
                    format!("{what}: a protection is being turned off"),
                ),
                None => (Some(Tier::Reversible), "changed in place".into()),
            }
        }
        ActionKind::Forget => (
            Some(Tier::RecoverableWithEffort),
            "removed from state only; it must be imported again to be managed".into(),
        ),
        ActionKind::Unknown => (
            Some(Tier::NeedsReview),
            format!("unrecognised actions {:?}", rc.change.actions),
        ),
        ActionKind::Delete
        | ActionKind::ReplaceDeleteBeforeCreate
        | ActionKind::ReplaceCreateBeforeDestroy => {
            let before = parse_or_null(rc.change.before.as_ref());
            let hidden = parse_or_null(rc.change.before_sensitive.as_ref());
            let (mut tier, mut why) = destroy_tier(ty, &Attrs::new(&before, &hidden), ctx);
            if rc.deposed.is_some() {
                why = format!("deposed object: {why}");
            }
            let key = config_address(&rc.address);
            if config.is_some_and(|c| c.prevent_destroy.contains(&key)) {
                tier = tier.max(Tier::NeedsReview);
                why = format!("{why}; the configuration sets prevent_destroy");
            }
            (Some(tier), why)
        }
    };
    if rc.mode == Mode::Managed {
        if importing {
            let id = rc
                .change
                .importing
                .as_ref()
                .and_then(|i| i.id.as_deref())
                .map(|id| format!(" `{id}`"))
                .unwrap_or_default();
            let imported = format!(
                "imports the existing object{id}: from now on Terraform manages it, and later plans may change or destroy it"
            );
            why = match tier {
                Some(_) => format!("{imported}; and it is {why}"),
                None => imported,
            };
            tier = Some(tier.map_or(Tier::RecoverableWithEffort, |t| {
                t.max(Tier::RecoverableWithEffort)
            }));
        }
        if let Some(from) = &moved_from {
            why = match tier {
                Some(_) => format!("moved from `{from}`; {why}"),
                None => format!("moved from `{from}`: only its address in state changes"),
            };
            tier = tier.or(Some(Tier::Reversible));
        }
    }
    ChangeAnalysis {
        address: rc.address.clone(),
        resource_type: rc.resource_type.clone(),
        action,
        tier,
        why,
        action_reason: rc.action_reason.clone(),
        importing,
        moved_from,
        deferred: None,
    }
}

/// Analyzes a parsed plan. Linear in the number of changes: the configuration was indexed
/// once when the plan was read, and each change's values are parsed once, by its own analysis.
pub fn analyze(plan: &Plan) -> PlanAnalysis {
    let config = plan.configuration.as_ref();
    let ctx = reclaim_context(plan, config);
    let mut changes: Vec<ChangeAnalysis> = plan
        .resource_changes
        .iter()
        .map(|rc| analyze_change(rc, config, &ctx))
        .collect();

    // Cross-change patterns.
    let backup_destroyed = changes
        .iter()
        .find(|c| c.action.destroys() && BACKUPS.contains(&c.resource_type.as_str()))
        .map(|c| c.address.clone());
    let protection_lowered = changes
        .iter()
        .find(|c| c.action == ActionKind::Update && c.tier == Some(Tier::NeedsReview))
        .map(|c| c.address.clone());
    for c in &mut changes {
        let data = c.action.destroys() && DATA_BEARING.contains(&c.resource_type.as_str());
        if !data {
            continue;
        }
        if let Some(b) = &backup_destroyed
            && c.tier.is_some_and(|t| t < Tier::Unrecoverable)
        {
            c.tier = Some(Tier::Unrecoverable);
            c.why = format!(
                "{}; and the backup resource `{b}` is destroyed in the same plan",
                c.why
            );
        }
        if let Some(p) = &protection_lowered
            && c.tier.is_some_and(|t| t < Tier::NeedsReview)
        {
            c.tier = Some(Tier::NeedsReview);
            c.why = format!(
                "{}; and `{p}` has a protection turned off in the same plan",
                c.why
            );
        }
    }

    for d in &plan.deferred_changes {
        let mut c = analyze_change(&d.resource_change, config, &ctx);
        let reason = if d.reason.is_empty() {
            "unknown"
        } else {
            d.reason.as_str()
        };
        c.why = format!(
            "deferred by Terraform ({reason}): it will be planned later, and what it does is not known yet ({})",
            c.why
        );
        c.tier = Some(Tier::NeedsReview);
        c.deferred = Some(reason.to_owned());
        changes.push(c);
    }

    let output_changes = plan
        .output_changes
        .values()
        .any(|c| !matches!(ActionKind::from_actions(&c.actions), ActionKind::NoOp));
    if plan.complete == Some(false) {
        changes.push(ChangeAnalysis {
            address: "(plan)".into(),
            resource_type: String::new(),
            action: ActionKind::Unknown,
            tier: Some(Tier::NeedsReview),
            why: "Terraform deferred some changes: the plan is incomplete".into(),
            action_reason: None,
            importing: false,
            moved_from: None,
            deferred: Some("incomplete".into()),
        });
    }
    PlanAnalysis {
        format_version: plan.format_version.clone(),
        terraform_version: plan.terraform_version.clone(),
        changes,
        output_changes,
        prior_resources: plan.prior_state.as_ref().map(|p| p.managed_resources),
    }
}
