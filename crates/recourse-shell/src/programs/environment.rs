//! Variables that change what programs run or load: assigning one ahead of a read-only
//! program (`PAGER=… git log`, `LD_PRELOAD=… ls`) makes it run other code.

use crate::syntax::Word;

/// Whether assigning or exporting a variable changes which programs later commands run or what
/// they load.
pub(crate) fn is_dangerous_assignment(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    matches!(
        n.as_str(),
        "PATH"
            | "BASH_ENV"
            | "ENV"
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
            | "PS0"
            | "PS1"
            | "HISTFILE"
            | "INPUTRC"
            | "CDPATH"
            | "FPATH"
            | "FCEDIT"
            | "BASH_XTRACEFD"
            | "BASH_LOADABLES_PATH"
            | "XDG_CONFIG_HOME"
            | "RIPGREP_CONFIG_PATH"
            | "GCONV_PATH"
            | "LOCPATH"
            | "LESS"
            | "LESSKEY"
            | "LESSKEYIN"
            | "LESSKEY_SYSTEM"
            | "LESSEDIT"
            | "LESSSECURE"
            | "MANOPT"
            | "EXINIT"
            | "VIMINIT"
            | "MYVIMRC"
            | "CLASSPATH"
            | "GOFLAGS"
            | "RUSTC_WRAPPER"
            | "RUSTC"
            | "CC"
            | "CXX"
            | "MAKEFLAGS"
            | "TAR_OPTIONS"
            | "DOCKER_HOST"
            | "DOCKER_CONFIG"
            | "GNUPGHOME"
            | "TF_CLI_CONFIG_FILE"
            | "TERMINAL"
            | "GOTOOLCHAIN"
            | "GOENV"
            | "GOROOT"
            | "GOPATH"
            | "GOPROXY"
            | "OPENSSL_CONF"
            | "OPENSSL_MODULES"
            | "OPENSSL_ENGINES"
            | "WGETRC"
            | "CURL_HOME"
            | "NETRC"
            | "VIRTUAL_ENV"
            | "NVM_DIR"
            | "VOLTA_HOME"
            | "GOOGLE_APPLICATION_CREDENTIALS"
            | "CLOUDSDK_CONFIG"
            | "SSL_CERT_FILE"
            | "SSL_CERT_DIR"
            | "REQUESTS_CA_BUNDLE"
            | "CURL_CA_BUNDLE"
            | "NODE_EXTRA_CA_CERTS"
            | "SSLKEYLOGFILE"
            // `BASH_CMDS[ls]=/bin/rm`: the hash table of command paths.
            | "BASH_CMDS"
            | "BASH_ALIASES"
    ) || n.starts_with("LD_")
        || n.starts_with("PYTHON")
        || n.starts_with("PERL")
        || n.starts_with("RUBY")
        || n.starts_with("NODE_")
        || n.starts_with("LUA_")
        || n.starts_with("JAVA_")
        || n.starts_with("_JAVA")
        || n.starts_with("JDK_JAVA")
        || n.starts_with("GEM_")
        || n.starts_with("BUNDLE_")
        || n.starts_with("NPM_CONFIG_")
        || n.starts_with("GIT_")
        || n.starts_with("DYLD_")
        || n.ends_with("PAGER")
        || n.ends_with("EDITOR")
        || n.ends_with("_COMMAND")
        || n.ends_with("_PROGRAM")
        || n.ends_with("_BIN_PATH")
        || n.contains("ASKPASS")
        // Tool homes, configs and hooks that name programs or files they load: pip's
        // `PIP_PYTHON`, pyenv hooks, `RUSTUP_TOOLCHAIN=/path`, terraform's `TF_CLI_ARGS`,
        // helm's API server, cloud SDK config files, proxies that see every request.
        || [
            "PIP_", "PYENV_", "RUSTUP_", "CARGO_", "TF_", "HELM_", "KUBE", "AWS_", "AZURE_",
            "CLOUDSDK_", "DOCKER_", "COMPOSE_", "NVM_", "VOLTA_", "ASDF_", "MISE_", "YARN_",
            "COMPOSER_", "GRADLE_", "MAVEN_", "SBT_", "DOTNET_", "NUGET_", "CONDA_", "UV_",
            "POETRY_", "PDM_", "HATCH_", "PIPX_", "DENO_", "BUN_", "PNPM_", "SSH_",
            "GPG_", "OPENSSL_", "PGPASS", "PGSERVICE", "MYSQL_", "REDIS", "VAULT_",
        ]
        .iter()
        .any(|p| n.starts_with(p))
        || n.ends_with("_PROXY")
        || n.ends_with("_HOME") && n != "HOME"
        || n.ends_with("_CONFIG")
        || n.ends_with("_CONFIG_FILE")
        || n.ends_with("_HOOK")
        || n.ends_with("_HOOKS")
        || n.ends_with("_PLUGINS")
        || n.ends_with("_OPTIONS")
        || n.ends_with("_OPTS")
}

/// `PAGER=cat`, `GIT_PAGER=`: a pager variable set to a literal `cat` or to nothing turns
/// paging off, which is what agents set it for. A value not known (`read PAGER`) is not inert.
pub(crate) fn is_inert_pager(name: &str, value: Option<&Word>) -> bool {
    name.ends_with("PAGER")
        && value.is_some_and(|v| {
            v.is_static() && matches!(v.text.as_str(), "" | "cat" | "/bin/cat" | "/usr/bin/cat")
        })
}

/// Whether setting (or unsetting) a variable stops the shell's history from recording what
/// runs: `HISTSIZE=0`, `HISTFILE=/dev/null`, `unset HISTFILE`, `HISTCONTROL=ignorespace`.
/// Hiding the trail is what an intruder does first; an agent has no need to.
pub(crate) fn silences_history(name: &str) -> bool {
    matches!(
        name,
        "HISTFILE" | "HISTSIZE" | "HISTFILESIZE" | "HISTCONTROL" | "HISTIGNORE" | "SAVEHIST"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pagers_set_to_cat_are_inert() {
        let w = Word::literal;
        assert!(is_inert_pager("PAGER", Some(&w("cat"))));
        assert!(is_inert_pager("GIT_PAGER", Some(&w(""))));
        // `read PAGER`: a value not known.
        assert!(!is_inert_pager("MANPAGER", None));
        assert!(!is_inert_pager("PAGER", Some(&w("less"))));
        assert!(!is_inert_pager("PAGER", Some(&w("cat;id"))));
        assert!(!is_inert_pager("EDITOR", Some(&w("cat"))));
    }

    #[test]
    fn history_variables() {
        for v in ["HISTFILE", "HISTSIZE", "SAVEHIST"] {
            assert!(silences_history(v), "{v}");
        }
        for v in ["HISTTIMEFORMAT", "HOME", "histsize"] {
            assert!(!silences_history(v), "{v}");
        }
    }

    #[test]
    fn variables_that_run_code() {
        for v in [
            "PAGER",
            "GIT_PAGER",
            "LD_PRELOAD",
            "BASH_ENV",
            "PROMPT_COMMAND",
            "SSH_ASKPASS",
            "git_dir",
        ] {
            assert!(is_dangerous_assignment(v), "{v}");
        }
        for v in [
            "PIP_PYTHON",
            "PYENV_HOOK_PATH",
            "RUSTUP_TOOLCHAIN",
            "OPENSSL_CONF",
            "GOTOOLCHAIN",
            "TF_CLI_ARGS",
            "HELM_KUBEAPISERVER",
            "https_proxy",
            "ALL_PROXY",
            "JAVA_TOOL_OPTIONS",
            "AWS_CONFIG_FILE",
        ] {
            assert!(is_dangerous_assignment(v), "{v}");
        }
        for v in [
            "FOO", "LANG", "TZ", "COLUMNS", "RUST_LOG", "CI", "DEBUG", "NO_COLOR",
        ] {
            assert!(!is_dangerous_assignment(v), "{v}");
        }
    }
}
