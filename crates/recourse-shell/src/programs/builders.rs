//! Build tools, package managers, cloud CLIs and archivers: they run code from the project or
//! the network as part of their normal work (recipes, build scripts, install hooks), so only
//! the invocations that list or report (`pip list`, `go version`, `tar -t`, `unzip -l`) are
//! read-only; under a privilege wrapper each is as dangerous as a shell.

use crate::args::{OptSpec, Parsed};

use super::model::{Call, Model, Program, always, kind};

const MC: u32 = kind::MUTATING | kind::CODE_CAPABLE;

/// The room's entries.
pub(crate) const PROGRAMS: &[Program] = &[
    Program::of(&["make", "apt-get", "dnf", "yum", "service"], MC),
    Program {
        names: &[
            "apt",
            "apt-cache",
            "dpkg",
            "dpkg-query",
            "rpm",
            "brew",
            "conda",
            "rustup",
        ],
        kind: kind::READONLY | MC,
        model: Some(packages),
        ..Program::NONE
    },
    Program {
        names: &["gofmt"],
        kind: kind::READONLY | kind::MUTATING | kind::CONTENT,
        model: Some(gofmt),
        ..Program::NONE
    },
    Program {
        names: &["mount"],
        kind: kind::READONLY | kind::CODE_CAPABLE,
        options: OptSpec::new("tOo", &["types", "options", "test-opts"]),
        model: Some(mount),
        ..Program::NONE
    },
    Program {
        names: &["cargo"],
        kind: kind::READONLY | MC,
        model: Some(cargo),
        ..Program::NONE
    },
    Program {
        names: &["pip", "pip3"],
        kind: kind::READONLY | MC,
        model: Some(pip),
        ..Program::NONE
    },
    Program {
        names: &["npm"],
        kind: kind::READONLY | MC,
        model: Some(npm),
        ..Program::NONE
    },
    Program {
        names: &["go"],
        kind: kind::READONLY | MC,
        model: Some(go),
        output: Some(go_output),
        ..Program::NONE
    },
    Program {
        names: &["unzip"],
        kind: kind::READONLY | MC | kind::CONTENT,
        options: OptSpec::new("dxP", &[]),
        model: Some(unzip),
        ..Program::NONE
    },
    Program {
        names: &["aws", "gcloud", "az"],
        kind: MC | kind::SENDS,
        dangers: Some(prints_tokens),
        ..Program::NONE
    },
    Program {
        // Secret stores: what they print is a secret.
        names: &[
            "vault",
            "op",
            "pass",
            "gopass",
            "bw",
            "security",
            "secret-tool",
        ],
        kind: kind::SENDS,
        dangers: Some(prints_tokens),
        ..Program::NONE
    },
    Program::of(&["gsutil", "rclone"], kind::CODE_CAPABLE | kind::SENDS),
    Program {
        names: &["tar"],
        kind: kind::READONLY | MC,
        model: Some(tar),
        dangers: Some(tar_removes_root),
        options: OptSpec::new(
            "fCTXbgHKLNV",
            &["file", "directory", "files-from", "exclude-from"],
        ),
        writes: Some(archive),
        ..Program::NONE
    },
    Program {
        names: &["zip"],
        kind: MC,
        writes: Some(first_operand),
        ..Program::NONE
    },
    Program::of(
        &[
            "cmake", "npx", "yarn", "pnpm", "pipx", "gem", "bundle", "aptitude", "zypper",
            "pacman", "apk", "snap",
        ],
        kind::CODE_CAPABLE,
    ),
    Program {
        names: &["gunzip"],
        kind: kind::MUTATING,
        decodes: Some(always),
        ..Program::NONE
    },
    Program {
        names: &["gzip"],
        kind: kind::READONLY | kind::MUTATING | kind::CONTENT,
        model: Some(gzip),
        decodes: Some(decompresses),
        ..Program::NONE
    },
    Program {
        names: &["bzip2", "xz", "zstd"],
        decodes: Some(decompresses),
        ..Program::NONE
    },
    Program {
        names: &["uudecode", "unxz", "bunzip2"],
        decodes: Some(always),
        ..Program::NONE
    },
];

/// `pip list`, `pip freeze`, `pip show PKG`, `pip check`: they read the installed packages;
/// `pip config list`, `pip cache dir` read pip's own settings.
fn pip(call: &Call<'_>) -> Model {
    // `--python PY` runs another interpreter, `--log F` writes, an index URL sends; GNU-style
    // abbreviations (`--pyth`, `--log-f`) count.
    const RISKY: &[&str] = &[
        "python",
        "log",
        "log-file",
        "local-log",
        "index-url",
        "extra-index-url",
        "find-links",
        "proxy",
        "cert",
        "client-cert",
        "trusted-host",
        "config-settings",
    ];
    let risky = call
        .opts
        .longs
        .iter()
        .any(|(l, _)| RISKY.iter().any(|r| crate::args::abbreviates(l, r)))
        || call.opts.has_short('i');
    if risky {
        return Model::RunsCode("pip --python/--log/--index-url runs, writes or sends".into());
    }
    let mut ops = call.operands();
    match (ops.next(), ops.next()) {
        (Some("list" | "freeze" | "show" | "check" | "help" | "debug" | "inspect"), _)
        | (Some("config"), Some("list" | "get" | "debug"))
        | (Some("cache"), Some("dir" | "info" | "list")) => Model::ReadOnly,
        _ => Model::RunsCode("pip installs packages, whose build scripts run".into()),
    }
}

/// Commands whose output is a credential (`gh auth token`, `aws sts get-session-token`,
/// `gcloud auth print-access-token`, `vault kv get`): a credential read, so that sending the
/// output anywhere blocks.
pub(crate) fn prints_tokens(call: &Call<'_>, out: &mut Vec<recourse_policy::Reason>) {
    let ops: Vec<&str> = call.operands().collect();
    let has = |w: &str| call.args.iter().any(|a| a.text == w);
    let token = match call.prog {
        "gh" => matches!(ops.as_slice(), ["auth", "token", ..]) || has("--show-token") || has("-t"),
        "aws" => matches!(
            ops.as_slice(),
            [
                "sts",
                "get-session-token" | "assume-role" | "get-federation-token",
                ..
            ] | ["configure", "get" | "export-credentials", ..]
                | ["ecr", "get-login-password", ..]
                | ["secretsmanager", "get-secret-value", ..]
                | ["ssm", "get-parameter" | "get-parameters", ..]
                | ["codeartifact", "get-authorization-token", ..]
        ),
        "gcloud" => {
            ops.iter()
                .any(|o| o.starts_with("print-") && o.ends_with("-token"))
                || matches!(ops.as_slice(), ["secrets", "versions", "access", ..])
        }
        "az" => matches!(
            ops.as_slice(),
            ["account", "get-access-token", ..] | ["keyvault", "secret", "show" | "download", ..]
        ),
        "security" => ops
            .first()
            .is_some_and(|o| o.starts_with("find-") && o.ends_with("-password")),
        "vault" => !matches!(ops.first().copied(), None | Some("status" | "version")),
        _ => !ops.is_empty(),
    };
    if token {
        super::model::escalate(
            out,
            "shell.builtin.credential_read",
            format!("`{} {}` prints a credential", call.prog, ops.join(" ")),
        );
    }
}

/// Package queries: `dpkg -l`, `apt-cache policy git`, `rpm -qa`, `brew list`, `conda list`,
/// `rustup toolchain list`. They read the package database; installing runs maintainer
/// scripts, and rpm's macros (`--eval '%(cmd)'`) and `--pipe` run commands.
fn packages(call: &Call<'_>) -> Model {
    let first = call
        .args
        .first()
        .map(|w| w.text.as_str())
        .unwrap_or_default();
    // apt's `-o Dir::Bin::dpkg=/bin/sh` and `-c FILE` set any option, programs included.
    if call.prog.starts_with("apt")
        && call.args.iter().any(|w| {
            let t = w.text.as_str();
            t.starts_with("-o")
                || t.starts_with("-c")
                || t.starts_with("--option")
                || t.starts_with("--config-file")
        })
    {
        return Model::RunsCode(format!(
            "{} -o/-c sets options that name programs",
            call.prog
        ));
    }
    let mut ops = call.operands();
    let reads = match call.prog {
        "dpkg" => {
            matches!(
                first,
                "-l" | "-L"
                    | "-s"
                    | "-S"
                    | "-p"
                    | "-c"
                    | "-I"
                    | "--list"
                    | "--listfiles"
                    | "--status"
                    | "--search"
                    | "--print-avail"
                    | "--get-selections"
                    | "--print-architecture"
                    | "--contents"
                    | "--info"
            ) && !call.args.iter().any(|w| w.text.starts_with("--admindir"))
        }
        "dpkg-query" => true,
        "apt-cache" => matches!(
            ops.next(),
            Some(
                "policy"
                    | "show"
                    | "search"
                    | "depends"
                    | "rdepends"
                    | "madison"
                    | "showpkg"
                    | "pkgnames"
                    | "showsrc"
                    | "stats"
                    | "unmet"
            )
        ),
        "apt" => matches!(
            ops.next(),
            Some("list" | "show" | "search" | "policy" | "depends" | "rdepends")
        ),
        "rpm" => {
            let query = first == "--query" || first.starts_with("-q") && !first.starts_with("--");
            let runs = call.args.iter().any(|w| {
                let t = w.text.as_str();
                [
                    "--eval", "--define", "--macros", "--rcfile", "--pipe", "--dbpath", "--root",
                ]
                .iter()
                .any(|o| t.starts_with(o))
                    || t.starts_with("-E")
                    || t.starts_with("-D")
                    || t.contains('%') && t.contains('(')
            });
            query && !runs
        }
        "brew" => {
            matches!(
                ops.next(),
                Some(
                    "list"
                        | "ls"
                        | "config"
                        | "info"
                        | "leaves"
                        | "deps"
                        | "uses"
                        | "desc"
                        | "--prefix"
                        | "--cellar"
                        | "--repository"
                        | "--cache"
                )
            ) || matches!(first, "--prefix" | "--cellar" | "--repository" | "--cache")
        }
        "conda" => matches!(
            (ops.next(), ops.next()),
            (Some("list" | "info"), _) | (Some("env"), Some("list"))
        ),
        "rustup" => matches!(
            (ops.next(), ops.next()),
            (Some("toolchain" | "target" | "component"), Some("list"))
        ),
        _ => false,
    };
    if reads {
        Model::ReadOnly
    } else {
        Model::RunsCode(format!(
            "{} installs or changes packages, whose scripts run",
            call.prog
        ))
    }
}

/// `gofmt -l`, `gofmt -d`: print; `-w` rewrites files.
fn gofmt(call: &Call<'_>) -> Model {
    if call
        .args
        .iter()
        .any(|w| w.text == "-w" || w.text.starts_with("-w="))
    {
        Model::Mutating("gofmt -w rewrites files")
    } else {
        Model::ReadOnly
    }
}

/// `mount` alone, `mount -l`, `mount -t ext4`: list the mounts; with a device or directory it
/// mounts.
fn mount(call: &Call<'_>) -> Model {
    let p = &call.opts;
    let only_lists = p.operands.is_empty()
        && p.shorts.iter().all(|c| matches!(c, 'l' | 't' | 'v'))
        && p.longs
            .iter()
            .all(|l| matches!(l.0, "types" | "show-labels" | "verbose"));
    if only_lists {
        Model::ReadOnly
    } else {
        Model::RunsCode("mount attaches filesystems (and runs mount helpers)".into())
    }
}

/// `cargo metadata --no-deps`, `cargo pkgid`, `cargo locate-project`: they read manifests
/// without asking rustc (whose wrapper the project's `.cargo/config.toml` may name).
/// `cargo tree` and `cargo metadata` with dependencies ask rustc, so they are not read-only.
fn cargo(call: &Call<'_>) -> Model {
    let no_deps = call.opts.has_long("no-deps");
    match call.first_plain() {
        Some("metadata") if no_deps => Model::ReadOnly,
        Some("pkgid" | "locate-project" | "read-manifest" | "verify-project" | "version") => {
            Model::ReadOnly
        }
        None if call.opts.has_long("list") => Model::ReadOnly,
        _ => Model::RunsCode("cargo runs build scripts, rustc wrappers and project code".into()),
    }
}

/// `npm ls` reads `node_modules`; `npm view`, `npm outdated` and `npm search` read the
/// registry. None runs a package script.
fn npm(call: &Call<'_>) -> Model {
    // `npm view "https://e/$(…).tgz"`, `--registry URL`: a package spec or registry chosen at
    // run time carries data to a host of the command's choosing.
    let sends = call.args.iter().any(|w| {
        let t = w.text.as_str();
        !w.is_static()
            || t.contains("://")
            || t.starts_with("--registry")
            || t.starts_with("--proxy")
            || t.starts_with("--https-proxy")
            || t.contains(":registry")
            || t.starts_with("git+")
            || t.starts_with("github:")
    });
    if sends {
        return Model::RunsCode("npm is pointed at a registry, proxy or URL".into());
    }
    match call.first_plain() {
        Some(
            "ls" | "list" | "ll" | "la" | "view" | "info" | "show" | "v" | "outdated" | "search"
            | "explain" | "why" | "root" | "prefix" | "bin" | "query",
        ) => Model::ReadOnly,
        // `npm run` with no script lists the scripts.
        Some("run" | "run-script") if call.opts.operands.len() == 1 => Model::ReadOnly,
        Some("pkg") if call.operands().nth(1) == Some("get") => Model::ReadOnly,
        // `npm config get KEY`: a key naming a token prints it (`//host/:_authToken`).
        Some("config" | "c") => match call.operands().nth(1) {
            Some("list" | "ls") => Model::ReadOnly,
            Some("get")
                if call.operands().skip(2).all(|k| {
                    let k = k.to_ascii_lowercase();
                    !["auth", "token", "pass", "cert", "key", "//"]
                        .iter()
                        .any(|s| k.contains(s))
                }) =>
            {
                Model::ReadOnly
            }
            _ => Model::RunsCode("npm config changes or prints npm's settings".into()),
        },
        _ => Model::RunsCode("npm runs package scripts".into()),
    }
}

/// `go version`, `go env` (without `-w`/`-u`).
fn go(call: &Call<'_>) -> Model {
    let writes_env = call.opts.has_short('w') || call.opts.has_short('u');
    match call.first_plain() {
        Some("version" | "help" | "doc") => Model::ReadOnly,
        // A module path built at run time (`go list -m "e.example/$(…)@latest"`) is a request
        // to a host of the command's choosing.
        _ if call.args.iter().any(|w| !w.is_static()) => {
            Model::RunsCode("go is given a module path built at run time".into())
        }
        // `go list ./...`, `go mod graph`: read module metadata (and may download modules,
        // verified against go.sum); `-export`, `-compiled` and `-toolexec` build.
        Some("list")
            if !["export", "compiled", "toolexec", "exec", "overlay"]
                .iter()
                .any(|o| {
                    call.args
                        .iter()
                        .any(|w| w.text.trim_start_matches('-').starts_with(o))
                }) =>
        {
            Model::ReadOnly
        }
        Some("mod") if matches!(call.operands().nth(1), Some("graph" | "why")) => Model::ReadOnly,
        Some("env") if !writes_env => Model::ReadOnly,
        _ => Model::RunsCode("go builds and runs code, and may download modules".into()),
    }
}

/// `go env VAR` prints a value (a path or a word); the rest print text.
fn go_output(call: &Call<'_>) -> super::model::Shape {
    let mut ops = call.operands();
    if ops.next() == Some("env") && ops.next().is_some() {
        super::model::Shape::Paths
    } else {
        super::model::Shape::Content
    }
}

/// `unzip -l`, `-v`, `-t`, `-Z`, `-p`: list, test or print the members; otherwise it extracts.
fn unzip(call: &Call<'_>) -> Model {
    if ['l', 'v', 't', 'Z', 'p']
        .iter()
        .any(|c| call.opts.has_short(*c))
    {
        Model::ReadOnly
    } else {
        Model::Mutating("unzip extracts files")
    }
}

/// `gzip -l`, `-t`, `-c`: list, test or write to standard output; otherwise it replaces files.
fn gzip(call: &Call<'_>) -> Model {
    let p = &call.opts;
    if ['l', 't', 'c'].iter().any(|c| p.has_short(*c))
        || ["list", "test", "stdout", "to-stdout"]
            .iter()
            .any(|l| p.has_long(l))
    {
        Model::ReadOnly
    } else {
        Model::Mutating("gzip compresses or decompresses files in place")
    }
}

/// `tar -tf x.tar` (or `tar tzf x.tar`): listing is read-only, unless an option runs a program
/// (`--to-command`, `--checkpoint-action`, `-I`, `-F`, `--rsh-command`) or the archive is on a
/// remote host (`host:file`, reached with rsh).
/// `tar --remove-files -cf /dev/null ~`: archiving a root and removing what was archived.
fn tar_removes_root(call: &Call<'_>, out: &mut Vec<recourse_policy::Reason>) {
    if call.args.iter().any(|w| w.text.starts_with("--remove-f"))
        && call.operands().any(super::dangers::is_protected_root)
    {
        super::model::block(
            out,
            "shell.builtin.recursive_delete_root",
            "tar --remove-files deletes a system or home root".into(),
        );
    }
}

fn tar(call: &Call<'_>) -> Model {
    let p = &call.opts;
    let old_style = call
        .args
        .first()
        .filter(|w| !w.text.starts_with('-') && w.text.chars().all(|c| c.is_ascii_alphabetic()))
        .map_or("", |w| w.text.as_str());
    let short = |c: char| p.has_short(c) || old_style.contains(c);
    let list = short('t') || p.has_long("list");
    let runs = short('I')
        || short('F')
        || [
            "to-command",
            "checkpoint-action",
            "use-compress-program",
            "info-script",
            "new-volume-script",
            "rsh-command",
            "rmt-command",
        ]
        .iter()
        .any(|l| p.has_long(l));
    let other_mode = ['x', 'c', 'r', 'u', 'A', 'd', 'g']
        .iter()
        .any(|c| short(*c))
        || [
            "extract", "get", "create", "append", "update", "catenate", "concatenate", "delete",
            "diff", "compare", "index-file", "volno-file",
        ]
        .iter()
        .any(|l| p.has_long(l))
        // `--list` is itself, not an abbreviation of `--listed-incremental`.
        || p.longs
            .iter()
            .any(|(l, _)| l.len() > 4 && "listed-incremental".starts_with(l));
    let remote = archive(call)
        .iter()
        .any(|f| f.split('/').next().is_some_and(|head| head.contains(':')));
    if runs || remote {
        Model::RunsCode("tar runs a program (a command option or a remote archive)".into())
    } else if list && !other_mode {
        Model::ReadOnly
    } else {
        Model::Mutating("tar creates or extracts archives")
    }
}

/// The archive `tar -cf FILE` (or the old-style `tar cf FILE`) writes or reads.
fn archive<'a>(call: &Call<'a>) -> Vec<&'a str> {
    let mut out = call.opts.values_of(Some('f'), Some("file"));
    // Old style: the first word is a cluster without a dash, and the letters that take a
    // value take the next words in order.
    if let Some((first, rest)) = call.args.split_first()
        && !first.text.starts_with('-')
        && first.text.chars().all(|c| c.is_ascii_alphabetic())
    {
        let takes: Vec<char> = first
            .text
            .chars()
            .filter(|c| "fCTXbgHKLNV".contains(*c))
            .collect();
        if let Some(k) = takes.iter().position(|c| *c == 'f')
            && let Some(w) = rest.get(k)
        {
            out.push(w.text.as_str());
        }
    }
    out
}

fn first_operand<'a>(call: &Call<'a>) -> Vec<&'a str> {
    call.operands().take(1).collect()
}

fn decompresses(call: &Call<'_>) -> bool {
    let p: Parsed<'_> = crate::args::parse(call.args, &OptSpec::NONE);
    p.has_short('d') || p.has_long("decompress")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::Word;

    fn model_of(prog: &str, cmd: &str) -> Model {
        let words: Vec<Word> = cmd.split_whitespace().map(Word::literal).collect();
        let e = PROGRAMS
            .iter()
            .find(|p| p.names.contains(&prog))
            .expect("in the room");
        e.model.expect("has a model")(&Call::new(prog, &words, &e.options))
    }

    #[test]
    fn package_tools_read_only_forms() {
        for (prog, cmd) in [
            ("cargo", "metadata --no-deps --format-version 1"),
            ("cargo", "pkgid"),
            ("cargo", "locate-project --workspace"),
            ("cargo", "--list"),
            ("npm", "root -g"),
            ("npm", "run"),
            ("npm", "pkg get version"),
            ("npm", "config get registry"),
            ("npm", "config list"),
            ("pip", "check"),
            ("pip", "config list"),
            ("pip", "cache dir"),
            ("go", "doc fmt.Println"),
        ] {
            assert_eq!(model_of(prog, cmd), Model::ReadOnly, "{prog} {cmd}");
        }
        for (prog, cmd) in [
            ("cargo", "metadata"),
            ("cargo", "tree"),
            ("cargo", "build"),
            ("npm", "run build"),
            ("npm", "pkg set scripts.x=y"),
            ("npm", "config get //registry.npmjs.org/:_authToken"),
            ("npm", "config get _auth"),
            ("npm", "config set registry x"),
            ("pip", "config set global.index-url x"),
            ("pip", "cache purge"),
            ("pip", "install x"),
            ("go", "build ./..."),
        ] {
            assert!(
                matches!(model_of(prog, cmd), Model::RunsCode(_)),
                "{prog} {cmd}"
            );
        }
    }

    #[test]
    fn archives_are_listed_read_only() {
        for (prog, cmd) in [
            ("tar", "-tzf x.tar.gz"),
            ("tar", "tvf x.tar"),
            ("tar", "--list -f x.tar"),
            ("unzip", "-l x.zip"),
            ("unzip", "-p x.zip a.txt"),
            ("gzip", "-l x.gz"),
            ("gzip", "-dc x.gz"),
        ] {
            assert_eq!(model_of(prog, cmd), Model::ReadOnly, "{prog} {cmd}");
        }
        for (prog, cmd) in [
            ("tar", "-xzf x.tar.gz"),
            ("tar", "czf x.tgz src"),
            ("tar", "-tf x.tar --delete a"),
            ("unzip", "x.zip"),
            ("gzip", "x"),
        ] {
            assert!(
                matches!(model_of(prog, cmd), Model::Mutating(_)),
                "{prog} {cmd}"
            );
        }
        for cmd in [
            "-tf x.tar --to-command=sh",
            "-tf x.tar --checkpoint=1 --checkpoint-action=exec=sh",
            "-tf x.tar --to-c=sh",
            "-tf host:x.tar",
            "-t -I sh -f x.tar",
        ] {
            assert!(
                matches!(model_of("tar", cmd), Model::RunsCode(_)),
                "tar {cmd}"
            );
        }
    }

    #[test]
    fn archives_old_and_new_style() {
        for (cmd, want) in [
            ("czf /tmp/k.tgz x", "/tmp/k.tgz"),
            ("-czf out.tgz x", "out.tgz"),
            ("--file=a.tar -c x", "a.tar"),
        ] {
            let words: Vec<Word> = cmd.split_whitespace().map(Word::literal).collect();
            let spec = PROGRAMS
                .iter()
                .find(|p| p.names == ["tar"])
                .map_or(OptSpec::NONE, |p| p.options);
            assert_eq!(archive(&Call::new("tar", &words, &spec)), [want], "{cmd}");
        }
    }
}
