//! Providers: every one the configuration requires or uses must be among the operator's
//! (by source and version constraint), unless it comes from an allowed registry.

use std::collections::BTreeSet;

use recourse_policy::ConfigRule;

use super::{AvailableProvider, Screener};

/// The providers a configuration names, gathered while its files are read and checked once
/// every file is in.
#[derive(Default)]
pub(super) struct Providers {
    /// local name → (source, version constraint, file, line)
    pub(super) required: Vec<(String, String, Option<String>, String, u32)>,
    /// local names used by resources, data sources and provider blocks, with where.
    pub(super) used: Vec<(String, String, u32)>,
}

impl Screener<'_> {
    pub(super) fn check_providers(&mut self) {
        let required = std::mem::take(&mut self.providers.required);
        let used = std::mem::take(&mut self.providers.used);
        let mut checked: BTreeSet<String> = BTreeSet::new();
        for (local, source, version, file, line) in &required {
            checked.insert(local.clone());
            self.provider(source, version.as_deref(), file, *line);
        }
        for (local, file, line) in &used {
            if checked.insert(local.clone()) {
                self.provider(&format!("hashicorp/{local}"), None, file, *line);
            }
        }
    }

    fn provider(&mut self, source: &str, constraint: Option<&str>, file: &str, line: u32) {
        let full = full_source(source);
        if full.starts_with("terraform.io/builtin/") {
            return;
        }
        let host = full.split('/').next().unwrap_or("");
        if self
            .ctx
            .allowed_registries
            .iter()
            .any(|a| a.eq_ignore_ascii_case(host))
        {
            return;
        }
        let have: Vec<&AvailableProvider> = self
            .ctx
            .providers
            .iter()
            .filter(|p| full_source(&p.source) == full)
            .collect();
        let text = match constraint {
            Some(c) => format!("{source} {c}"),
            None => source.to_owned(),
        };
        if have.is_empty() {
            self.push(
                ConfigRule::Provider,
                file,
                line,
                &text,
                format!("provider `{full}` is not in the operator's plugin directories"),
            );
            return;
        }
        if let Some(c) = constraint
            && !have
                .iter()
                .flat_map(|p| &p.versions)
                .any(|v| satisfies(v, c))
        {
            let versions: Vec<&str> = have
                .iter()
                .flat_map(|p| &p.versions)
                .map(String::as_str)
                .collect();
            self.push(
                ConfigRule::Provider,
                file,
                line,
                &text,
                format!(
                    "provider `{full}` {c} is not among the operator's versions ({})",
                    versions.join(", ")
                ),
            );
        }
    }
}

/// `hashicorp/aws` → `registry.terraform.io/hashicorp/aws`, lowercased.
fn full_source(source: &str) -> String {
    let s = source.trim().to_ascii_lowercase();
    match s.split('/').count() {
        2 => format!("registry.terraform.io/{s}"),
        1 => format!("registry.terraform.io/hashicorp/{s}"),
        _ => s,
    }
}

fn version_parts(v: &str) -> Option<Vec<u64>> {
    let core = v.trim().trim_start_matches('v').split(['-', '+']).next()?;
    core.split('.').map(|p| p.parse().ok()).collect()
}

/// Whether `version` meets a Terraform version constraint (`>= 5.0, < 6.0`, `~> 5.31`).
/// A constraint that cannot be read is not met.
fn satisfies(version: &str, constraint: &str) -> bool {
    let Some(v) = version_parts(version) else {
        return false;
    };
    let cmp = |want: &[u64]| {
        let n = v.len().max(want.len());
        let get = |xs: &[u64], i: usize| xs.get(i).copied().unwrap_or(0);
        (0..n)
            .map(|i| get(&v, i).cmp(&get(want, i)))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    };
    constraint.split(',').all(|part| {
        let part = part.trim();
        let (op, rest) = ["~>", ">=", "<=", "!=", ">", "<", "="]
            .iter()
            .find_map(|op| part.strip_prefix(op).map(|r| (*op, r)))
            .unwrap_or(("=", part));
        let Some(want) = version_parts(rest) else {
            return false;
        };
        use std::cmp::Ordering::*;
        match op {
            "=" => cmp(&want) == Equal,
            "!=" => cmp(&want) != Equal,
            ">" => cmp(&want) == Greater,
            ">=" => cmp(&want) != Less,
            "<" => cmp(&want) == Less,
            "<=" => cmp(&want) != Greater,
            _ => {
                // ~> x.y.z: >= x.y.z and < x.(y+1); ~> x.y: >= x.y and < (x+1).
                let mut upper: Vec<u64> = want[..want.len().saturating_sub(1).max(1)].to_vec();
                if let Some(last) = upper.last_mut() {
                    *last += 1;
                }
                if want.len() == 1 {
                    return cmp(&want) != Less;
                }
                cmp(&want) != Less && cmp(&upper) == Less
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_constraints() {
        assert!(satisfies("5.31.0", "~> 5.0"));
        assert!(satisfies("5.31.0", ">= 5.0, < 6.0"));
        assert!(!satisfies("6.0.0", "~> 5.0"));
        assert!(satisfies("5.31.2", "~> 5.31.0"));
        assert!(!satisfies("5.32.0", "~> 5.31.0"));
        assert!(satisfies("3.39.0", "3.39.0"));
        assert!(!satisfies("3.39.0", "!= 3.39.0"));
        assert!(!satisfies("3.39.0", "nonsense"));
    }
}
