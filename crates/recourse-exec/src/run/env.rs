//! Runner environments: nothing is inherited; each runner gets a fixed base, the variables the
//! operator admitted for it ([`RunnerEnv`](crate::RunnerEnv)), and pins that keep programs from
//! running other programs (pagers, git's filesystem monitor).

use std::path::{Path, PathBuf};

use crate::config::{GatewayConfig, RunnerEnv};

pub(crate) const PATH: &str = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";

/// Pins for the shell: no pagers, and git's filesystem monitor (which a planted `.git/config`
/// could point at a program) off; environment config outranks repository config.
const SHELL_PINS: &[(&str, &str)] = &[
    ("PAGER", "cat"),
    ("GIT_PAGER", "cat"),
    ("MANPAGER", "cat"),
    ("SYSTEMD_PAGER", "cat"),
    ("LESSSECURE", "1"),
    ("GIT_CONFIG_COUNT", "1"),
    ("GIT_CONFIG_KEY_0", "core.fsmonitor"),
    ("GIT_CONFIG_VALUE_0", "false"),
];

/// Terraform in automation: no prompts, no update checks.
const TERRAFORM_PINS: &[(&str, &str)] = &[
    ("TF_IN_AUTOMATION", "1"),
    ("TF_INPUT", "0"),
    ("CHECKPOINT_DISABLE", "1"),
];

fn with(
    patterns: &[String],
    cfg: &GatewayConfig,
    home: &Path,
    pins: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut env = vec![
        ("PATH".to_owned(), PATH.to_owned()),
        ("HOME".to_owned(), home.display().to_string()),
        ("LANG".to_owned(), "C.UTF-8".to_owned()),
        ("TERM".to_owned(), "dumb".to_owned()),
    ];
    env.extend(RunnerEnv::select(patterns, &cfg.base_env));
    env.extend(pins.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    env
}

/// The shell's environment.
pub(crate) fn shell(cfg: &GatewayConfig, home: &Path) -> Vec<(String, String)> {
    with(&cfg.runner_env.shell, cfg, home, SHELL_PINS)
}

/// terraform's environment.
pub(crate) fn terraform(cfg: &GatewayConfig, home: &Path) -> Vec<(String, String)> {
    with(&cfg.runner_env.terraform, cfg, home, TERRAFORM_PINS)
}

/// kubectl's environment.
pub(crate) fn kubectl(cfg: &GatewayConfig, home: &Path) -> Vec<(String, String)> {
    with(&cfg.runner_env.kubectl, cfg, home, &[])
}

/// Environment variables that name credential files (or directories of them).
const CREDENTIAL_FILE_VARS: &[&str] = &[
    "KUBECONFIG",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONFIG_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "CLOUDSDK_CONFIG",
    "AZURE_CONFIG_DIR",
    "AZURE_CLIENT_CERTIFICATE_PATH",
    "AZURE_FEDERATED_TOKEN_FILE",
    "ARM_CLIENT_CERTIFICATE_PATH",
    "DOCKER_CONFIG",
    "TF_CLI_CONFIG_FILE",
    "VAULT_CONFIG_PATH",
    "NETRC",
    "PGPASSFILE",
    "NPM_CONFIG_USERCONFIG",
    "PIP_CONFIG_FILE",
    "GIT_CONFIG_GLOBAL",
    "SSH_AUTH_SOCK",
];

/// Well-known credential files and folders under the gateway user's home.
const HOME_CREDENTIALS: &[&str] = &[
    ".config/recourse",
    ".aws",
    ".kube",
    ".ssh",
    ".gnupg",
    ".config/gcloud",
    ".config/gh",
    ".config/git/credentials",
    ".azure",
    ".docker",
    ".git-credentials",
    ".netrc",
    ".terraform.d",
    ".terraformrc",
    ".vault-token",
    ".pgpass",
    ".npmrc",
    ".pypirc",
    ".password-store",
];

/// What sandboxed code may never see: the gateway's state, its policy file, the files
/// configured for it (kubeconfig, approvers, keys), and every credential file it is configured
/// with or can discover. Most of these are outside everything a sandbox mounts; the list
/// makes sure they stay out even where a mount would include them.
pub(crate) fn deny_list(cfg: &GatewayConfig) -> Vec<PathBuf> {
    let mut deny = vec![cfg.state_dir.clone()];
    deny.extend(cfg.policy_path.iter().cloned());
    deny.extend(cfg.kubeconfig.iter().cloned());
    deny.extend(cfg.deny_paths.iter().cloned());
    deny.extend(cfg.approvers_path.iter().cloned());
    deny.extend(cfg.audit_key_path.iter().cloned());
    for (k, v) in &cfg.base_env {
        if CREDENTIAL_FILE_VARS.contains(&k.as_str()) {
            deny.extend(std::env::split_paths(v).filter(|p| p.is_absolute()));
        }
    }
    if let Some(h) = cfg.home() {
        deny.extend(HOME_CREDENTIALS.iter().map(|d| h.join(d)));
    }
    // Compare canonical forms with what the sandbox mounts.
    let mut out: Vec<PathBuf> = deny
        .into_iter()
        .map(|p| p.canonicalize().unwrap_or(p))
        .collect();
    out.sort();
    out.dedup();
    out
}
