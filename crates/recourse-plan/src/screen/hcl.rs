//! Native syntax (`.tf`): blocks (data sources, provisioners, modules, backends, providers)
//! and every function call.

use hcl_edit::expr::{Expression, FuncCall};
use hcl_edit::structure::{Block, BlockLabel, Body};
use hcl_edit::visit::{self, Visit};
use hcl_edit::{Span, parser};
use recourse_policy::ConfigRule;

use super::{ConfigFile, Screener, dir_of, line_of};

impl Screener<'_> {
    pub(super) fn hcl_file(&mut self, f: &ConfigFile) {
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
}

fn label(l: &BlockLabel) -> &str {
    match l {
        BlockLabel::Ident(i) => i.as_str(),
        BlockLabel::String(s) => s.value().as_str(),
    }
}

/// One native-syntax file being screened.
pub(super) struct HclFile<'s, 'c> {
    pub(super) s: &'s mut Screener<'c>,
    pub(super) f: &'s ConfigFile,
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
