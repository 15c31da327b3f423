//! Running terraform: the permitted plan and apply jobs, and the closed list of inspections
//! ([`Inspect`]) the gate may run without a permit to assess a call (which workspace is
//! selected, the state's lineage and serial, the JSON of a stored plan). Inspections have no
//! infrastructure effect and are never returned verbatim to the agent.

use std::path::{Path, PathBuf};
use std::time::Duration;

use recourse_policy::Digest;
use serde_json::Value;

use crate::config::GatewayConfig;
use crate::gate::permit::Permit;
use crate::redact::Redactor;
use crate::run::env;
use crate::run::process::{self, Outcome, SpawnError, Spec};

/// A permitted `terraform plan`: select the workspace, plan into `plan_file`, read it back.
#[derive(Debug)]
pub(crate) struct PlanJob {
    pub(crate) id: recourse_plan::PlanId,
    pub(crate) cwd: PathBuf,
    pub(crate) workspace: String,
    pub(crate) args: Vec<String>,
    pub(crate) plan_file: PathBuf,
}

/// A permitted `terraform apply` of exactly one stored plan file.
#[derive(Debug)]
pub(crate) struct ApplyJob {
    pub(crate) cwd: PathBuf,
    pub(crate) plan_file: PathBuf,
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
}

/// The inspections the gate may run without a permit.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Inspect<'a> {
    /// `terraform init` (only when the directory was never initialized).
    Init,
    /// `terraform workspace show`.
    WorkspaceShow,
    /// `terraform workspace select NAME`.
    WorkspaceSelect(&'a str),
    /// `terraform state pull`.
    StatePull,
    /// `terraform show -json FILE`.
    ShowJson(&'a Path),
}

/// terraform as this gateway runs it.
#[derive(Debug, Clone)]
pub(crate) struct Terraform {
    bin: PathBuf,
    init_args: Vec<String>,
    env: Vec<(String, String)>,
}

impl Terraform {
    pub(crate) fn new(cfg: &GatewayConfig, home: &Path) -> Terraform {
        Terraform {
            bin: cfg.terraform_bin.clone(),
            init_args: cfg.terraform_init_args.clone(),
            env: env::terraform(cfg, home),
        }
    }

    fn spec(&self, cwd: &Path, args: Vec<String>, timeout: Duration) -> Spec {
        Spec {
            program: self.bin.clone(),
            args,
            env: self.env.clone(),
            cwd: cwd.to_owned(),
            stdin: None,
            timeout,
            max_output: 16 << 20,
        }
    }

    /// Runs one inspection; its output is parsed by the gate, never returned verbatim, so it
    /// is not redacted (redaction would corrupt the JSON).
    pub(crate) fn inspect(&self, cwd: &Path, what: Inspect<'_>) -> Result<Outcome, String> {
        let mut args: Vec<String> = match what {
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
            Inspect::ShowJson(file) => {
                vec!["show".into(), "-json".into(), file.display().to_string()]
            }
        };
        if matches!(what, Inspect::Init) {
            args.extend(self.init_args.iter().cloned());
        }
        let spec = self.spec(cwd, args.clone(), Duration::from_secs(300));
        let out = process::run(&spec, &Redactor::passthrough()).map_err(|e| e.to_string())?;
        if out.exit_code == Some(0) {
            Ok(out)
        } else {
            Err(format!(
                "terraform {} failed: {}",
                args.join(" "),
                out.stderr.trim()
            ))
        }
    }

    /// The selected workspace (empty if it cannot be read).
    pub(crate) fn current_workspace(&self, cwd: &Path) -> String {
        self.inspect(cwd, Inspect::WorkspaceShow)
            .map(|o| o.stdout.trim().to_owned())
            .unwrap_or_default()
    }

    /// The state's lineage and serial (`None` when there is no state yet).
    pub(crate) fn lineage(&self, cwd: &Path) -> (Option<String>, Option<u64>) {
        let Ok(out) = self.inspect(cwd, Inspect::StatePull) else {
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

    /// Selects and verifies the workspace; initializes the directory if it never was.
    fn select(&self, cwd: &Path, workspace: &str) -> Result<(), String> {
        if !cwd.join(".terraform").exists() {
            self.inspect(cwd, Inspect::Init)?;
        }
        if self.current_workspace(cwd) != workspace {
            self.inspect(cwd, Inspect::WorkspaceSelect(workspace))?;
            let now = self.current_workspace(cwd);
            if now != workspace {
                return Err(format!(
                    "workspace `{workspace}` could not be selected (current: `{now}`)"
                ));
            }
        }
        Ok(())
    }

    /// Runs a permitted plan and reads it back.
    pub(crate) fn plan(
        &self,
        permit: Permit<PlanJob>,
        redactor: &Redactor,
    ) -> Result<Planned, String> {
        let job = permit.into_permitted();
        self.select(&job.cwd, &job.workspace)?;
        let (lineage, serial) = self.lineage(&job.cwd);
        let mut args = vec![
            "plan".to_owned(),
            "-input=false".into(),
            "-no-color".into(),
            format!("-out={}", job.plan_file.display()),
        ];
        args.extend(job.args.iter().cloned());
        let spec = self.spec(&job.cwd, args, Duration::from_secs(1800));
        let out = process::run(&spec, redactor).map_err(|e| e.to_string())?;
        if out.exit_code != Some(0) {
            return Err(out.stderr.trim().to_owned());
        }
        let json = self
            .inspect(&job.cwd, Inspect::ShowJson(&job.plan_file))?
            .stdout;
        let file_sha256 = std::fs::read(&job.plan_file)
            .map(|b| Digest::of(&b))
            .map_err(|_| "the plan file was not written".to_owned())?;
        Ok(Planned {
            json,
            file_sha256,
            lineage,
            serial,
        })
    }

    /// Applies exactly the permitted plan file.
    pub(crate) fn apply(
        &self,
        permit: Permit<ApplyJob>,
        redactor: &Redactor,
    ) -> Result<Outcome, SpawnError> {
        let job = permit.into_permitted();
        let args = vec![
            "apply".into(),
            "-input=false".into(),
            "-no-color".into(),
            job.plan_file.display().to_string(),
        ];
        process::run(
            &self.spec(&job.cwd, args, Duration::from_secs(3600)),
            redactor,
        )
    }
}
