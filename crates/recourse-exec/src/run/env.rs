//! Runner environments: nothing is inherited; each runner gets a fixed base, the variables the
//! operator admitted for it ([`RunnerEnv`](crate::RunnerEnv)), and pins that keep programs from
//! running other programs (pagers, git's filesystem monitor).

use std::path::{Path, PathBuf};

use crate::config::{GatewayConfig, RunnerEnv};

const PATH: &str = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";

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

/// What the shell may never touch: the gateway's state, its policy file, and the gateway
/// user's cloud, cluster and SSH credentials.
pub(crate) fn shell_deny(cfg: &GatewayConfig) -> Vec<PathBuf> {
    let mut deny = vec![cfg.state_dir.clone()];
    deny.extend(cfg.policy_path.iter().cloned());
    let home = cfg
        .base_env
        .iter()
        .find(|(k, _)| k == "HOME")
        .map(|(_, v)| PathBuf::from(v))
        .or_else(|| std::env::var_os("HOME").map(PathBuf::from));
    if let Some(h) = home {
        for d in [
            ".aws",
            ".kube",
            ".ssh",
            ".config/gcloud",
            ".azure",
            ".docker",
            ".gnupg",
        ] {
            deny.push(h.join(d));
        }
    }
    deny
}
