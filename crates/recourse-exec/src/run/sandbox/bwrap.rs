//! bubblewrap's arguments for a jail: the namespaces, the read-only system view, the binds
//! (with protected paths mounted read-only over them), masks over denied paths, and the
//! helper as the sandbox's first program.

use std::path::{Path, PathBuf};

use super::{Bind, Core, HELPER_INSIDE, Jail, Placeholders, Unavailable};

/// The read-only system view: what programs need to run, nothing of the host's state.
const SYSTEM_DIRS: &[&str] = &["/usr", "/opt"];
/// Top-level names that are directories on older layouts and symlinks into /usr on merged ones.
const SYSTEM_LINKS: &[&str] = &["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];
/// The entries of /etc programs need; everything else (shadow, sudoers, ssh host keys,
/// operator credentials) stays out.
const ETC: &[&str] = &[
    "alternatives",
    "ca-certificates",
    "ca-certificates.conf",
    "debian_version",
    "gai.conf",
    "gitconfig",
    "group",
    "host.conf",
    "hostname",
    "hosts",
    "inputrc",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "locale.alias",
    "localtime",
    "magic",
    "magic.mime",
    "mime.types",
    "nsswitch.conf",
    "os-release",
    "passwd",
    "perl",
    "protocols",
    "python3",
    "python3.11",
    "resolv.conf",
    "services",
    "shells",
    "ssl",
    "terminfo",
    "timezone",
];

fn push(args: &mut Vec<String>, items: &[&str]) {
    args.extend(items.iter().map(|s| (*s).to_owned()));
}

fn path_arg(p: &Path) -> String {
    p.display().to_string()
}

impl Core {
    /// The program and arguments that run `program args` inside the jail (with the
    /// placeholders made for it by [`Sandbox::placeholders`]).
    pub(crate) fn argv(
        &self,
        jail: &Jail,
        placeholders: &Placeholders,
        program: &str,
        args: &[String],
    ) -> Result<(PathBuf, Vec<String>), Unavailable> {
        let mut tail = vec!["--".to_owned(), program.to_owned()];
        tail.extend(args.iter().cloned());
        self.command(jail, placeholders, tail, &jail.cwd)
    }

    /// The program and arguments of a sandbox for `jail` that waits for its command on stdin
    /// (`warm.rs`): the helper confines itself, then reads what to run and where.
    pub(crate) fn argv_waiting(
        &self,
        jail: &Jail,
        placeholders: &Placeholders,
    ) -> Result<(PathBuf, Vec<String>), Unavailable> {
        self.command(
            jail,
            placeholders,
            vec!["--wait".to_owned()],
            Path::new("/"),
        )
    }

    fn command(
        &self,
        jail: &Jail,
        placeholders: &Placeholders,
        tail: Vec<String>,
        cwd: &Path,
    ) -> Result<(PathBuf, Vec<String>), Unavailable> {
        let mut helper_args = self.helper_args(jail);
        helper_args.extend(tail);
        if self.insecure {
            let mut v = self.helper.prefix.clone();
            v.extend(helper_args);
            return Ok((self.helper.program.clone(), v));
        }
        let mut a = Vec::new();
        push(
            &mut a,
            &[
                "--die-with-parent",
                "--new-session",
                "--unshare-pid",
                "--unshare-ipc",
                "--unshare-uts",
                "--unshare-cgroup-try",
                "--hostname",
                "sandbox",
            ],
        );
        if self.run_as.is_none() {
            push(&mut a, &["--unshare-user", "--disable-userns"]);
        }
        if !jail.net {
            push(&mut a, &["--unshare-net"]);
        }
        self.system_view(&mut a, jail);
        push(&mut a, &["--proc", "/proc", "--dev", "/dev"]);
        push(&mut a, &["--perms", "1777", "--tmpfs", "/tmp"]);
        self.ancestors(&mut a, jail);
        push(
            &mut a,
            &["--perms", "1777", "--tmpfs", &path_arg(&jail.home)],
        );
        for b in &jail.ro {
            if !jail.deny.iter().any(|d| b.src.starts_with(d)) {
                push(&mut a, &["--ro-bind", &path_arg(&b.src), &path_arg(&b.dst)]);
            }
        }
        for b in &jail.rw {
            if jail.deny.iter().any(|d| b.src.starts_with(d)) {
                continue;
            }
            push(&mut a, &["--bind", &path_arg(&b.src), &path_arg(&b.dst)]);
            for outside in placeholders.bind.iter().filter(|p| p.starts_with(&b.src)) {
                let Ok(rel) = outside.strip_prefix(&b.src) else {
                    continue;
                };
                let inside = b.dst.join(rel);
                push(
                    &mut a,
                    &["--ro-bind", &path_arg(outside), &path_arg(&inside)],
                );
            }
        }
        for b in &jail.pinned {
            push(&mut a, &["--ro-bind", &path_arg(&b.src), &path_arg(&b.dst)]);
        }
        self.masks(&mut a, jail);
        push(
            &mut a,
            &[
                "--ro-bind",
                &path_arg(&self.helper.program),
                HELPER_INSIDE,
                "--chdir",
                &path_arg(cwd),
                "--",
                HELPER_INSIDE,
            ],
        );
        a.extend(self.helper.prefix.iter().cloned());
        a.extend(helper_args);
        Ok((self.bwrap.clone(), a))
    }

    fn helper_args(&self, jail: &Jail) -> Vec<String> {
        let mut v = Vec::new();
        for b in &jail.rw {
            v.push("--write".into());
            v.push(path_arg(&b.dst));
        }
        for w in ["/tmp", "/dev"] {
            v.push("--write".into());
            v.push(w.into());
        }
        v.push("--write".into());
        v.push(path_arg(&jail.home));
        v.push("--net".into());
        v.push(if jail.net { "allow" } else { "deny" }.into());
        v.push("--namespaces".into());
        v.push(if self.insecure { "no" } else { "yes" }.into());
        for (path, hash) in &jail.expect {
            match hash {
                Some(h) => {
                    v.push("--expect".into());
                    v.push(format!("{}={h}", path_arg(path)));
                }
                None => {
                    v.push("--expect-absent".into());
                    v.push(path_arg(path));
                }
            }
        }
        if let Some((uid, gid)) = self.run_as {
            v.push("--uid".into());
            v.push(uid.to_string());
            v.push("--gid".into());
            v.push(gid.to_string());
        }
        v
    }

    /// The directories on the way to every mount point, traversable by the sandbox's uid
    /// (bubblewrap would create them 0700, owned by root).
    fn ancestors(&self, a: &mut Vec<String>, jail: &Jail) {
        let mut dirs: Vec<PathBuf> = Vec::new();
        let targets = jail
            .ro
            .iter()
            .chain(&jail.rw)
            .map(|b| b.dst.as_path())
            .chain([jail.home.as_path(), Path::new(HELPER_INSIDE)]);
        for t in targets {
            for anc in t.ancestors().skip(1) {
                let system = anc == Path::new("/")
                    || anc == Path::new("/tmp")
                    || SYSTEM_DIRS.iter().any(|s| anc.starts_with(s))
                    || anc.starts_with("/proc")
                    || anc.starts_with("/dev");
                if !system && !dirs.iter().any(|d| d == anc) {
                    dirs.push(anc.to_owned());
                }
            }
        }
        // Parents first.
        dirs.sort_by_key(|d| d.components().count());
        for d in dirs {
            push(a, &["--perms", "0755", "--dir", &path_arg(&d)]);
        }
    }

    /// /usr, the /bin-style links, and the chosen entries of /etc, minus denied paths.
    fn system_view(&self, a: &mut Vec<String>, jail: &Jail) {
        let denied = |p: &Path| jail.deny.iter().any(|d| p.starts_with(d));
        for d in SYSTEM_DIRS {
            let p = Path::new(d);
            if p.is_dir() && !denied(p) {
                push(a, &["--ro-bind", d, d]);
            }
        }
        for l in SYSTEM_LINKS {
            let p = Path::new(l);
            match std::fs::read_link(p) {
                Ok(target) => push(a, &["--symlink", &path_arg(&target), l]),
                Err(_) if p.is_dir() && !denied(p) => push(a, &["--ro-bind", l, l]),
                Err(_) => {}
            }
        }
        push(a, &["--perms", "0755", "--dir", "/etc"]);
        for e in ETC {
            let p = Path::new("/etc").join(e);
            if denied(&p) {
                continue;
            }
            match std::fs::symlink_metadata(&p) {
                Ok(m) if m.file_type().is_symlink() => {
                    if let Ok(t) = std::fs::read_link(&p) {
                        push(a, &["--symlink", &path_arg(&t), &path_arg(&p)]);
                    }
                }
                Ok(_) => push(a, &["--ro-bind", &path_arg(&p), &path_arg(&p)]),
                Err(_) => {}
            }
        }
    }

    /// Denied paths that a bind would otherwise expose: an empty read-only directory or file
    /// over them.
    fn masks(&self, a: &mut Vec<String>, jail: &Jail) {
        let bound: Vec<&Bind> = jail.ro.iter().chain(&jail.rw).collect();
        let system: Vec<PathBuf> = SYSTEM_DIRS
            .iter()
            .map(PathBuf::from)
            .chain(ETC.iter().map(|e| Path::new("/etc").join(e)))
            .collect();
        for d in &jail.deny {
            let inside = bound
                .iter()
                .find(|b| d.starts_with(&b.src) && *d != b.src)
                .map(|b| b.dst.join(d.strip_prefix(&b.src).unwrap_or(d)))
                .or_else(|| {
                    system
                        .iter()
                        .any(|s| d.starts_with(s) && d != s)
                        .then(|| d.clone())
                });
            let Some(inside) = inside else { continue };
            match std::fs::metadata(d) {
                Ok(m) if m.is_dir() => {
                    push(
                        a,
                        &[
                            "--tmpfs",
                            &path_arg(&inside),
                            "--remount-ro",
                            &path_arg(&inside),
                        ],
                    );
                }
                Ok(_) => push(a, &["--ro-bind", "/dev/null", &path_arg(&inside)]),
                Err(_) => {}
            }
        }
    }
}
