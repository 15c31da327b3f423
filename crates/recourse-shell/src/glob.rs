//! Shell glob matching and brace expansion, as bash does them, bounded so that hostile
//! patterns cannot blow up.

/// Whether text holds a glob character.
pub(crate) fn has_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Shell glob match of one path component: `*`, `?`, `[...]` (with `!`/`^` negation and
/// ranges). Conservative about dot files: `*` and `?` match a leading `.` as under `dotglob`.
pub(crate) fn glob_match(pattern: &str, name: &str) -> bool {
    if pattern.is_ascii() && name.is_ascii() {
        // Bytes are characters here: no copy.
        return matches(pattern.as_bytes(), name.as_bytes());
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    matches(&p, &n)
}

/// The matcher, over bytes or characters.
fn matches<T: Copy + PartialEq + PartialOrd + From<u8>>(p: &[T], n: &[T]) -> bool {
    let (star_c, any_c, open_c) = (T::from(b'*'), T::from(b'?'), T::from(b'['));
    // Iterative matcher with single-star backtracking: linear-ish, no recursion.
    let (mut pi, mut ni) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while let Some(&c) = n.get(ni) {
        let step = match p.get(pi) {
            Some(&x) if x == star_c => {
                star = Some((pi, ni));
                pi += 1;
                continue;
            }
            Some(&x) if x == any_c => Some(pi + 1),
            Some(&x) if x == open_c => match class_match(p, pi, c) {
                Some((true, next)) => Some(next),
                Some((false, _)) => None,
                None => (c == open_c).then_some(pi + 1), // unterminated: a literal `[`
            },
            Some(&x) => (x == c).then_some(pi + 1),
            None => None,
        };
        match (step, star) {
            (Some(next), _) => {
                pi = next;
                ni += 1;
            }
            (None, Some((sp, sn))) => {
                pi = sp + 1;
                ni = sn + 1;
                star = Some((sp, sn + 1));
            }
            (None, None) => return false,
        }
    }
    p.get(pi..).unwrap_or_default().iter().all(|c| *c == star_c)
}

/// Matches `c` against the bracket expression starting at `p[start] == '['`: whether it
/// matched and the index after `]`, or `None` when the bracket is not closed.
fn class_match<T: Copy + PartialEq + PartialOrd + From<u8>>(
    p: &[T],
    start: usize,
    c: T,
) -> Option<(bool, usize)> {
    let (close, bang, caret, dash) = (T::from(b']'), T::from(b'!'), T::from(b'^'), T::from(b'-'));
    let mut i = start + 1;
    let negate = p.get(i).is_some_and(|x| *x == bang || *x == caret);
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let &ch = p.get(i)?;
        if ch == close && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if p.get(i + 1) == Some(&dash)
            && let Some(&hi) = p.get(i + 2).filter(|e| **e != close)
        {
            matched |= ch <= c && c <= hi;
            i += 3;
        } else {
            matched |= ch == c;
            i += 1;
        }
    }
}

/// Expands unquoted-style brace alternatives (`a{b,c}d`, nested), as bash would, into at most
/// `cap` words; `None` when there would be more. Braces without a top-level comma, and
/// unbalanced ones, stay literal. Sequences (`{1..3}`) stay literal: they yield digits and
/// letters, never a credential name the literal text does not already show.
pub(crate) fn expand_braces(text: &str, cap: usize) -> Option<Vec<String>> {
    let mut out = vec![String::new()];
    let chars: Vec<char> = text.chars().collect();
    expand_into(&chars, &mut out, cap)?;
    Some(out)
}

fn expand_into(chars: &[char], out: &mut Vec<String>, cap: usize) -> Option<()> {
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '{'
            && let Some((alts, end)) = split_alternatives(chars, i)
        {
            let mut subs = Vec::with_capacity(alts.len());
            for alt in alts {
                let mut sub = vec![String::new()];
                expand_into(alt, &mut sub, cap)?;
                subs.push(sub);
            }
            let mut next = Vec::new();
            for prefix in out.iter() {
                for s in subs.iter().flatten() {
                    if next.len() >= cap {
                        return None;
                    }
                    next.push(format!("{prefix}{s}"));
                }
            }
            *out = next;
            i = end + 1;
            continue;
        }
        for s in out.iter_mut() {
            s.push(chars[i]);
        }
        i += 1;
    }
    Some(())
}

/// The top-level alternatives of the brace group opening at `chars[open]` and the index of its
/// closing brace, when it has at least one top-level comma.
fn split_alternatives(chars: &[char], open: usize) -> Option<(Vec<&[char]>, usize)> {
    let mut depth = 0usize;
    let mut start = open + 1;
    let mut alts = Vec::new();
    for (k, &c) in chars.iter().enumerate().skip(open) {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    if alts.is_empty() {
                        return None;
                    }
                    alts.push(&chars[start..k]);
                    return Some((alts, k));
                }
            }
            ',' if depth == 1 => {
                alts.push(&chars[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matching() {
        for (p, n) in [
            ("*", ".aws"),
            (".a*", ".aws"),
            (".aw?", ".aws"),
            ("[.]aws", ".aws"),
            ("id_*", "id_ed25519"),
            ("*.pem", "x.pem"),
            ("[!a]d_rsa", "id_rsa"),
            ("[a-z]d_rsa", "id_rsa"),
            ("c*s", "credentials"),
            ("a[", "a["),
            ("**", ""),
        ] {
            assert!(glob_match(p, n), "{p} ~ {n}");
        }
        for (p, n) in [
            ("*.json", "id_rsa"),
            (".b*", ".aws"),
            ("[!i]d_rsa", "id_rsa"),
            ("?", ""),
            ("a[", "ab"),
        ] {
            assert!(!glob_match(p, n), "{p} !~ {n}");
        }
    }

    #[test]
    fn brace_expansion() {
        assert_eq!(
            expand_braces("~/.a{w,}s/{x,y{1,2}}", 64).unwrap(),
            [
                "~/.aws/x",
                "~/.aws/y1",
                "~/.aws/y2",
                "~/.as/x",
                "~/.as/y1",
                "~/.as/y2"
            ]
        );
        assert_eq!(expand_braces("{a}", 64).unwrap(), ["{a}"]);
        assert_eq!(expand_braces("x{a,b", 64).unwrap(), ["x{a,b"]);
        assert!(expand_braces("{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}", 64).is_none());
    }
}
