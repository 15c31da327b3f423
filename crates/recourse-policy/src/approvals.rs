//! Who may grant what, per environment: how many distinct approvers an escalation needs, whether
//! the requester may approve its own request, which approvers (names or groups of the approvers
//! file) may grant, and which may break glass.

use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Environment;

/// A registered approver, or every approver of a group.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Selector {
    /// `group:NAME`.
    Group(String),
    /// An approver's name.
    Name(String),
}

impl Selector {
    /// Whether the approver `name` in `groups` is selected.
    pub fn matches(&self, name: &str, groups: &[String]) -> bool {
        match self {
            Selector::Group(g) => groups.iter().any(|x| x == g),
            Selector::Name(n) => n == name,
        }
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selector::Group(g) => write!(f, "group:{g}"),
            Selector::Name(n) => f.write_str(n),
        }
    }
}

impl FromStr for Selector {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let ok = |t: &str| {
            !t.is_empty()
                && t.len() <= 128
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.@".contains(&b))
        };
        match s.strip_prefix("group:") {
            Some(g) if ok(g) => Ok(Selector::Group(g.to_owned())),
            None if ok(s) => Ok(Selector::Name(s.to_owned())),
            _ => Err(format!(
                "invalid approver `{s}`: a name or `group:NAME` (letters, digits, - _ . @)"
            )),
        }
    }
}

impl Serialize for Selector {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Selector {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// Whether the requester may approve its own request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SelfApproval {
    /// Refused (the default).
    Deny,
    /// Allowed (a single-person setup that wants it).
    Allow,
}

/// The approval rules of one environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApprovalRules {
    /// How many approvals an escalation needs.
    pub required: NonZeroU32,
    /// Whether they must come from distinct approvers.
    pub distinct: bool,
    /// Whether the requester may be one of them.
    pub self_approval: SelfApproval,
    /// Who may approve (empty: every registered approver).
    pub approvers: Vec<Selector>,
    /// Who may break glass on a blocked plan (empty: every registered approver).
    pub break_glass: Vec<Selector>,
}

impl ApprovalRules {
    /// The built-in rules: one approval, by someone other than the requester, any registered
    /// approver.
    pub const fn defaults(_env: Environment) -> ApprovalRules {
        ApprovalRules {
            required: NonZeroU32::MIN,
            distinct: true,
            self_approval: SelfApproval::Deny,
            approvers: Vec::new(),
            break_glass: Vec::new(),
        }
    }

    /// Whether the approver `name` in `groups` may approve.
    pub fn may_approve(&self, name: &str, groups: &[String]) -> bool {
        self.approvers.is_empty() || self.approvers.iter().any(|s| s.matches(name, groups))
    }

    /// Whether the approver `name` in `groups` may break glass.
    pub fn may_break_glass(&self, name: &str, groups: &[String]) -> bool {
        self.break_glass.is_empty() || self.break_glass.iter().any(|s| s.matches(name, groups))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_match_names_and_groups() {
        let g: Selector = "group:sre".parse().unwrap();
        let n: Selector = "alice".parse().unwrap();
        assert!(g.matches("bob", &["sre".into()]));
        assert!(!g.matches("bob", &["dev".into()]));
        assert!(n.matches("alice", &[]));
        assert!("group:".parse::<Selector>().is_err());
        assert!("two words".parse::<Selector>().is_err());
        let mut r = ApprovalRules::defaults(Environment::Prod);
        assert!(r.may_approve("anyone", &[]));
        r.approvers = vec![g];
        assert!(!r.may_approve("anyone", &[]));
        assert!(r.may_approve("bob", &["sre".into()]));
    }
}
