//! `gateway_shell_exec`: resolve the working directory, check the timeout, classify the
//! command, and describe the confined job.

use std::time::Duration;

use recourse_policy::{Decision, NetworkAccess, Reason};
use serde_json::json;

use crate::call::SHELL_EXEC;
use crate::refusal::Refusal;
use crate::run::{SHELL_HOME, ShellJob, env};
use crate::tools::git_config;
use crate::tools::scripts::{self, Script};
use crate::tools::{Binding, Job, Prepared, ToolCtx, presented};

/// Prepares a shell command.
pub(crate) fn exec(
    ctx: &ToolCtx<'_>,
    command: &str,
    cwd: Option<&str>,
    timeout: Option<u64>,
    approval_id: Option<&str>,
) -> Result<Prepared, Refusal> {
    let policy = ctx.policy();
    let cwd = match cwd {
        Some(c) => c.to_owned(),
        None => ctx
            .allowed
            .first()
            .map(|p| p.display().to_string())
            .ok_or_else(|| Refusal::InvalidInput("the policy allows no shell paths".into()))?,
    };
    let (cwd, inside) = ctx
        .resolve(&cwd)
        .map_err(|e| Refusal::InvalidInput(format!("cwd {cwd}: {e}")))?;
    let max = policy.shell.max_timeout_seconds.get();
    let timeout_s = timeout.unwrap_or(max.min(60));
    if timeout_s == 0 || timeout_s > max {
        return Err(Refusal::InvalidInput(format!(
            "timeout must be between 1 and {max} seconds (policy shell.max_timeout_seconds), got {timeout_s}"
        )));
    }
    let approval = presented(approval_id)?;
    let assessment = ctx.classifier.classify(command);
    let mut verdict = assessment.verdict(policy, ctx.env());
    if !inside {
        verdict.push(Reason::new(
            Decision::Block,
            "shell.allowed_paths",
            format!(
                "cwd {} is outside the policy's allowed paths",
                cwd.display()
            ),
        ));
    }
    let mut scripts = scripts::read(&cwd, ctx.allowed, &assessment.scripts)?;
    // A script run directly runs the interpreter its first line names: bound too, or, when
    // it is found relative to a directory known only at run time, named as unbound.
    let interpreters = scripts::interpreters(&cwd, ctx.allowed, &mut scripts)?;
    if !interpreters.is_empty() {
        let named: Vec<String> = interpreters
            .iter()
            .map(|u| format!("`{}` ({})", u.what, u.why))
            .collect();
        verdict.push(Reason::new(
            policy.environment(ctx.env()).shell.max(Decision::Escalate),
            "shell.relative_interpreter",
            format!(
                "a script names its interpreter by a relative path, which cannot be bound: {}",
                named.join("; ")
            ),
        ));
    }
    let unbound: Vec<recourse_shell::Unbound> = assessment
        .unbound
        .iter()
        .cloned()
        .chain(interpreters)
        .collect();
    // Code is never redacted, and a private key is never written to the audit log or shown to
    // approvers: code that carries one is refused (the key belongs in a file the code reads).
    let keyed = std::iter::once(("the command".to_owned(), command.as_bytes()))
        .chain(scripts.iter().filter_map(|s| match s {
            Script::Bound { shown, content, .. } => Some((format!("script {shown}"), &content[..])),
            _ => None,
        }))
        .filter(|(_, text)| crate::redact::holds_private_key(&String::from_utf8_lossy(text)))
        .map(|(what, _)| what)
        .collect::<Vec<_>>();
    if !keyed.is_empty() {
        verdict.push(Reason::new(
            Decision::Block,
            "shell.private_key_in_code",
            format!(
                "{} carries a private key block: it would be hidden from the approver and the audit log, which must see all code; put the key in a file and have the code read it",
                keyed.join(" and ")
            ),
        ));
    }
    // Git runs what the repository's configuration names: read it, bind it, pin it.
    let git = if git_config::runs_git(&assessment.parts) {
        git_config::check(&cwd, &assessment.parts, ctx.allowed)
    } else {
        git_config::Checked::default()
    };
    if !git.findings.is_empty() {
        verdict.push(Reason::new(
            policy.environment(ctx.env()).shell.max(Decision::Warn),
            "shell.git_config_runs_code",
            format!(
                "git reads configuration the agent can write: {}",
                git.findings.join("; ")
            ),
        ));
    }
    let mut arguments = json!({"command": command, "cwd": cwd, "timeout": timeout_s});
    let mut details = serde_json::Map::new();
    if !git.files.is_empty() {
        let bound: Vec<_> = git
            .files
            .iter()
            .map(|f| json!({"path": f.path, "sha256": f.sha256}))
            .collect();
        arguments["git_config"] = json!(bound);
        if !git.findings.is_empty() {
            details.insert(
                "git_config".into(),
                git.files
                    .iter()
                    .map(|f| json!({"path": f.path, "sha256": f.sha256, "content": String::from_utf8_lossy(&f.content)}))
                    .collect(),
            );
        }
    }
    if !scripts.is_empty() {
        arguments["scripts"] = scripts.iter().map(Script::binding).collect();
        details.insert(
            "scripts".into(),
            scripts.iter().map(Script::shown_to_approver).collect(),
        );
    }
    // Code it runs that cannot be bound: named in the digest (an approval covers this list
    // and no other) and shown to the approver as neither shown nor pinned.
    if !unbound.is_empty() {
        let unbound = json!(unbound);
        arguments["unbound"] = unbound.clone();
        details.insert("unbound".into(), unbound);
    }
    let summary = (!details.is_empty()).then_some(serde_json::Value::Object(details));
    // Checked by the sandbox's helper at the last moment: bound scripts still hold their
    // bytes, missing ones are still missing.
    let expect = scripts
        .iter()
        .filter_map(|s| match s {
            Script::Bound { path, sha256, .. } => Some((path.clone(), Some(sha256.to_hex()))),
            Script::Missing { path, .. } => Some((path.clone(), None)),
            Script::Outside { .. } => None,
        })
        .collect();
    let mut expect: Vec<_> = expect;
    expect.extend(
        git.files
            .iter()
            .map(|f| (f.path.clone(), Some(f.sha256.to_hex()))),
    );
    let pinned = scripts
        .into_iter()
        .filter_map(|s| match s {
            Script::Bound { path, content, .. } => Some((path, content)),
            _ => None,
        })
        .chain(git.files.into_iter().map(|f| (f.path, f.content)))
        .collect();
    let job = ShellJob {
        command: command.to_owned(),
        cwd,
        env: env::shell(ctx.cfg, std::path::Path::new(SHELL_HOME)),
        writable: ctx.allowed.to_vec(),
        deny: ctx.deny.to_vec(),
        net: policy.shell.network == NetworkAccess::Allow,
        timeout: Duration::from_secs(timeout_s),
        max_output: usize::try_from(policy.shell.max_output_bytes.get()).unwrap_or(usize::MAX),
        pinned,
        expect,
        pin_dir: crate::state::runners_dir(&ctx.cfg.state_dir).join("pins"),
    };
    Ok(Prepared {
        spec: &SHELL_EXEC,
        binding: Binding::new(SHELL_EXEC.name, arguments),
        verdict,
        approval,
        job: Job::Shell(Box::new(job)),
        data: Some(json!({"parts": assessment.parts})),
        // The command's digest as received: the record names exactly what ran even where
        // redaction changed the text it shows.
        audit: [(
            "command_sha256".to_owned(),
            json!(recourse_policy::Digest::of(command.as_bytes())),
        )]
        .into_iter()
        .collect(),
        summary,
    })
}
