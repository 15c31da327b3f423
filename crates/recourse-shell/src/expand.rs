//! What a word may expand to, modelled rather than ignored: the values of variables assigned
//! earlier in the same command (assignments, `for`, `read`, `export`, function arguments),
//! parameter-expansion operators (`${v:-d}`, `${v#p}`, `${v/a/b}`, `${v:1:2}`, `${!v}`,
//! `${v@P}`), substitutions whose output is fixed (`$(echo rm)`, `$(printf '\x72')`), and `$IFS`
//! splitting. What stays unknown is described by what it could do to the command: become
//! several words, an option, a path outside the working directory.

// The keys here are names and texts from the input, so the standard hasher, which resists
// crafted collisions, is kept (the crate's tables with fixed keys use the faster one).
use std::collections::HashMap;

use crate::syntax::{ExpansionKind, Word};
use crate::value::{MAX_ALTERNATIVES, Shape, SubOutput, Unknown, Value, apply_op, product};

/// Deepest chain of variables referring to variables that is followed.
const MAX_CHAIN: usize = 8;

/// Most variable lookups for one command string. Values that refer to variables several times
/// over (`d=$d$d$d`) would otherwise multiply the work at every level of the chain; past the
/// budget, every variable counts as unknown.
const MAX_LOOKUPS: u32 = 1024;

/// The default field separators.
const DEFAULT_IFS: &str = " \t\n";

/// Where a variable's value comes from.
#[derive(Debug, Clone)]
enum Binding {
    /// A word assigned to it (evaluated when looked up, so that it sees every other binding).
    Word(Word),
    /// A value already known.
    Value(Value),
}

/// Positional parameters set aside while a `sh -c` script's own are in place.
#[derive(Debug)]
pub(crate) struct Positional {
    params: Vec<Binding>,
    zero: Option<Binding>,
}

/// The variables of one command string: every value each may hold, from every assignment
/// anywhere in it (branches and loop order are not followed, so all count).
#[derive(Debug, Default)]
pub(crate) struct Vars {
    map: HashMap<String, Vec<Binding>>,
    positional: Vec<Binding>,
    /// `$0` of a `sh -c SCRIPT NAME …` being walked.
    zero: Option<Binding>,
    /// Lookups made so far (see [`MAX_LOOKUPS`]).
    lookups: std::cell::Cell<u32>,
    /// The assignments whose values are being evaluated: the variable (its key's address in
    /// the table) and how many of its bindings came before.
    within: std::cell::RefCell<Vec<(usize, usize)>>,
    /// Names declared integer (`declare -i`): assignments to them are evaluated as arithmetic.
    pub integers: std::collections::HashSet<String>,
    /// Names declared associative arrays (`declare -A`): their subscripts are not arithmetic.
    pub assoc: std::collections::HashSet<String>,
    /// Inside a function body being walked: positional parameters are its arguments.
    pub in_function: usize,
    /// Output of the command substitutions walked so far, by their source text.
    pub subs: HashMap<String, SubOutput>,
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

    /// `sh -c SCRIPT NAME ARGS…`: while the script is walked, `$0` is NAME and the positional
    /// parameters are ARGS. Returns what to put back afterwards.
    pub(crate) fn script_args(&mut self, zero: Option<&Word>, args: &[Word]) -> Positional {
        let saved = Positional {
            params: std::mem::take(&mut self.positional),
            zero: self.zero.take(),
        };
        self.zero = zero.map(|w| Binding::Word(w.clone()));
        self.bind_positional(args);
        saved
    }

    /// Puts back the positional parameters [`Self::script_args`] replaced.
    pub(crate) fn restore(&mut self, saved: Positional) {
        self.positional = saved.params;
        self.zero = saved.zero;
    }

    /// Every value a parameter may hold.
    pub(crate) fn lookup(&self, name: &str, depth: usize) -> Vec<Value> {
        let made = self.lookups.get();
        if made >= MAX_LOOKUPS {
            return vec![Value::unknown(cat!("$", name), Shape::Content)];
        }
        self.lookups.set(made + 1);
        let bindings = if name.bytes().all(|b| b.is_ascii_digit()) || name == "@" || name == "*" {
            if name == "0" {
                return match &self.zero {
                    Some(Binding::Word(w)) if depth < MAX_CHAIN => self.values(w, depth + 1),
                    _ => vec![symbolic("sh")],
                };
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
            let Some((key, all)) = self.map.get_key_value(name) else {
                return vec![environment(name, self.cwd.as_deref())];
            };
            // Inside the value of its own assignment (`d=$d/lib`), a variable holds what it
            // held before: only the bindings made earlier count.
            let key_at = std::ptr::from_ref(key) as usize;
            let limit = self
                .within
                .borrow()
                .iter()
                .rev()
                .find(|(k, _)| *k == key_at)
                .map_or(all.len(), |(_, i)| *i);
            let earlier = all.get(..limit).unwrap_or_default();
            if earlier.is_empty() {
                return vec![environment(name, self.cwd.as_deref())];
            }
            return self.binding_values(earlier, Some(key_at), depth);
        };
        self.binding_values(bindings, None, depth)
    }

    /// The values of a variable's bindings, in order (`key`: the variable's address in the
    /// table, for the bindings of a named variable).
    fn binding_values(&self, bindings: &[Binding], key: Option<usize>, depth: usize) -> Vec<Value> {
        let mut out = Vec::new();
        for (i, b) in bindings.iter().enumerate() {
            match b {
                Binding::Value(v) => out.push(v.clone()),
                Binding::Word(w) => {
                    if depth >= MAX_CHAIN {
                        out.push(Value::unknown(w.text.clone(), Shape::Content));
                    } else {
                        // An assigned value is not split or globbed: one field.
                        if let Some(k) = key {
                            self.within.borrow_mut().push((k, i));
                        }
                        out.extend(self.values(w, depth + 1));
                        if key.is_some() {
                            self.within.borrow_mut().pop();
                        }
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

    /// The elements of an expansion of every element (`$@`, `$*`, `${a[@]}`, `${a[*]}`, and
    /// their slices `${@:2}`, `${a[@]:1:2}`): `None` for any other expansion, `Some(None)`
    /// when the elements are not all known.
    fn elements(&self, kind: &ExpansionKind) -> Option<Option<Vec<String>>> {
        let ExpansionKind::Param {
            name,
            indirect: false,
            length: false,
            op,
        } = kind
        else {
            return None;
        };
        let positional = name == "@" || name == "*";
        let rest = if positional {
            op.as_str()
        } else {
            op.strip_prefix("[@]").or_else(|| op.strip_prefix("[*]"))?
        };
        let bindings: &[Binding] = if positional {
            if self.positional.is_empty() && self.in_function > 0 {
                return Some(None);
            }
            &self.positional
        } else {
            match self.map.get(name.as_str()) {
                Some(b) => b,
                None => return Some(None),
            }
        };
        let mut elems = Vec::with_capacity(bindings.len());
        for b in bindings {
            let vals = match b {
                Binding::Value(v) => vec![v.clone()],
                Binding::Word(w) => self.values(w, MAX_CHAIN - 1),
            };
            match vals.as_slice() {
                [v] if v.known && !v.symbolic => elems.push(v.text.clone()),
                _ => return Some(None),
            }
        }
        if rest.is_empty() {
            return Some(Some(elems));
        }
        // A slice with literal numbers; any other operator on every element is not followed.
        let Some(spec) = rest.strip_prefix(':') else {
            return Some(None);
        };
        let (off, len) = spec
            .split_once(':')
            .map_or((spec, None), |(o, l)| (o, Some(l)));
        let (Ok(off), len) = (
            off.trim().parse::<usize>(),
            len.map(|l| l.trim().parse::<usize>()),
        ) else {
            return Some(None);
        };
        // `${@:N}` counts from `$0`; `${@:0}` starts with `$0`, not followed.
        let from = if positional {
            match off.checked_sub(1) {
                Some(f) => f,
                None => return Some(None),
            }
        } else {
            off
        };
        let rest: Vec<String> = elems.into_iter().skip(from).collect();
        match len {
            None => Some(Some(rest)),
            Some(Ok(n)) => Some(Some(rest.into_iter().take(n).collect())),
            Some(Err(_)) => Some(None),
        }
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
        // `IFS=x; IFS=y`: either may be in force, so split on every character of each. An
        // IFS not known splits anywhere: unquoted values become words no one can tell.
        let ifs_unknown = ifs.iter().any(|v| !v.known);
        let ifs: String = match ifs.as_slice() {
            [v] if v.known => v.text.clone(),
            [] => DEFAULT_IFS.to_owned(),
            many => {
                let mut all = String::new();
                for v in many.iter().filter(|v| v.known) {
                    for c in v.text.chars() {
                        if !all.contains(c) {
                            all.push(c);
                        }
                    }
                }
                all
            }
        };
        let mut ex = Expanded::default();
        if ifs_unknown && w.expansions.iter().any(|e| !e.quoted) {
            let mut u = Unknown::of(Shape::Content);
            u.split = true;
            u.lead = true;
            ex.unknown.join(u);
        }
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
            // `"$@"`, `${a[@]:1}`: every element, each its own word.
            match self.elements(&e.kind) {
                Some(Some(list)) => {
                    let joined = e.quoted && is_star(&e.kind);
                    for (fields, open) in &mut alts {
                        for (k, el) in list.iter().enumerate() {
                            if k > 0 {
                                if joined {
                                    if let Some(last) = fields.last_mut() {
                                        last.push(' ');
                                    }
                                } else {
                                    fields.push(String::new());
                                    *open = false;
                                }
                            }
                            if e.quoted {
                                if let Some(last) = fields.last_mut() {
                                    last.push_str(el);
                                }
                                *open = true;
                            } else {
                                globbed |= el.contains(['*', '?', '[']);
                                split_into(fields, open, el, &ifs);
                            }
                        }
                    }
                    ex.changed = true;
                    at = e.end;
                    continue;
                }
                Some(None) => {
                    // Elements not all known: however quoted, they may be several words,
                    // and any may start with `-`.
                    let mut u = Unknown::of(Shape::Content);
                    u.split = true;
                    u.lead = true;
                    ex.unknown.join(u);
                }
                None => {}
            }
            let vals = self.expansion(&e.kind, src, 0);
            // `<( … )` becomes one path (`/dev/fd/63`): never split, never a new value.
            let whole = e.quoted || matches!(e.kind, ExpansionKind::Process(_));
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
                    ex.changed |= v.known && !whole || v.text != src;
                    if !v.known {
                        u.split = !whole && u.shape != Shape::Token;
                        u.lead = at_start && v.lead;
                    } else {
                        u.any = false;
                    }
                    ex.unknown.join(u);
                    globbed |= v.pattern;
                    let mut f = fields.clone();
                    let mut o = *open;
                    if whole || !v.known {
                        if let Some(last) = f.last_mut() {
                            last.push_str(&v.text);
                        }
                        o |= whole || !v.text.is_empty();
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

/// `$*`, `${a[*]}`: quoted, the elements join into one word.
fn is_star(kind: &ExpansionKind) -> bool {
    matches!(kind, ExpansionKind::Param { name, op, .. } if name == "*" || op.starts_with("[*]"))
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
}
