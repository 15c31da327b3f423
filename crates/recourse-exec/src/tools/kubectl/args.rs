//! Kubernetes argument validation. Every value that ends up in kubectl's argument vector is
//! checked here, so `name: "--all"` or `--namespace=kube-system` smuggled into a field is
//! rejected rather than passed on; and the whole vector passes [`check_argv`] before a job is
//! built, so no path through the preparers can add an option that changes cluster, identity or
//! credentials.

use recourse_policy::is_dns_label;

/// An argument that is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field} `{value}`: {why}")]
pub struct InvalidArg {
    /// Field name.
    pub field: &'static str,
    /// The value (shortened).
    pub value: String,
    /// What is expected.
    pub why: &'static str,
}

fn invalid(field: &'static str, value: &str, why: &'static str) -> InvalidArg {
    InvalidArg {
        field,
        value: value.chars().take(80).collect(),
        why,
    }
}

/// RFC 1123 subdomain: lowercase alphanumerics, `-` and `.`, alphanumeric at both ends.
pub fn is_dns_subdomain(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 253
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-' || *c == b'.')
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// A namespace.
pub fn namespace(v: &str) -> Result<String, InvalidArg> {
    if is_dns_label(v) {
        Ok(v.to_owned())
    } else {
        Err(invalid(
            "namespace",
            v,
            "an RFC 1123 label (lowercase letters, digits, '-')",
        ))
    }
}

/// An object name.
pub fn name(field: &'static str, v: &str) -> Result<String, InvalidArg> {
    if is_dns_subdomain(v) {
        Ok(v.to_owned())
    } else {
        Err(invalid(
            field,
            v,
            "an RFC 1123 name (lowercase letters, digits, '-', '.')",
        ))
    }
}

/// A resource type such as `pods`, `deploy` or `deployments.apps`.
pub fn resource(v: &str) -> Result<String, InvalidArg> {
    let ok = !v.is_empty()
        && v.len() <= 253
        && v.as_bytes()[0].is_ascii_lowercase()
        && v.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-');
    if ok {
        Ok(v.to_owned())
    } else {
        Err(invalid(
            "resource",
            v,
            "a resource type such as pods, deploy or deployments.apps",
        ))
    }
}

/// A label selector.
pub fn selector(v: &str) -> Result<String, InvalidArg> {
    let ok = !v.is_empty()
        && !v.starts_with('-')
        && v.len() <= 1024
        && v.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"._/=!,() -".contains(&c));
    if ok {
        Ok(v.to_owned())
    } else {
        Err(invalid(
            "selector",
            v,
            "a label selector such as app=web,tier!=db",
        ))
    }
}

/// An output format: one the gateway can check for Secret values (structured formats are
/// parsed and redacted; tables and names carry no values). Templates print whatever they
/// select and cannot be checked.
pub fn output(v: &str) -> Result<String, InvalidArg> {
    if matches!(v, "wide" | "yaml" | "json" | "name") {
        Ok(v.to_owned())
    } else {
        Err(invalid(
            "output",
            v,
            "one of wide, yaml, json, name (jsonpath, go-template and custom-columns are refused: their output cannot be checked for Secret values)",
        ))
    }
}

/// A `--since` duration such as `5m`.
pub fn since(v: &str) -> Result<String, InvalidArg> {
    let (num, unit) = v.split_at(v.len().saturating_sub(1));
    if !num.is_empty() && num.bytes().all(|c| c.is_ascii_digit()) && matches!(unit, "s" | "m" | "h")
    {
        Ok(v.to_owned())
    } else {
        Err(invalid("since", v, "a duration such as 30s, 5m or 2h"))
    }
}

/// Options a kubectl argument vector may never carry, whoever put them there: they change
/// which cluster, which identity or which credentials kubectl uses, or what it sends
/// (`--overrides`), or reach past the decided objects. The gateway's own `--kubeconfig`,
/// `--cache-dir` and `--context` are added by the runner after this check, from configuration.
const NEVER: &[&str] = &[
    "--server",
    "-s",
    "--token",
    "--as",
    "--as-group",
    "--as-uid",
    "--kubeconfig",
    "--context",
    "--cluster",
    "--user",
    "--username",
    "--password",
    "--client-certificate",
    "--client-key",
    "--certificate-authority",
    "--insecure-skip-tls-verify",
    "--tls-server-name",
    "--cache-dir",
    "--overrides",
    "--raw",
    "--all",
    "--all-namespaces",
    "-A",
    "--kustomize",
    "-k",
    "--prune",
    "--filename",
    "-f",
    "--recursive",
    "-R",
];

/// The seven subcommands the tools run, and the options each may carry (always as one
/// `--name=value` word, so that no option can take the next word as its value).
const SUBCOMMANDS: &[(&str, &[&str])] = &[
    ("get", &["--namespace", "--selector", "--output"]),
    ("logs", &["--namespace", "--container", "--tail", "--since"]),
    ("describe", &["--namespace"]),
    ("apply", &["--filename", "--dry-run"]),
    ("delete", &["--namespace"]),
    ("scale", &["--namespace", "--replicas"]),
    ("exec", &["--namespace", "--container"]),
];

/// A kubectl argument vector that failed the final check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the kubectl arguments were refused by the final check: {0}")]
pub struct ArgvRefused(String);

/// The last check before a kubectl job is built: whatever the preparers did, the argument
/// vector runs one of the seven subcommands, carries only that subcommand's options (plus the
/// operator's configured apply options), never one of [`NEVER`], and no positional word that
/// kubectl could read as an option. After an `exec`'s `--` come the container's command words,
/// which kubectl does not parse.
pub(crate) fn check_argv(argv: &[String], operator: &[String]) -> Result<(), ArgvRefused> {
    let refuse = |why: String| Err(ArgvRefused(why));
    let Some((sub, rest)) = argv.split_first() else {
        return refuse("empty".into());
    };
    let Some((_, allowed)) = SUBCOMMANDS.iter().find(|(s, _)| s == sub) else {
        return refuse(format!("subcommand `{sub}` is not one of the seven tools"));
    };
    let end = match rest.iter().position(|a| a == "--") {
        Some(i) if *sub == "exec" => i,
        Some(_) => return refuse(format!("`--` in `{sub}`")),
        None => rest.len(),
    };
    for arg in &rest[..end] {
        let flag = arg.split_once('=').map_or(arg.as_str(), |(f, _)| f);
        if NEVER.contains(&flag) && !(flag == "--filename" && arg == "--filename=-") {
            return refuse(format!("`{flag}` is never passed to kubectl"));
        }
        if !arg.starts_with('-') {
            if arg.is_empty() || arg.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return refuse(format!("argument `{arg}`"));
            }
            continue;
        }
        let operator_arg = *sub == "apply" && operator.iter().any(|o| o == arg);
        if !operator_arg && (!arg.contains('=') || !allowed.contains(&flag)) {
            return refuse(format!("option `{arg}` is not one `{sub}` takes"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_smuggled_flags() {
        assert!(name("name", "--all").is_err());
        assert!(namespace("--namespace=kube-system").is_err());
        assert!(namespace("Kube-System").is_err());
        assert!(resource("pods --all-namespaces").is_err());
        assert!(selector("-l x").is_err());
        assert!(output("jsonpath={.data}").is_err());
        assert!(output("go-template={{.data}}").is_err());
        assert!(output("custom-columns=D:.data").is_err());
        assert!(since("5 m").is_err());
        assert_eq!(name("name", "web-1.a").unwrap(), "web-1.a");
    }

    fn v(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn the_final_check_refuses_what_no_tool_builds() {
        let ok = [
            v(&["get", "pods.v1.", "--namespace=shop", "--output=yaml"]),
            v(&["apply", "--filename=-", "--dry-run=server"]),
            v(&[
                "exec",
                "web",
                "--namespace=shop",
                "--",
                "sh",
                "-c",
                "--as=root",
            ]),
            v(&[
                "scale",
                "deployments.v1.apps/web",
                "--replicas=0",
                "--namespace=shop",
            ]),
        ];
        for argv in ok {
            assert_eq!(check_argv(&argv, &[]), Ok(()), "{argv:?}");
        }
        let refused = [
            v(&[]),
            v(&["proxy", "--port=8001"]),
            v(&["auth", "can-i", "--list"]),
            v(&["get", "pods", "--server=https://evil"]),
            v(&["get", "pods", "-s", "https://evil"]),
            v(&["get", "pods", "--token=x"]),
            v(&["delete", "pods", "x", "--as=system:admin"]),
            v(&["get", "pods", "--as-group=system:masters"]),
            v(&["get", "pods", "--kubeconfig=/tmp/k"]),
            v(&["get", "pods", "--context=prod"]),
            v(&["exec", "web", "--overrides={}", "--", "id"]),
            v(&["apply", "--filename=/etc/k8s/admin.yaml"]),
            v(&["apply", "--filename=-", "--prune"]),
            v(&["get", "pods", "--namespace", "kube-system"]),
            v(&["get", "pods", "--all-namespaces=true"]),
            v(&["describe", "pods", "--selector=a=b"]),
            v(&["get", "pods", "--", "x"]),
            v(&["get", "pods x"]),
        ];
        for argv in refused {
            assert!(check_argv(&argv, &[]).is_err(), "{argv:?}");
        }
        // The operator's apply options pass; not when they would add a forbidden option.
        let op = v(&["--validate=false", "--server-side"]);
        assert_eq!(
            check_argv(
                &v(&["apply", "--filename=-", "--validate=false", "--server-side"]),
                &op
            ),
            Ok(())
        );
        assert!(check_argv(&v(&["get", "pods", "--validate=false"]), &op).is_err());
        let bad = v(&["--as=admin"]);
        assert!(check_argv(&v(&["apply", "--filename=-", "--as=admin"]), &bad).is_err());
    }
}
