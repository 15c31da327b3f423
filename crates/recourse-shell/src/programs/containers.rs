//! Container engines: the read-only subcommands, and runs that hand a container the host's
//! root filesystem or full privileges.

use recourse_policy::Reason;

use super::model::{Call, Model, Program, block, kind};

/// The room's entries.
pub(crate) const PROGRAMS: &[Program] = &[
    Program {
        names: &["docker"],
        kind: kind::READONLY | kind::MUTATING | kind::CODE_CAPABLE,
        model: Some(model),
        dangers: Some(escape),
        ..Program::NONE
    },
    Program {
        names: &["podman", "docker-compose"],
        kind: kind::READONLY | kind::MUTATING | kind::CODE_CAPABLE,
        model: Some(model),
        dangers: Some(escape),
        ..Program::NONE
    },
    Program {
        names: &["nerdctl", "ctr", "crictl"],
        dangers: Some(escape),
        ..Program::NONE
    },
];

fn model(call: &Call<'_>) -> Model {
    let mut plain = call
        .args
        .iter()
        .map(|w| w.text.as_str())
        .filter(|t| !t.starts_with('-'));
    match (plain.next(), plain.next()) {
        // (not `inspect`: it prints containers' environment variables)
        (Some("ps" | "images" | "version" | "info" | "logs" | "history" | "port" | "top"), _) => {
            Model::ReadOnly
        }
        (Some("stats"), _) if call.args.iter().any(|w| w.text == "--no-stream") => Model::ReadOnly,
        (Some("system"), Some("df")) | (Some("image"), Some("history")) => Model::ReadOnly,
        (Some("compose"), Some("ps" | "ls" | "logs" | "images" | "version" | "top")) => {
            Model::ReadOnly
        }
        // `docker image ls`, `docker volume ls`: names and ids, no environment.
        (
            Some(
                "image" | "container" | "volume" | "network" | "context" | "plugin" | "node"
                | "service" | "stack" | "secret" | "config" | "builder" | "buildx",
            ),
            Some("ls" | "list"),
        ) => Model::ReadOnly,
        _ => Model::Mutating("not a read-only docker command"),
    }
}

fn escape(call: &Call<'_>, out: &mut Vec<Reason>) {
    let (prog, args) = (call.prog, call.args);
    let text: Vec<&str> = args.iter().map(|w| w.text.as_str()).collect();
    let host_root = text.windows(2).any(|w| {
        (matches!(w[0], "-v" | "--volume" | "--mount")
            && (w[1].starts_with("/:")
                || w[1].contains("src=/,")
                || w[1].contains("source=/,")
                || w[1] == "/"))
    }) || text.iter().any(|t| {
        t.starts_with("--volume=/:")
            || t.starts_with("-v/:")
            || (t.starts_with("--mount=") && (t.contains("src=/,") || t.contains("source=/,")))
            || t.contains("src=/,dst")
    });
    let privileged = text.iter().any(|t| {
        *t == "--privileged"
            || t.starts_with("--pid=host")
            || t.starts_with("--userns=host")
            || t.starts_with("--cap-add=ALL")
            || t.starts_with("--cap-add=SYS_ADMIN")
    }) || text.windows(2).any(|w| {
        w[0] == "--pid" && w[1] == "host"
            || w[0] == "--cap-add" && matches!(w[1], "ALL" | "SYS_ADMIN")
    });
    if host_root || privileged {
        block(
            out,
            "shell.builtin.container_escape",
            format!("{prog} runs a container with the host's root filesystem or full privileges"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::OptSpec;
    use crate::syntax::Word;

    #[test]
    fn host_root_and_privileged_runs_block() {
        for (cmd, bad) in [
            ("run -v /:/host alpine", true),
            ("run --privileged alpine", true),
            ("run --pid host alpine", true),
            ("run -v ./src:/src alpine", false),
            ("ps", false),
        ] {
            let words: Vec<Word> = cmd.split_whitespace().map(Word::literal).collect();
            let mut out = Vec::new();
            escape(&Call::new("docker", &words, &OptSpec::NONE), &mut out);
            assert_eq!(!out.is_empty(), bad, "{cmd}");
        }
    }
}
