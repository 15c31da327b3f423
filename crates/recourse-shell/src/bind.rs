//! What a command runs from files, bound or not: the scripts it names, found from every
//! directory the shell may be in ([`crate::dirs`]); the files and modules an interpreter's
//! options and environment variables make it load ([`crate::programs::launch`]). A file that
//! can be named is listed in [`crate::Assessment::scripts`] (the gateway hashes and pins it);
//! what cannot is listed in [`crate::Assessment::unbound`] with the reason, and makes the
//! command escalate.

use recourse_policy::ShellClass;

use crate::Unbound;
use crate::dirs::{Dirs, Found, cd_args};
use crate::programs::launch::{self, Arg, EnvLoad, Invocation, Lang, Load, Syntax};
use crate::syntax::{Command, Pipeline, RedirOp, Redirect, Script, SubKind, Word};
use crate::walk::Walker;

/// Most entries kept in the unbound list; past it, one more says so.
const MAX_UNBOUND: usize = 32;

/// Whether a pipeline is one `cd`, `pushd` or `popd`: it moves the shell only when it succeeds.
pub(crate) fn is_move(p: &Pipeline) -> bool {
    match &p.commands[..] {
        [Command::Simple(sc)] => sc
            .words
            .first()
            .is_some_and(|w| w.is_static() && matches!(w.text.as_str(), "cd" | "pushd" | "popd")),
        _ => false,
    }
}

/// Shell builtins: never looked up on PATH.
const BUILTINS: &[&str] = &[
    ".",
    ":",
    "[",
    "alias",
    "bg",
    "bind",
    "break",
    "builtin",
    "caller",
    "cd",
    "command",
    "compgen",
    "complete",
    "compopt",
    "continue",
    "declare",
    "dirs",
    "disown",
    "echo",
    "enable",
    "eval",
    "exec",
    "exit",
    "export",
    "false",
    "fc",
    "fg",
    "getopts",
    "hash",
    "help",
    "history",
    "jobs",
    "kill",
    "let",
    "local",
    "logout",
    "mapfile",
    "popd",
    "printf",
    "pushd",
    "pwd",
    "read",
    "readarray",
    "readonly",
    "return",
    "set",
    "shift",
    "shopt",
    "source",
    "suspend",
    "test",
    "times",
    "trap",
    "true",
    "type",
    "typeset",
    "ulimit",
    "umask",
    "unalias",
    "unset",
    "wait",
];

/// The files `cat FILE…` (or `cat <FILE`) reads, when that is all the command is.
fn cat_files<'a>(words: &'a [Word], redirects: &'a [Redirect]) -> Option<Vec<&'a Word>> {
    let (name, args) = words.split_first()?;
    if name.text != "cat" || !name.is_static() || args.iter().any(|a| a.text.starts_with('-')) {
        return None;
    }
    let mut files: Vec<&Word> = args.iter().collect();
    for r in redirects {
        if r.op == RedirOp::In && r.fd.is_none_or(|fd| fd == 0) && args.is_empty() {
            files.push(&r.target);
        }
    }
    (!files.is_empty()).then_some(files)
}

/// The files a script that is one `cat` reads.
fn script_cat(s: &Script) -> Option<Vec<&Word>> {
    let [item] = &s.items[..] else { return None };
    let [p] = &item.pipelines[..] else {
        return None;
    };
    let [Command::Simple(sc)] = &p.commands[..] else {
        return None;
    };
    cat_files(&sc.words, &sc.redirects)
}

impl Walker<'_> {
    /// Records code the command runs whose content cannot be bound.
    pub(crate) fn unbound(&mut self, what: &str, why: String) {
        if self.unbound.iter().any(|u| u.what == what && u.why == why) {
            return;
        }
        if self.unbound.len() >= MAX_UNBOUND {
            if self.unbound.len() == MAX_UNBOUND {
                self.unbound.push(Unbound {
                    what: "…".into(),
                    why: "more code that cannot be bound than is listed".into(),
                });
            }
            return;
        }
        self.unbound.push(Unbound {
            what: what.to_owned(),
            why,
        });
    }

    /// A file the command runs or loads, named by a literal path: found from every place the
    /// shell may be in.
    pub(crate) fn bind_file(&mut self, name: &str) {
        if name.is_empty() {
            return;
        }
        for f in self.dirs.find(name) {
            match f {
                Found::Path(p) => {
                    if !self.scripts.contains(&p) {
                        self.scripts.push(p);
                    }
                }
                Found::Unbound(why) => self.unbound(name, cat!("it is found from ", why)),
            }
        }
        if !name.starts_with('/')
            && let Some(src) = self.dirs.sourced_before().map(str::to_owned)
            && src != name
        {
            self.unbound(
                name,
                cat!(
                    "`",
                    src,
                    "`, sourced before it, may change the directory it is found from"
                ),
            );
        }
    }

    /// A file named by a word: bound when the word is literal, listed as unbound otherwise.
    pub(crate) fn bind_word(&mut self, w: &Word) {
        if w.subs.iter().any(|s| s.kind == SubKind::ProcessIn) {
            // Its text is a stream whose producer the command shows (and escalates).
            return;
        }
        if w.text == "{}" {
            self.unbound("{}", "each file `find` finds is run; none is named".into());
        } else if !w.is_static() {
            self.unbound(&w.text, "its name is decided at run time".into());
        } else {
            self.bind_file(&w.text);
            self.path_searched(&w.text, "a file it runs");
        }
    }

    /// A name without a slash after the command changed `PATH`: `.`, `source`, bash's script
    /// operand and the command name itself may be found on it, in a directory the command
    /// chose.
    fn path_searched(&mut self, name: &str, what: &str) {
        if name.contains('/') {
            return;
        }
        if let Some(path) = self.dirs.path_changed().map(str::to_owned) {
            self.unbound(
                name,
                cat!(
                    what,
                    " may be looked up on PATH, which `",
                    path,
                    "` changes: the file found there is neither shown nor pinned"
                ),
            );
        }
    }

    /// The program a simple command names: after a change of `PATH`, a name without a slash
    /// that is neither a builtin nor a function is found on it.
    pub(crate) fn program_lookup(&mut self, name: &Word, prog: &str) {
        if self.dirs.path_changed().is_none()
            || name.text.contains('/')
            || BUILTINS.contains(&prog)
            || self.functions.iter().any(|(n, _)| n == prog)
        {
            return;
        }
        self.path_searched(&name.text, "the program");
    }

    /// A command another program runs from a directory of its choosing (`find -execdir`,
    /// a git alias): walked with the shell there; the returned places are put back after.
    pub(crate) fn elsewhere(&mut self, why: String) -> Dirs {
        let here = self.dirs.elsewhere(why);
        std::mem::replace(&mut self.dirs, here)
    }

    /// What a wrapper's own options do to the command it runs: `env -C DIR` runs it from
    /// `DIR` (the returned places are put back after it); `exec <FILE` with no command makes
    /// `FILE` the input of what follows (a shell reading it runs it); `xargs -a FILE` takes
    /// the command's arguments from `FILE`.
    pub(crate) fn wrapper_effects(
        &mut self,
        prog: &str,
        own: &[Word],
        inner: &[Word],
        redirects: &[Redirect],
    ) -> Option<Dirs> {
        if prog == "exec" && inner.is_empty() {
            for r in redirects {
                if r.op == RedirOp::In && r.fd.is_none_or(|fd| fd == 0) {
                    self.bind_word(&r.target);
                }
            }
        }
        if prog == "xargs" {
            let p = crate::args::parse(
                own,
                &crate::args::OptSpec::new("aEeIiLlnPsd", &["arg-file"]),
            );
            for f in p.values_of(Some('a'), Some("arg-file")) {
                self.unbound(
                    f,
                    "`xargs` reads the arguments of the command it runs from it: a script named there is not bound".into(),
                );
            }
        }
        let target = crate::programs::wrappers::chdir(prog, own)?;
        let moved = self.dirs.moved(target.map(Some), false);
        Some(std::mem::replace(&mut self.dirs, moved))
    }

    /// A program that runs its standard input, fed by a pipeline whose output is not fixed
    /// text: the files a `cat` before it reads are what it runs (bound); otherwise the
    /// input is named as unbound. `xargs` instead makes its input the arguments of the
    /// program it runs: the script names in it are not bound.
    pub(crate) fn piped_code(&mut self, upstream: &[Command], prog: &str, fixed: Option<&str>) {
        if prog == "xargs" {
            let why =
                "`xargs` gives it, read from its input, to the program it runs; it is not bound";
            let names: Vec<&str> = fixed
                .map(|t| t.split_whitespace().collect())
                .unwrap_or_default();
            if names.is_empty() {
                self.unbound("the input of `xargs`", why.into());
            }
            for n in names {
                self.unbound(n, why.into());
            }
            return;
        }
        if fixed.is_some() {
            return;
        }
        match upstream {
            [Command::Simple(sc)] if cat_files(&sc.words, &sc.redirects).is_some() => {
                for w in cat_files(&sc.words, &sc.redirects).unwrap_or_default() {
                    self.bind_word(w);
                }
            }
            _ => self.unbound(
                &cat!("the input of `", prog, "`"),
                "it runs whatever the pipeline feeds it".into(),
            ),
        }
    }

    /// A shell script built at run time (`bash -c "$(cat x.sh)"`): the files a `cat` in it
    /// reads are what runs (bound); otherwise it is named as unbound.
    pub(crate) fn built_script(&mut self, w: &Word) {
        let mut all_cat = !w.subs.is_empty() && w.params.is_empty() && !w.glob && !w.brace;
        for s in &w.subs {
            match script_cat(&s.script) {
                Some(files) if s.kind == SubKind::Command => {
                    for f in files {
                        self.bind_word(f);
                    }
                }
                _ => all_cat = false,
            }
        }
        if !all_cat {
            self.unbound(&w.text, "a script built at run time".into());
        }
    }

    /// `bash -l`, `bash -i`: the startup files in the home directory run first.
    pub(crate) fn profiles(&mut self, prog: &str, login: bool, interactive: bool) {
        if login {
            self.unbound(
                "~/.bash_profile ~/.bash_login ~/.profile",
                cat!(
                    "`",
                    prog,
                    " -l` runs the login profiles of the home directory, which is not bound"
                ),
            );
        }
        if interactive {
            self.unbound(
                "~/.bashrc",
                cat!(
                    "`",
                    prog,
                    " -i` runs the startup file of the home directory, which is not bound"
                ),
            );
        }
    }

    /// Programs named by options (`sort --compress-program=./z`, `tar -I ./z`): code the
    /// command runs, bound when it is a path.
    pub(crate) fn option_programs(&mut self, prog: &str, args: &[Word]) {
        for (w, value) in crate::programs::subprograms::named(prog, args) {
            if !w.is_static() {
                self.unbound(&w.text, "a program named at run time".into());
                continue;
            }
            let mut parts = value.split_whitespace();
            let first = parts.next().unwrap_or_default();
            if parts.next().is_some() {
                self.unbound(
                    value,
                    cat!(
                        "a command line `",
                        prog,
                        "` runs: the files it names are not bound"
                    ),
                );
            }
            if first.contains('/') {
                self.bind_file(first);
            }
        }
    }

    fn bind_arg(&mut self, a: Arg<'_>) {
        if a.word.is_static() {
            self.bind_file(a.text);
        } else {
            self.unbound(&a.word.text, "its name is decided at run time".into());
        }
    }

    /// `cd`, `pushd`, `popd`: where the shell is when they succeed.
    pub(crate) fn move_dirs(&mut self, prog: &str, args: &[Word]) {
        if prog == "popd" {
            if args.is_empty() {
                self.dirs.popped();
            } else {
                self.dirs.anywhere(cat!("`popd ", args[0].text, "`"));
            }
            return;
        }
        let a = cd_args(args);
        let target = match a.target {
            _ if a.other => Err(cat!("`", prog, "` with options that are not followed")),
            None if prog == "pushd" => Err("`pushd` with no directory".into()),
            None => Ok(None),
            Some(w) if w.is_static() && w.text != "-" => Ok(Some(w.text.as_str())),
            Some(w) => Err(cat!("`", prog, " ", w.text, "`")),
        };
        let moved = self.dirs.moved(target, a.physical);
        self.dirs = if prog == "pushd" {
            self.dirs.pushed(moved)
        } else {
            moved
        };
    }

    /// After a loop whose body moved the shell: each pass starts where the last one left it,
    /// so the scripts the body names relative to it (found from the first pass's place only)
    /// and everything after the loop are not bound to one place.
    pub(crate) fn loop_moved(&mut self, start: &Dirs, scripts_before: usize) {
        if self.dirs == *start {
            return;
        }
        let named: Vec<String> = self
            .scripts
            .get(scripts_before..)
            .unwrap_or_default()
            .iter()
            .filter(|s| !s.starts_with('/'))
            .cloned()
            .collect();
        for s in named {
            self.unbound(
                &s,
                "it runs in a loop that changes directory: later passes find it elsewhere".into(),
            );
        }
        self.dirs.union(start);
        self.dirs.anywhere("a `cd` in a loop".into());
    }

    /// `set -P`, `set -o physical`: later `cd`s resolve `..` through the file system.
    pub(crate) fn set_options(&mut self, args: &[Word]) {
        for (i, a) in args.iter().enumerate() {
            let t = a.text.as_str();
            let physical = t.starts_with(['-', '+']) && t[1..].contains('P')
                || matches!(t, "-o" | "+o")
                    && args.get(i + 1).is_some_and(|n| n.text == "physical");
            if physical {
                self.dirs.set_physical(t.starts_with('-'));
            }
        }
    }

    /// A variable assignment that makes programs load code (`BASH_ENV=x.sh`,
    /// `NODE_OPTIONS='-r ./p.js'`, `PYTHONPATH=lib`).
    pub(crate) fn variable_loads(&mut self, name: &str, value: Option<&Word>) {
        if name == "CDPATH" {
            self.dirs.search_path();
        }
        if name == "PATH" {
            self.dirs
                .set_path(cat!(name, "=", value.map_or("", |v| v.text.as_str())));
        }
        let (Some((how, syntax)), Some(v)) = (launch::env_load(name), value) else {
            return;
        };
        let shown = cat!(name, "=", v.text);
        if !v.is_static() {
            self.unbound(&shown, "its value is decided at run time".into());
            return;
        }
        let text = v.text.as_str();
        match how {
            EnvLoad::File => self.bind_file(text),
            EnvLoad::Files => {
                for f in text.split([' ', ':']).filter(|f| !f.is_empty()) {
                    // `LD_PRELOAD=libx.so`: found in the system's library directories.
                    if f.contains('/') || name == "MAKEFILES" {
                        self.bind_file(f);
                    }
                }
            }
            EnvLoad::CodeOrFile => {
                if let Some(f) = text.strip_prefix('@') {
                    self.bind_file(f);
                }
            }
            EnvLoad::Options => match syntax {
                Some(s) => {
                    let words: Vec<Word> = text.split_whitespace().map(Word::literal).collect();
                    let inv = launch::invocation(name, s, &words);
                    self.loads(name, s, &inv);
                }
                None => self.unbound(&shown, "options that can load code".into()),
            },
            EnvLoad::Dirs | EnvLoad::Path => self.unbound(
                &shown,
                "modules and libraries are looked up there first; what is found is neither shown nor pinned"
                    .into(),
            ),
        }
    }

    /// The code an interpreter's options make it load besides its program, and its startup
    /// files.
    pub(crate) fn loads(&mut self, prog: &str, syntax: &Syntax, inv: &Invocation<'_>) {
        let dirs: Vec<&str> = inv
            .loads
            .iter()
            .filter(|(l, _)| *l == Load::Dir)
            .map(|(_, a)| a.text)
            .collect();
        for &(load, arg) in &inv.loads {
            match load {
                Load::Module(lang) => {
                    if !arg.word.is_static() {
                        self.unbound(&arg.word.text, "a module named at run time".into());
                        continue;
                    }
                    if lang == Lang::Python && inv.isolated {
                        // `-I`/`-P`: the working directory is not searched.
                        continue;
                    }
                    let (files, why) = launch::module_files(lang, arg.text, &dirs);
                    for f in &files {
                        self.bind_file(f);
                    }
                    if let Some(why) = why {
                        self.unbound(arg.text, why);
                    }
                }
                Load::File | Load::Program => self.bind_arg(arg),
                Load::Setting => {
                    if let Some(f) = launch::php_setting(arg.text) {
                        self.bind_file(f);
                    }
                }
                Load::Config => self.unbound(
                    &arg.word.text,
                    cat!("`", prog, "` reads a configuration that can name code to run first"),
                ),
                Load::Chdir => self.unbound(
                    &arg.word.text,
                    cat!(
                        "`",
                        prog,
                        "` changes to this directory before it finds its program, which is not bound there"
                    ),
                ),
                Load::Dir | Load::PathSearch => {}
            }
        }
        if inv.flags.contains(&Load::PathSearch) {
            self.unbound(prog, "its program is looked up on PATH".into());
        }
        if !inv.no_startup {
            for f in syntax.startup.0 {
                self.bind_file(f);
            }
        }
        if let Some(opt) = inv.unknown_option {
            self.unbound(
                opt,
                cat!(
                    "an option of `",
                    prog,
                    "` that is not modelled: the file it runs may not be the one bound"
                ),
            );
        }
    }

    /// Code that cannot be bound makes the command not read-only: the policy decides it as
    /// any command that may change something (see `Assessment::verdict`).
    pub(crate) fn unbound_class(&mut self) {
        if !self.unbound.is_empty() {
            self.raise(ShellClass::Mutating);
        }
    }
}
