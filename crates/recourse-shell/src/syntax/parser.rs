//! A recursive-descent parser for the POSIX shell language with the bash extensions agents
//! use: lists, pipelines, `&&`/`||`/`;`/`&`, subshells, groups, `if`/`while`/`until`/`for`/
//! `select`/`case`, functions, `[[ ]]`, `(( ))`, redirections, here-documents (quoted and
//! unquoted, `<<-`), here-strings, `$( )`, backticks, `$(( ))`, `${ }`, `<( )`/`>( )`,
//! `$'…'`, assignments (including arrays) and line continuations.
//!
//! It works on bytes: every syntax character is ASCII, so non-ASCII text only ever appears
//! inside words and slices are always cut at character boundaries. Nesting is capped at
//! [`MAX_DEPTH`] so hostile input cannot exhaust the stack; every failure is a [`ParseError`],
//! never a panic.

use super::ast::*;

/// Deepest nesting of compound commands and substitutions accepted.
pub const MAX_DEPTH: usize = 32;

/// Why a command did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// A syntax error at a byte offset.
    #[error("syntax error at byte {pos}: {message}")]
    Syntax {
        /// Byte offset into the parsed text.
        pos: usize,
        /// What was wrong.
        message: String,
    },
    /// Nesting exceeded [`MAX_DEPTH`].
    #[error("nesting deeper than {MAX_DEPTH} levels")]
    TooDeep,
}

/// Parses a whole command string.
pub fn parse(src: &str) -> Result<Script, ParseError> {
    parse_nested(src, 0)
}

/// Parses text found nested in another command (a `bash -c` string, an `eval`), counting the
/// nesting it already sits at.
pub(crate) fn parse_nested(src: &str, depth: usize) -> Result<Script, ParseError> {
    if depth > MAX_DEPTH {
        return Err(ParseError::TooDeep);
    }
    let mut p = Parser::new(src.as_bytes(), depth);
    let script = p.parse_list()?;
    p.skip_ws_newlines()?;
    if p.pos < p.s.len() {
        return Err(p.err(format!("unexpected `{}`", p.token_preview())));
    }
    Ok(script)
}

/// Packs a word of at most 8 bytes into an integer, first byte lowest.
const fn pack(w: &str) -> u64 {
    let b = w.as_bytes();
    let mut k = 0u64;
    let mut i = 0;
    while i < b.len() {
        k |= (b[i] as u64) << (8 * i);
        i += 1;
    }
    k
}

/// The reserved words, packed.
const RESERVED: [(u64, &str); 20] = {
    const WORDS: [&str; 20] = [
        "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for",
        "in", "function", "select", "{", "}", "!", "[[", "]]",
    ];
    let mut out = [(0u64, ""); 20];
    let mut i = 0;
    while i < WORDS.len() {
        out[i] = (pack(WORDS[i]), WORDS[i]);
        i += 1;
    }
    out
};

const LIST_END_WORDS: &[&str] = &["then", "elif", "else", "fi", "do", "done", "esac", "}"];

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    depth: usize,
    /// Here-document bodies already read ahead: (start, end) byte ranges to skip when the
    /// parser reaches the newline before them.
    skips: Vec<(usize, usize)>,
}

#[derive(Default)]
struct WordBuilder {
    text: Vec<u8>,
    dynamic: bool,
    glob: bool,
    brace: bool,
    quoted: bool,
    tilde: bool,
    params: Vec<String>,
    subs: Vec<Substitution>,
    expansions: Vec<Expansion>,
    brace_depth: u32,
    bracket_open: bool,
    started: bool,
}

impl WordBuilder {
    fn finish(self) -> Word {
        Word {
            // Valid UTF-8 in nearly every case (only `$'\xff'`-style escapes can break it):
            // take the buffer without copying, fall back to a lossy copy.
            text: String::from_utf8(self.text)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            dynamic: self.dynamic,
            glob: self.glob,
            brace: self.brace,
            quoted: self.quoted,
            tilde: self.tilde,
            params: self.params,
            subs: self.subs,
            expansions: self.expansions,
        }
    }

    /// Records an expansion whose source was just appended from byte `start` of the text.
    fn expansion(&mut self, start: usize, quoted: bool, kind: ExpansionKind) {
        self.expansions.push(Expansion {
            start,
            end: self.text.len(),
            quoted,
            kind,
        });
    }
    fn absorb(&mut self, other: WordBuilder) {
        self.dynamic |= other.dynamic;
        self.params.extend(other.params);
        self.subs.extend(other.subs);
    }
}

fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

fn is_meta(c: u8) -> bool {
    matches!(
        c,
        b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')'
    )
}

/// Bytes with no meaning to the shell anywhere in a word (no quoting, expansion, glob, brace,
/// tilde or operator meaning).
fn is_plain(c: u8) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            b'-' | b'.' | b'/' | b'_' | b':' | b'+' | b'%' | b'^' | b'='
        )
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

impl<'a> Parser<'a> {
    fn new(s: &'a [u8], depth: usize) -> Self {
        Parser {
            s,
            pos: 0,
            depth,
            skips: Vec::new(),
        }
    }

    fn err(&self, message: impl Into<String>) -> ParseError {
        ParseError::Syntax {
            pos: self.pos,
            message: message.into(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn peek_at(&self, off: usize) -> Option<u8> {
        self.s.get(self.pos + off).copied()
    }

    fn starts_with(&self, lit: &[u8]) -> bool {
        self.s
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(lit))
    }

    fn token_preview(&self) -> String {
        let end = (self.pos + 12).min(self.s.len());
        String::from_utf8_lossy(self.s.get(self.pos..end).unwrap_or_default()).into_owned()
    }

    fn nested<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, ParseError>,
    ) -> Result<T, ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ParseError::TooDeep);
        }
        let r = f(self);
        self.depth -= 1;
        r
    }

    /// Skips blanks, line continuations and a comment (up to, not including, the newline).
    fn skip_blanks(&mut self) {
        loop {
            match self.peek() {
                Some(c) if is_blank(c) => self.pos += 1,
                Some(b'\\') if self.peek_at(1) == Some(b'\n') => self.pos += 2,
                Some(b'#') => {
                    while let Some(c) = self.peek() {
                        if c == b'\n' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                _ => return,
            }
        }
    }

    /// Consumes a newline and any here-document bodies that start after it.
    fn consume_newline(&mut self) {
        self.pos += 1;
        while let Some(&(start, end)) = self.skips.iter().find(|(s, _)| *s == self.pos) {
            debug_assert!(end >= start);
            self.pos = end;
        }
    }

    fn skip_ws_newlines(&mut self) -> Result<(), ParseError> {
        loop {
            self.skip_blanks();
            if self.peek() == Some(b'\n') {
                self.consume_newline();
            } else {
                return Ok(());
            }
        }
    }

    /// The reserved word at the current position, if a whole one is there.
    fn peek_reserved(&self) -> Option<&'static str> {
        let rest = self.s.get(self.pos..)?;
        // The word here, up to a metacharacter, packed into an integer: no reserved word is
        // longer than 8 bytes, so one comparison per candidate.
        let mut key = 0u64;
        for (len, &c) in rest.iter().enumerate() {
            if is_meta(c) {
                break;
            }
            if len == 8 {
                return None;
            }
            key |= u64::from(c) << (8 * len);
        }
        RESERVED.iter().find(|(k, _)| *k == key).map(|(_, w)| *w)
    }

    fn expect_reserved(&mut self, word: &'static str) -> Result<(), ParseError> {
        self.skip_ws_newlines()?;
        if self.peek_reserved() == Some(word) {
            self.pos += word.len();
            Ok(())
        } else if self.pos >= self.s.len() {
            Err(self.err(format!("missing `{word}`")))
        } else {
            Err(self.err(format!(
                "expected `{word}`, found `{}`",
                self.token_preview()
            )))
        }
    }

    fn at_list_end(&self) -> bool {
        match self.peek() {
            None | Some(b')') => true,
            Some(b';') => matches!(self.peek_at(1), Some(b';') | Some(b'&')),
            _ => self
                .peek_reserved()
                .is_some_and(|w| LIST_END_WORDS.contains(&w)),
        }
    }

    fn parse_list(&mut self) -> Result<Script, ParseError> {
        let mut items = List::new();
        loop {
            self.skip_ws_newlines()?;
            if self.at_list_end() {
                break;
            }
            let mut item = self.parse_and_or()?;
            self.skip_blanks();
            match self.peek() {
                Some(b';') if !matches!(self.peek_at(1), Some(b';') | Some(b'&')) => self.pos += 1,
                Some(b'&') => {
                    self.pos += 1;
                    item.background = true;
                }
                Some(b'\n') | None => {}
                _ if self.at_list_end() => {}
                _ => {
                    return Err(self.err(format!("unexpected `{}`", self.token_preview())));
                }
            }
            items.push(item);
        }
        Ok(Script { items })
    }

    fn parse_and_or(&mut self) -> Result<AndOr, ParseError> {
        let mut pipelines = List::one(self.parse_pipeline()?);
        loop {
            self.skip_blanks();
            if self.starts_with(b"&&") || self.starts_with(b"||") {
                let or_else = self.starts_with(b"||");
                self.pos += 2;
                self.skip_ws_newlines()?;
                let mut p = self.parse_pipeline()?;
                p.or_else = or_else;
                pipelines.push(p);
            } else {
                break;
            }
        }
        Ok(AndOr {
            pipelines,
            background: false,
        })
    }

    fn parse_pipeline(&mut self) -> Result<Pipeline, ParseError> {
        self.skip_blanks();
        let mut negated = false;
        loop {
            if self.peek_reserved() == Some("!") {
                self.pos += 1;
                negated = !negated;
            } else if !self.keyword_before_compound(b"time") {
                break;
            }
            self.skip_blanks();
        }
        let mut commands = List::one(self.parse_command()?);
        loop {
            self.skip_blanks();
            if self.peek() == Some(b'|') && self.peek_at(1) != Some(b'|') {
                self.pos += if self.peek_at(1) == Some(b'&') { 2 } else { 1 };
                self.skip_ws_newlines()?;
                commands.push(self.parse_command()?);
            } else {
                break;
            }
        }
        Ok(Pipeline {
            negated,
            or_else: false,
            commands,
        })
    }

    fn parse_command(&mut self) -> Result<Command, ParseError> {
        self.skip_blanks();
        if self.starts_with(b"coproc") && self.peek_at(6).is_some_and(is_blank) {
            // `coproc { …; }` or `coproc NAME { …; }`: the name is only a name when a compound
            // command follows it.
            let save = self.pos;
            self.pos += 6;
            self.skip_blanks();
            if !self.keyword_follows_compound() {
                while self.peek().is_some_and(is_name_char) {
                    self.pos += 1;
                }
                if !self.keyword_follows_compound() {
                    self.pos = save;
                }
            }
            self.skip_blanks();
        }
        if let Some(word) = self.peek_reserved() {
            return self.nested(|p| p.parse_reserved(word));
        }
        match self.peek() {
            Some(b'(') => self.nested(|p| {
                if p.peek_at(1) == Some(b'(')
                    && let Some(c) = p.try_arith_command()?
                {
                    return Ok(c);
                }
                p.pos += 1;
                let body = p.parse_list()?;
                p.expect_byte(b')', "`)` closing the subshell")?;
                p.compound(CompoundKind::Subshell, vec![body], vec![])
            }),
            None => Err(self.err("missing command")),
            Some(c) if matches!(c, b';' | b'&' | b'|' | b')' | b'\n') => {
                Err(self.err(format!("unexpected `{}`", c as char)))
            }
            _ => self.parse_simple(),
        }
    }

    /// Consumes `time` (with `-p`) or `coproc` when a compound command follows it: bash runs the
    /// compound, so it is parsed as one. Before a simple command the word stays a program name
    /// (`time ls`, `coproc cat`), which the walker unwraps like any wrapper.
    fn keyword_before_compound(&mut self, kw: &[u8]) -> bool {
        if !self.starts_with(kw)
            || !self
                .s
                .get(self.pos + kw.len())
                .is_some_and(|c| is_blank(*c))
        {
            return false;
        }
        let save = self.pos;
        self.pos += kw.len();
        self.skip_blanks();
        if kw == b"time" && self.starts_with(b"-p") && self.peek_at(2).is_none_or(is_meta) {
            self.pos += 2;
            self.skip_blanks();
        }
        if self.keyword_follows_compound() {
            true
        } else {
            self.pos = save;
            false
        }
    }

    /// Whether a compound command (or `!`) starts at the position, after blanks.
    fn keyword_follows_compound(&mut self) -> bool {
        let save = self.pos;
        self.skip_blanks();
        let found = self.peek() == Some(b'(')
            || self
                .peek_reserved()
                .is_some_and(|w| !LIST_END_WORDS.contains(&w) && w != "in" && w != "]]");
        self.pos = save;
        found
    }

    fn expect_byte(&mut self, b: u8, what: &str) -> Result<(), ParseError> {
        self.skip_ws_newlines()?;
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.err(format!("expected {what}")))
        }
    }

    fn compound(
        &mut self,
        kind: CompoundKind,
        scripts: Vec<Script>,
        words: Vec<Word>,
    ) -> Result<Command, ParseError> {
        let mut redirects = Vec::new();
        loop {
            self.skip_blanks();
            if self.redirect_ahead() {
                redirects.push(self.parse_redirect()?);
            } else {
                break;
            }
        }
        Ok(Command::Compound(Compound {
            kind,
            scripts,
            words,
            redirects,
        }))
    }

    fn parse_reserved(&mut self, word: &'static str) -> Result<Command, ParseError> {
        match word {
            "{" => {
                self.pos += 1;
                let body = self.parse_list()?;
                self.expect_reserved("}")?;
                self.compound(CompoundKind::Group, vec![body], vec![])
            }
            "if" => {
                self.pos += 2;
                let mut scripts = Vec::new();
                loop {
                    scripts.push(self.parse_list()?);
                    self.expect_reserved("then")?;
                    scripts.push(self.parse_list()?);
                    self.skip_ws_newlines()?;
                    match self.peek_reserved() {
                        Some("elif") => self.pos += 4,
                        Some("else") => {
                            self.pos += 4;
                            scripts.push(self.parse_list()?);
                            self.expect_reserved("fi")?;
                            break;
                        }
                        Some("fi") => {
                            self.pos += 2;
                            break;
                        }
                        _ => return Err(self.err("expected `elif`, `else` or `fi`")),
                    }
                }
                self.compound(CompoundKind::If, scripts, vec![])
            }
            "while" | "until" => {
                self.pos += word.len();
                let cond = self.parse_list()?;
                self.expect_reserved("do")?;
                let body = self.parse_list()?;
                self.expect_reserved("done")?;
                self.compound(CompoundKind::Loop, vec![cond, body], vec![])
            }
            "for" | "select" => {
                self.pos += word.len();
                self.skip_blanks();
                let mut words = Vec::new();
                let mut scripts = Vec::new();
                if self.starts_with(b"((") {
                    let mut wb = WordBuilder::default();
                    self.pos += 2;
                    self.scan_arith(&mut wb, 2)?;
                    words.push(wb.finish());
                    self.skip_blanks();
                    if self.peek() == Some(b';') {
                        self.pos += 1;
                    }
                } else {
                    let Some(name) = self.read_word()? else {
                        return Err(self.err("expected a variable name after `for`"));
                    };
                    words.push(name);
                    self.skip_ws_newlines()?;
                    if self.peek_reserved() == Some("in") {
                        self.pos += 2;
                        loop {
                            self.skip_blanks();
                            match self.read_word()? {
                                Some(w) => words.push(w),
                                None => break,
                            }
                        }
                        self.skip_blanks();
                        if self.peek() == Some(b';') {
                            self.pos += 1;
                        }
                    } else if self.peek() == Some(b';') {
                        self.pos += 1;
                    }
                }
                self.skip_ws_newlines()?;
                if self.peek_reserved() == Some("{") {
                    self.pos += 1;
                    scripts.push(self.parse_list()?);
                    self.expect_reserved("}")?;
                } else {
                    self.expect_reserved("do")?;
                    scripts.push(self.parse_list()?);
                    self.expect_reserved("done")?;
                }
                self.compound(CompoundKind::For, scripts, words)
            }
            "case" => {
                self.pos += 4;
                self.skip_blanks();
                let mut words = Vec::new();
                let Some(subject) = self.read_word()? else {
                    return Err(self.err("expected a word after `case`"));
                };
                words.push(subject);
                self.expect_reserved("in")?;
                let mut scripts = Vec::new();
                loop {
                    self.skip_ws_newlines()?;
                    if self.peek_reserved() == Some("esac") {
                        self.pos += 4;
                        break;
                    }
                    if self.peek() == Some(b'(') {
                        self.pos += 1;
                    }
                    loop {
                        self.skip_blanks();
                        match self.read_word()? {
                            Some(w) => words.push(w),
                            None => return Err(self.err("expected a case pattern")),
                        }
                        self.skip_blanks();
                        if self.peek() == Some(b'|') {
                            self.pos += 1;
                        } else {
                            break;
                        }
                    }
                    self.expect_byte(b')', "`)` after a case pattern")?;
                    scripts.push(self.parse_list()?);
                    self.skip_ws_newlines()?;
                    if self.starts_with(b";;&") {
                        self.pos += 3;
                    } else if self.starts_with(b";;") || self.starts_with(b";&") {
                        self.pos += 2;
                    } else if self.peek_reserved() != Some("esac") {
                        return Err(self.err("expected `;;` or `esac`"));
                    }
                }
                self.compound(CompoundKind::Case, scripts, words)
            }
            "function" => {
                self.pos += 8;
                self.skip_blanks();
                let Some(name) = self.read_word()? else {
                    return Err(self.err("expected a function name"));
                };
                self.skip_blanks();
                if self.peek() == Some(b'(') {
                    self.pos += 1;
                    self.skip_blanks();
                    self.expect_byte(b')', "`)` in a function definition")?;
                }
                self.skip_ws_newlines()?;
                let body = self.parse_command()?;
                Ok(Command::Function {
                    name: name.text,
                    body: Box::new(body),
                })
            }
            "[[" => {
                self.pos += 2;
                let mut words = Vec::new();
                loop {
                    self.skip_ws_newlines()?;
                    if self.peek_reserved() == Some("]]") {
                        self.pos += 2;
                        break;
                    }
                    match self.peek() {
                        None => return Err(self.err("missing `]]`")),
                        Some(b'&' | b'|' | b'(' | b')' | b'<' | b'>' | b'!') => self.pos += 1,
                        _ => match self.read_word()? {
                            Some(w) => words.push(w),
                            None => return Err(self.err("unexpected token in `[[ ]]`")),
                        },
                    }
                }
                self.compound(CompoundKind::Conditional, vec![], words)
            }
            other => Err(self.err(format!("unexpected `{other}`"))),
        }
    }

    /// `(( expr ))` as a command; `None` if it turns out to be `( (subshell) … )`.
    fn try_arith_command(&mut self) -> Result<Option<Command>, ParseError> {
        let start = self.pos;
        self.pos += 2;
        let mut wb = WordBuilder::default();
        if self.scan_arith(&mut wb, 2)? {
            let word = wb.finish();
            return self
                .compound(CompoundKind::Arithmetic, vec![], vec![word])
                .map(Some);
        }
        self.pos = start;
        Ok(None)
    }

    fn redirect_ahead(&self) -> bool {
        let mut i = self.pos;
        while self.s.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        match (self.s.get(i), self.s.get(i + 1)) {
            (Some(b'<' | b'>'), Some(b'(')) => false,
            (Some(b'<' | b'>'), _) => true,
            (Some(b'&'), Some(b'>')) => i == self.pos,
            _ => false,
        }
    }

    fn parse_redirect(&mut self) -> Result<Redirect, ParseError> {
        let digits_start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        let fd = std::str::from_utf8(self.s.get(digits_start..self.pos).unwrap_or_default())
            .ok()
            .and_then(|d| d.parse::<u32>().ok());
        let ops: &[(&[u8], RedirOp)] = &[
            (b"&>>", RedirOp::AppendOutErr),
            (b"&>", RedirOp::OutErr),
            (b"<<<", RedirOp::HereString),
            (b"<<-", RedirOp::HereDoc),
            (b"<<", RedirOp::HereDoc),
            (b"<>", RedirOp::ReadWrite),
            (b"<&", RedirOp::DupIn),
            (b">>", RedirOp::Append),
            (b">&", RedirOp::DupOut),
            (b">|", RedirOp::Clobber),
            (b"<", RedirOp::In),
            (b">", RedirOp::Out),
        ];
        let Some(&(lit, op)) = ops.iter().find(|(lit, _)| self.starts_with(lit)) else {
            return Err(self.err("expected a redirection operator"));
        };
        let strip_tabs = lit == b"<<-";
        self.pos += lit.len();
        self.skip_blanks();
        let Some(target) = self.read_word()? else {
            return Err(self.err("missing redirection target"));
        };
        let heredoc = if op == RedirOp::HereDoc {
            Some(self.read_heredoc(&target, strip_tabs)?)
        } else {
            None
        };
        Ok(Redirect {
            fd,
            op,
            target,
            heredoc,
        })
    }

    /// Reads a here-document body ahead of the parse position: it starts after the end of the
    /// current line (or after bodies already read for that line) and is skipped when the parser
    /// reaches that newline.
    fn read_heredoc(&mut self, delim: &Word, strip_tabs: bool) -> Result<HereDoc, ParseError> {
        let quoted = delim.quoted;
        let delimiter = delim.text.as_bytes();
        let mut start = self.line_end_from(self.pos)? + 1;
        while let Some(&(_, end)) = self.skips.iter().find(|(s, _)| *s == start) {
            start = end;
        }
        let mut body: Vec<u8> = Vec::new();
        let mut i = start;
        let end = loop {
            if i >= self.s.len() {
                return Err(ParseError::Syntax {
                    pos: start,
                    message: format!(
                        "here-document delimited by end of input (wanted `{}`)",
                        delim.text
                    ),
                });
            }
            let line_end = self.s[i..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(self.s.len(), |n| i + n);
            let mut line = &self.s[i..line_end];
            if strip_tabs {
                while let Some((b'\t', rest)) = line.split_first() {
                    line = rest;
                }
            }
            if line == delimiter {
                break (line_end + 1).min(self.s.len());
            }
            body.extend_from_slice(line);
            body.push(b'\n');
            i = line_end + 1;
        };
        self.skips.push((start, end));
        let text = String::from_utf8_lossy(&body).into_owned();
        let body = if quoted {
            Word {
                text,
                quoted: true,
                ..Word::default()
            }
        } else {
            let mut sub = Parser::new(text.as_bytes(), self.depth + 1);
            if sub.depth > MAX_DEPTH {
                return Err(ParseError::TooDeep);
            }
            let mut wb = WordBuilder::default();
            sub.read_dq(&mut wb, None)?;
            wb.finish()
        };
        Ok(HereDoc { quoted, body })
    }

    /// Byte offset of the newline that ends the logical line containing `from`, skipping
    /// newlines inside quotes.
    fn line_end_from(&self, from: usize) -> Result<usize, ParseError> {
        let mut i = from;
        let mut quote: Option<u8> = None;
        while let Some(&c) = self.s.get(i) {
            match (quote, c) {
                (None, b'\n') => return Ok(i),
                (None, b'\'' | b'"') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (Some(b'"') | None, b'\\') => i += 1,
                _ => {}
            }
            i += 1;
        }
        Err(ParseError::Syntax {
            pos: from,
            message: "here-document with no body (no newline after it)".into(),
        })
    }

    /// Whether an assignment `NAME=` / `NAME+=` / `NAME[…]=` starts here.
    fn assignment_ahead(&self) -> Option<(usize, usize)> {
        let s = self.s;
        let mut i = self.pos;
        if !s.get(i).copied().is_some_and(is_name_start) {
            return None;
        }
        while s.get(i).copied().is_some_and(is_name_char) {
            i += 1;
        }
        let name_end = i;
        if s.get(i) == Some(&b'[') {
            // The subscript may hold quotes and substitutions (`a[$(id)]=1`); an unquoted
            // blank or operator outside parentheses ends the word, so it is no assignment.
            let (mut brackets, mut parens) = (0u32, 0u32);
            loop {
                let c = *s.get(i)?;
                i += 1;
                match c {
                    b'[' => brackets += 1,
                    b']' => {
                        brackets -= 1;
                        if brackets == 0 {
                            break;
                        }
                    }
                    b'(' => parens += 1,
                    b')' => parens = parens.checked_sub(1)?,
                    b'\\' => i += 1,
                    b'\'' => i += s.get(i..)?.iter().position(|&q| q == b'\'')? + 1,
                    b'"' => {
                        while let Some(&q) = s.get(i) {
                            i += if q == b'\\' { 2 } else { 1 };
                            if q == b'"' {
                                break;
                            }
                        }
                    }
                    c if is_meta(c) && parens == 0 => return None,
                    _ => {}
                }
            }
        }
        if s.get(i) == Some(&b'+') {
            i += 1;
        }
        (s.get(i) == Some(&b'=')).then_some((name_end, i + 1))
    }

    fn parse_simple(&mut self) -> Result<Command, ParseError> {
        let mut cmd = SimpleCommand::default();
        loop {
            self.skip_blanks();
            match self.peek() {
                None | Some(b'\n' | b';' | b'&' | b'|' | b')') if !self.redirect_ahead() => break,
                Some(b'(') => {
                    if cmd.words.len() == 1
                        && cmd.assignments.is_empty()
                        && cmd.redirects.is_empty()
                    {
                        return self.parse_function_def(cmd);
                    }
                    return Err(self.err("unexpected `(`"));
                }
                _ => {}
            }
            if self.redirect_ahead() {
                cmd.redirects.push(self.parse_redirect()?);
                continue;
            }
            if cmd.words.is_empty()
                && let Some((name_end, value_start)) = self.assignment_ahead()
            {
                let name = self.lossy(self.pos, name_end);
                let index = if self.s.get(name_end) == Some(&b'[') {
                    self.pos = name_end + 1;
                    Some(self.read_subscript()?)
                } else {
                    None
                };
                self.pos = value_start;
                let value = if self.peek() == Some(b'(') {
                    self.pos += 1;
                    self.read_array_elements()?
                } else {
                    vec![self.read_word()?.unwrap_or_default()]
                };
                cmd.assignments.push(Assignment { name, index, value });
                continue;
            }
            if cmd.words.first().is_some_and(|w| {
                w.expansions.is_empty()
                    && matches!(
                        w.text.as_str(),
                        "declare" | "typeset" | "local" | "export" | "readonly"
                    )
            }) && let Some((_, value_start)) = self.assignment_ahead()
                && self.s.get(value_start) == Some(&b'(')
            {
                cmd.words.push(self.read_compound_argument(value_start)?);
                continue;
            }
            match self.read_word()? {
                Some(w) => {
                    // Room for most command lines at once: growing from four words moves them.
                    if cmd.words.capacity() == 0 {
                        cmd.words.reserve_exact(8);
                    }
                    cmd.words.push(w);
                }
                None => return Err(self.err(format!("unexpected `{}`", self.token_preview()))),
            }
        }
        Ok(Command::Simple(cmd))
    }

    /// The elements of `(a b c)` after the `(`, up to and past the `)`.
    fn read_array_elements(&mut self) -> Result<Vec<Word>, ParseError> {
        let mut elems = Vec::new();
        loop {
            self.skip_ws_newlines()?;
            if self.peek() == Some(b')') {
                self.pos += 1;
                return Ok(elems);
            }
            match self.read_word()? {
                Some(w) => elems.push(w),
                None => return Err(self.err("unterminated array assignment")),
            }
        }
    }

    /// `declare a=(x y)`: a declaration builtin's compound array argument, as one word
    /// `a=(x y)` whose elements keep their expansions.
    fn read_compound_argument(&mut self, value_start: usize) -> Result<Word, ParseError> {
        let mut word = Word::literal(self.lossy(self.pos, value_start + 1));
        self.pos = value_start + 1;
        for (k, e) in self.read_array_elements()?.into_iter().enumerate() {
            if k > 0 {
                word.text.push(' ');
            }
            word.append(e);
        }
        word.text.push(')');
        Ok(word)
    }

    /// Copies an expansion's source (from `start` to the position) into the word and records
    /// where it stands.
    fn source_expansion(
        &self,
        wb: &mut WordBuilder,
        start: usize,
        in_dq: bool,
        kind: ExpansionKind,
    ) {
        let at = wb.text.len();
        wb.text
            .extend_from_slice(self.s.get(start..self.pos).unwrap_or_default());
        wb.dynamic = true;
        wb.expansion(at, in_dq, kind);
    }

    /// `'…'` (the opening quote at the position): literal text.
    fn read_single_quoted(&mut self, wb: &mut WordBuilder) -> Result<(), ParseError> {
        self.pos += 1;
        let start = self.pos;
        while self.peek().is_some_and(|c| c != b'\'') {
            self.pos += 1;
        }
        if self.peek().is_none() {
            return Err(self.err("unterminated single quote"));
        }
        wb.text
            .extend_from_slice(self.s.get(start..self.pos).unwrap_or_default());
        self.pos += 1;
        wb.quoted = true;
        Ok(())
    }

    /// An assignment's subscript, after `[` up to the matching `]` (consumed).
    fn read_subscript(&mut self) -> Result<Word, ParseError> {
        let mut wb = WordBuilder::default();
        let mut depth = 1u32;
        loop {
            match self.peek() {
                None => return Err(self.err("unterminated subscript")),
                Some(b']') if depth == 1 => {
                    self.pos += 1;
                    return Ok(wb.finish());
                }
                Some(b'$') => self.read_dollar(&mut wb, false)?,
                Some(b'`') => self.read_backtick(&mut wb, false)?,
                Some(b'"') => {
                    self.pos += 1;
                    self.read_dq(&mut wb, Some(b'"'))?;
                    wb.quoted = true;
                }
                Some(b'\'') => {
                    self.read_single_quoted(&mut wb)?;
                }
                Some(b'\\') => {
                    if let Some(n) = self.peek_at(1) {
                        wb.text.push(n);
                    }
                    self.pos += 2;
                }
                Some(c) => {
                    match c {
                        b'[' => depth += 1,
                        b']' => depth -= 1,
                        _ => {}
                    }
                    wb.text.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn parse_function_def(&mut self, cmd: SimpleCommand) -> Result<Command, ParseError> {
        self.pos += 1;
        self.skip_blanks();
        if self.peek() != Some(b')') {
            return Err(self.err("expected `)` in a function definition"));
        }
        self.pos += 1;
        self.skip_ws_newlines()?;
        let name = cmd
            .words
            .into_iter()
            .next()
            .map(|w| w.text)
            .unwrap_or_default();
        let body = self.nested(|p| p.parse_command())?;
        Ok(Command::Function {
            name,
            body: Box::new(body),
        })
    }

    /// Reads one word at the current position; `None` if a metacharacter or the end is there.
    fn read_word(&mut self) -> Result<Option<Word>, ParseError> {
        let mut wb = WordBuilder {
            // Most words fit: growing costs more than the spare bytes.
            text: Vec::with_capacity(self.s.len().saturating_sub(self.pos).min(48)),
            ..WordBuilder::default()
        };
        while let Some(c) = self.peek() {
            // A run of bytes that mean nothing to the shell is copied in one go (inside braces a
            // `..` makes a sequence).
            if is_plain(c) && wb.brace_depth == 0 {
                let start = self.pos;
                while self.peek().is_some_and(is_plain) {
                    self.pos += 1;
                }
                wb.text
                    .extend_from_slice(self.s.get(start..self.pos).unwrap_or_default());
                wb.started = true;
                continue;
            }
            match c {
                b'<' | b'>' if self.peek_at(1) == Some(b'(') => {
                    let kind = if c == b'<' {
                        SubKind::ProcessIn
                    } else {
                        SubKind::ProcessOut
                    };
                    let start = self.pos;
                    self.pos += 2;
                    let script = self.nested(|p| {
                        let s = p.parse_list()?;
                        p.expect_byte(b')', "`)` closing a process substitution")?;
                        Ok(s)
                    })?;
                    self.push_sub(&mut wb, kind, script, start, false);
                    wb.started = true;
                }
                b'@' | b'!' | b'+' | b'*' | b'?' if self.peek_at(1) == Some(b'(') => {
                    // extglob pattern: literal, balanced parentheses
                    let start = self.pos;
                    self.pos += 2;
                    let mut depth = 1u32;
                    while depth > 0 {
                        match self.peek() {
                            None => return Err(self.err("unterminated extended glob")),
                            Some(b'(') => depth += 1,
                            Some(b')') => depth -= 1,
                            Some(b'\\') => self.pos += 1,
                            // `@($(cmd))`, `@(`cmd`)`: bash expands the pattern, running what
                            // it holds. Not followed here: refused, so the command is not
                            // read-only.
                            Some(b'$' | b'`') => {
                                return Err(
                                    self.err("an extended glob holds an expansion (not followed)")
                                );
                            }
                            _ => {}
                        }
                        self.pos += 1;
                    }
                    wb.text
                        .extend_from_slice(self.s.get(start..self.pos).unwrap_or_default());
                    wb.glob = true;
                    wb.started = true;
                }
                c if is_meta(c) => break,
                b'\\' => {
                    match self.peek_at(1) {
                        Some(b'\n') => {}
                        Some(n) => {
                            wb.text.push(n);
                            wb.quoted = true;
                            wb.started = true;
                        }
                        None => {
                            wb.text.push(b'\\');
                            wb.started = true;
                        }
                    }
                    self.pos += 2;
                }
                b'\'' => {
                    self.read_single_quoted(&mut wb)?;
                    wb.started = true;
                }
                b'"' => {
                    self.pos += 1;
                    self.read_dq(&mut wb, Some(b'"'))?;
                    wb.quoted = true;
                    wb.started = true;
                }
                b'$' => {
                    self.read_dollar(&mut wb, false)?;
                    wb.started = true;
                }
                b'`' => {
                    self.read_backtick(&mut wb, false)?;
                    wb.started = true;
                }
                _ => {
                    match c {
                        b'*' | b'?' => wb.glob = true,
                        // `[` is a glob only with a closing `]` (`[ -f x ]` is the test command).
                        b'[' => wb.bracket_open = true,
                        b']' if wb.bracket_open => wb.glob = true,
                        b'~' if !wb.started => wb.tilde = true,
                        b'{' => wb.brace_depth += 1,
                        b'}' => wb.brace_depth = wb.brace_depth.saturating_sub(1),
                        b',' if wb.brace_depth > 0 => wb.brace = true,
                        b'.' if wb.brace_depth > 0 && self.peek_at(1) == Some(b'.') => {
                            wb.brace = true
                        }
                        _ => {}
                    }
                    wb.text.push(c);
                    wb.started = true;
                    self.pos += 1;
                }
            }
        }
        Ok(wb.started.then(|| wb.finish()))
    }

    /// Double-quoted text, up to the closing quote (or to the end, for here-document bodies).
    fn read_dq(&mut self, wb: &mut WordBuilder, close: Option<u8>) -> Result<(), ParseError> {
        loop {
            let Some(c) = self.peek() else {
                return match close {
                    Some(_) => Err(self.err("unterminated double quote")),
                    None => Ok(()),
                };
            };
            if Some(c) == close {
                self.pos += 1;
                return Ok(());
            }
            match c {
                b'\\' => {
                    match self.peek_at(1) {
                        Some(b'\n') => {}
                        Some(n @ (b'$' | b'`' | b'\\')) => wb.text.push(n),
                        Some(b'"') if close.is_some() => wb.text.push(b'"'),
                        Some(n) => {
                            wb.text.push(b'\\');
                            wb.text.push(n);
                        }
                        None => wb.text.push(b'\\'),
                    }
                    self.pos += 2;
                }
                b'$' => self.read_dollar(wb, true)?,
                b'`' => self.read_backtick(wb, true)?,
                _ => {
                    wb.text.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn read_dollar(&mut self, wb: &mut WordBuilder, in_dq: bool) -> Result<(), ParseError> {
        let start = self.pos;
        match self.peek_at(1) {
            Some(b'\'') if !in_dq => {
                self.pos += 2;
                self.read_ansi_c(wb)?;
                wb.quoted = true;
            }
            Some(b'"') if !in_dq => {
                self.pos += 2;
                self.read_dq(wb, Some(b'"'))?;
                wb.quoted = true;
            }
            Some(b'(') => {
                if self.peek_at(2) == Some(b'(') {
                    self.pos += 3;
                    let mut inner = WordBuilder::default();
                    if self.nested(|p| p.scan_arith(&mut inner, 2))? {
                        wb.absorb(inner);
                        self.source_expansion(wb, start, in_dq, ExpansionKind::Arith);
                        return Ok(());
                    }
                    self.pos = start;
                }
                self.pos += 2;
                let script = self.nested(|p| {
                    let s = p.parse_list()?;
                    p.expect_byte(b')', "`)` closing a command substitution")?;
                    Ok(s)
                })?;
                self.push_sub(wb, SubKind::Command, script, start, in_dq);
            }
            Some(b'{') => {
                // bash 5.3's `${ cmd; }` and `${| cmd; }` run commands in the current shell.
                // Not followed here: refused, so the command is not read-only.
                if matches!(self.peek_at(2), Some(b' ' | b'\t' | b'\n' | b'|')) {
                    return Err(self.err(
                        "`${ …; }` runs commands (bash 5.3 command substitution; not followed)",
                    ));
                }
                self.pos += 2;
                let mut inner = WordBuilder::default();
                let prefix = self.pos;
                while self.peek().is_some_and(|c| matches!(c, b'!' | b'#')) {
                    self.pos += 1;
                }
                let n0 = self.pos;
                while self.peek().is_some_and(is_name_char) {
                    self.pos += 1;
                }
                let (mut indirect, mut length) = (
                    n0 > prefix && self.s.get(prefix) == Some(&b'!'),
                    n0 > prefix && self.s.get(prefix) == Some(&b'#'),
                );
                let mut name = self.lossy(n0, self.pos);
                if name.is_empty() {
                    match self.peek() {
                        // `${#}`, `${!}`: the special parameter, not a prefix.
                        Some(b'}') if n0 > prefix => {
                            name = self.lossy(n0 - 1, n0);
                            (indirect, length) = (false, false);
                        }
                        Some(c) if b"@*?-$!".contains(&c) => {
                            name = (c as char).to_string();
                            self.pos += 1;
                        }
                        _ => {}
                    }
                }
                if !name.is_empty() {
                    inner.params.push(name.clone());
                }
                let op_start = self.pos;
                self.nested(|p| p.scan_braced(&mut inner))?;
                let op = self.lossy(op_start, self.pos.saturating_sub(1));
                wb.absorb(inner);
                self.source_expansion(
                    wb,
                    start,
                    in_dq,
                    ExpansionKind::Param {
                        name,
                        indirect,
                        length,
                        op,
                    },
                );
            }
            Some(b'[') => {
                self.pos += 2;
                let mut inner = WordBuilder::default();
                while self.peek() != Some(b']') {
                    match self.peek() {
                        None => return Err(self.err("unterminated `$[`")),
                        Some(b'$') => self.read_dollar(&mut inner, true)?,
                        Some(b'`') => self.read_backtick(&mut inner, true)?,
                        _ => self.pos += 1,
                    }
                }
                self.pos += 1;
                wb.absorb(inner);
                self.source_expansion(wb, start, in_dq, ExpansionKind::Arith);
            }
            Some(c) if is_name_start(c) || c.is_ascii_digit() || b"@*#?-$!".contains(&c) => {
                self.pos += 1;
                if is_name_start(c) {
                    while self.peek().is_some_and(is_name_char) {
                        self.pos += 1;
                    }
                } else {
                    self.pos += 1;
                }
                let name = self.lossy(start + 1, self.pos);
                wb.params.push(name.clone());
                self.source_expansion(
                    wb,
                    start,
                    in_dq,
                    ExpansionKind::Param {
                        name,
                        indirect: false,
                        length: false,
                        op: String::new(),
                    },
                );
            }
            _ => {
                wb.text.push(b'$');
                self.pos += 1;
            }
        }
        Ok(())
    }

    /// The rest of `${…}` after the name: operators and words, up to the matching `}`.
    fn scan_braced(&mut self, wb: &mut WordBuilder) -> Result<(), ParseError> {
        loop {
            match self.peek() {
                None => return Err(self.err("unterminated `${`")),
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(b'\\') => self.pos += 2,
                Some(b'\'') => {
                    self.pos += 1;
                    while self.peek().is_some_and(|c| c != b'\'') {
                        self.pos += 1;
                    }
                    if self.peek().is_none() {
                        return Err(self.err("unterminated single quote"));
                    }
                    self.pos += 1;
                }
                Some(b'"') => {
                    self.pos += 1;
                    let mut scratch = WordBuilder::default();
                    self.read_dq(&mut scratch, Some(b'"'))?;
                    wb.absorb(scratch);
                }
                Some(b'$') => self.read_dollar(wb, true)?,
                Some(b'`') => self.read_backtick(wb, true)?,
                Some(_) => self.pos += 1,
            }
        }
    }

    /// Arithmetic text after `((` (opened with `open` parentheses). Returns `false` if the
    /// parentheses close as `) )` rather than `))`, i.e. it was a nested subshell.
    fn scan_arith(&mut self, wb: &mut WordBuilder, open: u32) -> Result<bool, ParseError> {
        let mut depth = open;
        loop {
            match self.peek() {
                None => return Err(self.err("unterminated arithmetic expression")),
                Some(b'(') => {
                    depth += 1;
                    self.pos += 1;
                    wb.text.push(b'(');
                }
                Some(b')') => {
                    depth -= 1;
                    self.pos += 1;
                    if depth == 1 {
                        if self.peek() == Some(b')') {
                            self.pos += 1;
                            return Ok(true);
                        }
                        return Ok(false);
                    }
                    wb.text.push(b')');
                }
                Some(b'$') => self.read_dollar(wb, true)?,
                Some(b'`') => self.read_backtick(wb, true)?,
                Some(b'\'' | b'"') => {
                    // Quotes are not arithmetic; treat as a nested subshell instead.
                    return Ok(false);
                }
                Some(c) => {
                    wb.text.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn read_backtick(&mut self, wb: &mut WordBuilder, in_dq: bool) -> Result<(), ParseError> {
        let start = self.pos;
        self.pos += 1;
        let mut content = Vec::new();
        loop {
            match self.peek() {
                None => return Err(self.err("unterminated backquote")),
                Some(b'`') => {
                    self.pos += 1;
                    break;
                }
                Some(b'\\') => {
                    match self.peek_at(1) {
                        Some(n @ (b'$' | b'`' | b'\\')) => content.push(n),
                        Some(b'"') if in_dq => content.push(b'"'),
                        Some(n) => {
                            content.push(b'\\');
                            content.push(n);
                        }
                        None => content.push(b'\\'),
                    }
                    self.pos += 2;
                }
                Some(c) => {
                    content.push(c);
                    self.pos += 1;
                }
            }
        }
        let text = String::from_utf8_lossy(&content).into_owned();
        let script = parse_nested(&text, self.depth + 1).map_err(|e| match e {
            ParseError::TooDeep => ParseError::TooDeep,
            ParseError::Syntax { message, .. } => ParseError::Syntax {
                pos: start,
                message: format!("in backquoted command: {message}"),
            },
        })?;
        self.push_sub(wb, SubKind::Command, script, start, in_dq);
        Ok(())
    }

    /// Adds a substitution just parsed (its source ran from `start` to here) to the word: the
    /// word shows the source text and its value is decided at run time.
    fn push_sub(
        &self,
        wb: &mut WordBuilder,
        kind: SubKind,
        script: Script,
        start: usize,
        quoted: bool,
    ) {
        let index = wb.subs.len();
        wb.subs.push(Substitution { kind, script });
        let expansion = match kind {
            SubKind::Command => ExpansionKind::Command(index),
            SubKind::ProcessIn | SubKind::ProcessOut => ExpansionKind::Process(index),
        };
        self.source_expansion(wb, start, quoted, expansion);
    }

    /// The source bytes `from..to` as text.
    fn lossy(&self, from: usize, to: usize) -> String {
        String::from_utf8_lossy(self.s.get(from..to).unwrap_or_default()).into_owned()
    }

    /// `$'…'`: decodes ANSI-C escapes into literal bytes.
    fn read_ansi_c(&mut self, wb: &mut WordBuilder) -> Result<(), ParseError> {
        loop {
            let Some(c) = self.peek() else {
                return Err(self.err("unterminated $'…' string"));
            };
            self.pos += 1;
            match c {
                b'\'' => return Ok(()),
                b'\\' => {
                    let Some(e) = self.peek() else {
                        return Err(self.err("unterminated $'…' string"));
                    };
                    self.pos += 1;
                    match e {
                        b'n' => wb.text.push(b'\n'),
                        b't' => wb.text.push(b'\t'),
                        b'r' => wb.text.push(b'\r'),
                        b'a' => wb.text.push(0x07),
                        b'b' => wb.text.push(0x08),
                        b'e' | b'E' => wb.text.push(0x1b),
                        b'f' => wb.text.push(0x0c),
                        b'v' => wb.text.push(0x0b),
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            wb.text.push((v & 0xff) as u8);
                        }
                        b'x' => match self.read_hex(2) {
                            Some(v) => wb.text.push((v & 0xff) as u8),
                            // bash keeps `\x` with no hex digit as it is.
                            None => wb.text.extend_from_slice(b"\\x"),
                        },
                        b'u' | b'U' => {
                            let v = self.read_hex(if e == b'u' { 4 } else { 8 });
                            let ch = v.and_then(char::from_u32).unwrap_or('\u{FFFD}');
                            let mut buf = [0u8; 4];
                            wb.text
                                .extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        b'c' => {
                            if let Some(n) = self.peek() {
                                wb.text.push(n & 0x1f);
                                self.pos += 1;
                            }
                        }
                        other => wb.text.push(other),
                    }
                }
                other => wb.text.push(other),
            }
        }
    }

    fn read_hex(&mut self, max: usize) -> Option<u32> {
        let mut v: u32 = 0;
        let mut n = 0;
        while n < max {
            match self.peek().and_then(|c| (c as char).to_digit(16)) {
                Some(d) => {
                    v = v * 16 + d;
                    self.pos += 1;
                    n += 1;
                }
                None => break,
            }
        }
        (n > 0).then_some(v)
    }
}
