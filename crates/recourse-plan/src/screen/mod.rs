//! Config screening: what a Terraform configuration can do before `terraform init` runs it.
//!
//! `terraform plan` on a configuration someone else wrote runs their code: `data "external"`
//! programs, file functions reading anything the process can read (and quoting it back in
//! error messages), HTTP fetches that carry values out, providers and modules from anywhere,
//! and, at apply, provisioners. Screening parses every `.tf` and `.tf.json` file of the root
//! module and its local modules and reports each such construct as a [`ConfigFinding`] with its
//! rule (a policy key), its `file:line` and its source text in full.
//!
//! Pure: the caller passes file contents in and does the reading in rounds (see [`screen`]).
//!
//! Where each part lives: `hcl.rs` reads native syntax, `json.rs` JSON syntax, `paths.rs`
//! decides where a file function's path leads, and `providers.rs` checks the providers the
//! configuration names against the operator's. This file holds the door ([`screen`]) and what
//! both syntaxes share: findings, module sources and relative paths.

mod hcl;
mod json;
mod paths;
mod providers;

use std::collections::BTreeSet;

use recourse_policy::{ConfigFinding, ConfigRule};

use providers::Providers;

/// One configuration file: its path relative to the root module (`/`-separated, e.g.
/// `modules/db/main.tf`) and its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    /// Path relative to the root module.
    pub path: String,
    /// The file's text.
    pub contents: String,
}

impl ConfigFile {
    /// A file from its path and contents.
    pub fn new(path: impl Into<String>, contents: impl Into<String>) -> ConfigFile {
        ConfigFile {
            path: path.into(),
            contents: contents.into(),
        }
    }
}

/// A provider the operator supplies (from the plugin directories).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvailableProvider {
    /// `namespace/type` (`hashicorp/aws`) or `host/namespace/type`; the host defaults to
    /// `registry.terraform.io` as in Terraform.
    pub source: String,
    /// The versions present (`5.31.0`).
    pub versions: Vec<String>,
}

/// What the operator allows, against which the configuration is screened.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScreenContext {
    /// Providers in the operator's plugin directories.
    pub providers: Vec<AvailableProvider>,
    /// Registry hosts the operator allows providers and modules from (`registry.terraform.io`).
    /// Empty: only the plugin directories and local modules.
    pub allowed_registries: Vec<String>,
}

/// What screening found, and what the caller has to read next.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Screening {
    /// Every finding, in file order.
    pub findings: Vec<ConfigFinding>,
    /// Every local module directory the configuration calls (relative to the root), whether
    /// loaded or not: the caller binds their files into the plan record.
    pub local_module_dirs: Vec<String>,
    /// The local module directories none of the given files is in: read their `.tf` and
    /// `.tf.json` files and screen again with them added. Empty when screening is complete.
    pub to_load: Vec<String>,
}

/// Screens a configuration. Never fails: a file that does not parse is itself a finding
/// ([`ConfigRule::Unparseable`]).
///
/// Pure: the caller passes file contents in and does the reading in rounds, because which
/// local modules exist is only known after parsing the files that call them:
///
/// ```
/// use recourse_plan::{ConfigFile, ScreenContext, screen};
/// use recourse_policy::ConfigRule;
///
/// let ctx = ScreenContext::default();
/// let mut files = vec![ConfigFile::new("main.tf", r#"
///   module "net" { source = "./modules/net" }
///   resource "terraform_data" "x" {
///     provisioner "local-exec" { command = "env | base64" }
///   }
/// "#)];
/// let first = screen(&files, &ctx);
/// assert_eq!(first.to_load, ["modules/net"]);
/// // The caller reads modules/net/*.tf and *.tf.json, and screens everything again.
/// files.push(ConfigFile::new("modules/net/main.tf", r#"locals { k = file("/proc/self/environ") }"#));
/// let second = screen(&files, &ctx);
/// assert!(second.to_load.is_empty());
/// let rules: Vec<ConfigRule> = second.findings.iter().map(|f| f.rule).collect();
/// assert!(rules.contains(&ConfigRule::Provisioner));
/// assert!(rules.contains(&ConfigRule::ProcRead));
/// ```
pub fn screen(files: &[ConfigFile], ctx: &ScreenContext) -> Screening {
    let mut s = Screener {
        ctx,
        findings: Vec::new(),
        modules: BTreeSet::new(),
        providers: Providers::default(),
    };
    for f in files {
        if f.path.ends_with(".tf") {
            s.hcl_file(f);
        } else if f.path.ends_with(".tf.json") {
            s.json_file(f);
        }
    }
    s.check_providers();
    let loaded: BTreeSet<&str> = files.iter().map(|f| dir_of(&f.path)).collect();
    let to_load = s
        .modules
        .iter()
        .filter(|d| !loaded.contains(d.as_str()))
        .cloned()
        .collect();
    Screening {
        findings: s.findings,
        local_module_dirs: s.modules.into_iter().collect(),
        to_load,
    }
}

/// The directory part of a relative path (`""` for the root).
fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// `base/rel` with `.` and `..` resolved; `None` when it climbs out of the root.
fn join(base: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for p in rel.split(['/', '\\']) {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> u32 {
    let end = offset.min(text.len());
    let n = text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count();
    u32::try_from(n + 1).unwrap_or(u32::MAX)
}

/// One screening under way: the findings so far, the local modules called and the providers
/// named.
struct Screener<'a> {
    ctx: &'a ScreenContext,
    findings: Vec<ConfigFinding>,
    modules: BTreeSet<String>,
    providers: Providers,
}

impl Screener<'_> {
    /// Records a finding, its text trimmed.
    fn push(
        &mut self,
        rule: ConfigRule,
        file: &str,
        line: u32,
        text: &str,
        message: impl Into<String>,
    ) {
        self.findings.push(ConfigFinding {
            rule,
            file: file.to_owned(),
            line,
            text: text.trim().to_owned(),
            message: message.into(),
        });
    }

    /// A resource or data source type names its provider by its prefix (`aws_instance` →
    /// `aws`).
    fn note_type(&mut self, ty: &str, file: &str, line: u32) {
        let local = ty.split('_').next().unwrap_or(ty);
        if local != "terraform" {
            self.providers
                .used
                .push((local.to_owned(), file.to_owned(), line));
        }
    }

    /// A module's `source`: a local directory is loaded next; anything else must come from an
    /// allowed registry.
    fn module_source(&mut self, file: &str, line: u32, name: &str, source: &str) {
        let src = source.trim();
        if src.starts_with("./") || src.starts_with("../") || src == "." || src == ".." {
            match join(dir_of(file), src) {
                Some(dir) => {
                    self.modules.insert(dir);
                }
                None => self.push(
                    ConfigRule::ModuleSource,
                    file,
                    line,
                    src,
                    format!("module \"{name}\" comes from outside the root module's tree"),
                ),
            }
            return;
        }
        // Registry addresses: NAMESPACE/NAME/PROVIDER or HOST/NAMESPACE/NAME/PROVIDER (with an
        // optional //subdir), and nothing with a scheme or getter prefix.
        let addr = src.split("//").next().unwrap_or(src);
        let parts: Vec<&str> = addr.split('/').collect();
        let plain = !src.contains("::")
            && !src.contains("://")
            && !src.contains('?')
            && parts.iter().all(|p| !p.is_empty());
        let host = match parts.len() {
            3 if plain => Some("registry.terraform.io"),
            4 if plain && parts[0].contains('.') => Some(parts[0]),
            _ => None,
        };
        match host {
            Some(h) if self.ctx.allowed_registries.iter().any(|a| a.eq_ignore_ascii_case(h)) => {}
            Some(h) => self.push(ConfigRule::ModuleSource, file, line, src, format!("module \"{name}\" comes from registry `{h}`, which the operator does not allow; its code was never screened")),
            None => self.push(ConfigRule::ModuleSource, file, line, src, format!("module \"{name}\" is fetched from `{src}`: its code was never screened")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_stay_inside_the_root() {
        assert_eq!(join("", "./modules/x").as_deref(), Some("modules/x"));
        assert_eq!(join("modules/a", "../b").as_deref(), Some("modules/b"));
        assert_eq!(join("", "../x"), None);
        assert_eq!(join("modules/a", "../../../x"), None);
    }
}
