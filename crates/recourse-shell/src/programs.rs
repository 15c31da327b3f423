//! What the classifier knows about individual programs: which are shells, interpreters,
//! pagers, fetchers and wrappers, which are positively read-only and under which flags, and
//! which invocations are dangerous on their own.

use recourse_policy::{Decision, Reason};

use crate::args::{self, Parsed, basename, normalize_path};
use crate::ast::Word;

/// Shells: `-c STRING` runs a script; with neither `-c` nor a file they read commands from stdin.
pub const SHELLS: &[&str] = &[
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

/// Interpreters and the flags that take inline code.
pub const INTERPRETERS: &[(&str, &[&str])] = &[
    ("python", &["-c"]),
    ("python2", &["-c"]),
    ("python3", &["-c"]),
    ("pypy", &["-c"]),
    ("pypy3", &["-c"]),
    ("perl", &["-e", "-E"]),
    ("ruby", &["-e"]),
    ("irb", &[]),
    ("node", &["-e", "--eval", "-p", "--print"]),
    ("nodejs", &["-e", "--eval", "-p", "--print"]),
    ("deno", &["eval"]),
    ("bun", &["-e", "--eval"]),
    ("php", &["-r"]),
    ("lua", &["-e"]),
    ("luajit", &["-e"]),
    ("julia", &["-e", "-E"]),
    ("R", &["-e"]),
    ("Rscript", &["-e"]),
    ("tclsh", &[]),
    ("wish", &[]),
    ("expect", &["-c"]),
    ("osascript", &["-e"]),
    ("jrunscript", &["-e"]),
    ("guile", &["-c"]),
    ("clisp", &["-x"]),
    ("sbcl", &["--eval"]),
    ("ghc", &["-e"]),
    ("ghci", &[]),
    ("gnuplot", &["-e"]),
    ("octave", &["--eval"]),
    ("octave-cli", &["--eval"]),
    ("slsh", &["-e"]),
    ("jshell", &[]),
    ("scala", &["-e"]),
    ("groovy", &["-e"]),
    ("java", &[]),
    ("dc", &["-e"]),
    ("bc", &[]),
];

/// awk-family programs: the first operand is a program unless `-f` names a file.
pub const AWKS: &[&str] = &["awk", "gawk", "mawk", "nawk", "busybox-awk"];

/// Programs with interactive shell escapes (`!sh`, `:shell`, `|cmd`).
pub const PAGERS_EDITORS: &[&str] = &[
    "less",
    "more",
    "most",
    "pg",
    "man",
    "vi",
    "vim",
    "nvim",
    "view",
    "vimdiff",
    "rvim",
    "ex",
    "ed",
    "nano",
    "pico",
    "emacs",
    "emacsclient",
    "joe",
    "jed",
    "mc",
    "top",
    "htop",
    "screen",
    "tmux",
    "tmate",
    "info",
    "pinfo",
    "lynx",
    "w3m",
    "links",
    "elinks",
    "ftp",
    "psql",
    "mysql",
    "sqlite3",
    "gdb",
    "lldb",
    "nmap",
    "ssh",
    "telnet",
    "minicom",
    "irssi",
];

/// Programs that fetch data over the network.
pub const FETCHERS: &[&str] = &[
    "curl",
    "wget",
    "fetch",
    "aria2c",
    "lwp-download",
    "lwp-request",
    "GET",
    "POST",
    "HEAD",
    "http",
    "https",
    "xh",
    "nc",
    "ncat",
    "netcat",
    "socat",
    "telnet",
    "ftp",
    "tftp",
    "sftp",
    "scp",
    "ssh",
    "openssl",
    "gh",
    "rsync",
    "smbclient",
    "s3cmd",
];

/// Programs that open raw network connections (reverse-shell ends).
pub const NETWORK: &[&str] = &[
    "nc", "ncat", "netcat", "socat", "telnet", "openssl", "ssh", "curl", "wget", "socket",
];

/// Privilege-changing wrappers.
pub const PRIVILEGE: &[&str] = &[
    "sudo", "doas", "pkexec", "su", "ksu", "run0", "sudo-rs", "runuser", "chroot", "nsenter", "sg",
    "newgrp", "calife", "sudoedit",
];

/// Directories whose programs may be named by path.
pub const SYSTEM_DIRS: &[&str] = &[
    "/bin",
    "/usr/bin",
    "/usr/local/bin",
    "/sbin",
    "/usr/sbin",
    "/usr/local/sbin",
];

/// Programs known to change files or state (classified as mutating, not unknown).
pub const KNOWN_MUTATING: &[&str] = &[
    "rm",
    "rmdir",
    "mv",
    "cp",
    "mkdir",
    "touch",
    "ln",
    "chmod",
    "chown",
    "chgrp",
    "truncate",
    "install",
    "unlink",
    "mkfifo",
    "mknod",
    "shred",
    "chattr",
    "setfacl",
    "kill",
    "pkill",
    "killall",
    "patch",
    "tee",
    "dd",
    "git",
    "kubectl",
    "terraform",
    "helm",
    "docker",
    "podman",
    "systemctl",
    "service",
    "make",
    "cargo",
    "npm",
    "pip",
    "pip3",
    "go",
    "apt",
    "apt-get",
    "yum",
    "dnf",
    "brew",
    "aws",
    "gcloud",
    "az",
    "gzip",
    "gunzip",
    "tar",
    "zip",
    "unzip",
];

/// Known programs that can run arbitrary code as part of their normal work (build scripts,
/// package hooks, recipes, pagers, plugins). Under a privilege wrapper they are as dangerous as
/// a shell.
pub const CODE_CAPABLE: &[&str] = &[
    "make",
    "cmake",
    "cargo",
    "go",
    "npm",
    "npx",
    "yarn",
    "pnpm",
    "pip",
    "pip3",
    "pipx",
    "gem",
    "bundle",
    "apt",
    "apt-get",
    "aptitude",
    "dpkg",
    "dnf",
    "yum",
    "rpm",
    "zypper",
    "pacman",
    "apk",
    "brew",
    "snap",
    "git",
    "docker",
    "podman",
    "tar",
    "zip",
    "unzip",
    "kubectl",
    "terraform",
    "helm",
    "systemctl",
    "service",
    "aws",
    "gcloud",
    "az",
    "journalctl",
    "mount",
    "crontab",
    "at",
    "ssh",
    "scp",
    "rsync",
    "nmap",
    "mysql",
    "psql",
];

/// Programs read-only in every invocation the per-program model allows.
pub const READONLY: &[&str] = &[
    "ls",
    "cat",
    "head",
    "tail",
    "grep",
    "egrep",
    "fgrep",
    "wc",
    "echo",
    "printf",
    "pwd",
    "whoami",
    "date",
    "id",
    "uname",
    "hostname",
    "true",
    "false",
    "test",
    "[",
    "basename",
    "dirname",
    "realpath",
    "readlink",
    "stat",
    "file",
    "du",
    "df",
    "sort",
    "uniq",
    "cut",
    "tr",
    "nl",
    "tac",
    "rev",
    "column",
    "fold",
    "fmt",
    "expand",
    "unexpand",
    "paste",
    "join",
    "comm",
    "od",
    "hexdump",
    "xxd",
    "strings",
    "md5sum",
    "sha1sum",
    "sha256sum",
    "sha512sum",
    "cksum",
    "b2sum",
    "seq",
    "sleep",
    "which",
    "type",
    "whereis",
    "tree",
    "diff",
    "cmp",
    "jq",
    "yq",
    "find",
    "git",
    "kubectl",
    "terraform",
    "sed",
    "uptime",
    "free",
    "ps",
    "groups",
    "locale",
    "nproc",
    "arch",
    "tty",
    "cd",
    "pushd",
    "popd",
    "dirs",
    ":",
    "set",
    "shopt",
    "unset",
    "export",
    "local",
    "declare",
    "typeset",
    "readonly",
    "read",
    "exit",
    "return",
    "break",
    "continue",
    "shift",
    "wait",
    "getopts",
    "hash",
    "umask",
    "ulimit",
    "base64",
    "zcat",
    "lsblk",
    "lscpu",
    "env",
    "printenv",
    "helm",
    "docker",
    "systemctl",
    "cal",
];

/// Bit set of what the classifier knows about a program name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Kind(u16);

impl Kind {
    /// A shell.
    pub const SHELL: u16 = 1;
    /// Fetches from the network.
    pub const FETCHER: u16 = 1 << 1;
    /// Opens raw network connections.
    pub const NETWORK: u16 = 1 << 2;
    /// In the read-only set (subject to its model).
    pub const READONLY: u16 = 1 << 3;
    /// Known to change state.
    pub const MUTATING: u16 = 1 << 4;
    /// Pager or editor with shell escapes.
    pub const PAGER: u16 = 1 << 5;
    /// An awk.
    pub const AWK: u16 = 1 << 6;
    /// Its first operand is a pattern or program text.
    pub const PATTERN_FIRST: u16 = 1 << 7;
    /// A wrapper that passes the inner command's class through.
    pub const TRANSPARENT: u16 = 1 << 8;

    /// Whether every bit of `flag` is set.
    pub fn has(self, flag: u16) -> bool {
        self.0 & flag == flag
    }
}

/// What the classifier knows about a program, in one hashed lookup.
pub fn kind(prog: &str) -> Kind {
    static TABLE: std::sync::OnceLock<std::collections::HashMap<&'static str, u16>> =
        std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut m: std::collections::HashMap<&'static str, u16> = std::collections::HashMap::new();
        for (list, bit) in [
            (SHELLS, Kind::SHELL),
            (FETCHERS, Kind::FETCHER),
            (NETWORK, Kind::NETWORK),
            (READONLY, Kind::READONLY),
            (KNOWN_MUTATING, Kind::MUTATING),
            (PAGERS_EDITORS, Kind::PAGER),
            (AWKS, Kind::AWK),
            (PATTERN_FIRST, Kind::PATTERN_FIRST),
            (TRANSPARENT_WRAPPERS, Kind::TRANSPARENT),
        ] {
            for name in list {
                *m.entry(name).or_default() |= bit;
            }
        }
        m
    });
    Kind(table.get(prog).copied().unwrap_or(0))
}

/// Whether a program is a shell.
pub fn is_shell(p: &str) -> bool {
    kind(p).has(Kind::SHELL)
}

/// Inline-code flags of an interpreter, if it is one.
pub fn interpreter(p: &str) -> Option<&'static [&'static str]> {
    if let Some((_, f)) = INTERPRETERS.iter().find(|(n, _)| *n == p) {
        return Some(f);
    }
    // python3.12, perl5.36, ruby3.2 …
    for (base, flags) in [
        ("python", &["-c"][..]),
        ("perl", &["-e", "-E"]),
        ("ruby", &["-e"]),
    ] {
        if let Some(rest) = p.strip_prefix(base)
            && !rest.is_empty()
            && rest.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        {
            return Some(flags);
        }
    }
    None
}

/// Whether the stage decodes or decompresses its input (obfuscated payloads).
pub fn is_decoder(prog: &str, args: &[Word]) -> bool {
    let p = args::parse(args, "", &[]);
    match prog {
        "base64" | "base32" | "basenc" => {
            p.has_short('d') || p.has_short('D') || p.has_long("decode")
        }
        "xxd" => p.has_short('r') || p.has_long("revert"),
        "uudecode" | "gunzip" | "zcat" | "bzcat" | "xzcat" | "unxz" | "bunzip2" | "zstdcat" => true,
        "gzip" | "bzip2" | "xz" | "zstd" => p.has_short('d') || p.has_long("decompress"),
        "openssl" => args.iter().any(|w| w.text == "-d" || w.text == "base64"),
        _ => false,
    }
}

/// A read-only verdict from a per-program model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Model {
    /// Positively read-only with these arguments.
    ReadOnly,
    /// Changes state (why).
    Mutating(String),
    /// Can run arbitrary code (why).
    RunsCode(String),
    /// The model does not know this invocation.
    Unknown,
}

fn any_long(p: &Parsed<'_>, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find(|n| p.has_long(n))
        .map(|n| format!("--{n}"))
}

/// git subcommands that only read.
const GIT_READ: &[&str] = &[
    "status",
    "diff",
    "log",
    "show",
    "blame",
    "ls-files",
    "ls-tree",
    "rev-parse",
    "rev-list",
    "describe",
    "shortlog",
    "cat-file",
    "grep",
    "reflog",
    "whatchanged",
    "name-rev",
    "merge-base",
    "for-each-ref",
    "show-ref",
    "count-objects",
    "version",
    "cherry",
    "range-diff",
    "annotate",
    "check-ignore",
    "var",
    "verify-commit",
    "verify-tag",
];

fn git_model(args: &[Word]) -> Model {
    // Global options before the subcommand.
    let mut i = 0;
    while let Some(w) = args.get(i) {
        let t = w.text.as_str();
        match t {
            "-C" | "--git-dir" | "--work-tree" | "--namespace" => i += 2,
            "--no-pager"
            | "-P"
            | "--bare"
            | "--no-replace-objects"
            | "--literal-pathspecs"
            | "--glob-pathspecs"
            | "--noglob-pathspecs"
            | "--icase-pathspecs"
            | "--no-optional-locks" => i += 1,
            t if t.starts_with("--git-dir=")
                || t.starts_with("--work-tree=")
                || t.starts_with("--namespace=") =>
            {
                i += 1
            }
            t if t.starts_with("-c") || t.starts_with("--config-env") => {
                return Model::RunsCode("git -c can set a pager, hook or external diff".into());
            }
            t if t.starts_with("--exec-path") => {
                return Model::RunsCode(
                    "git --exec-path runs programs from another directory".into(),
                );
            }
            "-p" | "--paginate" => {
                return Model::RunsCode("git -p runs a pager".into());
            }
            t if t.starts_with('-') => return Model::Unknown,
            _ => break,
        }
    }
    let Some(sub) = args.get(i) else {
        return Model::ReadOnly;
    };
    // A repository outside the working directory brings its own config and attributes, which
    // can name programs that even `git status` and `git diff` run (fsmonitor, filters,
    // textconv, external diff, hooks).
    if let Some(dir) = git_repo_options(&args[..i]).find(|d| outside_working_dir(d)) {
        return Model::RunsCode(format!(
            "git on the repository `{dir}` outside the working directory, whose config can run programs"
        ));
    }
    let rest = args.get(i + 1..).unwrap_or_default();
    let p = args::parse(rest, "", &[]);
    let sub = sub.text.as_str();
    let dangerous = [
        "output",
        "ext-diff",
        "textconv",
        "exec",
        "upload-pack",
        "open-files-in-pager",
        // `git <cmd> --help` opens the manual in a pager, which has shell escapes.
        "help",
    ];
    if let Some(flag) = any_long(&p, &dangerous) {
        return Model::RunsCode(format!("git {sub} {flag} writes files or runs programs"));
    }
    if sub == "grep" && (p.has_short('O') || p.has_long("open-files-in-pager")) {
        return Model::RunsCode("git grep -O runs a pager".into());
    }
    match sub {
        s if GIT_READ.contains(&s) => Model::ReadOnly,
        "branch" => {
            let writes = ['d', 'D', 'm', 'M', 'c', 'C', 'f', 'u'];
            if p.shorts.iter().any(|c| writes.contains(c))
                || any_long(
                    &p,
                    &[
                        "delete",
                        "move",
                        "copy",
                        "force",
                        "set-upstream-to",
                        "unset-upstream",
                        "edit-description",
                    ],
                )
                .is_some()
                || (!p.operands.is_empty()
                    && !p.has_short('l')
                    && !p.has_long("list")
                    && !p.has_long("contains")
                    && !p.has_long("merged")
                    && !p.has_long("no-merged")
                    && !p.has_long("points-at"))
            {
                Model::Mutating("git branch changes branches".into())
            } else {
                Model::ReadOnly
            }
        }
        "tag" => {
            if p.operands.is_empty() || p.has_short('l') || p.has_long("list") {
                Model::ReadOnly
            } else {
                Model::Mutating("git tag creates or deletes tags".into())
            }
        }
        "remote" => match p.operands.first().map(|w| w.text.as_str()) {
            None | Some("show") | Some("get-url") => Model::ReadOnly,
            _ => Model::Mutating("git remote changes remotes".into()),
        },
        "stash" => match p.operands.first().map(|w| w.text.as_str()) {
            Some("list") | Some("show") => Model::ReadOnly,
            _ => Model::Mutating("git stash changes the working tree".into()),
        },
        "config" => {
            let reads = p.has_long("get")
                || p.has_long("get-all")
                || p.has_long("get-regexp")
                || p.has_long("list")
                || p.has_short('l');
            let get = matches!(
                p.operands.first().map(|w| w.text.as_str()),
                Some("get" | "list")
            );
            if reads || get {
                Model::ReadOnly
            } else if let Some(key) = p
                .operands
                .iter()
                .map(|w| w.text.as_str())
                .find(|k| git_key_runs_programs(k))
            {
                Model::RunsCode(format!("git config `{key}` makes git run a program"))
            } else {
                Model::Mutating("git config changes configuration".into())
            }
        }
        "help" => Model::RunsCode("git help opens a pager or browser".into()),
        _ => Model::Mutating(format!("git {sub} is not a read-only git command")),
    }
}

/// The directories given to git's `-C`, `--git-dir` and `--work-tree` global options.
fn git_repo_options(globals: &[Word]) -> impl Iterator<Item = &str> {
    globals.iter().enumerate().filter_map(|(k, w)| {
        let t = w.text.as_str();
        match t {
            "-C" | "--git-dir" | "--work-tree" => globals.get(k + 1).map(|v| v.text.as_str()),
            _ => t
                .strip_prefix("--git-dir=")
                .or_else(|| t.strip_prefix("--work-tree=")),
        }
    })
}

/// Absolute, home-relative, climbing out (`..`) or decided at run time.
pub fn outside_working_dir(path: &str) -> bool {
    path.starts_with(['/', '~', '$']) || path.split('/').any(|s| s == "..")
}

/// git configuration keys whose value is a program git runs (or that turn such a program on).
fn git_key_runs_programs(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    let k = k.split_once('=').map_or(k.as_str(), |(a, _)| a);
    matches!(
        k,
        "core.fsmonitor"
            | "core.pager"
            | "core.editor"
            | "core.sshcommand"
            | "core.hookspath"
            | "core.askpass"
            | "core.gitproxy"
            | "diff.external"
            | "sequence.editor"
            | "gpg.program"
            | "uploadpack.packobjectshook"
            | "credential.helper"
            | "web.browser"
            | "instaweb.httpd"
    ) || k.starts_with("alias.")
        || k.starts_with("pager.")
        || k.starts_with("filter.")
        || k.starts_with("credential.")
        || k.starts_with("gpg.")
        || k.ends_with(".textconv")
        || k.ends_with(".command")
        || k.ends_with(".cmd")
        || k.ends_with(".driver")
        || k.ends_with(".path") && k.starts_with("man.")
        || k.ends_with(".sshcommand")
        || k.ends_with(".proxy") && (k.starts_with("remote.") || k.starts_with("http."))
        || k.starts_with("include") // includes pull in another file's settings
}

/// kubectl's short options that take a value.
const KUBECTL_SHORT_ARGS: &str = "nolcfLs";
/// kubectl's long options that take a value.
const KUBECTL_LONG_ARGS: &[&str] = &[
    "namespace",
    "output",
    "selector",
    "context",
    "kubeconfig",
    "cluster",
    "user",
    "field-selector",
    "server",
    "token",
    "template",
    "sort-by",
    "container",
    "since",
    "tail",
];

/// Whether a kubectl invocation prints Secret data in clear.
pub fn kubectl_reveals_secret(args: &[Word]) -> bool {
    let p = args::parse(args, KUBECTL_SHORT_ARGS, KUBECTL_LONG_ARGS);
    if p.operands.first().map(|w| w.text.as_str()) != Some("get") {
        return false;
    }
    let secret = p.operands.get(1).is_some_and(|w| {
        w.text.split(',').any(|r| {
            matches!(
                r.split('/')
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase()
                    .as_str(),
                "secret" | "secrets" | "all"
            )
        })
    });
    let out = p.value(&["-o", "--output"]).unwrap_or("");
    secret
        && [
            "yaml",
            "json",
            "jsonpath",
            "go-template",
            "template",
            "custom-columns",
        ]
        .iter()
        .any(|o| out.starts_with(o))
}

fn kubectl_model(args: &[Word]) -> Model {
    let p = args::parse(args, KUBECTL_SHORT_ARGS, KUBECTL_LONG_ARGS);
    // A kubeconfig can name a credential plugin (`users[].user.exec`) that kubectl runs.
    if p.has_long("kubeconfig") {
        return Model::RunsCode(
            "kubectl --kubeconfig can run the credential plugin a kubeconfig names".into(),
        );
    }
    let Some(sub) = p.operands.first() else {
        return Model::ReadOnly;
    };
    match sub.text.as_str() {
        "get" => {
            let secret = p.operands.get(1).is_some_and(|w| {
                w.text.split(',').any(|r| {
                    matches!(
                        r.split('/').next().unwrap_or(""),
                        "secret" | "secrets" | "Secret"
                    )
                }) || w.text == "all"
            });
            let out = p.value(&["-o", "--output"]).unwrap_or("");
            let revealing = [
                "yaml",
                "json",
                "jsonpath",
                "go-template",
                "template",
                "custom-columns",
                "name",
            ]
            .iter()
            .any(|o| out.starts_with(o) && *o != "name");
            if secret && revealing {
                Model::Mutating("kubectl get secret with -o yaml/json prints secret data".into())
            } else {
                Model::ReadOnly
            }
        }
        "describe" | "logs" | "explain" | "api-resources" | "api-versions" | "version"
        | "cluster-info" | "top" | "events" => Model::ReadOnly,
        "config" => match p.operands.get(1).map(|w| w.text.as_str()) {
            Some("current-context") | Some("get-contexts") | Some("get-clusters") => {
                Model::ReadOnly
            }
            _ => Model::Mutating("kubectl config reads or changes credentials".into()),
        },
        s => Model::Mutating(format!("kubectl {s} is not a read-only kubectl command")),
    }
}

fn terraform_model(args: &[Word]) -> Model {
    let ops: Vec<&str> = args
        .iter()
        .map(|w| w.text.as_str())
        .filter(|t| !t.starts_with('-'))
        .collect();
    match ops.first().copied() {
        // -json (show, output) and -raw (output) print sensitive values in clear.
        Some("show" | "output")
            if args.iter().any(|w| {
                let t = w.text.trim_start_matches('-');
                t == "json" || t == "raw" || t.starts_with("json=") || t.starts_with("raw=")
            }) =>
        {
            Model::Mutating(
                "terraform show/output -json/-raw prints sensitive values in clear".into(),
            )
        }
        None | Some("version") | Some("validate") | Some("show") | Some("providers")
        | Some("output") | Some("graph") => Model::ReadOnly,
        Some("fmt") => {
            let check = args
                .iter()
                .any(|w| w.text == "-check" || w.text == "-write=false" || w.text == "--check");
            if check {
                Model::ReadOnly
            } else {
                Model::Mutating("terraform fmt rewrites files (use -check)".into())
            }
        }
        Some("state") if matches!(ops.get(1).copied(), Some("list") | Some("show")) => {
            Model::ReadOnly
        }
        Some(s) => Model::Mutating(format!(
            "terraform {s} is not a read-only terraform command"
        )),
    }
}

/// Whether a sed script only reads: no `e` or `w`/`W` commands or flags.
fn sed_script_readonly(script: &str) -> bool {
    let b = script.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\n' | b';' | b'{' | b'}' | b'!' | b',' | b'0'..=b'9' | b'$' | b'~' => {
                i += 1
            }
            b'/' | b'\\' => {
                // address regex: /re/ or \cREc
                let delim = if c == b'\\' {
                    i += 1;
                    match b.get(i) {
                        Some(d) => *d,
                        None => return false,
                    }
                } else {
                    b'/'
                };
                i += 1;
                while i < b.len() && b[i] != delim {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                while matches!(b.get(i), Some(b'I' | b'M')) {
                    i += 1;
                }
            }
            b's' | b'y' => {
                let Some(&delim) = b.get(i + 1) else {
                    return false;
                };
                if delim == b'\n' || delim == b'\\' {
                    return false;
                }
                i += 2;
                for _ in 0..2 {
                    while i < b.len() && b[i] != delim {
                        if b[i] == b'\\' {
                            i += 1;
                        }
                        i += 1;
                    }
                    i += 1;
                }
                if c == b's' {
                    while let Some(&f) = b.get(i) {
                        match f {
                            b'g' | b'p' | b'i' | b'I' | b'm' | b'M' | b'0'..=b'9' => i += 1,
                            b'e' | b'w' | b'W' => return false,
                            _ => break,
                        }
                    }
                }
            }
            b'p' | b'P' | b'd' | b'D' | b'g' | b'G' | b'h' | b'H' | b'x' | b'n' | b'N' | b'l'
            | b'=' | b'z' | b'F' | b'q' | b'Q' => i += 1,
            b'a' | b'i' | b'c' | b':' | b'b' | b't' | b'T' | b'r' | b'R' => {
                // text or label or file name to end of line (labels also end at ';')
                while i < b.len()
                    && b[i] != b'\n'
                    && !(matches!(c, b'b' | b't' | b'T') && b[i] == b';')
                {
                    i += 1;
                }
            }
            _ => return false, // e, w, W, v, unknown: not read-only
        }
    }
    true
}

fn sed_model(args: &[Word]) -> Model {
    let p = args::parse(args, "efl", &["expression", "file", "line-length"]);
    if p.has_short('i') || p.has_long("in-place") {
        return Model::Mutating("sed -i edits files in place".into());
    }
    if p.has_short('f') || p.has_long("file") {
        return Model::RunsCode("sed -f runs a script file the gateway cannot see".into());
    }
    let mut scripts: Vec<&str> = p
        .values
        .iter()
        .filter(|(k, _)| k == "-e" || k == "--expression")
        .map(|(_, v)| *v)
        .collect();
    if scripts.is_empty() {
        match p.operands.first() {
            Some(w) if !w.dynamic => scripts.push(w.text.as_str()),
            _ => return Model::Unknown,
        }
    }
    if scripts.iter().all(|s| sed_script_readonly(s)) {
        Model::ReadOnly
    } else {
        Model::RunsCode("the sed script executes (`e`) or writes (`w`)".into())
    }
}

/// The per-program model of read-only use, for programs in [`READONLY`].
pub fn readonly_model(prog: &str, args: &[Word]) -> Model {
    let p = || args::parse(args, "", &[]);
    match prog {
        "git" => git_model(args),
        "kubectl" => kubectl_model(args),
        "terraform" => terraform_model(args),
        "sed" => sed_model(args),
        "find" => {
            let bad = ["-delete", "-fprint", "-fprint0", "-fprintf", "-fls"];
            match args.iter().find(|w| bad.contains(&w.text.as_str())) {
                Some(w) => Model::Mutating(format!("find {} deletes or writes files", w.text)),
                None => Model::ReadOnly,
            }
        }
        "sort" => {
            let p = p();
            if p.has_short('o') || p.has_long("output") {
                Model::Mutating("sort -o writes a file".into())
            } else if p.has_long("compress-program") {
                Model::RunsCode("sort --compress-program runs a program".into())
            } else {
                Model::ReadOnly
            }
        }
        "uniq" | "xxd" => {
            let spec = if prog == "xxd" { "lcsgon" } else { "fsw" };
            if args::parse(args, spec, &[]).operands.len() >= 2 {
                Model::Mutating(format!("{prog} with two file operands writes the second"))
            } else {
                Model::ReadOnly
            }
        }
        "tree" => {
            if p().has_short('o') {
                Model::Mutating("tree -o writes a file".into())
            } else {
                Model::ReadOnly
            }
        }
        "file" => {
            if p().has_short('C') || p().has_long("compile") {
                Model::Mutating("file -C writes a compiled magic file".into())
            } else {
                Model::ReadOnly
            }
        }
        "date" => {
            let p = p();
            if p.has_short('s') || p.has_long("set") {
                Model::Mutating("date -s sets the clock".into())
            } else {
                Model::ReadOnly
            }
        }
        "hostname" => {
            if args.iter().any(|w| !w.text.starts_with('-'))
                || p().has_short('F')
                || p().has_long("file")
            {
                Model::Mutating("hostname NAME sets the host name".into())
            } else {
                Model::ReadOnly
            }
        }
        "jq" | "yq" => {
            let p = p();
            if p.has_short('i') || p.has_long("inplace") || p.has_long("in-place") {
                return Model::Mutating(format!("{prog} -i edits files in place"));
            }
            Model::ReadOnly
        }
        "helm" => match args
            .iter()
            .find(|w| !w.text.starts_with('-'))
            .map(|w| w.text.as_str())
        {
            Some(
                "list" | "ls" | "status" | "history" | "get" | "show" | "search" | "version"
                | "template" | "lint",
            ) => Model::ReadOnly,
            _ => Model::Mutating("not a read-only helm command".into()),
        },
        "docker" => match args
            .iter()
            .find(|w| !w.text.starts_with('-'))
            .map(|w| w.text.as_str())
        {
            // (not `inspect`: it prints containers' environment variables)
            Some("ps" | "images" | "version" | "info" | "logs") => Model::ReadOnly,
            _ => Model::Mutating("not a read-only docker command".into()),
        },
        "systemctl" => match args
            .iter()
            .find(|w| !w.text.starts_with('-'))
            .map(|w| w.text.as_str())
        {
            Some("is-active" | "is-enabled" | "is-failed") => Model::ReadOnly,
            // These page their output through `less` (shell escapes) unless told not to.
            None
            | Some("status" | "show" | "list-units" | "list-unit-files" | "list-timers" | "cat") => {
                if args.iter().any(|w| w.text == "--no-pager") {
                    Model::ReadOnly
                } else {
                    Model::RunsCode("systemctl pages its output through less, which has shell escapes (use --no-pager)".into())
                }
            }
            Some("edit") => Model::RunsCode("systemctl edit runs an editor".into()),
            Some(s) => Model::Mutating(format!("systemctl {s} changes services")),
        },
        "less" => Model::RunsCode("less has shell escapes (`!cmd`) and input preprocessors".into()),
        "env" | "printenv" => Model::ReadOnly,
        "export" | "declare" | "typeset" | "set" | "readonly" | "local" => Model::ReadOnly,
        _ => Model::ReadOnly,
    }
}

/// Whether running `prog` with `args` prints the environment (credentials).
pub fn dumps_environment(prog: &str, args: &[Word]) -> bool {
    match prog {
        "printenv" => true,
        "env" => args
            .iter()
            .all(|w| w.text.starts_with('-') || w.text.contains('=')),
        "set" => args.is_empty() || args.iter().any(|w| w.text == "-o" && args.len() == 1),
        "export" | "declare" | "typeset" | "readonly" => {
            args.is_empty()
                || args
                    .iter()
                    .any(|w| w.text == "-p" || w.text == "-x" && args.len() == 1)
        }
        "compgen" => args.iter().any(|w| w.text == "-v" || w.text == "-e"),
        "jq" | "yq" | "gojq" | "jaq" => args.iter().any(|w| mentions_env_builtin(&w.text)),
        // BSD-style `ps e` (no dash) prints every process's environment.
        "ps" => args
            .iter()
            .any(|w| !w.text.starts_with('-') && w.text.contains('e')),
        _ => false,
    }
}

/// Whether a jq/yq filter uses the `env`/`$ENV`/`strenv` builtins (field accesses like `.env`
/// do not count).
fn mentions_env_builtin(filter: &str) -> bool {
    if filter.contains("$ENV") || filter.contains("strenv(") {
        return true;
    }
    let b = filter.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    filter.match_indices("env").any(|(i, _)| {
        let before = i.checked_sub(1).and_then(|j| b.get(j)).copied();
        let after = b.get(i + 3).copied();
        before.is_none_or(|c| !word(c) && c != b'.' && c != b'$') && after.is_none_or(|c| !word(c))
    })
}

/// Programs whose first operand is a pattern or program text, not a file.
pub const PATTERN_FIRST: &[&str] = &[
    "jq", "yq", "gojq", "jaq", "grep", "egrep", "fgrep", "rg", "sed", "awk", "gawk", "mawk", "nawk",
];

/// Variables whose values are credentials.
pub fn is_secret_param(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    n.starts_with("AWS_")
        || n.starts_with("GOOGLE_")
        || n.starts_with("AZURE_")
        || n.starts_with("ARM_")
        || n.starts_with("GCP_")
        || n == "KUBECONFIG"
        || n.starts_with("VAULT_")
        || [
            "TOKEN",
            "SECRET",
            "PASSWORD",
            "PASSWD",
            "CREDENTIAL",
            "API_KEY",
            "APIKEY",
            "PRIVATE_KEY",
            "ACCESS_KEY",
        ]
        .iter()
        .any(|s| n.contains(s))
}

/// Variables that change what later programs run or load.
pub fn is_dangerous_assignment(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    matches!(
        n.as_str(),
        "PATH"
            | "BASH_ENV"
            | "ENV"
            | "IFS"
            | "PROMPT_COMMAND"
            | "SHELLOPTS"
            | "BASHOPTS"
            | "PS4"
            | "EDITOR"
            | "VISUAL"
            | "PAGER"
            | "LESSOPEN"
            | "LESSCLOSE"
            | "MANPAGER"
            | "BROWSER"
            | "SHELL"
            | "PERL5OPT"
            | "PERL5LIB"
            | "PERL5DB"
            | "PYTHONPATH"
            | "PYTHONSTARTUP"
            | "NODE_OPTIONS"
            | "KUBECONFIG"
            | "RUBYOPT"
            | "RUBYLIB"
            | "HOME"
            | "ZDOTDIR"
            | "GIT_DIR"
    ) || n.starts_with("LD_")
        || n.starts_with("GIT_")
        || n.starts_with("DYLD_")
        || n.ends_with("PAGER")
        || n.ends_with("EDITOR")
        || n.ends_with("_COMMAND")
        || n.ends_with("_PROGRAM")
        || n.ends_with("_BIN_PATH")
        || n.contains("ASKPASS")
}

/// A set of ASCII needles searched case-insensitively in one pass over the haystack. Each
/// needle carries a category bit. A bitset of the (lowercased) first two bytes of every needle
/// lets nearly every position cost one lookup.
pub struct NeedleSet {
    by_first: Vec<Vec<(&'static [u8], u8)>>,
    pairs: Vec<u64>,
    all: u8,
}

impl std::fmt::Debug for NeedleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NeedleSet")
    }
}

fn pair_index(a: u8, b: u8) -> usize {
    (usize::from(a.to_ascii_lowercase()) << 8) | usize::from(b.to_ascii_lowercase())
}

impl NeedleSet {
    /// Indexes needles (lowercase ASCII, at least two bytes), all in category 1.
    pub fn new(needles: &[&'static str]) -> Self {
        Self::tagged(&[(needles, 1)])
    }

    /// Indexes several lists, each with its category bit.
    pub fn tagged(lists: &[(&[&'static str], u8)]) -> Self {
        let mut by_first: Vec<Vec<(&'static [u8], u8)>> = vec![Vec::new(); 256];
        let mut pairs = vec![0u64; 1024];
        let mut all = 0;
        for (needles, bit) in lists {
            all |= *bit;
            for n in *needles {
                let b = n.as_bytes();
                if let [b0, b1, ..] = b {
                    by_first[usize::from(*b0)].push((b, *bit));
                    let idx = pair_index(*b0, *b1);
                    pairs[idx / 64] |= 1 << (idx % 64);
                }
            }
        }
        NeedleSet {
            by_first,
            pairs,
            all,
        }
    }

    /// The categories of the needles that occur in `hay`, ignoring ASCII case.
    pub fn scan(&self, hay: &str) -> u8 {
        let h = hay.as_bytes();
        let mut found = 0u8;
        for (i, w) in h.windows(2).enumerate() {
            let idx = pair_index(w[0], w[1]);
            if self.pairs[idx / 64] & (1 << (idx % 64)) == 0 {
                continue;
            }
            for (n, bit) in &self.by_first[usize::from(w[0].to_ascii_lowercase())] {
                if found & bit == 0
                    && h.get(i..i + n.len())
                        .is_some_and(|x| x.eq_ignore_ascii_case(n))
                {
                    found |= bit;
                    if found == self.all {
                        return found;
                    }
                }
            }
        }
        found
    }

    /// Whether any needle occurs in `hay`, ignoring ASCII case.
    pub fn any_in(&self, hay: &str) -> bool {
        self.scan(hay) != 0
    }
}

macro_rules! needles {
    ($list:expr) => {{
        static SET: std::sync::OnceLock<NeedleSet> = std::sync::OnceLock::new();
        SET.get_or_init(|| NeedleSet::new($list))
    }};
}

/// Whether `hay` contains a fragment every credential path contains, or ends like a memory
/// device (cheap pre-check).
pub fn has_credential_needle(hay: &str) -> bool {
    let t = hay.trim_end_matches('/');
    t.ends_with("mem")
        || t.ends_with("/port")
        || t.ends_with("kcore")
        || needles!(CREDENTIAL_NEEDLES).any_in(hay)
}

/// Fragments at least one of which every credential path contains; most arguments contain
/// none, so the full check (which allocates) rarely runs.
const CREDENTIAL_NEEDLES: &[&str] = &[
    ".aws",
    ".kube",
    ".ssh",
    ".gnupg",
    ".azure",
    "gcloud",
    ".docker",
    "vault-token",
    "secrets",
    "password-store",
    ".env",
    "netrc",
    "credential",
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    "tfstate",
    "kubeconfig",
    "history",
    "shadow",
    "sudoers",
    "service-account",
    ".pem",
    ".key",
    ".p12",
    ".pfx",
    "environ",
    "pgpass",
    "my.cnf",
    "npmrc",
    "pypirc",
];

/// Whether a path names credentials.
pub fn is_credential_path(text: &str) -> bool {
    if !has_credential_needle(text) {
        return false;
    }
    let lower = normalize_path(text).to_ascii_lowercase();
    let base = basename(&lower);
    let segs: Vec<&str> = lower.split('/').collect();
    segs.iter().any(|s| CREDENTIAL_DIRS.contains(s))
        || segs.windows(2).any(|w| w == [".config", "gcloud"])
        || lower.starts_with("/var/run/secrets")
        || lower.starts_with("/run/secrets")
        || CREDENTIAL_NAMES.contains(&base)
        || base.starts_with(".env.")
        || CREDENTIAL_SUFFIXES.iter().any(|x| base.ends_with(x))
        || (lower.starts_with("/proc/") && lower.ends_with("/environ"))
        // Memory: keys and tokens of every process.
        || matches!(lower.as_str(), "/dev/mem" | "/dev/kmem" | "/dev/port" | "/proc/kcore")
        || (lower.starts_with("/proc/") && lower.ends_with("/mem"))
}

/// Credential directories, at any depth.
const CREDENTIAL_DIRS: &[&str] = &[
    ".aws",
    ".kube",
    ".ssh",
    ".gnupg",
    ".azure",
    ".docker",
    ".vault-token",
    ".password-store",
];

/// Credential file names.
const CREDENTIAL_NAMES: &[&str] = &[
    ".env",
    ".envrc",
    ".netrc",
    ".git-credentials",
    ".npmrc",
    ".pypirc",
    ".pgpass",
    ".my.cnf",
    "credentials",
    "credentials.json",
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    "terraform.tfstate",
    "terraform.tfstate.backup",
    "kubeconfig",
    ".bash_history",
    ".zsh_history",
    "shadow",
    "gshadow",
    "sudoers",
    "service-account.json",
    "application_default_credentials.json",
];

/// Suffixes of key and certificate-bundle files.
const CREDENTIAL_SUFFIXES: &[&str] = &[".pem", ".key", ".p12", ".pfx"];

/// Absolute credential locations a glob may reach from the root: a trailing `/` marks a
/// directory (anything below it counts).
const CREDENTIAL_ABSOLUTE: &[&str] = &[
    "/var/run/secrets/",
    "/run/secrets/",
    "/proc/self/environ",
    "/proc/self/mem",
    "/proc/kcore",
    "/dev/mem",
    "/dev/kmem",
    "/etc/shadow",
    "/etc/gshadow",
    "/etc/sudoers",
    "/root/",
];

/// Directories whose every file a glob below them may reach, including dot files (`shopt -s
/// dotglob` is a read-only command): a bare `*` there counts.
const GLOB_SENSITIVE_ROOTS: &[&str] = &[
    "/root", "/home", "/etc", "/proc", "/run", "/var/run", "/dev",
];

/// Whether a word holding an unquoted glob or brace expansion may expand to a credential path
/// (`~/.a*/c*`, `~/.ss?/id_*`, `/etc/sha*`, `~/.{aws,x}/credentials`, `*.pem`). Inside the
/// working directory a bare `*` and a pattern fixing only a common extension (`*.json`) do not
/// count: reading the project is what `grep -r . ` does too. Outside it (`~`, `/`, `..`) they do.
pub fn pattern_may_name_credentials(text: &str) -> bool {
    let Some(variants) = expand_braces(text, 64) else {
        return true; // too many alternatives to look at: assume the worst
    };
    variants
        .iter()
        .any(|v| is_credential_path(v) || (has_glob(v) && glob_may_name_credentials(v)))
}

fn has_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

fn glob_may_name_credentials(v: &str) -> bool {
    let n = normalize_path(v).to_ascii_lowercase();
    let segs: Vec<&str> = n.split('/').collect();
    let outside = n.starts_with('~')
        || segs.contains(&"..")
        || (n.starts_with('/') && segs.get(1).is_some_and(|s| has_glob(s)))
        || GLOB_SENSITIVE_ROOTS
            .iter()
            .any(|r| n == *r || n.starts_with(&format!("{r}/")));
    if n.starts_with('/') {
        for c in CREDENTIAL_ABSOLUTE {
            let dir = c.ends_with('/');
            let cs: Vec<&str> = c.trim_end_matches('/').split('/').collect();
            let fits = if dir {
                segs.len() >= cs.len()
            } else {
                segs.len() == cs.len()
            };
            if fits && cs.iter().zip(&segs).all(|(c, p)| glob_match(p, c)) {
                return true;
            }
        }
    }
    let last = segs.len().saturating_sub(1);
    for (i, seg) in segs.iter().enumerate() {
        if !has_glob(seg) {
            continue;
        }
        let bare = seg.chars().all(|c| c == '*' || c == '?');
        if !outside && (bare || common_extension_only(seg)) {
            continue;
        }
        if CREDENTIAL_DIRS
            .iter()
            .chain(&["gcloud"])
            .any(|d| glob_match(seg, d))
        {
            return true;
        }
        // Names, and one example name for each `.env.*` and suffix rule.
        if i == last
            && (CREDENTIAL_NAMES.iter().any(|f| glob_match(seg, f))
                || glob_match(seg, ".env.local")
                || CREDENTIAL_SUFFIXES
                    .iter()
                    .any(|x| glob_match(seg, &format!("x{x}"))))
        {
            return true;
        }
        if i == last && n.starts_with("/proc/") && glob_match(seg, "environ") {
            return true;
        }
    }
    false
}

/// `*.json`, `**.yaml`: a pattern fixing nothing but an extension that is not itself a
/// credential suffix.
fn common_extension_only(seg: &str) -> bool {
    let rest = seg.trim_start_matches('*');
    let Some(ext) = rest.strip_prefix('.') else {
        return false;
    };
    rest.len() < seg.len()
        && !ext.is_empty()
        && ext.chars().all(|c| c.is_ascii_alphanumeric())
        && !CREDENTIAL_SUFFIXES.contains(&rest)
        && !matches!(ext, "tfstate" | "env")
}

/// Shell glob match of one path component: `*`, `?`, `[...]` (with `!`/`^` negation and
/// ranges). Conservative about dot files: `*` and `?` match a leading `.` as under `dotglob`.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // Iterative matcher with single-star backtracking: linear-ish, no recursion.
    let (mut pi, mut ni) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        let step = match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
                continue;
            }
            Some('?') => Some(pi + 1),
            Some('[') => match class_match(&p, pi, n[ni]) {
                Some((true, next)) => Some(next),
                Some((false, _)) => None,
                None => (n[ni] == '[').then_some(pi + 1), // unterminated: a literal `[`
            },
            Some(c) => (*c == n[ni]).then_some(pi + 1),
            None => None,
        };
        match (step, star) {
            (Some(next), _) => {
                pi = next;
                ni += 1;
            }
            (None, Some((sp, sn))) => {
                pi = sp + 1;
                ni = sn + 1;
                star = Some((sp, sn + 1));
            }
            (None, None) => return false,
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Matches `c` against the bracket expression starting at `p[start] == '['`: whether it
/// matched and the index after `]`, or `None` when the bracket is not closed.
fn class_match(p: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negate = matches!(p.get(i), Some('!' | '^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let &ch = p.get(i)?;
        if ch == ']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if p.get(i + 1) == Some(&'-') && p.get(i + 2).is_some_and(|e| *e != ']') {
            let hi = p[i + 2];
            matched |= ch <= c && c <= hi;
            i += 3;
        } else {
            matched |= ch == c;
            i += 1;
        }
    }
}

/// Expands unquoted-style brace alternatives (`a{b,c}d`, nested), as bash would, into at most
/// `cap` words; `None` when there would be more. Braces without a top-level comma, and
/// unbalanced ones, stay literal. Sequences (`{1..3}`) stay literal: they yield digits and
/// letters, never a credential name the literal text does not already show.
pub fn expand_braces(text: &str, cap: usize) -> Option<Vec<String>> {
    let mut out = vec![String::new()];
    let chars: Vec<char> = text.chars().collect();
    expand_into(&chars, &mut out, cap)?;
    Some(out)
}

fn expand_into(chars: &[char], out: &mut Vec<String>, cap: usize) -> Option<()> {
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '{'
            && let Some((alts, end)) = split_alternatives(chars, i)
        {
            let mut subs = Vec::with_capacity(alts.len());
            for alt in alts {
                let mut sub = vec![String::new()];
                expand_into(alt, &mut sub, cap)?;
                subs.push(sub);
            }
            let mut next = Vec::new();
            for prefix in out.iter() {
                for s in subs.iter().flatten() {
                    if next.len() >= cap {
                        return None;
                    }
                    next.push(format!("{prefix}{s}"));
                }
            }
            *out = next;
            i = end + 1;
            continue;
        }
        for s in out.iter_mut() {
            s.push(chars[i]);
        }
        i += 1;
    }
    Some(())
}

/// The top-level alternatives of the brace group opening at `chars[open]` and the index of its
/// closing brace, when it has at least one top-level comma.
fn split_alternatives(chars: &[char], open: usize) -> Option<(Vec<&[char]>, usize)> {
    let mut depth = 0usize;
    let mut start = open + 1;
    let mut alts = Vec::new();
    for (k, &c) in chars.iter().enumerate().skip(open) {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    if alts.is_empty() {
                        return None;
                    }
                    alts.push(&chars[start..k]);
                    return Some((alts, k));
                }
            }
            ',' if depth == 1 => {
                alts.push(&chars[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    None
}

/// Whether a command's output names files under a home or system root, or credential files,
/// so that a downstream `xargs cat` or `while read f` reads them: `find ~`, `ls -a /root`,
/// `du -a /etc`, `echo ~/.ssh/id_rsa`, `printf '%s\n' ~/.a*/*`.
pub fn names_secrets(prog: &str, args: &[Word]) -> bool {
    let names = |t: &str, w: &Word| {
        is_credential_ancestor(t)
            || is_credential_path(t)
            || ((w.glob || w.brace) && pattern_may_name_credentials(t))
    };
    match prog {
        "find" => {
            // Global options, then start points, then the expression.
            let mut i = 0;
            while let Some(w) = args.get(i) {
                match w.text.as_str() {
                    "-H" | "-L" | "-P" => i += 1,
                    "-D" => i += 2,
                    t if t.starts_with("-O") => i += 1,
                    _ => break,
                }
            }
            args.iter()
                .skip(i)
                .take_while(|w| !w.text.starts_with('-') && !matches!(w.text.as_str(), "(" | "!"))
                .any(|w| names(&w.text, w))
        }
        "ls" | "du" | "tree" | "echo" | "printf" | "realpath" | "readlink" | "stat" => args
            .iter()
            .filter(|w| !w.text.starts_with('-'))
            .any(|w| names(&w.text, w)),
        _ => false,
    }
}

/// Directories above credential files: reading everything below one (`grep -r x ~`) reads the
/// credentials too.
pub fn is_credential_ancestor(text: &str) -> bool {
    // Only absolute and home paths can be one: most operands are neither, and skip the
    // normalization's allocation.
    if !text.starts_with(['/', '~', '$']) {
        return false;
    }
    let n = normalize_path(text);
    matches!(
        n.as_str(),
        "/" | "~"
            | "/root"
            | "/home"
            | "/etc"
            | "/proc"
            | "/run"
            | "/var"
            | "/var/run"
            | "~/.config"
    ) || n
        .strip_prefix("/home/")
        .is_some_and(|user| !user.is_empty() && !user.contains('/'))
}

/// Whether writing to a path plants persistence or changes privileges.
pub fn is_sensitive_write(text: &str) -> bool {
    let t = normalize_path(text);
    let base = basename(&t);
    t.starts_with("/etc/sudoers")
        || matches!(
            t.as_str(),
            "/etc/passwd"
                | "/etc/shadow"
                | "/etc/group"
                | "/etc/gshadow"
                | "/etc/profile"
                | "/etc/bash.bashrc"
                | "/etc/environment"
                | "/etc/ld.so.preload"
                | "/etc/crontab"
                | "/etc/rc.local"
                | "/etc/hosts"
        )
        || t.starts_with("/etc/cron")
        || t.starts_with("/var/spool/cron")
        || t.starts_with("/etc/profile.d/")
        || t.starts_with("/etc/systemd/")
        || t.starts_with("/etc/init.d/")
        || t.starts_with("/boot/")
        || matches!(
            base,
            "authorized_keys"
                | "authorized_keys2"
                | ".bashrc"
                | ".bash_profile"
                | ".bash_login"
                | ".bash_logout"
                | ".profile"
                | ".zshrc"
                | ".zprofile"
                | ".zshenv"
                | ".zlogin"
                | ".cshrc"
                | ".tcshrc"
                | ".kshrc"
                | ".inputrc"
                | "config.fish"
        )
        || t.contains("/.ssh/")
        || t.contains("/.git/hooks/")
        || t.starts_with(".git/hooks/")
        // git configuration can name programs git runs on read-only commands.
        || t == ".git/config"
        || t.ends_with("/.git/config")
        || base == ".gitconfig"
        || t.ends_with(".config/git/config")
        || t == "/etc/gitconfig"
}

/// Whether a normalized path is a root whose recursive deletion is catastrophic.
pub fn is_protected_root(text: &str) -> bool {
    let t = normalize_path(text);
    const ROOTS: &[&str] = &[
        "/",
        "~",
        "/bin",
        "/boot",
        "/dev",
        "/etc",
        "/home",
        "/lib",
        "/lib32",
        "/lib64",
        "/libx32",
        "/media",
        "/mnt",
        "/opt",
        "/proc",
        "/root",
        "/run",
        "/sbin",
        "/snap",
        "/srv",
        "/sys",
        "/usr",
        "/var",
        "/usr/bin",
        "/usr/lib",
        "/usr/local",
        "/usr/sbin",
        "/usr/share",
        "/var/lib",
        "/var/log",
        "/var/www",
        "/usr/local/bin",
    ];
    let stripped = t.strip_suffix("/*").unwrap_or(&t);
    let stripped = if stripped.is_empty() { "/" } else { stripped };
    ROOTS.contains(&stripped) || t == "/*" || t == "~/*"
}

fn chmod_mode_dangerous(mode: &str) -> Option<&'static str> {
    if !mode.is_empty() && mode.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        let v = u32::from_str_radix(mode, 8).ok()?;
        if v & 0o6000 != 0 {
            return Some("sets the setuid/setgid bit");
        }
        if v & 0o777 == 0o777 {
            return Some("makes files writable and executable by everyone");
        }
        return None;
    }
    for clause in mode.split(',') {
        let who_end = clause.find(['+', '-', '=']).unwrap_or(clause.len());
        let (who, rest) = clause.split_at(who_end);
        if !(rest.starts_with('+') || rest.starts_with('=')) {
            continue;
        }
        let perms = &rest[1..];
        if perms.contains('s') {
            return Some("sets the setuid/setgid bit");
        }
        let everyone = who.is_empty() || who.contains('a') || who.contains('o');
        if everyone && perms.contains('r') && perms.contains('w') && perms.contains('x') {
            return Some("makes files writable and executable by everyone");
        }
    }
    None
}

fn block(out: &mut Vec<Reason>, rule: &'static str, msg: String) {
    out.push(Reason::new(Decision::Block, rule, msg));
}

fn escalate(out: &mut Vec<Reason>, rule: &'static str, msg: String) {
    out.push(Reason::new(Decision::Escalate, rule, msg));
}

const DISK_DEVICES: &[&str] = &[
    "/dev/sd",
    "/dev/hd",
    "/dev/vd",
    "/dev/xvd",
    "/dev/nvme",
    "/dev/mmcblk",
    "/dev/disk",
    "/dev/mapper",
    "/dev/md",
    "/dev/dm-",
    "/dev/loop",
];

/// Whether a path is a block device.
pub fn is_disk_device(t: &str) -> bool {
    DISK_DEVICES.iter().any(|d| t.starts_with(d))
}

/// Dangers of one invocation that hold whatever wraps it: recursive deletion of roots, world
/// or setuid permissions, privilege and account changes, disk wipes, reverse shells, host
/// escapes from containers, remote-access tunnels.
pub fn dangers(prog: &str, args: &[Word], out: &mut Vec<Reason>) {
    // Most programs need no parse at all; parse on first use.
    let p = std::cell::LazyCell::new(|| args::parse(args, "", &[]));
    let ops = || p.operands.iter().map(|w| w.text.as_str());
    match prog {
        "rm" => {
            let recursive = p.has_short('r') || p.has_short('R') || p.has_long("recursive");
            if p.has_long("no-preserve-root") {
                block(
                    out,
                    "shell.builtin.recursive_delete_root",
                    "rm --no-preserve-root".into(),
                );
            }
            if recursive && let Some(t) = ops().find(|t| is_protected_root(t)) {
                block(
                    out,
                    "shell.builtin.recursive_delete_root",
                    format!("rm -r of `{t}` deletes a system or home root"),
                );
            }
        }
        "chmod" | "chown" | "chgrp" => {
            if prog == "chmod" {
                let mode = ops().next().unwrap_or("");
                // a mode may also be a short-option-looking token such as -x or +s handled below
                for m in
                    std::iter::once(mode).chain(args.iter().map(|w| w.text.as_str()).filter(|t| {
                        t.starts_with('+')
                            || t.starts_with("-")
                                && t.len() > 1
                                && !t.starts_with("--")
                                && t.chars().skip(1).all(|c| "rwxXst".contains(c))
                    }))
                {
                    if let Some(why) = chmod_mode_dangerous(m) {
                        block(
                            out,
                            "shell.builtin.chmod_world_or_setuid",
                            format!("chmod {m} {why}"),
                        );
                        break;
                    }
                }
            }
            if (p.has_short('R') || p.has_long("recursive")) && ops().skip(1).any(is_protected_root)
            {
                block(
                    out,
                    "shell.builtin.recursive_permissions_root",
                    format!("{prog} -R on a system or home root"),
                );
            }
        }
        "install" => {
            if let Some(m) = p.value(&["-m", "--mode"]).or_else(|| {
                args.iter()
                    .position(|w| w.text == "-m")
                    .and_then(|i| args.get(i + 1))
                    .map(|w| w.text.as_str())
            }) && let Some(why) = chmod_mode_dangerous(m)
            {
                block(
                    out,
                    "shell.builtin.chmod_world_or_setuid",
                    format!("install -m {m} {why}"),
                );
            }
        }
        "setcap" => block(
            out,
            "shell.builtin.setcap",
            "setcap grants file capabilities (privilege escalation)".into(),
        ),
        "passwd" | "chpasswd" | "usermod" | "useradd" | "adduser" | "userdel" | "deluser"
        | "visudo" | "gpasswd" | "groupadd" | "chage" => {
            block(
                out,
                "shell.builtin.account_change",
                format!("{prog} changes accounts, passwords or sudo rights"),
            );
        }
        "mkfs" | "mke2fs" | "wipefs" | "blkdiscard" | "mkswap" => {
            block(
                out,
                "shell.builtin.disk_wipe",
                format!("{prog} destroys a filesystem"),
            );
        }
        p2 if p2.starts_with("mkfs.") => block(
            out,
            "shell.builtin.disk_wipe",
            format!("{prog} destroys a filesystem"),
        ),
        "dd" => {
            if let Some(of) = args.iter().find_map(|w| w.text.strip_prefix("of=")) {
                if is_disk_device(of) {
                    block(
                        out,
                        "shell.builtin.disk_wipe",
                        format!("dd of={of} overwrites a disk"),
                    );
                }
                if is_sensitive_write(of) {
                    block(
                        out,
                        "shell.builtin.sensitive_write",
                        format!("dd of={of} overwrites a protected file"),
                    );
                }
            }
        }
        "shred" => {
            if let Some(t) = ops().find(|t| is_disk_device(t)) {
                block(
                    out,
                    "shell.builtin.disk_wipe",
                    format!("shred {t} overwrites a disk"),
                );
            }
        }
        "sgdisk" | "sfdisk" | "fdisk" | "parted" | "gdisk" | "cfdisk" => {
            escalate(
                out,
                "shell.builtin.partition_table",
                format!("{prog} changes partition tables"),
            );
            if args
                .iter()
                .any(|w| w.text.starts_with("--zap") || w.text == "-Z" || w.text == "--delete")
            {
                block(
                    out,
                    "shell.builtin.disk_wipe",
                    format!("{prog} erases partition tables"),
                );
            }
        }
        "nc" | "ncat" | "netcat"
            if (p.has_short('e')
                || p.has_short('c')
                || p.has_long("exec")
                || p.has_long("sh-exec")
                || p.has_long("lua-exec")) =>
        {
            block(
                out,
                "shell.builtin.reverse_shell",
                format!("{prog} -e/-c connects a program to the network (reverse or bind shell)"),
            );
        }
        "nc" | "ncat" | "netcat" => {
            escalate(
                out,
                "shell.builtin.raw_network",
                format!("{prog} opens a raw network connection"),
            );
        }
        "socat" => {
            escalate(
                out,
                "shell.builtin.raw_network",
                "socat opens raw network connections".into(),
            );
            let lower: Vec<String> = ops().map(|t| t.to_ascii_lowercase()).collect();
            let execs = lower
                .iter()
                .any(|t| t.starts_with("exec:") || t.starts_with("system:"));
            let net = lower.iter().any(|t| {
                [
                    "tcp",
                    "udp",
                    "ssl",
                    "openssl",
                    "sctp",
                    "socks",
                    "proxy",
                    "ip4",
                    "ip6",
                    "unix-connect",
                ]
                .iter()
                .any(|n| t.starts_with(n))
            });
            if execs && net {
                block(
                    out,
                    "shell.builtin.reverse_shell",
                    "socat connects a program to the network (reverse or bind shell)".into(),
                );
            } else if execs {
                escalate(
                    out,
                    "shell.builtin.spawns_shell",
                    "socat exec: runs a program".into(),
                );
            }
        }
        "socket"
            if args.iter().any(|w| {
                w.text.starts_with('-') && !w.text.starts_with("--") && w.text.contains('p')
            }) =>
        {
            block(
                out,
                "shell.builtin.reverse_shell",
                "socket -p connects a program to the network".into(),
            );
        }
        "zmodload" if ops().any(|t| t.contains("net/tcp") || t.contains("net/socket")) => {
            block(
                out,
                "shell.builtin.raw_tcp",
                "zmodload zsh/net/tcp opens raw network sockets from the shell".into(),
            );
        }
        "ztcp" | "zsocket" => block(
            out,
            "shell.builtin.raw_tcp",
            format!("{prog} opens raw network sockets from the shell"),
        ),
        "grep" | "egrep" | "fgrep" | "zgrep" | "diff" => {
            let grep = prog != "diff";
            let g = if grep {
                args::parse(
                    args,
                    "efmABCdDX",
                    &["regexp", "file", "directories", "devices", "max-count"],
                )
            } else {
                args::parse(args, "xXSIFL", &["exclude", "exclude-from"])
            };
            let recursive = if grep {
                g.has_short('r')
                    || g.has_short('R')
                    || g.has_long("recursive")
                    || g.has_long("dereference-recursive")
                    || g.value(&["-d", "--directories"]) == Some("recurse")
            } else {
                g.has_short('r') || g.has_long("recursive")
            };
            // grep's first operand is the pattern unless one came with -e/-f.
            let pattern_given = g.value(&["-e", "--regexp", "-f", "--file"]).is_some();
            let skip = usize::from(grep && !pattern_given);
            if recursive
                && let Some(t) = g
                    .operands
                    .iter()
                    .skip(skip)
                    .map(|w| w.text.as_str())
                    .find(|t| is_credential_ancestor(t))
            {
                escalate(
                    out,
                    "shell.builtin.credential_read",
                    format!("{prog} -r reads every file under `{t}`, credentials included"),
                );
            }
        }
        "kubectl" if kubectl_reveals_secret(args) => {
            escalate(
                out,
                "shell.builtin.secret_read",
                "kubectl prints Secret data in clear".into(),
            );
        }
        "curl" => {
            let upload = p.has_short('T')
                || p.has_short('F')
                || p.has_long("upload-file")
                || p.has_long("form")
                || p.longs
                    .iter()
                    .any(|(l, _)| l.starts_with("data") || *l == "json")
                || args.iter().any(|w| w.text.starts_with("-d"))
                || args.windows(2).any(|w| {
                    w[0].text == "-X" && matches!(w[1].text.as_str(), "POST" | "PUT" | "PATCH")
                });
            if upload {
                escalate(
                    out,
                    "shell.builtin.upload",
                    "curl sends local data over the network".into(),
                );
            }
        }
        "wget"
            if ["post-file", "post-data", "body-file", "body-data", "method"]
                .iter()
                .any(|l| p.has_long(l)) =>
        {
            escalate(
                out,
                "shell.builtin.upload",
                "wget sends local data over the network".into(),
            );
        }
        "telnet" => escalate(
            out,
            "shell.builtin.raw_network",
            "telnet opens a raw network connection".into(),
        ),
        "scp" | "sftp" | "rsync"
            if ops()
                .next_back()
                .is_some_and(|t| t.contains(':') && !t.starts_with('/')) =>
        {
            escalate(
                out,
                "shell.builtin.upload",
                format!("{prog} copies files to another host"),
            );
        }
        "at" | "batch" => escalate(
            out,
            "shell.builtin.scheduled",
            format!("{prog} schedules commands to run later"),
        ),
        "code" if ops().next() == Some("tunnel") => {
            block(
                out,
                "shell.builtin.tunnel",
                "code tunnel opens remote access to this machine".into(),
            );
        }
        "ngrok" | "cloudflared" | "chisel" | "frpc" | "bore" | "lt" | "localtunnel" => {
            block(
                out,
                "shell.builtin.tunnel",
                format!("{prog} opens remote access to this machine"),
            );
        }
        "agetty" | "getty" | "mingetty" | "login" => {
            block(
                out,
                "shell.builtin.login_shell",
                format!("{prog} spawns a login session"),
            );
        }
        "docker" | "podman" | "nerdctl" | "ctr" | "crictl" => {
            let text: Vec<&str> = args.iter().map(|w| w.text.as_str()).collect();
            let host_root = text.windows(2).any(|w| {
                (matches!(w[0], "-v" | "--volume" | "--mount")
                    && (w[1].starts_with("/:")
                        || w[1].contains("src=/,")
                        || w[1].contains("source=/,")
                        || w[1] == "/"))
            }) || text.iter().any(|t| {
                t.starts_with("--volume=/:")
                    || t.starts_with("-v/:")
                    || (t.starts_with("--mount=")
                        && (t.contains("src=/,") || t.contains("source=/,")))
                    || t.contains("src=/,dst")
            });
            let privileged = text.iter().any(|t| {
                *t == "--privileged"
                    || t.starts_with("--pid=host")
                    || t.starts_with("--userns=host")
                    || t.starts_with("--cap-add=ALL")
                    || t.starts_with("--cap-add=SYS_ADMIN")
            }) || text.windows(2).any(|w| {
                w[0] == "--pid" && w[1] == "host"
                    || w[0] == "--cap-add" && matches!(w[1], "ALL" | "SYS_ADMIN")
            });
            if host_root || privileged {
                block(
                    out,
                    "shell.builtin.container_escape",
                    format!(
                        "{prog} runs a container with the host's root filesystem or full privileges"
                    ),
                );
            }
        }
        _ => {}
    }
    // Writes to protected files by known writers.
    let write_targets: Vec<&str> = match prog {
        "tee" => ops().collect(),
        "cp" | "mv" | "install" | "ln" | "rsync" => {
            if let Some(t) = p.value(&["-t", "--target-directory"]) {
                vec![t]
            } else {
                ops().next_back().into_iter().collect()
            }
        }
        "sed" if p.has_short('i') || p.has_long("in-place") => ops().skip(1).collect(),
        "truncate" | "touch" | "crontab" => ops().collect(),
        _ => Vec::new(),
    };
    if let Some(t) = write_targets.into_iter().find(|t| is_sensitive_write(t)) {
        block(
            out,
            "shell.builtin.sensitive_write",
            format!(
                "{prog} writes `{t}` (sudoers, passwd, ssh keys, cron, shell startup files or hooks)"
            ),
        );
    }
    if prog == "crontab" && !p.has_short('l') {
        block(
            out,
            "shell.builtin.sensitive_write",
            "crontab installs scheduled commands".into(),
        );
    }
}

/// Inline code signals, lowercase.
const NET_SIGNALS: &[&str] = &[
    "/inet/",
    "socket",
    "fsockopen",
    "tcpsocket",
    "io::socket",
    "net::",
    "urllib",
    "requests.",
    "http.client",
    "httplib",
    "http.get",
    "http.request",
    "require(\"http",
    "require('http",
    "require(\"net",
    "require('net",
    "net.connect",
    "createconnection",
    "/dev/tcp",
    "uri.open",
    "open-uri",
    "download(",
    "file_get_contents(\"http",
    "file_get_contents('http",
    "fetch(",
    "websocket",
    "sockets",
    "ztcp",
    "lwp::",
    "connect(",
];
const EXEC_SIGNALS: &[&str] = &[
    "system(",
    "system \"",
    "system '",
    "exec(",
    "exec \"",
    "exec '",
    "execl",
    "execv",
    "popen",
    "spawn",
    "subprocess",
    "os.system",
    "child_process",
    "pty.",
    "shell_exec",
    "passthru",
    "proc_open",
    "pcntl_exec",
    "io.popen",
    "run(`",
    "callcommand",
    "os.execute",
    "/bin/sh",
    "/bin/bash",
    "runtime.getruntime",
    "processbuilder",
    "%x(",
    "qx(",
    "qx{",
    "run-shell-command",
    "esyscmd",
    "getline",
    "| \"",
    "|&",
    "fork",
    "dup2",
    "run(",
    "system ",
    "exec ",
];
const WRITE_SIGNALS: &[&str] = &[
    "writefile",
    "file_put_contents",
    "fopen",
    "fputs",
    "fwrite",
    "unlink",
    "rmtree",
    "remove(",
    "rename(",
    "io.open",
    "file.open",
    "file.write",
    "copyfile",
    "shutil",
    "\"w\"",
    "'w'",
    "\"w+\"",
    "'w+'",
    "\"wb\"",
    "'wb'",
    "\"a\"",
    "'a'",
    "> \"",
    ">> \"",
    "out-file",
    "openout",
    "write18",
    "dump value",
];

/// What inline interpreter code appears to do.
#[derive(Debug, Default, Clone, Copy)]
pub struct CodeSignals {
    /// Opens network connections.
    pub network: bool,
    /// Runs other programs.
    pub exec: bool,
    /// Writes or deletes files.
    pub write: bool,
}

/// Scans inline code for what it does. Heuristic and only ever raising: any code is at least
/// not read-only.
pub fn code_signals(code: &str) -> CodeSignals {
    static SET: std::sync::OnceLock<NeedleSet> = std::sync::OnceLock::new();
    let set = SET.get_or_init(|| {
        NeedleSet::tagged(&[(NET_SIGNALS, 1), (EXEC_SIGNALS, 2), (WRITE_SIGNALS, 4)])
    });
    let found = set.scan(code);
    CodeSignals {
        network: found & 1 != 0,
        exec: found & 2 != 0,
        write: found & 4 != 0,
    }
}

/// Whether an argument names a shell to another program (`/bin/sh`, `exec=/bin/bash`,
/// `'sh -c …'`): the classic way to get a shell out of an innocent-looking program.
pub fn names_a_shell(text: &str) -> bool {
    // Every shell name this looks for contains "sh".
    if !text
        .as_bytes()
        .windows(2)
        .any(|w| w.eq_ignore_ascii_case(b"sh"))
    {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    if lower.contains("/bin/sh")
        || lower.contains("/bin/bash")
        || lower.contains("/bin/zsh")
        || lower.contains("/bin/dash")
    {
        return true;
    }
    lower
        .split(|c: char| {
            !(c.is_ascii_alphanumeric() || c == '/' || c == '.' || c == '_' || c == '-')
        })
        .any(|tok| {
            let b = basename(tok);
            SHELLS.contains(&b) && b != "rc" && b != "fish" && b != "posh"
        })
}

/// How a wrapper's inner command is found.
#[derive(Debug, Clone, Copy)]
pub struct WrapperSpec {
    /// Short options taking a value.
    pub short_arg: &'static str,
    /// Long options taking a value.
    pub long_arg: &'static [&'static str],
    /// Positional operands before the command (e.g. `timeout DURATION`).
    pub positional: usize,
    /// Whether it changes privileges.
    pub privilege: bool,
    /// Whether `NAME=value` words may precede the command.
    pub assignments: bool,
}

const fn w(
    short_arg: &'static str,
    long_arg: &'static [&'static str],
    positional: usize,
    privilege: bool,
    assignments: bool,
) -> WrapperSpec {
    WrapperSpec {
        short_arg,
        long_arg,
        positional,
        privilege,
        assignments,
    }
}

/// Wrappers that only adjust how the inner command runs; the inner command's class carries
/// through. Other wrappers (tracers, sandboxes, loggers) make the whole at least unknown.
pub const TRANSPARENT_WRAPPERS: &[&str] = &[
    "env", "command", "builtin", "exec", "nice", "nohup", "timeout", "time", "stdbuf", "setsid",
    "ionice", "chrt", "taskset", "xargs", "unbuffer", "chronic",
];

/// Wrappers: programs that run another command given in their arguments.
pub fn wrapper_spec(prog: &str) -> Option<WrapperSpec> {
    Some(match prog {
        "sudo" | "sudo-rs" => w(
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
            0,
            true,
            true,
        ),
        "doas" => w("uC", &[], 0, true, false),
        "pkexec" => w("", &["user"], 0, true, false),
        "run0" => w(
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
            0,
            true,
            false,
        ),
        "runuser" => w(
            "ugGsw",
            &[
                "user",
                "group",
                "supp-group",
                "shell",
                "whitelist-environment",
            ],
            0,
            true,
            false,
        ),
        "ksu" => w("neal", &[], 1, true, false),
        "chroot" => w("", &["userspec", "groups"], 1, true, false),
        "nsenter" => w(
            "tSGw",
            &["target", "setuid", "setgid", "wd"],
            0,
            true,
            false,
        ),
        "env" => w("uCS", &["unset", "chdir", "split-string"], 0, false, true),
        "command" | "builtin" => w("", &[], 0, false, false),
        "exec" => w("a", &[], 0, false, false),
        "nice" => w("n", &["adjustment"], 0, false, false),
        "nohup" | "unbuffer" | "caffeinate" | "chronic" | "torify" | "torsocks" | "proxychains"
        | "proxychains4" | "setsid" | "multitime" | "pexec" | "softlimit" | "distcc"
        | "ssh-agent" | "dbus-launch" | "aoss" | "padsp" | "catchsegv" => {
            w("", &[], 0, false, false)
        }
        "timeout" => w("sk", &["signal", "kill-after"], 1, false, false),
        "time" => w("of", &["output", "format"], 0, false, false),
        "stdbuf" => w("ioe", &["input", "output", "error"], 0, false, false),
        "ionice" => w("cnt", &["class", "classdata"], 0, false, false),
        "chrt" => w(
            "TPD",
            &["sched-runtime", "sched-period", "sched-deadline"],
            1,
            false,
            false,
        ),
        "taskset" => w("", &[], 1, false, false),
        "flock" => w(
            "wEc",
            &["timeout", "conflict-exit-code", "command"],
            1,
            false,
            false,
        ),
        "xargs" => w(
            "adEeIiLlnPs",
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
            0,
            false,
            false,
        ),
        "strace" | "ltrace" => w(
            "abeEoOpPsSuXU",
            &["output", "expr", "string-limit"],
            0,
            false,
            false,
        ),
        "valgrind" => w("", &[], 0, false, false),
        "firejail" => w("", &[], 0, false, false),
        "aa-exec" => w("pn", &["profile", "namespace"], 0, false, false),
        "cpulimit" => w("lpe", &["limit", "pid", "exe"], 0, false, false),
        "choom" => w("np", &[], 0, false, false),
        "logsave" => w("", &[], 1, false, false),
        "setlock" => w("", &[], 1, false, false),
        "sshpass" => w("pfde", &[], 0, false, false),
        "rlwrap" => w("aAbcCDefFgHlmMnoOpPqrRsStvwWz", &[], 0, false, false),
        "grc" => w("c", &["config"], 0, false, false),
        "perf" => w("", &[], 1, false, false),
        "systemd-run" => w(
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
            0,
            true,
            false,
        ),
        "start-stop-daemon" => w("", &[], 0, false, false),
        _ => return None,
    })
}

/// Index (into `args`) where a wrapper's inner command starts, and the wrapper's own parse.
pub fn wrapper_inner(spec: &WrapperSpec, args: &[Word]) -> usize {
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
                if !long.contains('=') && spec.long_arg.contains(&long) {
                    i += 1;
                }
                continue;
            }
            let cluster = &t[1..];
            i += 1;
            for (k, c) in cluster.char_indices() {
                if spec.short_arg.contains(c) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sed_scripts() {
        for ok in [
            "p",
            "s/a/b/g",
            "1,5p",
            "/x/d",
            "s|a|b|",
            "$!N;P;D",
            "10q",
            "y/abc/xyz/",
            "/re/I p",
        ] {
            assert!(sed_script_readonly(ok), "{ok}");
        }
        for bad in [
            "e",
            "1e exec sh",
            "s/a/b/e",
            "s/.*/x/w /tmp/f",
            "w out",
            "W out",
            "1s/x/y/gw f",
        ] {
            assert!(!sed_script_readonly(bad), "{bad}");
        }
    }

    #[test]
    fn chmod_modes() {
        for bad in [
            "777",
            "0777",
            "1777",
            "4755",
            "2755",
            "6777",
            "u+s",
            "g+s",
            "+s",
            "a+rwx",
            "o+rwx",
            "+rwx",
            "u=rwx,o=rwx",
        ] {
            assert!(chmod_mode_dangerous(bad).is_some(), "{bad}");
        }
        for ok in ["755", "644", "u+x", "+x", "go-w", "a+r", "600"] {
            assert!(chmod_mode_dangerous(ok).is_none(), "{ok}");
        }
    }

    #[test]
    fn credential_paths() {
        for p in [
            "~/.aws/credentials",
            "/root/.ssh/id_rsa",
            "$HOME/.kube/config",
            ".env",
            "config/.env.production",
            "/proc/self/environ",
            "/var/run/secrets/kubernetes.io/serviceaccount/token",
            "~/.ssh",
            "terraform.tfstate",
            "server.pem",
            "/dev/mem",
            "/proc/1/mem",
            "/proc/kcore",
        ] {
            assert!(is_credential_path(p), "{p}");
        }
        for p in [
            "README.md",
            "src/main.rs",
            "/etc/hosts",
            "environment.txt",
            ".envoy.yaml",
            "/proc/meminfo",
            "docs/memo.txt",
        ] {
            assert!(!is_credential_path(p), "{p}");
        }
    }

    #[test]
    fn glob_matching() {
        for (p, n) in [
            ("*", ".aws"),
            (".a*", ".aws"),
            (".aw?", ".aws"),
            ("[.]aws", ".aws"),
            ("id_*", "id_ed25519"),
            ("*.pem", "x.pem"),
            ("[!a]d_rsa", "id_rsa"),
            ("[a-z]d_rsa", "id_rsa"),
            ("c*s", "credentials"),
            ("a[", "a["),
            ("**", ""),
        ] {
            assert!(glob_match(p, n), "{p} ~ {n}");
        }
        for (p, n) in [
            ("*.json", "id_rsa"),
            (".b*", ".aws"),
            ("[!i]d_rsa", "id_rsa"),
            ("?", ""),
            ("a[", "ab"),
        ] {
            assert!(!glob_match(p, n), "{p} !~ {n}");
        }
    }

    #[test]
    fn brace_expansion() {
        assert_eq!(
            expand_braces("~/.a{w,}s/{x,y{1,2}}", 64).unwrap(),
            [
                "~/.aws/x",
                "~/.aws/y1",
                "~/.aws/y2",
                "~/.as/x",
                "~/.as/y1",
                "~/.as/y2"
            ]
        );
        assert_eq!(expand_braces("{a}", 64).unwrap(), ["{a}"]);
        assert_eq!(expand_braces("x{a,b", 64).unwrap(), ["x{a,b"]);
        assert!(expand_braces("{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}", 64).is_none());
        // Over the cap: assume the worst.
        assert!(pattern_may_name_credentials(
            "{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}"
        ));
    }

    #[test]
    fn credential_patterns() {
        for p in [
            "~/.a*/c*",
            "~/*/*",
            "$HOME/.*/*",
            "/etc/sha*",
            "/*/shadow",
            "/run/secret?/*",
            "/proc/*/env*",
            "*.pem",
            ".e*",
            "../*",
            "~/.{aws,gcp}/config",
        ] {
            assert!(pattern_may_name_credentials(p), "{p}");
        }
        for p in [
            "*",
            "src/*.rs",
            "*.json",
            "*/*",
            "/tmp/*",
            "/usr/bin/*",
            "{a,b}.txt",
        ] {
            assert!(!pattern_may_name_credentials(p), "{p}");
        }
    }

    #[test]
    fn credential_ancestors() {
        for p in [
            "/",
            "~",
            "$HOME",
            "/root",
            "/home",
            "/home/alice/",
            "/etc",
            "/tmp/..",
        ] {
            assert!(is_credential_ancestor(p), "{p}");
        }
        for p in ["src", ".", "/tmp", "/home/alice/project", "/usr"] {
            assert!(!is_credential_ancestor(p), "{p}");
        }
    }

    #[test]
    fn roots() {
        for p in [
            "/",
            "//",
            "/*",
            "~",
            "$HOME",
            "~/",
            "/etc",
            "/usr/",
            "/tmp/../etc",
            "/var/*",
        ] {
            assert!(is_protected_root(p), "{p}");
        }
        for p in ["/tmp/build", "build", "./x", "/home/me/project", "*"] {
            assert!(!is_protected_root(p), "{p}");
        }
    }
}
