//! Runs the classifier over a corpus of commands, for measurements and regression checks.
//!
//! `cargo run --release -p recourse-shell --example corpus -- FILE dump` prints, one line per
//! command, the assessment and the verdict in every environment (diff two builds' outputs to
//! check that a change keeps every decision). `… FILE count N` classifies and decides the
//! whole corpus N times and prints nothing: run it under `valgrind --tool=cachegrind` (or
//! `callgrind`) for instruction counts, which machine load does not move; with
//! `--dump-after=corpus::decide`, callgrind writes one profile per command. FILE holds one JSON
//! object per line with a `command` field (the GTFOBins corpus in the shared folder).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use recourse_policy::{Environment, Policy};
use recourse_shell::Classifier;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(file), Some(mode)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: corpus FILE (dump | count N)");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(file).expect("read the corpus");
    let cmds: Vec<String> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["command"].as_str().map(str::to_owned))
        .collect();
    let policy = Policy::default();
    let c = Classifier::new(&policy.shell).expect("the default policy compiles");
    match mode.as_str() {
        "dump" => {
            for cmd in &cmds {
                let a = c.classify(cmd);
                let verdicts: Vec<String> =
                    [Environment::Dev, Environment::Staging, Environment::Prod]
                        .into_iter()
                        .map(|env| format!("{:?}", a.verdict(&policy, env)))
                        .collect();
                println!(
                    "{}\t{}\t{}",
                    serde_json::to_string(cmd).expect("a string serializes"),
                    serde_json::to_string(&a).expect("an assessment serializes"),
                    verdicts.join("\t")
                );
            }
        }
        "count" => {
            let n: u32 = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(1);
            for _ in 0..n {
                for cmd in &cmds {
                    decide(&c, &policy, cmd);
                }
            }
        }
        _ => {
            eprintln!("usage: corpus FILE (dump | count N)");
            std::process::exit(2);
        }
    }
}

/// One command classified and decided: a function of its own, so that
/// `valgrind --tool=callgrind --dump-after=corpus::decide` counts each command apart.
#[inline(never)]
fn decide(c: &Classifier, policy: &Policy, cmd: &str) {
    let a = c.classify(black_box(cmd));
    black_box(a.verdict(policy, Environment::Prod));
}
