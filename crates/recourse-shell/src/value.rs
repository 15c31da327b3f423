//! The values a word may have, and what parameter-expansion operators (`${v#p}`, `${v/a/b}`,
//! `${v:1:2}`, `${v@E}`, …) do to them: known text stays known, the rest is described by what
//! it could do to a command.

use crate::fixed::{Escapes, decode_escapes};

/// Most alternatives followed for one word or one variable; past it, the rest are dropped and
/// the word counts as unknown.
pub(crate) const MAX_ALTERNATIVES: usize = 8;

/// What unknown text looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) enum Shape {
    /// Plain words: no `/`, no leading `-`, no glob characters (numbers, names, dates, hashes).
    #[default]
    Token,
    /// Paths that cannot start with `-`: inside the working directory with a leading directory
    /// (`find .` prints `./x`), or system paths (`which python`).
    Paths,
    /// Relative names inside the working directory (`ls`, `git ls-files`): one may start with
    /// `-` when a file is so named.
    Names,
    /// Anything at all: file contents, the environment, input.
    Content,
}

/// What the unknown parts of a value or word could do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Unknown {
    /// Some part is unknown.
    pub any: bool,
    /// The worst shape of the unknown parts.
    pub shape: Shape,
    /// Unquoted unknown text that is not a plain token: it may become several words, and
    /// glob characters in it expand.
    pub split: bool,
    /// The text may start with unknown text that can begin with `-`: it may become an option.
    pub lead: bool,
    /// Unknown text that can hold `/` or `..`: it may name a path outside the working
    /// directory.
    pub escape: bool,
    /// Unknown text that may be empty (an unset variable).
    pub empty: bool,
    /// Derived from credentials (a credential file read, the environment, a secret variable).
    pub secret: bool,
    /// Derived from decoding or de-obfuscation (`base64 -d`, `rev`, `printf '\x..'`).
    pub decoded: bool,
    /// A prompt expansion (`${v@P}`) of a value that may hold a command substitution.
    pub prompt_code: bool,
    /// Cut out of a directory the runner sets (`${HOME::1}`, `${PWD%%/*}`, `${PATH:0:1}`):
    /// text that may well be `/` or a home directory, hidden.
    pub root_cut: bool,
}

impl Unknown {
    pub(crate) fn of(shape: Shape) -> Unknown {
        Unknown {
            any: true,
            shape,
            escape: shape == Shape::Content,
            empty: true,
            ..Unknown::default()
        }
    }

    /// Joins what two parts can do.
    pub(crate) fn join(&mut self, o: Unknown) {
        self.any |= o.any;
        self.shape = self.shape.max(o.shape);
        self.split |= o.split;
        self.lead |= o.lead;
        self.escape |= o.escape;
        self.empty |= o.empty;
        self.secret |= o.secret;
        self.decoded |= o.decoded;
        self.prompt_code |= o.prompt_code;
        self.root_cut |= o.root_cut;
    }
}

/// One value a variable or expansion may have: its text, where unknown parts stay as their
/// source (`/proc/$PPID`), and what those parts could do.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Value {
    /// The text.
    pub text: String,
    /// Whether all of it is known.
    pub known: bool,
    /// What its unknown parts could do (when not `known`).
    pub unknown: Unknown,
    /// It may start with unknown text that can begin with `-`.
    pub lead: bool,
    /// A stand-in for a value the runner sets (`~` for `$HOME`): whole, it is right; cut up by
    /// an operator, its real characters are not known.
    pub symbolic: bool,
    /// A glob pattern standing for the names it matches (a `for` list word): whatever it
    /// expands to, those names are what the command gets.
    pub pattern: bool,
}

impl Value {
    /// Known text.
    pub(crate) fn known(text: impl Into<String>) -> Value {
        Value {
            text: text.into(),
            known: true,
            ..Value::default()
        }
    }

    /// Unknown text of a shape, shown as its source.
    pub(crate) fn unknown(source: impl Into<String>, shape: Shape) -> Value {
        Value {
            text: source.into(),
            known: false,
            unknown: Unknown::of(shape),
            lead: matches!(shape, Shape::Names | Shape::Content),
            symbolic: false,
            pattern: false,
        }
    }

    /// The same value, marked as derived from credentials.
    pub(crate) fn secret(mut self) -> Value {
        self.unknown.secret = true;
        self
    }
}

/// What a command substitution's output is, as the walker saw it.
#[derive(Debug, Clone, Default)]
pub(crate) struct SubOutput {
    /// The output when it is fixed (`$(echo rm)`).
    pub text: Option<String>,
    /// Its shape otherwise.
    pub shape: Shape,
    /// It carries credentials.
    pub secret: bool,
    /// It comes from decoding or de-obfuscation.
    pub decoded: bool,
}

/// Every concatenation of one alternative from each list, at most [`MAX_ALTERNATIVES`].
pub(crate) fn product(a: &[Value], b: &[Value]) -> Vec<Value> {
    let mut out = Vec::with_capacity((a.len() * b.len()).min(MAX_ALTERNATIVES));
    'outer: for x in a {
        for y in b {
            if out.len() >= MAX_ALTERNATIVES {
                break 'outer;
            }
            let mut v = x.clone();
            if v.text.is_empty() && !y.known {
                v.lead |= y.lead;
            }
            v.text.push_str(&y.text);
            v.known &= y.known;
            v.unknown.join(y.unknown);
            out.push(v);
        }
    }
    out
}

/// Applies a parameter-expansion operator to each value.
pub(crate) fn apply_op(base: Vec<Value>, op: &str, src: &str) -> Vec<Value> {
    if op.is_empty() {
        return base;
    }
    let lit = |w: &str| -> Value {
        let w = strip_quotes(w);
        if w.contains(['$', '`']) {
            Value::unknown(src, Shape::Content)
        } else {
            Value::known(w)
        }
    };
    let derived = |b: &Value| -> Value {
        let mut v = Value::unknown(src, Shape::Content);
        v.unknown.secret = b.unknown.secret;
        v.unknown.decoded = true;
        v.unknown.root_cut = cuts_a_root(b);
        v
    };
    let map = |f: &dyn Fn(&str) -> Option<String>| -> Vec<Value> {
        base.iter()
            .map(|b| match (b.known && !b.symbolic, f(&b.text)) {
                (true, Some(t)) => {
                    let mut v = Value::known(t);
                    v.unknown = b.unknown;
                    v
                }
                _ => derived(b),
            })
            .collect()
    };
    let (head, word) = op.split_at(op.find(|c: char| !":-=?+".contains(c)).unwrap_or(op.len()));
    match head {
        ":-" | "-" | ":=" | "=" => {
            let mut out = base;
            out.retain(|v| !(v.known && v.text.is_empty()) || head.len() == 1);
            out.push(lit(word));
            out.truncate(MAX_ALTERNATIVES);
            out
        }
        ":?" | "?" => base,
        ":+" | "+" => vec![lit(word), Value::known("")],
        ":" => substring(&base, word, src),
        _ => {
            let c = op.chars().next().unwrap_or(' ');
            match c {
                '#' | '%' => {
                    let longest = op.starts_with("##") || op.starts_with("%%");
                    let pat = strip_quotes(op.trim_start_matches(c));
                    map(&|t| remove_affix(t, &pat, c == '#', longest))
                }
                '/' => {
                    let body = &op[1..];
                    let (mode, body) = match body.chars().next() {
                        Some(m @ ('/' | '#' | '%')) => (m, &body[1..]),
                        _ => ('1', body),
                    };
                    let (pat, rep) = body.split_once('/').unwrap_or((body, ""));
                    let (pat, rep) = (strip_quotes(pat), strip_quotes(rep));
                    // bash 5.2's `patsub_replacement` (on by default): `&` in the replacement
                    // is the matched text (`${v/delete/&}`).
                    if pat.contains(['*', '?', '[', '$', '`']) || rep.contains(['$', '`', '&']) {
                        return base.iter().map(derived).collect();
                    }
                    map(&|t| Some(replace(t, &pat, &rep, mode)))
                }
                '^' | ',' | '~' if op.len() <= 2 => map(&|t| {
                    Some(match c {
                        '^' if op.len() == 2 => t.to_uppercase(),
                        ',' if op.len() == 2 => t.to_lowercase(),
                        '^' => upper_first(t),
                        _ => t.to_lowercase(),
                    })
                }),
                '@' => match op.get(1..) {
                    Some("Q") => map(&|t| Some(format!("'{t}'"))),
                    Some("U") => map(&|t| Some(t.to_uppercase())),
                    Some("u") => map(&|t| Some(upper_first(t))),
                    Some("L") => map(&|t| Some(t.to_lowercase())),
                    Some("E") => base
                        .iter()
                        .map(|b| {
                            if b.known {
                                let (t, changed) = decode_escapes(&b.text, Escapes::AnsiC);
                                let mut v = Value::known(t);
                                v.unknown.decoded = changed;
                                v
                            } else {
                                derived(b)
                            }
                        })
                        .collect(),
                    Some("P") => base
                        .iter()
                        .map(|b| {
                            let mut v = if b.known && !b.text.contains(['$', '`', '\\']) {
                                Value::known(b.text.clone())
                            } else {
                                derived(b)
                            };
                            v.unknown.prompt_code = !b.known || b.text.contains(['$', '`']);
                            v.unknown.any |= v.unknown.prompt_code;
                            v
                        })
                        .collect(),
                    _ => base.iter().map(derived).collect(),
                },
                _ => base.iter().map(derived).collect(),
            }
        }
    }
}

/// `${v:off}` / `${v:off:len}` of known values with literal numbers.
fn substring(base: &[Value], spec: &str, src: &str) -> Vec<Value> {
    let (off, len) = match spec.split_once(':') {
        Some((o, l)) => (o.trim(), Some(l.trim())),
        None => (spec.trim(), None),
    };
    let parse = |s: &str| {
        s.trim_start_matches(['(', ' '])
            .trim_end_matches(')')
            .trim()
            .parse::<i64>()
            .ok()
    };
    base.iter()
        .map(|b| {
            let chars: Vec<char> = b.text.chars().collect();
            let n = i64::try_from(chars.len()).unwrap_or(i64::MAX);
            let o = parse(off)
                .filter(|_| !b.symbolic)
                .map(|o| if o < 0 { (n + o).max(0) } else { o.min(n) });
            let l = match len {
                None => Some(n),
                Some(l) => parse(l),
            };
            match (b.known, o, l) {
                (true, Some(o), Some(l)) => {
                    let end = if l < 0 { n + l } else { (o + l).min(n) };
                    let (o, end) = (
                        usize::try_from(o).unwrap_or(0),
                        usize::try_from(end.max(o)).unwrap_or(0),
                    );
                    let t: String = chars.get(o..end).unwrap_or_default().iter().collect();
                    let mut v = Value::known(t);
                    v.unknown.decoded = true;
                    v
                }
                _ => {
                    let mut v = Value::unknown(src, Shape::Content);
                    v.unknown.secret = b.unknown.secret;
                    v.unknown.decoded = true;
                    v.unknown.root_cut = cuts_a_root(b);
                    v
                }
            }
        })
        .collect()
}

/// Whether a value is a directory (or list of them) the runner sets: cut by an operator, it
/// may come out as `/` or a home directory.
fn cuts_a_root(b: &Value) -> bool {
    b.symbolic
        || matches!(
            b.text.as_str(),
            "$PATH" | "$OLDPWD" | "$HOME" | "$PWD" | "$SHELL"
        )
}

fn upper_first(t: &str) -> String {
    let mut c = t.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Removes quotes from an operator's word (`"a b"` → `a b`, `'x'` → `x`).
fn strip_quotes(w: &str) -> String {
    let mut out = String::with_capacity(w.len());
    let mut chars = w.chars();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (Some('\''), c) => out.push(c),
            (_, '\\') => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            (_, c) => out.push(c),
        }
    }
    out
}

/// `${t#pat}`, `${t##pat}`, `${t%pat}`, `${t%%pat}` with a glob pattern.
fn remove_affix(t: &str, pat: &str, prefix: bool, longest: bool) -> Option<String> {
    if pat.contains(['$', '`']) {
        return None;
    }
    let cuts: Vec<usize> = t.char_indices().map(|(i, _)| i).chain([t.len()]).collect();
    let fits = |i: usize| {
        let piece = if prefix { t.get(..i) } else { t.get(i..) };
        piece.is_some_and(|p| crate::glob::glob_match(pat, p))
    };
    let found = if prefix == longest {
        cuts.iter().rev().copied().find(|&i| fits(i))
    } else {
        cuts.iter().copied().find(|&i| fits(i))
    };
    Some(match found {
        Some(i) if prefix => t.get(i..).unwrap_or_default().to_owned(),
        Some(i) => t.get(..i).unwrap_or_default().to_owned(),
        None => t.to_owned(),
    })
}

fn replace(t: &str, pat: &str, rep: &str, mode: char) -> String {
    // `${v/#/--output=}`, `${v/%/o}`: an empty anchored pattern inserts at that end.
    match (pat.is_empty(), mode) {
        (true, '#') => return format!("{rep}{t}"),
        (true, '%') => return format!("{t}{rep}"),
        (true, _) => return t.to_owned(),
        _ => {}
    }
    match mode {
        '/' => t.replace(pat, rep),
        '#' => match t.strip_prefix(pat) {
            Some(r) => format!("{rep}{r}"),
            None => t.to_owned(),
        },
        '%' => match t.strip_suffix(pat) {
            Some(r) => format!("{r}{rep}"),
            None => t.to_owned(),
        },
        _ => t.replacen(pat, rep, 1),
    }
}
