//! Environments and their names.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A deployment environment. Only these three exist; other names are errors, never a fallback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// Development.
    Dev,
    /// Staging.
    Staging,
    /// Production.
    Prod,
}

impl Environment {
    /// All environments, least to most sensitive.
    pub const ALL: [Environment; 3] = [Environment::Dev, Environment::Staging, Environment::Prod];

    /// The canonical name: `dev`, `staging` or `prod`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Environment::Dev => "dev",
            Environment::Staging => "staging",
            Environment::Prod => "prod",
        }
    }

    /// Maps a name or one of its explicit aliases (`development`, `stage`, `production`) to an
    /// environment. Matching is exact (case-sensitive): `Prod` is not `prod`.
    pub fn parse(name: &str) -> Result<Self, UnknownEnvironment> {
        match name {
            "dev" | "development" => Ok(Environment::Dev),
            "staging" | "stage" => Ok(Environment::Staging),
            "prod" | "production" => Ok(Environment::Prod),
            other => Err(UnknownEnvironment(other.to_owned())),
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Environment {
    type Err = UnknownEnvironment;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Environment::parse(s)
    }
}

/// An environment name that is none of the valid ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown environment `{0}`: valid environments are dev, staging, prod \
     (aliases: development → dev, stage → staging, production → prod)"
)]
pub struct UnknownEnvironment(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_map_explicitly() {
        for (name, env) in [
            ("dev", Environment::Dev),
            ("development", Environment::Dev),
            ("staging", Environment::Staging),
            ("stage", Environment::Staging),
            ("prod", Environment::Prod),
            ("production", Environment::Prod),
        ] {
            assert_eq!(name.parse::<Environment>(), Ok(env), "{name}");
        }
    }

    #[test]
    fn unknown_names_list_the_valid_ones() {
        for bad in ["qa", "", "Prod", "PROD", "prod ", "test", "prd"] {
            let err = bad.parse::<Environment>().unwrap_err().to_string();
            assert!(err.contains(&format!("`{bad}`")), "{err}");
            for valid in ["dev", "staging", "prod"] {
                assert!(err.contains(valid), "{err}");
            }
        }
    }
}
