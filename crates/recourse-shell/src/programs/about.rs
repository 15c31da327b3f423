//! `--version` and `--help`: asking a known program about itself runs nothing else. The few
//! that page their help through a pager (`git`, `man`, the systemd tools, cloud CLIs) are not
//! read-only that way.

use crate::syntax::Word;

use super::model::{Program, kind};

/// Common development tools the table knows nothing else about, so that asking them for
/// their version is read-only too.
pub(crate) const PROGRAMS: &[Program] = &[Program::of(
    &[
        "gcc",
        "g++",
        "cc",
        "c++",
        "clang",
        "clang++",
        "rustc",
        "javac",
        "dotnet",
        "swift",
        "zig",
        "kotlin",
        "scalac",
        "erl",
        "elixir",
        "dart",
        "flutter",
        "stack",
        "cabal",
        "opam",
        "ocaml",
        "tofu",
        "pulumi",
        "packer",
        "consul",
        "nomad",
        "ansible",
        "ansible-playbook",
        "kustomize",
        "kind",
        "minikube",
        "k9s",
        "eksctl",
        "doctl",
        "flyctl",
        "heroku",
        "vercel",
        "netlify",
        "glab",
        "fzf",
        "just",
        "task",
        "ninja",
        "meson",
        "autoconf",
        "automake",
        "pkg-config",
        "protoc",
        "buf",
        "redis-cli",
        "mongosh",
        "ffmpeg",
        "pandoc",
        "shellcheck",
        "shfmt",
        "hadolint",
        "eslint",
        "prettier",
        "black",
        "ruff",
        "flake8",
        "mypy",
        "pylint",
        "isort",
        "uv",
        "mamba",
        "pyenv",
        "rbenv",
        "volta",
        "fnm",
        "asdf",
        "mise",
        "tflint",
        "tfsec",
        "checkov",
        "trivy",
        "grype",
        "syft",
        "cosign",
        "skopeo",
        "crane",
        "buildah",
        "goreleaser",
        "golangci-lint",
        "rustfmt",
        "tsc",
        "esbuild",
        "vite",
        "webpack",
        "rollup",
        "rake",
        "ack",
        "sops",
        "age",
        "jj",
        "hg",
        "svn",
        "kubectx",
        "kubens",
        "stern",
        "helmfile",
        "argocd",
        "istioctl",
        "linkerd",
    ],
    0,
)];

/// Launchers that run code from the project before they answer anything, `--version`
/// included: `yarnPath` in `.yarnrc.yml`, `.mvn/jvm.config`, `org.gradle.java.home`,
/// `.sbtopts`, a project's `toxfile.py` or `conftest.py`, the repository's own copy of nx,
/// turbo, lerna or rails, composer and pdm plugins, `.bazelversion`. They are left out of the
/// table above (mvn, gradle, sbt, poetry, pdm, tox, nox, pytest, nx, turbo, lerna, rails,
/// composer, bazel, mix) and refused here where another room knows them.
const PROJECT_LAUNCHED: &[&str] = &["yarn"];

/// Programs whose `--help` opens a pager or a manual page, which has shell escapes.
const HELP_PAGES: &[&str] = &[
    "git",
    "man",
    "aws",
    "gcloud",
    "az",
    "systemctl",
    "journalctl",
    "loginctl",
    "busctl",
    "networkctl",
    "resolvectl",
    "hostnamectl",
    "timedatectl",
    "localectl",
    "coredumpctl",
    "less",
    "more",
    "perldoc",
    "info",
    "pydoc",
    "pydoc3",
    "ri",
];

/// Other spellings of "version" and "help", per program.
const SPELLINGS: &[(&[&str], &[&str])] = &[
    (
        &[
            "python", "python2", "python3", "pypy", "pypy3", "pip", "pip3", "cargo", "rustc",
            "rustup",
        ],
        &["-V", "-h"],
    ),
    (
        &[
            "node", "nodejs", "npm", "npx", "yarn", "pnpm", "deno", "bun", "ruby", "php", "perl",
        ],
        &["-v", "-h"],
    ),
    (
        &["go", "terraform", "helm", "kubectl", "docker"],
        &["version", "help"],
    ),
    (
        &["java", "javac", "terraform", "kotlin", "kotlinc", "scala"],
        &["-version"],
    ),
    (&["php"], &["-m", "-i"]),
    (&["ssh"], &["-V"]),
    // GNU make and the C compilers print their version for a lone `-v`.
    (
        &["make", "gmake", "gcc", "cc", "clang", "lua", "luajit"],
        &["-v"],
    ),
    (&["rustc"], &["-vV"]),
    (&["dotnet"], &["--info", "--list-sdks", "--list-runtimes"]),
];

/// `cargo build --help`, `docker run --help`, `terraform plan -help`: the built-in
/// subcommands whose help is printed text. Plugins and external subcommands (`cargo-foo`,
/// `kubectl-foo`, docker CLI plugins) are programs of their own, so only built-ins count.
const SUBCOMMAND_HELP: &[(&str, &[&str])] = &[
    (
        "cargo",
        &[
            "build",
            "check",
            "test",
            "run",
            "bench",
            "doc",
            "clean",
            "update",
            "add",
            "remove",
            "install",
            "uninstall",
            "fmt",
            "clippy",
            "metadata",
            "tree",
            "publish",
            "new",
            "init",
            "fetch",
            "fix",
            "package",
            "search",
            "vendor",
            "rustc",
            "rustdoc",
        ],
    ),
    (
        "docker",
        &[
            "run",
            "build",
            "exec",
            "ps",
            "images",
            "pull",
            "push",
            "rm",
            "rmi",
            "start",
            "stop",
            "logs",
            "inspect",
            "compose",
            "image",
            "container",
            "volume",
            "network",
            "system",
            "cp",
            "tag",
            "login",
        ],
    ),
    (
        "terraform",
        &[
            "plan",
            "apply",
            "destroy",
            "init",
            "validate",
            "fmt",
            "output",
            "show",
            "state",
            "import",
            "workspace",
            "providers",
            "graph",
            "refresh",
            "taint",
            "untaint",
            "console",
        ],
    ),
    (
        "kubectl",
        &[
            "get",
            "describe",
            "logs",
            "apply",
            "delete",
            "exec",
            "scale",
            "rollout",
            "create",
            "edit",
            "port-forward",
            "config",
            "top",
            "explain",
            "diff",
            "patch",
            "label",
        ],
    ),
    (
        "npm",
        &[
            "install",
            "ci",
            "run",
            "test",
            "ls",
            "update",
            "publish",
            "audit",
            "init",
            "exec",
            "view",
            "outdated",
            "pack",
            "link",
            "uninstall",
        ],
    ),
    ("pip", PIP_SUBCOMMANDS),
    ("pip3", PIP_SUBCOMMANDS),
    (
        "go",
        &[
            "build", "test", "run", "get", "install", "mod", "vet", "list", "fmt", "generate",
        ],
    ),
];

const PIP_SUBCOMMANDS: &[&str] = &[
    "install",
    "uninstall",
    "list",
    "show",
    "freeze",
    "download",
    "wheel",
];

/// Whether `PROG SUB --help` asks a built-in subcommand for its help.
fn asks_subcommand(prog: &str, args: &[Word]) -> bool {
    let [sub, flag] = args else {
        return false;
    };
    sub.is_static()
        && flag.is_static()
        && (matches!(flag.text.as_str(), "--help" | "-h" | "-help")
            || prog == "cargo"
                && matches!(sub.text.as_str(), "clippy" | "fmt")
                && matches!(flag.text.as_str(), "--version" | "-V"))
        && SUBCOMMAND_HELP
            .iter()
            .any(|(p, subs)| *p == prog && subs.contains(&sub.text.as_str()))
}

/// Whether the whole argument vector only asks the program about itself.
pub(crate) fn only_asks(entry: &Program, prog: &str, args: &[Word]) -> bool {
    if PROJECT_LAUNCHED.contains(&prog) {
        return false;
    }
    let [arg] = args else {
        return asks_subcommand(prog, args);
    };
    if !arg.is_static() || entry.names.is_empty() || entry.is(kind::SHELL) && prog != "bash" {
        return false;
    }
    match arg.text.as_str() {
        "--version" => true,
        "--help" => !HELP_PAGES.contains(&prog) && !entry.is(kind::PAGER),
        // The spelling first: it rules nearly every word out in one or two comparisons.
        t => SPELLINGS
            .iter()
            .any(|(names, flags)| flags.contains(&t) && names.contains(&prog)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::programs::lookup;

    fn asks(cmd: &str) -> bool {
        let words: Vec<Word> = cmd.split_whitespace().map(Word::literal).collect();
        let (name, args) = words
            .split_first()
            .map_or(("", &[][..]), |(n, a)| (n.text.as_str(), a));
        only_asks(lookup(name), name, args)
    }

    #[test]
    fn version_and_help() {
        for ok in [
            "cargo --version",
            "python3 -V",
            "node -v",
            "go version",
            "java -version",
            "gcc --version",
            "kubectl --help",
            "bash --version",
            "rg --help",
            "rustc -vV",
            "make -v",
            "javac -version",
            "dotnet --info",
            "cargo build --help",
            "docker run --help",
            "terraform plan -help",
        ] {
            assert!(asks(ok), "{ok}");
        }
        for no in [
            "git --help",
            "man --help",
            "less --help",
            "python3 -v",
            "unknown-tool --version",
            "cargo --version x",
            "sh --version",
            "aws --help",
            "yarn --version",
            "mvn --version",
            "pytest --version",
            "cargo foo --help",
            "docker run -it --help",
            "kubectl evil-plugin --help",
        ] {
            assert!(!asks(no), "{no}");
        }
    }
}
