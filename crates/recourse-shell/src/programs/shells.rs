//! Shells and the shell's own builtins: where a `-c` string, a script file or a script on
//! standard input starts; which builtins only read; which print the environment.

use recourse_policy::Reason;

use crate::args::{OptSpec, basename};
use crate::syntax::Word;

use super::model::{Call, Flag, Model, Program, Runs, block, kind};

/// Shells: `-c STRING` runs a script; with neither `-c` nor a file they read commands from stdin.
const SHELLS: &[&str] = &[
    "sh",
    "bash",
    "zsh",
    "dash",
    "ksh",
    "mksh",
    "ash",
    "yash",
    "csh",
    "tcsh",
    "fish",
    "rc",
    "elvish",
    "posh",
    "sash",
    "pwsh",
    "powershell",
    "ksh93",
    "oksh",
    "loksh",
    "rbash",
];

/// The room's entries.
pub(crate) const PROGRAMS: &[Program] = &[
    Program {
        names: SHELLS,
        kind: kind::SHELL,
        runs: Runs::Shell,
        ..Program::NONE
    },
    Program {
        names: &["eval"],
        runs: Runs::Eval,
        ..Program::NONE
    },
    Program {
        names: &["trap"],
        runs: Runs::Trap,
        ..Program::NONE
    },
    Program {
        names: &["source", "."],
        runs: Runs::Source,
        ..Program::NONE
    },
    Program::of(
        &[
            "cd", "pushd", "popd", "dirs", ":", "shopt", "unset", "local", "exit", "return",
            "break", "continue", "shift", "wait", "getopts", "umask", "ulimit", "true", "false",
            "test", "[", "type", "pwd", "let",
        ],
        kind::READONLY,
    ),
    Program {
        names: &["read"],
        kind: kind::READONLY | kind::TAKES_NAMES,
        ..Program::NONE
    },
    Program {
        names: &["mapfile", "readarray"],
        kind: kind::READONLY | kind::TAKES_NAMES,
        options: MAPFILE_OPTIONS,
        model: Some(mapfile),
        ..Program::NONE
    },
    Program {
        names: &["set"],
        kind: kind::READONLY,
        model: Some(set),
        dumps_env: Some(set_dumps),
        ..Program::NONE
    },
    Program {
        names: &["hash"],
        kind: kind::READONLY,
        model: Some(hash),
        ..Program::NONE
    },
    Program {
        names: &["export", "declare", "typeset", "readonly"],
        kind: kind::READONLY,
        dumps_env: Some(declare_dumps),
        ..Program::NONE
    },
    Program {
        names: &["compgen"],
        kind: kind::READONLY,
        model: Some(compgen),
        dumps_env: Some(compgen_dumps),
        ..Program::NONE
    },
    Program {
        names: &["alias", "jobs"],
        kind: kind::READONLY,
        model: Some(alias_jobs),
        ..Program::NONE
    },
    Program {
        names: &["history"],
        kind: kind::READONLY,
        model: Some(history),
        writes: Some(history_file),
        ..Program::NONE
    },
    Program {
        names: &["zmodload"],
        dangers: Some(zmodload),
        ..Program::NONE
    },
    Program {
        names: &["ztcp", "zsocket"],
        flag: Flag::block(
            "shell.builtin.raw_tcp",
            "opens raw network sockets from the shell",
        ),
        ..Program::NONE
    },
];

/// A shell's command line, read for where its script comes from.
#[derive(Debug, Default)]
pub(crate) struct ShellArgs<'a> {
    /// `-c`: the operand is a script.
    pub command_mode: bool,
    /// `-s` or `-`: commands come from standard input.
    pub read_stdin: bool,
    /// The first operand: the `-c` script or a script file.
    pub operand: Option<&'a Word>,
    /// `--rcfile FILE` / `--init-file FILE`: the option, and the file it runs first.
    pub startup: Option<(&'a str, Option<&'a Word>)>,
    /// `-i`: interactive.
    pub interactive: bool,
    /// `-l`, `--login`: reads the login profiles first.
    pub login: bool,
    /// The words after the operand: `$0` and the positional parameters of a `-c` script, the
    /// arguments of a script file.
    pub rest: &'a [Word],
}

/// Reads a shell's arguments up to its script.
pub(crate) fn shell_args(args: &[Word]) -> ShellArgs<'_> {
    let mut s = ShellArgs::default();
    let mut i = 0;
    while let Some(w) = args.get(i) {
        i += 1;
        let t = w.text.as_str();
        if t == "--" || t == "-" {
            s.read_stdin |= t == "-";
            s.operand = args.get(i);
            s.rest = args.get(i + 1..).unwrap_or_default();
            break;
        }
        if let Some(long) = t.strip_prefix("--") {
            if matches!(long, "rcfile" | "init-file") {
                s.startup = Some((long, args.get(i)));
                i += 1;
            }
            s.login |= long == "login";
            continue;
        }
        if (t.starts_with('-') || t.starts_with('+')) && t.len() > 1 {
            let cluster = &t[1..];
            if t.starts_with('-') {
                s.command_mode |= cluster.contains('c');
                s.read_stdin |= cluster.contains('s');
                s.interactive |= cluster.contains('i');
                s.login |= cluster.contains('l');
            }
            if cluster.ends_with('o') || cluster.ends_with('O') {
                i += 1;
            }
            continue;
        }
        s.operand = Some(w);
        s.rest = args.get(i..).unwrap_or_default();
        break;
    }
    s
}

/// Whether a program is a shell.
pub(crate) fn is_shell(prog: &str) -> bool {
    SHELLS.contains(&prog)
}

/// The directory `cd`/`pushd` goes to: `None` for a bare `cd` (home).
pub(crate) fn cd_target(args: &[Word]) -> Option<&Word> {
    args.iter()
        .find(|a| !a.text.starts_with('-') || a.text == "-")
}

/// `mapfile`'s options that take a value.
pub(crate) const MAPFILE_OPTIONS: OptSpec = OptSpec::new("dnOsuCc", &[]);

/// `mapfile -C CALLBACK` runs the callback as code every few lines.
fn mapfile(call: &Call<'_>) -> Model {
    match call.opts.value(Some('C'), None) {
        Some(_) => Model::RunsCode("mapfile -C runs its callback as code".into()),
        None => Model::ReadOnly,
    }
}

/// `mapfile -C CALLBACK`: the code it runs.
pub(crate) fn mapfile_callback<'a>(call: &Call<'a>) -> Option<&'a str> {
    call.opts.value(Some('C'), None)
}

/// `history -a`, `-w`, `-c`, `-d`, `-s`, `-r`, `-n` write the history file or list.
fn history(call: &Call<'_>) -> Model {
    if ['a', 'w', 'c', 'd', 's', 'r', 'n']
        .iter()
        .any(|c| call.opts.has_short(*c))
    {
        Model::Mutating("history writes the history list or file")
    } else {
        Model::ReadOnly
    }
}

/// `history -a FILE`, `history -w FILE`: the file it appends or writes the history to.
fn history_file<'a>(call: &Call<'a>) -> Vec<&'a str> {
    if call.opts.has_short('a') || call.opts.has_short('w') {
        call.operands().collect()
    } else {
        Vec::new()
    }
}

/// `set -k` (`-o keyword`) moves every later `NAME=value` argument into its command's
/// environment (`git diff GIT_EXTERNAL_DIFF=x`); `set -T`/`-o functrace` and `-E` hand traps
/// to functions.
fn set(call: &Call<'_>) -> Model {
    let args = call.args;
    let flag = |c: char| {
        args.iter().any(|w| {
            let t = w.text.as_str();
            (t.starts_with('-') || t.starts_with('+'))
                && !t.starts_with("--")
                && t.contains(c)
                && t != "-o"
                && t != "+o"
        })
    };
    let option = |name: &str| {
        args.windows(2)
            .any(|p| matches!(p[0].text.as_str(), "-o" | "+o") && p[1].text == name)
    };
    if flag('k') || option("keyword") || !args.iter().all(|w| w.is_static()) {
        Model::RunsCode("set -k passes later NAME=value words into commands' environment".into())
    } else {
        Model::ReadOnly
    }
}

/// `hash -p PATH NAME` makes NAME run another program.
fn hash(call: &Call<'_>) -> Model {
    if call
        .args
        .iter()
        .any(|w| w.text.starts_with('-') && w.text.contains('p'))
    {
        Model::RunsCode("hash -p makes a command name run another program".into())
    } else {
        Model::ReadOnly
    }
}

/// `set` alone prints every variable; `set -o` prints the shell's options.
fn set_dumps(call: &Call<'_>) -> bool {
    call.args.is_empty()
}

/// `declare`, `export`, `declare -p`, `export -p`: every variable; `declare -p PATH` one, a
/// credential when its name says so.
fn declare_dumps(call: &Call<'_>) -> bool {
    let args = call.args;
    let names = || args.iter().filter(|w| !w.text.starts_with('-'));
    args.is_empty()
        || args.iter().any(|w| w.text == "-x") && args.len() == 1
        || args.iter().any(|w| w.text == "-p")
            && (names().next().is_none()
                || names().any(|w| !w.is_static() || crate::credentials::is_secret_name(&w.text)))
}

/// `compgen -c`, `compgen -A function`: lists. `-C CMD` and `-F FUNC` run code, and `-W`'s
/// word list is expanded again, substitutions included.
fn compgen(call: &Call<'_>) -> Model {
    let runs = call.args.iter().any(|w| {
        let t = w.text.as_str();
        t.starts_with('-') && !t.starts_with("--") && t.contains(['C', 'F', 'W'])
    });
    if runs {
        Model::RunsCode("compgen -C/-F/-W runs a command, a function or expands words".into())
    } else {
        Model::ReadOnly
    }
}

/// `alias` and `alias -p` list the aliases, `jobs` the jobs; `alias NAME=…` defines one and
/// `jobs -x CMD` runs a command.
fn alias_jobs(call: &Call<'_>) -> Model {
    let lists = if call.prog == "alias" {
        call.args.iter().all(|w| w.text == "-p")
    } else {
        !call
            .args
            .iter()
            .any(|w| w.text.starts_with('-') && w.text.contains('x'))
    };
    if lists {
        Model::ReadOnly
    } else {
        Model::RunsCode(format!(
            "`{}` with these arguments defines or runs commands",
            call.prog
        ))
    }
}

fn compgen_dumps(call: &Call<'_>) -> bool {
    call.args.iter().any(|w| w.text == "-v" || w.text == "-e")
}

fn zmodload(call: &Call<'_>, out: &mut Vec<Reason>) {
    if call
        .operands()
        .any(|t| t.contains("net/tcp") || t.contains("net/socket"))
    {
        block(
            out,
            "shell.builtin.raw_tcp",
            "zmodload zsh/net/tcp opens raw network sockets from the shell".into(),
        );
    }
}

/// Whether a path is the process's own standard input (`source /dev/stdin`).
pub(crate) fn is_stdin_device(path: &str) -> bool {
    matches!(path, "/dev/stdin" | "/dev/fd/0" | "/proc/self/fd/0")
}

/// Whether an argument names a shell to another program (`/bin/sh`, `exec=/bin/bash`,
/// `'sh -c …'`): the classic way to get a shell out of an innocent-looking program.
pub(crate) fn names_a_shell(text: &str) -> bool {
    // Every shell name this looks for contains "sh" (`| 0x20` folds only `S` onto `s` and
    // `H` onto `h`).
    if !text
        .as_bytes()
        .windows(2)
        .any(|w| w[0] | 0x20 == b's' && w[1] | 0x20 == b'h')
    {
        return false;
    }
    let lower: std::borrow::Cow<'_, str> = if text.bytes().any(|b| b.is_ascii_uppercase()) {
        text.to_ascii_lowercase().into()
    } else {
        text.into()
    };
    // `/bin/sh`, `/bin/bash`, `/bin/zsh`, `/bin/dash`.
    if crate::needles::has_prefixed(&lower, b"/bin/", &[b"sh", b"bash", b"zsh", b"dash"]) {
        return true;
    }
    lower
        .split(|c: char| {
            !(c.is_ascii_alphanumeric() || c == '/' || c == '.' || c == '_' || c == '-')
        })
        .any(|tok| {
            let b = basename(tok);
            is_shell(b) && b != "rc" && b != "fish" && b != "posh"
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<Word> {
        s.split_whitespace().map(Word::literal).collect()
    }

    #[test]
    fn where_the_script_starts() {
        let w = words("-lc x y");
        let s = shell_args(&w);
        assert!(s.command_mode && s.operand.is_some_and(|w| w.text == "x"));
        let w = words("-c '$0' a b");
        assert_eq!(shell_args(&w).rest.len(), 2);
        let w = words("-o pipefail script.sh");
        assert_eq!(
            shell_args(&w).operand.map(|w| w.text.as_str()),
            Some("script.sh")
        );
        let w = words("-s -- --flag");
        assert!(shell_args(&w).read_stdin);
        let w = words("--rcfile evil -i");
        let s = shell_args(&w);
        assert!(s.interactive && s.startup.is_some_and(|(o, f)| o == "rcfile" && f.is_some()));
    }

    #[test]
    fn mapfile_callbacks_run_code() {
        let w = words("-t -C evil -c 1 lines");
        let call = Call::new("mapfile", &w, &MAPFILE_OPTIONS);
        assert!(matches!(mapfile(&call), Model::RunsCode(_)));
        assert_eq!(mapfile_callback(&call), Some("evil"));
        let w = words("-t lines");
        assert_eq!(
            mapfile(&Call::new("mapfile", &w, &MAPFILE_OPTIONS)),
            Model::ReadOnly
        );
    }

    #[test]
    fn shells_named_to_other_programs() {
        for t in ["/bin/sh", "exec=/bin/bash", "sh -c id", "--shell=zsh"] {
            assert!(names_a_shell(t), "{t}");
        }
        for t in ["fish.txt", "share", "rc", "x.sh.bak"] {
            assert!(!names_a_shell(t), "{t}");
        }
    }
}
