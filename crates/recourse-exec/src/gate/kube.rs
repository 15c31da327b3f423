//! What the gate asks the cluster on its own behalf, through kubectl's closed list of
//! inspections (`run::kubeconfig::KubeInspect`): discovery for the kubectl preparers, and the
//! gateway's own permissions for `doctor`.

use std::sync::Arc;

use super::Gateway;
use crate::run::kubeconfig::KubeInspect;
use crate::tools::kubectl::Discovery;
use crate::tools::kubectl::discovery::ApiResources;
use crate::tools::kubectl::identity::KubeIdentity;

/// The cluster's discovery as the preparers see it.
pub(super) struct Cluster<'a>(pub(super) &'a Gateway);

impl Discovery for Cluster<'_> {
    fn resources(&self, after_miss: bool) -> Result<Arc<ApiResources>, String> {
        let gw = self.0;
        let kubectl = gw
            .kubectl
            .as_ref()
            .ok_or_else(|| "kubectl is not configured".to_owned())?;
        gw.sandbox_status.clone().map_err(|e| e.to_string())?;
        kubectl
            .discovery(&gw.sandbox, gw.now(), after_miss)
            .inspect_err(|e| tracing::warn!(error = %e, "kubectl discovery failed"))
    }
}

impl Gateway {
    /// What the gateway's own kube identity may do in its default namespace (`kubectl auth
    /// can-i --list`, run confined). The agent inherits it: `doctor` fails a production gateway
    /// whose identity may do anything.
    pub fn kube_identity(&self) -> Result<KubeIdentity, String> {
        let kubectl = self
            .kubectl
            .as_ref()
            .ok_or_else(|| "kubectl is not configured (no kubeconfig)".to_owned())?;
        self.sandbox_status.clone().map_err(|e| e.to_string())?;
        let out = kubectl.inspect(
            &self.sandbox,
            KubeInspect::CanIList {
                namespace: &self.cfg.kube_default_namespace,
            },
        )?;
        if out.exit_code != Some(0) {
            return Err(format!(
                "kubectl auth can-i --list failed: {}",
                out.stderr.trim().chars().take(300).collect::<String>()
            ));
        }
        KubeIdentity::parse(&out.stdout)
    }
}
