//! The policy's shell lists (`always_block`, `always_escalate`, `allow_readonly`), compiled from
//! shell snippets into structural patterns.
//!
//! A pattern is parsed with the same parser as commands, then matched on structure, never on
//! text: `rm -rf /` matches `rm -fr //` and `/bin/rm --recursive --force /` (flags as a set,
//! clusters split, known long spellings mapped to their short letters, operands normalized) but
//! not `rm -rf /tmp/build`; `curl | sh` matches any pipeline in which a `curl` stage comes before
//! a `sh` stage, whatever their arguments; `bash <(curl)` matches `bash` given a process
//! substitution that runs `curl`; `bash -i >& /dev/tcp` matches a redirection to any path under
//! `/dev/tcp`. Block and escalate patterns match anywhere in the arguments; allow patterns match
//! the leading operands in order (`git status` is `git` whose first operand is `status`).

use recourse_policy::ShellPolicy;

use crate::args::{self, OptSpec, basename, normalize_path};
use crate::syntax::{self, Command, Redirect, Script, SubKind, Word};

/// Which policy list a pattern came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyList {
    /// `shell.allow_readonly`
    AllowReadonly,
    /// `shell.always_escalate`
    AlwaysEscalate,
    /// `shell.always_block`
    AlwaysBlock,
}

impl PolicyList {
    /// The policy key.
    pub fn key(self) -> &'static str {
        match self {
            PolicyList::AllowReadonly => "allow_readonly",
            PolicyList::AlwaysEscalate => "always_escalate",
            PolicyList::AlwaysBlock => "always_block",
        }
    }
}

/// A policy entry that is not a usable pattern.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("shell.{}[{index}] `{entry}`: {reason}", list.key())]
pub struct PatternError {
    /// The list.
    pub list: PolicyList,
    /// Index in the list.
    pub index: usize,
    /// The entry as written.
    pub entry: String,
    /// What is wrong with it.
    pub reason: String,
}

/// One stage of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CmdPattern {
    /// Program basename.
    pub(crate) prog: String,
    /// Canonical flags (`-r`, `--force` → `-f` where known).
    pub(crate) flags: Vec<String>,
    /// Normalized operands.
    pub(crate) operands: Vec<String>,
    /// Programs that must run inside a substitution argument, with its kind.
    pub(crate) subs: Vec<(SubKind, Vec<String>)>,
    /// Normalized redirection target prefixes.
    pub(crate) redirects: Vec<String>,
}

/// A compiled policy entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    /// Its list.
    pub(crate) list: PolicyList,
    /// Its index in the list.
    pub(crate) index: usize,
    /// The entry as written.
    pub(crate) source: String,
    /// One stage, or a pipeline of stages.
    pub(crate) stages: Vec<CmdPattern>,
    /// The rule id, e.g. `shell.always_block[3]` (built once, copied into each finding).
    rule: String,
}

impl Pattern {
    /// The rule id, e.g. `shell.always_block[3]`.
    pub(crate) fn rule(&self) -> String {
        self.rule.clone()
    }
}

/// A shell policy's lists compiled into structural patterns, indexed by program for fast
/// lookup. [`Classifier::new`](crate::Classifier::new) compiles them; compiling on its own checks
/// a policy file's shell lists (`recourse policy validate`) and names the first bad entry.
#[derive(Debug, Clone, Default)]
pub struct PatternSet {
    patterns: Vec<Pattern>,
    by_prog: crate::hash::FxHashMap<String, Vec<usize>>,
    pipelines: Vec<usize>,
}

/// Long options known to mean a short flag, per program, so that patterns and commands compare
/// on one spelling.
fn canonical_flag(prog: &str, flag: &str) -> String {
    canonical(prog, flag).to_owned()
}

/// [`canonical_flag`] without the copy.
fn canonical<'f>(prog: &str, flag: &'f str) -> &'f str {
    let map: &[(&str, &'static str)] = match prog {
        "rm" => &[
            ("-R", "-r"),
            ("--recursive", "-r"),
            ("--force", "-f"),
            ("--dir", "-d"),
        ],
        "cp" => &[("-R", "-r"), ("--recursive", "-r"), ("--force", "-f")],
        "chmod" | "chown" | "chgrp" => &[("--recursive", "-R")],
        "sudo" => &[("--login", "-i"), ("--shell", "-s"), ("--user", "-u")],
        "nc" | "ncat" | "netcat" => &[("--exec", "-e"), ("--sh-exec", "-c")],
        "bash" | "sh" | "zsh" => &[("--interactive", "-i"), ("--login", "-l")],
        _ => &[],
    };
    map.iter()
        .find(|(from, _)| *from == flag)
        .map_or(flag, |(_, to)| to)
}

/// The canonical spelling of a long option for a program, when it maps to another one
/// (`--recursive` → `-r` for `rm`).
fn canonical_long(prog: &str, long: &str) -> Option<&'static str> {
    let map: &[(&str, &'static str)] = match prog {
        "rm" => &[("recursive", "-r"), ("force", "-f"), ("dir", "-d")],
        "cp" => &[("recursive", "-r"), ("force", "-f")],
        "chmod" | "chown" | "chgrp" => &[("recursive", "-R")],
        "sudo" => &[("login", "-i"), ("shell", "-s"), ("user", "-u")],
        "nc" | "ncat" | "netcat" => &[("exec", "-e"), ("sh-exec", "-c")],
        "bash" | "sh" | "zsh" => &[("interactive", "-i"), ("login", "-l")],
        _ => &[],
    };
    map.iter()
        .find(|(from, _)| *from == long)
        .map(|(_, to)| *to)
}

/// Normalizes an operand: paths as in [`normalize_path`], numbers without leading zeros.
pub(crate) fn normalize_operand(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        let t = s.trim_start_matches('0');
        return if t.is_empty() { "0".into() } else { t.into() };
    }
    normalize_path(s)
}

/// Flags of an argument vector, canonicalized for `prog`.
fn flags_of(prog: &str, parsed: &args::Parsed<'_>) -> Vec<String> {
    let mut out: Vec<String> = parsed
        .shorts
        .iter()
        .map(|c| canonical_flag(prog, &format!("-{c}")))
        .collect();
    out.extend(
        parsed
            .longs
            .iter()
            .map(|(l, _)| canonical_flag(prog, &format!("--{l}"))),
    );
    out
}

/// Every program (argv0 basename) run anywhere in a script, nested scripts included.
pub(crate) fn script_programs(script: &Script, out: &mut Vec<String>) {
    for ao in &script.items {
        for p in &ao.pipelines {
            for c in &p.commands {
                command_programs(c, out);
            }
        }
    }
}

fn command_programs(c: &Command, out: &mut Vec<String>) {
    match c {
        Command::Simple(sc) => {
            if let Some(w) = sc.words.first() {
                out.push(basename(&w.text).to_owned());
            }
            for w in &sc.words {
                for s in &w.subs {
                    script_programs(&s.script, out);
                }
            }
        }
        Command::Compound(cc) => {
            for s in &cc.scripts {
                script_programs(s, out);
            }
        }
        Command::Function { body, .. } => command_programs(body, out),
    }
}

fn compile_stage(c: &Command) -> Result<CmdPattern, String> {
    let Command::Simple(sc) = c else {
        return Err("only simple commands and pipelines can be patterns".into());
    };
    if !sc.assignments.is_empty() {
        return Err("a pattern cannot contain assignments".into());
    }
    let Some((first, rest)) = sc.words.split_first() else {
        return Err("a pattern needs a program name".into());
    };
    if !first.is_static() {
        return Err("the program name must be a literal word".into());
    }
    let prog = basename(&first.text).to_owned();
    let mut subs = Vec::new();
    let mut plain: Vec<Word> = Vec::new();
    for w in rest {
        if let Some(s) = w.subs.first() {
            let mut progs = Vec::new();
            script_programs(&s.script, &mut progs);
            subs.push((s.kind, progs));
        } else if w.dynamic {
            return Err(format!(
                "`{}` expands at run time; patterns must be literal",
                w.text
            ));
        } else {
            plain.push(w.clone());
        }
    }
    let parsed = args::parse(&plain, &OptSpec::NONE);
    let flags = flags_of(&prog, &parsed);
    let operands = parsed
        .operands
        .iter()
        .map(|w| normalize_operand(&w.text).into_owned())
        .collect();
    let redirects = sc
        .redirects
        .iter()
        .map(|r| normalize_path(&r.target.text).into_owned())
        .collect();
    Ok(CmdPattern {
        prog,
        flags,
        operands,
        subs,
        redirects,
    })
}

fn compile(list: PolicyList, index: usize, entry: &str) -> Result<Pattern, PatternError> {
    let fail = |reason: String| PatternError {
        list,
        index,
        entry: entry.to_owned(),
        reason,
    };
    let script = syntax::parse(entry).map_err(|e| fail(e.to_string()))?;
    let [item] = &script.items[..] else {
        return Err(fail("a pattern must be one command or one pipeline".into()));
    };
    let [pipeline] = &item.pipelines[..] else {
        return Err(fail("a pattern cannot contain && or ||".into()));
    };
    if item.background {
        return Err(fail("a pattern cannot end with &".into()));
    }
    let stages = pipeline
        .commands
        .iter()
        .map(compile_stage)
        .collect::<Result<Vec<_>, _>>()
        .map_err(fail)?;
    if list == PolicyList::AllowReadonly && stages.len() > 1 {
        return Err(fail(
            "allow_readonly entries must be single commands; each stage of a pipeline is classified on its own".into(),
        ));
    }
    Ok(Pattern {
        list,
        index,
        source: entry.to_owned(),
        stages,
        rule: format!("shell.{}[{}]", list.key(), index),
    })
}

impl PatternSet {
    /// Compiles the three lists of a shell policy; fails on the first entry that is not a single
    /// command or pipeline of literal words.
    pub fn compile(policy: &ShellPolicy) -> Result<PatternSet, PatternError> {
        let mut set = PatternSet::default();
        for (list, entries) in [
            (PolicyList::AlwaysBlock, &policy.always_block),
            (PolicyList::AlwaysEscalate, &policy.always_escalate),
            (PolicyList::AllowReadonly, &policy.allow_readonly),
        ] {
            for (i, e) in entries.iter().enumerate() {
                let p = compile(list, i, e)?;
                let idx = set.patterns.len();
                if p.stages.len() > 1 {
                    set.pipelines.push(idx);
                } else if let Some(stage) = p.stages.first() {
                    set.by_prog.entry(stage.prog.clone()).or_default().push(idx);
                }
                set.patterns.push(p);
            }
        }
        Ok(set)
    }

    /// Single-command patterns for a program.
    pub(crate) fn for_prog(&self, prog: &str) -> impl Iterator<Item = &Pattern> {
        self.by_prog
            .get(prog)
            .into_iter()
            .flatten()
            .filter_map(|i| self.patterns.get(*i))
    }

    /// Pipeline patterns.
    pub(crate) fn pipelines(&self) -> impl Iterator<Item = &Pattern> {
        self.pipelines.iter().filter_map(|i| self.patterns.get(*i))
    }
}

/// A command as the matcher sees it: program basename, arguments, redirections.
#[derive(Debug, Clone, Copy)]
pub(crate) struct View<'a> {
    /// Program basename.
    pub(crate) prog: &'a str,
    /// Arguments after the program name.
    pub(crate) args: &'a [Word],
    /// Redirections of the command.
    pub(crate) redirects: &'a [Redirect],
}

fn path_prefix(prefix: &str, path: &str) -> bool {
    path == prefix
        || (path.starts_with(prefix)
            && (prefix.ends_with('/') || path.as_bytes().get(prefix.len()) == Some(&b'/')))
}

impl CmdPattern {
    /// Block/escalate semantics: flags are a subset, each operand appears somewhere.
    pub(crate) fn matches_anywhere(&self, v: &View<'_>) -> bool {
        self.prog == v.prog && self.matches_anywhere_parsed(v, &args::parse(v.args, &OptSpec::NONE))
    }

    /// [`Self::matches_anywhere`] with the view's arguments already parsed generically.
    pub(crate) fn matches_anywhere_parsed(&self, v: &View<'_>, parsed: &args::Parsed<'_>) -> bool {
        self.prog == v.prog
            && self.flags_ok(v.prog, parsed)
            && self.operands.iter().all(|o| {
                parsed
                    .operands
                    .iter()
                    .any(|w| normalize_operand(&w.text) == *o)
            })
            && self.subs_ok(v.args)
            && self.redirects.iter().all(|r| {
                v.redirects
                    .iter()
                    .any(|cr| path_prefix(r, &normalize_path(&cr.target.text)))
            })
    }

    /// Allow semantics: flags are a subset and the operands are the command's leading operands,
    /// in order. `parsed` is the view's arguments parsed with the program's option spec.
    pub(crate) fn matches_prefix(&self, v: &View<'_>, parsed: &args::Parsed<'_>) -> bool {
        if self.prog != v.prog || !self.subs.is_empty() || !self.redirects.is_empty() {
            return false;
        }
        self.operands.len() <= parsed.operands.len()
            && self
                .operands
                .iter()
                .zip(parsed.operands.iter())
                // Equal as written settles most comparisons before any normalizing.
                .all(|(o, w)| w.is_static() && (w.text == *o || normalize_operand(&w.text) == *o))
            && self.flags_ok(v.prog, parsed)
    }

    fn flags_ok(&self, prog: &str, parsed: &args::Parsed<'_>) -> bool {
        if self.flags.is_empty() {
            return true;
        }
        // Compared without building the command's flag list: each short as `-c`, each long
        // as `--name`, canonicalized for the program.
        let mut buf = [0u8; 8];
        self.flags.iter().all(|f| {
            parsed.shorts.iter().any(|c| {
                let short: &str = if c.is_ascii() {
                    buf[0] = b'-';
                    buf[1] = c as u8;
                    std::str::from_utf8(&buf[..2]).unwrap_or_default()
                } else {
                    ""
                };
                !short.is_empty() && canonical(prog, short) == f
            }) || parsed.longs.iter().any(|(l, _)| {
                let dashed = f.strip_prefix("--");
                let canon_long = canonical_long(prog, l);
                canon_long == Some(f.as_str())
                    || dashed.is_some_and(|d| *l == d || (l.len() >= 2 && d.starts_with(l)))
            })
        })
    }

    fn subs_ok(&self, args: &[Word]) -> bool {
        self.subs.iter().all(|(kind, progs)| {
            args.iter().any(|w| {
                w.subs.iter().any(|s| {
                    s.kind == *kind && {
                        let mut found = Vec::new();
                        script_programs(&s.script, &mut found);
                        progs.iter().all(|p| found.iter().any(|f| f == p))
                    }
                })
            })
        })
    }
}
