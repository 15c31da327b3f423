//! sed: scripts without `e` (execute) or `w` (write), and no in-place editing.

use crate::args::OptSpec;

use super::model::{Call, Model, Program, kind};

/// The room's entries.
pub(crate) const PROGRAMS: &[Program] = &[Program {
    names: &["sed"],
    kind: kind::READONLY | kind::PATTERN_FIRST | kind::CONTENT,
    options: OptSpec::new("efl", &["expression", "file", "line-length"]),
    model: Some(model),
    writes: Some(writes),
    ..Program::NONE
}];

/// Whether a sed script only reads: no `e` or `w`/`W` commands or flags.
fn sed_script_readonly(script: &str) -> bool {
    scan(script, &mut Vec::new())
}

/// The file name after a `w`/`W` command or flag at `i`: to the end of the line.
fn file_name(script: &str, i: usize) -> (&str, usize) {
    let rest = script.get(i..).unwrap_or_default();
    let end = rest.find('\n').unwrap_or(rest.len());
    (rest[..end].trim(), i + end)
}

/// The index after the closing `delim` of a regex starting at `i`: backslash escapes and
/// bracket expressions (`[/]`, `[]/]`, `[[:alpha:]/]`) do not close it.
fn skip_regex(b: &[u8], mut i: usize, delim: u8) -> usize {
    while i < b.len() && b[i] != delim {
        match b[i] {
            b'\\' => i += 2,
            b'[' => {
                i += 1;
                if b.get(i) == Some(&b'^') {
                    i += 1;
                }
                if b.get(i) == Some(&b']') {
                    i += 1;
                }
                while i < b.len() && b[i] != b']' {
                    if b[i] == b'[' && matches!(b.get(i + 1), Some(b':' | b'.' | b'=')) {
                        let close = b[i + 1];
                        i += 2;
                        while i + 1 < b.len() && !(b[i] == close && b[i + 1] == b']') {
                            i += 1;
                        }
                        i += 2;
                    } else {
                        i += 1;
                    }
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    i + 1
}

/// The index after the closing `delim` of plain text starting at `i` (backslash escapes).
fn skip_text(b: &[u8], mut i: usize, delim: u8) -> usize {
    while i < b.len() && b[i] != delim {
        if b[i] == b'\\' {
            i += 1;
        }
        i += 1;
    }
    i + 1
}

/// Scans a sed script: whether it only reads, and the files its `w`/`W` commands and flags
/// write.
fn scan<'s>(script: &'s str, writes: &mut Vec<&'s str>) -> bool {
    let b = script.as_bytes();
    let mut readonly = true;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            // Addresses: numbers, `$`, `first~step`, GNU's `addr,+N` and `addr,~N`.
            b' '
            | b'\t'
            | b'\n'
            | b';'
            | b'{'
            | b'}'
            | b'!'
            | b','
            | b'0'..=b'9'
            | b'$'
            | b'~'
            | b'+' => i += 1,
            b'/' | b'\\' => {
                // address regex: /re/ or \cREc
                let delim = if c == b'\\' {
                    i += 1;
                    match b.get(i) {
                        Some(d) => *d,
                        None => return false,
                    }
                } else {
                    b'/'
                };
                i = skip_regex(b, i + 1, delim);
                while matches!(b.get(i), Some(b'I' | b'M')) {
                    i += 1;
                }
            }
            b's' | b'y' => {
                let Some(&delim) = b.get(i + 1) else {
                    return false;
                };
                if delim == b'\n' || delim == b'\\' {
                    return false;
                }
                // `s`'s pattern is a regex (a bracket expression may hold the delimiter);
                // `y`'s two parts and `s`'s replacement are plain text.
                i = if c == b's' {
                    skip_regex(b, i + 2, delim)
                } else {
                    skip_text(b, i + 2, delim)
                };
                i = skip_text(b, i, delim);
                if c == b's' {
                    while let Some(&f) = b.get(i) {
                        match f {
                            b'g' | b'p' | b'i' | b'I' | b'm' | b'M' | b'0'..=b'9' => i += 1,
                            b'w' | b'W' => {
                                let (f, end) = file_name(script, i + 1);
                                writes.push(f);
                                readonly = false;
                                i = end;
                            }
                            b'e' => return false,
                            _ => break,
                        }
                    }
                }
            }
            b'p' | b'P' | b'd' | b'D' | b'g' | b'G' | b'h' | b'H' | b'x' | b'n' | b'N' | b'l'
            | b'=' | b'z' | b'F' | b'q' | b'Q' => i += 1,
            b'a' | b'i' | b'c' | b':' | b'b' | b't' | b'T' => {
                // Text to the end of the line; labels also end at `;` (GNU sed reads
                // `:a;e cmd` as a label and an `e` command).
                while i < b.len()
                    && b[i] != b'\n'
                    && !(matches!(c, b'b' | b't' | b'T' | b':') && b[i] == b';')
                {
                    i += 1;
                }
            }
            b'r' | b'R' => {
                // `r FILE`: reads a file into the output. One outside the working directory
                // (`r /etc/shadow`) is a read the model cannot vouch for.
                let (f, end) = file_name(script, i + 1);
                if f.is_empty()
                    || crate::args::outside_working_dir(f)
                    || crate::credentials::is_credential_path(f)
                {
                    readonly = false;
                }
                i = end;
            }
            b'w' | b'W' => {
                let (f, end) = file_name(script, i + 1);
                writes.push(f);
                readonly = false;
                i = end;
            }
            _ => return false, // e, v, unknown: not read-only
        }
    }
    readonly
}

/// The scripts given (with `-e`/`--expression`, or the first operand).
fn scripts<'a>(call: &Call<'a>) -> Vec<&'a str> {
    let p = &call.opts;
    let mut scripts = p.values_of(Some('e'), Some("expression"));
    if scripts.is_empty()
        && let Some(w) = p.operands.first()
    {
        scripts.push(w.text.as_str());
    }
    scripts
}

fn model(call: &Call<'_>) -> Model {
    let p = &call.opts;
    if p.has_short('i') || p.has_long("in-place") {
        return Model::Mutating("sed -i edits files in place");
    }
    if p.has_short('f') || p.has_long("file") {
        return Model::RunsCode("sed -f runs a script file the gateway cannot see".into());
    }
    if p.values_of(Some('e'), Some("expression")).is_empty()
        && p.operands.first().is_none_or(|w| w.dynamic)
    {
        return Model::Unknown;
    }
    let scripts = scripts(call);
    if scripts.iter().all(|s| sed_script_readonly(s)) {
        Model::ReadOnly
    } else {
        Model::RunsCode("the sed script executes (`e`) or writes (`w`)".into())
    }
}

/// The files its `w` commands write, and with `-i` the files it edits.
fn writes<'a>(call: &Call<'a>) -> Vec<&'a str> {
    let mut out = Vec::new();
    for s in scripts(call) {
        scan(s, &mut out);
    }
    if call.opts.has_short('i') || call.opts.has_long("in-place") {
        let skip = usize::from(
            call.opts
                .values_of(Some('e'), Some("expression"))
                .is_empty(),
        );
        out.extend(call.operands().skip(skip));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::Word;

    #[test]
    fn written_files() {
        let mut w = Vec::new();
        assert!(!scan("1w ~/.bashrc", &mut w));
        assert!(!scan("s/a/b/w /etc/cron.d/x\np", &mut w));
        assert_eq!(w, ["~/.bashrc", "/etc/cron.d/x"]);
        let words: Vec<Word> = ["-n", "--expression=1e id", "f"]
            .map(Word::literal)
            .to_vec();
        let call = Call::new("sed", &words, &PROGRAMS[0].options);
        assert!(matches!(model(&call), Model::RunsCode(_)));
        let words: Vec<Word> = ["-ni", "p", "f"].map(Word::literal).to_vec();
        let call = Call::new("sed", &words, &PROGRAMS[0].options);
        assert_eq!(writes(&call), ["f"]);
    }

    #[test]
    fn sed_scripts() {
        for ok in [
            "p",
            "s/a/b/g",
            "1,5p",
            "/x/d",
            "s|a|b|",
            "$!N;P;D",
            "10q",
            "y/abc/xyz/",
            "/re/I p",
            ":a;N;$!ba;s/\\n/ /g",
            "s/[/]/x/g",
            "10,+5p",
            "/foo/,+2p",
            "/a/,~4p",
            "/[/]/p",
            "/x/r notes.txt",
            "s/a\\/b/c/",
        ] {
            assert!(sed_script_readonly(ok), "{ok}");
        }
        for bad in [
            "e",
            "1e exec sh",
            "s/a/b/e",
            "s/.*/x/w /tmp/f",
            "w out",
            "W out",
            "1s/x/y/gw f",
            // GNU sed ends a label at `;`.
            ":a;e touch m",
            ":x;s/a/b/w o",
            // A bracket expression holds the delimiter: the `e` flag is real.
            "s/[/]//e",
            "s/[/]/x/;e touch m",
            "s/a[/]b/x/w o",
            "/[/a]/e touch m",
            "s/[]/]/x/e",
            "s/[[:alpha:]/]/x/e",
            // Files read from outside the working directory.
            "r /etc/shadow",
            "R /root/.aws/credentials",
            "1r /proc/1/environ",
            "$r ../../x",
        ] {
            assert!(!sed_script_readonly(bad), "{bad}");
        }
    }
}
