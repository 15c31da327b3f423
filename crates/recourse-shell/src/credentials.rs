//! What names, reads or prints a credential: secret variable names, credential paths, and the
//! globs and directories that reach them without naming them.

use std::sync::OnceLock;

use crate::args::{basename, normalize_path};
use crate::glob::{expand_braces, glob_match, has_glob};
use crate::needles::NeedleSet;

/// Whether an environment variable's name says it holds a credential (`AWS_SECRET_ACCESS_KEY`,
/// `GITHUB_TOKEN`, `DB_PASSWORD`, `KUBECONFIG`, …). The classifier escalates commands that expand
/// such a variable, and the gateway redacts their values from what it records, so both sides
/// agree on which names are secret.
pub fn is_secret_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    n.starts_with("AWS_")
        || n.starts_with("GOOGLE_")
        || n.starts_with("AZURE_")
        || n.starts_with("ARM_")
        || n.starts_with("GCP_")
        || n == "KUBECONFIG"
        || n.starts_with("VAULT_")
        || [
            "TOKEN",
            "SECRET",
            "PASSWORD",
            "PASSWD",
            "CREDENTIAL",
            "API_KEY",
            "APIKEY",
            "PRIVATE_KEY",
            "ACCESS_KEY",
            // Connection strings carry passwords.
            "DATABASE_URL",
            "_DSN",
            "MONGODB_URI",
            "MONGO_URL",
            "REDIS_URL",
            "CONNECTION_STRING",
        ]
        .iter()
        .any(|s| n.contains(s))
}

/// Whether `hay` contains a fragment every credential path contains, or ends like a memory
/// device (cheap pre-check).
pub(crate) fn has_credential_needle(hay: &str) -> bool {
    // Every needle and memory-device ending is four bytes or more.
    if hay.len() < 4 {
        return false;
    }
    let t = hay.trim_end_matches('/');
    t.ends_with("mem") || t.ends_with("/port") || t.ends_with("kcore") || {
        static SET: OnceLock<NeedleSet> = OnceLock::new();
        SET.get_or_init(|| NeedleSet::new(CREDENTIAL_NEEDLES))
            .any_in(hay)
    }
}

/// Fragments at least one of which every credential path contains; most arguments contain
/// none, so the full check (which allocates) rarely runs.
const CREDENTIAL_NEEDLES: &[&str] = &[
    ".aws",
    ".kube",
    ".ssh",
    ".gnupg",
    ".azure",
    "gcloud",
    ".docker",
    "vault-token",
    "secrets",
    "password-store",
    ".env",
    "netrc",
    "credential",
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    "tfstate",
    "kubeconfig",
    "history",
    "shadow",
    "sudoers",
    "service-account",
    ".pem",
    ".key",
    ".p12",
    ".pfx",
    "environ",
    "pgpass",
    "my.cnf",
    "npmrc",
    "pypirc",
    "hosts.yml",
    "auth.json",
    "terraformrc",
    "terraform.rc",
    "serviceaccountkey",
    "vault_pass",
    "vault-password",
    "keytab",
    "krb5cc",
    "k3s.yaml",
    "admin.conf",
    "keys.txt",
    "gradle.properties",
    "settings.xml",
    ".ppk",
    ".jks",
    ".kdbx",
    ".keystore",
    "ssh_host_",
    "mylogin",
    "claude",
    "mcp.json",
    "huggingface",
    "anthropic",
    "glab-cli",
    "stripe",
    "doppler",
    "insecure_private_key",
    "login data",
    "cookies",
    "key4.db",
    "logins.json",
    "k3s",
    "key.json",
    ".boto",
    "s3cfg",
    "rclone",
    "tfrc",
    "keyrings",
    "htpasswd",
    "settings-security",
    "/hub",
];

/// Whether a path names credentials. A path that climbs out with `..` (`../../../proc/1/environ`,
/// `~/../../etc/shadow`) may reach the root: what follows the last `..` is also read from `/`.
pub(crate) fn is_credential_path(text: &str) -> bool {
    if !has_credential_needle(text) {
        return false;
    }
    if let Some(i) = text.rfind("../")
        && !text.starts_with('/')
    {
        let rest = text[i + 3..].trim_start_matches('/');
        if !rest.is_empty() && credential_path(&cat!("/", rest)) {
            return true;
        }
    }
    credential_path(text)
}

fn credential_path(text: &str) -> bool {
    let lower = normalize_path(text).to_ascii_lowercase();
    let base = basename(&lower);
    let segs: Vec<&str> = lower.split('/').collect();
    segs.iter().any(|s| CREDENTIAL_DIRS.contains(s))
        || segs.windows(2).any(|w| {
            matches!(
                w,
                [".config", "gcloud" | "hub" | "rclone"] | ["share", "keyrings"]
            )
        })
        || segs.windows(3).any(|w| w == [".config", "gh", "hosts.yml"])
        || segs.windows(2).any(|w| {
            matches!(
                w,
                [".gradle", "gradle.properties"]
                    | [".m2", "settings.xml"]
                    | [".cursor", "mcp.json"]
                    | [".huggingface" | "huggingface", "token"]
                    | ["anthropic", "key"]
                    | ["glab-cli", "config.yml"]
                    | ["stripe", "config.toml"]
                    | ["server", "token"]
                    | ["docker", "key.json"]
                    | ["kubernetes", "admin.conf"]
                    | ["age", "keys.txt"]
            )
        })
        || base.starts_with("ssh_host_") && base.ends_with("_key")
        || base.starts_with("krb5cc_")
        || lower.starts_with("/var/run/secrets")
        || lower.starts_with("/run/secrets")
        || CREDENTIAL_NAMES.contains(&base)
        || base.starts_with(".env.") && !is_env_template(base)
        || CREDENTIAL_SUFFIXES.iter().any(|x| base.ends_with(x))
        || (lower.starts_with("/proc/") && lower.ends_with("/environ"))
        // `/dev/fd/..` is `/proc/self`: `/dev/fd/../environ`.
        || matches!(base, "environ" | "mem")
            && ["/dev/fd/..", "/dev/stdin/..", "/dev/stdout/..", "/dev/stderr/.."]
                .iter()
                .any(|d| text.contains(d))
        // Memory: keys and tokens of every process.
        || matches!(lower.as_str(), "/dev/mem" | "/dev/kmem" | "/dev/port" | "/proc/kcore")
        || (lower.starts_with("/proc/") && lower.ends_with("/mem"))
}

/// `.env.example` and its kin: templates committed without values.
fn is_env_template(base: &str) -> bool {
    matches!(
        base.trim_start_matches(".env."),
        "example" | "sample" | "template" | "dist" | "defaults"
    )
}

/// Credential directories, at any depth.
const CREDENTIAL_DIRS: &[&str] = &[
    ".aws",
    ".kube",
    ".ssh",
    ".gnupg",
    ".azure",
    ".docker",
    ".vault-token",
    ".password-store",
];

/// Credential file names.
const CREDENTIAL_NAMES: &[&str] = &[
    ".env",
    ".envrc",
    ".netrc",
    ".git-credentials",
    ".npmrc",
    ".pypirc",
    ".pgpass",
    ".my.cnf",
    "credentials",
    "credentials.json",
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    "terraform.tfstate",
    "terraform.tfstate.backup",
    "kubeconfig",
    ".bash_history",
    ".zsh_history",
    "shadow",
    "gshadow",
    "sudoers",
    "service-account.json",
    "application_default_credentials.json",
    "credentials.toml",
    "credentials.tfrc.json",
    ".boto",
    ".s3cfg",
    ".htpasswd",
    "settings-security.xml",
    "shadow-",
    "gshadow-",
    ".credentials.json",
    "auth.json",
    ".terraformrc",
    "terraform.rc",
    "secrets.json",
    "secrets.yaml",
    "secrets.yml",
    "serviceaccountkey.json",
    ".vault_pass",
    ".vault-password",
    "krb5.keytab",
    "k3s.yaml",
    "_netrc",
    ".mylogin.cnf",
    "vault_pass",
    ".claude.json",
    ".doppler.yaml",
    "insecure_private_key",
    "login data",
    "cookies",
    "key4.db",
    "logins.json",
    "shadow.bak",
];

/// Suffixes of key and certificate-bundle files.
const CREDENTIAL_SUFFIXES: &[&str] = &[
    ".pem",
    ".key",
    ".p12",
    ".pfx",
    ".ppk",
    ".jks",
    ".kdbx",
    ".keystore",
    ".tfstate",
    // Shell, database and REPL histories hold pasted passwords and tokens.
    "_history",
];

/// Absolute credential locations a glob may reach from the root: a trailing `/` marks a
/// directory (anything below it counts).
const CREDENTIAL_ABSOLUTE: &[&str] = &[
    "/var/run/secrets/",
    "/run/secrets/",
    "/proc/self/environ",
    "/proc/self/mem",
    "/proc/kcore",
    "/dev/mem",
    "/dev/kmem",
    "/etc/shadow",
    "/etc/gshadow",
    "/etc/sudoers",
    "/root/",
];

/// Directories whose every file a glob below them may reach, including dot files (`shopt -s
/// dotglob` is a read-only command): a bare `*` there counts.
const GLOB_SENSITIVE_ROOTS: &[&str] = &[
    "/root", "/home", "/etc", "/proc", "/run", "/var/run", "/dev",
];

/// Whether a word holding an unquoted glob or brace expansion may expand to a credential path
/// (`~/.a*/c*`, `~/.ss?/id_*`, `/etc/sha*`, `~/.{aws,x}/credentials`, `*.pem`). Inside the
/// working directory a bare `*` and a pattern fixing only a common extension (`*.json`) do not
/// count: reading the project is what `grep -r . ` does too. Outside it (`~`, `/`, `..`) they do.
pub(crate) fn pattern_may_name_credentials(text: &str) -> bool {
    let Some(variants) = expand_braces(text, 64) else {
        return true; // too many alternatives to look at: assume the worst
    };
    variants
        .iter()
        .any(|v| is_credential_path(v) || (has_glob(v) && glob_may_name_credentials(v)))
}

fn glob_may_name_credentials(v: &str) -> bool {
    let n = normalize_path(v).to_ascii_lowercase();
    let segs: Vec<&str> = n.split('/').collect();
    let outside = n.starts_with('~')
        || segs.contains(&"..")
        || (n.starts_with('/') && segs.get(1).is_some_and(|s| has_glob(s)))
        || GLOB_SENSITIVE_ROOTS
            .iter()
            .any(|r| n == *r || n.starts_with(&format!("{r}/")));
    if n.starts_with('/') {
        for c in CREDENTIAL_ABSOLUTE {
            let dir = c.ends_with('/');
            let cs: Vec<&str> = c.trim_end_matches('/').split('/').collect();
            let fits = if dir {
                segs.len() >= cs.len()
            } else {
                segs.len() == cs.len()
            };
            if fits && cs.iter().zip(&segs).all(|(c, p)| glob_match(p, c)) {
                return true;
            }
        }
    }
    let last = segs.len().saturating_sub(1);
    for (i, seg) in segs.iter().enumerate() {
        if !has_glob(seg) {
            continue;
        }
        let bare = seg.chars().all(|c| c == '*' || c == '?');
        if !outside && (bare || common_extension_only(seg)) {
            continue;
        }
        if CREDENTIAL_DIRS
            .iter()
            .chain(&["gcloud"])
            .any(|d| glob_match(seg, d))
        {
            return true;
        }
        // Names, and one example name for each `.env.*` and suffix rule.
        if i == last
            && (CREDENTIAL_NAMES.iter().any(|f| glob_match(seg, f))
                || glob_match(seg, ".env.local")
                || CREDENTIAL_SUFFIXES
                    .iter()
                    .any(|x| glob_match(seg, &format!("x{x}"))))
        {
            return true;
        }
        if i == last && n.starts_with("/proc/") && glob_match(seg, "environ") {
            return true;
        }
    }
    false
}

/// `*.json`, `**.yaml`: a pattern fixing nothing but an extension that is not itself a
/// credential suffix.
fn common_extension_only(seg: &str) -> bool {
    let rest = seg.trim_start_matches('*');
    let Some(ext) = rest.strip_prefix('.') else {
        return false;
    };
    rest.len() < seg.len()
        && !ext.is_empty()
        && ext.chars().all(|c| c.is_ascii_alphanumeric())
        && !CREDENTIAL_SUFFIXES.contains(&rest)
        && !matches!(ext, "tfstate" | "env")
}

/// Directories above credential files: reading everything below one (`grep -r x ~`) reads the
/// credentials too.
pub(crate) fn is_credential_ancestor(text: &str) -> bool {
    // Only absolute and home paths can be one: most operands are neither, and skip the
    // normalization's allocation.
    if !text.starts_with(['/', '~', '$']) {
        return false;
    }
    let n = normalize_path(text);
    let n: &str = &n;
    matches!(
        n,
        "/" | "~"
            | "/root"
            | "/home"
            | "/etc"
            | "/proc"
            | "/run"
            | "/var"
            | "/var/run"
            | "~/.config"
    ) || n
        .strip_prefix("/home/")
        .is_some_and(|user| !user.is_empty() && !user.contains('/'))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn credential_paths() {
        for p in [
            "~/.aws/credentials",
            "/root/.ssh/id_rsa",
            "$HOME/.kube/config",
            ".env",
            "config/.env.production",
            "/proc/self/environ",
            "/var/run/secrets/kubernetes.io/serviceaccount/token",
            "~/.ssh",
            "terraform.tfstate",
            "server.pem",
            "/dev/mem",
            "/proc/1/mem",
            "/proc/kcore",
            "~/.config/gh/hosts.yml",
            "~/.config/hub",
            "~/.config/rclone/rclone.conf",
            "~/.local/share/keyrings/login.keyring",
            "~/.cargo/credentials.toml",
            "~/.terraform.d/credentials.tfrc.json",
            "~/.s3cfg",
            "~/.boto",
        ] {
            assert!(is_credential_path(p), "{p}");
        }
        for p in [
            "README.md",
            "src/main.rs",
            "/etc/hosts",
            "environment.txt",
            ".envoy.yaml",
            "/proc/meminfo",
            "docs/memo.txt",
            "~/.config/git/config",
            "github/hub.md",
            "ci/hosts.yml",
            ".env.example",
            "app/.env.sample",
        ] {
            assert!(!is_credential_path(p), "{p}");
        }
    }

    #[test]
    fn credential_patterns() {
        for p in [
            "~/.a*/c*",
            "~/*/*",
            "$HOME/.*/*",
            "/etc/sha*",
            "/*/shadow",
            "/run/secret?/*",
            "/proc/*/env*",
            "*.pem",
            ".e*",
            "../*",
            "~/.{aws,gcp}/config",
        ] {
            assert!(pattern_may_name_credentials(p), "{p}");
        }
        for p in [
            "*",
            "src/*.rs",
            "*.json",
            "*/*",
            "/tmp/*",
            "/usr/bin/*",
            "{a,b}.txt",
        ] {
            assert!(!pattern_may_name_credentials(p), "{p}");
        }
    }

    #[test]
    fn credential_ancestors() {
        for p in [
            "/",
            "~",
            "$HOME",
            "/root",
            "/home",
            "/home/alice/",
            "/etc",
            "/tmp/..",
        ] {
            assert!(is_credential_ancestor(p), "{p}");
        }
        for p in ["src", ".", "/tmp", "/home/alice/project", "/usr"] {
            assert!(!is_credential_ancestor(p), "{p}");
        }
    }

    #[test]
    fn brace_groups_over_the_cap_are_assumed_to_reach_credentials() {
        // Over the cap: assume the worst.
        assert!(pattern_may_name_credentials(
            "{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}"
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Globs and brace groups of any shape never panic and never expand past the cap.
        #[test]
        fn patterns_never_panic(s in r#"[a-z.~/*?\[\]!^{},-]{0,60}"#) {
            let _ = pattern_may_name_credentials(&s);
            if let Some(v) = expand_braces(&s, 64) {
                prop_assert!(v.len() <= 64);
            }
        }
    }
}
