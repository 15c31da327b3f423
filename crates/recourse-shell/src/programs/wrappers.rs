//! Wrappers: programs that run the command in their arguments (`sudo`, `env`, `timeout`,
//! `xargs`, `watch`, `busybox`, …). The questions here say where the inner command starts; the
//! walker recurses into it.

use crate::args::OptSpec;
use crate::syntax::Word;

use super::model::{Call, Program, Runs, WrapperSpec, kind};

const fn wrapper(
    names: &'static [&'static str],
    kind: u32,
    options: OptSpec,
    positional: usize,
    privilege: bool,
) -> Program {
    Program {
        names,
        kind,
        options,
        runs: Runs::Wrapper(WrapperSpec {
            options,
            positional,
            privilege,
            assignments: false,
        }),
        ..Program::NONE
    }
}

/// Wrappers that only adjust how the inner command runs: the inner command's class carries
/// through.
const T: u32 = kind::TRANSPARENT;

/// The room's entries.
pub(crate) const PROGRAMS: &[Program] = &[
    Program {
        names: &["sudo", "sudo-rs"],
        runs: Runs::Wrapper(WrapperSpec {
            options: SUDO_OPTIONS,
            positional: 0,
            privilege: true,
            assignments: true,
        }),
        options: SUDO_OPTIONS,
        ..Program::NONE
    },
    wrapper(&["doas"], 0, OptSpec::new("uC", &[]), 0, true),
    wrapper(&["pkexec"], 0, OptSpec::new("", &["user"]), 0, true),
    wrapper(
        &["run0"],
        0,
        OptSpec::new(
            "uDgv",
            &[
                "user",
                "chdir",
                "group",
                "setenv",
                "unit",
                "property",
                "description",
                "slice",
                "nice",
            ],
        ),
        0,
        true,
    ),
    wrapper(
        &["runuser"],
        0,
        OptSpec::new(
            "ugGsw",
            &[
                "user",
                "group",
                "supp-group",
                "shell",
                "whitelist-environment",
            ],
        ),
        0,
        true,
    ),
    wrapper(&["ksu"], 0, OptSpec::new("neal", &[]), 1, true),
    wrapper(
        &["chroot"],
        0,
        OptSpec::new("", &["userspec", "groups"]),
        1,
        true,
    ),
    wrapper(
        &["nsenter"],
        0,
        OptSpec::new("tSGw", &["target", "setuid", "setgid", "wd"]),
        0,
        true,
    ),
    wrapper(
        &["systemd-run"],
        0,
        OptSpec::new(
            "pEu",
            &[
                "property",
                "setenv",
                "unit",
                "description",
                "slice",
                "uid",
                "gid",
                "working-directory",
            ],
        ),
        0,
        true,
    ),
    Program {
        names: &["env"],
        kind: kind::READONLY | T,
        options: ENV_OPTIONS,
        runs: Runs::Wrapper(WrapperSpec {
            options: ENV_OPTIONS,
            positional: 0,
            privilege: false,
            assignments: true,
        }),
        dumps_env: Some(env_dumps),
        ..Program::NONE
    },
    wrapper(&["command", "builtin"], T, OptSpec::NONE, 0, false),
    wrapper(&["exec"], T, OptSpec::new("a", &[]), 0, false),
    wrapper(&["nice"], T, OptSpec::new("n", &["adjustment"]), 0, false),
    wrapper(
        &["nohup", "unbuffer", "chronic", "setsid"],
        T,
        OptSpec::NONE,
        0,
        false,
    ),
    wrapper(
        &[
            "caffeinate",
            "torify",
            "torsocks",
            "proxychains",
            "proxychains4",
            "multitime",
            "pexec",
            "softlimit",
            "distcc",
            "ssh-agent",
            "dbus-launch",
            "aoss",
            "padsp",
            "catchsegv",
            "valgrind",
            "firejail",
            "start-stop-daemon",
        ],
        0,
        OptSpec::NONE,
        0,
        false,
    ),
    wrapper(
        &["timeout"],
        T,
        OptSpec::new("sk", &["signal", "kill-after"]),
        1,
        false,
    ),
    wrapper(
        &["time"],
        T,
        OptSpec::new("of", &["output", "format"]),
        0,
        false,
    ),
    wrapper(
        &["stdbuf"],
        T,
        OptSpec::new("ioe", &["input", "output", "error"]),
        0,
        false,
    ),
    wrapper(
        &["ionice"],
        T,
        OptSpec::new("cnt", &["class", "classdata"]),
        0,
        false,
    ),
    wrapper(
        &["chrt"],
        T,
        OptSpec::new("TPD", &["sched-runtime", "sched-period", "sched-deadline"]),
        1,
        false,
    ),
    wrapper(&["taskset"], T, OptSpec::NONE, 1, false),
    wrapper(
        &["flock"],
        0,
        OptSpec::new("wEc", &["timeout", "conflict-exit-code", "command"]),
        1,
        false,
    ),
    wrapper(
        &["xargs"],
        T | kind::TAKES_NAMES,
        // `-e`, `-i` and `-l` take an optional value glued to them (`-i{}`), never the next
        // word: `xargs -i rm x` runs `rm`.
        OptSpec::new(
            "adEILnPs",
            &[
                "arg-file",
                "delimiter",
                "eof",
                "replace",
                "max-lines",
                "max-args",
                "max-procs",
                "max-chars",
                "process-slot-var",
            ],
        ),
        0,
        false,
    ),
    wrapper(
        &["strace", "ltrace"],
        0,
        OptSpec::new("abeEoOpPsSuXU", &["output", "expr", "string-limit"]),
        0,
        false,
    ),
    wrapper(
        &["aa-exec"],
        0,
        OptSpec::new("pn", &["profile", "namespace"]),
        0,
        false,
    ),
    wrapper(
        &["cpulimit"],
        0,
        OptSpec::new("lpe", &["limit", "pid", "exe"]),
        0,
        false,
    ),
    wrapper(&["choom"], 0, OptSpec::new("np", &[]), 0, false),
    wrapper(&["logsave", "setlock", "perf"], 0, OptSpec::NONE, 1, false),
    wrapper(&["sshpass"], 0, OptSpec::new("pfde", &[]), 0, false),
    wrapper(
        &["rlwrap"],
        0,
        OptSpec::new("aAbcCDefFgHlmMnoOpPqrRsStvwWz", &[]),
        0,
        false,
    ),
    wrapper(&["grc"], 0, OptSpec::new("c", &["config"]), 0, false),
    wrapper(&["coproc"], T, OptSpec::NONE, 0, false),
    wrapper(
        &["script"],
        0,
        OptSpec::new(
            "cETIOBomFt",
            &[
                "command",
                "echo",
                "log-timing",
                "log-in",
                "log-out",
                "log-io",
                "output-limit",
                "logging-format",
            ],
        ),
        1,
        false,
    ),
    wrapper(&["direnv"], 0, OptSpec::NONE, 2, false),
    wrapper(&["entr"], 0, OptSpec::NONE, 0, false),
    wrapper(
        &["setpriv"],
        0,
        OptSpec::new(
            "",
            &[
                "reuid",
                "regid",
                "groups",
                "inh-caps",
                "ambient-caps",
                "bounding-set",
                "securebits",
                "pdeathsig",
                "selinux-label",
                "apparmor-profile",
                "reset-env",
                "ruid",
                "euid",
                "rgid",
                "egid",
            ],
        ),
        0,
        true,
    ),
    wrapper(
        &["unshare"],
        0,
        OptSpec::new(
            "SGRwC",
            &[
                "setuid",
                "setgid",
                "propagation",
                "map-user",
                "map-group",
                "root",
                "wd",
                "map-users",
                "map-groups",
            ],
        ),
        0,
        false,
    ),
    wrapper(&["capsh"], 0, OptSpec::NONE, 0, true),
    wrapper(
        &["fakeroot"],
        0,
        OptSpec::new("lsib", &["lib", "faked"]),
        0,
        false,
    ),
    wrapper(&["faketime"], 0, OptSpec::new("mpf", &[]), 1, false),
    wrapper(
        &[
            "eatmydata",
            "dbus-run-session",
            "numactl",
            "prlimit",
            "systemd-inhibit",
        ],
        0,
        OptSpec::new(
            "",
            &["config-file", "dbus-daemon", "what", "who", "why", "mode"],
        ),
        0,
        false,
    ),
    wrapper(
        &["xvfb-run"],
        0,
        OptSpec::new(
            "nsfepw",
            &[
                "server-num",
                "server-args",
                "auth-file",
                "error-file",
                "xauth-protocol",
                "wait",
            ],
        ),
        0,
        false,
    ),
    wrapper(&["chpst"], 0, OptSpec::new("uUe/nlLmdofcp", &[]), 0, false),
    wrapper(
        &["runcon"],
        0,
        OptSpec::new("turlc", &["type", "user", "role", "range", "compute"]),
        0,
        false,
    ),
    wrapper(
        &["setarch", "linux32", "linux64"],
        0,
        OptSpec::NONE,
        0,
        false,
    ),
    wrapper(&["sg"], 0, OptSpec::new("c", &[]), 1, true),
    Program {
        names: &["parallel"],
        runs: Runs::Parallel,
        kind: kind::TAKES_NAMES,
        ..Program::NONE
    },
    Program {
        names: &["hyperfine"],
        runs: Runs::Scripts,
        ..Program::NONE
    },
    Program {
        names: &["su"],
        runs: Runs::Su,
        ..Program::NONE
    },
    Program {
        names: &["busybox", "toybox"],
        runs: Runs::Busybox,
        ..Program::NONE
    },
    Program {
        names: &["watch"],
        runs: Runs::Watch,
        ..Program::NONE
    },
];

const SUDO_OPTIONS: OptSpec = OptSpec::new(
    "ugpChDrtTUR",
    &[
        "user",
        "group",
        "prompt",
        "close-from",
        "host",
        "chdir",
        "role",
        "type",
        "command-timeout",
        "other-user",
        "chroot",
    ],
);

const ENV_OPTIONS: OptSpec = OptSpec::new("uCS", &["unset", "chdir", "split-string"]);

/// Index (into `args`) where a wrapper's inner command starts.
pub(crate) fn inner_start(spec: &WrapperSpec, args: &[Word]) -> usize {
    let mut i = 0;
    let mut positional = spec.positional;
    while let Some(w) = args.get(i) {
        let t = w.text.as_str();
        if t == "--" {
            i += 1;
            break;
        }
        if t.starts_with('-') && t.len() > 1 {
            if let Some(long) = t.strip_prefix("--") {
                i += 1;
                // GNU abbreviations: `env --uns NAME`, `time --form FMT`.
                if !long.contains('=')
                    && spec
                        .options
                        .long_arg
                        .iter()
                        .any(|l| crate::args::abbreviates(long, l))
                {
                    i += 1;
                }
                continue;
            }
            let cluster = &t[1..];
            i += 1;
            for (k, c) in cluster.char_indices() {
                if spec.options.short_arg.contains(c) {
                    if cluster.len() == k + c.len_utf8() {
                        i += 1;
                    }
                    break;
                }
            }
            continue;
        }
        if spec.assignments
            && t.split_once('=').is_some_and(|(n, _)| {
                !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            })
        {
            i += 1;
            continue;
        }
        if positional > 0 {
            positional -= 1;
            i += 1;
            continue;
        }
        break;
    }
    i.min(args.len())
}

/// What a wrapper's own options (before the inner command) make of it.
#[derive(Debug)]
pub(crate) enum Own<'a> {
    /// Nothing beyond running the inner command.
    Plain,
    /// `command -v`: looks the command up, runs nothing.
    LookupOnly,
    /// `time -o FILE`: also writes a file.
    WritesFile(&'a str),
    /// `env -S STRING`: the string (with the rest) is split into the command line.
    SplitString(String),
    /// `flock -c STRING`, `script -c STRING`, `entr -s STRING`: the string runs as a shell
    /// script.
    ShellString(&'a Word),
    /// A shell script given in the same word as its option (`script -qc'…'`).
    Script(String),
    /// `capsh -- ARGS`: the arguments are given to a shell (`-c STRING`).
    ShellArgs(&'a [Word]),
}

/// The directory a wrapper changes to before it runs its command (`env -C DIR`,
/// `env --chdir=DIR`, `sudo -D DIR`): `Ok` with the directory when it is a literal word,
/// `Err` with the option as written when it is decided at run time.
pub(crate) fn chdir<'a>(prog: &str, own: &'a [Word]) -> Option<Result<&'a str, String>> {
    let (spec, short) = match prog {
        "env" => (&ENV_OPTIONS, 'C'),
        "sudo" => (&SUDO_OPTIONS, 'D'),
        _ => return None,
    };
    let p = crate::args::parse(own, spec);
    let dir = *p.values_of(Some(short), Some("chdir")).last()?;
    // The word that holds it (`-C DIR`, `-CDIR`, `--chdir=DIR`).
    let word = own
        .iter()
        .rev()
        .find(|w| w.text == dir || w.text.ends_with(dir) && w.text.starts_with('-'));
    Some(match word {
        Some(w) if w.is_static() && !dir.is_empty() => Ok(dir),
        _ => Err(cat!("`", prog, " --chdir ", dir, "`")),
    })
}

/// What a wrapper's own options make of it.
pub(crate) fn own<'a>(prog: &str, own: &'a [Word], inner: &'a [Word]) -> Own<'a> {
    let cluster = |c: char| {
        own.iter()
            .any(|w| w.text.starts_with('-') && !w.text.starts_with("--") && w.text.contains(c))
    };
    match prog {
        "command" if cluster('v') || cluster('V') => Own::LookupOnly,
        "time" => {
            let p = crate::args::parse(own, &OptSpec::new("of", &["output", "format"]));
            match p.values_of(Some('o'), Some("output")).first() {
                Some(file) => Own::WritesFile(file),
                None => Own::Plain,
            }
        }
        "env" => {
            let p = crate::args::parse(own, &ENV_OPTIONS);
            match p.values_of(Some('S'), Some("split-string")).first() {
                Some(text) => {
                    let joined = std::iter::once(*text)
                        .chain(inner.iter().map(|w| w.text.as_str()))
                        .collect::<Vec<_>>()
                        .join(" ");
                    Own::SplitString(joined)
                }
                None => Own::Plain,
            }
        }
        "flock" | "script" | "sg" => {
            let spec = match prog {
                "flock" => OptSpec::new("wEc", &["timeout", "conflict-exit-code", "command"]),
                _ => OptSpec::new("c", &["command"]),
            };
            let p = crate::args::parse(own, &spec);
            match p.values_of(Some('c'), Some("command")).first() {
                // The value is a word of its own, or the end of one (`-qc…`, `--command=…`).
                Some(v) => match own.iter().find(|w| w.text == *v) {
                    Some(w) => Own::ShellString(w),
                    None => Own::Script((*v).to_owned()),
                },
                None => Own::Plain,
            }
        }
        "entr"
            if own
                .iter()
                .any(|w| w.text.starts_with('-') && w.text.contains('s')) =>
        {
            match inner.first() {
                Some(w) => Own::ShellString(w),
                None => Own::Plain,
            }
        }
        // `capsh --shell=PROG -- -c …` runs PROG, not bash: then what follows is not followed.
        "capsh"
            if own.iter().any(|w| w.text == "--")
                && !own.iter().any(|w| w.text.starts_with("--shell")) =>
        {
            Own::ShellArgs(inner)
        }
        _ => Own::Plain,
    }
}

/// `parallel [OPTIONS] COMMAND ::: INPUTS`: the command and the inputs it is run with (each
/// input is a command when no command is given).
pub(crate) fn parallel(args: &[Word]) -> (&[Word], Vec<&Word>) {
    const VALUES: &[&str] = &[
        "-j",
        "-S",
        "-a",
        "-d",
        "-E",
        "-I",
        "-n",
        "-N",
        "-X",
        "--jobs",
        "--arg-file",
        "--delimiter",
        "--sshlogin",
        "--max-args",
        "--joblog",
        "--results",
        "--tmpdir",
        "--workdir",
        "--timeout",
        "--retries",
        "--colsep",
        "--load",
        "--memfree",
    ];
    let mut i = 0;
    while let Some(w) = args.get(i) {
        let t = w.text.as_str();
        if !t.starts_with('-') || t.starts_with(":::") {
            break;
        }
        i += if VALUES.contains(&t) { 2 } else { 1 };
    }
    let rest = args.get(i..).unwrap_or_default();
    let end = rest
        .iter()
        .position(|w| w.text.starts_with(":::"))
        .unwrap_or(rest.len());
    let inputs = rest
        .get(end..)
        .unwrap_or_default()
        .iter()
        .filter(|w| !w.text.starts_with(":::"))
        .collect();
    (&rest[..end], inputs)
}

/// `hyperfine [OPTIONS] CMD…`: every command, and every `--prepare`/`--setup`/`--cleanup`/
/// `--conclude` string, is a shell script.
pub(crate) fn scripts(args: &[Word]) -> Vec<&Word> {
    let spec = OptSpec::new(
        "wrmMpcsSnLPu",
        &[
            "warmup",
            "runs",
            "min-runs",
            "max-runs",
            "prepare",
            "setup",
            "cleanup",
            "conclude",
            "shell",
            "command-name",
            "parameter-scan",
            "parameter-step-size",
            "parameter-list",
            "export-json",
            "export-csv",
            "export-markdown",
            "export-asciidoc",
            "export-orgmode",
            "time-unit",
            "style",
            "sort",
            "output",
            "input",
        ],
    );
    let p = crate::args::parse(args, &spec);
    let mut out: Vec<&Word> = p.operands.to_vec();
    for (k, w) in args.iter().enumerate() {
        let t = w.text.as_str();
        let takes = matches!(
            t,
            "-p" | "-c" | "-s" | "--prepare" | "--setup" | "--cleanup" | "--conclude"
        );
        if takes && let Some(v) = args.get(k + 1) {
            out.push(v);
        }
    }
    out
}

/// Whether a wrapper with no inner command runs nothing dangerous (`env` prints the
/// environment, `xargs` runs `echo`); other wrappers then start a shell or fail.
pub(crate) fn bare_is_read_only(prog: &str) -> bool {
    matches!(
        prog,
        "env" | "xargs" | "command" | "builtin" | "exec" | "time" | "nice"
    )
}

/// Whether a privilege wrapper's own options start a login or root shell (`sudo -i`, `sudo
/// -s`, `su --login`).
pub(crate) fn starts_shell(prog: &str, own: &[Word]) -> bool {
    let cluster = |c: char| {
        own.iter()
            .any(|w| w.text.starts_with('-') && !w.text.starts_with("--") && w.text.contains(c))
    };
    prog != "nsenter"
        && (cluster('i')
            || cluster('s')
            || own
                .iter()
                .any(|w| w.text == "--login" || w.text == "--shell"))
}

/// `watch [-x] ARGS`: whether it runs the arguments as a command (`-x`) or as a shell script,
/// and where they start.
pub(crate) fn watch_command(args: &[Word]) -> (bool, &[Word]) {
    let mut i = 0;
    let mut exec = false;
    while let Some(w) = args.get(i) {
        let t = w.text.as_str();
        if !t.starts_with('-') {
            break;
        }
        i += 1;
        if t == "-x" || t == "--exec" {
            exec = true;
        } else if matches!(t, "-n" | "--interval" | "-q" | "--equexit") {
            i += 1;
        }
    }
    (exec, args.get(i..).unwrap_or_default())
}

/// Whether `env` only prints the environment: every argument an option or an assignment.
fn env_dumps(call: &Call<'_>) -> bool {
    call.args
        .iter()
        .all(|w| w.text.starts_with('-') || w.text.contains('='))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<Word> {
        s.split_whitespace().map(Word::literal).collect()
    }

    fn start(spec: OptSpec, positional: usize, assignments: bool, cmd: &str) -> String {
        let w = words(cmd);
        let spec = WrapperSpec {
            options: spec,
            positional,
            privilege: false,
            assignments,
        };
        let i = inner_start(&spec, &w);
        w[i..]
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn split_strings_and_parallel_inputs() {
        let w = words("-iS sh");
        assert!(matches!(own("env", &w, &[]), Own::SplitString(t) if t == "sh"));
        let w = words("-0vS sh");
        assert!(matches!(own("env", &w, &[]), Own::SplitString(_)));
        let w = words("-j4 rm -rf ::: / ~");
        let (cmd, inputs) = parallel(&w);
        assert_eq!(cmd.len(), 2);
        assert_eq!(inputs.len(), 2);
        let w = words("-w 3 ls --prepare id");
        assert_eq!(scripts(&w).len(), 2);
    }

    #[test]
    fn where_the_inner_command_starts() {
        assert_eq!(start(SUDO_OPTIONS, 0, true, "-u root X=1 ls -la"), "ls -la");
        assert_eq!(
            start(OptSpec::new("sk", &["signal"]), 1, false, "-s KILL 5 rm x"),
            "rm x"
        );
        assert_eq!(start(ENV_OPTIONS, 0, true, "-i A=b -- sh"), "sh");
        assert_eq!(start(OptSpec::new("n", &[]), 0, false, "-n5 ls"), "ls");
        let w = words("-n 1 -x ls -la");
        let (exec, rest) = watch_command(&w);
        assert!(exec && rest.len() == 2);
    }
}
