//! Argument vectors: option parsing and path normalization shared by the program models and
//! the policy-pattern matcher.

use std::borrow::Cow;

use crate::syntax::Word;

/// The last path component of a program name: `/usr/bin/rm` → `rm`.
pub(crate) fn basename(s: &str) -> &str {
    let t = s.trim_end_matches('/');
    t.rsplit('/').next().unwrap_or(t)
}

/// Which options of a program take a value: written once per program, so that every question
/// about its arguments splits them the same way.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct OptSpec {
    /// Short option letters that take a value (`-o FILE`, `-oFILE`).
    pub short_arg: &'static str,
    /// Long option names that take a value when not given with `=` (`--output FILE`).
    pub long_arg: &'static [&'static str],
}

impl OptSpec {
    /// No option takes a value.
    pub const NONE: OptSpec = OptSpec::new("", &[]);

    pub(crate) const fn new(short_arg: &'static str, long_arg: &'static [&'static str]) -> Self {
        OptSpec {
            short_arg,
            long_arg,
        }
    }
}

/// An option's name as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Opt<'w> {
    Short(char),
    Long(&'w str),
}

/// A set of short option letters: ASCII ones as bits (no allocation), others in a list.
#[derive(Debug, Default, Clone)]
pub(crate) struct Shorts {
    ascii: u128,
    other: Vec<char>,
}

impl Shorts {
    fn insert(&mut self, c: char) {
        if c.is_ascii() {
            self.ascii |= 1u128 << (c as u32);
        } else if !self.other.contains(&c) {
            self.other.push(c);
        }
    }

    /// Whether `c` is in the set.
    pub(crate) fn contains(&self, c: char) -> bool {
        if c.is_ascii() {
            self.ascii & (1u128 << (c as u32)) != 0
        } else {
            self.other.contains(&c)
        }
    }

    /// The letters, ASCII first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = char> + '_ {
        (0u8..128)
            .filter(|b| self.ascii & (1u128 << b) != 0)
            .map(char::from)
            .chain(self.other.iter().copied())
    }
}

/// Options and operands of an argument vector (without the program name).
#[derive(Debug, Default)]
pub(crate) struct Parsed<'w> {
    /// Every short flag letter, clusters split (`-rf` → `r`, `f`).
    pub shorts: Shorts,
    /// Every long option name, without dashes, with its `=value` if attached.
    pub longs: Vec<(&'w str, Option<&'w str>)>,
    /// Option values taken from the next word or the rest of a cluster, keyed by the option.
    pub values: Vec<(Opt<'w>, &'w str)>,
    /// Operands (non-option words), in order.
    pub operands: Words<'w>,
}

/// A word that stands in for no word, to fill [`Words`]' inline slots.
static NO_WORD: Word = Word {
    text: String::new(),
    dynamic: false,
    glob: false,
    brace: false,
    quoted: false,
    tilde: false,
    params: Vec::new(),
    subs: Vec::new(),
    expansions: Vec::new(),
};

/// A list of words, the first few held inline: most commands have few operands, and this
/// runs for every one.
#[derive(Debug, Clone)]
pub(crate) struct Words<'w> {
    inline: [&'w Word; 4],
    len: usize,
    spill: Vec<&'w Word>,
}

impl Default for Words<'_> {
    fn default() -> Self {
        Words {
            inline: [&NO_WORD; 4],
            len: 0,
            spill: Vec::new(),
        }
    }
}

impl<'w> Words<'w> {
    fn push(&mut self, w: &'w Word) {
        if self.spill.is_empty() && self.len < self.inline.len() {
            self.inline[self.len] = w;
            self.len += 1;
        } else {
            if self.spill.is_empty() {
                self.spill.extend_from_slice(&self.inline[..self.len]);
            }
            self.spill.push(w);
        }
    }
}

impl<'w> std::ops::Deref for Words<'w> {
    type Target = [&'w Word];

    fn deref(&self) -> &[&'w Word] {
        if self.spill.is_empty() {
            &self.inline[..self.len]
        } else {
            &self.spill
        }
    }
}

/// Whether a long option as written (`out`) abbreviates or equals `name` (`output`): GNU
/// getopt accepts any unambiguous prefix, and an ambiguous one fails, so counting every prefix
/// errs only towards caution.
pub(crate) fn abbreviates(written: &str, name: &str) -> bool {
    !written.is_empty() && name.starts_with(written)
}

impl<'w> Parsed<'w> {
    /// Whether short flag `c` is present.
    pub(crate) fn has_short(&self, c: char) -> bool {
        self.shorts.contains(c)
    }

    /// Whether a long option abbreviating or equal to `name` is present (`--out` counts as
    /// `--output`).
    pub(crate) fn has_long(&self, name: &str) -> bool {
        self.longs.iter().any(|(l, _)| abbreviates(l, name))
    }

    /// Every value of an option given by its short letter or its long name (attached with `=`,
    /// in the next word, or the rest of a cluster).
    pub(crate) fn values_of(&self, short: Option<char>, long: Option<&str>) -> Vec<&'w str> {
        let mut out: Vec<&'w str> = self
            .values
            .iter()
            .filter(|(k, _)| match *k {
                Opt::Short(c) => Some(c) == short,
                Opt::Long(l) => long.is_some_and(|n| abbreviates(l, n)),
            })
            .map(|(_, v)| *v)
            .collect();
        if let Some(n) = long {
            out.extend(
                self.longs
                    .iter()
                    .filter(|(l, v)| v.is_some() && abbreviates(l, n))
                    .filter_map(|(_, v)| *v),
            );
        }
        out
    }

    /// The first value of an option (see [`Self::values_of`]).
    pub(crate) fn value(&self, short: Option<char>, long: Option<&str>) -> Option<&'w str> {
        self.values_of(short, long).into_iter().next()
    }
}

/// Parses options with a program's [`OptSpec`].
pub(crate) fn parse<'w>(words: &'w [Word], spec: &OptSpec) -> Parsed<'w> {
    let mut p = Parsed::default();
    let mut i = 0;
    let mut options_done = false;
    while let Some(w) = words.get(i) {
        i += 1;
        let t = w.text.as_str();
        if options_done || t == "-" || !t.starts_with('-') {
            p.operands.push(w);
            continue;
        }
        if t == "--" {
            options_done = true;
            continue;
        }
        if let Some(long) = t.strip_prefix("--") {
            match long.split_once('=') {
                Some((name, value)) => p.longs.push((name, Some(value))),
                None => {
                    p.longs.push((long, None));
                    if spec.long_arg.iter().any(|l| abbreviates(long, l))
                        && let Some(v) = words.get(i)
                    {
                        p.values.push((Opt::Long(long), v.text.as_str()));
                        i += 1;
                    }
                }
            }
            continue;
        }
        let cluster = &t[1..];
        for (k, c) in cluster.char_indices() {
            p.shorts.insert(c);
            if spec.short_arg.contains(c) {
                let rest = &cluster[k + c.len_utf8()..];
                if !rest.is_empty() {
                    p.values.push((Opt::Short(c), rest));
                } else if let Some(v) = words.get(i) {
                    p.values.push((Opt::Short(c), v.text.as_str()));
                    i += 1;
                }
                break;
            }
        }
    }
    p
}

/// Normalizes a path operand for comparison: `$HOME`/`${HOME}` become `~`, repeated and
/// trailing slashes go, `.` segments go and `..` is resolved lexically (`/tmp/../etc` →
/// `/etc`). Non-path text is returned unchanged (and not copied).
pub(crate) fn normalize_path(s: &str) -> Cow<'_, str> {
    if is_normal(s) {
        return Cow::Borrowed(s);
    }
    let mut t = s.to_owned();
    for home in ["${HOME}", "$HOME"] {
        if let Some(rest) = t.strip_prefix(home) {
            t = format!("~{rest}");
        }
    }
    let (mut prefix, rest) = if let Some(r) = t.strip_prefix('~') {
        ("~", r)
    } else if t.starts_with('/') {
        ("/", t.as_str())
    } else {
        return Cow::Owned(t.trim_end_matches('/').to_owned());
    };
    if prefix == "~" && !(rest.is_empty() || rest.starts_with('/')) {
        return Cow::Owned(t); // ~user
    }
    let mut segs: Vec<&str> = Vec::new();
    for seg in rest.split('/') {
        match seg {
            "" | "." => {}
            // Climbing out of `~` leaves the home directory for somewhere under `/`.
            ".." if segs.is_empty() && prefix == "~" => prefix = "/",
            ".." => {
                segs.pop();
            }
            s => segs.push(s),
        }
    }
    Cow::Owned(match (prefix, segs.is_empty()) {
        ("~", true) => "~".into(),
        ("~", false) => format!("~/{}", segs.join("/")),
        (_, true) => "/".into(),
        (_, false) => format!("/{}", segs.join("/")),
    })
}

/// Whether [`normalize_path`] would leave a text as it is: no `$HOME`, no trailing, doubled
/// or dotted segments. Most operands are such.
fn is_normal(s: &str) -> bool {
    if s.starts_with("$HOME") || s.starts_with("${HOME}") {
        return false;
    }
    let rest = if let Some(r) = s.strip_prefix('~') {
        if r.is_empty() || !r.starts_with('/') {
            return true; // `~` or `~user`
        }
        r
    } else if s.starts_with('/') {
        if s == "/" {
            return true;
        }
        s
    } else {
        return !s.ends_with('/');
    };
    rest.get(1..)
        .unwrap_or_default()
        .split('/')
        .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
}

/// `rel` seen from the directory `base` (both may be relative to the working directory), with
/// `.` and `x/..` resolved lexically and leading `..` kept: `("..", "../x")` → `../../x`.
pub(crate) fn join_path(base: &str, rel: &str) -> String {
    if rel.starts_with(['/', '~']) {
        return normalize_path(rel).into_owned();
    }
    let joined = cat!(base, "/", rel);
    if joined.starts_with(['/', '~']) {
        // Already normal (most paths): the joined string is the answer, not a copy of it.
        if let Cow::Owned(normal) = normalize_path(&joined) {
            return normal;
        }
        return joined;
    }
    if !joined.split('/').any(|seg| matches!(seg, "" | "." | "..")) {
        // Nothing to drop or resolve: the segments would be joined back as they are.
        return joined;
    }
    let mut segs: Vec<&str> = Vec::new();
    for seg in joined.split('/') {
        match seg {
            "" | "." => {}
            ".." if segs.last().is_some_and(|s| *s != "..") => {
                segs.pop();
            }
            s => segs.push(s),
        }
    }
    if segs.is_empty() {
        ".".into()
    } else {
        segs.join("/")
    }
}

/// Absolute, home-relative, climbing out (`..`) or decided at run time.
pub(crate) fn outside_working_dir(path: &str) -> bool {
    path.starts_with(['/', '~', '$']) || path.split('/').any(|s| s == "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<Word> {
        s.split_whitespace().map(Word::literal).collect()
    }

    #[test]
    fn clusters_and_values() {
        let w = words("-rf --force -u root --to=x -- -n a");
        let p = parse(&w, &OptSpec::new("u", &[]));
        assert!(p.has_short('r') && p.has_short('f') && p.has_short('u'));
        assert_eq!(p.value(Some('u'), None), Some("root"));
        assert_eq!(p.value(None, Some("to")), Some("x"));
        let ops: Vec<&str> = p.operands.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(ops, ["-n", "a"]);
        assert!(p.has_long("force"));
        let w = words("--out=f");
        assert!(parse(&w, &OptSpec::NONE).has_long("output"));
        let w = words("-ofile");
        assert_eq!(
            parse(&w, &OptSpec::new("o", &[])).value(Some('o'), None),
            Some("file")
        );
    }

    #[test]
    fn paths() {
        for (a, b) in [
            ("/", "/"),
            ("//", "/"),
            ("/.", "/"),
            ("/tmp/..", "/"),
            ("/tmp/../etc/", "/etc"),
            ("$HOME", "~"),
            ("${HOME}/", "~"),
            ("~/", "~"),
            ("~/./x//y", "~/x/y"),
            ("build/", "build"),
            ("/tmp/build", "/tmp/build"),
            ("/a/./b", "/a/b"),
            ("~/x/../y", "~/y"),
            ("/.", "/"),
            ("/..", "/"),
            ("a//b", "a//b"),
            ("x/", "x"),
            ("/", "/"),
            ("~", "~"),
        ] {
            assert_eq!(normalize_path(a), b, "{a}");
        }
        assert_eq!(join_path("..", "../x"), "../../x");
        assert_eq!(join_path("/", "*"), "/*");
        assert_eq!(join_path("~", "."), "~");
        assert_eq!(join_path("src", ".."), ".");
        assert_eq!(join_path("/etc", "/tmp"), "/tmp");
        assert_eq!(join_path("sub", "x.sh"), "sub/x.sh");
        assert_eq!(join_path("/srv", "Makefile"), "/srv/Makefile");
        assert_eq!(join_path("/srv/", "./a//b/"), "/srv/a/b");
        assert_eq!(join_path("a", "b/"), "a/b");
        assert_eq!(join_path("", "x"), "/x");
        assert_eq!(join_path("a", "b//c"), "a/b/c");
        assert_eq!(basename("/usr/bin/rm"), "rm");
        assert_eq!(basename("rm"), "rm");
    }
}
