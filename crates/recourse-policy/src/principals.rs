//! Who may use which tools, per environment.
//!
//! A gateway that serves a team (streamable HTTP with bearer tokens) has many principals: each
//! call comes from an authenticated subject with groups. An environment's `principals` section
//! says which of them may call which tools:
//!
//! ```yaml
//! environments:
//!   prod:
//!     principals:
//!       group:sre: all
//!       group:agents: [gateway_kubectl_get, gateway_terraform_plan, gateway_check_approval]
//!       principal:ci-bot: [gateway_terraform_plan, gateway_terraform_apply]
//! ```
//!
//! Keys are `principal:<id>` (the token's `sub`; over stdio the gateway's `--agent-id`),
//! `group:<name>` (an entry of the token's `groups` claim) or `*` (any authenticated caller);
//! values are `all` or a list of tool names. A caller may use the union of what its matching
//! entries grant. A caller no entry matches is unknown and refused outright. Without a
//! `principals` section every caller may use every tool, which keeps single-agent stdio setups
//! working unchanged.
//!
//! The check only admits or refuses a call; what an admitted call may do is still decided by
//! the rest of the policy.

use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Every tool name a `principals` entry may grant: the gateway's agent tools. (The gateway's
/// tool table, `recourse_exec::TOOLS`, is checked against this list by a test there.)
pub const TOOL_NAMES: &[&str] = &[
    "gateway_terraform_plan",
    "gateway_terraform_apply",
    "gateway_terraform_destroy",
    "gateway_kubectl_get",
    "gateway_kubectl_logs",
    "gateway_kubectl_describe",
    "gateway_kubectl_apply",
    "gateway_kubectl_delete",
    "gateway_kubectl_scale",
    "gateway_kubectl_exec",
    "gateway_shell_exec",
    "gateway_request_approval",
    "gateway_check_approval",
    "gateway_get_plan",
];

/// Whom an entry is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Who {
    /// One principal, by id (`principal:<id>`).
    Principal(String),
    /// Members of a group (`group:<name>`).
    Group(String),
    /// Any authenticated caller (`*`).
    Anyone,
}

impl Who {
    fn parse(key: &str) -> Result<Who, String> {
        let named = |prefix: &str, rest: &str| {
            if rest.trim().is_empty() || rest.trim() != rest {
                Err(format!(
                    "`{key}`: the name after `{prefix}:` must be non-empty without surrounding spaces"
                ))
            } else {
                Ok(rest.to_owned())
            }
        };
        if key == "*" {
            Ok(Who::Anyone)
        } else if let Some(rest) = key.strip_prefix("principal:") {
            named("principal", rest).map(Who::Principal)
        } else if let Some(rest) = key.strip_prefix("group:") {
            named("group", rest).map(Who::Group)
        } else {
            Err(format!(
                "unknown principal key `{key}`: expected `principal:<id>`, `group:<name>` or `*`"
            ))
        }
    }

    fn matches(&self, caller: &Principal<'_>) -> bool {
        match self {
            Who::Anyone => true,
            Who::Principal(id) => id == caller.id,
            Who::Group(g) => caller.groups.iter().any(|c| c == g),
        }
    }
}

impl fmt::Display for Who {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Who::Anyone => f.write_str("*"),
            Who::Principal(id) => write!(f, "principal:{id}"),
            Who::Group(g) => write!(f, "group:{g}"),
        }
    }
}

/// What an entry grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// Every tool.
    All,
    /// These tools (names from [`TOOL_NAMES`]).
    Tools(Vec<String>),
}

impl Grant {
    fn covers(&self, tool: &str) -> bool {
        match self {
            Grant::All => true,
            Grant::Tools(t) => t.iter().any(|n| n == tool),
        }
    }
}

/// One environment's `principals` section, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Principals {
    entries: Vec<(Who, Grant)>,
}

/// A caller as the policy sees it.
#[derive(Debug, Clone, Copy)]
pub struct Principal<'a> {
    /// The principal's id (`sub`, or `--agent-id` over stdio).
    pub id: &'a str,
    /// Its groups.
    pub groups: &'a [String],
}

/// Why a caller may not use a tool.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessRefusal {
    /// No entry names the caller, any of its groups, or `*`.
    #[error(
        "principal `{principal}` is not known to this gateway's policy for {environment}: no `principals` entry names it or one of its groups"
    )]
    UnknownPrincipal {
        /// The caller.
        principal: String,
        /// The environment.
        environment: crate::Environment,
    },
    /// Entries match, but none grants this tool.
    #[error("principal `{principal}` may not use {tool} in {environment} (granted by: {matched})")]
    NotGranted {
        /// The caller.
        principal: String,
        /// The tool.
        tool: String,
        /// The environment.
        environment: crate::Environment,
        /// The entries that matched, as written.
        matched: String,
    },
}

impl AccessRefusal {
    /// The rule id a refusal is recorded under.
    pub fn rule(&self) -> &'static str {
        match self {
            AccessRefusal::UnknownPrincipal { .. } => "principal.unknown",
            AccessRefusal::NotGranted { .. } => "principal.tool_not_granted",
        }
    }
}

impl Principals {
    /// A section from entries (in the order they were written).
    pub fn new(mut entries: Vec<(Who, Grant)>) -> Principals {
        // Grants are a union, so order carries no meaning: keep one order so that equal
        // sections compare equal however they were written.
        entries.sort_by_key(|(who, _)| who.to_string());
        Principals { entries }
    }

    /// The entries.
    pub fn entries(&self) -> &[(Who, Grant)] {
        &self.entries
    }

    /// Whether `caller` may use `tool`.
    pub fn check(
        &self,
        environment: crate::Environment,
        caller: &Principal<'_>,
        tool: &str,
    ) -> Result<(), AccessRefusal> {
        let matching: Vec<&(Who, Grant)> = self
            .entries
            .iter()
            .filter(|(who, _)| who.matches(caller))
            .collect();
        if matching.is_empty() {
            return Err(AccessRefusal::UnknownPrincipal {
                principal: caller.id.to_owned(),
                environment,
            });
        }
        if matching.iter().any(|(_, grant)| grant.covers(tool)) {
            return Ok(());
        }
        Err(AccessRefusal::NotGranted {
            principal: caller.id.to_owned(),
            tool: tool.to_owned(),
            environment,
            matched: matching
                .iter()
                .map(|(w, _)| w.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        })
    }
}

impl Serialize for Principals {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.entries.len()))?;
        for (who, grant) in &self.entries {
            match grant {
                Grant::All => m.serialize_entry(&who.to_string(), "all")?,
                Grant::Tools(t) => m.serialize_entry(&who.to_string(), t)?,
            }
        }
        m.end()
    }
}

/// `all` or a list of tool names.
struct GrantValue(Grant);

impl<'de> Deserialize<'de> for GrantValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = GrantValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`all` or a list of tool names")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<GrantValue, E> {
                if s == "all" {
                    Ok(GrantValue(Grant::All))
                } else {
                    Err(E::custom(format_args!(
                        "`{s}`: expected `all` or a list of tool names"
                    )))
                }
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<GrantValue, A::Error> {
                let mut tools: Vec<String> = Vec::new();
                while let Some(name) = seq.next_element::<String>()? {
                    if !TOOL_NAMES.contains(&name.as_str()) {
                        return Err(de::Error::custom(format_args!(
                            "unknown tool `{name}`: expected one of {}",
                            TOOL_NAMES.join(", ")
                        )));
                    }
                    if tools.contains(&name) {
                        return Err(de::Error::custom(format_args!(
                            "tool `{name}` is listed twice"
                        )));
                    }
                    tools.push(name);
                }
                Ok(GrantValue(Grant::Tools(tools)))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Principals {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Principals;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping of `principal:<id>`, `group:<name>` or `*` to `all` or a list of tool names")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Principals, A::Error> {
                let mut entries: Vec<(Who, Grant)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let who = Who::parse(&key).map_err(de::Error::custom)?;
                    if entries.iter().any(|(w, _)| *w == who) {
                        return Err(de::Error::custom(format_args!("duplicate entry `{key}`")));
                    }
                    let GrantValue(grant) = map.next_value()?;
                    entries.push((who, grant));
                }
                Ok(Principals::new(entries))
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Environment;

    fn section() -> Principals {
        Principals::new(vec![
            (Who::Group("sre".into()), Grant::All),
            (
                Who::Group("agents".into()),
                Grant::Tools(vec!["gateway_kubectl_get".into()]),
            ),
            (
                Who::Principal("ci-bot".into()),
                Grant::Tools(vec!["gateway_terraform_plan".into()]),
            ),
        ])
    }

    #[test]
    fn grants_are_the_union_of_matching_entries() {
        let s = section();
        let groups = vec!["agents".to_owned()];
        let agent = Principal {
            id: "a1",
            groups: &groups,
        };
        assert!(
            s.check(Environment::Prod, &agent, "gateway_kubectl_get")
                .is_ok()
        );
        let err = s
            .check(Environment::Prod, &agent, "gateway_shell_exec")
            .unwrap_err();
        assert_eq!(err.rule(), "principal.tool_not_granted");
        assert!(err.to_string().contains("group:agents"), "{err}");
        let both = vec!["agents".to_owned()];
        let bot = Principal {
            id: "ci-bot",
            groups: &both,
        };
        assert!(
            s.check(Environment::Prod, &bot, "gateway_terraform_plan")
                .is_ok()
        );
        assert!(
            s.check(Environment::Prod, &bot, "gateway_kubectl_get")
                .is_ok()
        );
        let sre = vec!["sre".to_owned()];
        let human = Principal {
            id: "alice",
            groups: &sre,
        };
        assert!(
            s.check(Environment::Prod, &human, "gateway_shell_exec")
                .is_ok()
        );
    }

    #[test]
    fn an_unknown_principal_is_refused_for_every_tool() {
        let s = section();
        let stranger = Principal {
            id: "mallory",
            groups: &[],
        };
        for tool in TOOL_NAMES {
            let err = s.check(Environment::Dev, &stranger, tool).unwrap_err();
            assert_eq!(err.rule(), "principal.unknown");
        }
        // A group name is not a principal id and vice versa.
        let named_like_group = Principal {
            id: "sre",
            groups: &[],
        };
        assert!(
            s.check(Environment::Dev, &named_like_group, "gateway_get_plan")
                .is_err()
        );
    }

    #[test]
    fn anyone_matches_every_caller() {
        let s = Principals::new(vec![(
            Who::Anyone,
            Grant::Tools(vec!["gateway_check_approval".into()]),
        )]);
        let p = Principal {
            id: "x",
            groups: &[],
        };
        assert!(
            s.check(Environment::Dev, &p, "gateway_check_approval")
                .is_ok()
        );
        assert!(s.check(Environment::Dev, &p, "gateway_get_plan").is_err());
    }
}
