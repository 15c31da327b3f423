//! Invocations dangerous on their own, whatever wraps them: recursive deletion of roots, world
//! or setuid permissions, account changes, disk wipes, persistence writes, scheduled commands.
//! Also the file tools whose only knowledge is that they change files.

use recourse_policy::Reason;

use crate::args::{OptSpec, basename, normalize_path};

use super::model::{Call, Flag, Model, Program, block, escalate, kind};

/// The room's entries.
pub(crate) const PROGRAMS: &[Program] = &[
    Program {
        names: &["rm"],
        kind: kind::MUTATING | D,
        dangers: Some(rm),
        ..Program::NONE
    },
    Program {
        names: &["chmod", "chown", "chgrp"],
        kind: kind::MUTATING | D,
        dangers: Some(permissions),
        ..Program::NONE
    },
    Program {
        names: &["cp", "ln"],
        kind: kind::MUTATING,
        options: COPY_OPTIONS,
        writes: Some(copy_target),
        ..Program::NONE
    },
    Program {
        names: &["mv"],
        kind: kind::MUTATING | D,
        dangers: Some(move_root),
        options: COPY_OPTIONS,
        writes: Some(copy_target),
        ..Program::NONE
    },
    Program {
        names: &["install"],
        kind: kind::MUTATING,
        options: OptSpec::new(
            "gmotS",
            &["group", "mode", "owner", "target-directory", "suffix"],
        ),
        dangers: Some(install),
        writes: Some(copy_target),
        ..Program::NONE
    },
    Program {
        names: &["tee"],
        kind: kind::MUTATING | kind::READONLY,
        model: Some(tee),
        writes: Some(all_operands),
        ..Program::NONE
    },
    Program {
        names: &["truncate"],
        kind: kind::MUTATING | D,
        options: OptSpec::new("sr", &["size", "reference"]),
        writes: Some(all_operands),
        ..Program::NONE
    },
    Program {
        names: &["touch"],
        kind: kind::MUTATING,
        options: OptSpec::new("dtr", &["date", "reference"]),
        writes: Some(all_operands),
        ..Program::NONE
    },
    Program {
        names: &["crontab"],
        kind: kind::CODE_CAPABLE | kind::READONLY,
        model: Some(crontab_model),
        dangers: Some(crontab),
        writes: Some(all_operands),
        ..Program::NONE
    },
    Program {
        names: &["dd"],
        kind: kind::MUTATING | D,
        dangers: Some(dd),
        ..Program::NONE
    },
    Program {
        names: &["shred"],
        kind: kind::MUTATING | D,
        dangers: Some(shred),
        ..Program::NONE
    },
    Program::of(&["rmdir"], kind::MUTATING | D),
    Program {
        names: &["unlink"],
        kind: kind::MUTATING | D,
        dangers: Some(erases_tracks),
        ..Program::NONE
    },
    Program {
        names: &["kill", "pkill", "killall", "killall5"],
        kind: kind::MUTATING | D,
        dangers: Some(kill),
        ..Program::NONE
    },
    Program {
        names: &[
            "shutdown", "reboot", "halt", "poweroff", "init", "telinit", "kexec",
        ],
        kind: D,
        dangers: Some(power),
        ..Program::NONE
    },
    Program {
        names: &[
            "iptables",
            "ip6tables",
            "nft",
            "ufw",
            "setenforce",
            "auditctl",
            "aa-teardown",
        ],
        kind: kind::MUTATING,
        dangers: Some(security_off),
        ..Program::NONE
    },
    Program::of(
        &["mkdir", "mkfifo", "mknod", "chattr", "setfacl", "patch"],
        kind::MUTATING,
    ),
    Program {
        names: &["setcap"],
        flag: Flag::block(
            "shell.builtin.setcap",
            "grants file capabilities (privilege escalation)",
        ),
        ..Program::NONE
    },
    Program {
        names: &[
            "passwd", "chpasswd", "usermod", "useradd", "adduser", "userdel", "deluser", "visudo",
            "gpasswd", "groupadd", "chage",
        ],
        flag: Flag::block(
            "shell.builtin.account_change",
            "changes accounts, passwords or sudo rights",
        ),
        ..Program::NONE
    },
    Program {
        // Also `mkfs.ext4` and the other `mkfs.TYPE` programs, which the table finds by their
        // prefix.
        names: &["mkfs", "mke2fs", "wipefs", "blkdiscard", "mkswap"],
        kind: D,
        flag: Flag::block("shell.builtin.disk_wipe", "destroys a filesystem"),
        ..Program::NONE
    },
    Program {
        names: &["sgdisk", "sfdisk", "fdisk", "parted", "gdisk", "cfdisk"],
        kind: D,
        dangers: Some(partition_table),
        ..Program::NONE
    },
    Program {
        names: &["at", "batch"],
        kind: kind::CODE_CAPABLE,
        options: OptSpec::new("qfmMtu", &[]),
        flag: Flag::escalate("shell.builtin.scheduled", "schedules commands to run later"),
        ..Program::NONE
    },
    Program {
        names: &["agetty", "getty", "mingetty", "login"],
        flag: Flag::block("shell.builtin.login_shell", "spawns a login session"),
        ..Program::NONE
    },
];

const D: u32 = kind::DESTRUCTIVE;

/// cp, mv, ln and install: `-t DIR` names the target.
const COPY_OPTIONS: OptSpec = OptSpec::new("tS", &["target-directory", "suffix"]);

/// Shell and interpreter histories: what was typed on this machine.
const HISTORIES: &[&str] = &[
    ".bash_history",
    ".zsh_history",
    ".zhistory",
    ".sh_history",
    ".histfile",
    ".python_history",
    ".mysql_history",
    ".psql_history",
    ".sqlite_history",
    ".node_repl_history",
    ".rediscli_history",
];

/// Whether a path (or a pattern's last component) is a record of what was done on this
/// machine: a history, or a log that login, audit and system events go to. Erasing one covers
/// an intruder's tracks; rotated application logs are not among them.
pub(crate) fn is_track_record(text: &str) -> bool {
    let t = normalize_path(text);
    let base = basename(&t);
    let dir = &t[..t.len() - base.len()];
    // A pattern matches a dot-file only when it starts with the dot itself (`~/.*_history`,
    // not `*`).
    let history = HISTORIES.iter().any(|h| {
        *h == base
            || base.starts_with('.')
                && crate::glob::has_glob(base)
                && crate::glob::glob_match(base, h)
    });
    history
        || matches!(
            &*t,
            "/var/log/wtmp"
                | "/var/log/btmp"
                | "/var/log/lastlog"
                | "/var/log/auth.log"
                | "/var/log/secure"
                | "/var/log/syslog"
                | "/var/log/messages"
                | "/var/log/kern.log"
        )
        || ["/var/log/audit", "/var/log/journal"].iter().any(|d| {
            t.strip_prefix(d)
                .is_some_and(|r| r.is_empty() || r.starts_with('/'))
        })
        || dir == "/var/log/" && crate::glob::has_glob(base)
}

/// `rm ~/.bash_history`, `shred -u /var/log/auth.log`, `unlink ~/.zsh_history`.
fn erases_tracks(call: &Call<'_>, out: &mut Vec<Reason>) {
    if let Some(t) = call.operands().find(|t| is_track_record(t)) {
        block(
            out,
            "shell.builtin.erases_tracks",
            format!(
                "{} of `{t}` erases the record of what was done on this machine",
                call.prog
            ),
        );
    }
}

fn rm(call: &Call<'_>, out: &mut Vec<Reason>) {
    erases_tracks(call, out);
    let p = &call.opts;
    let recursive = p.has_short('r') || p.has_short('R') || p.has_long("recursive");
    if p.has_long("no-preserve-root") {
        block(
            out,
            "shell.builtin.recursive_delete_root",
            "rm --no-preserve-root".into(),
        );
    }
    if recursive && let Some(t) = call.operands().find(|t| is_protected_root(t)) {
        block(
            out,
            "shell.builtin.recursive_delete_root",
            format!("rm -r of `{t}` deletes a system or home root"),
        );
    }
}

fn permissions(call: &Call<'_>, out: &mut Vec<Reason>) {
    let (prog, args, p) = (call.prog, call.args, &call.opts);
    if prog == "chmod" {
        let mode = call.operands().next().unwrap_or("");
        // A mode may also look like a short option (`-x`, `+s`).
        for m in std::iter::once(mode).chain(args.iter().map(|w| w.text.as_str()).filter(|t| {
            t.starts_with('+')
                || t.starts_with('-')
                    && t.len() > 1
                    && !t.starts_with("--")
                    && t.chars().skip(1).all(|c| "rwxXst".contains(c))
        })) {
            if let Some(why) = chmod_mode_dangerous(m) {
                block(
                    out,
                    "shell.builtin.chmod_world_or_setuid",
                    format!("chmod {m} {why}"),
                );
                break;
            }
        }
    }
    if (p.has_short('R') || p.has_long("recursive"))
        && call.operands().skip(1).any(is_protected_root)
    {
        block(
            out,
            "shell.builtin.recursive_permissions_root",
            format!("{prog} -R on a system or home root"),
        );
    }
}

/// `mv ~ /dev/null`, `mv /etc /tmp/x`: moving a root away destroys it as surely as `rm -r`.
fn move_root(call: &Call<'_>, out: &mut Vec<Reason>) {
    let ops: Vec<&str> = call.operands().collect();
    if let Some(t) = ops
        .split_last()
        .and_then(|(_, sources)| sources.iter().find(|t| is_protected_root(t)))
    {
        block(
            out,
            "shell.builtin.recursive_delete_root",
            format!("mv moves the system or home root `{t}` away"),
        );
    }
}

/// `kill -9 -1` signals every process the user may signal.
/// Signalling every process (`kill -1`, `killall5`), init (`kill 1`), or every process of
/// root (`pkill -u root`, `killall -u root`) takes the machine down.
fn kill(call: &Call<'_>, out: &mut Vec<Reason>) {
    let args: Vec<&str> = call.args.iter().map(|w| w.text.as_str()).collect();
    // kill's process ids: after a signal (`-9`, `-s KILL`, `-n 9`); `-l` lists signals.
    let pids: &[&str] = match args.first() {
        Some(&("-l" | "-L" | "--list" | "-h" | "--help")) | None => &[],
        Some(&("-s" | "-n")) => args.get(2..).unwrap_or_default(),
        Some(a) if a.starts_with('-') => args.get(1..).unwrap_or_default(),
        Some(_) => &args,
    };
    let why = match call.prog {
        "kill" if pids.contains(&"-1") => Some("signals every process"),
        "kill" if pids.contains(&"1") => Some("signals init"),
        "killall5" => Some("signals every process"),
        "pkill" | "killall" => args
            .windows(2)
            .any(|w| {
                matches!(w[0], "-u" | "-U" | "--user" | "--uid" | "--euid")
                    && matches!(w[1], "root" | "0")
            })
            .then_some("signals every process of root"),
        _ => None,
    };
    if let Some(why) = why {
        block(out, "shell.builtin.kill_all", cat!(call.prog, " ", why));
    }
}

/// Shutting the machine down or rebooting it.
fn power(call: &Call<'_>, out: &mut Vec<Reason>) {
    let init_level = matches!(call.prog, "init" | "telinit")
        && call
            .operands()
            .next()
            .is_some_and(|l| matches!(l, "0" | "6"));
    if !matches!(call.prog, "init" | "telinit") || init_level {
        block(
            out,
            "shell.builtin.shutdown",
            format!("{} shuts the machine down or restarts it", call.prog),
        );
    }
}

/// Turning off a firewall, SELinux, AppArmor or the audit log.
fn security_off(call: &Call<'_>, out: &mut Vec<Reason>) {
    let words: Vec<&str> = call.args.iter().map(|w| w.text.as_str()).collect();
    let off = match call.prog {
        "iptables" | "ip6tables" => {
            words
                .iter()
                .any(|w| matches!(*w, "-F" | "--flush" | "-X" | "--delete-chain"))
                || words
                    .windows(3)
                    .any(|w| matches!(w[0], "-P" | "--policy") && w[2] == "ACCEPT")
        }
        "nft" => words.windows(2).any(|w| w == ["flush", "ruleset"]),
        "ufw" => words.first() == Some(&"disable") || words.first() == Some(&"reset"),
        "setenforce" => words
            .first()
            .is_some_and(|w| matches!(*w, "0" | "Permissive" | "permissive")),
        "auditctl" => words.contains(&"-D") || words.windows(2).any(|w| w == ["-e", "0"]),
        _ => true,
    };
    if off {
        block(
            out,
            "shell.builtin.security_off",
            format!(
                "`{} {}` turns off a security control",
                call.prog,
                words.join(" ")
            ),
        );
    }
}

fn install(call: &Call<'_>, out: &mut Vec<Reason>) {
    if let Some(m) = call.opts.value(Some('m'), Some("mode"))
        && let Some(why) = chmod_mode_dangerous(m)
    {
        block(
            out,
            "shell.builtin.chmod_world_or_setuid",
            format!("install -m {m} {why}"),
        );
    }
}

fn copy_target<'a>(call: &Call<'a>) -> Vec<&'a str> {
    match call.opts.value(Some('t'), Some("target-directory")) {
        Some(t) => vec![t],
        None => call.operands().next_back().into_iter().collect(),
    }
}

/// `… | tee /dev/null`, `tee /dev/stderr`: a copy to a stream, not a file.
fn tee(call: &Call<'_>) -> Model {
    if call
        .operands()
        .all(|o| matches!(o, "/dev/null" | "/dev/stdout" | "/dev/stderr" | "/dev/tty"))
    {
        Model::ReadOnly
    } else {
        Model::Mutating("tee writes files")
    }
}

fn all_operands<'a>(call: &Call<'a>) -> Vec<&'a str> {
    call.operands().collect()
}

/// `crontab -l` (alone, or with `-u USER`) lists; everything else installs or edits.
fn crontab_model(call: &Call<'_>) -> Model {
    let lists = call
        .args
        .iter()
        .all(|w| matches!(w.text.as_str(), "-l" | "-u") || !w.text.starts_with('-'))
        && call.opts.has_short('l')
        && call.operands().count() <= usize::from(call.opts.has_short('u'));
    if lists {
        Model::ReadOnly
    } else {
        Model::Mutating("crontab installs or edits scheduled commands")
    }
}

fn crontab(call: &Call<'_>, out: &mut Vec<Reason>) {
    if !call.opts.has_short('l') {
        block(
            out,
            "shell.builtin.sensitive_write",
            "crontab installs scheduled commands".into(),
        );
    }
}

fn dd(call: &Call<'_>, out: &mut Vec<Reason>) {
    if let Some(of) = call.args.iter().find_map(|w| w.text.strip_prefix("of=")) {
        if is_disk_device(of) {
            block(
                out,
                "shell.builtin.disk_wipe",
                format!("dd of={of} overwrites a disk"),
            );
        }
        if is_sensitive_write(of) {
            block(
                out,
                "shell.builtin.sensitive_write",
                format!("dd of={of} overwrites a protected file"),
            );
        }
    }
}

fn shred(call: &Call<'_>, out: &mut Vec<Reason>) {
    erases_tracks(call, out);
    if let Some(t) = call.operands().find(|t| is_disk_device(t)) {
        block(
            out,
            "shell.builtin.disk_wipe",
            format!("shred {t} overwrites a disk"),
        );
    }
}

fn partition_table(call: &Call<'_>, out: &mut Vec<Reason>) {
    let prog = call.prog;
    escalate(
        out,
        "shell.builtin.partition_table",
        format!("{prog} changes partition tables"),
    );
    if call
        .args
        .iter()
        .any(|w| w.text.starts_with("--zap") || w.text == "-Z" || w.text == "--delete")
    {
        block(
            out,
            "shell.builtin.disk_wipe",
            format!("{prog} erases partition tables"),
        );
    }
}

/// Directories of programs that every user runs.
const SYSTEM_PROGRAM_DIRS: &[&str] = &[
    "/bin/",
    "/sbin/",
    "/usr/bin/",
    "/usr/sbin/",
    "/usr/local/bin/",
    "/usr/local/sbin/",
];

/// Names a glob in a written path may stand for (`>> ~/.bashr?`, `> ~/.prof*`): each is
/// tried against the sensitive-write rules in the pattern's directory.
const SENSITIVE_NAMES: &[&str] = &[
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".bash_logout",
    ".bash_aliases",
    ".profile",
    ".zshrc",
    ".zprofile",
    ".zshenv",
    ".zlogin",
    ".kshrc",
    ".cshrc",
    ".envrc",
    ".npmrc",
    ".gitconfig",
    ".inputrc",
    ".vimrc",
    "authorized_keys",
    "authorized_keys2",
    "config",
    "crontab",
    "sudoers",
    "passwd",
    "shadow",
    "pre-commit",
    "post-checkout",
    "post-merge",
    "pre-push",
    "ld.so.preload",
];

/// Whether a written path with glob characters in its last component may name a file whose
/// writing plants persistence.
pub(crate) fn pattern_may_be_sensitive_write(pattern: &str) -> bool {
    let (dir, base) = pattern.rsplit_once('/').unwrap_or(("", pattern));
    crate::glob::has_glob(base)
        && SENSITIVE_NAMES.iter().any(|name| {
            crate::glob::glob_match(base, name)
                && is_sensitive_write(&if dir.is_empty() {
                    (*name).to_owned()
                } else {
                    format!("{dir}/{name}")
                })
        })
}

/// Whether writing to a path plants persistence or changes privileges.
pub(crate) fn is_sensitive_write(text: &str) -> bool {
    // A bare file name is sensitive only as a startup or key file (`.bashrc`, `.envrc`).
    if !text.contains('/') && !text.starts_with(['.', '~', '$']) && !text.ends_with("rc") {
        return matches!(
            text,
            "authorized_keys" | "authorized_keys2" | "sitecustomize.py" | "usercustomize.py"
        );
    }
    let t = normalize_path(text);
    // Relative paths too: `.git//hooks/x`, `./.git/./hooks/x`.
    let t = if t.starts_with(['/', '~']) {
        t
    } else {
        std::borrow::Cow::Owned(
            t.split('/')
                .filter(|s| !s.is_empty() && *s != ".")
                .collect::<Vec<_>>()
                .join("/"),
        )
    };
    let t: &str = &t;
    let base = basename(t);
    // A directory that a copy or install lands in (`cp x .git/hooks/`).
    let dir_target = text.ends_with('/')
        && (t.ends_with(".git/hooks")
            || t.ends_with("/.ssh")
            || t.ends_with(".bashrc.d")
            || t.starts_with("/etc/cron")
            || t.ends_with("/.local/bin")
            || t.ends_with("/.config/autostart"));
    dir_target
        || t.starts_with("/etc/sudoers")
        || matches!(
            t,
            "/etc/passwd"
                | "/etc/shadow"
                | "/etc/group"
                | "/etc/gshadow"
                | "/etc/profile"
                | "/etc/bash.bashrc"
                | "/etc/environment"
                | "/etc/ld.so.preload"
                | "/etc/crontab"
                | "/etc/rc.local"
                | "/etc/hosts"
        )
        || t.starts_with("/etc/cron")
        || t.starts_with("/var/spool/cron")
        || t.starts_with("/etc/profile.d/")
        || t.starts_with("/etc/systemd/")
        || t.starts_with("/etc/init.d/")
        || t.starts_with("/boot/")
        || t.starts_with("/etc/ld.so.conf")
        || matches!(
            t,
            "/etc/resolv.conf" | "/etc/nsswitch.conf" | "/proc/sysrq-trigger"
        )
        || t.starts_with("/etc/update-motd.d/")
        || t.starts_with("/etc/apt/apt.conf.d/")
        || t.starts_with("/etc/pam.d/")
        || t.starts_with("/etc/security/")
        || t.starts_with("/etc/xdg/autostart/")
        || t.starts_with("/etc/bash_completion.d/")
        || t.starts_with("/etc/zsh/")
        || t.starts_with("/usr/lib/systemd/")
        || t.starts_with("/lib/systemd/")
        || SYSTEM_PROGRAM_DIRS.iter().any(|d| t.starts_with(d))
        || [
            "/.config/systemd/",
            "/.config/autostart/",
            "/.local/share/systemd/",
            "/.config/fish/",
            "/.config/git/",
            "/.bashrc.d/",
            "/.local/bin/",
            "/.git-templates/",
            "/.gradle/init.d/",
            "/.gnupg/",
            "/.config/pip/",
        ]
        .iter()
        .any(|d| t.contains(d) || t.starts_with(&d[1..]))
        || matches!(
            base,
            "authorized_keys"
                | "authorized_keys2"
                | ".bashrc"
                | ".bash_profile"
                | ".bash_login"
                | ".bash_logout"
                | ".profile"
                | ".zshrc"
                | ".zprofile"
                | ".zshenv"
                | ".zlogin"
                | ".cshrc"
                | ".tcshrc"
                | ".kshrc"
                | ".inputrc"
                | "config.fish"
                | ".bash_aliases"
                | ".zlogout"
                | ".xinitrc"
                | ".xprofile"
                | ".xsession"
                | ".pam_environment"
                | ".envrc"
                | ".vimrc"
                | ".exrc"
                | ".gvimrc"
                | ".npmrc"
                | "sitecustomize.py"
                | "usercustomize.py"
                | "bashrc"
                | "zshrc"
        )
        // Histories and security logs: emptying or overwriting one covers tracks.
        || is_track_record(text)
        || t.contains("/.ssh/")
        // Files tools load and run code from on their next start.
        || base.ends_with(".pth") && t.contains("site-packages")
        || [
            "/etc/modprobe.d/",
            "/etc/udev/rules.d/",
            "/etc/ssh/",
            "/etc/sysctl.d/",
            "/etc/sudoers.d/",
            "/etc/polkit-1/",
        ]
        .iter()
        .any(|d| t.starts_with(d))
        || [
            "/.cargo/config",
            "/.cargo/config.toml",
            "/.aws/config",
            "/.docker/config.json",
            "/.kube/config",
            "/.gradle/init.gradle",
            "/.mavenrc",
            "/.m2/settings.xml",
        ]
        .iter()
        .any(|f| t.ends_with(f) && (t.starts_with('~') || t.starts_with('/')))
        || matches!(
            base,
            ".rprofile"
                | ".Rprofile"
                | ".psqlrc"
                | ".irbrc"
                | ".pryrc"
                | ".pythonrc"
                | ".pythonstartup"
                | ".wgetrc"
                | ".curlrc"
                | ".gemrc"
                | ".lesskey"
                | ".tmux.conf"
                | ".screenrc"
        )
        || t.contains("/.git/hooks/")
        || t.starts_with(".git/hooks/")
        // git configuration can name programs git runs on read-only commands.
        || t == ".git/config"
        || t.ends_with("/.git/config")
        || base == ".gitconfig"
        || t.ends_with(".config/git/config")
        || t == "/etc/gitconfig"
}

/// Roots whose recursive deletion is catastrophic.
const ROOTS: &[&str] = &[
    "/",
    "~",
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/home",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/media",
    "/mnt",
    "/opt",
    "/proc",
    "/root",
    "/run",
    "/sbin",
    "/snap",
    "/srv",
    "/sys",
    "/usr",
    "/var",
    "/usr/bin",
    "/usr/lib",
    "/usr/local",
    "/usr/sbin",
    "/usr/share",
    "/var/lib",
    "/var/log",
    "/var/www",
    "/usr/local/bin",
];

/// Whether a path is a root whose recursive deletion is catastrophic, or may be one: a brace
/// list or glob that can reach one (`/{bin,etc}`, `/e??`, `/*`, `~/.*`), or a relative path
/// that only climbs (`../..`), which from a project directory reaches home or `/`.
pub(crate) fn is_protected_root(text: &str) -> bool {
    // A root is absolute, home-relative, `$HOME`, a climb (`..`), or a brace list of them.
    if text.is_empty() || !(text.starts_with(['/', '~', '$', '.']) || text.contains('{')) {
        return false;
    }
    if text.contains('{')
        && let Some(alts) = crate::glob::expand_braces(text, 16)
        && alts.len() > 1
    {
        return alts.iter().any(|a| is_protected_root(a));
    }
    // `~+` is the working directory, `~-` the previous one: after a `cd /`, the root.
    if matches!(text.trim_end_matches('/'), "~+" | "~-") {
        return true;
    }
    // `/proc/self/root/` and `/proc/<pid>/root` are the root directory.
    if let Some(rest) = text.strip_prefix("/proc/")
        && let Some((_, after)) = rest.split_once('/')
        && let Some(inner) = after.strip_prefix("root")
        && (inner.is_empty() || inner.starts_with('/'))
    {
        return is_protected_root(if inner.is_empty() { "/" } else { inner });
    }
    // `~root`, `~alice/`: another user's home directory.
    if let Some(user) = text.strip_prefix('~')
        && !user.is_empty()
        && !user.starts_with('/')
    {
        let (name, rest) = user.split_once('/').unwrap_or((user, ""));
        if name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
            && matches!(rest, "" | "*" | ".*")
        {
            return true;
        }
    }
    // `$PWD/../../../..`: enough climbing from anywhere reaches the root.
    if text.starts_with('$') {
        let segs: Vec<&str> = text.split('/').skip(1).filter(|s| !s.is_empty()).collect();
        let climbs = segs.iter().take_while(|s| **s == "..").count();
        if climbs >= 2
            && segs[climbs..]
                .iter()
                .all(|s| matches!(*s, "*" | ".*" | "."))
        {
            return true;
        }
    }
    let t = normalize_path(text);
    let t: &str = &t;
    let stripped = t
        .strip_suffix("/*")
        .or_else(|| t.strip_suffix("/.*"))
        .unwrap_or(t);
    let stripped = if stripped.is_empty() { "/" } else { stripped };
    if ROOTS.contains(&stripped) || matches!(t, "/*" | "~/*" | "/.*" | "~/.*") {
        return true;
    }
    let segs: Vec<&str> = t.split('/').filter(|s| *s != ".").collect();
    let climbs = segs.iter().take_while(|s| **s == "..").count();
    if climbs >= 2 && segs[climbs..].iter().all(|s| matches!(*s, "*" | ".*" | "")) {
        return true;
    }
    crate::glob::has_glob(t)
        && (t.starts_with('/') || t.starts_with('~'))
        && ROOTS
            .iter()
            .any(|r| glob_path_match(t, r) || glob_path_match(stripped, r))
}

/// Whether a glob pattern of a path matches a path, segment by segment.
fn glob_path_match(pattern: &str, path: &str) -> bool {
    let (p, n): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    p.len() == n.len() && p.iter().zip(&n).all(|(p, n)| crate::glob::glob_match(p, n))
}

fn chmod_mode_dangerous(mode: &str) -> Option<&'static str> {
    if !mode.is_empty() && mode.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        let v = u32::from_str_radix(mode, 8).ok()?;
        if v & 0o6000 != 0 {
            return Some("sets the setuid/setgid bit");
        }
        if v & 0o777 == 0o777 {
            return Some("makes files writable and executable by everyone");
        }
        return None;
    }
    for clause in mode.split(',') {
        let who_end = clause.find(['+', '-', '=']).unwrap_or(clause.len());
        let (who, rest) = clause.split_at(who_end);
        if !(rest.starts_with('+') || rest.starts_with('=')) {
            continue;
        }
        let perms = &rest[1..];
        if perms.contains('s') {
            return Some("sets the setuid/setgid bit");
        }
        let everyone = who.is_empty() || who.contains('a') || who.contains('o');
        if everyone && perms.contains('r') && perms.contains('w') && perms.contains('x') {
            return Some("makes files writable and executable by everyone");
        }
    }
    None
}

const DISK_DEVICES: &[&str] = &[
    "/dev/sd",
    "/dev/hd",
    "/dev/vd",
    "/dev/xvd",
    "/dev/nvme",
    "/dev/mmcblk",
    "/dev/disk",
    "/dev/mapper",
    "/dev/md",
    "/dev/dm-",
    "/dev/loop",
];

/// Whether a path is a block device.
pub(crate) fn is_disk_device(t: &str) -> bool {
    DISK_DEVICES.iter().any(|d| t.starts_with(d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::Word;

    #[test]
    fn signalling_everything() {
        let hits = |prog: &str, cmd: &str| {
            let words: Vec<Word> = cmd.split_whitespace().map(Word::literal).collect();
            let mut out = Vec::new();
            kill(&Call::new(prog, &words, &OptSpec::NONE), &mut out);
            !out.is_empty()
        };
        for (prog, cmd) in [
            ("kill", "-9 -1"),
            ("kill", "-s KILL -1"),
            ("kill", "-9 1"),
            ("kill", "1"),
            ("pkill", "-9 -u root"),
            ("killall", "-u root"),
            ("pkill", "-U 0"),
            ("killall5", "-9"),
        ] {
            assert!(hits(prog, cmd), "{prog} {cmd}");
        }
        for (prog, cmd) in [
            ("kill", "-1 1234"),
            ("kill", "-9 1234"),
            ("kill", "-s 1 1234"),
            ("kill", "-l 1"),
            ("kill", "-1"),
            ("pkill", "-u deploy node"),
            ("killall", "node"),
        ] {
            assert!(!hits(prog, cmd), "{prog} {cmd}");
        }
    }

    #[test]
    fn chmod_modes() {
        for bad in [
            "777",
            "0777",
            "1777",
            "4755",
            "2755",
            "6777",
            "u+s",
            "g+s",
            "+s",
            "a+rwx",
            "o+rwx",
            "+rwx",
            "u=rwx,o=rwx",
        ] {
            assert!(chmod_mode_dangerous(bad).is_some(), "{bad}");
        }
        for ok in ["755", "644", "u+x", "+x", "go-w", "a+r", "600"] {
            assert!(chmod_mode_dangerous(ok).is_none(), "{ok}");
        }
    }

    #[test]
    fn roots() {
        for p in [
            "/",
            "//",
            "/*",
            "~",
            "$HOME",
            "~/",
            "/etc",
            "/usr/",
            "/tmp/../etc",
            "/var/*",
        ] {
            assert!(is_protected_root(p), "{p}");
        }
        for p in ["/{bin,etc}", "/e??", "../..", "../../*", "~/.*", "/u*/bin"] {
            assert!(is_protected_root(p), "{p}");
        }
        for p in [
            "/tmp/build",
            "build",
            "./x",
            "/home/me/project",
            "*",
            "..",
            "../x",
            "{a,b}",
            "/tmp/*",
        ] {
            assert!(!is_protected_root(p), "{p}");
        }
    }

    #[test]
    fn persistence_targets() {
        for p in [
            "~/.bashrc",
            "/etc/sudoers.d/x",
            ".git/hooks/pre-commit",
            "/root/.ssh/authorized_keys",
            "/etc/cron.d/job",
            "~/.gitconfig",
        ] {
            assert!(is_sensitive_write(p), "{p}");
        }
        for p in ["notes.md", "/tmp/x", "src/.bashrc.md"] {
            assert!(!is_sensitive_write(p), "{p}");
        }
    }
}
