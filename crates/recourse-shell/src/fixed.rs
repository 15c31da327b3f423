//! Text that a command with only literal words prints (`echo`, `printf`, `pwd`, `basename`,
//! piped through `rev`, `tr`, `base64 -d`, `xxd -r -p`), and the backslash escapes that
//! `printf`, `echo -e` and `$'…'` decode: a substitution with a fixed output is a known word.

use std::borrow::Cow;

use crate::syntax::{Script, Word};

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
    fixed_output_with(script, cwd, &literal)
}

/// The value of a word when it is one known text: its literal text here; the walker also
/// knows variables (`$(echo $HOME)`).
pub(crate) type WordValue<'v> = dyn for<'w> Fn(&'w Word) -> Option<Cow<'w, str>> + 'v;

/// A literal word's text (`~` stays `~`, which stands for the home directory).
pub(crate) fn literal(w: &Word) -> Option<Cow<'_, str>> {
    (w.expansions.is_empty() && !w.glob && !w.brace).then_some(Cow::Borrowed(w.text.as_str()))
}

/// [`fixed_output`] with words valued by `value`.
pub(crate) fn fixed_output_with(
    script: &Script,
    cwd: Option<&str>,
    value: &WordValue<'_>,
) -> Option<(String, bool)> {
    // `cd; pwd`, `cd ~ && pwd`, `cd /x; realpath ..`: leading `cd`s move the directory the
    // last pipeline runs in (each taken to succeed: a failed one leaves an earlier directory,
    // which is no safer to judge).
    let pipelines: Vec<&crate::syntax::Pipeline> = script
        .items
        .iter()
        .flat_map(|item| item.pipelines.iter())
        .collect();
    let (last, leading) = pipelines.split_last()?;
    let mut dir: Option<String> = cwd.map(str::to_owned);
    for p in leading {
        let [crate::syntax::Command::Simple(sc)] = &p.commands[..] else {
            return None;
        };
        let (name, args) = sc.words.split_first()?;
        if name.text != "cd"
            || !name.is_static()
            || !sc.assignments.is_empty()
            || !sc.redirects.is_empty()
            || p.negated
        {
            return None;
        }
        let to = match args {
            [] => Cow::Borrowed("~"),
            [a] => value(a)?,
            _ => return None,
        };
        if to.starts_with('-') {
            return None;
        }
        dir = Some(crate::args::join_path(dir.as_deref().unwrap_or("."), &to));
    }
    fixed_stages(&last.commands, dir.as_deref(), value)
}

/// [`fixed_output`] of the first stages of a pipeline.
pub(crate) fn fixed_stages(
    stages: &[crate::syntax::Command],
    cwd: Option<&str>,
    value: &WordValue<'_>,
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
        let values: Vec<Cow<'_, str>> = args.iter().map(value).collect::<Option<_>>()?;
        let args: Vec<&str> = values.iter().map(|v| v.as_ref()).collect();
        // A here-string is the stage's input.
        let input = match sc.redirects.as_slice() {
            [] => text.take(),
            [r] if r.op == crate::syntax::RedirOp::HereString => {
                Some(cat!(value(&r.target)?, "\n"))
            }
            _ => return None,
        };
        let prog = crate::args::basename(&name.text);
        let (out, hid) = match (prog, input) {
            ("echo", None) => echo_output(&args)?,
            ("printf", None) => {
                // `printf -- '-%s' x`: the format follows `--`; `-v` prints nothing.
                let args = args.strip_prefix(&["--"][..]).unwrap_or(&args);
                let (f, rest) = args.split_first()?;
                if *f == "-v" {
                    return None;
                }
                printf_output(f, rest)?
            }
            ("pwd", None) => (format!("{}\n", cwd.unwrap_or(".")), false),
            // `realpath ~`, `readlink -f ..`: the operand's path, resolved lexically (links
            // are not followed: the result may differ on disk, but a root stays a root).
            ("realpath" | "readlink", None) => {
                let (opts, operands): (Vec<&str>, Vec<&str>) =
                    args.iter().partition(|a| a.starts_with('-'));
                let [a] = operands[..] else {
                    return None;
                };
                let resolves = opts
                    .iter()
                    .all(|o| matches!(*o, "-e" | "-f" | "-m" | "-s" | "-q"))
                    && (prog == "realpath"
                        || opts.iter().any(|o| matches!(*o, "-f" | "-e" | "-m")));
                if !resolves {
                    return None;
                }
                (
                    format!("{}\n", crate::args::join_path(cwd.unwrap_or("."), a)),
                    false,
                )
            }
            // One operand (after an optional `--`); `-a`, `-s` and several operands are not
            // followed.
            ("basename", None) => {
                let args = args.strip_prefix(&["--"][..]).unwrap_or(&args);
                let [a] = args else {
                    return None;
                };
                (format!("{}\n", crate::args::basename(a)), false)
            }
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
    // `~` stays `~`, which stands for the home directory (`printf -v f '%s/.bashrc' ~`).
    let words: Vec<&str> = args
        .iter()
        .map(|w| {
            (w.is_static() || w.tilde && !w.dynamic && !w.glob && !w.brace)
                .then_some(w.text.as_str())
        })
        .collect::<Option<_>>()?;
    let (t, _) = match prog {
        "echo" => echo_output(&words)?,
        _ => {
            // `printf -- '-%s' x`: `--` ends the options; the format follows.
            let words = words.strip_prefix(&["--"][..]).unwrap_or(&words);
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
    // Under `shopt -s xpg_echo`, plain `echo` decodes escapes too (`echo '\055o'` is `-o`).
    if !escapes && joined.contains('\\') {
        return None;
    }
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
    use crate::syntax::parse;

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
