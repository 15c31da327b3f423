//! The configuration terraform would load from a working directory: every `.tf` and `.tf.json`
//! file of the root module and of the local modules it calls (found in rounds, as screening
//! names them), and the dependency lock file. Read through [`Files`], screened by
//! `recourse_plan::screen`, and bound file by file into the plan record.

use std::path::{Component, Path};

use recourse_plan::{ConfigBinding, ConfigFile, ProviderBinary, Screening, screen};
use recourse_policy::Digest;

use crate::tools::{Files, ToolCtx};

/// The lock file `terraform init` writes beside the root module.
pub(crate) const LOCK_FILE: &str = ".terraform.lock.hcl";

/// Bounds on what is read (a hostile working directory could be arbitrarily large).
const MAX_FILES: usize = 2_000;
const MAX_BYTES: usize = 32 << 20;
const MAX_ROUNDS: usize = 64;

/// A configuration as read for screening and binding.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) files: Vec<ConfigFile>,
    pub(crate) screening: Screening,
    pub(crate) lock: Option<String>,
}

impl Config {
    /// What the plan is bound to, with the provider binaries terraform installed.
    pub(crate) fn binding(&self, providers: Vec<ProviderBinary>) -> ConfigBinding {
        let mut b = ConfigBinding::default();
        for f in &self.files {
            b.files
                .insert(f.path.clone(), Digest::of(f.contents.as_bytes()));
        }
        if let Some(lock) = &self.lock {
            b.files
                .insert(LOCK_FILE.to_owned(), Digest::of(lock.as_bytes()));
        }
        b.providers = providers;
        b.providers.sort();
        b
    }
}

/// A module directory relative to the root that stays inside it (`modules/db`, not `../x`).
fn inside(rel: &str) -> bool {
    let p = Path::new(rel);
    !p.is_absolute()
        && p.components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

fn read_dir(
    files: &dyn Files,
    root: &Path,
    rel: &str,
    out: &mut Vec<ConfigFile>,
    bytes: &mut usize,
) -> Result<(), String> {
    let dir = if rel.is_empty() {
        root.to_owned()
    } else {
        root.join(rel)
    };
    // A module directory that resolves outside the root is not read (screening reports its
    // source); symlinks out of the root are refused the same way.
    let canon = files
        .canonicalize(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    if !canon.starts_with(root) {
        return Err(format!(
            "module directory {rel} resolves outside the working directory"
        ));
    }
    let names = files
        .list_files(&canon)
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    for name in names
        .into_iter()
        .filter(|n| n.ends_with(".tf") || n.ends_with(".tf.json"))
    {
        let path = if rel.is_empty() {
            name.clone()
        } else {
            format!("{}/{name}", rel.trim_end_matches('/'))
        };
        let contents = files
            .read_to_string(&canon.join(&name))
            .map_err(|e| format!("{path}: {e}"))?;
        *bytes += contents.len();
        out.push(ConfigFile::new(path, contents));
        if out.len() > MAX_FILES || *bytes > MAX_BYTES {
            return Err(format!(
                "the configuration is larger than {MAX_FILES} files or {} MiB",
                MAX_BYTES >> 20
            ));
        }
    }
    Ok(())
}

/// Reads and screens the configuration rooted at `root` (canonical).
pub(crate) fn read(ctx: &ToolCtx<'_>, root: &Path) -> Result<Config, String> {
    let screen_ctx = recourse_plan::ScreenContext {
        providers: ctx.providers.to_vec(),
        allowed_registries: ctx.cfg.terraform_registries.clone(),
    };
    let mut files = Vec::new();
    let mut bytes = 0;
    read_dir(ctx.files, root, "", &mut files, &mut bytes)?;
    let mut screening = screen(&files, &screen_ctx);
    let mut done = std::collections::BTreeSet::new();
    for _ in 0..MAX_ROUNDS {
        // Directories outside the root are never read (screening reports their sources), and
        // an empty module directory is read once.
        let next: Vec<String> = std::mem::take(&mut screening.to_load)
            .into_iter()
            .filter(|d| inside(d) && !done.contains(d))
            .collect();
        if next.is_empty() {
            return Ok(Config {
                lock: ctx.files.read_to_string(&root.join(LOCK_FILE)).ok(),
                files,
                screening,
            });
        }
        for rel in next {
            read_dir(ctx.files, root, &rel, &mut files, &mut bytes)?;
            done.insert(rel);
        }
        screening = screen(&files, &screen_ctx);
    }
    Err("local modules nest deeper than the gateway reads".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_directories_must_stay_inside_the_root() {
        assert!(inside("modules/db"));
        assert!(inside("./modules/db"));
        assert!(!inside("../shared"));
        assert!(!inside("/etc"));
        assert!(!inside("modules/../../x"));
    }
}
