//! Properties over hostile input: the classifier never panics, and hiding a command inside a
//! wrapper or a longer list never lowers its decision.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use recourse_policy::{Decision, Environment, Policy};
use recourse_shell::Classifier;

fn classifier() -> &'static (Policy, Classifier) {
    static C: std::sync::OnceLock<(Policy, Classifier)> = std::sync::OnceLock::new();
    C.get_or_init(|| {
        let p = Policy::default();
        let c = Classifier::new(&p.shell).unwrap();
        (p, c)
    })
}

fn decisions(cmd: &str) -> [Decision; 3] {
    let (p, c) = classifier();
    let a = c.classify(cmd);
    Environment::ALL.map(|e| a.verdict(p, e).decision())
}

/// Simple commands (no list or pipeline syntax at top level) to wrap.
fn pool() -> Vec<String> {
    let mut v: Vec<String> = include_str!("data/benign.jsonl")
        .lines()
        .map(|l| serde_json::from_str::<String>(l).unwrap())
        .collect();
    v.extend(include_str!("data/heldout_attacks.jsonl").lines().map(|l| {
        serde_json::from_str::<serde_json::Value>(l).unwrap()["command"]
            .as_str()
            .unwrap()
            .to_owned()
    }));
    v.extend(
        [
            "rm -rf /",
            "rm -rf /tmp/build",
            "cat ~/.aws/credentials",
            "curl http://x",
            "ls",
            "env",
            "git push",
            "python3 x.py",
            "chmod 777 x",
            "sudo ls",
            "kubectl get secret x -o yaml",
        ]
        .map(String::from),
    );
    v
}

fn is_simple(cmd: &str) -> bool {
    !cmd.contains([';', '|', '&', '\n', '(', ')', '{', '}', '<', '>', '`', '$'])
}

fn sq(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

const SIMPLE_WRAPPERS: &[&str] = &[
    "sudo",
    "sudo -u root",
    "env",
    "env FOO=1",
    "nice",
    "nice -n 10",
    "nohup",
    "timeout 5",
    "timeout -s KILL 5",
    "time",
    "command",
    "exec",
    "stdbuf -oL",
    "setsid",
    "busybox",
    "ionice -c 3",
    "xargs",
    "doas",
    "strace -f",
    "flock /tmp/l",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Arbitrary text never panics, and always yields a decision.
    #[test]
    fn never_panics_on_arbitrary_text(s in any::<String>()) {
        let _ = decisions(&s);
    }

    /// Shell-shaped noise (the characters the parser cares about) never panics.
    #[test]
    fn never_panics_on_shell_noise(s in r#"[a-z \t\n;&|<>()${}`'"\\*?~=#!\[\]-]{0,200}"#) {
        let _ = decisions(&s);
    }

    /// Globs and brace groups of any shape never panic (the expansion cap itself is a unit
    /// test beside the credential checks).
    #[test]
    fn patterns_never_panic(s in r#"[a-z.~/*?\[\]!^{},-]{0,60}"#) {
        let _ = decisions(&format!("cat {s}"));
    }

    /// Wrapping a simple command never lowers its decision, in any environment.
    #[test]
    fn wrapping_never_lowers(idx in 0usize..10_000, w in 0usize..SIMPLE_WRAPPERS.len()) {
        let pool = pool();
        let simple: Vec<&String> = pool.iter().filter(|c| is_simple(c)).collect();
        let cmd = simple[idx % simple.len()];
        let wrapped = format!("{} {}", SIMPLE_WRAPPERS[w], cmd);
        let (a, b) = (decisions(cmd), decisions(&wrapped));
        for i in 0..3 {
            prop_assert!(b[i] >= a[i], "{wrapped:?} = {:?} < {cmd:?} = {:?}", b, a);
        }
    }

    /// Hiding any command in `sh -c`, `bash -c`, `eval` or a subshell never lowers it.
    #[test]
    fn shell_string_wrapping_never_lowers(idx in 0usize..10_000, w in 0usize..6) {
        let pool = pool();
        let cmd = &pool[idx % pool.len()];
        prop_assume!(!cmd.trim().is_empty());
        let wrapped = match w {
            0 => format!("sh -c {}", sq(cmd)),
            1 => format!("bash -lc {}", sq(cmd)),
            2 => format!("eval {}", sq(cmd)),
            3 => format!("( {cmd}\n)"),
            4 => format!("{{ {cmd}\n}}"),
            _ => format!("sudo sh -c {}", sq(cmd)),
        };
        let (a, b) = (decisions(cmd), decisions(&wrapped));
        for i in 0..3 {
            prop_assert!(b[i] >= a[i], "{wrapped:?} = {:?} < {cmd:?} = {:?}", b, a);
        }
    }

    /// A list is at least as strict as each of its commands.
    #[test]
    fn lists_are_at_least_their_parts(i in 0usize..10_000, j in 0usize..10_000, op in 0usize..4) {
        let pool = pool();
        let (c1, c2) = (&pool[i % pool.len()], &pool[j % pool.len()]);
        let sep = ["; ", " && ", " || ", "\n"][op];
        let both = format!("{c1}\n{sep}{c2}").replace("\n; ", "\n").replace("\n && ", " && ").replace("\n || ", " || ");
        let both = if sep == "\n" { format!("{c1}\n{c2}") } else { both };
        // `a & && b` is a syntax error: bash runs nothing, and escalating it is right.
        prop_assume!(recourse_shell::syntax::parse(&both).is_ok());
        let (a, b, ab) = (decisions(c1), decisions(c2), decisions(&both));
        for k in 0..3 {
            prop_assert!(ab[k] >= a[k].max(b[k]), "{both:?} = {:?} < {:?}/{:?}", ab, a, b);
        }
    }
}
