//! The walk: every simple command anywhere in the tree (pipelines, lists, compounds, functions,
//! substitutions, here-documents, `sh -c` strings, `eval`, wrapper arguments) is classified, and
//! whole-command patterns are checked across pipelines.
//!
//! Words are expanded as far as the command shows their values ([`crate::expand`]): a variable
//! assigned earlier, a `for` list, a fixed substitution. Each way a command line may come out is
//! classified; what stays unknown is judged by what it could do to the command. Along the way
//! the walker follows what flows between commands — credentials into network senders, root
//! paths into destructive commands, decoded text into shells — to tell intent from accident.

use recourse_policy::{Decision, Reason, ShellClass};
use serde::Serialize;

use crate::args::{self, OptSpec, basename, join_path, normalize_path, outside_working_dir};
use crate::credentials::{
    has_credential_needle, is_credential_path, is_secret_name, pattern_may_name_credentials,
};
use crate::dirs::{Dirs, outcome};
use crate::expand::{Expanded, Vars, subscript, word_tail};
use crate::fixed::{fixed_output, fixed_output_with, fixed_stages, literal};
use crate::patterns::{PatternSet, PolicyList, View, script_programs};
use crate::programs::dangers::{is_disk_device, is_protected_root, is_sensitive_write};
use crate::programs::environment::is_dangerous_assignment;
use crate::programs::interpreters::{self, AwkProgram, code_signals, string_literals};
use crate::programs::launch::{self, Source as LaunchSource, Syntax};
use crate::programs::shells::{self, is_shell, names_a_shell};
use crate::programs::wrappers::{self, Own};
use crate::programs::{self, Call, Model, Program, Runs, SYSTEM_DIRS, find, git, kind};
use crate::syntax::{
    Command, CompoundKind, ExpansionKind, MAX_DEPTH, Pipeline, RedirOp, Redirect, Script,
    SimpleCommand, SubKind, Word, parse_nested,
};
use crate::value::{MAX_ALTERNATIVES, Shape, SubOutput, Value};

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
    /// Reads credentials: its output (or what it sends) may carry them.
    secrets: bool,
    /// Sends data to another host.
    sends: bool,
    /// Its output names a system or home root (`echo /`, `find ~ -maxdepth 0`).
    names_roots: bool,
    /// Deletes or overwrites what it is given.
    destroys: bool,
    /// What its output looks like.
    output: Shape,
}

impl std::ops::BitOrAssign for Flow {
    fn bitor_assign(&mut self, o: Flow) {
        self.fetch |= o.fetch;
        self.network |= o.network;
        self.stdin_script |= o.stdin_script;
        self.interpreter |= o.interpreter;
        self.names_secrets |= o.names_secrets;
        self.takes_names |= o.takes_names;
        self.secrets |= o.secrets;
        self.sends |= o.sends;
        self.names_roots |= o.names_roots;
        self.destroys |= o.destroys;
        self.output = self.output.max(o.output);
    }
}

struct Info<'a> {
    class: ShellClass,
    flow: Flow,
    runs_code: bool,
    views: Vec<View<'a>>,
    /// Files the command writes (for the credential-staging check).
    writes: Vec<String>,
}

impl<'a> Info<'a> {
    fn new(class: ShellClass) -> Self {
        Info {
            class,
            flow: Flow::default(),
            runs_code: false,
            views: Vec::new(),
            writes: Vec::new(),
        }
    }

    fn raise(&mut self, c: ShellClass) {
        self.class = self.class.max(c);
    }

    /// Takes in what an inner command (a wrapper's, an applet's) found.
    fn absorb(&mut self, inner: Info<'a>) {
        self.views.extend(inner.views);
        self.merge(inner.class, inner.flow, inner.runs_code, inner.writes);
    }

    /// Takes in what another reading of the same command found (its views borrow words that
    /// do not outlive it).
    fn merge(&mut self, class: ShellClass, flow: Flow, runs_code: bool, writes: Vec<String>) {
        self.raise(class);
        self.flow |= flow;
        self.runs_code |= runs_code;
        self.writes.extend(writes);
    }
}

#[derive(Clone, Copy)]
enum Stdin<'a> {
    Inherit,
    Pipe,
    Text(&'a Word),
    File(&'a Word),
}

/// What a command that reads its standard input (`read`, a loop body) gets, when it gets it
/// from a pipeline or a redirection around it.
#[derive(Debug, Clone, Copy)]
struct Input {
    shape: Shape,
    secret: bool,
}

/// Rules whose findings mean the command reads credentials.
const SECRET_RULES: &[&str] = &[
    "shell.builtin.credential_read",
    "shell.builtin.secret_variable",
    "shell.builtin.env_dump",
    "shell.builtin.secret_read",
];

pub(crate) struct Walker<'c> {
    patterns: &'c PatternSet,
    pub(crate) parts: Vec<Part>,
    pub(crate) findings: Vec<Reason>,
    pub(crate) class: ShellClass,
    /// Files the command runs or sources as code, as found from where the shell started.
    pub(crate) scripts: Vec<String>,
    /// Code the command runs that cannot be bound (see `bind.rs`).
    pub(crate) unbound: Vec<crate::Unbound>,
    /// Where the shell may be, relative to where it started.
    pub(crate) dirs: Dirs,
    exhausted: bool,
    /// Files that a network fetch in this command wrote (normalized), in order of appearance.
    fetched: Vec<String>,
    /// Files that a command reading credentials wrote (normalized).
    tainted: Vec<String>,
    /// A `cd`/`pushd` earlier in the command may have left the working directory (home,
    /// absolute, `..`, `-` or decided at run time).
    left_working_dir: bool,
    /// Variables, the working directory and substitution outputs seen so far.
    vars: Vars,
    /// How many findings said "reads credentials" so far (repeats included).
    secret_hits: usize,
    /// What a command without input of its own reads.
    input: Option<Input>,
    /// Functions defined so far, to walk again with the arguments of each call.
    pub(crate) functions: Vec<(String, Command)>,
    /// Functions whose body changes directory: every call is walked again, so that the
    /// shell is followed where it goes.
    moving: Vec<String>,
    /// Functions being walked for a call (no recursion).
    calling: Vec<String>,
    /// Whether the tree being walked is the command's own (not a script parsed from a string,
    /// not a function body walked again for a call): its parts take their words from it at
    /// the end instead of copying them now.
    own_tree: bool,
    /// Parts whose words are still in the command's own tree, by the address of their simple
    /// command.
    pending: crate::syntax::List<(usize, usize)>,
    /// Whether the pipeline being walked has several stages: only then do its stages' views
    /// (for the policy's pipeline patterns and piped text) matter.
    want_views: bool,
}

/// A path compared loosely: `./x.sh` and `x.sh` are the same file.
fn file_key(p: &str) -> String {
    let mut t = p;
    while let Some(rest) = t.strip_prefix("./") {
        t = rest;
    }
    normalize_path(t).into_owned()
}

/// A command line as a finding shows it: words quoted when they hold blanks, cut at 80
/// characters.
fn display(words: &[Word]) -> String {
    let mut s = String::with_capacity(64);
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        if w.text.is_empty() || has_whitespace(&w.text) {
            s.push('\'');
            s.push_str(&w.text);
            s.push('\'');
        } else {
            s.push_str(&w.text);
        }
        if s.len() > 80 {
            break;
        }
    }
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

/// `text.contains(char::is_whitespace)`, without decoding characters when the text is ASCII.
fn has_whitespace(text: &str) -> bool {
    if text.is_ascii() {
        text.bytes().any(|b| matches!(b, b'\t'..=b'\r' | b' '))
    } else {
        text.contains(char::is_whitespace)
    }
}

/// A finding's message about a command line: the line in backquotes, then the pieces.
fn quoted(words: &[Word], tail: &[&str]) -> String {
    let line = display(words);
    let mut s = String::with_capacity(line.len() + 2 + tail.iter().map(|p| p.len()).sum::<usize>());
    s.push('`');
    s.push_str(&line);
    s.push('`');
    for p in tail {
        s.push_str(p);
    }
    s
}

/// What a command's output looks like, from its last stage's program model alone (`nproc`,
/// `wc -l < f`: numbers; anything not known: content).
fn output_shape(cmd: &str) -> Shape {
    let Ok(script) = crate::syntax::parse(cmd) else {
        return Shape::Content;
    };
    let [item] = &script.items[..] else {
        return Shape::Content;
    };
    let [pipeline] = &item.pipelines[..] else {
        return Shape::Content;
    };
    let Some(crate::syntax::Command::Simple(sc)) = pipeline.commands.last() else {
        return Shape::Content;
    };
    let Some((name, args)) = sc.words.split_first() else {
        return Shape::Content;
    };
    let prog = basename(&name.text);
    let entry = programs::lookup(prog);
    entry.output.map_or(Shape::Content, |f| {
        f(&Call::new(prog, args, &entry.options))
    })
}

/// `$(<file)`: a substitution that is only an input redirection prints the file.
fn reads_file_only(s: &Script) -> bool {
    matches!(
        &s.items[..],
        [item] if matches!(
            &item.pipelines[..],
            [p] if matches!(
                &p.commands[..],
                [crate::syntax::Command::Simple(sc)] if sc.words.is_empty() && !sc.redirects.is_empty()
            )
        )
    )
}

/// Whether a word substitutes a script that fetches or decodes (its output may be code).
fn word_fetches(w: &Word) -> bool {
    w.subs.iter().any(|s| script_decodes(&s.script))
}

/// Whether a script fetches from the network or decodes (`curl`, `base64 -d`, `rev`, `printf
/// '\x..'`).
fn script_decodes(s: &Script) -> bool {
    let mut progs = Vec::new();
    script_programs(s, &mut progs);
    progs.iter().any(|p| {
        let e = programs::lookup(p);
        e.is(kind::FETCHER) || e.decodes.is_some()
    }) || fixed_output(s, None).is_some_and(|(_, decoded)| decoded)
}

/// The text a word may hold after expansion, one string per way it may come out.
fn word_texts(vars: &Vars, w: &Word) -> Vec<Value> {
    if w.expansions.is_empty() {
        vec![Value::known(w.text.clone())]
    } else {
        vars.values(w, 0)
    }
}

/// The argument word a value parsed out of `args` lies in.
fn word_of<'a>(args: &'a [Word], value: &str) -> Option<&'a Word> {
    let at = value.as_ptr() as usize;
    args.iter().find(|w| {
        let start = w.text.as_ptr() as usize;
        (start..=start + w.text.len()).contains(&at)
    })
}

/// Whether a word's text is decided at run time (before or after resolution).
fn computed(w: &Word) -> bool {
    w.dynamic || !w.expansions.is_empty()
}

/// The words of `unset`, `test -v`, `wait -p` and `getopts` that name variables.
fn variable_names<'a>(prog: &str, args: &'a [Word]) -> Vec<&'a Word> {
    match prog {
        "unset" if !args.iter().any(|a| a.text == "-f") => {
            args.iter().filter(|a| !a.text.starts_with('-')).collect()
        }
        "test" | "[" | "wait" => args
            .windows(2)
            .filter(|p| matches!(p[0].text.as_str(), "-v" | "-p"))
            .filter(|p| prog == "wait" || p[0].text == "-v")
            .map(|p| &p[1])
            .collect(),
        "getopts" => args.get(1).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// A word's value when it is one known text: literal, or expansions of variables with one
/// known value (`$HOME` is `~`). An unquoted value with blanks would split: not one text.
fn known_text<'w>(vars: &Vars, w: &'w Word) -> Option<std::borrow::Cow<'w, str>> {
    if let Some(t) = literal(w) {
        return Some(t);
    }
    if w.glob || w.brace {
        return None;
    }
    let unquoted = w.expansions.iter().any(|e| !e.quoted);
    match vars.values(w, 0).as_slice() {
        [v] if v.known && !(unquoted && v.text.contains(char::is_whitespace)) => {
            Some(std::borrow::Cow::Owned(v.text.clone()))
        }
        _ => None,
    }
}

/// A word standing for one field of an expanded word.
fn field_word(original: &Word, text: &str, ex: &Expanded, globbed: bool) -> Word {
    let mut w = original.clone();
    w.text = text.to_owned();
    w.expansions.clear();
    w.dynamic = ex.unknown.any;
    w.glob |= globbed;
    w
}

/// Who gets a word, for a finding's message (formatted only when there is a finding).
#[derive(Clone, Copy)]
enum Whose<'a> {
    Program(&'a str),
    Text(&'static str),
}

impl std::fmt::Display for Whose<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Whose::Program(p) => write!(f, "`{p}`"),
            Whose::Text(t) => f.write_str(t),
        }
    }
}

/// A variable name.
fn is_name(s: &str) -> bool {
    crate::expand::is_name(s)
}

/// A `for` list word's value; a glob pattern stands for the names it matches.
fn pattern_value(text: String, glob: bool) -> Value {
    let mut v = Value::known(text);
    v.pattern = glob;
    v
}

/// `-rf`, `--recursive`, `--no-preserve-root`: flags of a recursive or forced deletion.
fn looks_recursive(t: &str) -> bool {
    (t.starts_with('-')
        && !t.starts_with("--")
        && t.len() > 1
        && t[1..].chars().all(|c| "rRfvid".contains(c))
        && t.contains(['r', 'R']))
        || matches!(t, "--recursive" | "--no-preserve-root" | "--force")
}

impl<'c> Walker<'c> {
    pub(crate) fn new(patterns: &'c PatternSet) -> Self {
        Walker {
            patterns,
            parts: Vec::new(),
            findings: Vec::new(),
            class: ShellClass::ReadOnly,
            scripts: Vec::new(),
            unbound: Vec::new(),
            dirs: Dirs::default(),
            exhausted: false,
            fetched: Vec::new(),
            tainted: Vec::new(),
            left_working_dir: false,
            vars: Vars::default(),
            secret_hits: 0,
            input: None,
            functions: Vec::new(),
            moving: Vec::new(),
            calling: Vec::new(),
            want_views: false,
            own_tree: true,
            pending: crate::syntax::List::new(),
        }
    }

    /// Moves the words of the command's own tree into the parts that show them (copying each
    /// word while walking costs an allocation apiece).
    pub(crate) fn fill_parts(&mut self, script: &mut Script) {
        if self.pending.is_empty() {
            return;
        }
        script.each_simple_mut(&mut |sc| {
            let key = std::ptr::from_ref::<SimpleCommand>(sc) as usize;
            if let Some(&(_, i)) = self.pending.iter().find(|(k, _)| *k == key)
                && let Some(part) = self.parts.get_mut(i)
            {
                part.argv = sc
                    .words
                    .iter_mut()
                    .map(|w| std::mem::take(&mut w.text))
                    .collect();
            }
        });
    }

    /// Blocks running (or making executable) a file that a fetch earlier in the same command
    /// wrote: `curl -o x.sh URL && bash x.sh` is a fetch into an interpreter, one step removed.
    fn runs_fetched(&mut self, path: &str, how: impl std::fmt::Display) {
        if !self.fetched.is_empty() && self.fetched.contains(&file_key(path)) {
            self.builtin(
                Decision::Block,
                "shell.builtin.fetch_then_run",
                format!("{how} `{path}`, which was just downloaded in the same command"),
            );
        }
    }

    /// Records a file the command runs or sources as code.
    fn runs_script(&mut self, w: &Word) {
        // Standard input and other descriptors are streams, not files whose content can be
        // bound to an approval.
        let stream = w.text.starts_with("/dev/fd/") || w.text.starts_with("/proc/self/fd/");
        // `find -exec bash {} \;`: each file found, none named here.
        if !w.text.is_empty() && !stream && !shells::is_stdin_device(&w.text) {
            self.bind_word(w);
        }
    }

    pub(crate) fn finding(
        &mut self,
        decision: Decision,
        rule: impl Into<std::borrow::Cow<'static, str>>,
        message: String,
    ) {
        let rule = rule.into();
        if SECRET_RULES.contains(&rule.as_ref()) {
            self.secret_hits += 1;
        }
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
    fn nested_text(
        &mut self,
        text: &str,
        depth: usize,
        what: impl std::fmt::Display,
    ) -> (Flow, ShellClass) {
        if depth > MAX_DEPTH {
            self.too_deep();
            return (Flow::default(), ShellClass::Unknown);
        }
        match parse_nested(text, depth) {
            Ok(script) => {
                let before = self.parts.len();
                let (cwd, dirs) = (self.vars.cwd.clone(), self.dirs.clone());
                let own = std::mem::replace(&mut self.own_tree, false);
                let flow = self.script(&script, depth);
                self.own_tree = own;
                self.vars.cwd = cwd;
                // Some nested scripts run in this shell (`eval`, a trap), others in a new one
                // (`sh -c`): the shell is where it was or where the script left it.
                self.dirs.union(&dirs);
                if self.parts.len() == before && what.to_string() != "trap" {
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
            // A list in the background runs in a subshell: a `cd` there stays there.
            let background = item.background.then(|| self.dirs.clone());
            // Where the list so far leaves the shell when it succeeded and when it failed.
            let mut list: Option<(Dirs, Dirs)> = None;
            for p in &item.pipelines {
                let start = match &list {
                    None => self.dirs.clone(),
                    Some((_, failed)) if p.or_else => failed.clone(),
                    Some((ok, _)) => ok.clone(),
                };
                self.dirs = start.clone();
                flow |= self.pipeline(p, depth);
                let after = std::mem::take(&mut self.dirs);
                let (ok, failed) = outcome(&start, after, crate::bind::is_move(p));
                let (ok, failed) = if p.negated {
                    (failed, ok)
                } else {
                    (ok, failed)
                };
                list = Some(match list {
                    None => (ok, failed),
                    Some((mut before_ok, _)) if p.or_else => {
                        before_ok.union(&ok);
                        (before_ok, failed)
                    }
                    Some((_, mut before_failed)) => {
                        before_failed.union(&failed);
                        (ok, before_failed)
                    }
                });
            }
            if let Some((mut ok, failed)) = list {
                ok.union(&failed);
                self.dirs = ok;
            }
            if let Some(b) = background {
                self.dirs = b;
            }
        }
        flow
    }

    fn pipeline(&mut self, p: &Pipeline, depth: usize) -> Flow {
        if let [only] = &p.commands[..] {
            // One stage (most commands): no list of stages to build.
            if !self.budget_ok() {
                return Flow::default();
            }
            let want_views = std::mem::replace(&mut self.want_views, false);
            let info = self.command(only, depth, Stdin::Inherit);
            self.want_views = want_views;
            return self.stages(p, std::slice::from_ref(&info), depth);
        }
        let mut infos: Vec<Info<'_>> = Vec::with_capacity(p.commands.len());
        let (input, cwd, want_views) = (self.input, self.vars.cwd.clone(), self.want_views);
        let dirs = self.dirs.clone();
        self.want_views = true;
        for (i, c) in p.commands.iter().enumerate() {
            if !self.budget_ok() {
                break;
            }
            if i > 0 {
                self.input = infos.last().map(|u| Input {
                    shape: u.flow.output,
                    secret: infos.iter().any(|u| u.flow.secrets),
                });
            }
            let stdin = if i == 0 { Stdin::Inherit } else { Stdin::Pipe };
            infos.push(self.command(c, depth, stdin));
            // Each stage of a pipeline runs in a subshell: a `cd` there stays there.
            self.vars.cwd.clone_from(&cwd);
            self.dirs.clone_from(&dirs);
            self.want_views = true;
        }
        self.input = input;
        self.want_views = want_views;
        self.stages(p, &infos, depth)
    }

    /// What flows between the stages of a pipeline.
    fn stages(&mut self, p: &Pipeline, infos: &[Info<'_>], depth: usize) -> Flow {
        self.piped_text(p, infos, depth);
        let mut flow = Flow::default();
        for (j, info) in infos.iter().enumerate() {
            flow |= info.flow;
            let upstream = &infos[..j];
            let upstream_fetch = upstream.iter().any(|i| i.flow.fetch);
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
            if info.flow.sends && upstream.iter().any(|u| u.flow.secrets) {
                self.exfiltration("credentials read earlier in the pipeline are piped into");
            }
            if info.flow.takes_names
                && info.flow.destroys
                && upstream.iter().any(|u| u.flow.names_roots)
            {
                self.builtin(
                    Decision::Block,
                    "shell.builtin.recursive_delete_root",
                    "a system or home root is piped into a command that deletes what it is given"
                        .into(),
                );
            }
        }
        if let Some(last) = infos.last() {
            flow.output = last.flow.output;
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
                for info in infos {
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

    fn exfiltration(&mut self, how: &str) {
        self.builtin(
            Decision::Block,
            "shell.builtin.exfiltration",
            format!("{how} a command that sends data to another host"),
        );
    }

    /// `echo '…' | sh`, `printf '\x72…' | sh`, `echo … | rev | sh`: when everything before an
    /// interpreter that reads stdin is fixed text, that text is the program: a shell's is
    /// parsed and walked like any script, another interpreter's is scanned like inline code.
    /// Text that escapes or transforms hide is decode-then-run, whatever it says.
    fn piped_text(&mut self, p: &Pipeline, infos: &[Info<'_>], depth: usize) {
        for (j, info) in infos.iter().enumerate() {
            if !info.flow.stdin_script || j == 0 {
                continue;
            }
            let vars = &self.vars;
            let fixed = fixed_stages(&p.commands[..j], vars.cwd.as_deref(), &|w| {
                known_text(vars, w)
            });
            // A program whose name is computed may well be a shell.
            let prog = info.views.first().map_or("sh", |v| v.prog);
            self.piped_code(&p.commands[..j], prog, fixed.as_ref().map(|f| f.0.as_str()));
            let Some((text, decoded)) = fixed else {
                continue;
            };
            if text.trim().is_empty() {
                continue;
            }
            if decoded {
                self.builtin(
                    Decision::Block,
                    "shell.builtin.decode_then_run",
                    format!("text hidden by escapes or a transformation is piped into `{prog}`"),
                );
            }
            if is_shell(prog) || matches!(prog, "at" | "batch") {
                let (_, class) =
                    self.nested_text(&text, depth + 1, format!("`{prog}` (piped text)"));
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
                let hits = self.secret_hits;
                let cwd = (cc.kind == CompoundKind::Subshell)
                    .then(|| (self.vars.cwd.clone(), self.dirs.clone()));
                let (loop_start, scripts_before) = (
                    matches!(cc.kind, CompoundKind::Loop | CompoundKind::For)
                        .then(|| self.dirs.clone()),
                    self.scripts.len(),
                );
                let mut writes = false;
                let mut input = None;
                for r in &cc.redirects {
                    self.redirect(r, &mut writes, depth);
                    if matches!(r.op, RedirOp::In | RedirOp::ReadWrite) && r.fd.unwrap_or(0) == 0 {
                        input = Some(Input {
                            shape: Shape::Content,
                            secret: self.secret_hits > hits,
                        });
                    }
                }
                let mut words_flow = Flow::default();
                for w in &cc.words {
                    words_flow |= self.word_subs(w, depth);
                    if self.word_checks(w, depth) {
                        info.raise(ShellClass::Unknown);
                    }
                    self.scan_word(w, Whose::Text("a loop or case word"));
                }
                if words_flow.names_secrets {
                    self.builtin(
                        Decision::Escalate,
                        "shell.builtin.credential_read",
                        "a loop goes over file names under a home or system root, or of credentials"
                            .into(),
                    );
                }
                if self.compound_words(cc, depth) {
                    info.raise(ShellClass::Unknown);
                }
                info.flow |= words_flow;
                let outer = self.input;
                if input.is_some() {
                    self.input = input;
                }
                for s in &cc.scripts {
                    info.flow |= self.script(s, depth + 1);
                }
                self.input = outer;
                if let Some(start) = loop_start {
                    self.loop_moved(&start, scripts_before);
                }
                if let Some((cwd, dirs)) = cwd {
                    self.vars.cwd = cwd;
                    self.dirs = dirs;
                }
                info.flow.output = Shape::Content;
                info.flow.secrets |= self.secret_hits > hits;
                if writes {
                    self.raise(ShellClass::Mutating);
                    if info.flow.secrets {
                        self.taint(&cc.redirects, &[]);
                    }
                }
                if info.flow.secrets && info.flow.sends {
                    self.exfiltration("credentials read inside a compound command flow to");
                }
                info
            }
            Command::Function { name, body } => {
                if calls_itself(name, body) {
                    self.builtin(Decision::Block, "shell.builtin.fork_bomb",
                        format!("function `{name}` calls itself in a pipeline or in the background (fork bomb)"),
                    );
                }
                let stored = self.functions.len() < 64;
                if stored {
                    self.functions.push((name.clone(), (**body).clone()));
                }
                // Defining a function runs nothing: a `cd` in its body moves the shell only
                // when it is called (and walked again).
                let dirs = self.dirs.clone();
                self.vars.in_function += 1;
                self.command(body, depth + 1, Stdin::Inherit);
                self.vars.in_function -= 1;
                if self.dirs != dirs && !stored {
                    // Its calls will not be followed: the shell may be anywhere after.
                    self.dirs.union(&dirs);
                    self.dirs.anywhere(cat!("a call of `", name, "`"));
                } else {
                    if self.dirs != dirs && !self.moving.contains(name) {
                        self.moving.push(name.clone());
                    }
                    self.dirs = dirs;
                }
                Info::new(ShellClass::ReadOnly)
            }
        }
    }

    /// What the words of `for`, `(( ))` and `[[ ]]` make bash do: a `for` binds its variable to
    /// each word; arithmetic evaluates the values of the names it mentions. Whether it may run
    /// code the command does not show.
    fn compound_words(&mut self, cc: &crate::syntax::Compound, depth: usize) -> bool {
        match cc.kind {
            CompoundKind::For => match cc.words.split_first() {
                Some((name, list)) if is_name(&name.text) && name.is_static() => {
                    for w in list {
                        self.bind_loop_word(&name.text, w);
                    }
                    if list.is_empty() {
                        self.vars
                            .bind_value(&name.text, Value::unknown("$@", Shape::Content));
                    }
                    // `for PATH in /tmp/evil; do ls; done`: the loop assigns its variable.
                    let value = match list {
                        [one] => Some(one),
                        _ => None,
                    };
                    self.variable_effects(&name.text, value, depth, "for ")
                }
                Some((expr, _)) => self.arith_word(expr, depth, "a `for (( ))` loop"),
                None => false,
            },
            CompoundKind::Arithmetic => cc
                .words
                .first()
                .is_some_and(|w| self.arith_word(w, depth, "`(( ))`")),
            CompoundKind::Conditional => {
                let mut risky = false;
                for (k, w) in cc.words.iter().enumerate() {
                    let t = w.text.as_str();
                    if matches!(t, "-eq" | "-ne" | "-lt" | "-le" | "-gt" | "-ge") {
                        for o in [k.checked_sub(1), Some(k + 1)].into_iter().flatten() {
                            if let Some(o) = cc.words.get(o) {
                                risky |= self.arith_word(o, depth, "a `[[ ]]` comparison");
                            }
                        }
                    }
                    if t == "-v"
                        && let Some(v) = cc.words.get(k + 1)
                    {
                        risky |= self.variable_name(&v.text, computed(v), depth, "[[ -v ]]");
                    }
                }
                risky
            }
            _ => false,
        }
    }

    /// A `for` list word: each value it may take, a glob pattern standing for what it matches.
    fn bind_loop_word(&mut self, name: &str, w: &Word) {
        if w.brace
            && w.expansions.is_empty()
            && let Some(alts) = crate::glob::expand_braces(&w.text, MAX_ALTERNATIVES)
        {
            for a in alts {
                self.vars.bind_value(name, pattern_value(a, w.glob));
            }
            return;
        }
        if w.expansions.is_empty() {
            self.vars
                .bind_value(name, pattern_value(w.text.clone(), w.glob));
        } else {
            for v in self.vars.values(w, 0) {
                self.vars.bind_value(name, v);
            }
        }
    }

    fn redirect(&mut self, r: &Redirect, writes: &mut bool, depth: usize) {
        for w in std::iter::once(&r.target).chain(r.heredoc.as_ref().map(|h| &h.body)) {
            self.word_subs(w, depth);
        }
        if matches!(r.op, RedirOp::HereDoc | RedirOp::HereString) {
            return;
        }
        if r.target.expansions.is_empty() {
            self.redirect_target(r, &r.target.text, writes);
        } else {
            for v in word_texts(&self.vars, &r.target) {
                self.redirect_target(r, &v.text, writes);
            }
        }
    }

    /// Whether a word's value comes from fetching or decoding: a substitution in it, or a
    /// variable that holds one (`v=$(base64 -d <<< …); eval $v`).
    fn value_fetches(&self, w: &Word) -> bool {
        word_fetches(w) || self.value_decoded(w)
    }

    /// Whether an expansion in the word holds fetched or decoded text (as the walk of its
    /// substitution found it).
    fn value_decoded(&self, w: &Word) -> bool {
        !w.expansions.is_empty() && word_texts(&self.vars, w).iter().any(|v| v.unknown.decoded)
    }

    /// Whether writing `t` plants persistence or changes privileges, read from where `cd`
    /// left the shell (`cd .git/hooks; echo x > pre-commit`).
    fn sensitive_write(&self, t: &str) -> bool {
        is_sensitive_write(t)
            || self
                .vars
                .cwd
                .as_deref()
                .filter(|d| *d != "?" && !t.starts_with(['/', '~', '$']))
                .is_some_and(|here| {
                    let joined = join_path(here, t);
                    is_sensitive_write(&if t.ends_with('/') {
                        cat!(joined, "/")
                    } else {
                        joined
                    })
                })
    }

    fn redirect_target(&mut self, r: &Redirect, t: &str, writes: &mut bool) {
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
            if self.sensitive_write(t)
                || (r.target.glob || r.target.brace)
                    && crate::programs::dangers::pattern_may_be_sensitive_write(t)
            {
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

    /// Files that a command reading credentials writes: sending one later sends the
    /// credentials.
    fn taint(&mut self, redirects: &[Redirect], writes: &[String]) {
        for r in redirects.iter().filter(|r| r.op.writes()) {
            self.tainted.push(file_key(&r.target.text));
        }
        self.tainted.extend(writes.iter().map(|w| file_key(w)));
    }

    /// Walks the substitutions in a word and records their output for expansion.
    fn word_subs(&mut self, w: &Word, depth: usize) -> Flow {
        let mut flow = Flow::default();
        for (i, s) in w.subs.iter().enumerate() {
            let (cwd, dirs, hits) = (self.vars.cwd.clone(), self.dirs.clone(), self.secret_hits);
            let mut f = self.script(&s.script, depth + 1);
            // A substitution runs in a subshell: a `cd` there stays there.
            self.vars.cwd = cwd;
            self.dirs = dirs;
            f.secrets |= self.secret_hits > hits;
            let vars = &self.vars;
            let fixed = fixed_output_with(&s.script, vars.cwd.as_deref(), &|w| known_text(vars, w));
            f.fetch |= fixed.as_ref().is_some_and(|(_, d)| *d);
            // Substitutions nested in another expansion (`${x:-$(cmd)}`) have no place of
            // their own in the word.
            let src = w
                .expansions
                .iter()
                .find(|e| e.kind == ExpansionKind::Command(i))
                .and_then(|e| w.text.get(e.start..e.end));
            if let Some(src) = src {
                self.vars.subs.insert(
                    src.to_owned(),
                    SubOutput {
                        decoded: f.fetch,
                        text: fixed.map(|(t, _)| t),
                        // `$(<file)`: the file's content.
                        shape: if reads_file_only(&s.script) {
                            Shape::Content
                        } else {
                            f.output
                        },
                        secret: f.secrets,
                    },
                );
            }
            flow |= f;
        }
        flow
    }

    fn simple<'a>(&mut self, sc: &'a SimpleCommand, depth: usize, stdin: Stdin<'a>) -> Info<'a> {
        let hits = self.secret_hits;
        let mut subs_flow = Flow::default();
        let mut risky = false;
        for w in sc.words.iter().chain(
            sc.assignments
                .iter()
                .flat_map(|a| a.value.iter().chain(&a.index)),
        ) {
            subs_flow |= self.word_subs(w, depth);
            risky |= self.word_checks(w, depth);
        }
        for a in &sc.assignments {
            risky |= self.assignment(a, sc.words.is_empty(), depth);
            // `x=(['$(cmd)']=1)`: an indexed array's subscripts are arithmetic.
            if !self.vars.assoc.contains(&a.name) {
                for v in &a.value {
                    if let Some(rest) = v.text.strip_prefix('[')
                        && let Some((sub, _)) = rest.split_once("]=")
                    {
                        let sub = sub.trim_matches(['\'', '"']);
                        risky |= self.arith_text(sub, depth, "an array element's subscript");
                    }
                }
            }
        }
        // `cat {b['$(cmd)']}<f`: a redirection's fd variable, subscript evaluated.
        for w in &sc.words {
            if let Some(inner) = w.text.strip_prefix('{').and_then(|t| t.strip_suffix('}'))
                && let Some(open) = inner.find('[')
                && let Some(sub) = inner.get(open + 1..inner.len().saturating_sub(1))
                && inner.ends_with(']')
            {
                risky |= self.arith_text(sub, depth, "a redirection's fd variable");
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
                    Some(Stdin::File(&r.target))
                }
                _ => None,
            })
            .unwrap_or(stdin);
        let mut info = if sc.words.is_empty() {
            Info::new(ShellClass::ReadOnly)
        } else {
            self.argv(&sc.words, &sc.redirects, depth, stdin)
        };
        // `xargs rm -rf <<< /`: a here-string of roots fed to a command that deletes what it
        // is given, as `echo / | xargs rm -rf` is.
        if info.flow.takes_names && info.flow.destroys && self.stdin_names_root(stdin) {
            self.builtin(
                Decision::Block,
                "shell.builtin.recursive_delete_root",
                "a system or home root is fed to a command that deletes what it is given".into(),
            );
        }
        if risky && !sc.words.is_empty() {
            info.raise(ShellClass::Unknown);
        } else if risky {
            self.raise(ShellClass::Unknown);
        }
        let secret = self.secret_hits > hits || subs_flow.secrets || info.flow.secrets;
        info.flow.secrets = secret;
        if secret && info.flow.sends {
            self.exfiltration("credentials are given to");
        }
        if writes {
            info.raise(ShellClass::Mutating);
            if info.flow.fetch {
                for r in sc.redirects.iter().filter(|r| r.op.writes()) {
                    self.fetched.push(file_key(&r.target.text));
                }
            }
        }
        if secret {
            let w = std::mem::take(&mut info.writes);
            self.taint(&sc.redirects, &w);
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
        let key = std::ptr::from_ref::<SimpleCommand>(sc) as usize;
        let argv = if sc.words.is_empty() {
            sc.assignments
                .iter()
                .map(|a| {
                    let v: Vec<&str> = a.value.iter().map(|w| w.text.as_str()).collect();
                    format!("{}={}", a.name, v.join(" "))
                })
                .collect()
        } else if self.own_tree && !self.pending.iter().any(|(k, _)| *k == key) {
            self.pending.push((key, self.parts.len()));
            Vec::new()
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

    /// `NAME=value`: binds the value, and checks what assigning it does. Whether it makes the
    /// command run code it does not show.
    fn assignment(
        &mut self,
        a: &crate::syntax::Assignment,
        standalone: bool,
        depth: usize,
    ) -> bool {
        let mut risky = false;
        // `NAME=value cmd` sets NAME for `cmd` only: the shell's own words still see the old
        // value.
        if standalone {
            for v in &a.value {
                self.vars.bind_word(&a.name, v);
            }
            if a.value.is_empty() {
                self.vars.bind_value(&a.name, Value::known(""));
            }
        }
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
        risky |= self.variable_effects(&a.name, a.value.first(), depth, "");
        if let Some(i) = &a.index
            && !self.vars.assoc.contains(&a.name)
        {
            risky |= self.arith_word(i, depth, "an array subscript");
        }
        for v in &a.value {
            self.scan_word(v, Whose::Text("an assignment"));
        }
        risky
    }

    /// What setting a variable does beyond holding a value: variables that change which
    /// programs run, history written to a startup file, integer variables evaluated as
    /// arithmetic.
    fn variable_effects(
        &mut self,
        name: &str,
        value: Option<&Word>,
        depth: usize,
        how: &str,
    ) -> bool {
        let mut risky = false;
        if crate::programs::environment::silences_history(name) {
            self.history_off(cat!("`", how, name, "=…`"));
            risky = true;
        }
        self.variable_loads(name, value);
        if is_dangerous_assignment(name)
            && !crate::programs::environment::is_inert_pager(name, value)
        {
            self.builtin(
                Decision::Escalate,
                "shell.builtin.dangerous_variable",
                format!("`{how}{name}=…` changes which programs run or what they load"),
            );
            risky = true;
        }
        if let Some(v) = value {
            // Variables whose value bash runs as code later: the code shows here.
            if matches!(name, "PROMPT_COMMAND" | "PS0" | "PS1" | "PS2" | "PS4") {
                for t in word_texts(&self.vars, v).into_iter().filter(|t| t.known) {
                    let text = if name == "PROMPT_COMMAND" {
                        vec![t.text.as_str()]
                    } else {
                        crate::arith::substitutions(&t.text)
                    };
                    for cmd in text {
                        let (_, class) = self.nested_text(cmd, depth + 1, name);
                        self.raise(class);
                    }
                }
            }
            if name == "HISTFILE"
                && word_texts(&self.vars, v)
                    .iter()
                    .any(|t| is_sensitive_write(&t.text))
            {
                self.builtin(
                    Decision::Block,
                    "shell.builtin.sensitive_write",
                    format!(
                        "`HISTFILE={}` makes the history go into a startup file",
                        v.text
                    ),
                );
            }
            if self.integer_variable(name) {
                risky |= self.arith_word(v, depth, "an integer variable's value");
            }
        } else if self.integer_variable(name)
            && ["read", "mapfile", "readarray", "for", "getopts", "select"]
                .iter()
                .any(|h| how.starts_with(h))
        {
            // `read RANDOM <<< 'a[$(cmd)]'`: a value read at run time, evaluated as arithmetic.
            self.builtin(
                Decision::Escalate,
                "shell.builtin.arithmetic_code",
                format!(
                    "`{how}{name}` gives an integer variable a value not known, which bash evaluates as arithmetic"
                ),
            );
            risky = true;
        }
        risky
    }

    /// Variables whose assignments bash evaluates as arithmetic: those declared `-i`, and the
    /// special ones it keeps as integers.
    fn integer_variable(&self, name: &str) -> bool {
        self.vars.integers.contains(name)
            || matches!(
                name,
                "RANDOM" | "SRANDOM" | "OPTIND" | "HISTCMD" | "SECONDS" | "LINENO"
            )
    }

    /// Arithmetic inside a word (`$(( ))`, subscripts, substring offsets) and prompt expansion
    /// (`${v@P}`). Whether they may run code the command does not show.
    fn word_checks(&mut self, w: &Word, depth: usize) -> bool {
        let mut risky = false;
        for e in &w.expansions {
            let src = w.text.get(e.start..e.end).unwrap_or_default();
            match &e.kind {
                ExpansionKind::Arith => {
                    let expr = src
                        .strip_prefix("$((")
                        .and_then(|s| s.strip_suffix("))"))
                        .or_else(|| src.strip_prefix("$[").and_then(|s| s.strip_suffix(']')))
                        .unwrap_or_default();
                    // Substitutions written in it are real ones, walked with the word; their
                    // output is evaluated as arithmetic (`$(( $(cat VERSION) + 1 ))`).
                    risky |= self.arith_names(expr, depth, "`$(( ))`");
                    for cmd in crate::arith::substitutions(expr) {
                        if output_shape(cmd) == Shape::Content {
                            self.builtin(
                                Decision::Escalate,
                                "shell.builtin.arithmetic_code",
                                format!(
                                    "`$(( ))` evaluates the output of `{cmd}`, which may hold a subscript that runs a command (`a[$(…)]`)"
                                ),
                            );
                            risky = true;
                        }
                    }
                }
                ExpansionKind::Param { name, op, .. } => {
                    if let Some(index) = subscript(op)
                        && !self.vars.assoc.contains(name)
                    {
                        risky |= self.arith_text(index, depth, "an array subscript");
                    }
                    if let Some(rest) = op.strip_prefix(':')
                        && !rest.starts_with(['-', '=', '?', '+'])
                    {
                        risky |= self.arith_text(rest, depth, "a substring offset");
                    }
                    if op == "@P" {
                        risky |= self.prompt_expansion(name, depth);
                    }
                    // `${PATH:=/tmp/evil}` assigns when the variable is unset or empty.
                    if op.starts_with(":=") || op.starts_with('=') {
                        risky |= self.variable_effects(name, None, depth, "${…:=} ");
                    }
                    // `${!z}`: the name it reads is looked up with its subscript evaluated
                    // (`z='a[$(cmd)]'`), and may be a credential's (`v=GITHUB_TOKEN`).
                    if let ExpansionKind::Param { indirect: true, .. } = e.kind {
                        let mut secret = false;
                        for v in self.vars.lookup(name, 0) {
                            secret |= !v.known || crate::credentials::is_secret_name(&v.text);
                            if v.known
                                && let Some(open) = v.text.find('[')
                                && let Some(sub) =
                                    v.text.get(open + 1..v.text.len().saturating_sub(1))
                            {
                                risky |=
                                    self.arith_text(sub, depth, "an indirect name's subscript");
                            }
                        }
                        if secret && !op.ends_with(['*', '@']) {
                            self.builtin(
                                Decision::Escalate,
                                "shell.builtin.secret_variable",
                                format!(
                                    "`{src}` reads a variable whose name is a credential's or not known"
                                ),
                            );
                            risky = true;
                        }
                    }
                }
                _ => {}
            }
        }
        risky
    }

    /// `${v@P}` expands `v` as a prompt string, running the command substitutions in it.
    fn prompt_expansion(&mut self, name: &str, depth: usize) -> bool {
        for v in self.vars.lookup(name, 0) {
            if v.known {
                for cmd in crate::arith::substitutions(&v.text) {
                    let (_, class) = self.nested_text(cmd, depth + 1, "a prompt expansion");
                    self.raise(class);
                }
            }
        }
        self.builtin(
            Decision::Escalate,
            "shell.builtin.prompt_expansion",
            format!("`${{{name}@P}}` runs the command substitutions held in `{name}`"),
        );
        true
    }

    /// A word in an arithmetic context: its literal text and the values of its expansions
    /// are evaluated.
    fn arith_word(&mut self, w: &Word, depth: usize, what: &str) -> bool {
        let mut literal = String::new();
        let mut at = 0;
        let mut risky = false;
        for e in &w.expansions {
            literal.push_str(w.text.get(at..e.start).unwrap_or_default());
            literal.push(' ');
            // `$((y))`, `[[ $(cat VERSION) -ge 2 ]]`: a value, or a substitution's output, is
            // evaluated as arithmetic in turn.
            if let ExpansionKind::Param { .. } | ExpansionKind::Command(_) = e.kind {
                for v in self.vars.expansion_values(w, e) {
                    risky |= self.arith_value(&v, depth, what);
                }
            }
            at = e.end;
        }
        literal.push_str(w.text.get(at..).unwrap_or_default());
        risky | self.arith_text(&literal, depth, what)
    }

    /// Arithmetic text written literally: substitutions in it run when bash evaluates it (a
    /// quoted `a['$(cmd)']`), and so do those in the values of the names it mentions.
    fn arith_text(&mut self, text: &str, depth: usize, what: &str) -> bool {
        let mut risky = false;
        for cmd in crate::arith::substitutions(text) {
            self.builtin(
                Decision::Escalate,
                "shell.builtin.arithmetic_code",
                format!("{what} evaluates `{text}`, which runs `{cmd}`"),
            );
            let (_, class) = self.nested_text(cmd, depth + 1, what);
            self.raise(class);
            risky = true;
        }
        risky | self.arith_names(text, depth, what)
    }

    /// The names an arithmetic expression mentions: their values are evaluated in turn. Those
    /// it assigns hold numbers afterwards.
    fn arith_names(&mut self, expr: &str, depth: usize, what: &str) -> bool {
        for name in crate::arith::assigned(expr) {
            if self.vars.lookup(name, 0).iter().all(|v| !v.known) {
                self.vars
                    .bind_value(name, Value::unknown(format!("${name}"), Shape::Token));
            }
        }
        let mut risky = false;
        // `$(( x ))` and `$(( $x ))` alike: the value is evaluated, subscripts included.
        for name in crate::arith::referenced(expr)
            .into_iter()
            .chain(crate::arith::dollar_refs(expr))
        {
            for v in self.vars.lookup(name, 0) {
                risky |= self.arith_value(&v, depth, what);
            }
        }
        risky
    }

    /// One value evaluated as arithmetic.
    fn arith_value(&mut self, v: &Value, depth: usize, what: &str) -> bool {
        self.arith_chain(v, depth, what, 0)
    }

    /// [`Self::arith_value`], following names in the value (`y=x` evaluates `x`'s value too)
    /// up to a few links.
    fn arith_chain(&mut self, v: &Value, depth: usize, what: &str, chain: usize) -> bool {
        let mut chained = false;
        if v.known && chain < 4 {
            for name in crate::arith::referenced(&v.text) {
                for next in self.vars.lookup(name, 0) {
                    chained |= self.arith_chain(&next, depth, what, chain + 1);
                }
            }
        }
        chained | self.arith_one(v, depth, what)
    }

    /// One value's own substitutions, or its unknown content, evaluated as arithmetic.
    fn arith_one(&mut self, v: &Value, depth: usize, what: &str) -> bool {
        if v.known {
            let cmds = crate::arith::substitutions(&v.text);
            for cmd in &cmds {
                self.builtin(
                    Decision::Escalate,
                    "shell.builtin.arithmetic_code",
                    format!("{what} evaluates a value holding `$({cmd})`, which runs it"),
                );
                let (_, class) = self.nested_text(cmd, depth + 1, what);
                self.raise(class);
            }
            !cmds.is_empty()
        } else if v.unknown.shape == Shape::Content {
            self.builtin(
                Decision::Escalate,
                "shell.builtin.arithmetic_code",
                format!(
                    "{what} evaluates `{}`, whose value is not known and may hold a subscript that runs a command (`a[$(…)]`)",
                    v.text
                ),
            );
            true
        } else {
            false
        }
    }

    /// Findings about one argument's text, whatever program gets it.
    fn scan_word(&mut self, w: &Word, whose: Whose<'_>) {
        if let Some(p) = w.params.iter().find(|p| is_secret_name(p)) {
            self.builtin(
                Decision::Escalate,
                "shell.builtin.secret_variable",
                format!("{whose} expands the credential variable `${p}`"),
            );
        }
        let text = w.text.as_str();
        // After `cd /proc/self`, `environ` is `/proc/self/environ`.
        if let Some(here) = self.vars.cwd.as_deref().filter(|d| *d != "?")
            && !text.starts_with(['/', '~', '-', '$'])
            && !text.is_empty()
        {
            let joined = join_path(here, text);
            if has_credential_needle(&joined) && is_credential_path(&joined)
                || (w.glob || w.brace) && pattern_may_name_credentials(&joined)
            {
                self.builtin(
                    Decision::Escalate,
                    "shell.builtin.credential_read",
                    format!("{whose} names `{text}` in `{here}`: the credential file `{joined}`"),
                );
                return;
            }
        }
        let named = has_credential_needle(text);
        if !named && !w.glob && !w.brace {
            return;
        }
        // `-d @file`, `-F f=@file`, `--data=@file`, `<file`: the file is read.
        let value = text
            .split_once('=')
            .map_or(text, |(_, v)| v)
            .trim_start_matches(['@', '<']);
        // `HEAD:.env` (git), `host:~/.ssh/id_rsa`, `a:b` search paths: each piece may be a path.
        // Every piece is a substring of `text`: one needle scan rules them all out.
        let pieces = || text.split(':').skip(1).filter(|_| !text.contains("://"));
        if named
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
        let Some(name) = words.first() else {
            return Info::new(ShellClass::ReadOnly);
        };
        if depth > MAX_DEPTH {
            self.too_deep();
            let mut info = Info::new(ShellClass::ReadOnly);
            info.raise(ShellClass::Unknown);
            return info;
        }
        let static_name = name.is_static() && !name.text.is_empty();
        let joins_cwd = static_name
            && self.vars.cwd.is_some()
            && matches!(
                basename(&name.text),
                "rm" | "rmdir"
                    | "unlink"
                    | "shred"
                    | "mv"
                    | "find"
                    | "truncate"
                    | "chmod"
                    | "chown"
                    | "chgrp"
            );
        if static_name && !joins_cwd && words.iter().all(|w| w.expansions.is_empty() && !w.brace) {
            return self.command_line(words, redirects, depth, stdin);
        }
        self.resolved(words, redirects, depth, stdin)
    }

    /// Whether a command's redirected input names a system or home root: a here-string or
    /// here-document (`<<< /`), or a process substitution with a fixed output (`< <(echo /)`).
    fn stdin_names_root(&self, stdin: Stdin<'_>) -> bool {
        let names_root = |t: &str| {
            t.split(|c: char| c.is_whitespace() || c == '\0')
                .any(is_protected_root)
        };
        match stdin {
            Stdin::Text(w) => word_texts(&self.vars, w)
                .iter()
                .any(|v| names_root(&v.text)),
            Stdin::File(w) => w
                .subs
                .iter()
                .filter(|s| s.kind == SubKind::ProcessIn)
                .filter_map(|s| {
                    fixed_output_with(&s.script, self.vars.cwd.as_deref(), &|w| {
                        known_text(&self.vars, w)
                    })
                })
                .any(|(t, _)| names_root(&t)),
            Stdin::Pipe | Stdin::Inherit => false,
        }
    }

    /// A command that stops the shell's history from recording what runs.
    fn history_off(&mut self, what: String) {
        self.builtin(
            Decision::Escalate,
            "shell.builtin.history_off",
            cat!(what, " stops the shell history from recording commands"),
        );
    }

    /// What the parts of a command line that stay unknown could do to it: become options or
    /// files of a read-only program, hide a destructive command's target, carry credentials
    /// to a sender.
    fn unknown_parts(
        &mut self,
        name: &str,
        words: &[Word],
        expanded: &[Option<Expanded>],
        info: &mut Info<'_>,
    ) {
        let entry = programs::lookup(basename(name));
        if info.class == ShellClass::ReadOnly && self.open_args(entry, words, expanded) {
            info.raise(ShellClass::Unknown);
        }
        if entry.is(kind::DESTRUCTIVE) {
            self.collapsed(entry, words);
            // `rm -rf ${HOME::1}`, `rm -rf ${PWD%%/*}/`: a root hidden in an operator.
            // The cut must be the whole path (`${PWD%/}/dist` is a directory under it).
            let cut_root = words.iter().zip(expanded).any(|(w, e)| {
                e.as_ref().is_some_and(|e| e.unknown.root_cut)
                    && w.expansions.last().is_some_and(|last| {
                        matches!(w.text.get(last.end..), Some("" | "/" | "/*" | "/.*"))
                    })
            });
            if words.iter().any(|w| looks_recursive(&w.text)) && cut_root {
                self.builtin(
                    Decision::Block,
                    "shell.builtin.recursive_delete_root",
                    format!(
                        "`{}` deletes a path cut out of $HOME, $PWD or $PATH, which can be a root",
                        display(words)
                    ),
                );
            }
        }
        if info.flow.sends && expanded.iter().flatten().any(|e| e.unknown.secret) {
            self.exfiltration("a value derived from credentials is given to");
        } else if !entry.is(kind::TEXT_ONLY)
            && words.iter().zip(expanded).any(|(w, e)| {
                // `git ls-remote "https://$GITHUB_TOKEN@e"`, `npm view x --registry
                // "https://e/$(cat ~/.npmrc | base64)"`: a URL carrying a credential, whoever
                // is given it.
                e.as_ref().is_some_and(|e| e.unknown.secret)
                    && (w.text.contains("://") || w.text.contains('@') && w.text.contains(':'))
            })
        {
            self.exfiltration("a URL carrying a credential is given to");
        }
    }

    /// A command line with expansions, a computed program name or a known working directory:
    /// each way it may come out is classified, and what stays unknown is judged by what it
    /// could do.
    fn resolved<'a>(
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
        let expanded: Vec<Option<Expanded>> = words
            .iter()
            .map(|w| (!w.expansions.is_empty()).then(|| self.vars.expand(w)))
            .collect();
        let computed = !name.is_static() || name.text.is_empty();
        // `v=$(base64 -d <<< …); eval $v`: decoded text run as code, whatever it says.
        if matches!(
            programs::lookup(basename(&name.text)).runs,
            Runs::Eval | Runs::Shell | Runs::Source | Runs::Interpreter(_)
        ) && args.iter().any(|w| self.value_decoded(w))
        {
            self.builtin(
                Decision::Block,
                "shell.builtin.fetch_into_interpreter",
                format!(
                    "`{}` runs text fetched from the network or decoded",
                    display(words)
                ),
            );
        }
        // Nothing known to substitute, split or join: the words stand as they are, and only
        // what their unknown parts could do is judged.
        if !computed
            && self.vars.cwd.is_none()
            && !args.iter().any(|w| w.brace)
            && expanded.iter().flatten().all(|e| !e.changed)
        {
            let mut info = self.command_line(words, redirects, depth, stdin);
            self.unknown_parts(&name.text, words, &expanded, &mut info);
            return info;
        }
        // The first words each way the program name may come out.
        let heads: Vec<Vec<Word>> = match &expanded[0] {
            Some(ex) if ex.unknown.any => Vec::new(),
            Some(ex) => ex
                .outcomes
                .iter()
                .map(|o| o.fields.iter().map(|f| Word::literal(f.as_str())).collect())
                .collect(),
            None if name.brace => crate::glob::expand_braces(&name.text, MAX_ALTERNATIVES)
                .map(|alts| vec![alts.into_iter().map(Word::literal).collect()])
                .unwrap_or_default(),
            None if name.glob => programs::matching(&name.text)
                .into_iter()
                .map(|p| vec![Word::literal(p)])
                .collect(),
            None => vec![vec![name.clone()]],
        };
        if computed && heads.is_empty() {
            return self.unknown_program(words, depth, stdin);
        }
        let mut argvs: Vec<Vec<Word>> = heads;
        for (w, ex) in args.iter().zip(&expanded[1..]) {
            let ways: Vec<Vec<Word>> = match ex {
                // `{a,b}` becomes one word per alternative, all in the same command line.
                None if w.brace => match crate::glob::expand_braces(&w.text, MAX_ALTERNATIVES) {
                    // An empty alternative (`{a,}`) is a null word, which the shell drops.
                    Some(alts) => vec![
                        alts.iter()
                            .filter(|a| !a.is_empty())
                            .map(|a| {
                                let mut f = w.clone();
                                f.text.clone_from(a);
                                f.brace = false;
                                f
                            })
                            .collect(),
                    ],
                    None => vec![vec![w.clone()]],
                },
                None => vec![vec![w.clone()]],
                Some(ex) => ex
                    .outcomes
                    .iter()
                    .map(|o| {
                        o.fields
                            .iter()
                            .map(|f| field_word(w, f, ex, o.globbed))
                            .collect()
                    })
                    .collect(),
            };
            let mut next = Vec::new();
            'product: for a in &argvs {
                for way in &ways {
                    if next.len() >= MAX_ALTERNATIVES {
                        break 'product;
                    }
                    let mut b = a.clone();
                    b.extend(way.iter().cloned());
                    next.push(b);
                }
            }
            argvs = next;
        }
        for argv in &mut argvs {
            self.join_cwd(argv);
        }
        // A glob in command position matches whatever programs exist; what the table's other
        // matches would do is a guess, so their own blocks only escalate.
        let guessed = computed && expanded[0].is_none() && name.glob;
        let mark = self.findings.len();
        for argv in &argvs {
            let Some(first) = argv.first() else {
                continue;
            };
            let prog = basename(&first.text).to_owned();
            let inner = self.command_line(argv, redirects, depth, stdin);
            info.merge(inner.class, inner.flow, inner.runs_code, inner.writes);
            if computed && programs::lookup(&prog).is(kind::DESTRUCTIVE) {
                self.builtin(
                    Decision::Block,
                    "shell.builtin.computed_program",
                    format!(
                        "the program name `{}` is computed and can be `{prog}`, which deletes or overwrites: hiding it is intent, not accident",
                        name.text
                    ),
                );
            }
        }
        if guessed {
            for f in self.findings.iter_mut().skip(mark) {
                if f.decision == Decision::Block
                    && !matches!(
                        f.rule.as_str(),
                        "shell.builtin.computed_program" | "shell.builtin.decode_then_run"
                    )
                {
                    f.decision = Decision::Escalate;
                }
            }
        }
        if computed {
            let first: Vec<&str> = argvs
                .iter()
                .filter_map(|a| a.first())
                .map(|w| basename(&w.text))
                .collect();
            if let Some(p) = first.first()
                && first.iter().all(|f| f == p)
                && let Some(known) = programs::lookup(p).names.iter().find(|n| *n == p)
                && self.want_views
            {
                info.views.push(View {
                    prog: known,
                    args,
                    redirects,
                });
            }
            self.builtin(
                Decision::Escalate,
                "shell.builtin.dynamic_program",
                format!("the program name `{}` is decided at run time", name.text),
            );
            info.raise(ShellClass::Unknown);
            info.runs_code = true;
            if expanded[0].as_ref().is_some_and(|e| e.unknown.decoded) {
                self.builtin(
                    Decision::Block,
                    "shell.builtin.decode_then_run",
                    format!(
                        "the program name `{}` comes from decoding or de-obfuscating text",
                        name.text
                    ),
                );
            }
        } else {
            if self.want_views {
                info.views.push(View {
                    prog: basename(&name.text),
                    args,
                    redirects,
                });
            }
            self.unknown_parts(&name.text, words, &expanded, &mut info);
        }
        info
    }

    /// Relative operands of a destructive command (and `find`'s start points) seen from the
    /// directory a `cd` went to.
    fn join_cwd(&self, argv: &mut [Word]) {
        let Some(cwd) = self.vars.cwd.as_deref() else {
            return;
        };
        let Some((name, args)) = argv.split_first_mut() else {
            return;
        };
        // Programs whose operands are paths (for chmod and chown, after the mode or owner).
        let skip = match basename(&name.text) {
            "rm" | "rmdir" | "unlink" | "shred" | "mv" | "find" | "truncate" => 0,
            "chmod" | "chown" | "chgrp" => 1,
            _ => return,
        };
        for w in args
            .iter_mut()
            .filter(|w| !w.text.starts_with('-'))
            .skip(skip)
        {
            if !w.text.starts_with(['/', '~', '$']) && !w.text.is_empty() && !w.text.contains('=') {
                w.text = join_path(cwd, &w.text);
            }
        }
    }

    /// A destructive command whose unknown parts may be empty (an unset variable): its dangers
    /// with those parts gone (`rm -rf "$DIR/"` is `rm -rf /` when `DIR` is unset).
    fn collapsed(&mut self, entry: &Program, words: &[Word]) {
        if !words.iter().any(|w| {
            w.params
                .iter()
                .any(|p| self.vars.lookup(p, 0).iter().any(|v| !v.known))
        }) {
            return;
        }
        let emptied: Vec<Word> = words
            .iter()
            .map(|w| {
                let mut t = w.clone();
                let mut text = String::new();
                let mut at = 0;
                for e in &w.expansions {
                    text.push_str(w.text.get(at..e.start).unwrap_or_default());
                    let vals = self.vars.expansion_values(w, e);
                    let required = matches!(&e.kind, ExpansionKind::Param { op, .. } if op.starts_with(":?") || op.starts_with('?'));
                    if let [v] = vals.as_slice()
                        && v.known
                    {
                        text.push_str(&v.text);
                    } else if required {
                        // `${DIR:?}` stops the command when DIR is unset or empty.
                        text.push('_');
                    }
                    at = e.end;
                }
                text.push_str(w.text.get(at..).unwrap_or_default());
                t.text = text;
                t.expansions.clear();
                t
            })
            .collect();
        let Some((name, args)) = emptied.split_first() else {
            return;
        };
        let prog = basename(&name.text);
        let call = Call::new(prog, args, &entry.options);
        let mut dangers = Vec::new();
        if let Some(f) = entry.dangers {
            f(&call, &mut dangers);
        }
        for d in dangers
            .into_iter()
            .filter(|d| d.decision == Decision::Block)
        {
            self.finding(
                d.decision,
                d.rule,
                format!(
                    "`{}` when its variables are unset or empty: {}",
                    display(words),
                    d.message
                ),
            );
        }
    }

    /// A program name whose value cannot be known.
    fn unknown_program<'a>(
        &mut self,
        words: &'a [Word],
        depth: usize,
        stdin: Stdin<'a>,
    ) -> Info<'a> {
        let mut info = Info::new(ShellClass::Unknown);
        let name = &words[0];
        self.builtin(
            Decision::Escalate,
            "shell.builtin.dynamic_program",
            format!("the program name `{}` is decided at run time", name.text),
        );
        // It may well be a shell reading whatever is piped into it.
        info.flow.stdin_script = matches!(stdin, Stdin::Pipe);
        info.runs_code = true;
        let args = &words[1..];
        if name.subs.iter().any(|s| script_decodes(&s.script)) {
            self.builtin(
                Decision::Block,
                "shell.builtin.decode_then_run",
                format!(
                    "the program name `{}` comes from decoding or fetching",
                    name.text
                ),
            );
        }
        // `$SHELL -c '…'`: it may well be a shell.
        if let Some(k) = args.iter().position(|a| a.text == "-c")
            && let Some(script) = args.get(k + 1)
        {
            let (f, c) = self.shell_string(script, depth, "a computed program's `-c`");
            info.flow |= f;
            info.raise(c);
        }
        if args.iter().any(|a| looks_recursive(&a.text))
            && args
                .iter()
                .any(|a| !a.text.starts_with('-') && is_protected_root(&a.text))
        {
            self.builtin(
                Decision::Block,
                "shell.builtin.computed_program",
                format!(
                    "`{}`: a computed program is given a recursive flag and a system or home root",
                    display(words)
                ),
            );
        }
        info
    }

    /// Arguments whose value stays unknown, judged by what they could do to a read-only
    /// program: become several words (an unquoted value), an option, or the name of a file
    /// outside the working directory. Whether one makes it not read-only.
    fn open_args(
        &mut self,
        entry: &Program,
        words: &[Word],
        expanded: &[Option<Expanded>],
    ) -> bool {
        // `echo $X`: whatever words, options or names it becomes, `echo` prints them. What
        // the names lead to downstream is the pipeline's concern.
        // `: ${X:=y}`, `true $x`: arguments that are expanded and then ignored.
        if entry.is(kind::TEXT_ONLY) && entry.model.is_none()
            || words
                .first()
                .is_some_and(|w| matches!(w.text.as_str(), ":" | "true" | "false"))
        {
            return false;
        }
        let safe_options = entry.model.is_none();
        let mut after_dashes = false;
        let mut open = false;
        // A pattern-first program's pattern is not a file it opens.
        let pattern = entry
            .is(kind::PATTERN_FIRST)
            .then(|| words.iter().skip(1).position(|w| !w.text.starts_with('-')))
            .flatten();
        for (k, (w, ex)) in words.iter().zip(expanded).skip(1).enumerate() {
            after_dashes |= w.text == "--" && w.expansions.is_empty()
                // `printf`'s options come only before its format.
                || entry.is(kind::TEXT_ONLY) && k > 0;
            let Some(u) = ex.as_ref().map(|e| e.unknown).filter(|u| u.any) else {
                continue;
            };
            // `--author=$(…)`: the value of an option, not a file operand.
            let option_value =
                w.text.starts_with('-') && w.expansions.first().is_some_and(|e| e.start > 0);
            let extra_operand_matters =
                !safe_options && (u.shape >= Shape::Names || entry.writes.is_some());
            let why = if u.split && (u.shape == Shape::Content || extra_operand_matters) {
                "is unquoted and its value is not known: it may become several words, options or glob patterns"
            } else if u.lead && !safe_options && !after_dashes {
                "may start with `-` and become an option"
            } else if u.escape && entry.is(kind::CONTENT) && !option_value && Some(k) != pattern {
                "may name any file, outside the working directory and credentials included"
            } else {
                continue;
            };
            self.finding(
                Decision::Escalate,
                "shell.builtin.dynamic_argument",
                quoted(words, &[": `", &w.text, "` ", why]),
            );
            open = true;
        }
        open
    }

    /// `find *`, `uniq *`: a name a glob matches may start with `-` (a planted file named
    /// `-delete`), or the glob may match two files (and the second is written). Whether such a
    /// glob is an operand of a program that writes or acts on what it is given.
    fn glob_operands(&mut self, entry: &Program, words: &[Word]) -> bool {
        // Programs whose options matter: those that write, act, or have a model of their
        // options (`git log *` with a file named `--output=x`).
        if entry.writes.is_none()
            && !entry.is(kind::FINDS)
            && (entry.model.is_none() || entry.is(kind::PATTERN_FIRST))
        {
            return false;
        }
        let several = entry.is(kind::SECOND_OPERAND_WRITTEN);
        // `printf '%s\n' *.md`: only the format's place takes options (`-v NAME`); `file *`:
        // its one writing option (`-C`) compiles a magic file, nothing more.
        let first_only = entry.is(kind::TEXT_ONLY);
        if words.first().is_some_and(|w| w.text == "file") {
            return false;
        }
        let mut open = false;
        for (k, w) in words.iter().skip(1).enumerate() {
            if first_only && k > 0 {
                break;
            }
            if w.text == "--" && !w.glob {
                break;
            }
            // find's actions: only a glob that can match one of them turns into one.
            let becomes_option = if entry.is(kind::FINDS) {
                find::ACTIONS
                    .iter()
                    .any(|a| crate::glob::glob_match(&w.text, a))
            } else {
                w.text.starts_with(['*', '?', '['])
            };
            if w.glob && (several || becomes_option) {
                self.finding(
                    Decision::Escalate,
                    "shell.builtin.dynamic_argument",
                    quoted(
                        words,
                        &[
                            ": the glob `",
                            &w.text,
                            "` may match a name starting with `-` (an option) or several files",
                        ],
                    ),
                );
                open = true;
            }
        }
        open
    }

    /// One command line whose program name is a literal word.
    fn command_line<'a>(
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
        let prog = basename(&name.text);
        let entry = programs::lookup(prog);
        if programs::only_asks(entry, prog, args) && !name.text.contains('/') {
            return info;
        }
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
                self.runs_script(name);
            }
        }
        let view = View {
            prog,
            args,
            redirects,
        };
        if self.want_views {
            info.views.push(view);
        }
        let (listed, allow_listed) = self.policy_lists(&view, &call, words);
        self.program_dangers(entry, &call, words);
        self.scan_args(entry, &call);
        if self.glob_operands(entry, words) {
            info.raise(ShellClass::Unknown);
        }
        self.program_lookup(name, prog);
        self.option_programs(prog, args);
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
        let writes: Vec<&str> = entry.writes.map(|f| f(&call)).unwrap_or_default();
        let network = entry.reaches_network(&call);
        if network && entry.is(kind::FETCHER) {
            info.flow.fetch = true;
            self.fetched.extend(writes.iter().map(|w| file_key(w)));
        }
        info.writes = writes.iter().map(|w| (*w).to_owned()).collect();
        if name.text.contains('/') {
            self.runs_fetched(&name.text, "runs");
        }
        if prog == "chmod" {
            for a in args.iter().skip(1) {
                self.runs_fetched(&a.text, "makes executable");
            }
        }
        info.flow.sends = network;
        if network {
            self.sends_files(&call, stdin);
        }
        info.flow.network |= network && entry.is(kind::NETWORK);
        info.flow.fetch |= entry.decodes.is_some_and(|f| f(&call));
        info.flow.names_secrets |= programs::names_secrets(entry, prog, args);
        info.flow.takes_names |= entry.is(kind::TAKES_NAMES);
        info.flow.destroys |= entry.is(kind::DESTRUCTIVE);
        info.flow.names_roots |= entry.is(kind::PRINTS_NAMES)
            && args
                .iter()
                .any(|a| !a.text.starts_with('-') && is_protected_root(&a.text))
            || prog == "find" && find::start_points(args).any(|w| is_protected_root(&w.text))
            || entry.is(kind::TEXT_ONLY)
                && args.iter().any(|a| a.text.contains(['/', '~', '\\']))
                && crate::fixed::text_output(prog, args).is_some_and(|t| {
                    // Lines or NUL-separated names (`printf '/\0' | xargs -0 rm -rf`).
                    t.split(['\n', '\0'])
                        .any(|l| is_protected_root(l.trim()))
                })
            // `cd / && pwd | xargs rm -rf`, `dirname /x | xargs rm -rf`.
            || prog == "pwd"
                && self
                    .vars
                    .cwd
                    .as_deref()
                    .is_some_and(|d| d != "?" && is_protected_root(d))
            || prog == "dirname"
                && args.iter().filter(|a| !a.text.starts_with('-')).any(|a| {
                    let t = a.text.trim_end_matches('/');
                    let d = t.rsplit_once('/').map_or(".", |(d, _)| if d.is_empty() { "/" } else { d });
                    is_protected_root(d) || t.is_empty() && a.text.starts_with('/')
                });
        info.flow.output = entry.output.map_or(Shape::Content, |f| f(&call));
        if matches!(stdin, Stdin::Pipe)
            && let Some(input) = self.input
            && entry.selects.is_some_and(|f| f(&call))
        {
            info.flow.output = info.flow.output.min(input.shape);
        }
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
                self.awk(&call, depth, &mut info);
                return info;
            }
            Runs::Busybox => {
                if !args.is_empty() {
                    let inner = self.argv(args, redirects, depth + 1, stdin);
                    info.absorb(inner);
                }
                return info;
            }
            // `source /dev/stdin`: the script is whatever standard input holds.
            Runs::Source
                if args
                    .first()
                    .is_some_and(|w| shells::is_stdin_device(&w.text)) =>
            {
                info.flow.interpreter = true;
                info.runs_code = true;
                self.stdin_script(prog, depth, stdin, &mut info, true);
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
                for (inner_words, in_match_dir) in find::exec_actions(args) {
                    // `find -exec sh -c 'wc -l {}' \;`: each file name is pasted into a script.
                    if let Some((first, rest)) = inner_words.split_first()
                        && matches!(
                            programs::lookup(basename(&first.text)).runs,
                            Runs::Shell | Runs::Eval
                        )
                        && rest
                            .iter()
                            .position(|w| w.text == "-c")
                            .and_then(|k| rest.get(k + 1))
                            .is_some_and(|script| script.text.contains("{}"))
                    {
                        self.builtin(
                            Decision::Escalate,
                            "shell.builtin.dynamic_script",
                            "find pastes file names into a shell script (`{}` inside it): a name becomes code".into(),
                        );
                        info.raise(ShellClass::Unknown);
                    }
                    let here = in_match_dir.then(|| {
                        self.elsewhere(
                            "`find -execdir`, which runs it from each match's directory".into(),
                        )
                    });
                    self.inner_argv(inner_words, depth, &mut info);
                    if let Some(here) = here {
                        self.dirs = here;
                    }
                }
            }
            Runs::FdExec => {
                let roots = call.operands().skip(1).any(is_protected_root);
                for inner_words in programs::fd_commands(args) {
                    if roots
                        && inner_words.first().is_some_and(|w| {
                            programs::lookup(basename(&w.text)).is(kind::DESTRUCTIVE)
                        })
                    {
                        self.builtin(
                            Decision::Block,
                            "shell.builtin.recursive_delete_root",
                            "fd over a system or home root deleting what it finds".into(),
                        );
                    }
                    self.inner_argv(inner_words, depth, &mut info);
                }
            }
            Runs::Git => {
                // git runs them from the repository's top directory (a submodule's, for
                // `submodule foreach`), not from here.
                let here =
                    self.elsewhere("git, which runs it from the repository's top directory".into());
                for inner in git::inner(args) {
                    match inner {
                        git::Inner::Script(text) => {
                            let (f, c) = self.nested_text(&text, depth + 1, "git");
                            info.flow |= f;
                            info.raise(c.max(ShellClass::Unknown));
                            info.runs_code = true;
                        }
                        git::Inner::Argv(w) => self.inner_argv(w, depth, &mut info),
                    }
                }
                self.dirs = here;
            }
            Runs::Parallel => {
                self.parallel(args, depth, &mut info);
                return info;
            }
            Runs::Scripts => {
                info.runs_code = true;
                info.raise(ShellClass::Unknown);
                for w in wrappers::scripts(args) {
                    let (f, c) = self.shell_string(w, depth, cat!("`", prog, "`"));
                    info.flow |= f;
                    info.raise(c);
                }
                return info;
            }
            Runs::Nothing => {}
        }
        if prog == "set" {
            self.set_options(args);
        }
        match prog {
            "alias" if args.iter().any(|a| a.text.contains('=')) => {
                self.builtin(
                    Decision::Escalate,
                    "shell.builtin.alias",
                    "defining an alias changes what later words run".into(),
                );
                for a in args {
                    if let Some((_, body)) = a.text.split_once('=')
                        && !a.dynamic
                    {
                        let (_, class) = self.nested_text(body, depth + 1, "an alias");
                        self.raise(class);
                    }
                }
            }
            "at" | "batch" => {
                match call.opts.value(Some('f'), None) {
                    Some(f) => self.runs_script(&Word::literal(f)),
                    None => self.stdin_script(prog, depth, stdin, &mut info, true),
                }
                info.flow.stdin_script = matches!(stdin, Stdin::Pipe);
            }
            "shopt" if args.iter().any(|a| a.text == "expand_aliases") => self.builtin(
                Decision::Escalate,
                "shell.builtin.alias",
                "expand_aliases changes what later words run".into(),
            ),
            "cd" | "pushd" => {
                self.change_dir(args);
                self.move_dirs(prog, args);
            }
            "popd" => {
                // Back to a directory the command cannot name here: later relative paths
                // are not joined.
                self.vars.cwd = Some("?".into());
                self.left_working_dir = true;
                self.move_dirs(prog, args);
            }
            "export" | "declare" | "typeset" | "local" | "readonly"
                if self.declaration(prog, args, depth) =>
            {
                info.raise(ShellClass::Unknown);
            }
            "let" => {
                for a in args {
                    if self.arith_word(a, depth, "`let`") {
                        info.raise(ShellClass::Unknown);
                    }
                }
            }
            "read" | "mapfile" | "readarray" if self.read_into(prog, &call, stdin, depth) => {
                info.raise(ShellClass::Unknown);
            }
            "printf" if self.printf_into(args, depth) => info.raise(ShellClass::Unknown),
            "unset" | "test" | "[" | "wait" | "getopts" => {
                let mut risky = false;
                if prog == "unset"
                    && let Some(w) = args
                        .iter()
                        .find(|w| crate::programs::environment::silences_history(&w.text))
                {
                    self.history_off(cat!("`unset ", w.text, "`"));
                    risky = true;
                }
                for w in variable_names(prog, args) {
                    risky |= self.variable_name(&w.text, computed(w), depth, prog);
                    // `getopts p PATH`: assigns the option letter it reads.
                    if prog == "getopts" {
                        risky |= self.variable_effects(&w.text, None, depth, "getopts ");
                    }
                }
                if risky {
                    info.raise(ShellClass::Unknown);
                }
            }
            "set"
                if args
                    .windows(2)
                    .any(|w| w[0].text == "+o" && w[1].text == "history") =>
            {
                self.history_off("`set +o history`".into());
                info.raise(ShellClass::Unknown);
            }
            "set" if args.first().is_some_and(|a| a.text == "--") => {
                self.vars.bind_positional(&args[1..]);
            }
            "make" => self.makefiles(&call),
            "sed" => {
                for f in call.opts.values_of(Some('f'), Some("file")) {
                    self.runs_script(&Word::literal(f));
                }
            }
            _ => {}
        }
        // A function defined earlier runs its body (walked where it was defined, and again
        // here with the call's arguments).
        if let Some(i) = self.functions.iter().position(|(n, _)| n == prog)
            && !name.text.contains('/')
        {
            let moves = self.moving.iter().any(|m| m == prog);
            if self.calling.iter().any(|c| c == prog) {
                if moves {
                    self.dirs.anywhere(cat!("a recursive call of `", prog, "`"));
                }
            } else if !args.is_empty() || moves {
                self.call_function(i, args, depth, &mut info);
            }
            return info;
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
            Model::RunsCode(cat!(prog, " can run shell commands"))
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
                    quoted(words, &[": ", &why]),
                );
                info.runs_code = true;
                ShellClass::Unknown
            }
            Model::Unknown => {
                if let Some(a) = args.iter().find(|a| names_a_shell(&a.text)) {
                    self.builtin(
                        Decision::Escalate,
                        "shell.builtin.spawns_shell",
                        cat!("`", prog, "` is handed a shell (`", a.text, "`)"),
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

    /// A command line another program runs (`find -exec`, `fd -x`, `git bisect run`).
    fn inner_argv<'a>(&mut self, words: &'a [Word], depth: usize, info: &mut Info<'a>) {
        if words.is_empty() {
            info.raise(ShellClass::Unknown);
            return;
        }
        let inner = self.argv(words, &[], depth + 1, Stdin::Inherit);
        info.raise(inner.class);
        info.flow |= inner.flow;
        info.runs_code |= inner.runs_code;
    }

    /// A sender given a file that holds credentials (read earlier in the command, or named
    /// with `@`, `<`, `-T`, `--post-file`), or reading one on its input.
    fn sends_files(&mut self, call: &Call<'_>, stdin: Stdin<'_>) {
        if self.tainted.is_empty() {
            return;
        }
        let named = call.args.iter().any(|a| {
            let t = a.text.as_str();
            let v = t
                .split_once('=')
                .map_or(t, |(_, v)| v)
                .trim_start_matches(['@', '<']);
            self.tainted.contains(&file_key(v)) || self.tainted.contains(&file_key(t))
        });
        let input = matches!(stdin, Stdin::File(w) if self.tainted.contains(&file_key(&w.text)));
        if named || input {
            self.exfiltration("a file written from credentials earlier in the command is given to");
        }
    }

    /// `cd DIR`: where later relative paths point.
    fn change_dir(&mut self, args: &[Word]) {
        let target = shells::cd_target(args);
        self.left_working_dir |=
            target.is_none_or(|t| t.text == "-" || !t.is_static() || outside_working_dir(&t.text));
        self.vars.cwd = match target {
            None => Some("~".into()),
            Some(t) if !t.dynamic && !t.glob && !t.brace && t.text != "-" => {
                let here = self.vars.cwd.as_deref().unwrap_or(".");
                Some(join_path(here, &t.text)).filter(|d| d != ".")
            }
            Some(_) => Some("?".into()),
        };
    }

    /// `export NAME=value`, `declare -i NAME=value`, `local NAME`: binds and checks like an
    /// assignment. Whether it may run code the command does not show.
    fn declaration(&mut self, prog: &str, args: &[Word], depth: usize) -> bool {
        let flags: String = args
            .iter()
            .filter(|a| a.text.starts_with(['-', '+']))
            .map(|a| a.text.as_str())
            .collect();
        let integer = flags.contains('i');
        let mut risky = false;
        // `declare -n r=PS4`: every later use of `r` reads or sets another variable, whose
        // name the rest of the command no longer shows.
        if flags.contains('n') && !flags.contains('p') {
            self.builtin(
                Decision::Escalate,
                "shell.builtin.nameref",
                format!("`{prog} -n` makes a name stand for another variable"),
            );
            risky = true;
        }
        for a in args.iter().filter(|a| !a.text.starts_with(['-', '+'])) {
            let (name, value) = match a.text.find('=') {
                Some(eq) => (
                    a.text[..eq].trim_end_matches('+'),
                    Some(word_tail(a, eq + 1)),
                ),
                None => (a.text.as_str(), None),
            };
            // Unresolved, an expansion in the name part; resolved, a name that is not one.
            let name_computed = a.expansions.first().is_some_and(|e| e.start < name.len())
                || a.dynamic && !is_name(name.split('[').next().unwrap_or_default());
            risky |= self.variable_name(name, name_computed, depth, prog);
            // `declare -p NAME` prints the variable; with `-p` nothing is assigned.
            if flags.contains('p') {
                continue;
            }
            if let Some(v) = value.as_ref().filter(|v| v.text.starts_with('('))
                && !computed(v)
                && !flags.contains('A')
                && !crate::arith::substitutions(&v.text).is_empty()
            {
                // `declare 'a=([$(cmd)]=1)'`: a quoted compound value is expanded again.
                risky |= self.arith_text(&v.text, depth, "a compound array value");
            }
            if !is_name(name) {
                continue;
            }
            if integer {
                self.vars.integers.insert(name.to_owned());
            }
            if flags.contains('A') {
                self.vars.assoc.insert(name.to_owned());
            }
            if value.as_ref().is_some_and(|v| v.text.starts_with('(')) {
                // A compound array: its elements are not followed one by one.
                self.vars
                    .bind_value(name, Value::unknown(format!("${name}"), Shape::Content));
            } else if let Some(v) = &value {
                self.vars.bind_word(name, v);
                if v.text.trim_start().starts_with("() {") {
                    self.builtin(
                        Decision::Block,
                        "shell.builtin.function_import",
                        format!("`{prog} {name}` holds an exported shell function"),
                    );
                }
            }
            risky |= self.variable_effects(name, value.as_ref(), depth, &format!("{prog} "));
        }
        risky
    }

    /// `read NAME…`, `mapfile NAME`: the variables get what the command reads.
    fn read_into(&mut self, prog: &str, call: &Call<'_>, stdin: Stdin<'_>, depth: usize) -> bool {
        let p = crate::args::parse(
            call.args,
            &if prog == "read" {
                OptSpec::new("adinNptuC", &[])
            } else {
                shells::MAPFILE_OPTIONS
            },
        );
        if let Some(cb) = shells::mapfile_callback(call) {
            let (_, class) = self.nested_text(cb, depth + 1, "mapfile's callback");
            self.raise(class);
        }
        let mut names: Vec<&str> = p.operands.iter().map(|w| w.text.as_str()).collect();
        // `read -a NAME` splits into words and `mapfile NAME` into lines: array elements.
        let array: Option<&str> = if prog == "read" {
            p.values_of(Some('a'), None).first().copied()
        } else {
            names.first().copied().or(Some("MAPFILE"))
        };
        if prog == "read" {
            names.extend(p.values_of(Some('a'), None));
            if names.is_empty() {
                names.push("REPLY");
            }
        } else if names.is_empty() {
            names.push("MAPFILE");
        }
        let values: Vec<Value> = match stdin {
            Stdin::Text(w) => word_texts(&self.vars, w),
            Stdin::File(w) => {
                let mut v = Value::unknown("$(< file)", Shape::Content);
                v.unknown.secret = is_credential_path(&w.text);
                vec![v]
            }
            Stdin::Pipe | Stdin::Inherit => {
                let input = self.input.unwrap_or(Input {
                    shape: Shape::Content,
                    secret: false,
                });
                let mut v = Value::unknown("$(input)", input.shape);
                v.unknown.secret = input.secret;
                vec![v]
            }
        };
        let mut risky = false;
        for n in names {
            risky |=
                self.variable_name(n, word_of(call.args, n).is_some_and(computed), depth, prog);
            if !is_name(n) {
                continue;
            }
            risky |= self.variable_effects(n, None, depth, &format!("{prog} "));
            for v in &values {
                if Some(n) == array && v.known {
                    let pieces: Vec<&str> = if prog == "read" {
                        v.text.split_ascii_whitespace().collect()
                    } else {
                        v.text.lines().collect()
                    };
                    for piece in pieces {
                        self.vars.bind_value(n, Value::known(piece));
                    }
                } else {
                    self.vars.bind_value(n, v.clone());
                }
            }
        }
        risky
    }

    /// A word a builtin takes as a variable's name (`read NAME`, `printf -v NAME`, `unset NAME`,
    /// `[[ -v NAME ]]`, `declare NAME=…`): bash evaluates a subscript in it as arithmetic, so
    /// `a[$(cmd)]` runs `cmd`, and a name computed at run time may carry such a subscript.
    /// Whether it may run code the command does not show.
    fn variable_name(&mut self, name: &str, computed: bool, depth: usize, prog: &str) -> bool {
        if computed {
            self.builtin(
                Decision::Escalate,
                "shell.builtin.computed_name",
                format!(
                    "`{prog}` is given a variable name decided at run time (`{name}`): a subscript in it runs commands"
                ),
            );
            return true;
        }
        match name.split_once('[') {
            Some((base, index)) if !self.vars.assoc.contains(base) => {
                self.arith_text(index, depth, "an array subscript")
            }
            _ => false,
        }
    }

    /// `printf -v NAME FORMAT…`: NAME is assigned what printf would print.
    fn printf_into(&mut self, args: &[Word], depth: usize) -> bool {
        let joined;
        let (name, rest) = match args {
            [v, name, rest @ ..] if v.text == "-v" => (name, rest),
            // `-vNAME`, as getopts reads it.
            [v, rest @ ..] if v.text.len() > 2 && v.text.starts_with("-v") => {
                joined = word_tail(v, 2);
                (&joined, rest)
            }
            _ => return false,
        };
        let mut risky = self.variable_name(&name.text, computed(name), depth, "printf -v");
        if !is_name(&name.text) {
            return risky;
        }
        let text = crate::fixed::text_output("printf", rest);
        let value = text.as_deref().map(Word::literal);
        risky |= self.variable_effects(&name.text, value.as_ref(), depth, "printf -v ");
        let bound = match text {
            Some(t) => Value::known(t),
            None => Value::unknown("$(printf)", Shape::Content),
        };
        self.vars.bind_value(&name.text, bound);
        risky
    }

    /// A call of a function defined earlier: its body again, with the call's arguments.
    fn call_function<'a>(&mut self, i: usize, args: &[Word], depth: usize, info: &mut Info<'a>) {
        let Some((name, body)) = self.functions.get(i).cloned() else {
            return;
        };
        if depth + 1 > MAX_DEPTH {
            return;
        }
        self.vars.bind_positional(args);
        self.calling.push(name);
        self.vars.in_function += 1;
        let own = std::mem::replace(&mut self.own_tree, false);
        let inner = self.command(&body, depth + 1, Stdin::Inherit);
        self.own_tree = own;
        self.vars.in_function -= 1;
        self.calling.pop();
        info.raise(inner.class);
        info.flow |= inner.flow;
    }

    /// `make`: the makefiles it runs recipes from.
    fn makefiles(&mut self, call: &Call<'_>) {
        let p = crate::args::parse(
            call.args,
            &OptSpec::new("fCIjlowW", &["file", "makefile", "directory"]),
        );
        let files = p.values_of(Some('f'), Some("file"));
        let files = if files.is_empty() {
            p.values_of(None, Some("makefile"))
        } else {
            files
        };
        let dir = p.value(Some('C'), Some("directory"));
        // GNU make reads the first of these that exists.
        let defaults = ["GNUmakefile", "makefile", "Makefile"];
        let names = if files.is_empty() {
            &defaults[..]
        } else {
            &files[..]
        };
        for f in names {
            match dir {
                Some(d) if !f.starts_with('/') => {
                    self.bind_file(&cat!(d.trim_end_matches('/'), "/", f));
                }
                _ => self.bind_file(f),
            }
        }
        self.unbound(
            "the makefiles' `include`s",
            "make reads the files a makefile includes when it runs".into(),
        );
    }

    /// `parallel CMD ::: INPUTS`: the command with each input, or each input as a command.
    fn parallel<'a>(&mut self, args: &'a [Word], depth: usize, info: &mut Info<'a>) {
        info.raise(ShellClass::Unknown);
        let (command, inputs) = wrappers::parallel(args);
        if command.is_empty() {
            for w in inputs {
                let (f, c) = self.shell_string(w, depth, "`parallel`");
                info.flow |= f;
                info.raise(c);
            }
            return;
        }
        let mut argv: Vec<Word> = command.to_vec();
        argv.extend(inputs.into_iter().cloned());
        let inner = self.argv(&argv, &[], depth + 1, Stdin::Inherit);
        info.merge(inner.class, inner.flow, inner.runs_code, inner.writes);
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
                        let msg = quoted(words, &[" matches `", &pat.source, "`"]);
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
            && let Some(t) = writes(call).into_iter().find(|t| self.sensitive_write(t))
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
            self.finding(d.decision, d.rule, quoted(words, &[": ", &d.message]));
        }
    }

    /// Findings about the arguments' text: credential paths and variables, raw sockets.
    fn scan_args(&mut self, entry: &Program, call: &Call<'_>) {
        let (prog, args) = (call.prog, call.args);
        // `ls -la .env`, `test -f .env`, `du -sh .[!.]*`: names and metadata, not contents.
        // What they print may still name credentials downstream (`names_secrets`).
        let text_only = entry.is(kind::TEXT_ONLY)
            || entry.is(kind::PRINTS_NAMES) && !entry.is(kind::CONTENT)
            || matches!(prog, "test" | "[")
            || entry.parses_only.is_some_and(|f| f(call));
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
                self.scan_word(a, Whose::Program(prog));
                if crate::needles::has_prefixed(&a.text, b"/dev/", &[b"tcp/", b"udp/"]) {
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
                && !n.starts_with('-')
                && is_name(n)
            {
                let value = word_tail(w, n.len() + 1);
                self.vars.bind_word(n, &value);
                if self.variable_effects(n, Some(&value), depth, &format!("{prog} ")) {
                    info.raise(ShellClass::Unknown);
                }
            }
        }
        match wrappers::own(prog, own, inner_words) {
            Own::LookupOnly => return info,
            Own::WritesFile(file) => {
                info.raise(ShellClass::Mutating);
                if is_sensitive_write(file) {
                    self.builtin(
                        Decision::Block,
                        "shell.builtin.sensitive_write",
                        format!("`{prog} -o` writes `{file}`, which runs code or grants access"),
                    );
                }
            }
            Own::SplitString(text) => {
                // `env -S` splits by its own rules (`\_`, `${VAR}`, `\c`), not the shell's.
                self.builtin(
                    Decision::Escalate,
                    "shell.builtin.dynamic_script",
                    format!("`{prog} -S` splits `{text}` into a command line by its own rules"),
                );
                let (f, c) = self.nested_text(&text, depth + 1, "env -S");
                info.flow |= f;
                info.raise(c.max(ShellClass::Unknown));
                return info;
            }
            Own::ShellString(w) => {
                let (f, c) = self.shell_string(w, depth, cat!(prog, " -c"));
                info.flow |= f;
                info.raise(c);
                info.runs_code = true;
            }
            Own::Script(text) => {
                let (f, c) = self.nested_text(&text, depth + 1, cat!(prog, " -c"));
                info.flow |= f;
                info.raise(c);
                info.runs_code = true;
            }
            Own::ShellArgs(words) => {
                self.shell("bash", words, depth, stdin, &mut info);
                return info;
            }
            Own::Plain => {}
        }
        let here = self.wrapper_effects(prog, own, inner_words, redirects);
        let inner = if inner_words.is_empty() {
            Info::new(if wrappers::bare_is_read_only(prog) {
                ShellClass::ReadOnly
            } else {
                ShellClass::Unknown
            })
        } else {
            self.argv(inner_words, redirects, depth + 1, stdin)
        };
        if let Some(here) = here {
            self.dirs = here;
        }
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
                    cat!("`", prog, "` runs a command with elevated privileges"),
                );
            }
        }
        let mut inner = inner;
        // `xargs cat <<< ~/.ssh/id_rsa`: the here-string's words are the names it opens.
        if prog == "xargs"
            && let Stdin::Text(names) = stdin
        {
            self.scan_word(names, Whose::Program("xargs"));
            for line in names.text.lines().filter(|l| !l.trim().is_empty()) {
                let l = line.trim();
                if is_credential_path(l) {
                    self.builtin(
                        Decision::Escalate,
                        "shell.builtin.credential_read",
                        format!("xargs is given the credential file `{l}` to open"),
                    );
                }
            }
        }
        // `echo -delete | xargs find .`, `ls | xargs uniq`: xargs appends words from its
        // input, which may become options or a second file, to a program for which those
        // matter.
        let plain_input = matches!(stdin, Stdin::Pipe)
            && self
                .input
                .is_some_and(|i| matches!(i.shape, Shape::Token | Shape::Paths));
        if prog == "xargs"
            && !plain_input
            && inner.class == ShellClass::ReadOnly
            && let Some(first) = inner_words.first()
        {
            let entry = programs::lookup(basename(&first.text));
            if entry.model.is_some() || entry.writes.is_some() || entry.is(kind::FINDS) {
                self.finding(
                    Decision::Escalate,
                    "shell.builtin.dynamic_argument",
                    quoted(
                        inner_words,
                        &[": xargs appends words from its input, which may become options or more files"],
                    ),
                );
                inner.raise(ShellClass::Unknown);
            }
        }
        // `ls | xargs nice`, `xargs watch echo`: a program that runs its arguments as a
        // command gets them from xargs's input.
        if prog == "xargs"
            && let Some(first) = inner_words.first()
            && matches!(
                programs::lookup(basename(&first.text)).runs,
                Runs::Wrapper(_) | Runs::Watch | Runs::Scripts | Runs::Parallel | Runs::Busybox
            )
        {
            self.builtin(
                Decision::Escalate,
                "shell.builtin.dynamic_script",
                format!(
                    "`xargs {}` runs commands built from its input",
                    display(inner_words)
                ),
            );
            inner.raise(ShellClass::Unknown);
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
    fn shell_string(
        &mut self,
        w: &Word,
        depth: usize,
        what: impl std::fmt::Display,
    ) -> (Flow, ShellClass) {
        if w.dynamic || w.glob || w.brace {
            if self.value_fetches(w) {
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
            self.built_script(w);
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
                    self.nested_text(&w.text, depth + 1, format!("{prog} (here-document)"));
                info.flow |= f;
                info.raise(c);
            }
            Stdin::Text(w) => {
                if self.value_fetches(w) {
                    self.builtin(
                        Decision::Block,
                        "shell.builtin.fetch_into_interpreter",
                        format!("{prog} runs a here-document built from fetched or decoded data"),
                    );
                }
                self.builtin(
                    Decision::Escalate,
                    "shell.builtin.stdin_script",
                    cat!(prog, " runs a program given on its standard input"),
                );
                info.raise(ShellClass::Unknown);
            }
            Stdin::Pipe => {
                info.flow.stdin_script = true;
                self.builtin(
                    Decision::Escalate,
                    "shell.builtin.stdin_script",
                    cat!(prog, " runs whatever the pipeline feeds it"),
                );
                info.raise(ShellClass::Unknown);
            }
            Stdin::File(w) => {
                self.runs_script(w);
                self.substituted_script(prog, w, "script", depth);
                self.builtin(
                    Decision::Escalate,
                    "shell.builtin.stdin_script",
                    cat!(prog, " runs a program read from a redirected file"),
                );
                info.raise(ShellClass::Unknown);
            }
            Stdin::Inherit => {
                self.builtin(
                    Decision::Escalate,
                    "shell.builtin.interactive_shell",
                    cat!("`", prog, "` starts an interactive shell or interpreter"),
                );
                info.raise(ShellClass::Unknown);
            }
        }
    }

    /// A script that a process substitution produces and a program runs. When the
    /// substitution's output is fixed (`bash <(echo 'rm -rf ~')`), that text is the script.
    fn substituted_script(&mut self, prog: &str, w: &Word, what: &str, depth: usize) {
        if !w.subs.iter().any(|s| s.kind == SubKind::ProcessIn) {
            return;
        }
        if self.value_fetches(w) {
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
        for s in w.subs.iter().filter(|s| s.kind == SubKind::ProcessIn) {
            let vars = &self.vars;
            let fixed = fixed_output_with(&s.script, vars.cwd.as_deref(), &|w| known_text(vars, w));
            if let Some((text, decoded)) = fixed {
                if decoded {
                    self.builtin(
                        Decision::Block,
                        "shell.builtin.decode_then_run",
                        cat!(
                            "`",
                            prog,
                            "` runs text hidden by escapes or a transformation"
                        ),
                    );
                }
                let (_, class) = self.nested_text(&text, depth + 1, cat!("`", prog, "`"));
                self.raise(class);
            }
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
        self.profiles(
            prog,
            s.login,
            prog == "bash" && s.interactive && s.startup.is_none(),
        );
        if s.login {
            self.builtin(
                Decision::Escalate,
                "shell.builtin.login_profile",
                format!("`{prog} -l` first runs the login profiles (~/.bash_profile, /etc/profile), which may run anything"),
            );
            info.raise(ShellClass::Unknown);
        }
        if let Some((_, Some(file))) = s.startup {
            self.runs_script(file);
        }
        if s.interactive {
            self.builtin(
                Decision::Escalate,
                "shell.builtin.interactive_shell",
                cat!("`", prog, " -i` starts an interactive shell"),
            );
        }
        if s.command_mode {
            match s.operand {
                Some(w) => {
                    let saved = (!s.rest.is_empty()).then(|| {
                        self.vars
                            .script_args(s.rest.first(), s.rest.get(1..).unwrap_or_default())
                    });
                    let (f, c) = self.shell_string(w, depth, format_args!("`{prog} -c`"));
                    if let Some(saved) = saved {
                        self.vars.restore(saved);
                    }
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
                if shells::is_stdin_device(&w.text)
                    && !w.subs.iter().any(|s| s.kind == SubKind::ProcessIn)
                {
                    self.stdin_script(prog, depth, stdin, info, true);
                    return;
                }
                self.substituted_script(prog, w, "script", depth);
                // A script file the gateway cannot see.
                self.runs_fetched(&w.text, format_args!("`{prog}` runs"));
                if !w.subs.iter().any(|s| s.kind == SubKind::ProcessIn) {
                    self.runs_script(w);
                }
                info.raise(ShellClass::Unknown);
            }
            _ => self.stdin_script(prog, depth, stdin, info, true),
        }
    }

    fn interpreter<'a>(
        &mut self,
        prog: &str,
        inline: &'static [&'static str],
        args: &'a [Word],
        depth: usize,
        stdin: Stdin<'a>,
        info: &mut Info<'a>,
    ) {
        info.flow.interpreter = true;
        info.runs_code = true;
        info.raise(ShellClass::Unknown);
        let fallback = Syntax::inline(inline);
        let syntax = launch::syntax_of(prog).unwrap_or(&fallback);
        let inv = launch::invocation(prog, syntax, args);
        if let Some(why) = &inv.server {
            self.builtin(
                Decision::Escalate,
                "shell.builtin.network_server",
                why.clone(),
            );
        }
        self.loads(prog, syntax, &inv);
        for w in &inv.more {
            self.runs_script(w);
        }
        match inv.source {
            LaunchSource::Code(c) => self.inline_code(prog, c, depth, info),
            LaunchSource::Module(_) => info.flow.fetch |= interpreters::module_decodes(args),
            LaunchSource::File(w) => {
                self.runs_fetched(&w.text, format_args!("`{prog}` runs"));
                self.substituted_script(prog, w, "program", depth);
                self.runs_script(w);
            }
            LaunchSource::FileOrScript(w) => {
                // A file of that name, or else the `package.json` script it names.
                self.runs_script(w);
                self.bind_file("package.json");
            }
            LaunchSource::Task(files) => {
                for f in files {
                    self.bind_file(f);
                }
            }
            LaunchSource::Found => self.unbound(
                prog,
                "the files it finds to run (tests) are not named by the command".into(),
            ),
            LaunchSource::Class(w) => {
                self.unbound(&w.text, "a class loaded from the class path".into());
            }
            LaunchSource::Nothing => {}
            LaunchSource::Stdin => self.stdin_script(prog, depth, stdin, info, false),
        }
    }

    /// Inline code given to an interpreter: what it appears to do.
    fn inline_code(&mut self, prog: &str, c: &Word, depth: usize, info: &mut Info<'_>) {
        if self.value_fetches(c) {
            self.builtin(
                Decision::Block,
                "shell.builtin.fetch_into_interpreter",
                format!("`{prog}` runs code fetched from the network or decoded"),
            );
        }
        let s = code_signals(&c.text);
        // What decoding code prints may be a payload for the next stage.
        info.flow.fetch |= s.decodes;
        let snippet = display(std::slice::from_ref(c));
        self.code_strings(prog, &c.text, s, depth, info);
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
                cat!("inline ", prog, " code runs programs: ", snippet),
            );
        } else if s.network {
            self.builtin(
                Decision::Escalate,
                "shell.builtin.inline_code",
                cat!("inline ", prog, " code uses the network: ", snippet),
            );
        } else if s.write {
            self.builtin(
                Decision::Escalate,
                "shell.builtin.inline_code",
                cat!("inline ", prog, " code writes or deletes files: ", snippet),
            );
        }
        if interpreters::deletes_home_or_root(&c.text) {
            self.builtin(
                Decision::Block,
                "shell.builtin.recursive_delete_root",
                cat!(
                    "inline ",
                    prog,
                    " code deletes a home or system root: ",
                    snippet
                ),
            );
        }
    }

    fn awk<'a>(&mut self, call: &Call<'a>, depth: usize, info: &mut Info<'a>) {
        let prog = call.prog;
        let program = match interpreters::awk_program(call) {
            AwkProgram::Text(w) => w,
            AwkProgram::File(f) => {
                info.runs_code = true;
                info.raise(ShellClass::Unknown);
                self.runs_script(&Word::literal(f));
                return;
            }
            AwkProgram::Missing => {
                info.runs_code = true;
                info.raise(ShellClass::Unknown);
                return;
            }
        };
        // A literal program that can only read its input and print is read-only, like `cut`;
        // its file operands are judged as any reader's.
        if interpreters::awk_reads_only(call, program) {
            info.raise(ShellClass::ReadOnly);
            return;
        }
        info.runs_code = true;
        info.raise(ShellClass::Unknown);
        let s = code_signals(&program.text);
        self.code_strings(prog, &program.text, s, depth, info);
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
                    if args.iter().any(|w| self.value_fetches(w)) {
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
                    self.substituted_script(prog, w, "script", depth);
                    self.runs_script(w);
                    // It runs in this shell and may move it.
                    self.dirs.sourced(&w.text);
                    self.runs_fetched(&w.text, format_args!("`{prog}` runs"));
                    if self.value_fetches(w) {
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
        // `watch "cat $(ls)"`, `eval echo *`: the shell parses the words after they are
        // expanded, so file names and command output become code.
        if let Some(w) = words.iter().find(|w| !w.is_static()) {
            self.builtin(
                Decision::Escalate,
                "shell.builtin.dynamic_script",
                format!(
                    "{what} parses `{}` again after expanding it: names and output become code",
                    w.text
                ),
            );
            info.raise(ShellClass::Unknown);
        }
        let text = words
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let (f, c) = self.nested_text(&text, depth + 1, what);
        info.flow |= f;
        info.raise(c);
    }

    /// The strings in inline code that runs programs (`os.system("…")`, awk's
    /// `system("…")`, perl's backticks): the ones that read as commands are walked, so that
    /// what they do shows; paths it writes or credentials it sends count too.
    fn code_strings(
        &mut self,
        prog: &str,
        code: &str,
        s: interpreters::CodeSignals,
        depth: usize,
        info: &mut Info<'_>,
    ) {
        if !(s.exec || s.write || s.network || s.decode_eval) {
            return;
        }
        if s.decode_eval {
            self.builtin(
                Decision::Block,
                "shell.builtin.decode_then_run",
                format!("inline {prog} code decodes hidden text and runs it"),
            );
        }
        if s.env && s.network {
            self.exfiltration(&format!(
                "inline {prog} code reads the environment and hands it to"
            ));
        }
        for (start, end) in string_literals(code) {
            let Some(lit) = code.get(start..end) else {
                continue;
            };
            if s.write && is_protected_root(lit) {
                self.builtin(
                    Decision::Block,
                    "shell.builtin.recursive_delete_root",
                    format!("inline {prog} code deletes or writes the system or home root `{lit}`"),
                );
            }
            if s.write && is_sensitive_write(lit) {
                self.builtin(
                    Decision::Block,
                    "shell.builtin.sensitive_write",
                    format!("inline {prog} code writes `{lit}`"),
                );
            }
            if s.network && is_credential_path(lit) {
                self.exfiltration(&format!("inline {prog} code reads `{lit}` and hands it to"));
            }
            let first = lit.split_whitespace().next().unwrap_or_default();
            if s.exec && !first.is_empty() && programs::lookup(basename(first)).kind != 0 {
                let (f, c) = self.nested_text(lit, depth + 1, format!("inline {prog} code"));
                info.flow |= f;
                info.raise(c);
            }
        }
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
