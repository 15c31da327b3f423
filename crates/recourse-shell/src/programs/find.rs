//! find: the actions that delete or write, where its start points are, and the commands its
//! `-exec`, `-execdir`, `-ok` and `-okdir` actions run.

use recourse_policy::Reason;

use crate::args::basename;
use crate::syntax::Word;

use super::dangers::is_protected_root;
use super::model::{Call, Model, Program, Runs, Shape, block, kind};

/// The room's entries.
pub(crate) const PROGRAMS: &[Program] = &[Program {
    names: &["find"],
    kind: kind::READONLY | kind::FINDS,
    runs: Runs::Find,
    model: Some(model),
    dangers: Some(dangers),
    output: Some(output),
    writes: Some(written),
    ..Program::NONE
}];

/// The primaries that delete, write or run commands: a word that becomes one of them (a
/// glob matching a planted file named `-delete`) changes what find does.
pub(crate) const ACTIONS: &[&str] = &[
    "-delete", "-exec", "-execdir", "-ok", "-okdir", "-fprint", "-fprint0", "-fprintf", "-fls",
];

/// The files `-fprint`, `-fprint0`, `-fprintf` and `-fls` write.
fn written<'a>(call: &Call<'a>) -> Vec<&'a str> {
    call.args
        .windows(2)
        .filter(|w| {
            matches!(
                w[0].text.as_str(),
                "-fprint" | "-fprint0" | "-fprintf" | "-fls"
            )
        })
        .map(|w| w[1].text.as_str())
        .collect()
}

/// Paths under relative start points stay inside the working directory and start with the
/// start point (`./x`, `src/x`), never with `-`.
fn output(call: &Call<'_>) -> Shape {
    let mut starts = start_points(call.args).peekable();
    let relative = starts.peek().is_none()
        || starts.all(|w| w.is_static() && !crate::args::outside_working_dir(&w.text));
    if relative {
        Shape::Paths
    } else {
        Shape::Content
    }
}

fn model(call: &Call<'_>) -> Model {
    let bad = ["-delete", "-fprint", "-fprint0", "-fprintf", "-fls"];
    match call.args.iter().find(|w| bad.contains(&w.text.as_str())) {
        Some(_) => Model::Mutating("find deletes or writes files"),
        None => Model::ReadOnly,
    }
}

/// The start points: after the global options (`-H`, `-L`, `-P`, `-D …`, `-O3`), up to the
/// first expression word.
pub(crate) fn start_points(args: &[Word]) -> impl Iterator<Item = &Word> {
    let mut i = 0;
    while let Some(w) = args.get(i) {
        match w.text.as_str() {
            "-H" | "-L" | "-P" | "--" => i += 1,
            "-D" => i += 2,
            t if t.starts_with("-O") => i += 1,
            _ => break,
        }
    }
    args.iter()
        .skip(i)
        .take_while(|w| !w.text.starts_with('-') && !matches!(w.text.as_str(), "(" | "!"))
}

/// Whether a start point (as the expression's first words, global options not skipped) is a
/// system or home root.
fn starts_at_root(args: &[Word]) -> bool {
    // `find -L ~ -delete`, `find -- / -delete`: global options come first.
    start_points(args).any(|w| is_protected_root(&w.text))
}

/// The command lines its `-exec`-style actions run (an action with no command yields an empty
/// one).
pub(crate) fn exec_commands(args: &[Word]) -> Vec<&[Word]> {
    exec_actions(args).into_iter().map(|(c, _)| c).collect()
}

/// The command lines its `-exec`-style actions run, each with whether it runs in the
/// directory of the file found (`-execdir`, `-okdir`): a path it names relative to that
/// directory is decided at run time.
pub(crate) fn exec_actions(args: &[Word]) -> Vec<(&[Word], bool)> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(w) = args.get(i) {
        i += 1;
        if matches!(w.text.as_str(), "-exec" | "-execdir" | "-ok" | "-okdir") {
            let in_match_dir = w.text.ends_with("dir");
            let from = i;
            while args.get(i).is_some_and(|w| w.text != ";" && w.text != "+") {
                i += 1;
            }
            out.push((args.get(from..i).unwrap_or_default(), in_match_dir));
            i += 1;
        }
    }
    out
}

fn dangers(call: &Call<'_>, out: &mut Vec<Reason>) {
    if !starts_at_root(call.args) {
        return;
    }
    for inner in exec_commands(call.args) {
        if inner
            .first()
            .is_some_and(|w| matches!(basename(&w.text), "rm" | "shred" | "unlink"))
        {
            block(
                out,
                "shell.builtin.recursive_delete_root",
                "find over a system or home root deleting what it finds".into(),
            );
        }
    }
    if call.args.iter().any(|w| w.text == "-delete") {
        block(
            out,
            "shell.builtin.recursive_delete_root",
            "find -delete over a system or home root".into(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::OptSpec;

    fn words(s: &str) -> Vec<Word> {
        s.split_whitespace().map(Word::literal).collect()
    }

    #[test]
    fn exec_actions_and_start_points() {
        let w = words("-L ~ . -name x -exec rm {} ; -ok ls +");
        let starts: Vec<&str> = start_points(&w).map(|w| w.text.as_str()).collect();
        assert_eq!(starts, ["~", "."]);
        let cmds: Vec<usize> = exec_commands(&w).iter().map(|c| c.len()).collect();
        assert_eq!(cmds, [2, 1]);
        let w = words("/ -delete");
        let mut out = Vec::new();
        dangers(&Call::new("find", &w, &OptSpec::NONE), &mut out);
        assert_eq!(out.len(), 1);
        let w = words(". -delete");
        assert!(matches!(
            model(&Call::new("find", &w, &OptSpec::NONE)),
            Model::Mutating(_)
        ));
    }
}
