//! What a word may expand to, modelled rather than ignored: the values of variables assigned
//! earlier in the same command (assignments, `for`, `read`, `export`, function arguments),
//! parameter-expansion operators (`${v:-d}`, `${v#p}`, `${v/a/b}`, `${v:1:2}`, `${!v}`,
//! `${v@P}`), substitutions whose output is fixed (`$(echo rm)`, `$(printf '\x72')`), and `$IFS`
//! splitting. What stays unknown is described by what it could do to the command: become
//! several words, an option, a path outside the working directory.

use crate::hash::FxHashMap;

use crate::syntax::{ExpansionKind, Script, Word};

/// Most alternatives followed for one word or one variable; past it, the rest are dropped and
/// the word counts as unknown.
pub(crate) const MAX_ALTERNATIVES: usize = 8;

/// Deepest chain of variables referring to variables that is followed.
const MAX_CHAIN: usize = 8;

/// The default field separators.
const DEFAULT_IFS: &str = " \t\n";

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
}

impl Unknown {
    fn of(shape: Shape) -> Unknown {
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

    fn secret(mut self) -> Value {
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

/// Where a variable's value comes from.
#[derive(Debug, Clone)]
enum Binding {
    /// A word assigned to it (evaluated when looked up, so that it sees every other binding).
    Word(Word),
    /// A value already known.
    Value(Value),
}

/// The variables of one command string: every value each may hold, from every assignment
/// anywhere in it (branches and loop order are not followed, so all count).
#[derive(Debug, Default)]
pub(crate) struct Vars {
    map: FxHashMap<String, Vec<Binding>>,
    positional: Vec<Binding>,
    /// Names declared integer (`declare -i`): assignments to them are evaluated as arithmetic.
    pub integers: Vec<String>,
    /// Names declared associative arrays (`declare -A`): their subscripts are not arithmetic.
    pub assoc: Vec<String>,
    /// Inside a function body being walked: positional parameters are its arguments.
    pub in_function: usize,
    /// Output of the command substitutions walked so far, by their source text.
    pub subs: FxHashMap<String, SubOutput>,
    /// The working directory after a `cd` to a known place.
    pub cwd: Option<String>,
}

/// A word made of the text of `w` from byte `from` on (the value of `NAME=value`), with the
/// expansions that lie there.
pub(crate) fn word_tail(w: &Word, from: usize) -> Word {
    let mut t = w.clone();
    t.text = w.text.get(from..).unwrap_or_default().to_owned();
    t.expansions = w
        .expansions
        .iter()
        .filter(|e| e.start >= from)
        .map(|e| crate::syntax::Expansion {
            start: e.start - from,
            end: e.end - from,
            ..e.clone()
        })
        .collect();
    t
}

impl Vars {
    /// Binds a word to a variable.
    pub(crate) fn bind_word(&mut self, name: &str, w: &Word) {
        self.push(name, Binding::Word(w.clone()));
    }

    /// Binds a value to a variable.
    pub(crate) fn bind_value(&mut self, name: &str, v: Value) {
        self.push(name, Binding::Value(v));
    }

    fn push(&mut self, name: &str, b: Binding) {
        let list = self.map.entry(name.to_owned()).or_default();
        if list.len() < MAX_ALTERNATIVES * 2 {
            list.push(b);
        }
    }

    /// Binds words to the positional parameters (a function's arguments, `set --`).
    pub(crate) fn bind_positional(&mut self, words: &[Word]) {
        for w in words {
            if self.positional.len() < MAX_ALTERNATIVES * 2 {
                self.positional.push(Binding::Word(w.clone()));
            }
        }
        if words.is_empty() {
            self.positional.push(Binding::Value(Value::known("")));
        }
    }

    /// Every value a parameter may hold.
    pub(crate) fn lookup(&self, name: &str, depth: usize) -> Vec<Value> {
        let bindings = if name.bytes().all(|b| b.is_ascii_digit()) || name == "@" || name == "*" {
            if name == "0" {
                return vec![symbolic("sh")];
            }
            if self.positional.is_empty() {
                // The gateway runs `bash -c COMMAND` with no arguments; in a function, they are
                // whatever a call passes.
                return vec![if self.in_function > 0 {
                    Value::unknown(format!("${name}"), Shape::Content)
                } else {
                    Value::known("")
                }];
            }
            &self.positional
        } else {
            match self.map.get(name) {
                Some(b) => b,
                None => return vec![environment(name, self.cwd.as_deref())],
            }
        };
        let mut out = Vec::new();
        for b in bindings {
            match b {
                Binding::Value(v) => out.push(v.clone()),
                Binding::Word(w) => {
                    if depth >= MAX_CHAIN {
                        out.push(Value::unknown(w.text.clone(), Shape::Content));
                    } else {
                        // An assigned value is not split or globbed: one field.
                        out.extend(self.values(w, depth + 1));
                    }
                }
            }
            if out.len() >= MAX_ALTERNATIVES {
                out.truncate(MAX_ALTERNATIVES);
                break;
            }
        }
        out
    }

    /// The values a word may take as one string (no splitting): an assignment's value.
    pub(crate) fn values(&self, w: &Word, depth: usize) -> Vec<Value> {
        let mut alts = vec![Value::known("")];
        let mut at = 0;
        for e in &w.expansions {
            let (Some(lit), Some(src)) = (w.text.get(at..e.start), w.text.get(e.start..e.end))
            else {
                return vec![Value::unknown(w.text.clone(), Shape::Content)];
            };
            for a in &mut alts {
                a.text.push_str(lit);
            }
            let vals = self.expansion(&e.kind, src, depth);
            alts = product(&alts, &vals);
            at = e.end;
        }
        let rest = w.text.get(at..).unwrap_or_default();
        for a in &mut alts {
            a.text.push_str(rest);
        }
        alts
    }

    /// The values one expansion of a word may take.
    pub(crate) fn expansion_values(&self, w: &Word, e: &crate::syntax::Expansion) -> Vec<Value> {
        let src = w.text.get(e.start..e.end).unwrap_or_default();
        self.expansion(&e.kind, src, 0)
    }

    /// The values one expansion may take.
    fn expansion(&self, kind: &ExpansionKind, src: &str, depth: usize) -> Vec<Value> {
        match kind {
            ExpansionKind::Param {
                name,
                indirect,
                length,
                op,
            } => self.param(name, *indirect, *length, op, src, depth),
            ExpansionKind::Command(_) => {
                let out = self.subs.get(src);
                match out {
                    Some(SubOutput {
                        text: Some(t),
                        decoded,
                        secret,
                        ..
                    }) => {
                        // Command substitution drops trailing newlines.
                        let mut v = Value::known(t.trim_end_matches('\n'));
                        v.unknown.decoded = *decoded;
                        v.unknown.secret = *secret;
                        vec![v]
                    }
                    Some(o) => {
                        let mut v = Value::unknown(src, o.shape);
                        v.unknown.secret = o.secret;
                        v.unknown.decoded = o.decoded;
                        vec![v]
                    }
                    None => vec![Value::unknown(src, Shape::Content)],
                }
            }
            ExpansionKind::Arith => vec![Value::unknown(src, Shape::Token)],
            // `/dev/fd/63`: a path the shell makes, readable or writable once.
            ExpansionKind::Process(_) => vec![Value::known(src)],
        }
    }

    fn param(
        &self,
        name: &str,
        indirect: bool,
        length: bool,
        op: &str,
        src: &str,
        depth: usize,
    ) -> Vec<Value> {
        if length {
            return vec![Value::unknown(src, Shape::Token)];
        }
        let mut base = self.lookup(name, depth);
        if indirect {
            if op.ends_with('*') || op.ends_with('@') || op.starts_with('[') {
                // Names of variables or keys of an array.
                return vec![Value::unknown(src, Shape::Token)];
            }
            let mut out = Vec::new();
            for b in &base {
                if b.known && is_name(&b.text) && depth < MAX_CHAIN {
                    out.extend(self.lookup(&b.text, depth + 1));
                } else {
                    out.push(Value::unknown(src, Shape::Content));
                }
            }
            base = out;
        }
        // An element's value is one of the array's values, which `base` already holds; the
        // subscript itself is evaluated apart (arithmetic).
        let (op, _) = split_subscript(op);
        apply_op(base, op, src)
    }
}

/// Splits a leading `[index]` off an operator.
fn split_subscript(op: &str) -> (&str, &str) {
    if let Some(rest) = op.strip_prefix('[') {
        let mut depth = 1usize;
        for (i, c) in rest.char_indices() {
            match c {
                '[' => depth += 1,
                ']' => {
                    depth -= 1;
                    if depth == 0 {
                        return (
                            rest.get(i + 1..).unwrap_or_default(),
                            rest.get(..i).unwrap_or_default(),
                        );
                    }
                }
                _ => {}
            }
        }
        return ("", rest);
    }
    (op, "")
}

/// The subscript of a parameter expansion (`${a[i]}` → `i`), if it has one.
pub(crate) fn subscript(op: &str) -> Option<&str> {
    let (_, index) = split_subscript(op);
    (!index.is_empty()).then_some(index)
}

pub(crate) fn is_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

/// A parameter's value from the environment, when nothing in the command assigns it. The
/// gateway's runner sets a few; the rest may hold anything, or be empty.
fn environment(name: &str, cwd: Option<&str>) -> Value {
    match name {
        "HOME" => symbolic("~"),
        "PWD" => symbolic(cwd.unwrap_or(".")),
        "TMPDIR" => symbolic("/tmp"),
        "SHELL" | "0" => symbolic("sh"),
        "BASH" => symbolic("bash"),
        "IFS" => Value::known(DEFAULT_IFS),
        "$" | "?" | "#" | "!" | "-" | "PPID" | "UID" | "EUID" | "RANDOM" | "SRANDOM"
        | "SECONDS" | "LINENO" | "BASHPID" | "COLUMNS" | "LINES" | "OPTIND" | "SHLVL"
        | "HISTCMD" | "EPOCHSECONDS" | "EPOCHREALTIME" | "USER" | "LOGNAME" | "HOSTNAME"
        | "HOSTTYPE" | "OSTYPE" | "MACHTYPE" | "TERM" | "LANG" | "BASH_VERSION" | "PATH" => {
            Value::unknown(format!("${name}"), Shape::Token)
        }
        n if crate::credentials::is_secret_name(n) => {
            Value::unknown(format!("${n}"), Shape::Content).secret()
        }
        n => Value::unknown(format!("${n}"), Shape::Content),
    }
}

/// A runner-set value's stand-in.
fn symbolic(text: &str) -> Value {
    let mut v = Value::known(text);
    v.symbolic = true;
    v
}

/// Every concatenation of one alternative from each list, at most [`MAX_ALTERNATIVES`].
fn product(a: &[Value], b: &[Value]) -> Vec<Value> {
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
fn apply_op(base: Vec<Value>, op: &str, src: &str) -> Vec<Value> {
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
                    if pat.contains(['*', '?', '[', '$', '`']) || rep.contains(['$', '`']) {
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
                    v
                }
            }
        })
        .collect()
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
    if pat.is_empty() {
        return t.to_owned();
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

/// One way a word may come out: its fields (after splitting) and what its unknown parts could
/// do.
#[derive(Debug, Clone, Default)]
pub(crate) struct Outcome {
    /// The words it becomes.
    pub fields: Vec<String>,
    /// Whether a field holds glob characters that came from an unquoted expansion.
    pub globbed: bool,
}

/// A word as a command would see it: every way it may come out, and what its unknown parts
/// could do.
#[derive(Debug, Clone, Default)]
pub(crate) struct Expanded {
    /// The ways it may come out (at least one).
    pub outcomes: Vec<Outcome>,
    /// Whether any expansion's value is known, so that the outcomes differ from the text.
    pub changed: bool,
    /// What the unknown parts could do.
    pub unknown: Unknown,
}

impl Vars {
    /// Expands a word in argument position: values substituted, unquoted results split on
    /// `$IFS`.
    pub(crate) fn expand(&self, w: &Word) -> Expanded {
        let ifs: Vec<Value> = self.lookup("IFS", 0);
        let ifs = match ifs.as_slice() {
            [v] if v.known => v.text.clone(),
            _ => DEFAULT_IFS.to_owned(),
        };
        let mut ex = Expanded::default();
        // Each alternative: the fields so far and whether the last field is still open.
        let mut alts: Vec<(Vec<String>, bool)> = vec![(vec![String::new()], false)];
        let mut globbed = false;
        let mut at = 0;
        for e in &w.expansions {
            let (Some(lit), Some(src)) = (w.text.get(at..e.start), w.text.get(e.start..e.end))
            else {
                ex.unknown.join(Unknown::of(Shape::Content));
                break;
            };
            for (fields, open) in &mut alts {
                if let Some(last) = fields.last_mut() {
                    last.push_str(lit);
                }
                *open |= !lit.is_empty();
            }
            let vals = self.expansion(&e.kind, src, 0);
            let mut next = Vec::new();
            for (fields, open) in &alts {
                for v in &vals {
                    if next.len() >= MAX_ALTERNATIVES {
                        break;
                    }
                    let at_start = !*open && fields.len() == 1 && fields[0].is_empty();
                    let mut u = v.unknown;
                    // A value that shows more than its source (`/proc/$PPID` for `$d`) changes
                    // the word even when part of it stays unknown.
                    ex.changed |= v.known || v.text != src;
                    if !v.known {
                        u.split = !e.quoted && u.shape != Shape::Token;
                        u.lead = at_start && v.lead;
                    } else {
                        u.any = false;
                    }
                    ex.unknown.join(u);
                    globbed |= v.pattern;
                    let mut f = fields.clone();
                    let mut o = *open;
                    if e.quoted || !v.known {
                        if let Some(last) = f.last_mut() {
                            last.push_str(&v.text);
                        }
                        o |= e.quoted || !v.text.is_empty();
                    } else {
                        globbed |= v.text.contains(['*', '?', '[']);
                        split_into(&mut f, &mut o, &v.text, &ifs);
                    }
                    next.push((f, o));
                }
            }
            alts = next;
            at = e.end;
        }
        let rest = w.text.get(at..).unwrap_or_default();
        for (mut fields, open) in alts {
            if let Some(last) = fields.last_mut() {
                last.push_str(rest);
            }
            let open = open || !rest.is_empty() || w.quoted;
            if !open && fields.last().is_some_and(String::is_empty) {
                fields.pop();
            }
            ex.outcomes.push(Outcome { fields, globbed });
        }
        ex
    }
}

/// Appends unquoted expanded text to the fields, splitting on `ifs`.
fn split_into(fields: &mut Vec<String>, open: &mut bool, text: &str, ifs: &str) {
    for (i, piece) in text.split(|c| ifs.contains(c)).enumerate() {
        if i > 0 {
            if *open || fields.last().is_some_and(|f| !f.is_empty()) {
                fields.push(String::new());
            }
            *open = false;
        }
        if let Some(last) = fields.last_mut() {
            last.push_str(piece);
        }
        *open |= !piece.is_empty();
    }
}

/// Which escapes a text understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Escapes {
    /// `printf`'s format and `echo -e`: `\xHH`, `\NNN`, `\0NNN`, `\uHHHH`, `\n`, …
    Printf,
    /// `$'…'` and `${v@E}`.
    AnsiC,
}

/// Decodes backslash escapes; also says whether any escape other than `\n`, `\t` and `\\` was
/// there (hex, octal and unicode escapes hide what the text says).
pub(crate) fn decode_escapes(s: &str, kind: Escapes) -> (String, bool) {
    let b = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut hidden = false;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 >= b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let e = b[i + 1];
        i += 2;
        match e {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'e' | b'E' => out.push(0x1b),
            b'f' => out.push(0x0c),
            b'v' => out.push(0x0b),
            b'\\' => out.push(b'\\'),
            b'\'' | b'"' => out.push(e),
            b'x' => {
                let (v, n) = digits(b, i, 2, 16);
                if n == 0 {
                    out.extend_from_slice(b"\\x");
                } else {
                    out.push((v & 0xff) as u8);
                    hidden = true;
                    i += n;
                }
            }
            b'u' | b'U' => {
                let (v, n) = digits(b, i, if e == b'u' { 4 } else { 8 }, 16);
                if n == 0 {
                    out.extend_from_slice(&[b'\\', e]);
                } else {
                    let c = char::from_u32(v).unwrap_or('\u{FFFD}');
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    hidden = true;
                    i += n;
                }
            }
            b'0'..=b'7' => {
                // printf: `\0NNN` (up to three digits after the 0) or `\NNN`; $'…': `\NNN`.
                let (start, max) = if kind == Escapes::Printf && e == b'0' {
                    (i, 3)
                } else {
                    (i - 1, 3)
                };
                let (v, n) = digits(b, start, max, 8);
                out.push((v & 0xff) as u8);
                hidden = true;
                i = start + n.max(usize::from(start < i));
            }
            b'c' if kind == Escapes::AnsiC => {
                if let Some(&n) = b.get(i) {
                    out.push(n & 0x1f);
                    hidden = true;
                    i += 1;
                }
            }
            b'c' => break, // printf %b / echo -e: stop output
            _ => {
                out.push(b'\\');
                out.push(e);
            }
        }
    }
    (String::from_utf8_lossy(&out).into_owned(), hidden)
}

fn digits(b: &[u8], from: usize, max: usize, radix: u32) -> (u32, usize) {
    let mut v: u32 = 0;
    let mut n = 0;
    while n < max {
        match b.get(from + n).and_then(|c| (*c as char).to_digit(radix)) {
            Some(d) => {
                v = v.wrapping_mul(radix).wrapping_add(d);
                n += 1;
            }
            None => break,
        }
    }
    (v, n)
}

/// `printf FORMAT ARGS…` output when the format's conversions are `%s`/`%b`/`%c`/`%%` (or
/// none): the text and whether escapes hid it.
pub(crate) fn printf_output(format: &str, args: &[&str]) -> Option<(String, bool)> {
    let (fmt, mut hidden) = decode_escapes(format, Escapes::Printf);
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = fmt.chars().peekable();
    let mut used = false;
    loop {
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            // Flags and width are ignored: they only pad.
            while chars.peek().is_some_and(|c| "-+ #0123456789.".contains(*c)) {
                chars.next();
            }
            match chars.next() {
                Some('%') => out.push('%'),
                Some('s') => {
                    used = true;
                    out.push_str(args.next().copied().unwrap_or_default());
                }
                Some('b') => {
                    used = true;
                    let (t, h) =
                        decode_escapes(args.next().copied().unwrap_or_default(), Escapes::Printf);
                    hidden |= h;
                    out.push_str(&t);
                }
                Some('c') => {
                    used = true;
                    if let Some(c) = args.next().and_then(|a| a.chars().next()) {
                        out.push(c);
                    }
                }
                Some('d' | 'i') => {
                    used = true;
                    out.push_str(args.next().copied().unwrap_or("0"));
                }
                _ => return None,
            }
        }
        // The format is reused while arguments remain.
        if !used || args.len() == 0 {
            break;
        }
        chars = fmt.chars().peekable();
    }
    Some((out, hidden))
}

/// The output of a substitution whose every stage is fixed: `echo`/`printf` of literal words,
/// `pwd`, `basename`/`dirname` of a literal, optionally piped through `rev`, `tr`, `base64
/// -d` or `xxd -r -p`. Also whether decoding or de-obfuscation produced it.
pub(crate) fn fixed_output(script: &Script, cwd: Option<&str>) -> Option<(String, bool)> {
    let [item] = &script.items[..] else {
        return None;
    };
    let [pipeline] = &item.pipelines[..] else {
        return None;
    };
    fixed_stages(&pipeline.commands, cwd)
}

/// [`fixed_output`] of the first stages of a pipeline.
pub(crate) fn fixed_stages(
    stages: &[crate::syntax::Command],
    cwd: Option<&str>,
) -> Option<(String, bool)> {
    let mut text: Option<String> = None;
    let mut decoded = false;
    for c in stages {
        let crate::syntax::Command::Simple(sc) = c else {
            return None;
        };
        let (name, args) = sc.words.split_first()?;
        if !name.is_static() || !sc.assignments.is_empty() {
            return None;
        }
        let args: Vec<&str> = args
            .iter()
            .map(|w| w.is_static().then_some(w.text.as_str()))
            .collect::<Option<_>>()?;
        // A here-string is the stage's input.
        let input = match sc.redirects.as_slice() {
            [] => text.take(),
            [r] if r.op == crate::syntax::RedirOp::HereString && r.target.is_static() => {
                Some(format!("{}\n", r.target.text))
            }
            _ => return None,
        };
        let prog = crate::args::basename(&name.text);
        let (out, hid) = match (prog, input) {
            ("echo", None) => echo_output(&args)?,
            ("printf", None) => {
                let (f, rest) = args.split_first()?;
                printf_output(f, rest)?
            }
            ("pwd", None) => (format!("{}\n", cwd.unwrap_or(".")), false),
            ("basename", None) => (format!("{}\n", crate::args::basename(args.first()?)), false),
            ("dirname", None) => {
                let a = args.first()?.trim_end_matches('/');
                let d = a
                    .rsplit_once('/')
                    .map_or(".", |(d, _)| if d.is_empty() { "/" } else { d });
                (format!("{d}\n"), false)
            }
            ("rev", Some(t)) => (
                t.lines()
                    .map(|l| l.chars().rev().collect::<String>() + "\n")
                    .collect(),
                true,
            ),
            ("tr", Some(t)) => (tr(&t, &args)?, true),
            ("base64" | "base32", Some(t))
                if args
                    .iter()
                    .any(|a| *a == "-d" || *a == "--decode" || *a == "-D") =>
            {
                if prog == "base32" {
                    return None;
                }
                (base64_decode(&t)?, true)
            }
            ("xxd", Some(t)) if args.contains(&"-r") && args.contains(&"-p") => {
                (hex_decode(&t)?, true)
            }
            _ => return None,
        };
        decoded |= hid;
        text = Some(out);
    }
    text.map(|t| (t, decoded))
}

/// What `echo` or `printf` prints, when all their words are literal.
pub(crate) fn text_output(prog: &str, args: &[Word]) -> Option<String> {
    let words: Vec<&str> = args
        .iter()
        .map(|w| w.is_static().then_some(w.text.as_str()))
        .collect::<Option<_>>()?;
    let (t, _) = match prog {
        "echo" => echo_output(&words)?,
        _ => {
            let (f, rest) = words.split_first()?;
            printf_output(f, rest)?
        }
    };
    Some(t)
}

/// `echo [-neE] words`.
fn echo_output(args: &[&str]) -> Option<(String, bool)> {
    let mut newline = true;
    let mut escapes = false;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        let Some(flags) = a.strip_prefix('-') else {
            break;
        };
        if flags.is_empty() || !flags.chars().all(|c| "neE".contains(c)) {
            break;
        }
        newline &= !flags.contains('n');
        escapes = flags.contains('e') || (escapes && !flags.contains('E'));
        i += 1;
    }
    let joined = args.get(i..).unwrap_or_default().join(" ");
    let (mut t, hidden) = if escapes {
        decode_escapes(&joined, Escapes::Printf)
    } else {
        (joined, false)
    };
    if newline {
        t.push('\n');
    }
    Some((t, hidden))
}

/// `tr SET1 SET2` / `tr -d SET` with literal sets and ranges.
fn tr(input: &str, args: &[&str]) -> Option<String> {
    let expand = |s: &str| -> Option<Vec<char>> {
        let c: Vec<char> = s.chars().collect();
        let mut out = Vec::new();
        let mut i = 0;
        while i < c.len() {
            if c[i] == '[' || c[i] == '\\' {
                return None;
            }
            if c.get(i + 1) == Some(&'-') && i + 2 < c.len() {
                let (a, b) = (c[i], c[i + 2]);
                if a > b {
                    return None;
                }
                out.extend(a..=b);
                i += 3;
            } else {
                out.push(c[i]);
                i += 1;
            }
        }
        Some(out)
    };
    match args {
        ["-d", set] => {
            let s = expand(set)?;
            Some(input.chars().filter(|c| !s.contains(c)).collect())
        }
        [a, b] if !a.starts_with('-') => {
            let (a, b) = (expand(a)?, expand(b)?);
            let last = *b.last()?;
            Some(
                input
                    .chars()
                    .map(|c| match a.iter().position(|x| *x == c) {
                        Some(i) => b.get(i).copied().unwrap_or(last),
                        None => c,
                    })
                    .collect(),
            )
        }
        _ => None,
    }
}

fn base64_decode(t: &str) -> Option<String> {
    let mut bits: u32 = 0;
    let mut n = 0;
    let mut out = Vec::new();
    for c in t.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' | b'\n' | b'\r' | b' ' => continue,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push(((bits >> n) & 0xff) as u8);
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

fn hex_decode(t: &str) -> Option<String> {
    let hex: Vec<u32> = t
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_digit(16))
        .collect::<Option<_>>()?;
    let bytes: Vec<u8> = hex
        .chunks(2)
        .map(|p| ((p[0] << 4) | p.get(1).copied().unwrap_or(0)) as u8)
        .collect();
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{Command, parse};

    fn word(src: &str) -> Word {
        let s = parse(&format!("x {src}")).unwrap_or_default();
        match s
            .items
            .first()
            .and_then(|i| i.pipelines[0].commands.first())
        {
            Some(Command::Simple(sc)) => sc.words.get(1).cloned().unwrap_or_default(),
            _ => Word::default(),
        }
    }

    fn vars(binds: &[(&str, &str)]) -> Vars {
        let mut v = Vars::default();
        for (n, w) in binds {
            v.bind_word(n, &word(w));
        }
        v
    }

    fn fields(v: &Vars, src: &str) -> Vec<Vec<String>> {
        v.expand(&word(src))
            .outcomes
            .into_iter()
            .map(|o| o.fields)
            .collect()
    }

    #[test]
    fn variables_flow_into_words() {
        let v = vars(&[("d", "/proc/$PPID"), ("x", "rm"), ("y", "a"), ("y", "b")]);
        assert_eq!(fields(&v, "$d/environ"), [["/proc/$PPID/environ"]]);
        assert_eq!(fields(&v, "$x"), [["rm"]]);
        assert_eq!(fields(&v, "${y}1"), [["a1"], ["b1"]]);
        assert_eq!(fields(&v, "$HOME/.ssh"), [["~/.ssh"]]);
        let e = v.expand(&word("$FOO"));
        assert!(e.unknown.split && e.unknown.lead && e.unknown.escape);
        let e = v.expand(&word("\"$FOO\""));
        assert!(!e.unknown.split && e.unknown.lead);
        let e = v.expand(&word("./\"$FOO\""));
        assert!(!e.unknown.lead && e.unknown.escape);
        assert_eq!(fields(&v, "$UNSET_THING"), [["$UNSET_THING"]]);
    }

    #[test]
    fn ifs_splits_unquoted_values() {
        let v = vars(&[("o", "'-o out'"), ("IFS", ",")]);
        assert_eq!(fields(&v, "$o"), [["-o out"]]);
        let v = vars(&[("o", "'-o out'")]);
        assert_eq!(fields(&v, "$o"), [["-o", "out"]]);
        assert_eq!(fields(&v, "\"$o\""), [["-o out"]]);
        assert_eq!(fields(&v, "cat${IFS}/etc/passwd"), [["cat", "/etc/passwd"]]);
        let v = vars(&[("e", "''")]);
        assert_eq!(fields(&v, "$e"), [Vec::<String>::new()]);
        assert_eq!(fields(&v, "\"$e\""), [[""]]);
    }

    #[test]
    fn operators() {
        let v = vars(&[("p", "/usr/bin/rm"), ("s", "abrmcd"), ("n", "p")]);
        for (src, want) in [
            ("${p##*/}", "rm"),
            ("${p#/usr}", "/bin/rm"),
            ("${p%/*}", "/usr/bin"),
            ("${s:2:2}", "rm"),
            ("${s: -2}", "cd"),
            ("${p/usr/opt}", "/opt/bin/rm"),
            ("${s^^}", "ABRMCD"),
            ("${!n}", "/usr/bin/rm"),
            ("${unset:-/}", "/"),
            ("${p:+x}", "x"),
        ] {
            let f = fields(&v, src);
            assert!(f.iter().any(|o| o == &[want]), "{src}: {f:?}");
        }
        let v = vars(&[("c", "'$(id)'")]);
        assert!(v.expand(&word("${c@P}")).unknown.prompt_code);
        assert!(!v.expand(&word("${c@Q}")).unknown.prompt_code);
    }

    #[test]
    fn escapes_and_fixed_outputs() {
        assert_eq!(
            decode_escapes(r"\x72\x6d -rf /", Escapes::Printf),
            ("rm -rf /".into(), true)
        );
        assert_eq!(
            decode_escapes(r"\162\155", Escapes::AnsiC),
            ("rm".into(), true)
        );
        assert_eq!(
            decode_escapes(r"\0162m", Escapes::Printf),
            ("rm".into(), true)
        );
        assert_eq!(
            decode_escapes(r"a\nb", Escapes::Printf),
            ("a\nb".into(), false)
        );
        assert_eq!(
            printf_output("%s-%s\\n", &["a", "b"]),
            Some(("a-b\n".into(), false))
        );
        let out = |src: &str| {
            let s = parse(src).unwrap_or_default();
            fixed_output(&s, None)
        };
        assert_eq!(out("echo rm"), Some(("rm\n".into(), false)));
        assert_eq!(out("printf '\\x72m'"), Some(("rm".into(), true)));
        assert_eq!(out("echo mr | rev"), Some(("rm\n".into(), true)));
        assert_eq!(out("echo cm0= | base64 -d"), Some(("rm".into(), true)));
        assert_eq!(out("echo ez | tr a-z b-za"), Some(("fa\n".into(), true)));
        assert_eq!(out("rev <<< mr"), Some(("rm\n".into(), true)));
        assert_eq!(out("cat x"), None);
        assert_eq!(out("echo $x"), None);
    }
}
