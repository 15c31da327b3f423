//! Running terraform, always confined: the permitted plan and apply jobs, and the closed list
//! of inspections ([`Inspect`]) the gate may run without a permit to assess a call (which
//! workspace is selected, the state's lineage and serial, the JSON of a plan). Inspections
//! have no infrastructure effect, run in the same sandbox (they load providers too) and are
//! never returned verbatim to the agent.
//!
//! Terraform gets a gateway-written CLI configuration whose `provider_installation` admits
//! only the operator's plugin directories and registry hosts, and its own HOME, plugin cache
//! and data directory (`TF_DATA_DIR`, one per working directory and workspace) under the
//! gateway's runner directory: `.terraform/` and `terraform.d/` in the working directory are
//! never used, and no shell command can reach terraform's files.

use std::path::{Path, PathBuf};
use std::time::Duration;

use recourse_plan::{PlanId, ProviderBinary};
use recourse_policy::Digest;
use serde_json::Value;

use crate::config::{ConfigError, GatewayConfig};
use crate::gate::permit::Permit;
use crate::redact::Redactor;
use crate::run::kubeconfig::resolve;
use crate::run::process::Outcome;
use crate::run::sandbox::{Bind, Jail, PROTECTED, Sandbox};
use crate::run::{Confined, Run, RunError, confined, env};

const HOME_INSIDE: &str = "/home/terraform";
const DATA_INSIDE: &str = "/run/recourse/tf-data";
const CLI_CONFIG_INSIDE: &str = "/run/recourse/terraformrc";
const BINARY_INSIDE: &str = "/run/recourse/terraform";
const OUT_INSIDE: &str = "/run/recourse/out";
const PLAN_INSIDE: &str = "/run/recourse/plan.tfplan";

/// A permitted `terraform plan`: select the workspace, plan, read it back.
#[derive(Debug)]
pub(crate) struct PlanJob {
    pub(crate) id: PlanId,
    pub(crate) cwd: PathBuf,
    pub(crate) workspace: String,
    pub(crate) args: Vec<String>,
    /// Where the gateway keeps the plan file once made.
    pub(crate) plan_file: PathBuf,
    /// The configuration as screened (bound into the record once planned).
    pub(crate) config: Box<crate::tools::terraform_config::Config>,
}

/// A permitted `terraform apply` of exactly one stored plan file.
#[derive(Debug)]
pub(crate) struct ApplyJob {
    pub(crate) id: PlanId,
    pub(crate) cwd: PathBuf,
    pub(crate) workspace: String,
    pub(crate) plan_file: PathBuf,
    pub(crate) plan_file_sha256: Digest,
}

/// What planning produced.
#[derive(Debug)]
pub(crate) struct Planned {
    /// `terraform show -json` of the plan file.
    pub(crate) json: String,
    /// sha256 of the plan file.
    pub(crate) file_sha256: Digest,
    /// State lineage and serial before planning.
    pub(crate) lineage: Option<String>,
    pub(crate) serial: Option<u64>,
    /// The provider binaries `init` installed.
    pub(crate) providers: Vec<ProviderBinary>,
}

/// Why planning failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PlanError {
    /// The sandbox or the process could not be started.
    #[error(transparent)]
    Run(#[from] RunError),
    /// terraform failed (its sanitized diagnostics).
    #[error("{0}")]
    Terraform(String),
}

/// The inspections the gate may run without a permit.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Inspect<'a> {
    /// `terraform init` with the gateway's provider installation.
    Init,
    /// `terraform workspace show`.
    WorkspaceShow,
    /// `terraform workspace select NAME`.
    WorkspaceSelect(&'a str),
    /// `terraform state pull`.
    StatePull,
    /// `terraform show -json` of the plan file in the call's output directory.
    ShowJson,
}

/// terraform as this gateway runs it.
#[derive(Debug, Clone)]
pub(crate) struct Terraform {
    binary: PathBuf,
    plugin_dirs: Vec<PathBuf>,
    dir: PathBuf,
    env: Vec<(String, String)>,
    /// What the plugin directories hold (scanned once at startup).
    available: Vec<recourse_plan::AvailableProvider>,
    /// Redacts the gateway's own secret values from every diagnostic.
    redactor: Redactor,
}

/// The providers in the operator's plugin directories, in either mirror layout:
/// `HOST/NS/TYPE/terraform-provider-TYPE_VERSION_OS_ARCH.zip` (packed) or
/// `HOST/NS/TYPE/VERSION/OS_ARCH/` (unpacked).
fn available_providers(dirs: &[PathBuf]) -> Vec<recourse_plan::AvailableProvider> {
    let names = |p: &Path| -> Vec<String> {
        std::fs::read_dir(p)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect()
    };
    let mut out: Vec<recourse_plan::AvailableProvider> = Vec::new();
    for dir in dirs {
        for host in names(dir) {
            for ns in names(&dir.join(&host)) {
                for ty in names(&dir.join(&host).join(&ns)) {
                    let base = dir.join(&host).join(&ns).join(&ty);
                    let mut versions = Vec::new();
                    for entry in names(&base) {
                        let packed = entry
                            .strip_prefix(&format!("terraform-provider-{ty}_"))
                            .and_then(|r| r.strip_suffix(".zip"))
                            .and_then(|r| r.split('_').next());
                        match packed {
                            Some(v) => versions.push(v.to_owned()),
                            None if base.join(&entry).is_dir() => versions.push(entry),
                            None => {}
                        }
                    }
                    if !versions.is_empty() {
                        versions.sort();
                        versions.dedup();
                        out.push(recourse_plan::AvailableProvider {
                            source: format!("{host}/{ns}/{ty}"),
                            versions,
                        });
                    }
                }
            }
        }
    }
    out
}

/// The CLI configuration: providers from the operator's plugin directories (mounted at
/// `/run/recourse/plugins/N`) and registry hosts only.
fn cli_config(plugin_dirs: usize, registries: &[String]) -> String {
    // No plugin cache: its symlinks would point at sandbox paths; each data directory holds
    // its own copy of the providers, installed once.
    let mut s = "disable_checkpoint = true\nprovider_installation {\n".to_owned();
    for i in 0..plugin_dirs {
        s.push_str(&format!(
            "  filesystem_mirror {{\n    path = \"/run/recourse/plugins/{i}\"\n  }}\n"
        ));
    }
    if !registries.is_empty() {
        let include: Vec<String> = registries.iter().map(|h| format!("\"{h}/*/*\"")).collect();
        s.push_str(&format!(
            "  direct {{\n    include = [{}]\n  }}\n",
            include.join(", ")
        ));
    }
    s.push_str("}\n");
    s
}

impl Terraform {
    /// Prepares terraform's runner directory (HOME, plugin cache, CLI configuration).
    pub(crate) fn prepare(
        cfg: &GatewayConfig,
        runners: &Path,
        sandbox: &Sandbox,
    ) -> Result<Terraform, ConfigError> {
        let dir = runners.join("terraform");
        let err = |e: std::io::Error| ConfigError::RunnerDir {
            path: dir.clone(),
            source: e,
        };
        for d in [
            dir.clone(),
            dir.join("home"),
            dir.join("data"),
            dir.join("calls"),
        ] {
            sandbox.own_dir(&d).map_err(err)?;
        }
        let rc = cli_config(cfg.terraform_plugin_dirs.len(), &cfg.terraform_registries);
        sandbox
            .own_file(&dir.join("terraformrc"), rc.as_bytes())
            .map_err(err)?;
        let mut env = env::terraform(cfg, Path::new(HOME_INSIDE));
        env.push(("TF_CLI_CONFIG_FILE".into(), CLI_CONFIG_INSIDE.into()));
        env.push(("TF_DATA_DIR".into(), DATA_INSIDE.into()));
        Ok(Terraform {
            // A missing binary is reported when terraform is first run.
            binary: resolve(&cfg.terraform_bin).unwrap_or_else(|| cfg.terraform_bin.clone()),
            plugin_dirs: cfg.terraform_plugin_dirs.clone(),
            available: available_providers(&cfg.terraform_plugin_dirs),
            redactor: Redactor::from_env(cfg.base_env.clone()),
            dir,
            env,
        })
    }

    /// The providers the operator's plugin directories hold.
    pub(crate) fn available(&self) -> &[recourse_plan::AvailableProvider] {
        &self.available
    }

    /// The data directory of one working directory and workspace.
    fn data_dir(&self, cwd: &Path, workspace: &str) -> PathBuf {
        let key = Digest::of(format!("{}\0{workspace}", cwd.display()).as_bytes()).to_hex();
        self.dir.join("data").join(&key[..24])
    }

    fn jail(&self, cwd: &Path, data: &Path, extra: Vec<Bind>) -> Jail {
        let mut ro = vec![
            Bind {
                src: self.binary.clone(),
                dst: PathBuf::from(BINARY_INSIDE),
            },
            Bind {
                src: self.dir.join("terraformrc"),
                dst: PathBuf::from(CLI_CONFIG_INSIDE),
            },
        ];
        for (i, p) in self.plugin_dirs.iter().enumerate() {
            ro.push(Bind {
                src: p.clone(),
                dst: PathBuf::from(format!("/run/recourse/plugins/{i}")),
            });
        }
        let mut rw = vec![
            Bind::same(cwd),
            Bind {
                src: self.dir.join("home"),
                dst: PathBuf::from(HOME_INSIDE),
            },
            Bind {
                src: data.to_owned(),
                dst: PathBuf::from(DATA_INSIDE),
            },
        ];
        for b in extra {
            if b.dst == Path::new(PLAN_INSIDE) {
                ro.push(b);
            } else {
                rw.push(b);
            }
        }
        Jail {
            ro,
            rw,
            protect: PROTECTED.to_vec(),
            home: PathBuf::from(HOME_INSIDE),
            net: true,
            cwd: cwd.to_owned(),
            ..Jail::default()
        }
    }

    fn run(
        &self,
        sandbox: &Sandbox,
        jail: &Jail,
        args: &[String],
        timeout: Duration,
        redactor: &Redactor,
    ) -> Result<Confined, RunError> {
        confined(
            sandbox,
            jail,
            Run {
                program: BINARY_INSIDE,
                args,
                env: self.env.clone(),
                stdin: None,
                timeout,
                max_output: 16 << 20,
            },
            redactor,
            None,
        )
    }

    /// Runs one inspection; its output is parsed by the gate, never returned verbatim, so it
    /// is not redacted (redaction would corrupt the JSON).
    fn inspect_in(
        &self,
        sandbox: &Sandbox,
        jail: &Jail,
        what: Inspect<'_>,
    ) -> Result<Outcome, String> {
        let args: Vec<String> = match what {
            Inspect::Init => ["init", "-input=false", "-no-color"]
                .map(String::from)
                .to_vec(),
            Inspect::WorkspaceShow => vec!["workspace".into(), "show".into()],
            Inspect::WorkspaceSelect(ws) => {
                vec![
                    "workspace".into(),
                    "select".into(),
                    "-no-color".into(),
                    ws.into(),
                ]
            }
            Inspect::StatePull => vec!["state".into(), "pull".into()],
            Inspect::ShowJson => vec![
                "show".into(),
                "-no-color".into(),
                "-json".into(),
                format!("{OUT_INSIDE}/plan.tfplan"),
            ],
        };
        let c = self
            .run(
                sandbox,
                jail,
                &args,
                Duration::from_secs(300),
                &Redactor::passthrough(),
            )
            .map_err(|e| e.to_string())?;
        if c.outcome.exit_code == Some(0) {
            Ok(c.outcome)
        } else {
            Err(format!(
                "terraform {} failed: {}",
                args.first().map_or("", String::as_str),
                sanitize(&c.outcome.stderr, &self.redactor)
            ))
        }
    }

    /// The selected workspace, the state's lineage and serial, and the installed provider
    /// binaries, for an apply check (empty or `None` when they cannot be read).
    pub(crate) fn current(
        &self,
        sandbox: &Sandbox,
        cwd: &Path,
        workspace: &str,
    ) -> (String, (Option<String>, Option<u64>), Vec<ProviderBinary>) {
        let data = self.data_dir(cwd, workspace);
        // Planned by another replica (or before this state directory existed): install the
        // operator's providers and select the workspace here first, as planning did there.
        let fresh = !data.exists();
        if let Err(e) = sandbox.own_dir(&data) {
            tracing::warn!(error = %e, "terraform data directory not prepared");
        }
        let jail = self.jail(cwd, &data, Vec::new());
        if fresh && let Err(e) = self.select(sandbox, &jail, workspace) {
            tracing::warn!(error = %e, "terraform data directory not initialized");
        }
        let ws = self
            .inspect_in(sandbox, &jail, Inspect::WorkspaceShow)
            .map(|o| o.stdout.trim().to_owned())
            .unwrap_or_default();
        (ws, self.lineage(sandbox, &jail), providers(&data))
    }

    fn lineage(&self, sandbox: &Sandbox, jail: &Jail) -> (Option<String>, Option<u64>) {
        let Ok(out) = self.inspect_in(sandbox, jail, Inspect::StatePull) else {
            return (None, None);
        };
        match serde_json::from_str::<Value>(&out.stdout) {
            Ok(v) => (
                v.get("lineage").and_then(Value::as_str).map(str::to_owned),
                v.get("serial").and_then(Value::as_u64),
            ),
            Err(_) => (None, None),
        }
    }

    /// Initializes with the gateway's provider installation, then selects and verifies the
    /// workspace.
    fn select(&self, sandbox: &Sandbox, jail: &Jail, workspace: &str) -> Result<(), String> {
        self.inspect_in(sandbox, jail, Inspect::Init)?;
        let current = |t: &Self| {
            t.inspect_in(sandbox, jail, Inspect::WorkspaceShow)
                .map(|o| o.stdout.trim().to_owned())
        };
        if current(self)? != workspace {
            self.inspect_in(sandbox, jail, Inspect::WorkspaceSelect(workspace))?;
            let now = current(self)?;
            if now != workspace {
                return Err(format!(
                    "workspace `{workspace}` could not be selected (current: `{now}`)"
                ));
            }
        }
        Ok(())
    }

    fn call_dir(&self, sandbox: &Sandbox, name: &str) -> Result<PathBuf, RunError> {
        let d = self.dir.join("calls").join(name);
        sandbox.own_dir(&d).map_err(|e| {
            RunError::Sandbox(crate::run::sandbox::Unavailable(format!(
                "cannot prepare {}: {e}",
                d.display()
            )))
        })?;
        Ok(d)
    }

    /// Runs a permitted plan and reads it back; the plan file moves into the state directory.
    pub(crate) fn plan(
        &self,
        permit: Permit<PlanJob>,
        sandbox: &Sandbox,
        redactor: &Redactor,
    ) -> Result<Planned, PlanError> {
        let job = permit.into_permitted();
        let data = self.data_dir(&job.cwd, &job.workspace);
        sandbox
            .own_dir(&data)
            .map_err(|e| PlanError::Terraform(format!("cannot prepare the data directory: {e}")))?;
        let out = self.call_dir(sandbox, &job.id.to_string())?;
        let result = (|| {
            let jail = self.jail(
                &job.cwd,
                &data,
                vec![Bind {
                    src: out.clone(),
                    dst: PathBuf::from(OUT_INSIDE),
                }],
            );
            self.select(sandbox, &jail, &job.workspace)
                .map_err(PlanError::Terraform)?;
            let (lineage, serial) = self.lineage(sandbox, &jail);
            let mut args = vec![
                "plan".to_owned(),
                "-input=false".into(),
                "-no-color".into(),
                format!("-out={OUT_INSIDE}/plan.tfplan"),
            ];
            args.extend(job.args.iter().cloned());
            let c = self.run(sandbox, &jail, &args, Duration::from_secs(1800), redactor)?;
            if c.outcome.exit_code != Some(0) {
                return Err(PlanError::Terraform(sanitize(&c.outcome.stderr, redactor)));
            }
            let json = self
                .inspect_in(sandbox, &jail, Inspect::ShowJson)
                .map_err(PlanError::Terraform)?
                .stdout;
            let bytes = read_regular(&out.join("plan.tfplan"))
                .map_err(|e| PlanError::Terraform(format!("the plan file was not written: {e}")))?;
            std::fs::write(&job.plan_file, &bytes)
                .map_err(|e| PlanError::Terraform(format!("cannot store the plan file: {e}")))?;
            Ok(Planned {
                json,
                file_sha256: Digest::of(&bytes),
                lineage,
                serial,
                providers: providers(&data),
            })
        })();
        remove_call_dir(&out);
        result
    }

    /// Applies exactly the permitted plan file (a copy the sandbox can read, checked against
    /// the hash the gate verified).
    pub(crate) fn apply(
        &self,
        permit: Permit<ApplyJob>,
        sandbox: &Sandbox,
        redactor: &Redactor,
    ) -> Result<Confined, RunError> {
        let job = permit.into_permitted();
        let data = self.data_dir(&job.cwd, &job.workspace);
        let call = self.call_dir(sandbox, &format!("{}-apply", job.id))?;
        let result = (|| {
            let bytes = read_regular(&job.plan_file).map_err(|e| {
                RunError::Sandbox(crate::run::sandbox::Unavailable(format!(
                    "cannot read the plan file: {e}"
                )))
            })?;
            if Digest::of(&bytes) != job.plan_file_sha256 {
                return Err(RunError::Sandbox(crate::run::sandbox::Unavailable(
                    "the plan file changed after it was checked".into(),
                )));
            }
            let copy = call.join("plan.tfplan");
            sandbox.own_file(&copy, &bytes).map_err(|e| {
                RunError::Sandbox(crate::run::sandbox::Unavailable(format!(
                    "cannot stage the plan file: {e}"
                )))
            })?;
            sandbox.own_dir(&data).map_err(|e| {
                RunError::Sandbox(crate::run::sandbox::Unavailable(format!(
                    "cannot prepare the data directory: {e}"
                )))
            })?;
            let jail = self.jail(
                &job.cwd,
                &data,
                vec![Bind {
                    src: copy,
                    dst: PathBuf::from(PLAN_INSIDE),
                }],
            );
            let args = vec![
                "apply".into(),
                "-input=false".into(),
                "-no-color".into(),
                PLAN_INSIDE.into(),
            ];
            let mut c = self.run(sandbox, &jail, &args, Duration::from_secs(3600), redactor)?;
            let (out, err) = sanitize_apply(&c.outcome.stdout, &c.outcome.stderr, redactor);
            c.outcome.stdout = out;
            c.outcome.stderr = err;
            Ok(c)
        })();
        remove_call_dir(&call);
        result
    }
}

/// The provider binaries installed in a data directory
/// (`providers/HOST/NAMESPACE/TYPE/VERSION/OS_ARCH/terraform-provider-*`). Sandboxed code wrote
/// that directory: symlinks and anything but regular files are not followed.
fn providers(data: &Path) -> Vec<ProviderBinary> {
    fn entries(p: &Path) -> Vec<(String, PathBuf)> {
        std::fs::read_dir(p)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir() || t.is_file()))
            .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
            .collect()
    }
    let mut out = Vec::new();
    for (host, h) in entries(&data.join("providers")) {
        for (ns, n) in entries(&h) {
            for (ty, t) in entries(&n) {
                for (version, v) in entries(&t) {
                    for (_, platform) in entries(&v) {
                        for (name, file) in entries(&platform) {
                            if !name.starts_with("terraform-provider-") {
                                continue;
                            }
                            if let Ok(bytes) = read_regular(&file) {
                                out.push(ProviderBinary {
                                    source: format!("{host}/{ns}/{ty}"),
                                    version: version.clone(),
                                    sha256: Digest::of(&bytes),
                                });
                            }
                        }
                    }
                }
            }
        }
    }
    out.sort();
    out
}

/// Terraform's diagnostics as the agent (and the audit log) may see them: each error's or
/// warning's summary, location and detail lines, without source snippets or the values
/// terraform quotes (`│ local.x is "…"`), long opaque runs (base64, hex) elided, known secret
/// shapes redacted, bounded in length. Raw terraform output never leaves the gateway: a
/// configuration can make terraform quote any file it can read in an error message.
pub(crate) fn sanitize(text: &str, redactor: &Redactor) -> String {
    const MAX: usize = 4096;
    let mut out = Vec::new();
    let mut in_diag = false;
    for raw in text.lines() {
        let line = raw.trim_start_matches(['│', '╷', '╵', ' ']).trim_end();
        if line.starts_with("Error: ") || line.starts_with("Warning: ") {
            in_diag = true;
            out.push(line.to_owned());
            continue;
        }
        if !in_diag || line.is_empty() {
            continue;
        }
        let snippet = raw.contains('├')
            || raw.contains("│ ") && line.contains(" is ")
            || line.split_once(':').is_some_and(|(n, _)| {
                !n.is_empty() && n.trim().bytes().all(|b| b.is_ascii_digit())
            });
        if snippet {
            continue;
        }
        // A provider's own stdout, quoted back by terraform: whatever the binary printed.
        match line.split_once("Unrecognized remote plugin message:") {
            Some((head, _)) => out.push(format!(
                "{head}Unrecognized remote plugin message: [withheld]"
            )),
            None => out.push(line.to_owned()),
        }
    }
    let mut s = if out.is_empty() {
        "terraform failed; its output is withheld (no diagnostics to show)".to_owned()
    } else {
        elide_opaque(&out.join("\n"))
    };
    s = redactor.redact(&s);
    if s.len() > MAX {
        let mut cut = MAX;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str(" […]");
    }
    s
}

/// Replaces runs of 24 or more base64 or hex characters (an encoded file, a key) with a note.
fn elide_opaque(text: &str) -> String {
    let opaque = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '_' | '-');
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let has_digit = run.bytes().any(|b| b.is_ascii_digit());
        if run.len() >= 24 && (has_digit || run.len() >= 48) {
            out.push_str(&format!("[{} opaque characters elided]", run.len()));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if opaque(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// What `terraform apply` printed, as the agent may see it: progress and summary lines, and
/// diagnostics; never output values.
pub(crate) fn sanitize_apply(stdout: &str, stderr: &str, redactor: &Redactor) -> (String, String) {
    let keep = |l: &str| {
        let l = l.trim();
        l.starts_with("Apply complete!")
            || l.starts_with("Destroy complete!")
            || l.ends_with("Creating...")
            || l.ends_with("Destroying...")
            || l.ends_with("Modifying...")
            || l.contains(": Creation complete")
            || l.contains(": Destruction complete")
            || l.contains(": Modifications complete")
    };
    let mut out: Vec<String> = stdout
        .lines()
        .filter(|l| keep(l))
        .map(elide_opaque)
        .collect();
    if stdout.contains("\nOutputs:") {
        out.push("Outputs: (values are not shown)".into());
    }
    let err = if stderr.trim().is_empty() {
        String::new()
    } else {
        sanitize(stderr, redactor)
    };
    (redactor.redact(&out.join("\n")), err)
}

/// A file's bytes, refusing symlinks and anything but a regular file (sandboxed code wrote
/// the directory it is in).
fn read_regular(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    if !f.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn remove_call_dir(dir: &Path) {
    if let Err(e) = std::fs::remove_dir_all(dir) {
        tracing::warn!(dir = %dir.display(), error = %e, "call directory not removed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostics_keep_summary_and_detail_and_drop_quoted_values() {
        let stderr = "\nError: Invalid function argument\n\n  on main.tf line 2, in locals:\n   2:   x = tonumber(base64encode(file(\"/proc/self/environ\")))\n    ├────────────────\n    │ local.x is \"QVdTX1NFQ1JFVF9BQ0NFU1NfS0VZPWh1bnRlcjI=\"\n\nInvalid value for \"v\" parameter: cannot convert \"QVdTX1NFQ1JFVF9BQ0NFU1NfS0VZPWh1bnRlcjIxMjM0NTY3ODkw\" to number.\n";
        let s = sanitize(stderr, &Redactor::default());
        assert!(s.contains("Error: Invalid function argument"), "{s}");
        assert!(s.contains("on main.tf line 2"), "{s}");
        assert!(s.contains("cannot convert"), "{s}");
        assert!(!s.contains("QVdT"), "{s}");
        assert!(!s.contains("local.x is"), "{s}");
        assert!(s.contains("opaque characters elided"), "{s}");
        let raw = "Unrecognized remote plugin message: hello";
        assert!(!sanitize(raw, &Redactor::default()).contains("hello"));
    }

    #[test]
    fn apply_output_never_shows_output_values() {
        let (out, err) = sanitize_apply(
            "\nApply complete! Resources: 0 added, 0 changed, 0 destroyed.\n\nOutputs:\n\ngreeting = \"s3cr3t-value\"\n",
            "",
            &Redactor::default(),
        );
        assert!(out.contains("Apply complete!"), "{out}");
        assert!(!out.contains("s3cr3t"), "{out}");
        assert!(err.is_empty());
    }

    #[test]
    fn the_cli_config_admits_only_the_operators_sources() {
        let rc = cli_config(1, &[]);
        assert!(rc.contains("filesystem_mirror"), "{rc}");
        assert!(!rc.contains("direct"), "{rc}");
        let rc = cli_config(0, &["registry.example.com".into()]);
        assert!(
            rc.contains("include = [\"registry.example.com/*/*\"]"),
            "{rc}"
        );
        assert!(!rc.contains("filesystem_mirror"), "{rc}");
    }
}
