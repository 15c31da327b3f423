//! `recourse shell check`.

use std::io::{BufRead, Write};

use clap::{Args, Subcommand};
use recourse_policy::{Environment, Policy};
use recourse_shell::{Assessment, Classifier, escape_for_display};
use serde_json::json;

use crate::args::{PolicyFileArg, load_policy};
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum ShellCommand {
    /// Decide a shell command (allow, warn, escalate, block) with reasons and its parsed parts.
    Check(CheckArgs),
}

pub fn run(cmd: ShellCommand) -> Result<(), CliError> {
    match cmd {
        ShellCommand::Check(args) => check(args),
    }
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Environment whose policy applies: dev, staging or prod.
    #[arg(short, long, value_name = "ENV", default_value = "prod")]
    env: Environment,
    #[command(flatten)]
    file: PolicyFileArg,
    /// Print one JSON object instead of text.
    #[arg(long, conflicts_with = "jsonl")]
    json: bool,
    /// Batch mode: read one JSON string per line on stdin (so commands may contain newlines),
    /// write one JSON object per line with `command`, `decision`, `reasons`, `class`, `parts`.
    #[arg(long, conflicts_with = "command")]
    jsonl: bool,
    /// The command to classify, as one argument (quote it).
    #[arg(value_name = "COMMAND", required_unless_present = "jsonl")]
    command: Option<String>,
}

fn result_json(cmd: &str, a: &Assessment, policy: &Policy, env: Environment) -> serde_json::Value {
    let v = a.verdict(policy, env);
    json!({
        "command": cmd,
        "environment": env,
        "decision": v.decision(),
        "class": a.facts.class,
        "reasons": v.reasons(),
        "parts": a.parts,
    })
}

fn check(args: CheckArgs) -> Result<(), CliError> {
    let policy = load_policy(args.file.policy.as_deref())?;
    let classifier = Classifier::new(&policy.shell).map_err(|e| CliError::Pattern {
        source_name: args
            .file
            .policy
            .as_deref()
            .map_or_else(|| "built-in default".into(), |p| p.display().to_string()),
        source: e,
    })?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.jsonl {
        let stdin = std::io::stdin().lock();
        let mut bad_lines = 0usize;
        for (n, line) in stdin.lines().enumerate() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<String>(&line) {
                Ok(cmd) => {
                    let a = classifier.classify(&cmd);
                    serde_json::to_writer(&mut out, &result_json(&cmd, &a, &policy, args.env))
                        .map_err(std::io::Error::other)?;
                }
                Err(e) => {
                    bad_lines += 1;
                    let obj = json!({
                        "line": n + 1,
                        "error": format!("line {} is not a JSON string: {e}", n + 1),
                    });
                    serde_json::to_writer(&mut out, &obj).map_err(std::io::Error::other)?;
                }
            }
            out.write_all(b"\n")?;
        }
        out.flush()?;
        if bad_lines > 0 {
            return Err(CliError::BadInput(format!(
                "{bad_lines} input line(s) were not JSON strings"
            )));
        }
        return Ok(());
    }
    let cmd = args.command.unwrap_or_default();
    let a = classifier.classify(&cmd);
    if args.json {
        let text = serde_json::to_string_pretty(&result_json(&cmd, &a, &policy, args.env))
            .map_err(std::io::Error::other)?;
        writeln!(out, "{text}")?;
    } else {
        let v = a.verdict(&policy, args.env);
        writeln!(out, "{} ({})", v.decision(), args.env)?;
        writeln!(out, "command: {}", escape_for_display(&cmd))?;
        writeln!(out, "reasons:")?;
        for r in v.reasons() {
            writeln!(
                out,
                "  {:<8} {}  [{}]",
                r.decision,
                escape_for_display(&r.message),
                r.rule
            )?;
        }
        writeln!(out, "parts:")?;
        for p in &a.parts {
            let argv: Vec<String> = p.argv.iter().map(|s| escape_for_display(s)).collect();
            writeln!(
                out,
                "  {}{:<10} {}",
                "  ".repeat(p.depth),
                format!("{:?}", p.class).to_lowercase(),
                argv.join(" ")
            )?;
        }
    }
    out.flush()?;
    Ok(())
}
