//! Argument vectors: option parsing and path normalization shared by the program models and
//! the policy-pattern matcher.

use crate::ast::Word;

/// The last path component of a program name: `/usr/bin/rm` → `rm`.
pub fn basename(s: &str) -> &str {
    let t = s.trim_end_matches('/');
    t.rsplit('/').next().unwrap_or(t)
}

/// Options and operands of an argument vector (without the program name).
#[derive(Debug, Default)]
pub struct Parsed<'w> {
    /// Every short flag letter, clusters split (`-rf` → `r`, `f`).
    pub shorts: Vec<char>,
    /// Every long option name, without dashes, with its `=value` if attached.
    pub longs: Vec<(&'w str, Option<&'w str>)>,
    /// Option values taken from the next word or the rest of a cluster, keyed by the option.
    pub values: Vec<(String, &'w str)>,
    /// Operands (non-option words), in order.
    pub operands: Vec<&'w Word>,
}

impl<'w> Parsed<'w> {
    /// Whether short flag `c` is present.
    pub fn has_short(&self, c: char) -> bool {
        self.shorts.contains(&c)
    }

    /// Whether a long option abbreviating or equal to `name` is present (GNU getopt accepts any
    /// unambiguous prefix, so `--out` counts as `--output`).
    pub fn has_long(&self, name: &str) -> bool {
        self.longs
            .iter()
            .any(|(l, _)| !l.is_empty() && name.starts_with(l) && (l.len() >= 3 || *l == name))
    }

    /// The value of an option given by any of its spellings.
    pub fn value(&self, keys: &[&str]) -> Option<&'w str> {
        self.values
            .iter()
            .find(|(k, _)| keys.contains(&k.as_str()))
            .map(|(_, v)| *v)
            .or_else(|| {
                self.longs.iter().find_map(|(l, v)| {
                    keys.iter()
                        .any(|k| k.strip_prefix("--") == Some(l))
                        .then_some(*v)
                        .flatten()
                })
            })
    }
}

/// Parses options. `short_arg`: short letters that take a value; `long_arg`: long names that
/// take a value when not given with `=`.
pub fn parse<'w>(words: &'w [Word], short_arg: &str, long_arg: &[&str]) -> Parsed<'w> {
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
                    if long_arg.contains(&long)
                        && let Some(v) = words.get(i)
                    {
                        p.values.push((format!("--{long}"), v.text.as_str()));
                        i += 1;
                    }
                }
            }
            continue;
        }
        let cluster = &t[1..];
        for (k, c) in cluster.char_indices() {
            p.shorts.push(c);
            if short_arg.contains(c) {
                let rest = &cluster[k + c.len_utf8()..];
                if !rest.is_empty() {
                    p.values.push((format!("-{c}"), rest));
                } else if let Some(v) = words.get(i) {
                    p.values.push((format!("-{c}"), v.text.as_str()));
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
/// `/etc`). Non-path text is returned unchanged.
pub fn normalize_path(s: &str) -> String {
    let mut t = s.to_owned();
    for home in ["${HOME}", "$HOME"] {
        if let Some(rest) = t.strip_prefix(home) {
            t = format!("~{rest}");
        }
    }
    let (prefix, rest) = if let Some(r) = t.strip_prefix('~') {
        ("~", r)
    } else if t.starts_with('/') {
        ("/", t.as_str())
    } else {
        return t.trim_end_matches('/').to_owned();
    };
    if prefix == "~" && !(rest.is_empty() || rest.starts_with('/')) {
        return t; // ~user
    }
    let mut segs: Vec<&str> = Vec::new();
    for seg in rest.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segs.pop();
            }
            s => segs.push(s),
        }
    }
    match (prefix, segs.is_empty()) {
        ("~", true) => "~".into(),
        ("~", false) => format!("~/{}", segs.join("/")),
        (_, true) => "/".into(),
        (_, false) => format!("/{}", segs.join("/")),
    }
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
        let p = parse(&w, "u", &[]);
        assert!(p.has_short('r') && p.has_short('f') && p.has_short('u'));
        assert_eq!(p.value(&["-u"]), Some("root"));
        assert_eq!(p.value(&["--to"]), Some("x"));
        let ops: Vec<&str> = p.operands.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(ops, ["-n", "a"]);
        assert!(p.has_long("force"));
        let w = words("--out=f");
        assert!(parse(&w, "", &[]).has_long("output"));
        let w = words("-ofile");
        assert_eq!(parse(&w, "o", &[]).value(&["-o"]), Some("file"));
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
        ] {
            assert_eq!(normalize_path(a), b, "{a}");
        }
        assert_eq!(basename("/usr/bin/rm"), "rm");
        assert_eq!(basename("rm"), "rm");
    }
}
