//! Arithmetic text, read for what it makes bash run: bash evaluates the value of every
//! variable an expression names as another expression, and a subscript in it (`a[$(cmd)]`)
//! runs its command substitution, even when the text came from single quotes or from input.

/// The names an arithmetic expression refers to, except those it assigns itself (`i=0`,
/// `i++`), whose values are numbers.
pub(crate) fn referenced(expr: &str) -> Vec<&str> {
    let names = identifiers(expr);
    let assigned: Vec<&str> = names
        .iter()
        .filter(|(n, at)| assigns(expr, *at, n.len()))
        .map(|(n, _)| *n)
        .collect();
    let mut out: Vec<&str> = names
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| !assigned.contains(n))
        .collect();
    out.dedup();
    out
}

/// The parameters an arithmetic expression expands with `$` (`$x`, `${x}`): their values are
/// put into the text and evaluated with it, subscripts included.
pub(crate) fn dollar_refs(expr: &str) -> Vec<&str> {
    let b = expr.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            let braced = b.get(i + 1) == Some(&b'{');
            let start = i + 1 + usize::from(braced);
            let mut end = start;
            while end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'_') {
                end += 1;
            }
            if end > start && (b[start].is_ascii_alphabetic() || b[start] == b'_') {
                out.push(&expr[start..end]);
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// The names an arithmetic expression assigns (`i=0`, `n+=2`, `i++`): their values are
/// numbers.
pub(crate) fn assigned(expr: &str) -> Vec<&str> {
    identifiers(expr)
        .into_iter()
        .filter(|(n, at)| assigns(expr, *at, n.len()))
        .map(|(n, _)| n)
        .collect()
}

/// Every bare identifier with its offset (a `$name` is an expansion, not a bare name; digits
/// and bases like `16#ff` are numbers).
fn identifiers(expr: &str) -> Vec<(&str, usize)> {
    let b = expr.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        // A command substitution's words are a command, not names (`$(wc -l < f) + 1`).
        if c == b'$' && b.get(i + 1) == Some(&b'(') && b.get(i + 2) != Some(&b'(') || c == b'`' {
            let (open, close) = if c == b'`' { (0, b'`') } else { (b'(', b')') };
            let mut depth = 1usize;
            i += if c == b'`' { 1 } else { 2 };
            while i < b.len() && depth > 0 {
                if open != 0 && b[i] == open {
                    depth += 1;
                } else if b[i] == close {
                    depth -= 1;
                }
                i += 1;
            }
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let after_dollar = start > 0 && b[start - 1] == b'$';
            let after_hash = start > 0 && b[start - 1] == b'#';
            if !after_dollar && !after_hash {
                out.push((&expr[start..i], start));
            }
        } else if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'#' || b[i] == b'_') {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    out
}

/// Whether the identifier at `at` is assigned: followed by `=` (not `==`), an operator-assign,
/// `++`/`--`, or preceded by `++`/`--`.
fn assigns(expr: &str, at: usize, len: usize) -> bool {
    let after = expr.get(at + len..).unwrap_or_default().trim_start();
    let before = expr.get(..at).unwrap_or_default().trim_end();
    let op_assign = ["+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "|=", "^="];
    (after.starts_with('=') && !after.starts_with("=="))
        || op_assign.iter().any(|o| after.starts_with(o))
        || after.starts_with("++")
        || after.starts_with("--")
        || before.ends_with("++")
        || before.ends_with("--")
}

/// The command texts of the substitutions (`$( … )`, backticks) written in text that bash will
/// evaluate again (a single-quoted subscript, a variable's value).
pub(crate) fn substitutions(text: &str) -> Vec<&str> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' && b.get(i + 1) == Some(&b'(') {
            let start = i + 2;
            let mut depth = 1usize;
            let mut j = start;
            while j < b.len() {
                match b[j] {
                    b'(' => depth += 1,
                    b')' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            if let Some(inner) = text.get(start..j.min(b.len())) {
                out.push(inner);
            }
            i = j + 1;
        } else if b[i] == b'`' {
            let start = i + 1;
            let end = b[start..]
                .iter()
                .position(|c| *c == b'`')
                .map_or(b.len(), |n| start + n);
            if let Some(inner) = text.get(start..end) {
                out.push(inner);
            }
            i = end + 1;
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_substitutions() {
        assert_eq!(referenced("i=0; i<n; i++"), ["n"]);
        assert_eq!(assigned("i=0; i<n; i++"), ["i", "i"]);
        assert_eq!(referenced("x + 16#ff + $y + z"), ["x", "z"]);
        assert_eq!(referenced("count -gt 3"), ["count", "gt"]);
        assert_eq!(substitutions("a[$(id)] + b[`whoami`]"), ["id", "whoami"]);
        assert_eq!(substitutions("a[$(echo $(id))]"), ["echo $(id)"]);
        assert!(substitutions("a + b").is_empty());
    }
}
