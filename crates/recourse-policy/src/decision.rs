//! The decision lattice and the verdicts built from it.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What the gateway does with an action. Ordered `Allow < Warn < Escalate < Block`;
/// combining decisions takes the maximum, so a single stricter finding always wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// Run it.
    Allow,
    /// Run it, and flag it in the audit log.
    Warn,
    /// Do not run it until a human approves exactly this action.
    Escalate,
    /// Never run it on an agent's request.
    Block,
}

impl Decision {
    /// All decisions, lowest first.
    pub const ALL: [Decision; 4] = [
        Decision::Allow,
        Decision::Warn,
        Decision::Escalate,
        Decision::Block,
    ];

    /// The lowercase name used in policy files and JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Warn => "warn",
            Decision::Escalate => "escalate",
            Decision::Block => "block",
        }
    }

    /// The stricter of two decisions (the lattice join).
    #[must_use]
    pub fn join(self, other: Decision) -> Decision {
        self.max(other)
    }

    /// Whether an action with this decision may run without a human approval.
    pub const fn runs_without_approval(self) -> bool {
        matches!(self, Decision::Allow | Decision::Warn)
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A decision name that is not one of `allow`, `warn`, `escalate`, `block`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown decision `{0}`: expected one of allow, warn, escalate, block")]
pub struct UnknownDecision(pub String);

impl FromStr for Decision {
    type Err = UnknownDecision;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Decision::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| UnknownDecision(s.to_owned()))
    }
}

/// Identifies the rule that produced a reason, e.g. `environments.prod.terraform_destroy`
/// or `shell.always_block[2]`. Stable enough to grep audit logs for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RuleId(Cow<'static, str>);

impl RuleId {
    /// A rule id from its dotted name. Static names (most rules) are not copied.
    pub fn new(id: impl Into<Cow<'static, str>>) -> Self {
        RuleId(id.into())
    }

    /// The dotted name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<RuleId> for Cow<'static, str> {
    fn from(r: RuleId) -> Self {
        r.0
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One finding: the decision a rule asks for, which rule, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// The decision this rule asks for.
    pub decision: Decision,
    /// The rule that produced it.
    pub rule: RuleId,
    /// A sentence for humans.
    pub message: String,
}

impl Reason {
    /// A reason from its parts.
    pub fn new(
        decision: Decision,
        rule: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        Reason {
            decision,
            rule: RuleId::new(rule),
            message: message.into(),
        }
    }
}

/// The outcome of evaluating an action: the combined decision and every reason behind it.
///
/// The decision is always the maximum of the reasons' decisions (or `allow` with no reasons):
/// it is derived, never set separately, so a verdict cannot claim less than its reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    decision: Decision,
    reasons: Vec<Reason>,
}

impl Verdict {
    /// A verdict from a set of reasons; the decision is their maximum.
    pub fn from_reasons(reasons: Vec<Reason>) -> Self {
        let decision = reasons
            .iter()
            .map(|r| r.decision)
            .max()
            .unwrap_or(Decision::Allow);
        Verdict { decision, reasons }
    }

    /// The combined decision.
    pub fn decision(&self) -> Decision {
        self.decision
    }

    /// Every reason, in the order the rules were applied.
    pub fn reasons(&self) -> &[Reason] {
        &self.reasons
    }

    /// The reasons that set the decision (those equal to the maximum).
    pub fn deciding_reasons(&self) -> impl Iterator<Item = &Reason> {
        self.reasons.iter().filter(|r| r.decision == self.decision)
    }

    /// Adds a reason, raising the decision if it is stricter.
    pub fn push(&mut self, reason: Reason) {
        self.decision = self.decision.join(reason.decision);
        self.reasons.push(reason);
    }

    /// Combines two verdicts: the maximum decision, all reasons.
    #[must_use]
    pub fn join(mut self, other: Verdict) -> Verdict {
        for r in other.reasons {
            self.push(r);
        }
        self
    }
}

impl<'de> Deserialize<'de> for Verdict {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            reasons: Vec<Reason>,
        }
        // Recompute the decision from the reasons: a stored verdict cannot under-claim.
        Raw::deserialize(d).map(|r| Verdict::from_reasons(r.reasons))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lattice_order() {
        assert!(Decision::Allow < Decision::Warn);
        assert!(Decision::Warn < Decision::Escalate);
        assert!(Decision::Escalate < Decision::Block);
    }

    #[test]
    fn join_is_max_commutative_idempotent() {
        for a in Decision::ALL {
            assert_eq!(a.join(a), a);
            for b in Decision::ALL {
                assert_eq!(a.join(b), b.join(a));
                assert_eq!(a.join(b), a.max(b));
                for c in Decision::ALL {
                    assert_eq!(a.join(b).join(c), a.join(b.join(c)));
                }
            }
        }
        assert_eq!(Decision::Allow.join(Decision::Block), Decision::Block);
    }

    #[test]
    fn parse_names() {
        for d in Decision::ALL {
            assert_eq!(d.as_str().parse::<Decision>(), Ok(d));
        }
        let err = "deny".parse::<Decision>().unwrap_err();
        assert!(err.to_string().contains("deny"));
        assert!(err.to_string().contains("escalate"));
    }

    #[test]
    fn verdict_decision_is_max_of_reasons() {
        let v = Verdict::from_reasons(vec![]);
        assert_eq!(v.decision(), Decision::Allow);
        let v = Verdict::from_reasons(vec![
            Reason::new(Decision::Warn, "a", "x"),
            Reason::new(Decision::Escalate, "b", "y"),
            Reason::new(Decision::Allow, "c", "z"),
        ]);
        assert_eq!(v.decision(), Decision::Escalate);
        assert_eq!(v.deciding_reasons().count(), 1);
        let v = v.join(Verdict::from_reasons(vec![Reason::new(
            Decision::Block,
            "d",
            "w",
        )]));
        assert_eq!(v.decision(), Decision::Block);
        assert_eq!(v.reasons().len(), 4);
    }

    #[test]
    fn deserialized_verdict_recomputes_decision() {
        let json =
            r#"{"decision":"allow","reasons":[{"decision":"block","rule":"r","message":"m"}]}"#;
        let v: Verdict = serde_json::from_str(json).unwrap();
        assert_eq!(v.decision(), Decision::Block);
    }
}
