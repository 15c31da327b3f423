//! JSON syntax (`.tf.json`): the same blocks as native syntax, and the function calls in
//! every template string.

use hcl_edit::expr::{Expression, FuncCall};
use hcl_edit::visit::{self, Visit};
use hcl_edit::{Span, parser};
use recourse_policy::ConfigRule;
use serde_json::Value;

use super::hcl::HclFile;
use super::{ConfigFile, Screener, dir_of, line_of};

impl Screener<'_> {
    pub(super) fn json_file(&mut self, f: &ConfigFile) {
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
