//! `recourse policy …`.

use std::io::Write;
use std::path::Path;

use clap::Subcommand;
use recourse_policy::{Environment, Policy};
use serde_json::json;

use crate::args::{PolicyFileArg, load_policy};
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Check a policy file; exit 0 if it loads, 2 with the offending key and line if not.
    Validate(PolicyFileArg),
    /// Print the effective policy for one environment (the file merged over the defaults).
    Show {
        /// Environment: dev, staging or prod (aliases: development, stage, production).
        #[arg(short, long, value_name = "ENV")]
        env: Environment,
        #[command(flatten)]
        file: PolicyFileArg,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print the JSON Schema of the policy file format (for editor completion).
    Schema,
    /// Print the sha256 of the canonical effective policy (what every audit record carries).
    Hash(PolicyFileArg),
}

fn source_name(path: Option<&Path>) -> String {
    path.map_or_else(
        || "built-in default".to_owned(),
        |p| p.display().to_string(),
    )
}

pub fn run(cmd: PolicyCommand) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match cmd {
        PolicyCommand::Validate(f) => {
            let policy = load_policy(f.policy.as_deref())?;
            writeln!(
                out,
                "ok: {} (policy sha256 {})",
                source_name(f.policy.as_deref()),
                policy.hash()
            )?;
        }
        PolicyCommand::Hash(f) => {
            let policy = load_policy(f.policy.as_deref())?;
            writeln!(out, "{}", policy.hash())?;
        }
        PolicyCommand::Schema => {
            let schema = serde_json::to_string_pretty(&recourse_policy::json_schema())
                .map_err(std::io::Error::other)?;
            writeln!(out, "{schema}")?;
        }
        PolicyCommand::Show { env, file, json } => {
            let path = file.policy.as_deref();
            let policy = load_policy(path)?;
            if json {
                let v = effective_json(&policy, env, &source_name(path));
                let text = serde_json::to_string_pretty(&v).map_err(std::io::Error::other)?;
                writeln!(out, "{text}")?;
            } else {
                write_effective_text(&mut out, &policy, env, &source_name(path))?;
            }
        }
    }
    Ok(())
}

fn effective_json(policy: &Policy, env: Environment, source: &str) -> serde_json::Value {
    json!({
        "environment": env,
        "source": source,
        "policy_sha256": policy.hash(),
        "decisions": policy.environment(env),
        "protected_namespaces": policy.protected_namespaces,
        "protected_workspaces": policy.protected_workspaces,
        "shell": policy.shell,
        "plan_ttl_seconds": policy.plan_ttl_seconds,
        "approval_ttl_seconds": policy.approval_ttl_seconds,
    })
}

fn write_effective_text(
    out: &mut impl Write,
    policy: &Policy,
    env: Environment,
    source: &str,
) -> std::io::Result<()> {
    let e = policy.environment(env);
    let s = &policy.shell;
    let join = |v: &[String]| v.join(", ");
    writeln!(out, "environment:   {env}")?;
    writeln!(out, "policy:        {source}")?;
    writeln!(out, "policy sha256: {}", policy.hash())?;
    writeln!(out)?;
    writeln!(out, "decisions")?;
    writeln!(out, "  default_mutation   {}", e.default_mutation)?;
    writeln!(out, "  terraform_destroy  {}", e.terraform_destroy)?;
    writeln!(out, "  kubectl_exec       {}", e.kubectl_exec)?;
    writeln!(out, "  kubectl_delete     {}", e.kubectl_delete)?;
    writeln!(out, "  shell              {}", e.shell)?;
    writeln!(out)?;
    let ns: Vec<String> = policy
        .protected_namespaces
        .iter()
        .map(|n| n.to_string())
        .collect();
    writeln!(out, "protected namespaces: {}", join(&ns))?;
    writeln!(
        out,
        "protected workspaces: {}",
        join(&policy.protected_workspaces)
    )?;
    writeln!(out, "plan TTL:             {} s", policy.plan_ttl_seconds)?;
    writeln!(
        out,
        "approval TTL:         {} s",
        policy.approval_ttl_seconds
    )?;
    writeln!(out)?;
    writeln!(out, "shell")?;
    writeln!(out, "  default (unknown commands): {}", s.default)?;
    writeln!(out, "  allow_readonly:  {}", join(&s.allow_readonly))?;
    writeln!(out, "  always_escalate: {}", join(&s.always_escalate))?;
    writeln!(out, "  always_block:    {}", join(&s.always_block))?;
    writeln!(out, "  max_timeout_seconds: {}", s.max_timeout_seconds)?;
    writeln!(out, "  max_output_bytes:    {}", s.max_output_bytes)?;
    writeln!(out, "  redact_secrets:      {}", s.redact_secrets)?;
    writeln!(out, "  allowed_paths:       {}", join(&s.allowed_paths))?;
    writeln!(
        out,
        "  network:             {}",
        match s.network {
            recourse_policy::NetworkAccess::Allow => "allow",
            recourse_policy::NetworkAccess::Deny => "deny",
        }
    )?;
    Ok(())
}
