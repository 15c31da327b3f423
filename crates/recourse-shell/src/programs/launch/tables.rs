//! The option tables: one [`Syntax`] per interpreter, and the variables outside any one
//! interpreter's table that make a program load code (`BASH_ENV`, `LD_PRELOAD`, `MAKEFILES`).

use super::{EnvLoad, Lang, Load, Operand, Sub, Syntax};

pub(crate) const PYTHON: Syntax = Syntax {
    short_value: "cmWXQ",
    short_flags: "bBdEhiIOPqsSuvVx3tR?",
    long_value: &["check-hash-based-pycs"],
    code: &["-c"],
    last: &["-c", "-m"],
    loads: &[("-m", Load::Module(Lang::Python))],
    isolates: "IP",
    env: &[
        ("PYTHONSTARTUP", EnvLoad::File),
        ("PYTHONPATH", EnvLoad::Path),
        ("PYTHONHOME", EnvLoad::Path),
        ("PYTHONUSERBASE", EnvLoad::Path),
    ],
    ..Syntax::NONE
};

pub(crate) const PERL: Syntax = Syntax {
    short_value: "eEIMm",
    short_rest: "iFxdDVC",
    short_digits: "0l",
    short_flags: "acfghnpsStTuUvwWX?",
    code: &["-e", "-E"],
    loads: &[
        ("-M", Load::Module(Lang::Perl)),
        ("-m", Load::Module(Lang::Perl)),
        ("-d", Load::Module(Lang::PerlDebugger)),
        ("-I", Load::Dir),
        ("-x", Load::Chdir),
        ("-S", Load::PathSearch),
    ],
    env: &[
        ("PERL5OPT", EnvLoad::Options),
        ("PERL5LIB", EnvLoad::Dirs),
        ("PERLLIB", EnvLoad::Dirs),
        ("PERL5DB", EnvLoad::Path),
    ],
    ..Syntax::NONE
};

pub(crate) const RUBY: Syntax = Syntax {
    short_value: "eIrCE",
    short_rest: "FKxWi",
    short_digits: "0T",
    short_flags: "acdhlnpsSvwyU",
    long_value: &[
        "encoding",
        "external-encoding",
        "internal-encoding",
        "enable",
        "disable",
        "dump",
        "backtrace-limit",
        "crash-report",
        "parser",
    ],
    code: &["-e"],
    loads: &[
        ("-r", Load::Module(Lang::Ruby)),
        ("-I", Load::Dir),
        ("-C", Load::Chdir),
        ("-x", Load::Chdir),
        ("-S", Load::PathSearch),
    ],
    env: &[("RUBYOPT", EnvLoad::Options), ("RUBYLIB", EnvLoad::Dirs)],
    ..Syntax::NONE
};

pub(crate) const IRB: Syntax = Syntax {
    short_value: "rI",
    loads: &[("-r", Load::Module(Lang::Ruby)), ("-I", Load::Dir)],
    env: &[("RUBYOPT", EnvLoad::Options), ("RUBYLIB", EnvLoad::Dirs)],
    ..Syntax::NONE
};

pub(crate) const NODE: Syntax = Syntax {
    short_value: "erpC",
    clusters: false,
    words: &[("-pe", true)],
    long_value: &[
        "require",
        "import",
        "loader",
        "experimental-loader",
        "eval",
        "print",
        "conditions",
        "input-type",
        "env-file",
        "env-file-if-exists",
        "experimental-config-file",
        "title",
        "icu-data-dir",
        "openssl-config",
        "redirect-warnings",
        "report-directory",
        "report-dir",
        "report-filename",
        "report-signal",
        "diagnostic-dir",
        "heapsnapshot-signal",
        "heapsnapshot-near-heap-limit",
        "experimental-policy",
        "policy-integrity",
        "secure-heap",
        "secure-heap-min",
        "unhandled-rejections",
        "use-largepages",
        "trace-event-categories",
        "trace-event-file-pattern",
        "tls-cipher-list",
        "tls-keylog",
        "cpu-prof-dir",
        "cpu-prof-name",
        "cpu-prof-interval",
        "heap-prof-dir",
        "heap-prof-name",
        "heap-prof-interval",
        "watch-path",
        "test-reporter",
        "test-reporter-destination",
        "test-name-pattern",
        "test-skip-pattern",
        "test-concurrency",
        "test-timeout",
        "test-shard",
        "experimental-sea-config",
        "snapshot-blob",
        "max-http-header-size",
        "dns-result-order",
        "disable-warning",
        "localstorage-file",
        "inspect-port",
        "debug-port",
        "inspect-publish-uid",
        "run",
        "stack-trace-limit",
        "network-family-autoselection-attempt-timeout",
    ],
    code: &["-e", "--eval", "-p", "--print", "-pe"],
    loads: &[
        ("-r", Load::Module(Lang::Node)),
        ("--require", Load::Module(Lang::Node)),
        ("--import", Load::Module(Lang::Node)),
        ("--loader", Load::Module(Lang::Node)),
        ("--experimental-loader", Load::Module(Lang::Node)),
        ("--env-file", Load::File),
        ("--env-file-if-exists", Load::File),
        ("--experimental-config-file", Load::File),
        ("--snapshot-blob", Load::File),
        ("--run", Load::Config),
    ],
    subcommands: &[("inspect", Sub::Runs)],
    env: &[
        ("NODE_OPTIONS", EnvLoad::Options),
        ("NODE_PATH", EnvLoad::Path),
    ],
    ..Syntax::NONE
};

pub(crate) const DENO: Syntax = Syntax {
    short_value: "cL",
    long_value: &[
        "config",
        "import-map",
        "log-level",
        "cert",
        "location",
        "seed",
        "ext",
        "preload",
    ],
    code: &["eval"],
    loads: &[
        ("-c", Load::File),
        ("--config", Load::File),
        ("--import-map", Load::File),
        ("--preload", Load::Module(Lang::Node)),
        ("--env-file", Load::File),
    ],
    subcommands: &[
        ("run", Sub::Runs),
        ("serve", Sub::Runs),
        ("test", Sub::Runs),
        ("bench", Sub::Runs),
        ("eval", Sub::Code),
        (
            "task",
            Sub::Tasks(&["deno.json", "deno.jsonc", "package.json"]),
        ),
        ("fmt", Sub::Nothing),
        ("lint", Sub::Nothing),
        ("check", Sub::Nothing),
        ("compile", Sub::Nothing),
        ("doc", Sub::Nothing),
        ("info", Sub::Nothing),
        ("cache", Sub::Nothing),
        ("install", Sub::Nothing),
        ("uninstall", Sub::Nothing),
        ("add", Sub::Nothing),
        ("remove", Sub::Nothing),
        ("outdated", Sub::Nothing),
        ("init", Sub::Nothing),
        ("upgrade", Sub::Nothing),
        ("publish", Sub::Nothing),
        ("types", Sub::Nothing),
        ("coverage", Sub::Nothing),
        ("clean", Sub::Nothing),
        ("completions", Sub::Nothing),
        ("repl", Sub::Nothing),
        ("x", Sub::Nothing),
    ],
    ..Syntax::NONE
};

pub(crate) const BUN: Syntax = Syntax {
    short_value: "erpcdlF",
    long_value: &[
        "eval",
        "print",
        "preload",
        "config",
        "cwd",
        "env-file",
        "tsconfig-override",
        "define",
        "loader",
        "main-fields",
        "extension-order",
        "jsx-factory",
        "jsx-fragment",
        "jsx-import-source",
        "jsx-runtime",
        "port",
        "conditions",
        "shell",
        "elide-lines",
        "filter",
    ],
    code: &["-e", "--eval", "-p", "--print", "exec"],
    loads: &[
        ("-r", Load::Module(Lang::Node)),
        ("--preload", Load::Module(Lang::Node)),
        ("-c", Load::File),
        ("--config", Load::File),
        ("--env-file", Load::File),
        ("--tsconfig-override", Load::File),
        ("--cwd", Load::Chdir),
    ],
    subcommands: &[
        ("run", Sub::FileOrScript),
        ("test", Sub::Runs),
        ("exec", Sub::Code),
        ("x", Sub::Nothing),
        ("build", Sub::Nothing),
        ("install", Sub::Nothing),
        ("i", Sub::Nothing),
        ("add", Sub::Nothing),
        ("a", Sub::Nothing),
        ("remove", Sub::Nothing),
        ("rm", Sub::Nothing),
        ("update", Sub::Nothing),
        ("link", Sub::Nothing),
        ("unlink", Sub::Nothing),
        ("pm", Sub::Nothing),
        ("init", Sub::Nothing),
        ("create", Sub::Nothing),
        ("upgrade", Sub::Nothing),
        ("patch", Sub::Nothing),
        ("publish", Sub::Nothing),
        ("outdated", Sub::Nothing),
        ("audit", Sub::Nothing),
        ("info", Sub::Nothing),
        ("why", Sub::Nothing),
        ("repl", Sub::Nothing),
    ],
    startup: (&["bunfig.toml"], &[]),
    ..Syntax::NONE
};

pub(crate) const PHP: Syntax = Syntax {
    short_value: "cdfrBRFEStz",
    short_flags: "aehilmnsvwHCq",
    long_value: &["rf", "rc", "re", "rz", "ri"],
    code: &["-r", "-B", "-R", "-E"],
    loads: &[
        ("-f", Load::Program),
        ("-F", Load::File),
        ("-z", Load::File),
        ("-c", Load::Config),
        ("-d", Load::Setting),
    ],
    ..Syntax::NONE
};

pub(crate) const LUA: Syntax = Syntax {
    short_value: "elj",
    short_rest: "O",
    code: &["-e"],
    loads: &[("-l", Load::Module(Lang::Lua))],
    env: &[
        ("LUA_INIT", EnvLoad::CodeOrFile),
        ("LUA_INIT_5_1", EnvLoad::CodeOrFile),
        ("LUA_INIT_5_2", EnvLoad::CodeOrFile),
        ("LUA_INIT_5_3", EnvLoad::CodeOrFile),
        ("LUA_INIT_5_4", EnvLoad::CodeOrFile),
        ("LUA_PATH", EnvLoad::Path),
        ("LUA_CPATH", EnvLoad::Path),
    ],
    ..Syntax::NONE
};

const R_STARTUP: (&[&str], &[&str]) = (
    &[".Rprofile"],
    &["--vanilla", "--no-init-file", "--no-environ"],
);

const R_ENV: &[(&str, EnvLoad)] = &[
    ("R_PROFILE_USER", EnvLoad::File),
    ("R_PROFILE", EnvLoad::File),
    ("R_ENVIRON_USER", EnvLoad::File),
];

pub(crate) const R: Syntax = Syntax {
    short_value: "efdg",
    long_value: &["file", "debugger", "gui"],
    code: &["-e"],
    loads: &[("-f", Load::Program), ("--file", Load::Program)],
    operand: Operand::Ignored,
    startup: R_STARTUP,
    env: R_ENV,
    ..Syntax::NONE
};

pub(crate) const RSCRIPT: Syntax = Syntax {
    short_value: "e",
    code: &["-e"],
    startup: R_STARTUP,
    env: R_ENV,
    ..Syntax::NONE
};

pub(crate) const JULIA: Syntax = Syntax {
    short_value: "eELJptC",
    short_digits: "Og",
    long_value: &[
        "eval",
        "print",
        "load",
        "sysimage",
        "procs",
        "threads",
        "cpu-target",
        "machine-file",
        "gcthreads",
    ],
    code: &["-e", "-E", "--eval", "--print"],
    loads: &[
        ("-L", Load::File),
        ("--load", Load::File),
        ("-J", Load::File),
        ("--sysimage", Load::File),
    ],
    ..Syntax::NONE
};

pub(crate) const EXPECT: Syntax = Syntax {
    short_value: "cfD",
    code: &["-c"],
    loads: &[("-f", Load::Program)],
    ..Syntax::NONE
};

pub(crate) const GUILE: Syntax = Syntax {
    short_value: "cslLCxe",
    code: &["-c"],
    loads: &[("-s", Load::Program), ("-l", Load::File), ("-L", Load::Dir)],
    ..Syntax::NONE
};

pub(crate) const CLISP: Syntax = Syntax {
    short_value: "xiMmLNEKB",
    words: &[
        ("-norc", false),
        ("-ansi", false),
        ("-repl", false),
        ("-modern", false),
        ("-traditional", false),
        ("-disable-readline", false),
        ("-on-error", true),
    ],
    code: &["-x"],
    loads: &[("-i", Load::File), ("-M", Load::File)],
    ..Syntax::NONE
};

pub(crate) const SBCL: Syntax = Syntax {
    long_value: &[
        "eval",
        "load",
        "script",
        "core",
        "userinit",
        "sysinit",
        "dynamic-space-size",
        "control-stack-size",
        "tls-limit",
    ],
    code: &["--eval"],
    loads: &[
        ("--load", Load::File),
        ("--script", Load::Program),
        ("--core", Load::File),
        ("--userinit", Load::File),
        ("--sysinit", Load::File),
    ],
    ..Syntax::NONE
};

pub(crate) const OCTAVE: Syntax = Syntax {
    short_value: "p",
    long_value: &[
        "eval",
        "path",
        "exec-path",
        "image-path",
        "info-file",
        "info-program",
        "doc-cache-file",
        "texi-macros-file",
    ],
    code: &["--eval"],
    startup: (&[".octaverc"], &["-f", "--norc", "--no-init-file"]),
    ..Syntax::NONE
};

pub(crate) const JAVA: Syntax = Syntax {
    clusters: false,
    words: &[
        ("-cp", true),
        ("-classpath", true),
        ("-jar", true),
        ("-p", true),
        ("-m", true),
    ],
    long_value: &[
        "class-path",
        "module-path",
        "upgrade-module-path",
        "add-modules",
        "add-exports",
        "add-opens",
        "add-reads",
        "enable-native-access",
        "limit-modules",
        "patch-module",
        "source",
        "module",
    ],
    loads: &[("-jar", Load::Program)],
    last: &["-jar", "-m", "--module"],
    operand: Operand::Class,
    ..Syntax::NONE
};

pub(crate) const JSHELL: Syntax = Syntax {
    clusters: false,
    long_value: &[
        "class-path",
        "module-path",
        "add-modules",
        "add-exports",
        "startup",
        "feedback",
        "execution",
    ],
    loads: &[("--startup", Load::File)],
    operand: Operand::Programs,
    ..Syntax::NONE
};

pub(crate) const TCLSH: Syntax = Syntax {
    clusters: false,
    words: &[
        ("-encoding", true),
        ("-display", true),
        ("-geometry", true),
        ("-name", true),
        ("-use", true),
        ("-visual", true),
        ("-colormap", true),
    ],
    ..Syntax::NONE
};

pub(crate) const GHC: Syntax = Syntax {
    short_value: "eo",
    clusters: false,
    words: &[
        ("-package", true),
        ("-package-db", true),
        ("-package-id", true),
        ("-hide-package", true),
        ("-odir", true),
        ("-hidir", true),
        ("-outputdir", true),
        ("-stubdir", true),
        ("-dumpdir", true),
        ("-main-is", true),
        ("-this-unit-id", true),
        ("-working-dir", true),
    ],
    code: &["-e"],
    operand: Operand::Programs,
    ..Syntax::NONE
};

pub(crate) const GNUPLOT: Syntax = Syntax {
    short_value: "ec",
    words: &[("-persist", false), ("-default", false), ("-slow", false)],
    code: &["-e"],
    loads: &[("-c", Load::Program)],
    operand: Operand::Programs,
    ..Syntax::NONE
};

pub(crate) const DC: Syntax = Syntax {
    short_value: "ef",
    long_value: &["expression", "file"],
    code: &["-e", "--expression"],
    loads: &[("-f", Load::Program), ("--file", Load::Program)],
    operand: Operand::Programs,
    ..Syntax::NONE
};

pub(crate) const JVM_SCRIPT: Syntax = Syntax {
    short_value: "eflDJ",
    clusters: false,
    words: &[("-cp", true), ("-classpath", true), ("-encoding", true)],
    long_value: &["configscript", "classpath"],
    code: &["-e"],
    loads: &[("-f", Load::Program), ("--configscript", Load::File)],
    ..Syntax::NONE
};

pub(crate) const OSASCRIPT: Syntax = Syntax {
    short_value: "els",
    code: &["-e"],
    ..Syntax::NONE
};

pub(crate) const SLSH: Syntax = Syntax {
    short_value: "ei",
    code: &["-e"],
    loads: &[("-i", Load::File)],
    ..Syntax::NONE
};

/// Variables that make programs other than one interpreter load code.
const OTHER_ENV: &[(&str, EnvLoad)] = &[
    ("BASH_ENV", EnvLoad::File),
    ("ENV", EnvLoad::File),
    ("MAKEFILES", EnvLoad::Files),
    ("LD_PRELOAD", EnvLoad::Files),
    ("LD_AUDIT", EnvLoad::Files),
    ("LD_LIBRARY_PATH", EnvLoad::Path),
    ("GCONV_PATH", EnvLoad::Path),
];

/// Every interpreter's table, to look a variable up in.
const ALL: &[&Syntax] = &[
    &PYTHON,
    &PERL,
    &RUBY,
    &IRB,
    &NODE,
    &DENO,
    &BUN,
    &PHP,
    &LUA,
    &R,
    &RSCRIPT,
    &JULIA,
    &EXPECT,
    &GUILE,
    &CLISP,
    &SBCL,
    &OCTAVE,
    &JAVA,
    &JSHELL,
    &TCLSH,
    &GHC,
    &GNUPLOT,
    &DC,
    &JVM_SCRIPT,
    &OSASCRIPT,
    &SLSH,
];

/// The table of the interpreter `prog` (its basename; `python3.12` is `python3`'s).
pub(crate) fn syntax_of(prog: &str) -> Option<&'static Syntax> {
    let prog = super::super::interpreters::versioned(prog).unwrap_or(prog);
    Some(match prog {
        "python" | "python2" | "python3" | "pypy" | "pypy3" => &PYTHON,
        "perl" => &PERL,
        "ruby" => &RUBY,
        "irb" => &IRB,
        "node" | "nodejs" => &NODE,
        "deno" => &DENO,
        "bun" => &BUN,
        "php" => &PHP,
        "lua" | "luajit" => &LUA,
        "R" => &R,
        "Rscript" => &RSCRIPT,
        "julia" => &JULIA,
        "expect" => &EXPECT,
        "guile" => &GUILE,
        "clisp" => &CLISP,
        "sbcl" => &SBCL,
        "octave" | "octave-cli" => &OCTAVE,
        "java" => &JAVA,
        "jshell" => &JSHELL,
        "tclsh" | "wish" => &TCLSH,
        "ghc" | "ghci" => &GHC,
        "gnuplot" => &GNUPLOT,
        "dc" => &DC,
        "jrunscript" | "scala" | "groovy" => &JVM_SCRIPT,
        "osascript" => &OSASCRIPT,
        "slsh" => &SLSH,
        _ => return None,
    })
}

/// How a variable makes a program load code, and for variables that hold more options
/// (`NODE_OPTIONS`), whose command line they extend.
pub(crate) fn env_load(name: &str) -> Option<(EnvLoad, Option<&'static Syntax>)> {
    if let Some(&(_, how)) = OTHER_ENV.iter().find(|(n, _)| *n == name) {
        return Some((how, None));
    }
    ALL.iter().find_map(|s| {
        s.env
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, how)| (how, Some(*s)))
    })
}
