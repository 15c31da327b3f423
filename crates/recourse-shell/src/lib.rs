#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

/// Joins string pieces in one allocation of the exact size. The walker builds its finding
/// messages this way on the paths most commands take: `format!` costs several times more.
macro_rules! cat {
    ($($part:expr),+ $(,)?) => {{
        // A `match` keeps temporaries among the parts alive until the string is built.
        match [$(::core::convert::AsRef::<str>::as_ref(&$part)),+] {
            parts => {
                let mut s =
                    ::std::string::String::with_capacity(parts.iter().map(|p| p.len()).sum());
                for p in parts {
                    s.push_str(p);
                }
                s
            }
        }
    }};
}

mod args;
mod arith;
mod bind;
mod credentials;
mod dirs;
mod expand;
mod fixed;
mod glob;
mod hash;
mod needles;
mod patterns;
mod programs;
mod screen;
pub mod syntax;
mod value;
mod walk;

use recourse_policy::{
    Action, Decision, Environment, Policy, Reason, ShellClass, ShellFacts, ShellPolicy, Verdict,
};
use serde::Serialize;

pub use credentials::is_secret_name;
pub use patterns::{PatternError, PatternSet, PolicyList};
pub use screen::{MAX_INPUT_BYTES, escape_for_display};
pub use walk::{MAX_PARTS, Part};

/// A shell classifier configured with a policy's shell lists. Build it once per policy and
/// classify any number of commands with it; it holds no state between commands.
#[derive(Debug, Clone)]
pub struct Classifier {
    patterns: PatternSet,
}

/// What the classifier found in one command: the facts the policy engine decides on, and the
/// commands an approver is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    /// The overall class and the findings, for the policy engine.
    #[serde(flatten)]
    pub facts: ShellFacts,
    /// Every simple command found, with its class.
    pub parts: Vec<Part>,
    /// The files the command runs or sources as code, as written (relative to the working
    /// directory the command runs in): `sh x.sh`, `bash < x`, `./x`, `python x.py`, `node
    /// x.js`, `source x`, `. x`, `awk -f x`, `bash --rcfile x`, and for `make` its makefiles
    /// (`make -f x`, or `GNUmakefile`, `makefile` and `Makefile`, the first of which make
    /// reads), and for `python -m mod` the files the module is found as in the working
    /// directory. Binding an approval to the content of these
    /// files keeps an approved `bash deploy.sh` from running a script changed afterwards.
    /// Only literal words are listed: a script named by an expansion makes the command
    /// escalate anyway.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scripts: Vec<String>,
    /// Code the command runs that cannot be bound to an approval: a script found from a
    /// directory decided at run time (`cd "$D" && ./x`), a module an interpreter finds by
    /// name (`node -r pkg`), files a variable makes a program load (`PYTHONPATH=…`,
    /// `NODE_OPTIONS=…`), the files a makefile includes. Its content is neither shown nor
    /// pinned; a command with any escalates, naming it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unbound: Vec<Unbound>,
}

/// Code a command runs whose content cannot be bound to an approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unbound {
    /// What is run or loaded, as the command names it.
    pub what: String,
    /// Why its content cannot be bound.
    pub why: String,
}

impl Assessment {
    /// Decides the command under a policy in an environment. Code that cannot be bound
    /// ([`Assessment::unbound`]) adds a reason naming it, decided as the environment decides a
    /// command that is not read-only (escalate in staging and prod by default): an approval
    /// cannot vouch for code it does not show.
    pub fn verdict(&self, policy: &Policy, env: Environment) -> Verdict {
        let mut v = policy.evaluate(env, Action::Shell(&self.facts));
        if !self.unbound.is_empty() {
            v.push(Reason::new(
                policy.environment(env).shell.max(Decision::Warn),
                "shell.unbound_code",
                self.unbound_message(),
            ));
        }
        v
    }

    /// One sentence naming the code that cannot be bound.
    fn unbound_message(&self) -> String {
        const SHOWN: usize = 8;
        let mut list: Vec<String> = self
            .unbound
            .iter()
            .take(SHOWN)
            .map(|u| cat!("`", u.what, "` (", u.why, ")"))
            .collect();
        if self.unbound.len() > SHOWN {
            list.push(format!("and {} more", self.unbound.len() - SHOWN));
        }
        cat!(
            "the command runs code that is neither shown to an approver nor pinned: ",
            list.join("; ")
        )
    }
}

impl Classifier {
    /// Compiles a shell policy's lists. Fails, naming the entry, if one is not a valid pattern.
    pub fn new(policy: &ShellPolicy) -> Result<Classifier, PatternError> {
        Ok(Classifier {
            patterns: PatternSet::compile(policy)?,
        })
    }

    /// Classifies one command string. Never panics; anything it cannot understand is at least
    /// `escalate`.
    pub fn classify(&self, command: &str) -> Assessment {
        let mut findings: Vec<Reason> = screen::screen(command);
        if command.len() > MAX_INPUT_BYTES {
            return Assessment {
                facts: ShellFacts {
                    class: ShellClass::Unknown,
                    findings,
                },
                parts: Vec::new(),
                scripts: Vec::new(),
                unbound: Vec::new(),
            };
        }
        let mut walker = walk::Walker::new(&self.patterns);
        match syntax::parse(command) {
            Ok(mut script) => {
                walker.script(&script, 0);
                walker.fill_parts(&mut script);
            }
            Err(e) => {
                walker.finding(
                    Decision::Escalate,
                    "shell.parse_error",
                    format!("the command does not parse: {e}"),
                );
                walker.raise(ShellClass::Unknown);
            }
        }
        if walker.parts.is_empty() && walker.class == ShellClass::ReadOnly && findings.is_empty() {
            walker.raise(ShellClass::Unknown);
            walker.finding(
                Decision::Escalate,
                "shell.input.empty",
                "the command runs nothing".into(),
            );
        }
        walker.unbound_class();
        if findings.is_empty() {
            findings = std::mem::take(&mut walker.findings);
        } else {
            findings.append(&mut walker.findings);
        }
        Assessment {
            facts: ShellFacts {
                class: walker.class,
                findings,
            },
            parts: walker.parts,
            scripts: walker.scripts,
            unbound: walker.unbound,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scripts(cmd: &str) -> Vec<String> {
        let policy = Policy::default();
        let c = Classifier::new(&policy.shell).unwrap_or_else(|e| panic!("{e}"));
        c.classify(cmd).scripts
    }

    #[test]
    fn scripts_the_command_runs() {
        for (cmd, want) in [
            ("sh x.sh", &["x.sh"][..]),
            ("bash x", &["x"]),
            ("./x --flag", &["./x"]),
            ("bin/run", &["bin/run"]),
            ("python x.py arg", &["x.py"]),
            ("python3 -u scripts/gen.py", &["scripts/gen.py"]),
            ("node x.js", &["x.js"]),
            ("perl x", &["x"]),
            ("ruby x", &["x"]),
            ("source x", &["x"]),
            (". ./env.sh", &["./env.sh"]),
            ("bash < x", &["x"]),
            ("make -f x", &["x"]),
            ("make --file=build.mk all", &["build.mk"]),
            ("make", &["GNUmakefile", "makefile", "Makefile"]),
            (
                "make -C sub test",
                &["sub/GNUmakefile", "sub/makefile", "sub/Makefile"],
            ),
            ("awk -f prog.awk data", &["prog.awk"]),
            ("sed -f edit.sed f", &["edit.sed"]),
            ("bash --rcfile rc -i", &["rc"]),
            ("sudo bash deploy.sh", &["deploy.sh"]),
            (
                "sh -c './setup.sh && ./run.sh'",
                &["./setup.sh", "./run.sh"],
            ),
            ("find . -exec ./fix.sh {} \\;", &["./fix.sh"]),
            ("deno run --allow-read a.ts", &["a.ts"]),
            ("bun run b.ts", &["bunfig.toml", "b.ts", "package.json"]),
            ("bash /dev/stdin < x.sh", &["x.sh"]),
            // The working directory comes first on `-m`'s module path.
            (
                "python3 -m http.server",
                &[
                    "http/__init__.py",
                    "http/server.py",
                    "http/server/__main__.py",
                    "http/server/__init__.py",
                ],
            ),
        ] {
            assert_eq!(scripts(cmd), want, "{cmd}");
        }
        for cmd in [
            "python3 -c 'print(1)'",
            "bash -c 'ls'",
            "/usr/bin/ls",
            "ls -la",
            "bash $X",
            "node -e 1",
            "bash <(curl -s http://x)",
            "source <(echo ls)",
            "find . -name '*.sh' -exec bash {} \\;",
            "source /dev/stdin <<< ls",
        ] {
            assert!(scripts(cmd).is_empty(), "{cmd}: {:?}", scripts(cmd));
        }
    }
}
