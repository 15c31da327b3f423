//! How an interpreter's command line names the code it runs: which options take a value (so
//! that `python3 -W ignore x.py` runs `x.py`, not `ignore`), which value is inline code, and
//! which options load code from elsewhere (`node -r ./p.js`, `ruby -I lib -r x`, `perl -MFoo`,
//! `python -m pkg`, `php -d auto_prepend_file=x.php`) — one [`Syntax`] per interpreter.
//!
//! Module names become the files they are looked up as in the working directory
//! ([`module_files`]): binding those (as missing when absent) keeps a module planted after an
//! approval from running under it.

use crate::syntax::Word;

/// How one interpreter's command line reads up to its program.
#[derive(Debug)]
pub(crate) struct Syntax {
    /// Short options whose value is attached (`-Wignore`) or the next word (`-W ignore`).
    pub short_value: &'static str,
    /// Short options whose value is the rest of their word, possibly empty (`perl -i.bak`,
    /// `ruby -Ku`): never the next word.
    pub short_rest: &'static str,
    /// Short options followed by optional digits in the same word (`perl -l`, `-0777`).
    pub short_digits: &'static str,
    /// Every short option that takes no value, when that list is complete: another option
    /// means the command line is not understood. Empty: not checked.
    pub short_flags: &'static str,
    /// Whether short options cluster (`-uB`); when not, `-abc` is one option.
    pub clusters: bool,
    /// Single-dash options longer than one letter, and whether each takes the next word
    /// (`java -cp PATH`, `clisp -norc`).
    pub words: &'static [(&'static str, bool)],
    /// Long options whose value is the next word when not given with `=`.
    pub long_value: &'static [&'static str],
    /// Options (as written: `-c`, `--eval`) and subcommands (`eval`) whose value is inline code.
    pub code: &'static [&'static str],
    /// Options after which every word is the program's argument (python's `-c` and `-m`).
    pub last: &'static [&'static str],
    /// Options that load code from elsewhere, and how.
    pub loads: &'static [(&'static str, Load)],
    /// Short options that keep the working directory off the module path (python `-I`, `-P`).
    pub isolates: &'static str,
    /// Subcommands (`deno run`, `bun test`), when it has them.
    pub subcommands: &'static [(&'static str, Sub)],
    /// What its first operand is.
    pub operand: Operand,
    /// Files in the working directory it runs before its program (R's `.Rprofile`), and the
    /// options that turn them off.
    pub startup: (&'static [&'static str], &'static [&'static str]),
    /// Environment variables that load code (`PYTHONSTARTUP`, `NODE_OPTIONS`), and how.
    pub env: &'static [(&'static str, EnvLoad)],
}

/// How an option loads code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Load {
    /// A file of code, or of settings that name code (`julia -L f`, `node --env-file f`).
    File,
    /// The program file itself (`php -f f`, `R --file=f`, `sbcl --script f`).
    Program,
    /// A module found by name (`python -m`, `ruby -r`, `perl -M`, `node -r`, `lua -l`).
    Module(Lang),
    /// A directory searched for modules (`-I dir`).
    Dir,
    /// The directory it moves to before finding its program (`ruby -C`, `bun --cwd`).
    Chdir,
    /// Configuration that can name code to run first: a file, or a directory holding one
    /// (`php -c`).
    Config,
    /// One setting, which can name code to run first (`php -d auto_prepend_file=x.php`).
    Setting,
    /// Looks its program up on PATH (`perl -S`, `ruby -S`); takes no value.
    PathSearch,
}

/// The language whose module lookup a name goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    Python,
    Ruby,
    Perl,
    /// `perl -d:Foo`: the debugger module `Devel::Foo`.
    PerlDebugger,
    Node,
    Lua,
}

/// What a subcommand does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sub {
    /// Runs the program file that follows (`deno run`); with none, the files it finds
    /// (`deno test`).
    Runs,
    /// Runs the code that follows (`deno eval`, `bun exec`).
    Code,
    /// Runs a task defined in these files (`deno task`).
    Tasks(&'static [&'static str]),
    /// Runs a file, or a script of `package.json` when no file has that name (`bun run dev`).
    FileOrScript,
    /// Runs no program of the command's (`deno fmt`, `bun install`).
    Nothing,
}

/// What an interpreter's first operand is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operand {
    /// Its program file; the rest are the program's arguments.
    Program,
    /// Every operand is a program file, run in turn (`gnuplot a.gp b.gp`).
    Programs,
    /// A class looked up on the class path, unless it is a source file (`java Main`,
    /// `java Main.java`).
    Class,
    /// Not a program (R reads its program from `-f` or standard input).
    Ignored,
}

/// How an environment variable loads code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EnvLoad {
    /// Names a file of code.
    File,
    /// Names files of code, separated by spaces or colons (`LD_PRELOAD`, `MAKEFILES`).
    Files,
    /// Holds more options for the command line (`NODE_OPTIONS`, `RUBYOPT`, `PERL5OPT`).
    Options,
    /// A list of directories searched for modules (`PERL5LIB`, `RUBYLIB`).
    Dirs,
    /// Code, or `@file` (`LUA_INIT`).
    CodeOrFile,
    /// Changes how modules are found in ways not followed here (`PYTHONPATH`, `NODE_PATH`).
    Path,
}

impl Syntax {
    const NONE: Syntax = Syntax {
        short_value: "",
        short_rest: "",
        short_digits: "",
        short_flags: "",
        clusters: true,
        words: &[],
        long_value: &[],
        code: &[],
        last: &[],
        loads: &[],
        isolates: "",
        subcommands: &[],
        operand: Operand::Program,
        startup: (&[], &[]),
        env: &[],
    };

    /// An interpreter whose only known option is inline code (`-e`).
    pub(crate) const fn inline(code: &'static [&'static str]) -> Syntax {
        Syntax {
            code,
            ..Syntax::NONE
        }
    }
}

mod tables;

pub(crate) use tables::*;

/// A value an option was given, and the word it is in.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Arg<'a> {
    /// The value (the whole word, or the part after the option).
    pub text: &'a str,
    /// The word it is in.
    pub word: &'a Word,
}

/// Where an interpreter's program comes from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Source<'a> {
    /// Inline code given with one of its flags (the word holding it).
    Code(&'a Word),
    /// A module run by name (`python -m`), also among the loads.
    Module(Arg<'a>),
    /// A program file.
    File(&'a Word),
    /// A file, or when none has that name a script of `package.json` (`bun run dev`).
    FileOrScript(&'a Word),
    /// A task of a configuration file (`deno task build`).
    Task(&'static [&'static str]),
    /// The files a test runner finds (`deno test`, `bun test` with no file).
    Found,
    /// A class on the class path (`java Main`).
    Class(&'a Word),
    /// Nothing of the command's (`deno fmt`).
    Nothing,
    /// No program given: it reads one from standard input.
    Stdin,
}

/// An interpreter's command line, read for where its program comes from.
#[derive(Debug)]
pub(crate) struct Invocation<'a> {
    /// The program's source.
    pub source: Source<'a>,
    /// More program files, run in turn (`gnuplot a.gp b.gp`).
    pub more: Vec<&'a Word>,
    /// Code loaded besides the program, in order.
    pub loads: Vec<(Load, Arg<'a>)>,
    /// Options that load code and take no value (`perl -S`).
    pub flags: Vec<Load>,
    /// Whether the working directory is kept off the module path (`python -I`).
    pub isolated: bool,
    /// Whether the startup files are turned off (`R --vanilla`).
    pub no_startup: bool,
    /// An option this model does not know: it may have taken the word read as the program.
    pub unknown_option: Option<&'a str>,
    /// Why it starts a network server, when it does (`python3 -m http.server`, `php -S`).
    pub server: Option<String>,
}

/// Reads an interpreter's arguments up to its program.
pub(crate) fn invocation<'a>(prog: &str, syntax: &Syntax, args: &'a [Word]) -> Invocation<'a> {
    let mut inv = Invocation {
        source: Source::Stdin,
        more: Vec::new(),
        loads: Vec::new(),
        flags: Vec::new(),
        isolated: false,
        no_startup: false,
        unknown_option: None,
        server: None,
    };
    let mut code = false;
    let mut subcommand = syntax.subcommands.is_empty();
    let mut i = 0;
    while let Some(w) = args.get(i) {
        i += 1;
        let t = w.text.as_str();
        if t == "-" {
            break;
        }
        let mut ended = false;
        let mut took = |opt: &str, value: Option<Arg<'a>>, inv: &mut Invocation<'a>| {
            if syntax.startup.1.contains(&opt) {
                inv.no_startup = true;
            }
            if syntax.code.contains(&opt) {
                code = true;
                inv.source = value.map_or(Source::Stdin, |v| Source::Code(v.word));
            }
            if let Some(&(_, load)) = syntax.loads.iter().find(|(o, _)| *o == opt) {
                match (load, value) {
                    (Load::PathSearch, _) => inv.flags.push(load),
                    (Load::Program, Some(v)) if !code => inv.source = Source::File(v.word),
                    (Load::Module(Lang::Python), Some(v)) => {
                        inv.source = Source::Module(v);
                        inv.loads.push((load, v));
                    }
                    (_, Some(v)) if !v.text.is_empty() => inv.loads.push((load, v)),
                    _ => {}
                }
            }
            ended |= syntax.last.contains(&opt)
                || matches!(opt, "-f" | "--file" if syntax.loads.contains(&(opt, Load::Program)) && prog != "dc");
        };
        if t == "--" {
            if !code && matches!(inv.source, Source::Stdin) {
                inv.source = args.get(i).map_or(Source::Stdin, Source::File);
            }
            break;
        }
        if let Some(&(word, value)) = syntax.words.iter().find(|(o, _)| *o == t) {
            let v = if value {
                i += 1;
                args.get(i - 1).map(|n| Arg {
                    text: n.text.as_str(),
                    word: n,
                })
            } else {
                None
            };
            took(word, v, &mut inv);
            if ended {
                break;
            }
            continue;
        }
        if let Some(long) = t.strip_prefix("--").filter(|l| !l.is_empty()) {
            let (name, attached) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (long, None),
            };
            let opt = &t[..2 + name.len()];
            let value = match attached {
                Some(v) => Some(Arg { text: v, word: w }),
                None if syntax.long_value.contains(&name) => {
                    i += 1;
                    args.get(i - 1).map(|n| Arg {
                        text: n.text.as_str(),
                        word: n,
                    })
                }
                None => None,
            };
            let value = match (value, syntax.code.contains(&opt)) {
                // `--eval=CODE`: the code is the word.
                (Some(v), true) if attached.is_some() => Some(Arg {
                    text: v.text,
                    word: w,
                }),
                (v, _) => v,
            };
            took(opt, value, &mut inv);
            if ended {
                break;
            }
            continue;
        }
        if t.starts_with('-') && t.len() > 1 {
            let cluster = &t[1..];
            if !syntax.clusters {
                let c = cluster.chars().next().unwrap_or('-');
                let opt = &t[..1 + c.len_utf8()];
                let value = if syntax.short_value.contains(c) {
                    let rest = &cluster[c.len_utf8()..];
                    if rest.is_empty() {
                        i += 1;
                        args.get(i - 1).map(|n| Arg {
                            text: n.text.as_str(),
                            word: n,
                        })
                    } else {
                        Some(Arg {
                            text: rest,
                            word: w,
                        })
                    }
                } else {
                    None
                };
                took(if value.is_some() { opt } else { t }, value, &mut inv);
                if ended {
                    break;
                }
                continue;
            }
            let mut chars = cluster.char_indices().peekable();
            while let Some((k, c)) = chars.next() {
                // Found by fuzzing: `opt` was sliced out of `t` by the cluster's byte index,
                // which cut a multi-byte character before it in two.
                let mut utf8 = [0u8; 4];
                let opt_name = cat!("-", c.encode_utf8(&mut utf8));
                let rest = &cluster[k + c.len_utf8()..];
                if syntax.short_value.contains(c) {
                    let value = if rest.is_empty() {
                        i += 1;
                        args.get(i - 1).map(|n| Arg {
                            text: n.text.as_str(),
                            word: n,
                        })
                    } else if syntax.code.contains(&opt_name.as_str()) {
                        // `-c'print(1)'`: the code is the word.
                        Some(Arg {
                            text: rest,
                            word: w,
                        })
                    } else {
                        Some(Arg {
                            text: rest,
                            word: w,
                        })
                    };
                    took(&opt_name, value, &mut inv);
                    break;
                }
                if syntax.short_rest.contains(c) {
                    took(
                        &opt_name,
                        Some(Arg {
                            text: rest,
                            word: w,
                        }),
                        &mut inv,
                    );
                    break;
                }
                if syntax.short_digits.contains(c) {
                    while chars
                        .peek()
                        .is_some_and(|(_, d)| d.is_ascii_hexdigit() || *d == 'x')
                    {
                        chars.next();
                    }
                    took(&opt_name, None, &mut inv);
                    continue;
                }
                if syntax.isolates.contains(c) {
                    inv.isolated = true;
                }
                if !syntax.short_flags.is_empty()
                    && !syntax.short_flags.contains(c)
                    && inv.unknown_option.is_none()
                {
                    inv.unknown_option = Some(t);
                }
                took(&opt_name, None, &mut inv);
            }
            if ended {
                break;
            }
            continue;
        }
        // A subcommand comes before the program file.
        if !subcommand {
            subcommand = true;
            match syntax.subcommands.iter().find(|(s, _)| *s == t) {
                Some((_, Sub::Runs)) => {
                    inv.source = Source::Found;
                    continue;
                }
                Some((_, Sub::Code)) => {
                    inv.source = args.get(i).map_or(Source::Stdin, Source::Code);
                    break;
                }
                Some((_, Sub::Tasks(files))) => {
                    inv.source = Source::Task(files);
                    break;
                }
                Some((_, Sub::FileOrScript)) => {
                    inv.source = args.get(i).map_or(Source::Nothing, Source::FileOrScript);
                    break;
                }
                Some((_, Sub::Nothing)) => {
                    inv.source = Source::Nothing;
                    break;
                }
                None if syntax
                    .subcommands
                    .iter()
                    .any(|(_, s)| *s == Sub::FileOrScript) =>
                {
                    // `bun dev` is `bun run dev`.
                    inv.source = Source::FileOrScript(w);
                    break;
                }
                None => {}
            }
        }
        if code || !matches!(inv.source, Source::Stdin | Source::Found) {
            // Inline code or a program given by an option: operands are its arguments.
            break;
        }
        match syntax.operand {
            Operand::Program => inv.source = Source::File(w),
            Operand::Programs => {
                inv.source = Source::File(w);
                inv.more = args
                    .get(i..)
                    .unwrap_or_default()
                    .iter()
                    .filter(|a| !a.text.starts_with('-'))
                    .collect();
            }
            Operand::Class if t.ends_with(".java") => inv.source = Source::File(w),
            Operand::Class => inv.source = Source::Class(w),
            Operand::Ignored => continue,
        }
        break;
    }
    if let Source::Module(m) = inv.source
        && (m.text.starts_with("http.server") || m.text == "SimpleHTTPServer" || m.text == "smtpd")
    {
        inv.server = Some(format!(
            "`{prog} -m {}` serves files over the network",
            m.text
        ));
    }
    if prog == "php"
        && args
            .iter()
            .any(|w| matches!(w.text.as_str(), "-S" | "-t") || w.text.starts_with("-S"))
    {
        let t = if args.iter().any(|w| w.text.starts_with("-S")) {
            "-S"
        } else {
            "-t"
        };
        inv.server = Some(format!("`{prog} {t}` starts a server"));
    }
    inv
}

/// The files a module name is looked up as, relative to the working directory (`dirs`: the
/// module directories it was given, `-I lib`), and what about it cannot be bound.
pub(crate) fn module_files(lang: Lang, name: &str, dirs: &[&str]) -> (Vec<String>, Option<String>) {
    let mut files = Vec::new();
    match lang {
        Lang::Python => {
            // `a.b.c`: each package's `__init__.py` runs on the way to the module.
            let parts: Vec<&str> = name.split('.').collect();
            if parts.iter().any(|p| p.is_empty() || p.contains('/')) {
                return (files, Some(cat!("`", name, "` is not a module name")));
            }
            let path = parts.join("/");
            for k in 1..parts.len() {
                files.push(cat!(parts[..k].join("/"), "/__init__.py"));
            }
            files.push(cat!(path, ".py"));
            files.push(cat!(path, "/__main__.py"));
            files.push(cat!(path, "/__init__.py"));
        }
        Lang::Ruby => {
            let with_ext = |n: &str| {
                if n.ends_with(".rb") || n.ends_with(".so") {
                    n.to_owned()
                } else {
                    cat!(n, ".rb")
                }
            };
            if name.starts_with("./") || name.starts_with("../") || name.starts_with('/') {
                files.push(with_ext(name));
            } else {
                for d in dirs {
                    files.push(cat!(d.trim_end_matches('/'), "/", with_ext(name)));
                }
            }
        }
        Lang::Perl | Lang::PerlDebugger => {
            // `-MFoo::Bar=x`, `-M-Foo`, `-M'Foo qw(x)'`.
            let module = name
                .trim_start_matches('-')
                .split(['=', ' '])
                .next()
                .unwrap_or_default();
            let module = match lang {
                Lang::PerlDebugger => match module.strip_prefix(':') {
                    Some(m) => cat!("Devel::", m),
                    None => return (files, None),
                },
                _ => module.to_owned(),
            };
            if module.is_empty() {
                return (files, None);
            }
            let file = cat!(module.replace("::", "/"), ".pm");
            for d in dirs {
                files.push(cat!(d.trim_end_matches('/'), "/", file));
            }
        }
        Lang::Node => {
            let path = name.strip_prefix("file://").unwrap_or(name);
            let local = path.starts_with("./") || path.starts_with("../") || path.starts_with('/');
            if !local {
                return (
                    files,
                    Some(cat!(
                        "`",
                        name,
                        "` is loaded from node_modules or a URL, which the gateway does not bind"
                    )),
                );
            }
            let base = path.rsplit('/').next().unwrap_or(path);
            if base.contains('.') {
                files.push(path.to_owned());
            } else {
                return (
                    files,
                    Some(cat!(
                        "`",
                        name,
                        "` is resolved to a file or a directory's index when it runs"
                    )),
                );
            }
        }
        Lang::Lua => {
            // `-l g=mod` (5.4) names the global too.
            let module = name.rsplit('=').next().unwrap_or(name);
            let path = module.replace('.', "/");
            files.push(cat!(path, ".lua"));
            files.push(cat!(path, "/init.lua"));
        }
    }
    (files, None)
}

/// `php -d auto_prepend_file=x.php`: the file a setting makes php run or load.
pub(crate) fn php_setting(value: &str) -> Option<&str> {
    let (key, file) = value.split_once('=')?;
    matches!(
        key.trim(),
        "auto_prepend_file" | "auto_append_file" | "extension" | "zend_extension"
    )
    .then(|| file.trim().trim_matches(['"', '\'']))
    .filter(|f| !f.is_empty() && (f.contains('/') || f.ends_with(".php")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(prog: &str, syntax: &Syntax, cmd: &str) -> (String, Vec<String>) {
        let words: Vec<Word> = cmd.split_whitespace().map(Word::literal).collect();
        let inv = invocation(prog, syntax, &words);
        let source = match inv.source {
            Source::Code(w) => format!("code {}", w.text),
            Source::Module(m) => format!("module {}", m.text),
            Source::File(w) => format!("file {}", w.text),
            Source::FileOrScript(w) => format!("file-or-script {}", w.text),
            Source::Task(_) => "task".into(),
            Source::Found => "found".into(),
            Source::Class(w) => format!("class {}", w.text),
            Source::Nothing => "nothing".into(),
            Source::Stdin => "stdin".into(),
        };
        let loads = inv
            .loads
            .iter()
            .map(|(l, a)| format!("{l:?} {}", a.text))
            .collect();
        (source, loads)
    }

    fn program(prog: &str, syntax: &Syntax, cmd: &str) -> String {
        read(prog, syntax, cmd).0
    }

    #[test]
    fn options_that_take_a_value_are_not_the_program() {
        for cmd in [
            "-W ignore x.py",
            "-Wignore x.py",
            "-X dev x.py",
            "-X importtime -W error::DeprecationWarning x.py",
            "--check-hash-based-pycs always x.py",
            "-Q new x.py",
            "-O -B -u -I -E -s -S x.py",
            "-OO x.py",
            "-uWd x.py",
        ] {
            assert_eq!(program("python3", &PYTHON, cmd), "file x.py", "{cmd}");
        }
        assert_eq!(program("python3", &PYTHON, "-Wc x.py"), "file x.py");
        assert_eq!(program("python3", &PYTHON, "-uc x x.py"), "code x");
        assert_eq!(program("python3", &PYTHON, "-c x -m y"), "code x");
        assert_eq!(program("perl", &PERL, "-lne print f"), "code print");
        assert_eq!(program("perl", &PERL, "-I lib -w x.pl"), "file x.pl");
        assert_eq!(program("perl", &PERL, "-0777 -n x.pl"), "file x.pl");
        assert_eq!(program("perl", &PERL, "-i.bak -p x.pl f"), "file x.pl");
        assert_eq!(program("ruby", &RUBY, "-E utf-8 -W0 x.rb"), "file x.rb");
        assert_eq!(program("ruby", &RUBY, "--encoding utf-8 x.rb"), "file x.rb");
        assert_eq!(program("node", &NODE, "--title t x.js"), "file x.js");
        assert_eq!(
            program("node", &NODE, "--max-old-space-size=4096 x.js"),
            "file x.js"
        );
        assert_eq!(program("node", &NODE, "-pe 1"), "code 1");
        assert_eq!(
            program("php", &PHP, "-d display_errors=1 x.php"),
            "file x.php"
        );
        assert_eq!(program("php", &PHP, "-f x.php -- a"), "file x.php");
        assert_eq!(program("lua", &LUA, "-l socket x.lua"), "file x.lua");
        assert_eq!(program("Rscript", &RSCRIPT, "--vanilla x.R"), "file x.R");
        assert_eq!(program("R", &R, "--vanilla -f x.R"), "file x.R");
        assert_eq!(program("R", &R, "--vanilla"), "stdin");
        assert_eq!(program("julia", &JULIA, "-O2 -t 4 x.jl"), "file x.jl");
        assert_eq!(
            program("clisp", &CLISP, "-norc -ansi x.lisp"),
            "file x.lisp"
        );
        assert_eq!(program("java", &JAVA, "-cp . Main"), "class Main");
        assert_eq!(program("java", &JAVA, "-jar app.jar x"), "file app.jar");
        assert_eq!(program("java", &JAVA, "Main.java"), "file Main.java");
        assert_eq!(program("deno", &DENO, "run -A a.ts"), "file a.ts");
        assert_eq!(program("deno", &DENO, "fmt a.ts"), "nothing");
        assert_eq!(program("deno", &DENO, "test"), "found");
        assert_eq!(program("deno", &DENO, "task build"), "task");
        assert_eq!(program("deno", &DENO, "a.ts"), "file a.ts");
        assert_eq!(program("bun", &BUN, "run dev"), "file-or-script dev");
        assert_eq!(program("bun", &BUN, "build ./x.ts"), "nothing");
        assert_eq!(program("bun", &BUN, "x.ts"), "file-or-script x.ts");
    }

    #[test]
    fn options_that_load_code() {
        assert_eq!(
            read("node", &NODE, "-r ./p.js --import=./q.mjs x.js"),
            (
                "file x.js".into(),
                vec!["Module(Node) ./p.js".into(), "Module(Node) ./q.mjs".into()]
            )
        );
        assert_eq!(
            read("ruby", &RUBY, "-I lib -rx -C sub y.rb").1,
            ["Dir lib", "Module(Ruby) x", "Chdir sub"]
        );
        assert_eq!(
            read("perl", &PERL, "-Ilib -MFoo::Bar=x -d:Trace y.pl").1,
            [
                "Dir lib",
                "Module(Perl) Foo::Bar=x",
                "Module(PerlDebugger) :Trace"
            ]
        );
        assert_eq!(
            read("python3", &PYTHON, "-m pkg.mod arg"),
            (
                "module pkg.mod".into(),
                vec!["Module(Python) pkg.mod".into()]
            )
        );
        assert_eq!(
            read("php", &PHP, "-d auto_prepend_file=x.php y.php").1,
            ["Setting auto_prepend_file=x.php"]
        );
        let words: Vec<Word> = ["-I", "-m", "x"].map(Word::literal).to_vec();
        assert!(invocation("python3", &PYTHON, &words).isolated);
        let words: Vec<Word> = ["-Z", "x.py"].map(Word::literal).to_vec();
        assert_eq!(
            invocation("python3", &PYTHON, &words).unknown_option,
            Some("-Z")
        );
    }

    #[test]
    fn module_names_become_files() {
        assert_eq!(
            module_files(Lang::Python, "x", &[]).0,
            ["x.py", "x/__main__.py", "x/__init__.py"]
        );
        assert_eq!(
            module_files(Lang::Python, "a.b", &[]).0,
            [
                "a/__init__.py",
                "a/b.py",
                "a/b/__main__.py",
                "a/b/__init__.py"
            ]
        );
        assert_eq!(module_files(Lang::Ruby, "./x", &[]).0, ["./x.rb"]);
        assert_eq!(module_files(Lang::Ruby, "x", &["lib"]).0, ["lib/x.rb"]);
        assert!(module_files(Lang::Ruby, "json", &[]).0.is_empty());
        assert_eq!(
            module_files(Lang::Perl, "Foo::Bar=x", &["lib/"]).0,
            ["lib/Foo/Bar.pm"]
        );
        assert_eq!(module_files(Lang::Node, "./p.js", &[]).0, ["./p.js"]);
        assert!(module_files(Lang::Node, "./p", &[]).1.is_some());
        assert!(module_files(Lang::Node, "dotenv/config", &[]).1.is_some());
        assert_eq!(
            module_files(Lang::Lua, "a.b", &[]).0,
            ["a/b.lua", "a/b/init.lua"]
        );
        assert_eq!(php_setting("auto_prepend_file=x.php"), Some("x.php"));
        assert_eq!(php_setting("display_errors=1"), None);
    }
}
