//! sed: scripts without `e` (execute) or `w` (write), and no in-place editing.

use crate::args::OptSpec;

use super::model::{Call, Model, Program, kind};

/// The room's entries.
pub(crate) const PROGRAMS: &[Program] = &[Program {
    names: &["sed"],
    kind: kind::READONLY | kind::PATTERN_FIRST,
    options: OptSpec::new("efl", &["expression", "file", "line-length"]),
    model: Some(model),
    writes: Some(writes),
    ..Program::NONE
}];

/// Whether a sed script only reads: no `e` or `w`/`W` commands or flags.
fn sed_script_readonly(script: &str) -> bool {
    let b = script.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b';' | b'{' | b'}' | b'!' | b',' | b'0'..=b'9' | b'$' | b'~' => {
                i += 1
            }
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
                i += 1;
                while i < b.len() && b[i] != delim {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
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
                i += 2;
                for _ in 0..2 {
                    while i < b.len() && b[i] != delim {
                        if b[i] == b'\\' {
                            i += 1;
                        }
                        i += 1;
                    }
                    i += 1;
                }
                if c == b's' {
                    while let Some(&f) = b.get(i) {
                        match f {
                            b'g' | b'p' | b'i' | b'I' | b'm' | b'M' | b'0'..=b'9' => i += 1,
                            b'e' | b'w' | b'W' => return false,
                            _ => break,
                        }
                    }
                }
            }
            b'p' | b'P' | b'd' | b'D' | b'g' | b'G' | b'h' | b'H' | b'x' | b'n' | b'N' | b'l'
            | b'=' | b'z' | b'F' | b'q' | b'Q' => i += 1,
            b'a' | b'i' | b'c' | b':' | b'b' | b't' | b'T' | b'r' | b'R' => {
                // text or label or file name to end of line (labels also end at ';')
                while i < b.len()
                    && b[i] != b'\n'
                    && !(matches!(c, b'b' | b't' | b'T') && b[i] == b';')
                {
                    i += 1;
                }
            }
            _ => return false, // e, w, W, v, unknown: not read-only
        }
    }
    true
}

fn model(call: &Call<'_>) -> Model {
    let p = &call.opts;
    if p.has_short('i') || p.has_long("in-place") {
        return Model::Mutating("sed -i edits files in place".into());
    }
    if p.has_short('f') || p.has_long("file") {
        return Model::RunsCode("sed -f runs a script file the gateway cannot see".into());
    }
    let mut scripts = p.values_of(Some('e'), Some("expression"));
    if scripts.is_empty() {
        match p.operands.first() {
            Some(w) if !w.dynamic => scripts.push(w.text.as_str()),
            _ => return Model::Unknown,
        }
    }
    if scripts.iter().all(|s| sed_script_readonly(s)) {
        Model::ReadOnly
    } else {
        Model::RunsCode("the sed script executes (`e`) or writes (`w`)".into())
    }
}

/// With `-i`, the files it edits.
fn writes<'a>(call: &Call<'a>) -> Vec<&'a str> {
    if call.opts.has_short('i') || call.opts.has_long("in-place") {
        call.operands().skip(1).collect()
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        ] {
            assert!(!sed_script_readonly(bad), "{bad}");
        }
    }
}
