//! Test support: locating the real tools `scripts/install-test-tools` installs, and Terraform
//! working directories that plan offline with the real AWS provider.
//!
//! Tests that need a tool call [`tool`]. When the tool is missing they skip with a message on
//! stderr — unless `RECOURSE_REQUIRE_TOOLS` is set (the project's test command sets it), in
//! which case they fail: through the test command a missing tool is never a silent skip.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod http;
pub mod jwt;
pub mod postgres;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A TCP port on loopback that was free a moment ago (for a server a test starts).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(54329)
}

/// The directory the installer fills: `RECOURSE_TOOLS_DIR`, else `.tools` at the workspace root.
pub fn tools_dir() -> PathBuf {
    std::env::var_os("RECOURSE_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".tools"))
}

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The shared folder beside the repository (corpus, plan fixtures).
pub fn shared_dir() -> PathBuf {
    workspace_root().join("../shared")
}

/// A tool at `relative` under the tools directory. `None` (with a note) if missing and tools are
/// not required; a panic if they are.
pub fn tool(relative: &str) -> Option<PathBuf> {
    let path = tools_dir().join(relative);
    if path.exists() {
        return Some(path);
    }
    let msg = format!(
        "test tool {} is not installed; run scripts/install-test-tools (or the project's test command, scripts/test)",
        path.display()
    );
    if std::env::var_os("RECOURSE_REQUIRE_TOOLS").is_some() {
        panic!("{msg}");
    }
    eprintln!("SKIPPED: {msg}");
    None
}

/// A program from a Debian package the installer adds (e.g. `/usr/bin/chromium`), with the
/// same rule as [`tool`]: `None` with a note when missing, a panic when tools are required.
pub fn system_program(path: &str) -> Option<PathBuf> {
    let p = PathBuf::from(path);
    if p.exists() {
        return Some(p);
    }
    let msg = format!(
        "{path} is not installed; run scripts/install-test-tools (or the project's test command, scripts/test)"
    );
    if std::env::var_os("RECOURSE_REQUIRE_TOOLS").is_some() {
        panic!("{msg}");
    }
    eprintln!("SKIPPED: {msg}");
    None
}

/// Real Terraform with the offline AWS provider.
#[derive(Debug, Clone)]
pub struct Terraform {
    /// The terraform binary.
    pub bin: PathBuf,
    /// The `-plugin-dir` holding the AWS provider.
    pub plugin_dir: PathBuf,
}

/// Terraform, if installed (see [`tool`] for what happens when it is not).
pub fn terraform() -> Option<Terraform> {
    let bin = tool("bin/terraform")?;
    let plugin_dir = tool("terraform-plugins")?;
    Some(Terraform { bin, plugin_dir })
}

/// Provider configuration that plans offline: fake credentials and every network check off.
pub const AWS_PROVIDER_TF: &str = r#"
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "3.39.0" }
  }
}
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "AKIAIOSFODNN7EXAMPLE"
  secret_key                  = "not-a-real-secret"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  skip_get_ec2_platforms      = true
}
"#;

/// A Terraform working directory in a temporary folder.
#[derive(Debug)]
pub struct TfDir {
    /// The folder (removed on drop).
    pub dir: tempfile::TempDir,
    /// Terraform.
    pub tf: Terraform,
}

impl TfDir {
    /// A folder holding `files` (name, contents).
    pub fn new(tf: &Terraform, files: &[(&str, &str)]) -> TfDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, body) in files {
            std::fs::write(dir.path().join(name), body).unwrap();
        }
        TfDir {
            dir,
            tf: tf.clone(),
        }
    }

    /// The folder's path.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs terraform with `args` in the folder, offline; panics with its output on failure.
    pub fn run(&self, args: &[&str]) -> Output {
        let out = self.run_unchecked(args);
        assert!(
            out.status.success(),
            "terraform {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Runs terraform and returns whatever happened.
    pub fn run_unchecked(&self, args: &[&str]) -> Output {
        Command::new(&self.tf.bin)
            .args(args)
            .current_dir(self.path())
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1")
            .env_remove("TF_CLI_CONFIG_FILE")
            .output()
            .unwrap()
    }

    /// `terraform init` against the offline plugin directory.
    pub fn init(&self) {
        let plugin_dir = format!("-plugin-dir={}", self.tf.plugin_dir.display());
        self.run(&["init", "-input=false", "-no-color", &plugin_dir]);
    }

    /// `terraform plan -refresh=false -out=FILE` then `terraform show -json FILE`: the plan file
    /// path and the JSON text.
    pub fn plan(&self, extra: &[&str]) -> (PathBuf, String) {
        let file = self.path().join("test.tfplan");
        let out_arg = format!("-out={}", file.display());
        let mut args = vec![
            "plan",
            "-input=false",
            "-no-color",
            "-refresh=false",
            out_arg.as_str(),
        ];
        args.extend_from_slice(extra);
        self.run(&args);
        let json = self.show_json(&file);
        (file, json)
    }

    /// `terraform show -json FILE`.
    pub fn show_json(&self, file: &Path) -> String {
        let out = self.run(&["show", "-json", file.to_str().unwrap()]);
        String::from_utf8(out.stdout).unwrap()
    }
}

/// A state file (format 4) holding `resources` (each a JSON object as Terraform writes them).
pub fn state_json(lineage: &str, serial: u64, resources: &[serde_json::Value]) -> String {
    serde_json::json!({
        "version": 4,
        "terraform_version": "1.0.3",
        "serial": serial,
        "lineage": lineage,
        "outputs": {},
        "resources": resources,
    })
    .to_string()
}

/// One AWS resource instance in state.
pub fn aws_resource(
    ty: &str,
    name: &str,
    schema_version: u64,
    attributes: serde_json::Value,
) -> serde_json::Value {
    serde_json::json!({
        "mode": "managed",
        "type": ty,
        "name": name,
        "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
        "instances": [{ "schema_version": schema_version, "attributes": attributes }],
    })
}

/// The uid sandboxed code runs as when the gateway (here: the test) runs as root.
pub const SANDBOX_UID: u32 = 65534;

/// Makes `path` (recursively) writable by sandboxed code: when the tests run as root, the
/// sandbox runs commands as an unprivileged uid, which must own the directories it may write,
/// as an operator would arrange for the gateway's allowed paths.
pub fn give_to_sandbox(path: &Path) {
    use std::os::unix::fs::MetadataExt;
    if std::fs::metadata("/proc/self").map(|m| m.uid()).ok() != Some(0) {
        return;
    }
    fn walk(p: &Path) {
        let _ = std::os::unix::fs::lchown(p, Some(SANDBOX_UID), Some(SANDBOX_UID));
        if p.is_dir() && !p.is_symlink() {
            for e in std::fs::read_dir(p).into_iter().flatten().flatten() {
                walk(&e.path());
            }
        }
    }
    walk(path);
}
