//! Byte-level screening: characters that make the command a human sees differ from the one the
//! shell runs.

use recourse_policy::{Decision, Reason};

/// Longest command classified; longer input escalates without parsing.
pub const MAX_INPUT_BYTES: usize = 64 * 1024;

/// Why a character is suspicious, if it is.
fn suspicious(c: char) -> Option<&'static str> {
    match c {
        '\0' => Some("a NUL byte"),
        '\r' => Some("a carriage return (it can hide the start of a line on a terminal)"),
        '\t' | '\n' => None,
        c if (c as u32) < 0x20 || c == '\u{7f}' => Some("a control character"),
        '\u{80}'..='\u{9f}' => Some("a C1 control character"),
        '\u{200b}'..='\u{200f}'
        | '\u{2060}'..='\u{2064}'
        | '\u{feff}'
        | '\u{00ad}'
        | '\u{180e}'
        | '\u{034f}'
        | '\u{115f}'
        | '\u{1160}'
        | '\u{3164}'
        | '\u{ffa0}' => Some("an invisible (zero-width) character"),
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{061c}' => {
            Some("a bidirectional-override character")
        }
        '\u{e0000}'..='\u{e007f}' => Some("an invisible tag character"),
        '\u{fe00}'..='\u{fe0f}' | '\u{e0100}'..='\u{e01ef}' => Some("a variation selector"),
        '\u{a0}'
        | '\u{1680}'
        | '\u{2000}'..='\u{200a}'
        | '\u{2028}'
        | '\u{2029}'
        | '\u{202f}'
        | '\u{205f}'
        | '\u{3000}' => Some("non-ASCII whitespace"),
        _ => None,
    }
}

/// Whether every byte is printable ASCII, a tab or a newline: eight bytes at a time, since
/// nearly every command is.
fn plain_ascii(b: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let x = u64::from_le_bytes(w);
        // A byte at or above 0x80, below 0x20, or equal to 0x7f sets its high bit here.
        let low = x.wrapping_sub(ONES * 0x20) & !x;
        let del = (x ^ (ONES * 0x7f)).wrapping_sub(ONES) & !(x ^ (ONES * 0x7f));
        if (x | low | del) & HIGH != 0 && !c.iter().all(|b| plain_byte(*b)) {
            return false;
        }
    }
    chunks.remainder().iter().all(|b| plain_byte(*b))
}

fn plain_byte(b: u8) -> bool {
    (0x20..0x7f).contains(&b) || b == b'\t' || b == b'\n'
}

/// Findings about the raw text, before any parsing.
pub(crate) fn screen(cmd: &str) -> Vec<Reason> {
    let mut out = Vec::new();
    if cmd.len() > MAX_INPUT_BYTES {
        out.push(Reason::new(
            Decision::Escalate,
            "shell.input.too_long",
            format!(
                "the command is {} bytes long; commands over {MAX_INPUT_BYTES} bytes are not classified",
                cmd.len()
            ),
        ));
        return out;
    }
    if cmd.trim().is_empty() {
        out.push(Reason::new(
            Decision::Escalate,
            "shell.input.empty",
            "the command is empty",
        ));
    }
    // Fast path: printable ASCII, tabs and newlines cannot hide anything.
    if plain_ascii(cmd.as_bytes()) {
        return out;
    }
    let mut seen: Vec<&'static str> = Vec::new();
    for (i, c) in cmd.char_indices() {
        if let Some(why) = suspicious(c)
            && !seen.contains(&why)
        {
            seen.push(why);
            out.push(Reason::new(
                    Decision::Escalate,
                    "shell.input.hidden_characters",
                    format!(
                        "the command contains {why} (U+{:04X} at byte {i}): what is shown may not be what runs",
                        c as u32
                    ),
                ));
        }
    }
    out
}

/// The text with every suspicious or non-printing character shown as an escape (`\u{200B}`),
/// so that an approver sees exactly what would run.
pub fn escape_for_display(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            c if suspicious(c).is_some() => out.push_str(&format!("\\u{{{:04X}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_hidden_characters() {
        for s in [
            "ls\u{200b}",
            "ls\r",
            "ls\0",
            "ls\u{202e}",
            "ls\u{a0}-la",
            "ls\u{1b}[2K",
            "ls\u{feff}",
            "ls\u{e0041}",
        ] {
            let r = screen(s);
            assert!(!r.is_empty(), "{s:?}");
            assert!(r.iter().all(|r| r.decision >= Decision::Escalate));
        }
        assert!(screen("ls -la\n\tgrep é").is_empty());
    }

    #[test]
    fn displays_escapes() {
        assert_eq!(escape_for_display("a\u{200b}b\rc"), "a\\u{200B}b\\u{000D}c");
        assert_eq!(escape_for_display("héllo\n"), "héllo\n");
    }

    #[test]
    fn plain_text_is_recognized_eight_bytes_at_a_time() {
        assert!(plain_ascii(b"ls -la && git status\n\tgrep x ~/y | z"));
        for bad in [
            &b"ls -la && git\x7f status"[..],
            b"ls -la &&\x1b[2K status",
            b"ls -la && \xc3\xa9tat",
        ] {
            assert!(!plain_ascii(bad));
        }
    }

    #[test]
    fn too_long() {
        let s = "a".repeat(MAX_INPUT_BYTES + 1);
        assert_eq!(screen(&s)[0].rule.as_str(), "shell.input.too_long");
    }
}
