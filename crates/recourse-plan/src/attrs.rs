//! Reading attribute values the way the rules need them: a value that is absent, marked
//! sensitive (a redacted plan leaves it out) or unknown until apply is *not known*, and a rule
//! must never read "not known" as the safe answer.

use serde_json::Value;

/// One object's values with its sensitivity (or unknown-until-apply) markers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Attrs<'a> {
    values: &'a Value,
    hidden: &'a Value,
}

/// A boolean attribute as far as it is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tri {
    /// Set to true.
    True,
    /// Set to false, or null (unset: the provider default applies).
    False,
    /// Absent, redacted or unknown.
    Unknown,
}

/// Steps into `key`, entering one-element block lists (`versioning = [{…}]`) transparently.
fn step<'v>(cur: &'v Value, key: &str) -> Option<&'v Value> {
    let cur = match cur {
        Value::Array(items) => items.first()?,
        other => other,
    };
    cur.get(key)
}

fn unwrap_single(v: &Value) -> &Value {
    match v {
        Value::Array(items) if items.len() == 1 => &items[0],
        other => other,
    }
}

impl<'a> Attrs<'a> {
    /// Values with markers (`before_sensitive`, or `after_unknown`); `Null` markers mark nothing.
    pub(crate) fn new(values: &'a Value, hidden: &'a Value) -> Attrs<'a> {
        Attrs { values, hidden }
    }

    /// Whether a marker along `path` hides the value.
    fn is_hidden(&self, path: &[&str]) -> bool {
        let mut cur = self.hidden;
        for key in path {
            if cur == &Value::Bool(true) {
                return true;
            }
            match step(cur, key) {
                Some(next) => cur = next,
                None => return false,
            }
        }
        unwrap_single(cur) == &Value::Bool(true)
    }

    /// The value at `path`: `None` when absent or hidden, `Some(Null)` when explicitly null.
    pub(crate) fn raw(&self, path: &[&str]) -> Option<&'a Value> {
        if self.is_hidden(path) {
            return None;
        }
        let mut cur = self.values;
        for key in path {
            cur = step(cur, key)?;
        }
        Some(unwrap_single(cur))
    }

    /// A set, non-null value at `path`.
    pub(crate) fn get(&self, path: &[&str]) -> Option<&'a Value> {
        self.raw(path).filter(|v| !v.is_null())
    }

    /// A known boolean.
    pub(crate) fn flag(&self, path: &[&str]) -> Option<bool> {
        self.get(path).and_then(Value::as_bool)
    }

    /// A boolean that distinguishes "unset" (provider default) from "not known".
    pub(crate) fn tri(&self, path: &[&str]) -> Tri {
        match self.raw(path) {
            Some(Value::Bool(true)) => Tri::True,
            Some(Value::Bool(false) | Value::Null) => Tri::False,
            // A string "true" (some providers' string-typed flags) counts as set.
            Some(Value::String(s)) if s == "true" => Tri::True,
            Some(Value::String(s)) if s == "false" => Tri::False,
            _ => Tri::Unknown,
        }
    }

    /// A known number.
    pub(crate) fn number(&self, path: &[&str]) -> Option<f64> {
        self.get(path).and_then(Value::as_f64)
    }

    /// A known, non-empty string.
    pub(crate) fn text(&self, path: &[&str]) -> Option<&'a str> {
        self.get(path)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }

    /// Every element of a block list at `path` (`ebs_block_device = [{…}, {…}]`); `None` when
    /// the list itself is not known.
    pub(crate) fn blocks(&self, path: &[&str]) -> Option<Vec<Attrs<'a>>> {
        if self.is_hidden(path) {
            return None;
        }
        let mut cur = self.values;
        let mut hidden = self.hidden;
        for key in path {
            cur = step(cur, key)?;
            hidden = step(hidden, key).unwrap_or(&Value::Null);
        }
        match cur {
            Value::Array(items) => Some(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| Attrs::new(v, hidden.get(i).unwrap_or(&Value::Null)))
                    .collect(),
            ),
            Value::Null => Some(Vec::new()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hidden_and_absent_values_are_not_known() {
        let v = json!({"a": true, "b": null, "c": [{"d": false}], "s": "x"});
        let m = json!({"s": true, "c": [{"d": true}]});
        let a = Attrs::new(&v, &m);
        assert_eq!(a.tri(&["a"]), Tri::True);
        assert_eq!(a.tri(&["b"]), Tri::False);
        assert_eq!(a.tri(&["missing"]), Tri::Unknown);
        assert_eq!(a.tri(&["c", "d"]), Tri::Unknown);
        assert_eq!(a.text(&["s"]), None);
        let unmarked = Attrs::new(&v, &Value::Null);
        assert_eq!(unmarked.tri(&["c", "d"]), Tri::False);
        assert_eq!(unmarked.text(&["s"]), Some("x"));
    }
}
