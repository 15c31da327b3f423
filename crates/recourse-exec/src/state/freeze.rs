//! Freezes: a human stops agents at once — in one environment, for one principal, or all of
//! them — on every gateway that shares the store. A freeze is stored (never cached) and read on
//! every decision; until it is thawed, every call in its scope is refused and recorded.
//!
//! A freeze only ever takes permission away, so the store is trusted for it the way it is not
//! for grants: whoever can write the store can stop agents, never let one through.

use recourse_plan::Timestamp;
use recourse_policy::Environment;
use serde::Serialize;

/// What a freeze stops.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "scope", content = "value", rename_all = "snake_case")]
pub enum FreezeScope {
    /// Every call on every gateway.
    All,
    /// Every call on gateways serving this environment.
    Environment(Environment),
    /// Every call by this principal (its `sub`, or stdio's agent id).
    Principal(String),
}

/// A stored scope that does not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown freeze scope `{kind}` = `{value}`")]
pub struct BadScope {
    /// The stored kind.
    pub kind: String,
    /// The stored value.
    pub value: String,
}

impl FreezeScope {
    /// The stored kind: `all`, `environment` or `principal`.
    pub fn kind(&self) -> &'static str {
        match self {
            FreezeScope::All => "all",
            FreezeScope::Environment(_) => "environment",
            FreezeScope::Principal(_) => "principal",
        }
    }

    /// The stored value (empty for `all`).
    pub fn value(&self) -> String {
        match self {
            FreezeScope::All => String::new(),
            FreezeScope::Environment(e) => e.as_str().to_owned(),
            FreezeScope::Principal(p) => p.clone(),
        }
    }

    /// Decodes a stored (kind, value).
    pub fn from_stored(kind: &str, value: &str) -> Result<FreezeScope, BadScope> {
        let bad = || BadScope {
            kind: kind.to_owned(),
            value: value.to_owned(),
        };
        match kind {
            "all" => Ok(FreezeScope::All),
            "environment" => Environment::parse(value)
                .map(FreezeScope::Environment)
                .map_err(|_| bad()),
            "principal" if !value.is_empty() => Ok(FreezeScope::Principal(value.to_owned())),
            _ => Err(bad()),
        }
    }

    /// Whether a call by `principal` on a gateway serving `env` is in this scope.
    pub fn covers(&self, env: Environment, principal: &str) -> bool {
        match self {
            FreezeScope::All => true,
            FreezeScope::Environment(e) => *e == env,
            FreezeScope::Principal(p) => p == principal,
        }
    }
}

impl std::fmt::Display for FreezeScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FreezeScope::All => f.write_str("all agents"),
            FreezeScope::Environment(e) => write!(f, "environment {e}"),
            FreezeScope::Principal(p) => write!(f, "principal {p}"),
        }
    }
}

/// An active freeze.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Freeze {
    /// Its id (random).
    pub id: String,
    /// What it stops.
    #[serde(flatten)]
    pub scope: FreezeScope,
    /// Why (shown to every refused agent).
    pub reason: String,
    /// Who froze (the OS user of the `recourse freeze` command).
    pub by: String,
    /// When.
    pub created_at: Timestamp,
}

impl Freeze {
    /// What a refused agent is told.
    pub fn message(&self) -> String {
        format!(
            "frozen: {} by {} at {}: {} (a human lifts it with `recourse thaw`)",
            self.scope,
            self.by,
            self.created_at.to_rfc3339(),
            self.reason
        )
    }
}

/// The first active freeze that covers a call, if any.
pub fn covering<'a>(
    freezes: &'a [Freeze],
    env: Environment,
    principal: &str,
) -> Option<&'a Freeze> {
    freezes.iter().find(|f| f.scope.covers(env, principal))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_and_cover_what_they_name() {
        for s in [
            FreezeScope::All,
            FreezeScope::Environment(Environment::Prod),
            FreezeScope::Principal("alice".into()),
        ] {
            assert_eq!(FreezeScope::from_stored(s.kind(), &s.value()), Ok(s));
        }
        assert!(FreezeScope::from_stored("environment", "moon").is_err());
        assert!(FreezeScope::from_stored("principal", "").is_err());
        assert!(FreezeScope::All.covers(Environment::Dev, "x"));
        assert!(FreezeScope::Environment(Environment::Prod).covers(Environment::Prod, "x"));
        assert!(!FreezeScope::Environment(Environment::Prod).covers(Environment::Dev, "x"));
        assert!(FreezeScope::Principal("a".into()).covers(Environment::Dev, "a"));
        assert!(!FreezeScope::Principal("a".into()).covers(Environment::Dev, "b"));
    }
}
