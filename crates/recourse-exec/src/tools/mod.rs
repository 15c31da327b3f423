//! Per-tool preparers: steps 1–3 (normalize, assess, decide) for each tool. A preparer takes
//! the call's arguments and the facts the gate gathered, and returns a [`Prepared`] job with its
//! verdict and approval binding, or a [`Refusal`]. It never runs anything, writes the log or
//! touches the store: the gate does that, once, for every tool.

pub(crate) mod git_config;
pub(crate) mod kubectl;
pub(crate) mod lookups;
pub(crate) mod scripts;
pub(crate) mod shell;
pub(crate) mod terraform;
pub(crate) mod terraform_config;

use std::path::{Path, PathBuf};

use recourse_plan::{ApprovalId, PlanId, RequestBinding, request_digest};
use recourse_policy::{Digest, Environment, Policy, Verdict};
use recourse_shell::Classifier;
use serde_json::{Map, Value};

use crate::call::{Caller, ToolSpec};
use crate::config::GatewayConfig;
use crate::refusal::Refusal;
use crate::response::Response;
use crate::run::terraform::{ApplyJob, PlanJob};
use crate::run::{KubectlJob, ShellJob};
use crate::state::record::AuditEvent;

/// The file system facts preparers need (resolving and reading paths the agent names), behind
/// a trait so that preparers stay testable without a disk.
pub(crate) trait Files {
    /// The canonical absolute path.
    fn canonicalize(&self, path: &Path) -> std::io::Result<PathBuf>;
    /// Whether it is a directory.
    fn is_dir(&self, path: &Path) -> bool;
    /// A file's text.
    fn read_to_string(&self, path: &Path) -> std::io::Result<String>;
    /// The names of a directory's regular files (not following symlinks).
    fn list_files(&self, path: &Path) -> std::io::Result<Vec<String>>;
}

/// The real file system.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Disk;

impl Files for Disk {
    fn canonicalize(&self, path: &Path) -> std::io::Result<PathBuf> {
        path.canonicalize()
    }
    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }
    fn read_to_string(&self, path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }
    fn list_files(&self, path: &Path) -> std::io::Result<Vec<String>> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(path)? {
            let e = e?;
            if e.file_type()?.is_file() {
                out.push(e.file_name().to_string_lossy().into_owned());
            }
        }
        out.sort();
        Ok(out)
    }
}

/// What every preparer may read.
pub(crate) struct ToolCtx<'a> {
    pub(crate) cfg: &'a GatewayConfig,
    pub(crate) policy_hash: Digest,
    pub(crate) classifier: &'a Classifier,
    /// The policy's allowed paths, canonical.
    pub(crate) allowed: &'a [PathBuf],
    /// What sandboxed code may never see.
    pub(crate) deny: &'a [PathBuf],
    /// Whether kubectl is configured (a kubeconfig was given).
    pub(crate) kubectl: bool,
    /// The providers the operator's plugin directories hold.
    pub(crate) providers: &'a [recourse_plan::AvailableProvider],
    /// The approvers file as read for this call.
    pub(crate) approvers: std::sync::Arc<recourse_plan::Approvers>,
    pub(crate) files: &'a dyn Files,
    /// Who asks: every request digest is bound to it, so an approval requested by one principal
    /// cannot be used by another.
    pub(crate) requester: &'a Caller,
}

impl ToolCtx<'_> {
    pub(crate) fn env(&self) -> Environment {
        self.cfg.environment
    }
    pub(crate) fn policy(&self) -> &Policy {
        &self.cfg.policy
    }

    /// What approvals are checked against here and now.
    pub(crate) fn trust(&self) -> recourse_plan::Trust<'_> {
        recourse_plan::Trust {
            approvers: &self.approvers,
            rules: &self.policy().environment(self.env()).approvals,
            use_ttl_seconds: self.policy().approval_use_ttl_seconds.get(),
        }
    }

    /// A path the agent named, resolved against the first allowed path and canonicalized;
    /// `None` if it lies outside every allowed path.
    pub(crate) fn resolve(&self, path: &str) -> std::io::Result<(PathBuf, bool)> {
        let p = Path::new(path);
        let p = if p.is_absolute() {
            p.to_owned()
        } else {
            self.allowed.first().cloned().unwrap_or_default().join(p)
        };
        let canon = self.files.canonicalize(&p)?;
        let inside = self.allowed.iter().any(|a| canon.starts_with(a));
        Ok((canon, inside))
    }
}

/// What an approval of this call is bound to (DESIGN §8: the request digest).
#[derive(Debug, Clone)]
pub(crate) struct Binding {
    /// The tool an approval is for.
    pub(crate) tool: &'static str,
    /// Normalized arguments, without `approval_id`.
    pub(crate) arguments: Value,
    pub(crate) workspace: Option<String>,
    pub(crate) plan_digest: Option<Digest>,
    pub(crate) plan_id: Option<PlanId>,
    /// A digest made elsewhere (applying a plan: `recourse_plan::apply_binding`).
    pub(crate) fixed: Option<Digest>,
}

impl Binding {
    pub(crate) fn new(tool: &'static str, arguments: Value) -> Binding {
        Binding {
            tool,
            arguments,
            workspace: None,
            plan_digest: None,
            plan_id: None,
            fixed: None,
        }
    }

    /// The request digest an approval of this call is bound to: what runs, where, under which
    /// policy, and for whom (the requester's id and, over HTTP, its token's issuer: two
    /// principals making the same call get different digests, so neither can use the other's
    /// approval).
    pub(crate) fn digest(
        &self,
        environment: Environment,
        policy_hash: Digest,
        requester: &Caller,
    ) -> Digest {
        if let Some(d) = self.fixed {
            return d;
        }
        request_digest(RequestBinding {
            requester: &requester.agent_id,
            requester_issuer: requester.issuer.as_deref(),
            tool: self.tool,
            arguments: &self.arguments,
            environment,
            workspace: self.workspace.as_deref(),
            plan_digest: self.plan_digest,
            policy_hash,
        })
    }
}

/// The job a permit will allow.
#[derive(Debug)]
pub(crate) enum Job {
    Shell(Box<ShellJob>),
    Kubectl(KubectlJob),
    Plan(PlanJob),
    Apply(ApplyJob),
}

/// A decided call, ready for steps 4–9.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub(crate) spec: &'static ToolSpec,
    pub(crate) binding: Binding,
    pub(crate) verdict: Verdict,
    /// The approval the agent presented.
    pub(crate) approval: Option<ApprovalId>,
    pub(crate) job: Job,
    /// Returned to the agent with the result (e.g. the shell command's parsed parts).
    pub(crate) data: Option<Value>,
    /// Recorded with the "decided" event besides the generic fields.
    pub(crate) audit: Map<String, Value>,
    /// What the approver sees besides the arguments, should the call escalate.
    pub(crate) summary: Option<Value>,
}

/// A call that runs nothing: the answer and its record.
#[derive(Debug)]
pub(crate) struct Answered {
    pub(crate) response: Response,
    pub(crate) event: AuditEvent,
}

/// What steps 1–3 produced.
#[derive(Debug)]
pub(crate) enum Step {
    Decided(Prepared),
    Answered(Answered),
}

/// Parses an id the agent sent.
pub(crate) fn parse_id<T: std::str::FromStr<Err = recourse_plan::InvalidId>>(
    s: &str,
) -> Result<T, Refusal> {
    s.trim()
        .parse::<T>()
        .map_err(|e| Refusal::InvalidInput(e.to_string()))
}

/// Parses an optional presented approval id.
pub(crate) fn presented(approval_id: Option<&str>) -> Result<Option<ApprovalId>, Refusal> {
    approval_id.map(parse_id::<ApprovalId>).transpose()
}

#[cfg(test)]
pub(crate) mod tests_support {
    //! A preparer context with no disk behind it: paths resolve to themselves.
    use std::path::{Path, PathBuf};

    use recourse_policy::{Environment, Policy};
    use recourse_shell::Classifier;

    use super::{Files, ToolCtx};
    use crate::call::Caller;
    use crate::config::GatewayConfig;
    use crate::run::sandbox::Helper;

    struct NoDisk;

    impl Files for NoDisk {
        fn canonicalize(&self, path: &Path) -> std::io::Result<PathBuf> {
            Ok(path.to_owned())
        }
        fn is_dir(&self, _: &Path) -> bool {
            true
        }
        fn read_to_string(&self, path: &Path) -> std::io::Result<String> {
            Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                path.display().to_string(),
            ))
        }
        fn list_files(&self, _: &Path) -> std::io::Result<Vec<String>> {
            Ok(Vec::new())
        }
    }

    pub(crate) struct Fixture {
        pub(crate) caller: Caller,
        cfg: GatewayConfig,
        classifier: Classifier,
        allowed: Vec<PathBuf>,
        approvers: recourse_plan::Approvers,
    }

    impl Fixture {
        pub(crate) fn new(env: Environment) -> Fixture {
            let policy = Policy::default();
            let classifier = Classifier::new(&policy.shell).unwrap();
            let mut cfg = GatewayConfig::new(
                PathBuf::from("/var/lib/recourse"),
                env,
                policy,
                Helper {
                    program: PathBuf::from("/usr/bin/recourse-sandbox"),
                    prefix: vec![],
                },
            );
            cfg.kubeconfig = Some(PathBuf::from("/etc/kube/config"));
            cfg.base_env = vec![];
            Fixture {
                caller: Caller::agent("agent-7"),
                cfg,
                classifier,
                allowed: vec![PathBuf::from("/work")],
                approvers: recourse_plan::Approvers::default(),
            }
        }

        pub(crate) fn ctx(&self) -> ToolCtx<'_> {
            ToolCtx {
                cfg: &self.cfg,
                policy_hash: self.cfg.policy.hash(),
                classifier: &self.classifier,
                allowed: &self.allowed,
                deny: &[],
                kubectl: true,
                providers: &[],
                approvers: std::sync::Arc::new(self.approvers.clone()),
                files: &NoDisk,
                requester: &self.caller,
            }
        }
    }
}
