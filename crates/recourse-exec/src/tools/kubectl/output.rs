//! Secrets never leave in clear. What kubectl prints is checked here, in the gateway, after the
//! confined run and before the answer and the audit record are made: every object of kind
//! Secret (on its own, in a List, in a `SecretList`, nested however deep) has every value of
//! `data` and `stringData` replaced, whatever the key is called, and so has the copy of the
//! object kubectl keeps in the `last-applied-configuration` annotation. Recognising Secrets by
//! the objects in the output — not by the resource name the agent typed — is what makes an
//! alias or a poisoned short name useless. Output that should be structured and does not parse
//! (cut at the output cap, say) is withheld rather than returned unchecked.

use serde_json::Value;

use crate::redact::REDACTED;

/// kubectl's copy of the applied object, which holds a Secret's values too.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// How a kubectl run's stdout is checked before anyone sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OutputCheck {
    /// Text about objects, not their content (logs, exec, delete, scale, tables, `-o name`).
    Text,
    /// `-o yaml|json`: parsed, every Secret's values replaced; withheld if it does not parse.
    Structured,
    /// Text that may be a rendering of objects (apply, with whatever output flags the operator
    /// configured): Secrets' values replaced when it parses as objects.
    Auto,
    /// `kubectl describe` of something that is, or may be, a Secret: the data sections are
    /// checked line by line.
    Describe,
}

/// stdout as it may leave the gateway.
pub(crate) fn check(how: OutputCheck, stdout: String) -> String {
    match how {
        OutputCheck::Text => stdout,
        OutputCheck::Auto => match redact_rendered(&stdout) {
            Ok(Some(redacted)) => redacted,
            Ok(None) | Err(_) => stdout,
        },
        OutputCheck::Structured => match redact_rendered(&stdout) {
            Ok(Some(redacted)) => redacted,
            Ok(None) => stdout,
            Err(e) => format!(
                "[output withheld by the gateway: it could not be parsed to replace Secret values ({e}); narrow the query (a name or a selector) so that it fits]\n"
            ),
        },
        OutputCheck::Describe => redact_describe(&stdout),
    }
}

/// `Some(text)` with every Secret's values replaced, `None` when it holds no Secret (the text
/// is returned as kubectl printed it), `Err` when it is not JSON or YAML.
fn redact_rendered(text: &str) -> Result<Option<String>, String> {
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Ok(None);
    }
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let mut docs: Vec<Value> = serde_json::Deserializer::from_str(text)
            .into_iter::<Value>()
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        if !docs.iter_mut().fold(false, |f, d| redact_secrets(d) | f) {
            return Ok(None);
        }
        let mut out = String::new();
        for d in &docs {
            out.push_str(&serde_json::to_string_pretty(d).map_err(|e| e.to_string())?);
            out.push('\n');
        }
        return Ok(Some(out));
    }
    let mut docs = Vec::new();
    for doc in serde_yaml_ng::Deserializer::from_str(text) {
        let v: Value = serde::Deserialize::deserialize(doc).map_err(|e| e.to_string())?;
        docs.push(v);
    }
    if !docs.iter_mut().fold(false, |f, d| redact_secrets(d) | f) {
        return Ok(None);
    }
    let rendered: Vec<String> = docs
        .iter()
        .map(serde_yaml_ng::to_string)
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    Ok(Some(rendered.join("---\n")))
}

/// Replaces the values of every Secret in `v`; whether there was one.
pub(crate) fn redact_secrets(v: &mut Value) -> bool {
    walk(v, false)
}

fn walk(v: &mut Value, secret_items: bool) -> bool {
    match v {
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |f, item| walk(item, secret_items) | f),
        Value::Object(map) => {
            let kind = map.get("kind").and_then(Value::as_str).unwrap_or("");
            let is_secret = kind == "Secret" || (secret_items && kind.is_empty());
            // A `SecretList` straight from the API carries items without a kind.
            let items_are_secrets = kind == "SecretList";
            let mut found = false;
            if is_secret {
                found = true;
                for field in ["data", "stringData"] {
                    if let Some(values) = map.get_mut(field) {
                        replace_values(values);
                    }
                }
                if let Some(Value::String(last)) = map
                    .get_mut("metadata")
                    .and_then(|m| m.get_mut("annotations"))
                    .and_then(|a| a.get_mut(LAST_APPLIED))
                {
                    *last = redact_last_applied(last);
                }
            }
            continue_walk(map, items_are_secrets) | found
        }
        _ => false,
    }
}

fn continue_walk(map: &mut serde_json::Map<String, Value>, items_are_secrets: bool) -> bool {
    map.iter_mut().fold(false, |f, (k, child)| {
        walk(child, items_are_secrets && k == "items") | f
    })
}

/// The annotation is this Secret as last applied (whatever kind it claims): its values are
/// replaced the same way, and an annotation that does not parse is replaced whole.
fn redact_last_applied(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(mut m)) => {
            m.insert("kind".into(), Value::String("Secret".into()));
            let mut v = Value::Object(m);
            walk(&mut v, false);
            v.to_string()
        }
        _ => REDACTED.into(),
    }
}

/// Every value under `data`/`stringData` replaced (a non-mapping is replaced whole).
fn replace_values(values: &mut Value) {
    match values {
        Value::Object(m) => {
            for v in m.values_mut() {
                if !v.is_null() {
                    *v = Value::String(REDACTED.into());
                }
            }
        }
        Value::Null => {}
        other => *other = Value::String(REDACTED.into()),
    }
}

/// `kubectl describe` text: Secret describers print `key:  N bytes` under `Data` / `====`;
/// anything else there is a value and is replaced. The generic describer (used for types
/// without their own) prints `Data:` / `String Data:` followed by indented `key: value` lines;
/// those values are replaced too, and so is a printed `last-applied-configuration`.
fn redact_describe(text: &str) -> String {
    #[derive(Clone, Copy)]
    enum State {
        Outside,
        /// Under `Data` + `====`, until a blank line.
        Sized,
        /// Under an indented `Data:` heading at this indentation.
        Nested(usize),
    }
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out = String::with_capacity(text.len());
    let mut state = State::Outside;
    let mut i = 0;
    while i < lines.len() {
        let raw = lines[i];
        let line = raw.trim_end_matches(['\n', '\r']);
        let eol = &raw[line.len()..];
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim();
        i += 1;
        match state {
            State::Sized if trimmed.is_empty() => state = State::Outside,
            State::Sized => {
                out.push_str(&sized_line(line));
                out.push_str(eol);
                continue;
            }
            State::Nested(at) if !trimmed.is_empty() && indent > at => {
                out.push_str(&value_replaced(line));
                out.push_str(eol);
                continue;
            }
            State::Nested(_) => state = State::Outside,
            State::Outside => {}
        }
        if trimmed == "Data"
            && lines
                .get(i)
                .is_some_and(|next| next.trim_start().starts_with("===="))
        {
            out.push_str(raw);
            out.push_str(lines[i]);
            i += 1;
            state = State::Sized;
            continue;
        }
        if matches!(
            trimmed,
            "Data:" | "String Data:" | "StringData:" | "stringData:" | "data:"
        ) {
            state = State::Nested(indent);
        }
        if let Some(at) = line.find(LAST_APPLIED) {
            out.push_str(&line[..at + LAST_APPLIED.len()]);
            out.push_str(": ");
            out.push_str(REDACTED);
            out.push_str(eol);
            continue;
        }
        out.push_str(raw);
    }
    out
}

/// `key:  7 bytes` stays; anything else keeps its key and loses its value.
fn sized_line(line: &str) -> String {
    let is_size = line.rsplit_once(':').is_some_and(|(_, v)| {
        let v = v.trim();
        v.strip_suffix(" bytes")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    });
    if is_size {
        line.to_owned()
    } else {
        value_replaced(line)
    }
}

/// `  key: value` → `  key: [REDACTED]`; a line without a key is replaced whole.
fn value_replaced(line: &str) -> String {
    let indent = &line[..line.len() - line.trim_start().len()];
    match line.split_once(':') {
        Some((key, _)) => format!("{key}: {REDACTED}"),
        None => format!("{indent}{REDACTED}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CLEAR: [&str; 4] = ["aHVudGVyMg==", "hunter2", "c2VjcmV0", "s3cr3t-value"];

    fn assert_clean(s: &str) {
        for c in CLEAR {
            assert!(!s.contains(c), "{c} leaked in:\n{s}");
        }
    }

    fn secret() -> Value {
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "shop",
            "annotations": {LAST_APPLIED: "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"stringData\":{\"x\":\"s3cr3t-value\"}}"}},
            "type": "Opaque", "data": {"conn": "aHVudGVyMg==", "not-a-password-name": "c2VjcmV0"},
            "stringData": {"plain": "hunter2"}})
    }

    #[test]
    fn every_value_of_a_secret_is_replaced_whatever_its_key() {
        let out = check(OutputCheck::Structured, secret().to_string());
        assert_clean(&out);
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["data"]["conn"], REDACTED);
        assert_eq!(v["data"]["not-a-password-name"], REDACTED);
        assert_eq!(v["stringData"]["plain"], REDACTED);
        assert_eq!(v["metadata"]["name"], "db", "the rest is kept");
        let yaml = serde_yaml_ng::to_string(&secret()).unwrap();
        let out = check(OutputCheck::Structured, yaml);
        assert_clean(&out);
        assert!(out.contains("conn: '[REDACTED]'"), "{out}");
    }

    #[test]
    fn lists_of_secrets_and_secret_lists_are_covered() {
        let list = json!({"apiVersion": "v1", "kind": "List", "items": [
            {"kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"color": "blue"}},
            secret(),
            {"kind": "List", "items": [secret()]},
        ]});
        let out = check(OutputCheck::Structured, list.to_string());
        assert_clean(&out);
        assert!(out.contains("blue"), "other objects are untouched");
        let raw = json!({"kind": "SecretList", "items": [{"metadata": {"name": "x"}, "data": {"k": "aHVudGVyMg=="}}]});
        assert_clean(&check(OutputCheck::Structured, raw.to_string()));
        let yaml_list = serde_yaml_ng::to_string(&list).unwrap();
        assert_clean(&check(OutputCheck::Structured, yaml_list));
    }

    #[test]
    fn output_without_secrets_is_returned_as_printed() {
        let cm = "apiVersion: v1\nkind: ConfigMap\ndata:\n  color: blue   # kept verbatim\n";
        assert_eq!(check(OutputCheck::Structured, cm.into()), cm);
        assert_eq!(
            check(OutputCheck::Auto, "configmap/a created\n".into()),
            "configmap/a created\n"
        );
        assert_eq!(
            check(OutputCheck::Text, "aHVudGVyMg==".into()),
            "aHVudGVyMg=="
        );
    }

    #[test]
    fn unparseable_structured_output_is_withheld() {
        let cut = &secret().to_string()[..60];
        let out = check(OutputCheck::Structured, cut.into());
        assert!(out.starts_with("[output withheld"), "{out}");
        // Auto leaves unparseable text alone (it is not a rendering of objects).
        assert_eq!(check(OutputCheck::Auto, "a: [".into()), "a: [");
        // Auto still catches a rendered Secret (apply with an operator's -o yaml).
        let applied = serde_yaml_ng::to_string(&secret()).unwrap();
        assert_clean(&check(OutputCheck::Auto, applied));
    }

    #[test]
    fn describe_text_is_checked() {
        let sized = "Name:         db\nNamespace:    shop\nAnnotations:  <none>\n\nType:  Opaque\n\nData\n====\nconn:      7 bytes\nodd:  aHVudGVyMg==\n\nEvents:  <none>\n";
        let out = check(OutputCheck::Describe, sized.into());
        assert_clean(&out);
        assert!(out.contains("conn:      7 bytes"), "{out}");
        assert!(out.contains("odd: [REDACTED]"), "{out}");
        assert!(out.contains("Events:  <none>"), "{out}");
        let generic = format!(
            "Name:  db\nAnnotations:  {LAST_APPLIED}: {{\"data\":{{\"k\":\"c2VjcmV0\"}}}}\nSpec:\n  Data:\n    conn:  hunter2\n    more:  aHVudGVyMg==\n  String Data:\n    p: s3cr3t-value\nStatus:  ok\n"
        );
        let out = check(OutputCheck::Describe, generic);
        assert_clean(&out);
        assert!(out.contains("Status:  ok"), "{out}");
        assert!(out.contains("    conn: [REDACTED]"), "{out}");
    }
}
