//! Secret redaction for runner output and audit records. Hand-written scanners, no regex
//! engine: AWS key ids, bearer tokens, PEM private keys, well-known token prefixes,
//! `password=`-style pairs, and the literal values of the gateway's own secret variables.

/// What replaces a secret.
pub const REDACTED: &str = "[REDACTED]";

/// Redacts secrets from text.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Literal secret values to remove wherever they appear (at least 8 bytes each).
    literals: Vec<String>,
    /// Pass text through unchanged (for machine-readable output the gateway parses itself and
    /// never returns verbatim).
    passthrough: bool,
}

fn is_token_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'~' | b'+' | b'/' | b'=')
}

const SECRET_KEYS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "api-key",
    "access_key",
    "secret_key",
    "private_key",
    "client_secret",
    "auth",
    "credential",
];

const TOKEN_PREFIXES: &[&str] = &[
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "glpat-",
    "sk-",
    "sk_live_",
    "rk_live_",
    "AIza",
    "ya29.",
];

impl Redactor {
    /// A redactor that also removes these literal values (e.g. the gateway's own credentials).
    pub fn with_literals(values: impl IntoIterator<Item = String>) -> Self {
        let mut literals: Vec<String> = values.into_iter().filter(|v| v.len() >= 8).collect();
        literals.sort_by_key(|v| std::cmp::Reverse(v.len()));
        literals.dedup();
        Redactor {
            literals,
            passthrough: false,
        }
    }

    /// A redactor that changes nothing.
    pub fn passthrough() -> Self {
        Redactor {
            literals: Vec::new(),
            passthrough: true,
        }
    }

    /// The secret values of an environment: variables whose names say they hold credentials.
    pub fn from_env(vars: impl IntoIterator<Item = (String, String)>) -> Self {
        Self::with_literals(
            vars.into_iter()
                .filter(|(k, _)| recourse_shell::is_secret_name(k))
                .map(|(_, v)| v),
        )
    }

    /// Redacts `text`.
    pub fn redact(&self, text: &str) -> String {
        let mut s = text.to_owned();
        if self.passthrough {
            return s;
        }
        for lit in &self.literals {
            if s.contains(lit.as_str()) {
                s = s.replace(lit.as_str(), REDACTED);
            }
        }
        let s = redact_pem(&s);
        let s = redact_aws_key_ids(&s);
        let s = redact_after(&s, "Bearer ", 8);
        let s = redact_after(&s, "bearer ", 8);
        let s = TOKEN_PREFIXES
            .iter()
            .fold(s, |acc, p| redact_prefixed(&acc, p, 16));
        redact_pairs(&s)
    }
}

impl Redactor {
    /// Redacts a JSON document value by value: every string is redacted as text, and the value
    /// of a key that names a secret (`"client_secret": …`) is replaced whole. Redacting the
    /// serialized text instead can cut through an escape or a closing quote and leave text that
    /// no longer parses; the result here is always a well-formed document of the same shape.
    pub fn redact_json(&self, value: serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        if self.passthrough {
            return value;
        }
        match value {
            Value::String(s) => Value::String(self.redact(&s)),
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|v| self.redact_json(v)).collect())
            }
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| {
                        let v = if key_names_secret(&k) && !v.is_null() {
                            Value::String(REDACTED.to_owned())
                        } else {
                            self.redact_json(v)
                        };
                        (k, v)
                    })
                    .collect(),
            ),
            other => other,
        }
    }
}

/// A key that ends in a secret word as a whole identifier part: `password`, `client_secret`,
/// `aws_session_token`, not `tokens` or `password_hash` (the rule `redact_pairs` applies to
/// `key=value` text).
fn key_names_secret(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    SECRET_KEYS.iter().any(|s| k.ends_with(s))
}

/// Whether `text` holds a private key block that redaction would hide.
pub(crate) fn holds_private_key(text: &str) -> bool {
    text.contains("PRIVATE KEY-----") && redact_pem(text) != text
}

fn redact_pem(s: &str) -> String {
    // Only a real key body is hidden: base64 lines (and `Name: value` headers of an encrypted
    // key) between a `-----BEGIN … PRIVATE KEY-----` line and its `-----END …-----`. Anything
    // else — a command or script text on the marker lines or between them, a label that is not
    // a label — stays visible: redaction must never hide code from the approver or the log.
    let key_line = |l: &str| {
        let l = l.trim();
        l.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='))
            || (l.contains(": ")
                && l.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b':' | b' ' | b',' | b'-')))
    };
    let label_ok =
        |l: &str| !l.is_empty() && l.bytes().all(|c| c.is_ascii_uppercase() || c == b' ');
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("-----BEGIN ") {
        let label_from = start + 11;
        let Some(label_len) = rest[label_from..].find("-----") else {
            break;
        };
        let label = &rest[label_from..label_from + label_len];
        let body_from = label_from + label_len + 5;
        if !(label_ok(label) && label.contains("PRIVATE KEY")) {
            out.push_str(&rest[..label_from]);
            rest = &rest[label_from..];
            continue;
        }
        let hidden_to = match rest[body_from..].find("-----END ") {
            Some(e) => {
                let end_label_from = body_from + e + 9;
                let close = rest[end_label_from..]
                    .find("-----")
                    .map(|i| (end_label_from + i, end_label_from + i + 5));
                match close {
                    Some((label_end, close))
                        if label_ok(&rest[end_label_from..label_end])
                            && rest[body_from..body_from + e].lines().all(key_line) =>
                    {
                        Some(close)
                    }
                    _ => None,
                }
            }
            // Cut off before its end (output at its limit): the key lines that follow, if the
            // rest of the marker's own line is key text too.
            None => {
                let mut lines = rest[body_from..].split_inclusive('\n');
                let first = lines.next().unwrap_or("");
                if key_line(first) {
                    let mut cut = body_from + first.len();
                    for l in lines {
                        if !key_line(l) {
                            break;
                        }
                        cut += l.len();
                    }
                    Some(cut)
                } else {
                    None
                }
            }
        };
        match hidden_to {
            Some(to) => {
                out.push_str(&rest[..start]);
                out.push_str(REDACTED);
                rest = &rest[to..];
            }
            None => {
                out.push_str(&rest[..label_from]);
                rest = &rest[label_from..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn redact_aws_key_ids(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut last = 0;
    while i + 20 <= b.len() {
        let prefix = &b[i..i + 4];
        if (prefix == b"AKIA" || prefix == b"ASIA" || prefix == b"AIDA" || prefix == b"AROA")
            && b[i + 4..i + 20]
                .iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric())
            && b.get(i + 20).is_none_or(|c| !c.is_ascii_alphanumeric())
        {
            out.push_str(&s[last..i]);
            out.push_str(REDACTED);
            i += 20;
            last = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&s[last..]);
    out
}

fn redact_after(s: &str, marker: &str, min: usize) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find(marker) {
        let start = pos + marker.len();
        let len = rest.as_bytes()[start..]
            .iter()
            .take_while(|c| is_token_char(**c))
            .count();
        out.push_str(&rest[..start]);
        if len >= min {
            out.push_str(REDACTED);
        } else {
            out.push_str(&rest[start..start + len]);
        }
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    out
}

fn redact_prefixed(s: &str, prefix: &str, min: usize) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find(prefix) {
        let boundary = pos == 0 || !rest.as_bytes()[pos - 1].is_ascii_alphanumeric();
        let len = rest.as_bytes()[pos..]
            .iter()
            .take_while(|c| is_token_char(**c))
            .count();
        out.push_str(&rest[..pos]);
        if boundary && len >= min + prefix.len() {
            out.push_str(REDACTED);
        } else {
            out.push_str(&rest[pos..pos + len.max(prefix.len())]);
        }
        rest = &rest[pos + len.max(prefix.len())..];
    }
    out.push_str(rest);
    out
}

/// `key=value`, `key: value`, `"key": "value"` where the key names a secret.
fn redact_pairs(s: &str) -> String {
    let lower = s.to_ascii_lowercase();
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    let mut i = 0;
    while i < b.len() {
        // Byte comparison: `i` may sit inside a multi-byte character; keys are ASCII.
        let hit = SECRET_KEYS
            .iter()
            .find(|k| lower.as_bytes()[i..].starts_with(k.as_bytes()));
        let Some(key) = hit else {
            i += 1;
            continue;
        };
        // The key must end a word-ish identifier: skip the rest of it (e.g. `_key`, `word`).
        let mut j = i + key.len();
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'-') {
            j += 1;
        }
        // The key must end the identifier (`aws_session_token` yes, `tokens` no).
        if j != i + key.len() {
            i = j;
            continue;
        }
        // Optional closing quote of a JSON key, spaces, then `=` or `:`.
        let mut k = j;
        if b.get(k) == Some(&b'"') || b.get(k) == Some(&b'\'') {
            k += 1;
        }
        while b.get(k) == Some(&b' ') {
            k += 1;
        }
        if !matches!(b.get(k), Some(b'=') | Some(b':')) {
            i = j.max(i + 1);
            continue;
        }
        k += 1;
        while b.get(k) == Some(&b' ') {
            k += 1;
        }
        let quote = match b.get(k) {
            Some(q @ (b'"' | b'\'')) => {
                k += 1;
                Some(*q)
            }
            _ => None,
        };
        let start = k;
        while k < b.len() {
            let c = b[k];
            let end = match quote {
                // A quoted value ends at its quote, and never spans lines.
                Some(q) => c == q || c == b'\n',
                None => c.is_ascii_whitespace() || matches!(c, b'&' | b',' | b';' | b'"' | b'\''),
            };
            if end {
                break;
            }
            k += 1;
        }
        // A value that is an expansion or code (`$(…)`, `${…}`, `$VAR`, backquotes, or a
        // quote left open at the end of the line) is not a secret: hiding it would hide what
        // runs from the approver and the audit log.
        let value = &s[start..k];
        let code = value.contains('$')
            || value.contains('`')
            || (quote.is_some() && b.get(k) != quote.as_ref());
        if k > start && !code {
            out.push_str(&s[last..start]);
            out.push_str(REDACTED);
            last = k;
        }
        i = k.max(i + 1);
    }
    out.push_str(&s[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_known_shapes() {
        let r = Redactor::with_literals(["wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_owned()]);
        let text = "key AKIAIOSFODNN7EXAMPLE secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\
                    Authorization: Bearer abc.def.ghijklmnop\n\
                    password=hunter2hunter2 user=bob\n\
                    {\"client_secret\": \"s3cr3t-value\"}\n\
                    token: ghp_abcdefghijklmnopqrstuvwxyz0123456789\n\
                    -----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n\
                    -----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
        let out = r.redact(text);
        for secret in [
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI",
            "abc.def.ghijklmnop",
            "hunter2",
            "s3cr3t-value",
            "ghp_abcdef",
            "MIIEow",
        ] {
            assert!(!out.contains(secret), "{secret} leaked: {out}");
        }
        assert!(out.contains("user=bob"), "{out}");
        assert!(out.contains("BEGIN CERTIFICATE"), "{out}");
    }

    /// Redaction hides secrets, never code: a value that is an expansion, a quote that spans
    /// lines, or "key" text between PEM markers stays visible to the approver and the record.
    #[test]
    fn code_is_never_redacted() {
        let r = Redactor::default();
        for text in [
            "export DB_PASSWORD=\"$(touch PWNED)\"",
            "export DB_PASSWORD=$(curl evil)",
            "TOKEN=`id`",
            "PASSWORD=${OTHER}",
            "# db password: '\ntouch PWNED\n# '",
            "-----BEGIN PRIVATE KEY-----\ntouch PWNED\n-----END PRIVATE KEY-----",
            "echo '-----BEGIN PRIVATE KEY-----' >/dev/null; touch PWNED; echo '-----END PRIVATE KEY-----'",
            "echo '-----BEGIN PRIVATE KEY-----'; touch PWNED",
            "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END touch PWNED; PRIVATE KEY-----",
            "-----BEGIN touch PWNED PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----",
        ] {
            assert!(
                r.redact(text).contains("PWNED")
                    || r.redact(text).contains("curl evil")
                    || r.redact(text).contains("`id`")
                    || r.redact(text).contains("${OTHER}"),
                "{text:?} became {:?}",
                r.redact(text)
            );
        }
        // Real secrets in the same shapes still go.
        for (text, secret) in [
            ("export DB_PASSWORD=\"hunter2 hunter2\"", "hunter2"),
            ("password: 'pa ss'", "pa ss"),
            (
                "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADAN\nBgkqhkiG9w0=\n-----END PRIVATE KEY-----",
                "MIIEvQ",
            ),
            ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADAN\nBgkq", "MIIEvQ"),
        ] {
            assert!(!r.redact(text).contains(secret), "{text:?}");
        }
    }

    #[test]
    fn redacts_json_without_breaking_it() {
        let r = Redactor::default();
        // Each of these cut the serialized text into something that no longer parsed (an
        // unterminated private key swallows the rest; a quoted value with an escaped quote ends
        // early), which used to make the caller fall back to the unredacted document.
        let doc = serde_json::json!({
            "command": "echo -----BEGIN PRIVATE KEY-----MIIsecretbody",
            "args": ["x password=\"hunter2hunter2\" y", "AKIAIOSFODNN7EXAMPLE"],
            "client_secret": "s3cr3t-value",
            "aws_session_token": 42,
            "auth": {"user": "bob"},
            "tokens": 3,
            "cwd": "/srv/app"
        });
        let out = r.redact_json(doc);
        let text = out.to_string();
        for secret in [
            "MIIsecretbody",
            "hunter2hunter2",
            "AKIAIOSFODNN7EXAMPLE",
            "s3cr3t-value",
            "42",
            "bob",
        ] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
        assert_eq!(out["tokens"], 3);
        assert_eq!(out["cwd"], "/srv/app");
        assert_eq!(out["args"].as_array().map(Vec::len), Some(2));
        let doc = serde_json::json!({"password": "x"});
        assert_eq!(Redactor::passthrough().redact_json(doc.clone()), doc);
    }

    #[test]
    fn never_panics_on_unicode() {
        let r = Redactor::with_literals(["secret-literal".to_owned()]);
        for t in [
            "≠password=x≠",
            "tokén: ü",
            "é=é password:é",
            "ghp_é",
            "Bearer é",
            "-----BEGIN é PRIVATE KEY-----é",
            "AKIAé",
        ] {
            let _ = r.redact(t);
        }
        // Every prefix of a mixed string, to hit every byte offset.
        let s = "a≠b password=ü€ token: 𝄞x AKIAIOSFODNN7EXAMPLE ghp_aaaaaaaaaaaaaaaaaaaaaaaaa";
        for (i, _) in s.char_indices() {
            let _ = r.redact(&s[i..]);
            let _ = r.redact(&s[..i]);
        }
    }

    #[test]
    fn leaves_plain_text_alone() {
        let r = Redactor::default();
        for t in [
            "ls -la\ntotal 8",
            "the password policy is strict",
            "AKIA short",
            "tokens: 5",
        ] {
            assert_eq!(r.redact(t), t);
        }
    }
}
