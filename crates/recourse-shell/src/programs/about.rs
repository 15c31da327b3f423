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
        "rustup",
        "javac",
        "mvn",
        "gradle",
        "dotnet",
        "swift",
        "zig",
        "kotlin",
        "scalac",
        "erl",
        "elixir",
        "mix",
        "dart",
        "flutter",
        "sbt",
        "stack",
        "cabal",
        "opam",
        "ocaml",
        "tofu",
        "pulumi",
        "packer",
        "vault",
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
        "bat",
        "eza",
        "exa",
        "lsd",
        "just",
        "task",
        "bazel",
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
        "pytest",
        "tox",
        "nox",
        "poetry",
        "pdm",
        "uv",
        "conda",
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
        "gofmt",
        "rustfmt",
        "tsc",
        "esbuild",
        "vite",
        "webpack",
        "rollup",
        "turbo",
        "nx",
        "lerna",
        "composer",
        "rake",
        "rails",
        "delta",
        "tokei",
        "cloc",
        "ag",
        "ack",
        "sops",
        "age",
        "gpg",
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
    (&["java", "terraform"], &["-version"]),
];

/// Whether the whole argument vector only asks the program about itself.
pub(crate) fn only_asks(entry: &Program, prog: &str, args: &[Word]) -> bool {
    let [arg] = args else {
        return false;
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
        ] {
            assert!(!asks(no), "{no}");
        }
    }
}
