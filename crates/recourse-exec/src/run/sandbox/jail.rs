//! What one runner's child may see and do: its binds, denied paths, `HOME`, network and
//! working directory, and the paths kept read-only inside every writable root.

use std::path::PathBuf;

/// A path bound into the sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bind {
    pub(crate) src: PathBuf,
    pub(crate) dst: PathBuf,
}

impl Bind {
    /// The same path inside as outside.
    pub(crate) fn same(p: impl Into<PathBuf>) -> Bind {
        let p = p.into();
        Bind {
            src: p.clone(),
            dst: p,
        }
    }
}

/// What one runner's child may see and do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Jail {
    /// Read-only binds besides the system view (a binary, a plugin dir, a kubeconfig).
    pub(crate) ro: Vec<Bind>,
    /// Read-write binds (allowed paths, the runner's own data directories).
    pub(crate) rw: Vec<Bind>,
    /// Read-only files mounted over paths inside the read-write binds (the pinned copies of
    /// the scripts a shell command runs); their sources are the gateway's own.
    pub(crate) pinned: Vec<Bind>,
    /// Files the helper checks right before the command starts: each must hold exactly the
    /// bytes with this sha256 (hex), or, with `None`, must not exist.
    pub(crate) expect: Vec<(PathBuf, Option<String>)>,
    /// Paths that must not be readable even where a bind would include them.
    pub(crate) deny: Vec<PathBuf>,
    /// Relative paths kept read-only inside every read-write bind, whether or not they exist.
    pub(crate) protect: Vec<Protected>,
    /// `HOME` inside (a private tmpfs unless a read-write bind covers it).
    pub(crate) home: PathBuf,
    /// Keep the host's network.
    pub(crate) net: bool,
    /// The working directory inside.
    pub(crate) cwd: PathBuf,
}

/// A path inside a writable root that stays read-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Protected {
    pub(crate) rel: &'static str,
    pub(crate) dir: bool,
    /// Protected only while it does not exist (a missing `.git`: no new repository whose
    /// hooks and config a human's git would run; an existing one stays usable).
    pub(crate) if_missing: bool,
}

const fn file(rel: &'static str) -> Protected {
    Protected {
        rel,
        dir: false,
        if_missing: false,
    }
}

const fn dir(rel: &'static str) -> Protected {
    Protected {
        rel,
        dir: true,
        if_missing: false,
    }
}

/// Inside writable roots: what would let sandboxed code run code later, outside the sandbox
/// (git hooks and config, shell start-up files, agent host configuration).
pub(crate) const PROTECTED: &[Protected] = &[
    Protected {
        rel: ".git",
        dir: true,
        if_missing: true,
    },
    dir(".git/hooks"),
    file(".git/config"),
    file(".mcp.json"),
    dir(".claude"),
    dir(".recourse"),
    file(".bashrc"),
    file(".bash_profile"),
    file(".bash_login"),
    file(".bash_logout"),
    file(".profile"),
    file(".zshrc"),
    file(".zshenv"),
    file(".zprofile"),
    file(".zlogin"),
];
