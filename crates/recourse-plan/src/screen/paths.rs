//! Where a file function's path leads: credential files, home directories, process and
//! device files, absolute paths, or out of the module tree with `..`.

use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::template::Element;
use recourse_policy::ConfigRule;

use super::{Screener, join};

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

impl Screener<'_> {
    pub(super) fn file_call(
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
}
