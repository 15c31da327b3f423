//! git: which subcommands only read, which global options point it at another repository, and
//! which configuration keys name programs git runs (a planted `.git/config` with one of them
//! turns `git status` into code execution).

use recourse_policy::Reason;

use crate::args::{self, OptSpec, outside_working_dir};
use crate::syntax::Word;

use super::model::{Call, Model, Program, Runs, Shape, any_long, block, kind};

/// The room's entries.
pub(crate) const PROGRAMS: &[Program] = &[Program {
    names: &["git"],
    kind: kind::READONLY | kind::MUTATING | kind::CODE_CAPABLE | kind::CONTENT,
    options: OptSpec::new("Cc", &["git-dir", "work-tree", "namespace"]),
    runs: Runs::Git,
    model: Some(model),
    dangers: Some(dangers),
    output: Some(output),
    ..Program::NONE
}];

/// Where the subcommand starts, after the global options; or the answer the global options
/// already give.
fn subcommand_at(args: &[Word]) -> Result<usize, Model> {
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
            // `-c color.ui=never`: display settings only; every other key may name a program.
            "-c" if args
                .get(i + 1)
                .is_some_and(|v| v.is_static() && inert_key(&v.text)) =>
            {
                i += 2
            }
            t if t
                .strip_prefix("-c")
                .is_some_and(|kv| !kv.is_empty() && inert_key(kv))
                && w.is_static() =>
            {
                i += 1
            }
            t if t.starts_with("-c") || t.starts_with("--config-env") => {
                return Err(Model::RunsCode(
                    "git -c can set a pager, hook or external diff".into(),
                ));
            }
            t if t.starts_with("--exec-path") => {
                return Err(Model::RunsCode(
                    "git --exec-path runs programs from another directory".into(),
                ));
            }
            // Alone, these print a version or the list of commands; `git --help log` pages a
            // manual.
            "--version" | "-v" | "--help" | "-h" if i + 1 == args.len() => {
                return Err(Model::ReadOnly);
            }
            "--help" => {
                return Err(Model::RunsCode(
                    "git --help CMD opens the manual in a pager".into(),
                ));
            }
            "-p" | "--paginate" => {
                return Err(Model::RunsCode("git -p runs a pager".into()));
            }
            t if t.starts_with('-') => return Err(Model::Unknown),
            _ => break,
        }
    }
    Ok(i)
}

/// The subcommand and its arguments, skipping global options whatever they are.
fn subcommand(args: &[Word]) -> Option<(&str, &[Word])> {
    let mut i = 0;
    while let Some(w) = args.get(i) {
        let t = w.text.as_str();
        if matches!(
            t,
            "-C" | "-c" | "--git-dir" | "--work-tree" | "--namespace" | "--config-env"
        ) {
            i += 2;
        } else if t.starts_with('-') {
            i += 1;
        } else {
            return Some((t, args.get(i + 1..).unwrap_or_default()));
        }
    }
    None
}

/// A command git will run, found in its arguments.
#[derive(Debug)]
pub(crate) enum Inner<'a> {
    /// A shell script (`submodule foreach 'cmd'`, `rebase --exec 'cmd'`, a `-c core.pager=`
    /// value, an alias starting with `!`).
    Script(String),
    /// A command line (`bisect run cmd args`).
    Argv(&'a [Word]),
}

/// The commands a git invocation runs (or plants in its configuration to run later).
pub(crate) fn inner(args: &[Word]) -> Vec<Inner<'_>> {
    let mut out = Vec::new();
    let mut i = 0;
    // `-c key=value` with a key that names a program: the value is run by the shell.
    while let Some(w) = args.get(i) {
        let t = w.text.as_str();
        let setting = match t {
            "-c" => args.get(i + 1).map(|v| v.text.as_str()),
            t => t.strip_prefix("-c").filter(|r| r.contains('=')),
        };
        if let Some((key, value)) = setting.and_then(|s| s.split_once('='))
            && key_runs_programs(key)
        {
            out.push(Inner::Script(value.trim_start_matches('!').to_owned()));
        }
        if !t.starts_with('-') {
            break;
        }
        // Global options whose value is the next word (`-C sub -c alias.x=…`).
        if matches!(
            t,
            "-c" | "-C" | "--git-dir" | "--work-tree" | "--namespace" | "--config-env"
        ) {
            i += 1;
        }
        i += 1;
    }
    let Some((sub, rest)) = subcommand(args) else {
        return out;
    };
    let text_after = |flag: &[&str]| {
        rest.iter()
            .enumerate()
            .filter_map(|(k, w)| {
                let t = w.text.as_str();
                flag.iter().find_map(|f| {
                    if t == *f {
                        rest.get(k + 1).map(|v| v.text.clone())
                    } else {
                        t.strip_prefix(f)
                            .and_then(|r| r.strip_prefix('='))
                            .map(str::to_owned)
                    }
                })
            })
            .collect::<Vec<_>>()
    };
    match sub {
        "submodule" => {
            if let Some(k) = rest.iter().position(|w| w.text == "foreach") {
                let script: Vec<&str> = rest[k + 1..]
                    .iter()
                    .map(|w| w.text.as_str())
                    .skip_while(|t| t.starts_with("--"))
                    .collect();
                out.push(Inner::Script(script.join(" ")));
            }
        }
        "rebase" => out.extend(text_after(&["--exec", "-x"]).into_iter().map(Inner::Script)),
        "difftool" | "mergetool" => out.extend(
            text_after(&["--extcmd", "-x", "--tool-cmd"])
                .into_iter()
                .map(Inner::Script),
        ),
        "filter-branch" => out.extend(
            text_after(&[
                "--tree-filter",
                "--index-filter",
                "--msg-filter",
                "--env-filter",
                "--parent-filter",
                "--commit-filter",
                "--tag-name-filter",
            ])
            .into_iter()
            .map(Inner::Script),
        ),
        "bisect" if rest.first().is_some_and(|w| w.text == "run") => {
            out.push(Inner::Argv(rest.get(1..).unwrap_or_default()));
        }
        "config" => {
            if let Some((key, value)) = config_setting(rest)
                && key_runs_programs(key)
            {
                out.push(Inner::Script(value.trim_start_matches('!').to_owned()));
            }
        }
        _ => {}
    }
    out
}

/// `git config [--global|--file F] [set] KEY VALUE`: the key and value it sets.
fn config_setting(rest: &[Word]) -> Option<(&str, &str)> {
    let p = args::parse(
        rest,
        &OptSpec::new("f", &["file", "blob", "type", "default", "comment"]),
    );
    let reads = [
        "get",
        "get-all",
        "get-regexp",
        "list",
        "unset",
        "unset-all",
        "remove-section",
    ]
    .iter()
    .any(|l| p.has_long(l))
        || p.has_short('l');
    if reads {
        return None;
    }
    let ops: Vec<&str> = p.operands.iter().map(|w| w.text.as_str()).collect();
    match ops.as_slice() {
        ["set", key, value, ..] | [key, value, ..] if !matches!(*key, "get" | "list" | "unset") => {
            Some((key, value))
        }
        _ => None,
    }
}

/// Setting a key that names a program plants code that later git commands (even read-only
/// ones) run: persistence.
fn dangers(call: &Call<'_>, out: &mut Vec<Reason>) {
    if let Some(("config", rest)) = subcommand(call.args)
        && let Some((key, _)) = config_setting(rest)
        && key_runs_programs(key)
    {
        block(
            out,
            "shell.builtin.sensitive_write",
            format!("git config `{key}` plants a program that later git commands run"),
        );
    }
}

/// What git prints: object names and counts for the plumbing that computes them, paths for
/// the listings of files, content otherwise.
fn output(call: &Call<'_>) -> Shape {
    let Some((sub, rest)) = subcommand(call.args) else {
        return Shape::Content;
    };
    let has = |f: &str| {
        rest.iter()
            .any(|w| w.text == f || w.text.starts_with(&format!("{f}=")))
    };
    match sub {
        "rev-parse" if has("--show-toplevel") || has("--git-dir") || has("--show-prefix") => {
            Shape::Paths
        }
        "rev-parse" | "merge-base" | "rev-list" | "describe" | "hash-object" | "write-tree" => {
            Shape::Token
        }
        "branch" if has("--show-current") => Shape::Token,
        // `git log --format=%H`: commit ids only.
        "log"
            if rest.iter().any(|w| {
                matches!(
                    w.text.as_str(),
                    "--format=%H"
                        | "--format=%h"
                        | "--format=format:%H"
                        | "--pretty=%H"
                        | "--pretty=format:%H"
                        | "--pretty=format:%h"
                )
            }) =>
        {
            Shape::Token
        }
        "ls-files" | "ls-tree" if sub == "ls-files" || has("--name-only") => Shape::Names,
        "diff" | "log" | "show" if has("--name-only") => Shape::Names,
        _ => Shape::Content,
    }
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
    // Plumbing diffs: no external diff or textconv unless asked (`--ext-diff`, `--textconv`).
    "diff-tree",
    "diff-index",
    "diff-files",
    "check-attr",
    "check-ref-format",
    "show-branch",
    "merge-tree",
];

/// Keys of `git -c` that only change how output looks: none names a program or a file.
fn inert_key(kv: &str) -> bool {
    let Some((key, _)) = kv.split_once('=') else {
        return false;
    };
    let k = key.to_ascii_lowercase();
    ["color.", "advice.", "column."]
        .iter()
        .any(|p| k.starts_with(p))
        || matches!(
            k.as_str(),
            "core.quotepath"
                | "core.abbrev"
                | "log.date"
                | "log.decorate"
                | "log.abbrevcommit"
                | "diff.noprefix"
                | "diff.mnemonicprefix"
                | "diff.renames"
                | "diff.relative"
                | "user.name"
                | "user.email"
                | "i18n.logoutputencoding"
                | "grep.linenumber"
        )
}

fn model(call: &Call<'_>) -> Model {
    let args = call.args;
    let i = match subcommand_at(args) {
        Ok(i) => i,
        Err(m) => return m,
    };
    let Some(sub) = args.get(i) else {
        return Model::ReadOnly;
    };
    // A repository outside the working directory brings its own config and attributes, which
    // can name programs that even `git status` and `git diff` run (fsmonitor, filters,
    // textconv, external diff, hooks).
    if let Some(dir) = repo_options(&args[..i]).find(|d| outside_working_dir(d)) {
        return Model::RunsCode(format!(
            "git on the repository `{dir}` outside the working directory, whose config can run programs"
        ));
    }
    let rest = args.get(i + 1..).unwrap_or_default();
    let p = args::parse(rest, &OptSpec::NONE);
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
            if p.shorts.iter().any(|c| writes.contains(&c))
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
                Model::Mutating("git branch changes branches")
            } else {
                Model::ReadOnly
            }
        }
        "tag" => {
            // `--contains C`, `--merged`, `-n`, …: list mode, whose operands are patterns.
            let lists = any_long(
                &p,
                &[
                    "list",
                    "contains",
                    "no-contains",
                    "merged",
                    "no-merged",
                    "points-at",
                ],
            )
            .is_some()
                || p.has_short('l')
                || p.has_short('n');
            let changes = p.shorts.iter().any(|c| "dasfmFue".contains(c))
                || any_long(
                    &p,
                    &[
                        "delete", "annotate", "sign", "force", "message", "file", "edit",
                    ],
                )
                .is_some();
            if p.operands.is_empty() || lists && !changes {
                Model::ReadOnly
            } else {
                Model::Mutating("git tag creates or deletes tags")
            }
        }
        // `git reflog expire`/`delete` destroy what recovery needs.
        "reflog" => match p.operands.first().map(|w| w.text.as_str()) {
            None | Some("show" | "exists") => Model::ReadOnly,
            Some(s) if !matches!(s, "expire" | "delete" | "drop" | "write") => Model::ReadOnly,
            _ => Model::Mutating("git reflog expire/delete/drop/write changes history"),
        },
        "worktree" | "notes" => match p.operands.first().map(|w| w.text.as_str()) {
            Some("list") => Model::ReadOnly,
            _ => Model::Mutating("git worktree and notes change the repository"),
        },
        "bisect" => match p.operands.first().map(|w| w.text.as_str()) {
            Some("log") => Model::ReadOnly,
            _ => Model::Mutating("git bisect moves HEAD"),
        },
        // `git symbolic-ref HEAD` reads; with a second operand or `-d` it writes.
        "symbolic-ref" if p.operands.len() == 1 && !p.has_short('d') && !p.has_long("delete") => {
            Model::ReadOnly
        }
        "ls-remote" if p.has_long("get-url") => Model::ReadOnly,
        "fsck" if !p.has_long("lost-found") => Model::ReadOnly,
        "archive"
            if (p.has_long("list") || p.has_short('l'))
                && !p.has_short('o')
                && !p.has_long("remote")
                && !p.has_long("exec") =>
        {
            Model::ReadOnly
        }
        "bundle"
            if matches!(
                p.operands.first().map(|w| w.text.as_str()),
                Some("list-heads" | "verify")
            ) =>
        {
            Model::ReadOnly
        }
        // `git remote show URL` contacts that URL: only named remotes read.
        "remote"
            if p.operands.get(1).is_some_and(|w| {
                w.text.contains(':') || w.text.contains('/') || !w.is_static()
            }) =>
        {
            Model::RunsCode("git remote show URL contacts that host".into())
        }
        "remote" => match p.operands.first().map(|w| w.text.as_str()) {
            None | Some("show") | Some("get-url") => Model::ReadOnly,
            _ => Model::Mutating("git remote changes remotes"),
        },
        "stash" => match p.operands.first().map(|w| w.text.as_str()) {
            Some("list") | Some("show") => Model::ReadOnly,
            _ => Model::Mutating("git stash changes the working tree"),
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
            // `git config user.name`: one key and no value reads it.
            let writes = p.has_short('e')
                || [
                    "unset",
                    "unset-all",
                    "add",
                    "replace-all",
                    "rename-section",
                    "remove-section",
                    "edit",
                ]
                .iter()
                .any(|l| p.has_long(l))
                || p.operands.first().is_some_and(|w| {
                    matches!(
                        w.text.as_str(),
                        "edit" | "set" | "unset" | "rename-section" | "remove-section"
                    )
                });
            if reads || get || (p.operands.len() == 1 && !writes) {
                Model::ReadOnly
            } else if let Some(key) = p
                .operands
                .iter()
                .map(|w| w.text.as_str())
                .find(|k| key_runs_programs(k))
            {
                Model::RunsCode(format!("git config `{key}` makes git run a program"))
            } else {
                Model::Mutating("git config changes configuration")
            }
        }
        "help" => Model::RunsCode("git help opens a pager or browser".into()),
        _ => Model::Mutating("not a read-only git command"),
    }
}

/// The directories given to git's `-C`, `--git-dir` and `--work-tree` global options.
fn repo_options(globals: &[Word]) -> impl Iterator<Item = &str> {
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

/// git configuration keys whose value is a program git runs (or that turn such a program on).
pub(crate) fn key_runs_programs(key: &str) -> bool {
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
        // `init.templateDir` plants hooks in every new clone; `url.X.insteadOf` redirects
        // every fetch and push to another host.
        || k == "init.templatedir"
        || k.ends_with(".insteadof")
        || k.ends_with(".pushinsteadof")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model_of(cmd: &str) -> Model {
        let words: Vec<Word> = cmd.split_whitespace().map(Word::literal).collect();
        model(&Call::new("git", &words, &OptSpec::NONE))
    }

    #[test]
    fn read_subcommands_are_read_only() {
        for ok in [
            "status",
            "log --oneline -5",
            "-C sub diff",
            "config --get user.name",
            "--version",
            "--help",
            "-h",
            "log -h",
            "branch -a",
            "tag",
            "tag --contains HEAD",
            "tag -n --sort=-creatordate v*",
            "-c color.ui=never log",
            "-ccolor.ui=always diff",
            "worktree list",
            "diff-tree --no-commit-id --name-only -r HEAD",
            "symbolic-ref --short HEAD",
            "ls-remote --get-url",
        ] {
            assert_eq!(model_of(ok), Model::ReadOnly, "{ok}");
        }
        for bad in [
            "push",
            "branch -D x",
            "tag v1",
            "stash",
            "remote add o u",
            "config user.name x",
            "tag -d --contains HEAD v1",
            "tag -a v1 --points-at HEAD",
            "worktree add ../x",
            "symbolic-ref HEAD refs/heads/x",
            "bisect start",
        ] {
            assert!(matches!(model_of(bad), Model::Mutating(_)), "{bad}");
        }
        for code in [
            "-c core.pager=x log",
            "-p log",
            "log --output=x",
            "diff --ext",
            "-C /tmp/x status",
            "config core.fsmonitor x",
            "help log",
            "log --help",
            "--help log",
            "-c color.ui=never -c core.pager=x log",
            "-c core.fsmonitor=x status",
            "-c color.ui log",
            "diff-tree -p --ext-diff HEAD",
        ] {
            assert!(matches!(model_of(code), Model::RunsCode(_)), "{code}");
        }
    }

    #[test]
    fn keys_that_name_programs() {
        for k in [
            "core.fsmonitor",
            "core.pager",
            "diff.x.textconv",
            "alias.st",
            "include.path",
            "filter.lfs.clean",
            "remote.origin.proxy",
        ] {
            assert!(key_runs_programs(k), "{k}");
        }
        for k in ["user.name", "core.autocrlf", "remote.origin.url"] {
            assert!(!key_runs_programs(k), "{k}");
        }
    }
}
