//! kubectl as the gateway runs it: the operator's kubeconfig, resolved once at startup and
//! copied (with its certificate and token files inlined) into kubectl's own runner directory,
//! which also holds kubectl's HOME and discovery cache. Only kubectl's sandbox mounts that
//! directory; no shell command can read the credentials or poison the cache.
//!
//! Besides the permitted runs, the gate may run a closed list of inspections ([`KubeInspect`]):
//! discovery (`api-resources`, to resolve what the agent names before deciding) and the
//! gateway's own permissions (`auth can-i --list`, for `doctor`). They read, change nothing,
//! run in the same sandbox, and their output is parsed by the gateway, never returned.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use recourse_plan::Timestamp;
use serde_yaml_ng::Value;

use crate::config::{ConfigError, GatewayConfig};
use crate::redact::Redactor;
use crate::run::sandbox::{Bind, Jail, Sandbox, write_atomically};
use crate::run::{Run, confined, env};
use crate::tools::kubectl::discovery::ApiResources;

/// Inside kubectl's sandbox.
const KUBECONFIG_INSIDE: &str = "/run/recourse/kubeconfig";
const HOME_INSIDE: &str = "/home/kubectl";
const BINARY_INSIDE: &str = "/run/recourse/kubectl";

/// How long a discovery answer is used before the cluster is asked again: a CRD installed or
/// changed is seen within minutes, and a burst of calls costs one run.
const DISCOVERY_TTL_SECS: u64 = 300;

/// A name discovery does not know asks the cluster again, at most this often: a CRD installed a
/// moment ago resolves at once, and made-up names cannot make every call run kubectl twice.
const REFRESH_AFTER_MISS_SECS: u64 = 30;

/// kubectl, ready to run confined.
#[derive(Debug, Clone)]
pub(crate) struct Kubectl {
    binary: PathBuf,
    dir: PathBuf,
    context: Option<String>,
    env: Vec<(String, String)>,
    /// The last discovery answer (also kept on disk, see [`Kubectl::discovery_file`]).
    discovery: Arc<Mutex<Option<Discovered>>>,
}

/// A discovery answer and when it was fetched.
#[derive(Debug, Clone)]
struct Discovered {
    fetched_at: Timestamp,
    resources: Arc<ApiResources>,
}

/// [`Discovered`] as the cache file holds it.
#[derive(serde::Serialize, serde::Deserialize)]
struct CacheFile {
    fetched_at: Timestamp,
    resources: ApiResources,
}

/// The inspections the gate may run without a permit.
#[derive(Debug, Clone, Copy)]
pub(crate) enum KubeInspect<'a> {
    /// `kubectl api-resources -o json`: the cluster's resource types.
    ApiResources,
    /// `kubectl auth can-i --list`: what the gateway's identity may do in a namespace.
    CanIList {
        /// The namespace asked about.
        namespace: &'a str,
    },
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
            discovery: Arc::default(),
        }))
    }

    /// The discovery cache on disk: beside the kubeconfig copy, outside kubectl's HOME, so no
    /// sandbox ever mounts it — only the gateway writes what the gateway decides by.
    fn discovery_file(&self) -> PathBuf {
        self.dir.join("discovery.json")
    }

    /// The cluster's resource types: the cached answer while it is fresh, else a confined
    /// `kubectl api-resources`. `after_miss` (a name was not found) asks again if the answer is
    /// older than a few seconds.
    pub(crate) fn discovery(
        &self,
        sandbox: &Sandbox,
        now: Timestamp,
        after_miss: bool,
    ) -> Result<Arc<ApiResources>, String> {
        // Held across the run: concurrent calls wait for one answer instead of each asking.
        let mut cached = self.discovery.lock().unwrap_or_else(|p| p.into_inner());
        if cached.is_none() {
            *cached = std::fs::read(self.discovery_file())
                .ok()
                .and_then(|b| serde_json::from_slice::<CacheFile>(&b).ok())
                .map(|f| Discovered {
                    fetched_at: f.fetched_at,
                    resources: Arc::new(f.resources),
                });
        }
        if let Some(d) = cached.as_ref() {
            let age = now.0.checked_sub(d.fetched_at.0);
            let fresh = age.is_some_and(|a| {
                a < DISCOVERY_TTL_SECS && !(after_miss && a >= REFRESH_AFTER_MISS_SECS)
            });
            if fresh {
                return Ok(Arc::clone(&d.resources));
            }
        }
        let out = self.inspect(sandbox, KubeInspect::ApiResources)?;
        // A cluster with an unavailable aggregated API makes kubectl exit non-zero after
        // printing every other group: what it printed is used, what is missing stays unresolved.
        let resources = ApiResources::parse(&out.stdout).map_err(|e| {
            format!(
                "kubectl api-resources failed: {} ({e})",
                out.stderr.trim().chars().take(300).collect::<String>()
            )
        })?;
        let file = CacheFile {
            fetched_at: now,
            resources,
        };
        match serde_json::to_vec(&file) {
            Ok(bytes) => {
                // Owned by the gateway's user, not the sandbox's.
                if let Err(e) = write_atomically(&self.discovery_file(), &bytes, |_| Ok(())) {
                    tracing::warn!(error = %e, "discovery cache not written");
                }
            }
            Err(e) => tracing::warn!(error = %e, "discovery cache not serialized"),
        }
        let resources = Arc::new(file.resources);
        *cached = Some(Discovered {
            fetched_at: now,
            resources: Arc::clone(&resources),
        });
        Ok(resources)
    }

    /// Runs one inspection, confined like every kubectl run. Its output is parsed by the
    /// gateway, never returned verbatim, so it is not redacted (that would corrupt it).
    pub(crate) fn inspect(
        &self,
        sandbox: &Sandbox,
        what: KubeInspect<'_>,
    ) -> Result<crate::run::process::Outcome, String> {
        let args: Vec<String> = match what {
            KubeInspect::ApiResources => vec!["api-resources".into(), "--output=json".into()],
            KubeInspect::CanIList { namespace } => vec![
                "auth".into(),
                "can-i".into(),
                "--list".into(),
                format!("--namespace={namespace}"),
            ],
        };
        let (jail, program, mut argv) = self.jail();
        argv.extend(args);
        let c = confined(
            sandbox,
            &jail,
            Run {
                program: &program,
                args: &argv,
                env: self.env(),
                stdin: None,
                timeout: Duration::from_secs(60),
                max_output: 16 << 20,
            },
            &Redactor::passthrough(),
            None,
        )
        .map_err(|e| e.to_string())?;
        Ok(c.outcome)
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
