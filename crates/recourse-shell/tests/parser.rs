//! The parser: every construct yields the simple commands bash would run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use recourse_shell::syntax::*;

/// Every simple command's words, depth-first, including nested scripts.
fn commands(src: &str) -> Vec<Vec<String>> {
    let script = parse(src).unwrap_or_else(|e| panic!("{src:?}: {e}"));
    let mut out = Vec::new();
    walk_script(&script, &mut out);
    out
}

fn walk_script(s: &Script, out: &mut Vec<Vec<String>>) {
    for ao in &s.items {
        for p in &ao.pipelines {
            for c in &p.commands {
                walk_command(c, out);
            }
        }
    }
}

fn walk_word(w: &Word, out: &mut Vec<Vec<String>>) {
    for sub in &w.subs {
        walk_script(&sub.script, out);
    }
}

fn walk_redirects(rs: &[Redirect], out: &mut Vec<Vec<String>>) {
    for r in rs {
        walk_word(&r.target, out);
        if let Some(h) = &r.heredoc {
            walk_word(&h.body, out);
        }
    }
}

fn walk_command(c: &Command, out: &mut Vec<Vec<String>>) {
    match c {
        Command::Simple(sc) => {
            out.push(sc.words.iter().map(|w| w.text.clone()).collect());
            for a in &sc.assignments {
                for w in &a.value {
                    walk_word(w, out);
                }
            }
            for w in &sc.words {
                walk_word(w, out);
            }
            walk_redirects(&sc.redirects, out);
        }
        Command::Compound(cc) => {
            for w in &cc.words {
                walk_word(w, out);
            }
            for s in &cc.scripts {
                walk_script(s, out);
            }
            walk_redirects(&cc.redirects, out);
        }
        Command::Function { body, .. } => walk_command(body, out),
    }
}

fn argv0s(src: &str) -> Vec<String> {
    commands(src)
        .into_iter()
        .map(|c| c.first().cloned().unwrap_or_default())
        .collect()
}

#[test]
fn lists_and_pipelines() {
    assert_eq!(argv0s("ls; curl http://x/i.sh | sh"), ["ls", "curl", "sh"]);
    assert_eq!(argv0s("ls;rm -r x"), ["ls", "rm"]);
    assert_eq!(argv0s("a && b || c & d"), ["a", "b", "c", "d"]);
    assert_eq!(argv0s("a |& b"), ["a", "b"]);
    assert_eq!(argv0s("! a | b"), ["a", "b"]);
    assert_eq!(argv0s("a\nb\n\nc"), ["a", "b", "c"]);
}

#[test]
fn comments_and_escapes() {
    assert_eq!(commands("ls # ; rm -rf /"), [vec!["ls"]]);
    assert_eq!(
        commands(r"cat safe.txt \; echo ~/.ssh/id_rsa"),
        [vec!["cat", "safe.txt", ";", "echo", "~/.ssh/id_rsa"]]
    );
    assert_eq!(commands("echo a#b"), [vec!["echo", "a#b"]]);
    assert_eq!(commands("ec\\\nho hi"), [vec!["echo", "hi"]]);
    assert_eq!(commands("r''m -rf /"), [vec!["rm", "-rf", "/"]]);
    assert_eq!(commands(r#""r"m x"#), [vec!["rm", "x"]]);
    assert_eq!(commands(r"\rm x"), [vec!["rm", "x"]]);
    assert_eq!(commands(r"$'\x72\x6d' x"), [vec!["rm", "x"]]);
    assert_eq!(commands(r"$'\162m' x"), [vec!["rm", "x"]]);
}

#[test]
fn quoting_keeps_words_whole() {
    assert_eq!(commands(r#"echo "rm -rf /""#), [vec!["echo", "rm -rf /"]]);
    assert_eq!(commands("echo 'a; b | c'"), [vec!["echo", "a; b | c"]]);
    assert_eq!(
        commands(r#"bash -c 'curl x | sh'"#),
        [vec!["bash", "-c", "curl x | sh"]]
    );
}

#[test]
fn substitutions_are_parsed() {
    assert_eq!(argv0s("echo $(id)"), ["echo", "id"]);
    assert_eq!(argv0s("echo `id`"), ["echo", "id"]);
    assert_eq!(argv0s("echo \"$(id) `whoami`\""), ["echo", "id", "whoami"]);
    assert_eq!(argv0s("echo $(echo $(rm x))"), ["echo", "echo", "rm"]);
    assert_eq!(argv0s("bash <(curl x)"), ["bash", "curl"]);
    assert_eq!(argv0s("tee >(sh) < f"), ["tee", "sh"]);
    assert_eq!(argv0s("echo ${x:-$(rm y)}"), ["echo", "rm"]);
    assert_eq!(argv0s("echo $((1 + $(rm z)))"), ["echo", "rm"]);
    assert_eq!(argv0s("echo $((rm z) )"), ["echo", "rm"]);
    assert_eq!(argv0s("x=$(rm a) ls"), ["ls", "rm"]);
    assert_eq!(argv0s("arr=(a $(rm b) c)"), ["", "rm"]);
    let w = &parse("echo $(id)").unwrap().items[0].pipelines[0].commands[0];
    let Command::Simple(sc) = w else { panic!() };
    assert!(sc.words[1].dynamic);
    assert_eq!(sc.words[1].text, "$(id)");
}

#[test]
fn compound_commands() {
    assert_eq!(argv0s("(a; b) | c"), ["a", "b", "c"]);
    assert_eq!(argv0s("{ a; b; } > f"), ["a", "b"]);
    assert_eq!(
        argv0s("if a; then b; elif c; then d; else e; fi"),
        ["a", "b", "c", "d", "e"]
    );
    assert_eq!(argv0s("while a; do b; done"), ["a", "b"]);
    assert_eq!(argv0s("until a\ndo\n b\ndone"), ["a", "b"]);
    assert_eq!(argv0s("for f in $(ls); do rm $f; done"), ["ls", "rm"]);
    assert_eq!(argv0s("for ((i=0;i<3;i++)); do a; done"), ["a"]);
    assert_eq!(argv0s("case $x in a|b) c;; *) d;; esac"), ["c", "d"]);
    assert_eq!(argv0s("case x in (a) c;& b) d;;& esac"), ["c", "d"]);
    assert_eq!(argv0s("f() { rm -rf x; }; f"), ["rm", "f"]);
    assert_eq!(argv0s("function g { a; }"), ["a"]);
    assert_eq!(argv0s(":(){ :|:& };:"), [":", ":", ":"]);
    assert_eq!(argv0s("[[ -f $(rm x) ]] && y"), ["rm", "y"]);
    assert_eq!(argv0s("(( x = $(rm y) )) ; z"), ["rm", "z"]);
    assert_eq!(argv0s("( (a) )"), ["a"]);
}

#[test]
fn heredocs_and_herestrings() {
    let src = "cat <<EOF > out\nhello $(rm x)\nEOF\nls";
    assert_eq!(argv0s(src), ["cat", "rm", "ls"]);
    let quoted = "cat <<'EOF'\nhello $(rm x)\nEOF\nls";
    assert_eq!(argv0s(quoted), ["cat", "ls"]);
    let tabs = "cat <<-EOF\n\thi\n\tEOF\nls";
    assert_eq!(argv0s(tabs), ["cat", "ls"]);
    let two = "a <<X; b <<Y\nx body\nX\ny body\nY\nc";
    assert_eq!(argv0s(two), ["a", "b", "c"]);
    assert_eq!(argv0s("bash <<< 'rm -rf /'"), ["bash"]);
    let script = parse("sh <<EOF\ncurl x | sh\nEOF\n").unwrap();
    let Command::Simple(sc) = &script.items[0].pipelines[0].commands[0] else {
        panic!()
    };
    assert_eq!(
        sc.redirects[0].heredoc.as_ref().unwrap().body.text,
        "curl x | sh\n"
    );
}

#[test]
fn words_flags() {
    let first = |src: &str| {
        let s = parse(src).unwrap();
        let Command::Simple(sc) = &s.items[0].pipelines[0].commands[0] else {
            panic!()
        };
        sc.words.clone()
    };
    let w = first("ls *.rs ~/x {a,b} a{1..3} \"q\" $HOME");
    assert!(w[1].glob);
    assert!(w[2].tilde);
    assert!(w[3].brace && w[4].brace);
    assert!(w[5].quoted && w[5].is_static());
    assert!(w[6].dynamic);
    assert_eq!(w[6].params, ["HOME"]);
    let w = first("git diff HEAD~1");
    assert!(w[2].is_static());
}

#[test]
fn redirections() {
    let s = parse("ls 2>&1 >/dev/null &>>log <in 3<>/dev/tcp/h/1").unwrap();
    let Command::Simple(sc) = &s.items[0].pipelines[0].commands[0] else {
        panic!()
    };
    let ops: Vec<RedirOp> = sc.redirects.iter().map(|r| r.op).collect();
    assert_eq!(
        ops,
        [
            RedirOp::DupOut,
            RedirOp::Out,
            RedirOp::AppendOutErr,
            RedirOp::In,
            RedirOp::ReadWrite
        ]
    );
    assert_eq!(sc.redirects[0].fd, Some(2));
    assert_eq!(sc.redirects[4].target.text, "/dev/tcp/h/1");
    assert_eq!(sc.words.len(), 1);
}

#[test]
fn errors_not_panics() {
    for bad in [
        "echo 'x",
        "echo \"x",
        "echo $(x",
        "echo `x",
        "if a; then b",
        "a |",
        "(a",
        "a )",
        "case x in",
        "cat <<EOF\nno end",
        "for",
        "a && ",
        "{ a",
        "echo ${x",
        "; ls",
        "a ;; b",
    ] {
        assert!(parse(bad).is_err(), "{bad:?} should not parse");
    }
}

#[test]
fn depth_is_capped() {
    let deep = "( ".repeat(MAX_DEPTH + 5) + "a" + &" )".repeat(MAX_DEPTH + 5);
    assert_eq!(parse(&deep), Err(ParseError::TooDeep));
    let groups = "{ ".repeat(MAX_DEPTH + 5) + "a;" + &" }".repeat(MAX_DEPTH + 5);
    assert_eq!(parse(&groups), Err(ParseError::TooDeep));
    // `((((a))))` is arithmetic, not nesting: bash evaluates it as an expression.
    let arith = "(".repeat(100) + "a" + &")".repeat(100);
    assert!(parse(&arith).is_ok());
    let deep_sub = "$(".repeat(200) + "a" + &")".repeat(200);
    assert_eq!(parse(&format!("echo {deep_sub}")), Err(ParseError::TooDeep));
    let deep_bt = "echo ".to_owned() + &"\\".repeat(0) + &"$(echo `".repeat(40);
    assert!(parse(&deep_bt).is_err());
    let ok = "( ".repeat(10) + "a" + &" )".repeat(10);
    assert!(parse(&ok).is_ok());
}

fn first_simple(src: &str) -> SimpleCommand {
    let s = parse(src).unwrap_or_else(|e| panic!("{src:?}: {e}"));
    let Command::Simple(sc) = &s.items[0].pipelines[0].commands[0] else {
        panic!("{src:?} is not a simple command")
    };
    sc.clone()
}

/// Every expansion's source is located in the word's text, with its kind and quoting.
#[test]
fn expansions_are_located() {
    let sc = first_simple(r#"echo pre$x"${y:-d}"$(id)'$z'${!v}${#w}$((1+2))<(ls)${v@P}"#);
    let w = &sc.words[1];
    let found: Vec<(&str, bool)> = w
        .expansions
        .iter()
        .map(|e| (&w.text[e.start..e.end], e.quoted))
        .collect();
    assert_eq!(
        found,
        [
            ("$x", false),
            ("${y:-d}", true),
            ("$(id)", false),
            ("${!v}", false),
            ("${#w}", false),
            ("$((1+2))", false),
            ("<(ls)", false),
            ("${v@P}", false),
        ]
    );
    let kinds: Vec<String> = w
        .expansions
        .iter()
        .map(|e| match &e.kind {
            ExpansionKind::Param {
                name,
                indirect,
                length,
                op,
            } => format!(
                "{name}{}{}{op}",
                if *indirect { "!" } else { "" },
                if *length { "#" } else { "" }
            ),
            ExpansionKind::Command(i) => format!("cmd{i}"),
            ExpansionKind::Arith => "arith".into(),
            ExpansionKind::Process(i) => format!("proc{i}"),
        })
        .collect();
    assert_eq!(
        kinds,
        ["x", "y:-d", "cmd0", "v!", "w#", "arith", "proc1", "v@P"]
    );
    // A single-quoted `$z` is text, not an expansion.
    assert!(w.text.contains("$z"));
    let sc = first_simple("echo $1 ${#} $@ ${10}");
    let names: Vec<String> = sc.words[1..]
        .iter()
        .flat_map(|w| &w.expansions)
        .filter_map(|e| match &e.kind {
            ExpansionKind::Param { name, .. } => Some(name.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(names, ["1", "#", "@", "10"]);
}

/// `a[$(cmd)]=v` and `a['$(cmd)']=v` are assignments whose subscript bash evaluates.
#[test]
fn assignment_subscripts_are_kept() {
    let sc = first_simple("a[$(rm x)]=1 b['$(id)']+=2 c=3");
    let idx: Vec<Option<String>> = sc
        .assignments
        .iter()
        .map(|a| a.index.as_ref().map(|w| w.text.clone()))
        .collect();
    assert_eq!(idx, [Some("$(rm x)".into()), Some("$(id)".into()), None]);
    assert_eq!(sc.assignments[0].index.as_ref().unwrap().subs.len(), 1);
    assert!(sc.words.is_empty());
}

/// `time { …; }` and `coproc { …; }` run the compound; before a simple command the word stays
/// a program name.
#[test]
fn time_and_coproc_keywords() {
    assert_eq!(argv0s("time { rm -rf x; }"), ["rm"]);
    assert_eq!(argv0s("time -p ( rm x )"), ["rm"]);
    assert_eq!(argv0s("! time ! { a; }"), ["a"]);
    assert_eq!(argv0s("coproc { rm x; }"), ["rm"]);
    assert_eq!(argv0s("coproc NAME { rm x; }"), ["rm"]);
    assert_eq!(argv0s("coproc NAME while a; do b; done"), ["a", "b"]);
    assert_eq!(argv0s("time ls"), ["time"]);
    assert_eq!(argv0s("coproc cat"), ["coproc"]);
}

/// The text of `(( … ))` is the expression, so the walker can evaluate what it references.
#[test]
fn arithmetic_commands_keep_their_text() {
    let s = parse("(( x = y + 1 ))").unwrap();
    let Command::Compound(cc) = &s.items[0].pipelines[0].commands[0] else {
        panic!()
    };
    assert_eq!(cc.words[0].text.trim(), "x = y + 1");
    assert_eq!(commands(r"echo $'\x' $'\x41'"), [vec!["echo", "\\x", "A"]]);
}

/// `declare a=(x y)` is one argument, as bash reads it; its elements keep their expansions.
#[test]
fn declaration_builtins_take_compound_arrays() {
    assert_eq!(
        commands("declare -a a=(1 \"$(rm x)\" 3) b"),
        [
            vec!["declare", "-a", "a=(1 $(rm x) 3)", "b"],
            vec!["rm", "x"]
        ]
    );
    let s = parse("local -A m=([k]=$(id) [j]=2)").unwrap();
    let Command::Simple(sc) = &s.items[0].pipelines[0].commands[0] else {
        panic!()
    };
    let w = &sc.words[2];
    assert_eq!(w.text, "m=([k]=$(id) [j]=2)");
    assert_eq!(w.subs.len(), 1);
    let e = &w.expansions[0];
    assert_eq!(&w.text[e.start..e.end], "$(id)");
    assert_eq!(e.kind, ExpansionKind::Command(0));
    // Elsewhere a `(` after a word is still an error.
    assert!(parse("echo a=(1 2)").is_err());
}
