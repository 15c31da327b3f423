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

use std::collections::BTreeSet;

use hcl_edit::expr::{Expression, FuncCall, TraversalOperator};
use hcl_edit::structure::{Block, BlockLabel, Body};
use hcl_edit::template::Element;
use hcl_edit::visit::{self, Visit};
use hcl_edit::{Span, parser};
use recourse_policy::{ConfigFinding, ConfigRule};
use serde_json::Value;

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

fn line_of(text: &str, offset: usize) -> u32 {
    let end = offset.min(text.len());
    let n = text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count();
    u32::try_from(n + 1).unwrap_or(u32::MAX)
}

/// Path components and prefixes that name credentials.
const CREDENTIAL_PARTS: &[&str] = &[
    ".aws",
    ".ssh",
    ".kube",
    ".gnupg",
    ".docker",
    ".azure",
    ".config/gcloud",
    ".terraform.d",
    ".terraformrc",
    "terraform.rc",
    ".netrc",
    ".git-credentials",
    ".pgpass",
    ".vault-token",
    ".npmrc",
    ".pypirc",
    "credentials",
    "id_rsa",
    "id_ecdsa",
    "id_ed25519",
    "id_dsa",
    "shadow",
    "gshadow",
    "sudoers",
    "master.passwd",
];

/// Where a literal path leads.
fn classify_path(path: &str, base_dir: &str) -> Option<(ConfigRule, &'static str)> {
    let p = path.trim();
    let lower = p.to_ascii_lowercase();
    let credential = lower.split(['/', '\\']).any(|part| {
        CREDENTIAL_PARTS.iter().any(|c| {
            part == *c
                || (c.contains('/') && lower.contains(c))
                || part.ends_with(".pem")
                || part.ends_with(".key")
                || part == ".env"
        })
    });
    if credential {
        return Some((ConfigRule::CredentialRead, "reads a credential file"));
    }
    let home = p.starts_with('~')
        || lower.starts_with("$home")
        || lower.starts_with("/root")
        || lower.starts_with("/home/");
    if home {
        return Some((
            ConfigRule::CredentialRead,
            "reads from a home directory, where credentials live",
        ));
    }
    for sys in ["/proc", "/sys", "/dev"] {
        if lower == sys || lower.starts_with(&format!("{sys}/")) {
            return Some((
                ConfigRule::ProcRead,
                "reads process, kernel or device files (a process environment holds credentials)",
            ));
        }
    }
    let absolute = p.starts_with('/')
        || p.starts_with('\\')
        || p.get(1..3).is_some_and(|s| s == ":\\" || s == ":/");
    if absolute {
        return Some((
            ConfigRule::OutsideRead,
            "reads an absolute path outside the module tree",
        ));
    }
    if join(base_dir, p).is_none() {
        return Some((
            ConfigRule::OutsideRead,
            "climbs out of the module tree with `..`",
        ));
    }
    None
}

/// Functions that read files, and `pathexpand`/`abspath` that resolve paths for them.
const FILE_FUNCTIONS: &[&str] = &[
    "file",
    "filebase64",
    "fileset",
    "templatefile",
    "filesha1",
    "filesha256",
    "filesha512",
    "filemd5",
    "filebase64sha256",
    "filebase64sha512",
    "fileexists",
    "pathexpand",
    "abspath",
];

/// The path argument of a file function, as far as it is known without evaluating.
enum PathArg {
    /// A literal path, relative to the working directory (the root).
    Literal(String),
    /// `"${path.module}/…"` (or `path.root`/`path.cwd`) with a literal rest: relative to the
    /// module directory (or the root).
    Anchored { module: bool, rest: String },
    /// Anything computed.
    Dynamic,
}

fn path_anchor(e: &Expression) -> Option<bool> {
    let t = e.as_traversal()?;
    if t.expr.as_variable().map(|v| v.as_str()) != Some("path") {
        return None;
    }
    match t.operators.as_slice() {
        [op] => match op.value() {
            TraversalOperator::GetAttr(a) => match a.as_str() {
                "module" => Some(true),
                "root" | "cwd" => Some(false),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

fn path_arg(e: &Expression) -> PathArg {
    if let Some(module) = path_anchor(e) {
        return PathArg::Anchored {
            module,
            rest: String::new(),
        };
    }
    match e {
        Expression::String(s) => PathArg::Literal(s.value().clone()),
        Expression::Parenthesis(p) => path_arg(p.inner()),
        Expression::StringTemplate(t) => {
            let mut anchor = None;
            let mut rest = String::new();
            for (i, el) in t.iter().enumerate() {
                match el {
                    Element::Literal(l) => rest.push_str(l.value()),
                    Element::Interpolation(ip) if i == 0 => match path_anchor(&ip.expr) {
                        Some(m) => anchor = Some(m),
                        None => return PathArg::Dynamic,
                    },
                    _ => return PathArg::Dynamic,
                }
            }
            match anchor {
                Some(module) => PathArg::Anchored { module, rest },
                None => PathArg::Literal(rest),
            }
        }
        _ => PathArg::Dynamic,
    }
}

#[derive(Default)]
struct Providers {
    /// local name → (source, version constraint, file, line)
    required: Vec<(String, String, Option<String>, String, u32)>,
    /// local names used by resources, data sources and provider blocks, with where.
    used: Vec<(String, String, u32)>,
}

struct Screener<'a> {
    ctx: &'a ScreenContext,
    findings: Vec<ConfigFinding>,
    modules: BTreeSet<String>,
    providers: Providers,
}

impl Screener<'_> {
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

    // ---- native syntax

    fn hcl_file(&mut self, f: &ConfigFile) {
        let body = match parser::parse_body(&f.contents) {
            Ok(b) => b,
            Err(e) => {
                let line = u32::try_from(e.location().line()).unwrap_or(u32::MAX);
                self.push(
                    ConfigRule::Unparseable,
                    &f.path,
                    line,
                    e.message(),
                    "the file does not parse, so nothing in it was screened",
                );
                return;
            }
        };
        let mut file = HclFile { s: self, f };
        file.body(&body, 0);
        let mut calls = FileCalls { file: &mut file };
        calls.visit_body(&body);
    }

    // ---- JSON syntax

    fn json_file(&mut self, f: &ConfigFile) {
        let root: Value = match serde_json::from_str(&f.contents) {
            Ok(v) => v,
            Err(e) => {
                let line = u32::try_from(e.line()).unwrap_or(u32::MAX);
                self.push(
                    ConfigRule::Unparseable,
                    &f.path,
                    line,
                    &e.to_string(),
                    "the file does not parse, so nothing in it was screened",
                );
                return;
            }
        };
        let line = |needle: &str| -> u32 {
            f.contents
                .find(needle)
                .map_or(1, |i| line_of(&f.contents, i))
        };
        let quoted = |s: &str| serde_json::to_string(s).unwrap_or_default();
        // Blocks of `{ "type": { "name": body } }` (or lists of such objects).
        let entries = |v: Option<&Value>| -> Vec<(String, String, Value)> {
            let mut out = Vec::new();
            for obj in one_or_many(v) {
                for (ty, names) in obj.as_object().into_iter().flatten() {
                    for n in one_or_many(Some(names)) {
                        for (name, body) in n.as_object().into_iter().flatten() {
                            out.push((ty.clone(), name.clone(), body.clone()));
                        }
                    }
                }
            }
            out
        };
        for (ty, name, body) in entries(root.get("data")) {
            let text = body.to_string();
            match ty.as_str() {
                "external" => self.push(
                    ConfigRule::ExternalData,
                    &f.path,
                    line(&quoted("external")),
                    &text,
                    format!("data \"external\" \"{name}\" runs a program while planning"),
                ),
                "http" => self.push(
                    ConfigRule::HttpData,
                    &f.path,
                    line(&quoted("http")),
                    &text,
                    format!("data \"http\" \"{name}\" fetches a URL while planning"),
                ),
                _ => {}
            }
            self.note_type(&ty, &f.path, line(&quoted(&ty)));
        }
        for (ty, _, body) in entries(root.get("resource")) {
            self.note_type(&ty, &f.path, line(&quoted(&ty)));
            for prov in one_or_many(body.get("provisioner")) {
                for (kind, cfg) in prov.as_object().into_iter().flatten() {
                    self.push(
                        ConfigRule::Provisioner,
                        &f.path,
                        line(&quoted(kind)),
                        &format!("provisioner \"{kind}\" {cfg}"),
                        format!("a {kind} provisioner runs when the plan is applied"),
                    );
                }
            }
        }
        for obj in one_or_many(root.get("module")) {
            for (name, body) in obj.as_object().into_iter().flatten() {
                for b in one_or_many(Some(body)) {
                    if let Some(src) = b.get("source").and_then(Value::as_str) {
                        let l = line(&quoted(src));
                        self.module_source(&f.path, l, name, src);
                    }
                }
            }
        }
        for t in one_or_many(root.get("terraform")) {
            for key in ["backend", "cloud"] {
                if let Some(b) = t.get(key) {
                    self.push(
                        ConfigRule::Backend,
                        &f.path,
                        line(&quoted(key)),
                        &format!("{key} {b}"),
                        format!("a {key} block decides where state, with its secrets, is stored"),
                    );
                }
            }
            for rp in one_or_many(t.get("required_providers")) {
                for (local, spec) in rp.as_object().into_iter().flatten() {
                    let (source, version) = match spec {
                        Value::String(v) => (format!("hashicorp/{local}"), Some(v.clone())),
                        other => (
                            other
                                .get("source")
                                .and_then(Value::as_str)
                                .map_or_else(|| format!("hashicorp/{local}"), str::to_owned),
                            other
                                .get("version")
                                .and_then(Value::as_str)
                                .map(str::to_owned),
                        ),
                    };
                    let l = line(&quoted(local));
                    self.providers.required.push((
                        local.clone(),
                        source,
                        version,
                        f.path.clone(),
                        l,
                    ));
                }
            }
        }
        for obj in one_or_many(root.get("provider")) {
            for (name, body) in obj.as_object().into_iter().flatten() {
                let l = line(&quoted(name));
                self.providers.used.push((name.clone(), f.path.clone(), l));
                if json_has_key(body, "exec", 0) {
                    self.push(
                        ConfigRule::ProviderExec,
                        &f.path,
                        l,
                        &body.to_string(),
                        format!("provider \"{name}\" runs a command (exec) to get credentials"),
                    );
                }
            }
        }
        // Every string is a template: screen the function calls in it.
        let mut strings = Vec::new();
        collect_strings(&root, &mut strings, 0);
        for s in strings {
            if !s.contains("${") && !s.contains("%{") {
                continue;
            }
            let Ok(t) = parser::parse_template(&s) else {
                self.push(
                    ConfigRule::Unparseable,
                    &f.path,
                    line(&quoted(&s)),
                    &s,
                    "a template string does not parse, so it was not screened",
                );
                continue;
            };
            let l = line(&quoted(&s));
            let mut file = HclFile { s: self, f };
            let mut calls = TemplateCalls {
                file: &mut file,
                line: l,
                text: &s,
            };
            calls.visit_template(&t);
        }
    }

    fn note_type(&mut self, ty: &str, file: &str, line: u32) {
        let local = ty.split('_').next().unwrap_or(ty);
        if local != "terraform" {
            self.providers
                .used
                .push((local.to_owned(), file.to_owned(), line));
        }
    }

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

    fn file_call(
        &mut self,
        file: &str,
        module_dir: &str,
        line: u32,
        name: &str,
        args: &[&Expression],
        text: &str,
    ) {
        if !FILE_FUNCTIONS.contains(&name) {
            return;
        }
        // fileset(path, pattern): both decide what is read.
        let mut candidates: Vec<PathArg> = Vec::new();
        if let Some(first) = args.first() {
            candidates.push(path_arg(first));
        }
        if name == "fileset"
            && let Some(pattern) = args.get(1)
        {
            let base = args.first().map(|e| path_arg(e));
            match (base, path_arg(pattern)) {
                (Some(PathArg::Literal(b)), PathArg::Literal(p)) => {
                    candidates.push(PathArg::Literal(format!("{b}/{p}")))
                }
                (Some(PathArg::Anchored { module, rest }), PathArg::Literal(p)) => {
                    candidates.push(PathArg::Anchored {
                        module,
                        rest: format!("{rest}/{p}"),
                    })
                }
                (_, other) => candidates.push(other),
            }
        }
        for c in candidates {
            let verdict = match c {
                PathArg::Literal(p) => classify_path(&p, ""),
                PathArg::Anchored { module, rest } => {
                    let base = if module { module_dir } else { "" };
                    let trimmed = rest.trim_start_matches('/');
                    classify_path(trimmed, base)
                }
                PathArg::Dynamic => Some((
                    ConfigRule::DynamicRead,
                    "reads a path computed while planning: a variable can name any file",
                )),
            };
            if let Some((rule, why)) = verdict {
                self.push(rule, file, line, text, format!("{name}() {why}"));
                return;
            }
        }
    }

    fn check_providers(&mut self) {
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

fn one_or_many(v: Option<&Value>) -> Vec<&Value> {
    match v {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(other) => vec![other],
        None => Vec::new(),
    }
}

fn json_has_key(v: &Value, key: &str, depth: usize) -> bool {
    if depth > 32 {
        return false;
    }
    match v {
        Value::Object(o) => o
            .iter()
            .any(|(k, v)| k == key || json_has_key(v, key, depth + 1)),
        Value::Array(items) => items.iter().any(|v| json_has_key(v, key, depth + 1)),
        _ => false,
    }
}

fn collect_strings(v: &Value, out: &mut Vec<String>, depth: usize) {
    if depth > 64 {
        return;
    }
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items
            .iter()
            .for_each(|v| collect_strings(v, out, depth + 1)),
        Value::Object(o) => o.values().for_each(|v| collect_strings(v, out, depth + 1)),
        _ => {}
    }
}

fn label(l: &BlockLabel) -> &str {
    match l {
        BlockLabel::Ident(i) => i.as_str(),
        BlockLabel::String(s) => s.value().as_str(),
    }
}

/// One native-syntax file being screened.
struct HclFile<'s, 'c> {
    s: &'s mut Screener<'c>,
    f: &'s ConfigFile,
}

impl HclFile<'_, '_> {
    fn src(&self, span: Option<std::ops::Range<usize>>) -> &str {
        span.and_then(|r| self.f.contents.get(r)).unwrap_or("")
    }

    fn line(&self, span: Option<std::ops::Range<usize>>) -> u32 {
        span.map_or(1, |r| line_of(&self.f.contents, r.start))
    }

    fn attr_text(&self, body: &Body, key: &str) -> Option<String> {
        body.get_attribute(key)
            .map(|a| self.src(a.value.span()).to_owned())
    }

    /// Blocks: data sources, provisioners, modules, backends, providers. Nested blocks are
    /// walked too (`check` blocks scope their own data sources).
    fn body(&mut self, body: &Body, depth: usize) {
        if depth > 64 {
            return;
        }
        for block in body.blocks() {
            self.block(block, depth);
        }
    }

    fn block(&mut self, b: &Block, depth: usize) {
        let path = self.f.path.clone();
        let line = self.line(b.span());
        let text = self.src(b.span()).to_owned();
        let labels: Vec<&str> = b.labels.iter().map(label).collect();
        match (b.ident.as_str(), labels.as_slice()) {
            ("data", [ty, name, ..]) => {
                match *ty {
                    "external" => {
                        let program = self.attr_text(&b.body, "program").unwrap_or(text.clone());
                        self.s.push(
                            ConfigRule::ExternalData,
                            &path,
                            line,
                            &program,
                            format!("data \"external\" \"{name}\" runs a program while planning"),
                        );
                    }
                    "http" => {
                        let url = self.attr_text(&b.body, "url").unwrap_or(text.clone());
                        self.s.push(
                            ConfigRule::HttpData,
                            &path,
                            line,
                            &url,
                            format!("data \"http\" \"{name}\" fetches a URL while planning"),
                        );
                    }
                    _ => {}
                }
                self.s.note_type(ty, &path, line);
                self.provider_meta(&b.body);
            }
            ("resource", [ty, ..]) | ("ephemeral", [ty, ..]) => {
                self.s.note_type(ty, &path, line);
                self.provider_meta(&b.body);
                for p in b.body.get_blocks("provisioner") {
                    let kind = p.labels.first().map(label).unwrap_or("?");
                    let l = self.line(p.span());
                    let t = self.src(p.span()).to_owned();
                    self.s.push(
                        ConfigRule::Provisioner,
                        &path,
                        l,
                        &t,
                        format!("a {kind} provisioner runs when the plan is applied"),
                    );
                }
            }
            ("module", [name, ..]) => match b.body.get_attribute("source").map(|a| &a.value) {
                Some(Expression::String(s)) => {
                    let src = s.value().clone();
                    self.s.module_source(&path, line, name, &src);
                }
                Some(other) => {
                    let t = self.src(other.span()).to_owned();
                    self.s.push(
                        ConfigRule::ModuleSource,
                        &path,
                        line,
                        &t,
                        format!("module \"{name}\" has a source that is not a literal string"),
                    );
                }
                None => {}
            },
            ("terraform", _) => {
                for inner in b.body.blocks() {
                    match inner.ident.as_str() {
                        "backend" | "cloud" => {
                            let l = self.line(inner.span());
                            let t = self.src(inner.span()).to_owned();
                            self.s.push(
                                ConfigRule::Backend,
                                &path,
                                l,
                                &t,
                                format!(
                                    "a {} block decides where state, with its secrets, is stored",
                                    inner.ident.as_str()
                                ),
                            );
                        }
                        "required_providers" => self.required_providers(&inner.body),
                        _ => {}
                    }
                }
            }
            ("provider", [name, ..]) => {
                self.s
                    .providers
                    .used
                    .push(((*name).to_owned(), path.clone(), line));
                if has_block_or_attr(&b.body, "exec", 0) {
                    self.s.push(
                        ConfigRule::ProviderExec,
                        &path,
                        line,
                        &text,
                        format!("provider \"{name}\" runs a command (exec) to get credentials"),
                    );
                }
            }
            _ => self.body(&b.body, depth + 1),
        }
    }

    /// A `provider = google-beta.west` meta-argument names a provider too.
    fn provider_meta(&mut self, body: &Body) {
        if let Some(a) = body.get_attribute("provider") {
            let name = match &a.value {
                Expression::Traversal(t) => t.expr.as_variable().map(|v| v.as_str().to_owned()),
                Expression::Variable(v) => Some(v.as_str().to_owned()),
                _ => None,
            };
            if let Some(n) = name {
                let line = self.line(a.span());
                self.s.providers.used.push((n, self.f.path.clone(), line));
            }
        }
    }

    fn required_providers(&mut self, body: &Body) {
        for a in body.attributes() {
            let local = a.key.as_str().to_owned();
            let line = self.line(a.span());
            let (source, version) = match &a.value {
                Expression::String(v) => (format!("hashicorp/{local}"), Some(v.value().clone())),
                Expression::Object(o) => {
                    let mut source = format!("hashicorp/{local}");
                    let mut version = None;
                    for (k, v) in o.iter() {
                        let key = match k {
                            hcl_edit::expr::ObjectKey::Ident(i) => i.as_str().to_owned(),
                            hcl_edit::expr::ObjectKey::Expression(e) => {
                                e.as_str().unwrap_or("").to_owned()
                            }
                        };
                        if let Some(val) = v.expr().as_str() {
                            match key.as_str() {
                                "source" => source = val.to_owned(),
                                "version" => version = Some(val.to_owned()),
                                _ => {}
                            }
                        }
                    }
                    (source, version)
                }
                _ => continue,
            };
            self.s
                .providers
                .required
                .push((local, source, version, self.f.path.clone(), line));
        }
    }
}

fn has_block_or_attr(body: &Body, key: &str, depth: usize) -> bool {
    if depth > 16 {
        return false;
    }
    body.has_attribute(key)
        || body
            .blocks()
            .any(|b| b.ident.as_str() == key || has_block_or_attr(&b.body, key, depth + 1))
}

/// Every function call in a native-syntax file.
struct FileCalls<'a, 's, 'c> {
    file: &'a mut HclFile<'s, 'c>,
}

impl Visit for FileCalls<'_, '_, '_> {
    fn visit_func_call(&mut self, node: &FuncCall) {
        if node.name.namespace.is_empty() {
            let name = node.name.name.as_str().to_owned();
            let args: Vec<&Expression> = node.args.iter().collect();
            let line = self.file.line(node.span());
            let text = self.file.src(node.span()).to_owned();
            let path = self.file.f.path.clone();
            let dir = dir_of(&path).to_owned();
            self.file
                .s
                .file_call(&path, &dir, line, &name, &args, &text);
        }
        visit::visit_func_call(self, node);
    }
}

/// Every function call in a template string of a JSON-syntax file.
struct TemplateCalls<'a, 's, 'c> {
    file: &'a mut HclFile<'s, 'c>,
    line: u32,
    text: &'a str,
}

impl Visit for TemplateCalls<'_, '_, '_> {
    fn visit_func_call(&mut self, node: &FuncCall) {
        if node.name.namespace.is_empty() {
            let name = node.name.name.as_str().to_owned();
            let args: Vec<&Expression> = node.args.iter().collect();
            let text = node
                .span()
                .and_then(|r| self.text.get(r))
                .unwrap_or(self.text)
                .to_owned();
            let path = self.file.f.path.clone();
            let dir = dir_of(&path).to_owned();
            self.file
                .s
                .file_call(&path, &dir, self.line, &name, &args, &text);
        }
        visit::visit_func_call(self, node);
    }
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

    #[test]
    fn joins_stay_inside_the_root() {
        assert_eq!(join("", "./modules/x").as_deref(), Some("modules/x"));
        assert_eq!(join("modules/a", "../b").as_deref(), Some("modules/b"));
        assert_eq!(join("", "../x"), None);
        assert_eq!(join("modules/a", "../../../x"), None);
    }
}
