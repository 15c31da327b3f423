//! `recourse approvers keygen|add|list` and `recourse setup`: who may decide. An approver's
//! secret key lives in that person's own configuration directory (0600); the approvers file,
//! which registers public keys, lives outside the gateway's state directory. The gate honours a
//! decision only with a valid signature from a registration in that file.

use std::io::Write;
use std::path::Path;

use clap::{Args, Subcommand};
use recourse_plan::{PublicKey, Registration};

use crate::args::{ApproversArg, AuditKeyArg, KeyArg, config_dir, os_user};
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum ApproversCommand {
    /// Create your approver key (0600, in your own configuration directory) and print its
    /// public key, to register with `recourse approvers add`.
    Keygen {
        #[command(flatten)]
        key: KeyArg,
    },
    /// Register an approver's public key in the approvers file.
    Add {
        /// The approver's name (as decisions and the policy's `approvers:` name them).
        name: String,
        /// Their public key (`ed25519:…`, printed by `recourse approvers keygen`).
        #[arg(long, value_name = "KEY")]
        public_key: String,
        /// A group (repeatable), for the policy's `group:NAME`.
        #[arg(long = "group", value_name = "GROUP")]
        groups: Vec<String>,
        /// May sign on behalf of logged-in approvers (the web control plane's key only).
        #[arg(long)]
        on_behalf: bool,
        #[command(flatten)]
        approvers: ApproversArg,
    },
    /// List the registered approvers.
    List {
        #[command(flatten)]
        approvers: ApproversArg,
    },
    /// Print a single-use login link to the web control plane for a registered approver
    /// (valid for minutes; for teams without an identity provider).
    LoginLink(crate::cmd::control::LoginLinkArgs),
}

/// `recourse setup`: a single-operator setup in one command.
#[derive(Debug, Args)]
pub struct SetupArgs {
    /// Your approver name (default: the OS user).
    #[arg(long)]
    name: Option<String>,
    #[command(flatten)]
    key: KeyArg,
    #[command(flatten)]
    approvers: ApproversArg,
    #[command(flatten)]
    audit_key: AuditKeyArg,
}

fn trust_err(e: recourse_exec::trust::TrustError) -> CliError {
    CliError::Config(e.to_string())
}

/// Creates a key file unless it exists; returns its public key and whether it was created.
fn ensure_key(path: &Path) -> Result<(PublicKey, bool), CliError> {
    if path.exists() {
        let k = recourse_exec::trust::read_secret_key(path).map_err(trust_err)?;
        return Ok((k.public(), false));
    }
    let k = recourse_exec::trust::generate_key().map_err(|e| CliError::Config(e.to_string()))?;
    recourse_exec::trust::write_new_secret_key(path, &k).map_err(trust_err)?;
    Ok((k.public(), true))
}

pub fn run(cmd: ApproversCommand) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match cmd {
        ApproversCommand::Keygen { key } => {
            let path = key.resolve();
            if path.exists() {
                return Err(CliError::Config(format!(
                    "{} exists; a key is never overwritten",
                    path.display()
                )));
            }
            let (pk, _) = ensure_key(&path)?;
            writeln!(out, "{pk}")?;
            eprintln!(
                "wrote {} (0600). Register it: recourse approvers add NAME --public-key {pk}",
                path.display()
            );
        }
        ApproversCommand::Add {
            name,
            public_key,
            groups,
            on_behalf,
            approvers,
        } => {
            let path = approvers.resolve();
            recourse_exec::trust::add_approver(
                &path,
                Registration {
                    name: name.clone(),
                    public_key: public_key.parse::<PublicKey>().map_err(|e| {
                        CliError::Config(format!("--public-key {public_key:?}: {e}"))
                    })?,
                    groups,
                    on_behalf,
                },
            )
            .map_err(trust_err)?;
            writeln!(out, "registered {name} in {}", path.display())?;
        }
        ApproversCommand::LoginLink(args) => crate::cmd::control::login_link(args)?,
        ApproversCommand::List { approvers } => {
            let path = approvers.resolve();
            let list = recourse_exec::trust::load_approvers(Some(&path)).map_err(trust_err)?;
            if list.approvers.is_empty() {
                writeln!(out, "no approvers registered in {}", path.display())?;
            }
            for r in &list.approvers {
                writeln!(
                    out,
                    "{:<16} {}  groups: {}{}",
                    r.name,
                    r.public_key,
                    if r.groups.is_empty() {
                        "-".to_owned()
                    } else {
                        r.groups.join(",")
                    },
                    if r.on_behalf {
                        "  (signs on behalf)"
                    } else {
                        ""
                    }
                )?;
            }
        }
    }
    Ok(())
}

/// One command for a single operator: your approver key, its registration, and the gateway's
/// audit key. Idempotent.
pub fn setup(args: SetupArgs) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    let name = args.name.unwrap_or_else(os_user);
    let key_path = args.key.resolve();
    let (pk, made) = ensure_key(&key_path)?;
    writeln!(
        out,
        "approver key   {} ({})",
        key_path.display(),
        if made { "created" } else { "kept" }
    )?;
    let approvers = args.approvers.resolve();
    let registered = recourse_exec::trust::load_approvers(Some(&approvers))
        .map_err(trust_err)?
        .by_key(&pk)
        .map(|r| r.name.clone());
    match registered {
        Some(n) => writeln!(
            out,
            "approvers file {} (already registers {n})",
            approvers.display()
        )?,
        None => {
            recourse_exec::trust::add_approver(
                &approvers,
                Registration {
                    name: name.clone(),
                    public_key: pk,
                    groups: Vec::new(),
                    on_behalf: false,
                },
            )
            .map_err(trust_err)?;
            writeln!(
                out,
                "approvers file {} (registered {name})",
                approvers.display()
            )?;
        }
    }
    let audit = args
        .audit_key
        .audit_key
        .clone()
        .unwrap_or_else(|| config_dir().join("audit.key"));
    let (apk, made) = ensure_key(&audit)?;
    writeln!(
        out,
        "audit key      {} ({}); verify with: recourse audit verify --public-key {apk}",
        audit.display(),
        if made { "created" } else { "kept" }
    )?;
    Ok(())
}
