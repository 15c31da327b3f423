//! kubectl as the gateway runs it: the operator's kubeconfig, resolved once at startup and
//! copied (with its certificate and token files inlined) into kubectl's own runner directory,
//! which also holds kubectl's HOME and discovery cache. Only kubectl's sandbox mounts that
//! directory; no shell command can read the credentials or poison the cache.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_yaml_ng::Value;

use crate::config::{ConfigError, GatewayConfig};
use crate::run::env;
use crate::run::sandbox::{Bind, Jail, Sandbox};

/// Inside kubectl's sandbox.
const KUBECONFIG_INSIDE: &str = "/run/recourse/kubeconfig";
const HOME_INSIDE: &str = "/home/kubectl";
const BINARY_INSIDE: &str = "/run/recourse/kubectl";

/// kubectl, ready to run confined.
#[derive(Debug, Clone)]
pub(crate) struct Kubectl {
    binary: PathBuf,
    dir: PathBuf,
    context: Option<String>,
    env: Vec<(String, String)>,
}

/// Fields whose value names a file, and the field that carries its content instead.
const FILE_FIELDS: &[(&str, &str, bool)] = &[
    ("certificate-authority", "certificate-authority-data", true),
    ("client-certificate", "client-certificate-data", true),
    ("client-key", "client-key-data", true),
    ("tokenFile", "token", false),
];

/// Inlines every file a kubeconfig names (relative to its directory), so that the copy is
/// self-contained.
fn flatten(text: &str, base: &Path) -> Result<String, String> {
    let mut doc: Value = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
    for (list, entry) in [("clusters", "cluster"), ("users", "user")] {
        let Some(items) = doc.get_mut(list).and_then(Value::as_sequence_mut) else {
            continue;
        };
        for item in items {
            let Some(map) = item.get_mut(entry).and_then(Value::as_mapping_mut) else {
                continue;
            };
            for (field, data_field, encode) in FILE_FIELDS {
                let Some(path) = map.remove(*field) else {
                    continue;
                };
                let path = path
                    .as_str()
                    .ok_or_else(|| format!("{field} is not a path"))?;
                let full = base.join(path);
                let bytes =
                    std::fs::read(&full).map_err(|e| format!("{field} {}: {e}", full.display()))?;
                let value = if *encode {
                    base64::engine::general_purpose::STANDARD.encode(&bytes)
                } else {
                    String::from_utf8_lossy(&bytes).trim().to_owned()
                };
                map.insert(Value::from(*data_field), Value::from(value));
            }
        }
    }
    serde_yaml_ng::to_string(&doc).map_err(|e| e.to_string())
}

impl Kubectl {
    /// Prepares kubectl's runner directory, or `None` when no kubeconfig is configured (the
    /// kubectl tools are then refused).
    pub(crate) fn prepare(
        cfg: &GatewayConfig,
        runners: &Path,
        sandbox: &Sandbox,
    ) -> Result<Option<Kubectl>, ConfigError> {
        let Some(source) = &cfg.kubeconfig else {
            return Ok(None);
        };
        let err = |detail: String| ConfigError::Kubeconfig {
            path: source.clone(),
            detail,
        };
        let text = std::fs::read_to_string(source).map_err(|e| err(e.to_string()))?;
        let base = source.parent().unwrap_or(Path::new("/"));
        let flat = flatten(&text, base).map_err(err)?;
        let dir = runners.join("kubectl");
        let home = dir.join("home");
        sandbox
            .own_dir(&home.join(".kube/cache"))
            .and_then(|()| sandbox.own_dir(&home))
            .and_then(|()| sandbox.own_dir(&dir))
            .and_then(|()| sandbox.own_file(&dir.join("kubeconfig"), flat.as_bytes()))
            .map_err(|e| err(format!("cannot prepare {}: {e}", dir.display())))?;
        let binary = resolve(&cfg.kubectl_bin).ok_or_else(|| {
            err(format!(
                "kubectl binary {} not found",
                cfg.kubectl_bin.display()
            ))
        })?;
        Ok(Some(Kubectl {
            binary,
            env: env::kubectl(cfg, Path::new(HOME_INSIDE)),
            context: cfg.kube_context.clone(),
            dir,
        }))
    }

    /// The jail, program and leading arguments of every kubectl run.
    pub(crate) fn jail(&self) -> (Jail, String, Vec<String>) {
        let jail = Jail {
            ro: vec![
                Bind {
                    src: self.binary.clone(),
                    dst: PathBuf::from(BINARY_INSIDE),
                },
                Bind {
                    src: self.dir.join("kubeconfig"),
                    dst: PathBuf::from(KUBECONFIG_INSIDE),
                },
            ],
            rw: vec![Bind {
                src: self.dir.join("home"),
                dst: PathBuf::from(HOME_INSIDE),
            }],
            home: PathBuf::from(HOME_INSIDE),
            net: true,
            cwd: PathBuf::from(HOME_INSIDE),
            ..Jail::default()
        };
        let mut args = vec![
            format!("--kubeconfig={KUBECONFIG_INSIDE}"),
            format!("--cache-dir={HOME_INSIDE}/.kube/cache"),
        ];
        if let Some(c) = &self.context {
            args.push(format!("--context={c}"));
        }
        (jail, BINARY_INSIDE.to_owned(), args)
    }

    pub(crate) fn env(&self) -> Vec<(String, String)> {
        self.env.clone()
    }
}

/// A program path as given, or found on PATH, canonical.
pub(crate) fn resolve(program: &Path) -> Option<PathBuf> {
    if program.components().count() > 1 {
        return program.canonicalize().ok();
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
        .and_then(|p| p.canonicalize().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_named_by_a_kubeconfig_are_inlined() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ca.crt"), "CA").unwrap();
        std::fs::write(dir.path().join("token"), "t0ken\n").unwrap();
        let text = "clusters:\n- name: c\n  cluster: {server: 'https://k', certificate-authority: ca.crt}\nusers:\n- name: u\n  user: {tokenFile: token}\n";
        let flat = flatten(text, dir.path()).unwrap();
        assert!(flat.contains("certificate-authority-data: Q0E="), "{flat}");
        assert!(flat.contains("token: t0ken"), "{flat}");
        assert!(
            !flat.contains("ca.crt") && !flat.contains("tokenFile"),
            "{flat}"
        );
        assert!(flatten("users:\n- user: {client-key: /nonexistent}\n", dir.path()).is_err());
    }
}
