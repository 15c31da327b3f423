//! The walk: every simple command anywhere in the tree (pipelines, lists, compounds, functions,
//! substitutions, here-documents, `sh -c` strings, `eval`, wrapper arguments) is classified, and
//! whole-command patterns are checked across pipelines.

use recourse_policy::{Decision, Reason, ShellClass};
use serde::Serialize;

use crate::args::{self, OptSpec, basename, normalize_path, outside_working_dir};
use crate::credentials::{
    has_credential_needle, is_credential_path, is_secret_name, pattern_may_name_credentials,
};
use crate::patterns::{PatternSet, PolicyList, View, script_programs};
use crate::programs::dangers::{is_disk_device, is_sensitive_write};
use crate::programs::environment::is_dangerous_assignment;
use crate::programs::interpreters::{self, AwkProgram, Source, code_signals};
use crate::programs::shells::{self, is_shell, names_a_shell};
use crate::programs::wrappers::{self, Own};
use crate::programs::{self, Call, Model, Program, Runs, SYSTEM_DIRS, find, kind};
use crate::syntax::{
    Command, MAX_DEPTH, Pipeline, RedirOp, Redirect, Script, SimpleCommand, SubKind, Word,
    parse_nested,
};

/// Most simple commands classified in one command string; beyond it, escalate.
pub const MAX_PARTS: usize = 512;

/// One simple command found in the input, as an approver is shown it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Part {
    /// The words after quote removal (expansions shown as written).
    pub argv: Vec<String>,
    /// How this part was classified.
    pub class: ShellClass,
    /// Nesting: 0 for the top level, more inside substitutions and `sh -c` strings.
    pub depth: usize,
}

/// How data flows through a stage, for whole-pipeline patterns.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Flow {
    /// Output may be fetched code (network fetcher or decoder).
    fetch: bool,
    /// Opens network connections.
    network: bool,
    /// An interpreter reading its program from stdin.
    stdin_script: bool,
    /// A shell or interpreter.
    interpreter: bool,
    /// Its output names files under a home or system root, or credential files (`find ~`,
    /// `ls -a /root`, `echo ~/.ssh/id_rsa`).
    names_secrets: bool,
    /// Turns lines of its input into file operands or variables (`xargs`, `read`).
    takes_names: bool,
}

impl std::ops::BitOrAssign for Flow {
    fn bitor_assign(&mut self, o: Flow) {
        self.fetch |= o.fetch;
        self.network |= o.network;
        self.stdin_script |= o.stdin_script;
        self.interpreter |= o.interpreter;
        self.names_secrets |= o.names_secrets;
        self.takes_names |= o.takes_names;
    }
}

struct Info<'a> {
    class: ShellClass,
    flow: Flow,
    runs_code: bool,
    views: Vec<View<'a>>,
}

impl<'a> Info<'a> {
    fn new(class: ShellClass) -> Self {
        Info {
            class,
            flow: Flow::default(),
            runs_code: false,
            views: Vec::new(),
        }
    }
    fn raise(&mut self, c: ShellClass) {
        self.class = self.class.max(c);
    }

    /// Takes in what an inner command (a wrapper's, an applet's) found.
    fn absorb(&mut self, inner: Info<'a>) {
        self.raise(inner.class);
        self.flow |= inner.flow;
        self.runs_code |= inner.runs_code;
        self.views.extend(inner.views);
    }
}

#[derive(Clone, Copy)]
enum Stdin<'a> {
    Inherit,
    Pipe,
    Text(&'a Word),
    File,
}

pub(crate) struct Walker<'c> {
    patterns: &'c PatternSet,
    pub(crate) parts: Vec<Part>,
    pub(crate) findings: Vec<Reason>,
    pub(crate) class: ShellClass,
    exhausted: bool,
    /// Files that a network fetch in this command wrote (normalized), in order of appearance.
    fetched: Vec<String>,
    /// A `cd`/`pushd` earlier in the command may have left the working directory (home,
    /// absolute, `..`, `-` or decided at run time).
    left_working_dir: bool,
}

/// A path compared loosely: `./x.sh` and `x.sh` are the same file.
fn file_key(p: &str) -> String {
    let mut t = p;
    while let Some(rest) = t.strip_prefix("./") {
        t = rest;
    }
    normalize_path(t)
}

fn display(words: &[Word]) -> String {
    let mut s = words
        .iter()
        .map(|w| {
            if w.text.is_empty() || w.text.contains(char::is_whitespace) {
                format!("'{}'", w.text)
            } else {
                w.text.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    if s.len() > 80 {
        let mut cut = 77;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

/// Whether a word substitutes a script that fetches or decodes (its output may be code).
fn word_fetches(w: &Word) -> bool {
    w.subs.iter().any(|s| {
        let mut progs = Vec::new();
        script_programs(&s.script, &mut progs);
        progs.iter().any(|p| {
            programs::lookup(p).is(kind::FETCHER)
                || matches!(
                    p.as_str(),
                    "base64" | "base32" | "xxd" | "uudecode" | "gunzip" | "zcat"
                )
        })
    })
}

impl<'c> Walker<'c> {
    pub(crate) fn new(patterns: &'c PatternSet) -> Self {
        Walker {
            patterns,
            parts: Vec::new(),
            findings: Vec::new(),
            class: ShellClass::ReadOnly,
            exhausted: false,
            fetched: Vec::new(),
            left_working_dir: false,
        }
    }

    /// Blocks running (or making executable) a file that a fetch earlier in the same command
    /// wrote: `curl -o x.sh URL && bash x.sh` is a fetch into an interpreter, one step removed.
    fn runs_fetched(&mut self, path: &str, how: &str) {
        if !self.fetched.is_empty() && self.fetched.contains(&file_key(path)) {
            self.builtin(
                Decision::Block,
                "shell.builtin.fetch_then_run",
                format!("{how} `{path}`, which was just downloaded in the same command"),
            );
        }
    }

    pub(crate) fn finding(
        &mut self,
        decision: Decision,
        rule: impl Into<std::borrow::Cow<'static, str>>,
        message: String,
    ) {
        let rule = rule.into();
        if !self
            .findings
            .iter()
            .any(|f| f.rule.as_str() == rule && f.message == message)
        {
            self.findings.push(Reason::new(decision, rule, message));
        }
    }

    fn builtin(&mut self, decision: Decision, rule: &'static str, message: String) {
        self.finding(decision, rule, message);
    }

    pub(crate) fn raise(&mut self, c: ShellClass) {
        self.class = self.class.max(c);
    }

    fn too_deep(&mut self) {
        self.finding(
            Decision::Escalate,
            "shell.parse.too_deep",
            format!("nesting deeper than {MAX_DEPTH} levels"),
        );
    }

    fn budget_ok(&mut self) -> bool {
        if self.parts.len() >= MAX_PARTS {
            if !self.exhausted {
                self.exhausted = true;
                self.finding(
                    Decision::Escalate,
                    "shell.input.too_many_commands",
                    format!("more than {MAX_PARTS} commands; the rest were not classified"),
                );
                self.raise(ShellClass::Unknown);
            }
            return false;
        }
        true
    }

    /// Parses text that will run as a script (`sh -c`, `eval`, `trap`) and walks it.
    fn nested_text(&mut self, text: &str, depth: usize, what: &str) -> (Flow, ShellClass) {
        if depth > MAX_DEPTH {
            self.too_deep();
            return (Flow::default(), ShellClass::Unknown);
        }
        match parse_nested(text, depth) {
            Ok(script) => {
                let before = self.parts.len();
                let flow = self.script(&script, depth);
                if self.parts.len() == before && what != "trap" {
                    // Same rule as an empty top-level command: nothing to run is not an
                    // answer the gateway can vouch for.
                    self.finding(
                        Decision::Escalate,
                        "shell.input.empty",
                        format!("the script given to {what} runs nothing"),
                    );
                    return (flow, ShellClass::Unknown);
                }
                let class = self.parts[before..]
                    .iter()
                    .map(|p| p.class)
                    .max()
                    .unwrap_or(ShellClass::ReadOnly);
                (flow, class)
            }
            Err(e) => {
                self.finding(
                    Decision::Escalate,
                    "shell.parse_error",
                    format!("the script given to {what} does not parse: {e}"),
                );
                (Flow::default(), ShellClass::Unknown)
            }
        }
    }

    pub(crate) fn script(&mut self, s: &Script, depth: usize) -> Flow {
        let mut flow = Flow::default();
        for item in &s.items {
            for p in &item.pipelines {
                flow |= self.pipeline(p, depth);
            }
        }
        flow
    }

    fn pipeline(&mut self, p: &Pipeline, depth: usize) -> Flow {
        let mut infos: Vec<Info<'_>> = Vec::with_capacity(p.commands.len());
        for (i, c) in p.commands.iter().enumerate() {
            if !self.budget_ok() {
                break;
            }
            let stdin = if i == 0 { Stdin::Inherit } else { Stdin::Pipe };
            infos.push(self.command(c, depth, stdin));
        }
        self.piped_text(p, &infos, depth);
        let mut flow = Flow::default();
        for (j, info) in infos.iter().enumerate() {
            flow |= info.flow;
            let upstream_fetch = infos[..j].iter().any(|i| i.flow.fetch);
            if info.flow.stdin_script && upstream_fetch {
                self.builtin(Decision::Block, "shell.builtin.fetch_into_interpreter",
                    "data fetched from the network or decoded is piped into an interpreter that runs it".into(),
                );
            } else if info.flow.interpreter && upstream_fetch {
                self.builtin(
                    Decision::Escalate,
                    "shell.builtin.fetch_into_interpreter",
                    "data fetched from the network or decoded is piped into an interpreter".into(),
                );
            }
        }
        if infos
            .iter()
            .enumerate()
            .any(|(j, i)| i.flow.takes_names && infos[..j].iter().any(|u| u.flow.names_secrets))
        {
            self.builtin(
                Decision::Escalate,
                "shell.builtin.credential_read",
                "file names under a home or system root, or of credentials, are piped into a command that uses them".into(),
            );
        }
        let stdin_shell = infos.iter().position(|i| i.flow.stdin_script);
        if let Some(k) = stdin_shell
            && infos
                .iter()
                .enumerate()
                .any(|(i, info)| i != k && info.flow.network)
        {
            self.builtin(Decision::Block, "shell.builtin.reverse_shell",
                    "a pipeline connects an interpreter's input or output to the network (reverse shell)".into(),
                );
        }
        if infos.len() > 1 {
            for pat in self.patterns.pipelines() {
                let mut k = 0;
                for info in &infos {
                    if let Some(stage) = pat.stages.get(k)
                        && info.views.iter().any(|v| stage.matches_anywhere(v))
                    {
                        k += 1;
                    }
                }
                if k == pat.stages.len() {
                    let d = match pat.list {
                        PolicyList::AlwaysBlock => Decision::Block,
                        _ => Decision::Escalate,
                    };
                    let msg = format!("matches `{}` (policy shell.{})", pat.source, pat.list.key());
                    self.finding(d, pat.rule(), msg);
                }
            }
        }
        flow
    }

    /// `echo '…' | sh`, `printf '…' | python3`: when everything before an interpreter that reads
    /// stdin is static text, that text is the program: a shell's is parsed and walked like any
    /// script, another interpreter's is scanned like inline code.
    fn piped_text(&mut self, p: &Pipeline, infos: &[Info<'_>], depth: usize) {
        for (j, info) in infos.iter().enumerate() {
            if !info.flow.stdin_script || j == 0 {
                continue;
            }
            let mut text = String::new();
            let all_static = p.commands[..j].iter().all(|c| {
                let Command::Simple(sc) = c else { return false };
                let Some((name, args)) = sc.words.split_first() else {
                    return false;
                };
                let prog = basename(&name.text);
                if !matches!(prog, "echo" | "printf")
                    || args.iter().any(|w| !w.is_static() || w.quoted && w.dynamic)
                {
                    return false;
                }
                let escapes = prog == "printf" || args.iter().any(|w| w.text == "-e");
                let words: Vec<&str> = args
                    .iter()
                    .map(|w| w.text.as_str())
                    .skip_while(|t| {
                        prog == "echo" && matches!(*t, "-n" | "-e" | "-E" | "-ne" | "-en")
                    })
                    .collect();
                let mut piece = words.join(" ");
                if escapes {
                    piece = piece.replace("\\n", "\n").replace("\\t", "\t");
                }
                text.push_str(&piece);
                text.push('\n');
                true
            });
            if !all_static || text.trim().is_empty() {
                continue;
            }
            let Some(prog) = info.views.first().map(|v| v.prog) else {
                continue;
            };
            if is_shell(prog) {
                let (_, class) =
                    self.nested_text(&text, depth + 1, &format!("`{prog}` (piped text)"));
                self.raise(class);
            } else {
                let s = code_signals(&text);
                if s.network && s.exec {
                    self.builtin(
                        Decision::Block,
                        "shell.builtin.reverse_shell",
                        format!("the text piped into `{prog}` opens a network connection and runs programs"),
                    );
                }
            }
        }
    }

    fn command<'a>(&mut self, c: &'a Command, depth: usize, stdin: Stdin<'a>) -> Info<'a> {
        match c {
            Command::Simple(sc) => self.simple(sc, depth, stdin),
            Command::Compound(cc) => {
                let mut info = Info::new(ShellClass::ReadOnly);
                let mut words_flow = Flow::default();
                for w in &cc.words {
                    for s in &w.subs {
                        words_flow |= self.script(&s.script, depth + 1);
                    }
                    self.scan_word(w, "a loop or case word");
                }
                if words_flow.names_secrets {
                    self.builtin(
                        Decision::Escalate,
                        "shell.builtin.credential_read",
                        "a loop goes over file names under a home or system root, or of credentials"
                            .into(),
                    );
                }
                info.flow |= words_flow;
                for s in &cc.scripts {
                    info.flow |= self.script(s, depth + 1);
                }
                let mut writes = false;
                for r in &cc.redirects {
                    self.redirect(r, &mut writes, depth);
                }
                if writes {
                    self.raise(ShellClass::Mutating);
                }
                info
            }
            Command::Function { name, body } => {
                if calls_itself(name, body) {
                    self.builtin(Decision::Block, "shell.builtin.fork_bomb",
                        format!("function `{name}` calls itself in a pipeline or in the background (fork bomb)"),
                    );
                }
                self.command(body, depth + 1, Stdin::Inherit);
                Info::new(ShellClass::ReadOnly)
            }
        }
    }

    fn redirect(&mut self, r: &Redirect, writes: &mut bool, depth: usize) {
        for w in std::iter::once(&r.target).chain(r.heredoc.as_ref().map(|h| &h.body)) {
            for s in &w.subs {
                self.script(&s.script, depth + 1);
            }
        }
        if matches!(r.op, RedirOp::HereDoc | RedirOp::HereString) {
            return;
        }
        let t = r.target.text.as_str();
        if t.contains("/dev/tcp/") || t.contains("/dev/udp/") || t == "/dev/tcp" || t == "/dev/udp"
        {
            self.builtin(
                Decision::Block,
                "shell.builtin.raw_tcp",
                format!("redirection to `{t}` opens a network connection from the shell"),
            );
        }
        let fd_dup = matches!(r.op, RedirOp::DupOut | RedirOp::DupIn)
            && (t == "-" || (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())));
        if r.op.writes() && !fd_dup {
            if matches!(
                t,
                "/dev/null"
                    | "/dev/stdout"
                    | "/dev/stderr"
                    | "/dev/tty"
                    | "/dev/fd/1"
                    | "/dev/fd/2"
            ) {
                return;
            }
            *writes = true;
            if is_sensitive_write(t) {
                self.builtin(Decision::Block, "shell.builtin.sensitive_write",
                    format!("redirection writes `{t}` (sudoers, passwd, ssh keys, cron, shell startup files or hooks)"),
                );
            }
            if is_disk_device(t) {
                self.builtin(
                    Decision::Block,
                    "shell.builtin.disk_wipe",
                    format!("redirection overwrites the disk `{t}`"),
                );
            }
        } else if is_credential_path(t)
            || ((r.target.glob || r.target.brace) && pattern_may_name_credentials(t))
        {
            self.builtin(
                Decision::Escalate,
                "shell.builtin.credential_read",
                format!("reads credentials from `{t}`"),
            );
        }
    }

    fn simple<'a>(&mut self, sc: &'a SimpleCommand, depth: usize, stdin: Stdin<'a>) -> Info<'a> {
        let mut subs_flow = Flow::default();
        let mut command_output_in_args = false;
        for w in sc
            .words
            .iter()
            .chain(sc.assignments.iter().flat_map(|a| &a.value))
        {
            for s in &w.subs {
                subs_flow |= self.script(&s.script, depth + 1);
                command_output_in_args |= s.kind == SubKind::Command;
            }
        }
        for a in &sc.assignments {
            if a.value
                .first()
                .is_some_and(|v| v.text.trim_start().starts_with("() {"))
            {
                self.builtin(
                    Decision::Block,
                    "shell.builtin.function_import",
                    format!(
                        "`{}` holds an exported shell function (Shellshock-style injection)",
                        a.name
                    ),
                );
            }
            if is_dangerous_assignment(&a.name) {
                self.builtin(
                    Decision::Escalate,
                    "shell.builtin.dangerous_variable",
                    format!(
                        "`{}=…` changes which programs run or what they load",
                        a.name
                    ),
                );
            }
            for v in &a.value {
                self.scan_word(v, "an assignment");
            }
        }
        let mut writes = false;
        for r in &sc.redirects {
            self.redirect(r, &mut writes, depth);
        }
        let stdin = sc
            .redirects
            .iter()
            .rev()
            .find_map(|r| match r.op {
                RedirOp::HereDoc => r.heredoc.as_ref().map(|h| Stdin::Text(&h.body)),
                RedirOp::HereString => Some(Stdin::Text(&r.target)),
                RedirOp::In | RedirOp::ReadWrite | RedirOp::DupIn if r.fd.unwrap_or(0) == 0 => {
                    Some(Stdin::File)
                }
                _ => None,
            })
            .unwrap_or(stdin);
        let mut info = if sc.words.is_empty() {
            Info::new(ShellClass::ReadOnly)
        } else {
            self.argv(&sc.words, &sc.redirects, depth, stdin)
        };
        if writes {
            info.raise(ShellClass::Mutating);
            if info.flow.fetch {
                for r in sc.redirects.iter().filter(|r| r.op.writes()) {
                    self.fetched.push(file_key(&r.target.text));
                }
            }
        }
        if command_output_in_args && !sc.words.is_empty() {
            info.raise(ShellClass::Unknown);
        }
        if subs_flow.fetch && info.flow.interpreter {
            self.builtin(
                Decision::Block,
                "shell.builtin.fetch_into_interpreter",
                format!(
                    "`{}` runs code fetched from the network or decoded",
                    display(&sc.words)
                ),
            );
        }
        let argv = if sc.words.is_empty() {
            sc.assignments
                .iter()
                .map(|a| {
                    let v: Vec<&str> = a.value.iter().map(|w| w.text.as_str()).collect();
                    format!("{}={}", a.name, v.join(" "))
                })
                .collect()
        } else {
            sc.words.iter().map(|w| w.text.clone()).collect()
        };
        self.raise(info.class);
        self.parts.push(Part {
            argv,
            class: info.class,
            depth,
        });
        info
    }

    /// Findings about one argument's text, whatever program gets it.
    fn scan_word(&mut self, w: &Word, whose: &str) {
        if let Some(p) = w.params.iter().find(|p| is_secret_name(p)) {
            self.builtin(
                Decision::Escalate,
                "shell.builtin.secret_variable",
                format!("{whose} expands the credential variable `${p}`"),
            );
        }
        let text = w.text.as_str();
        let value = text.split_once('=').map_or(text, |(_, v)| v);
        // `HEAD:.env` (git), `host:~/.ssh/id_rsa`, `a:b` search paths: each piece may be a path.
        // Every piece is a substring of `text`: one needle scan rules them all out.
        let pieces = || text.split(':').skip(1).filter(|_| !text.contains("://"));
        if has_credential_needle(text)
            && (is_credential_path(text)
                || (value != text && is_credential_path(value))
                || (text.contains(':') && pieces().any(is_credential_path)))
        {
            self.builtin(
                Decision::Escalate,
                "shell.builtin.credential_read",
                format!("{whose} names the credential file `{text}`"),
            );
        } else if (w.glob || w.brace)
            && (pattern_may_name_credentials(text)
                || (value != text && pattern_may_name_credentials(value)))
        {
            self.builtin(
                Decision::Escalate,
                "shell.builtin.credential_read",
                format!("{whose} is given the pattern `{text}`, which can match credential files"),
            );
        }
    }

    fn argv<'a>(
        &mut self,
        words: &'a [Word],
        redirects: &'a [Redirect],
        depth: usize,
        stdin: Stdin<'a>,
    ) -> Info<'a> {
        let mut info = Info::new(ShellClass::ReadOnly);
        let Some((name, args)) = words.split_first() else {
            return info;
        };
        if depth > MAX_DEPTH {
            self.too_deep();
            info.raise(ShellClass::Unknown);
            return info;
        }
        if !name.is_static() || name.text.is_empty() {
            self.builtin(
                Decision::Escalate,
                "shell.builtin.dynamic_program",
                format!("the program name `{}` is decided at run time", name.text),
            );
            info.raise(ShellClass::Unknown);
            // It may well be a shell reading whatever is piped into it.
            info.flow.stdin_script = matches!(stdin, Stdin::Pipe);
            info.runs_code = true;
            return info;
        }
        let prog = basename(&name.text);
        let entry = programs::lookup(prog);
        let call = Call::new(prog, args, &entry.options);
        if name.quoted {
            self.builtin(
                Decision::Escalate,
                "shell.builtin.quoted_program",
                format!("the program name `{}` is quoted or escaped", name.text),
            );
        }
        if name.text.contains('/') {
            let dir = name.text.rsplit_once('/').map_or("", |(d, _)| d);
            let dir = if dir.is_empty() { "/" } else { dir };
            if !SYSTEM_DIRS.contains(&dir) {
                self.builtin(
                    Decision::Escalate,
                    "shell.builtin.program_path",
                    format!(
                        "runs `{}` from outside the system program directories",
                        name.text
                    ),
                );
            }
        }
        let view = View {
            prog,
            args,
            redirects,
        };
        info.views.push(view);
        let (listed, allow_listed) = self.policy_lists(&view, &call, words);
        self.program_dangers(entry, &call, words);
        self.scan_args(entry, prog, args);
        if entry.dumps_env.is_some_and(|f| f(&call)) {
            self.builtin(
                Decision::Escalate,
                "shell.builtin.env_dump",
                format!(
                    "`{}` prints the environment, which may hold credentials",
                    display(words)
                ),
            );
        }
        if entry.is(kind::FETCHER) {
            info.flow.fetch = true;
            if let Some(writes) = entry.writes {
                self.fetched.extend(writes(&call).into_iter().map(file_key));
            }
        }
        if name.text.contains('/') {
            self.runs_fetched(&name.text, "runs");
        }
        if prog == "chmod" {
            for a in args.iter().skip(1) {
                self.runs_fetched(&a.text, "makes executable");
            }
        }
        info.flow.network |= entry.is(kind::NETWORK);
        info.flow.fetch |= entry.decodes.is_some_and(|f| f(&call));
        info.flow.names_secrets |= programs::names_secrets(entry, prog, args);
        info.flow.takes_names |= entry.is(kind::TAKES_NAMES);
        match entry.runs {
            Runs::Wrapper(spec) => {
                return self.wrapper(prog, &spec, args, redirects, depth, stdin, info);
            }
            Runs::Shell => {
                self.shell(prog, args, depth, stdin, &mut info);
                return info;
            }
            Runs::Interpreter(flags) => {
                self.interpreter(prog, flags, args, depth, stdin, &mut info);
                return info;
            }
            Runs::Awk => {
                self.awk(&call, &mut info);
                return info;
            }
            Runs::Busybox => {
                if !args.is_empty() {
                    let inner = self.argv(args, redirects, depth + 1, stdin);
                    info.absorb(inner);
                }
                return info;
            }
            Runs::Eval | Runs::Trap | Runs::Source => {
                self.eval_like(prog, entry.runs, args, depth, &mut info);
                return info;
            }
            Runs::Su => {
                self.builtin(
                    Decision::Block,
                    "shell.builtin.privilege",
                    format!("`{}` switches user (privilege escalation)", display(words)),
                );
                info.raise(ShellClass::Unknown);
                return info;
            }
            Runs::Watch => {
                self.watch(args, depth, &mut info);
                return info;
            }
            Runs::Find => {
                for inner_words in find::exec_commands(args) {
                    if inner_words.is_empty() {
                        info.raise(ShellClass::Unknown);
                        continue;
                    }
                    let inner = self.argv(inner_words, &[], depth + 1, Stdin::Inherit);
                    info.raise(inner.class);
                    info.flow |= inner.flow;
                    info.runs_code |= inner.runs_code;
                }
            }
            Runs::Nothing => {}
        }
        match prog {
            "alias" if args.iter().any(|a| a.text.contains('=')) => self.builtin(
                Decision::Escalate,
                "shell.builtin.alias",
                "defining an alias changes what later words run".into(),
            ),
            "shopt" if args.iter().any(|a| a.text == "expand_aliases") => self.builtin(
                Decision::Escalate,
                "shell.builtin.alias",
                "expand_aliases changes what later words run".into(),
            ),
            "cd" | "pushd" => {
                self.left_working_dir |= shells::cd_target(args).is_none_or(|t| {
                    t.text == "-" || !t.is_static() || outside_working_dir(&t.text)
                });
            }
            _ => {}
        }
        let model = if entry.is(kind::READONLY) {
            match entry.model.map_or(Model::ReadOnly, |m| m(&call)) {
                // A repository found from a directory the agent moved to brings its own config.
                Model::ReadOnly if prog == "git" && self.left_working_dir => Model::RunsCode(
                    "git after a `cd` out of the working directory: that repository's config can run programs"
                        .into(),
                ),
                m => m,
            }
        } else if entry.is(kind::PAGER) {
            Model::RunsCode(format!("{prog} can run shell commands"))
        } else {
            Model::Unknown
        };
        let class = match model {
            Model::ReadOnly => ShellClass::ReadOnly,
            Model::Mutating(_) => ShellClass::Mutating,
            Model::RunsCode(why) => {
                self.builtin(
                    Decision::Escalate,
                    "shell.builtin.runs_code",
                    format!("`{}`: {why}", display(words)),
                );
                info.runs_code = true;
                ShellClass::Unknown
            }
            Model::Unknown => {
                if let Some(a) = args.iter().find(|a| names_a_shell(&a.text)) {
                    self.builtin(
                        Decision::Escalate,
                        "shell.builtin.spawns_shell",
                        format!("`{prog}` is handed a shell (`{}`)", a.text),
                    );
                    info.runs_code = true;
                }
                if allow_listed && !info.runs_code {
                    ShellClass::ReadOnly
                } else if listed || entry.is(kind::MUTATING) {
                    ShellClass::Mutating
                } else {
                    ShellClass::Unknown
                }
            }
        };
        info.raise(class);
        info
    }

    /// The policy's single-command patterns for this program: whether a block or escalate
    /// entry matched (reported as findings), and whether an `allow_readonly` entry did.
    fn policy_lists(&mut self, view: &View<'_>, call: &Call<'_>, words: &[Word]) -> (bool, bool) {
        let mut listed = false;
        let mut allow_listed = false;
        let mut generic: Option<args::Parsed<'_>> = None;
        for pat in self.patterns.for_prog(view.prog) {
            let Some(stage) = pat.stages.first() else {
                continue;
            };
            match pat.list {
                PolicyList::AlwaysBlock | PolicyList::AlwaysEscalate => {
                    let parsed =
                        generic.get_or_insert_with(|| args::parse(view.args, &OptSpec::NONE));
                    if stage.matches_anywhere_parsed(view, parsed) {
                        listed = true;
                        let d = if pat.list == PolicyList::AlwaysBlock {
                            Decision::Block
                        } else {
                            Decision::Escalate
                        };
                        let msg = format!("`{}` matches `{}`", display(words), pat.source);
                        self.finding(d, pat.rule(), msg);
                    }
                }
                PolicyList::AllowReadonly => {
                    allow_listed |= stage.matches_prefix(view, &call.opts);
                }
            }
        }
        (listed, allow_listed)
    }

    /// The program's own dangers, and writes of persistence or privilege files by it.
    fn program_dangers(&mut self, entry: &Program, call: &Call<'_>, words: &[Word]) {
        let mut dangers: Vec<Reason> = entry.flag.iter().map(|f| f.reason(call.prog)).collect();
        if let Some(f) = entry.dangers {
            f(call, &mut dangers);
        }
        if let Some(writes) = entry.writes
            && let Some(t) = writes(call).into_iter().find(|t| is_sensitive_write(t))
        {
            dangers.push(Reason::new(
                Decision::Block,
                "shell.builtin.sensitive_write",
                format!(
                    "{} writes `{t}` (sudoers, passwd, ssh keys, cron, shell startup files or hooks)",
                    call.prog
                ),
            ));
        }
        for d in dangers {
            self.finding(
                d.decision,
                d.rule,
                format!("`{}`: {}", display(words), d.message),
            );
        }
    }

    /// Findings about the arguments' text: credential paths and variables, raw sockets.
    fn scan_args(&mut self, entry: &Program, prog: &str, args: &[Word]) {
        let text_only = entry.is(kind::TEXT_ONLY);
        let pattern_arg = if entry.is(kind::PATTERN_FIRST) {
            args.iter().position(|a| !a.text.starts_with('-'))
        } else {
            None
        };
        for (i, a) in args.iter().enumerate() {
            if Some(i) == pattern_arg {
                if let Some(p) = a.params.iter().find(|p| is_secret_name(p)) {
                    self.builtin(
                        Decision::Escalate,
                        "shell.builtin.secret_variable",
                        format!("`{prog}` expands the credential variable `${p}`"),
                    );
                }
            } else if !text_only {
                self.scan_word(a, &format!("`{prog}`"));
                if a.text.contains("/dev/tcp/") || a.text.contains("/dev/udp/") {
                    self.builtin(
                        Decision::Block,
                        "shell.builtin.raw_tcp",
                        format!("`{prog}` is given `{}`, a raw network connection", a.text),
                    );
                }
            } else if let Some(p) = a.params.iter().find(|p| is_secret_name(p)) {
                self.builtin(
                    Decision::Escalate,
                    "shell.builtin.secret_variable",
                    format!("`{prog}` prints the credential variable `${p}`"),
                );
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn wrapper<'a>(
        &mut self,
        prog: &str,
        spec: &programs::model::WrapperSpec,
        args: &'a [Word],
        redirects: &'a [Redirect],
        depth: usize,
        stdin: Stdin<'a>,
        mut info: Info<'a>,
    ) -> Info<'a> {
        let start = wrappers::inner_start(spec, args);
        let (own, inner_words) = args.split_at(start);
        for w in own {
            if w.text
                .split_once('=')
                .is_some_and(|(_, v)| v.trim_start().starts_with("() {"))
            {
                self.builtin(
                    Decision::Block,
                    "shell.builtin.function_import",
                    format!(
                        "`{prog}` passes an exported shell function (Shellshock-style injection)"
                    ),
                );
            }
            if let Some((n, _)) = w.text.split_once('=')
                && is_dangerous_assignment(n)
                && !n.starts_with('-')
            {
                self.builtin(
                    Decision::Escalate,
                    "shell.builtin.dangerous_variable",
                    format!("`{prog} {n}=…` changes which programs run or what they load"),
                );
            }
        }
        match wrappers::own(prog, own, inner_words) {
            Own::LookupOnly => return info,
            Own::WritesFile => info.raise(ShellClass::Mutating),
            Own::SplitString(text) => {
                let (f, c) = self.nested_text(&text, depth + 1, "env -S");
                info.flow |= f;
                info.raise(c);
                return info;
            }
            Own::ShellString(w) => {
                let (f, c) = self.shell_string(w, depth, &format!("{prog} -c"));
                info.flow |= f;
                info.raise(c);
                info.runs_code = true;
            }
            Own::Plain => {}
        }
        let inner = if inner_words.is_empty() {
            Info::new(if wrappers::bare_is_read_only(prog) {
                ShellClass::ReadOnly
            } else {
                ShellClass::Unknown
            })
        } else {
            self.argv(inner_words, redirects, depth + 1, stdin)
        };
        if spec.privilege {
            let inner_prog = inner_words.first().map(|w| basename(&w.text)).unwrap_or("");
            if wrappers::starts_shell(prog, own)
                || inner.runs_code
                || inner.class == ShellClass::Unknown
                || is_shell(inner_prog)
                || programs::lookup(inner_prog).is(kind::CODE_CAPABLE)
                || inner_prog == "su"
            {
                self.builtin(Decision::Block, "shell.builtin.privileged_code",
                    format!(
                        "`{prog}` would run {} as another user: it can run arbitrary code with elevated privileges",
                        if inner_words.is_empty() { "a shell".to_owned() } else { format!("`{}`", display(inner_words)) }
                    ),
                );
            } else {
                self.builtin(
                    Decision::Escalate,
                    "shell.builtin.privilege",
                    format!("`{prog}` runs a command with elevated privileges"),
                );
            }
        }
        if prog == "xargs" && inner.flow.interpreter {
            self.builtin(
                Decision::Escalate,
                "shell.builtin.dynamic_script",
                "xargs runs an interpreter with arguments built from its input".into(),
            );
        }
        if !spec.privilege && !programs::lookup(prog).is(kind::TRANSPARENT) {
            info.raise(ShellClass::Unknown);
        }
        info.absorb(inner);
        info
    }

    /// A string that a program runs as a shell script.
    fn shell_string(&mut self, w: &Word, depth: usize, what: &str) -> (Flow, ShellClass) {
        if w.dynamic || w.glob || w.brace {
            if word_fetches(w) {
                self.builtin(
                    Decision::Block,
                    "shell.builtin.fetch_into_interpreter",
                    format!("{what} runs a script fetched from the network or decoded"),
                );
            }
            self.builtin(
                Decision::Escalate,
                "shell.builtin.dynamic_script",
                format!("{what} runs a script built at run time (`{}`)", w.text),
            );
            (Flow::default(), ShellClass::Unknown)
        } else {
            self.nested_text(&w.text, depth + 1, what)
        }
    }

    fn stdin_script(
        &mut self,
        prog: &str,
        depth: usize,
        stdin: Stdin<'_>,
        info: &mut Info<'_>,
        parse_as_shell: bool,
    ) {
        match stdin {
            Stdin::Text(w) if parse_as_shell && !w.dynamic => {
                let (f, c) =
                    self.nested_text(&w.text, depth + 1, &format!("{prog} (here-document)"));
                info.flow |= f;
                info.raise(c);
            }
            Stdin::Text(w) => {
                if word_fetches(w) {
                    self.builtin(
                        Decision::Block,
                        "shell.builtin.fetch_into_interpreter",
                        format!("{prog} runs a here-document built from fetched or decoded data"),
                    );
                }
                self.builtin(
                    Decision::Escalate,
                    "shell.builtin.stdin_script",
                    format!("{prog} runs a program given on its standard input"),
                );
                info.raise(ShellClass::Unknown);
            }
            Stdin::Pipe => {
                info.flow.stdin_script = true;
                self.builtin(
                    Decision::Escalate,
                    "shell.builtin.stdin_script",
                    format!("{prog} runs whatever the pipeline feeds it"),
                );
                info.raise(ShellClass::Unknown);
            }
            Stdin::File => {
                self.builtin(
                    Decision::Escalate,
                    "shell.builtin.stdin_script",
                    format!("{prog} runs a program read from a redirected file"),
                );
                info.raise(ShellClass::Unknown);
            }
            Stdin::Inherit => {
                self.builtin(
                    Decision::Escalate,
                    "shell.builtin.interactive_shell",
                    format!("`{prog}` starts an interactive shell or interpreter"),
                );
                info.raise(ShellClass::Unknown);
            }
        }
    }

    /// A script that a process substitution produces and a program runs.
    fn substituted_script(&mut self, prog: &str, w: &Word, what: &str) {
        if w.subs.iter().any(|s| s.kind == SubKind::ProcessIn) {
            if word_fetches(w) {
                self.builtin(
                    Decision::Block,
                    "shell.builtin.fetch_into_interpreter",
                    format!("`{prog}` runs a {what} fetched from the network"),
                );
            }
            self.builtin(
                Decision::Escalate,
                "shell.builtin.dynamic_script",
                format!("`{prog}` runs a {what} produced by a process substitution"),
            );
        }
    }

    fn shell<'a>(
        &mut self,
        prog: &str,
        args: &'a [Word],
        depth: usize,
        stdin: Stdin<'a>,
        info: &mut Info<'a>,
    ) {
        info.flow.interpreter = true;
        info.runs_code = true;
        let s = shells::shell_args(args);
        if let Some((long, _)) = s.startup {
            self.builtin(
                Decision::Escalate,
                "shell.builtin.stdin_script",
                format!("{prog} --{long} runs a startup file"),
            );
        }
        if s.interactive {
            self.builtin(
                Decision::Escalate,
                "shell.builtin.interactive_shell",
                format!("`{prog} -i` starts an interactive shell"),
            );
        }
        if s.command_mode {
            match s.operand {
                Some(w) => {
                    let (f, c) = self.shell_string(w, depth, &format!("`{prog} -c`"));
                    info.flow |= f;
                    info.raise(c.max(ShellClass::ReadOnly));
                }
                None => {
                    self.builtin(
                        Decision::Escalate,
                        "shell.builtin.stdin_script",
                        format!("`{prog} -c` with no script"),
                    );
                    info.raise(ShellClass::Unknown);
                }
            }
            return;
        }
        match s.operand {
            Some(w) if !s.read_stdin => {
                if w.text == "/dev/stdin" && !w.subs.iter().any(|s| s.kind == SubKind::ProcessIn) {
                    self.stdin_script(prog, depth, stdin, info, true);
                    return;
                }
                self.substituted_script(prog, w, "script");
                // A script file the gateway cannot see.
                self.runs_fetched(&w.text, &format!("`{prog}` runs"));
                info.raise(ShellClass::Unknown);
            }
            _ => self.stdin_script(prog, depth, stdin, info, true),
        }
    }

    fn interpreter<'a>(
        &mut self,
        prog: &str,
        inline: &[&str],
        args: &'a [Word],
        depth: usize,
        stdin: Stdin<'a>,
        info: &mut Info<'a>,
    ) {
        info.flow.interpreter = true;
        info.runs_code = true;
        info.raise(ShellClass::Unknown);
        let inv = interpreters::invocation(prog, inline, args);
        if let Some(why) = inv.server {
            self.builtin(Decision::Escalate, "shell.builtin.network_server", why);
        }
        match inv.source {
            Source::Code(c) => {
                if word_fetches(c) {
                    self.builtin(
                        Decision::Block,
                        "shell.builtin.fetch_into_interpreter",
                        format!("`{prog}` runs code fetched from the network or decoded"),
                    );
                }
                let s = code_signals(&c.text);
                let snippet = display(std::slice::from_ref(c));
                if s.network && s.exec {
                    self.builtin(
                        Decision::Block,
                        "shell.builtin.reverse_shell",
                        format!(
                            "inline {prog} code opens a network connection and runs programs: {snippet}"
                        ),
                    );
                } else if s.exec {
                    self.builtin(
                        Decision::Escalate,
                        "shell.builtin.inline_code",
                        format!("inline {prog} code runs programs: {snippet}"),
                    );
                } else if s.network {
                    self.builtin(
                        Decision::Escalate,
                        "shell.builtin.inline_code",
                        format!("inline {prog} code uses the network: {snippet}"),
                    );
                } else if s.write {
                    self.builtin(
                        Decision::Escalate,
                        "shell.builtin.inline_code",
                        format!("inline {prog} code writes or deletes files: {snippet}"),
                    );
                }
            }
            Source::Module => {}
            Source::File(w) => {
                self.runs_fetched(&w.text, &format!("`{prog}` runs"));
                self.substituted_script(prog, w, "program");
            }
            Source::Stdin => self.stdin_script(prog, depth, stdin, info, false),
        }
    }

    fn awk<'a>(&mut self, call: &Call<'a>, info: &mut Info<'a>) {
        info.runs_code = true;
        info.raise(ShellClass::Unknown);
        let prog = call.prog;
        let AwkProgram::Text(program) = interpreters::awk_program(call) else {
            return;
        };
        let s = code_signals(&program.text);
        if s.network && s.exec {
            self.builtin(
                Decision::Block,
                "shell.builtin.reverse_shell",
                format!("{prog} program opens a network connection and runs programs"),
            );
        } else if s.exec || program.text.contains("system") {
            self.builtin(
                Decision::Escalate,
                "shell.builtin.inline_code",
                format!(
                    "{prog} program runs commands: {}",
                    display(std::slice::from_ref(program))
                ),
            );
        } else if s.write || program.text.contains('>') {
            self.builtin(
                Decision::Escalate,
                "shell.builtin.inline_code",
                format!(
                    "{prog} program writes files: {}",
                    display(std::slice::from_ref(program))
                ),
            );
        }
    }

    fn eval_like<'a>(
        &mut self,
        prog: &str,
        runs: Runs,
        args: &'a [Word],
        depth: usize,
        info: &mut Info<'a>,
    ) {
        info.flow.interpreter = true;
        info.runs_code = true;
        match runs {
            Runs::Eval => {
                if args.iter().all(|w| !w.dynamic) {
                    self.words_as_script(args, depth, "eval", info);
                } else {
                    if args.iter().any(word_fetches) {
                        self.builtin(
                            Decision::Block,
                            "shell.builtin.fetch_into_interpreter",
                            "eval runs text fetched from the network or decoded".into(),
                        );
                    }
                    self.builtin(
                        Decision::Escalate,
                        "shell.builtin.dynamic_script",
                        "eval runs text built at run time".into(),
                    );
                    info.raise(ShellClass::Unknown);
                }
            }
            Runs::Trap => {
                let action = args.iter().find(|w| !w.text.starts_with('-'));
                if let Some(w) = action
                    && args.len() > 1
                {
                    let (f, c) = self.shell_string(w, depth, "trap");
                    info.flow |= f;
                    info.raise(c);
                }
            }
            _ => {
                // source / .
                if let Some(w) = args.first() {
                    self.runs_fetched(&w.text, &format!("`{prog}` runs"));
                    if word_fetches(w) {
                        self.builtin(
                            Decision::Block,
                            "shell.builtin.fetch_into_interpreter",
                            format!("`{prog}` runs a script fetched from the network"),
                        );
                    }
                }
                self.builtin(
                    Decision::Escalate,
                    "shell.builtin.stdin_script",
                    format!("`{prog}` runs the commands in another file"),
                );
                info.raise(ShellClass::Unknown);
            }
        }
    }

    fn watch<'a>(&mut self, args: &'a [Word], depth: usize, info: &mut Info<'a>) {
        info.runs_code = true;
        let (exec, rest) = wrappers::watch_command(args);
        if rest.is_empty() {
            info.raise(ShellClass::Unknown);
            return;
        }
        if exec {
            let inner = self.argv(rest, &[], depth + 1, Stdin::Inherit);
            info.raise(inner.class);
            info.flow |= inner.flow;
        } else {
            self.words_as_script(rest, depth, "watch", info);
        }
    }

    /// Words joined with spaces and run as a script (`eval a b`, `watch a b`).
    fn words_as_script(&mut self, words: &[Word], depth: usize, what: &str, info: &mut Info<'_>) {
        let text = words
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let (f, c) = self.nested_text(&text, depth + 1, what);
        info.flow |= f;
        info.raise(c);
    }
}

/// Whether a function's body calls the function in a pipeline or in the background.
fn calls_itself(name: &str, body: &Command) -> bool {
    fn in_script(name: &str, s: &Script) -> bool {
        s.items.iter().any(|ao| {
            ao.pipelines.iter().any(|p| {
                let calls = p.commands.iter().any(|c| match c {
                    Command::Simple(sc) => sc.words.first().is_some_and(|w| w.text == name),
                    other => in_command(name, other),
                });
                calls && (p.commands.len() > 1 || ao.background)
            })
        })
    }
    fn in_command(name: &str, c: &Command) -> bool {
        match c {
            Command::Compound(cc) => cc.scripts.iter().any(|s| in_script(name, s)),
            Command::Function { body, .. } => in_command(name, body),
            Command::Simple(_) => false,
        }
    }
    in_command(name, body)
}
