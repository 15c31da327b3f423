//! Which files a command runs are bound (found from the directory the shell will be in), and
//! which code it runs cannot be bound (listed in `unbound`, and never read-only).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use recourse_policy::{Decision, Environment, Policy, ShellClass};
use recourse_shell::{Assessment, Classifier};

fn classify(cmd: &str) -> Assessment {
    static C: std::sync::OnceLock<Classifier> = std::sync::OnceLock::new();
    C.get_or_init(|| Classifier::new(&Policy::default().shell).unwrap())
        .classify(cmd)
}

fn unbound(a: &Assessment) -> Vec<&str> {
    a.unbound.iter().map(|u| u.what.as_str()).collect()
}

/// (command, the scripts bound, what is unbound)
fn check(rows: &[(&str, &[&str], &[&str])]) {
    for (cmd, scripts, missing) in rows {
        let a = classify(cmd);
        assert_eq!(a.scripts, *scripts, "scripts of {cmd}: {:?}", a.unbound);
        assert_eq!(unbound(&a), *missing, "unbound of {cmd}: {:?}", a.unbound);
        if !missing.is_empty() {
            assert_ne!(a.facts.class, ShellClass::ReadOnly, "{cmd}");
        }
    }
}

#[test]
fn scripts_are_found_where_cd_leaves_the_shell() {
    check(&[
        ("cd sub && ./run.sh", &["sub/run.sh"], &[]),
        ("cd sub && sh x.sh", &["sub/x.sh"], &[]),
        ("cd -- sub && sh x.sh", &["sub/x.sh"], &[]),
        // `cd` may fail: then the script runs from where the shell started.
        ("cd sub; sh x.sh", &["sub/x.sh", "x.sh"], &[]),
        ("cd sub || ./x", &["./x"], &[]),
        ("cd sub || exit; ./x", &["sub/x", "./x"], &[]),
        ("! cd sub || ./x", &["sub/x"], &[]),
        ("(cd sub && . ./lib.sh)", &["sub/lib.sh"], &[]),
        ("(cd sub && ./a.sh); ./b.sh", &["sub/a.sh", "./b.sh"], &[]),
        ("cd .. && ./x", &["../x"], &[]),
        ("cd sub && cd .. && ./x", &["./x"], &[]),
        ("cd a/b && ./x", &["a/b/x"], &[]),
        ("cd /opt/app && ./x", &["/opt/app/x"], &[]),
        // A path that climbs out of a directory keeps its spelling: the gateway compares
        // what the kernel resolves it to with what it says.
        ("cd sub && ../x.sh", &["sub/../x.sh"], &[]),
        // Subshells: pipeline stages, substitutions, background lists.
        ("cd sub | ./x", &["./x"], &[]),
        ("echo $(cd sub) && ./x", &["./x"], &[]),
        ("cd sub & ./x", &["./x"], &[]),
        ("sh -c 'cd sub && ./x'", &["sub/x"], &[]),
        // A function moves the shell when it is called, not when it is defined.
        ("f() { cd sub; }; ./x", &["./x"], &[]),
        // (It may also have failed before its `cd`.)
        ("f() { cd sub; }; f && ./x", &["./x", "sub/x"], &[]),
        ("if cd sub; then ./x; fi", &["sub/x", "./x"], &[]),
        (
            "pushd sub && ./x && popd && ./y",
            &["sub/x", "sub/y", "./y"],
            &[],
        ),
        (
            "cd sub && node -r ./p.js x.js",
            &["sub/p.js", "sub/x.js"],
            &[],
        ),
        (
            "cd sub && make",
            &["sub/GNUmakefile", "sub/makefile", "sub/Makefile"],
            &["the makefiles' `include`s"],
        ),
    ]);
}

#[test]
fn a_directory_decided_at_run_time_leaves_its_scripts_unbound() {
    check(&[
        ("cd \"$D\" && ./x", &[], &["./x"]),
        ("cd - && ./x", &[], &["./x"]),
        ("cd && ./x", &[], &["./x"]),
        ("cd ~/w && ./x", &[], &["./x"]),
        ("pushd $D; ./x", &["./x"], &["./x"]),
        ("cd sub/* && ./x", &[], &["./x"]),
        ("CDPATH=/tmp; cd sub && ./x", &[], &["./x"]),
        ("set -P; cd a/.. && ./x", &[], &["./x"]),
        ("cd \"$D\" && sh /opt/x.sh", &["/opt/x.sh"], &[]),
        ("while true; do ./x; cd sub; done", &["./x"], &["./x"]),
        (
            ". ./env.sh && ./deploy.sh",
            &["./env.sh", "./deploy.sh"],
            &["./deploy.sh"],
        ),
        ("source \"$F\"", &[], &["$F"]),
        ("bash $X", &[], &["$X"]),
        ("find . -exec bash {} \\;", &[], &["{}"]),
    ]);
    let a = classify("cd \"$D\" && ./x");
    assert!(a.unbound[0].why.contains("cd $D"), "{:?}", a.unbound);
    // Each pass of the loop runs `./x` from another directory.
    let a = classify("for d in a b; do cd $d; ./x; done");
    assert!(
        a.unbound.iter().any(|u| u.why.contains("loop")),
        "{:?}",
        a.unbound
    );
}

#[test]
fn code_loaded_by_options_is_bound_or_listed() {
    check(&[
        ("node -r ./evil.js app.js", &["./evil.js", "app.js"], &[]),
        ("node --require ./x.js x.sh", &["./x.js", "x.sh"], &[]),
        ("node --import=./q.mjs x.js", &["./q.mjs", "x.js"], &[]),
        (
            "node -r dotenv/config app.js",
            &["app.js"],
            &["dotenv/config"],
        ),
        ("node -r ./noext app.js", &["app.js"], &["./noext"]),
        (
            "python3 -m x",
            &["x.py", "x/__main__.py", "x/__init__.py"],
            &[],
        ),
        ("python3 -I -m x", &[], &[]),
        ("python3 -W ignore x.py", &["x.py"], &[]),
        ("python3 -X dev x.py", &["x.py"], &[]),
        (
            "python3 --check-hash-based-pycs always x.py",
            &["x.py"],
            &[],
        ),
        ("ruby -r./x y.rb", &["./x.rb", "y.rb"], &[]),
        ("ruby -I lib -r x y.rb", &["lib/x.rb", "y.rb"], &[]),
        ("ruby -r json y.rb", &["y.rb"], &[]),
        ("perl -Ilib -MFoo y.pl", &["lib/Foo.pm", "y.pl"], &[]),
        (
            "php -d auto_prepend_file=x.php y.php",
            &["x.php", "y.php"],
            &[],
        ),
        ("lua -l m x.lua", &["m.lua", "m/init.lua", "x.lua"], &[]),
        ("ruby -C sub y.rb", &["y.rb"], &["sub"]),
        ("node -r \"$M\" x.js", &["x.js"], &["$M"]),
    ]);
}

#[test]
fn code_loaded_by_variables_is_bound_or_listed() {
    check(&[
        ("BASH_ENV=./x sh -c true", &["./x"], &[]),
        ("BASH_ENV=x.sh bash -c true", &["x.sh"], &[]),
        ("env BASH_ENV=./x bash -c true", &["./x"], &[]),
        ("ENV=./rc sh -i", &["./rc"], &[]),
        ("BASH_ENV=$F bash -c true", &[], &["BASH_ENV=$F"]),
        ("LD_PRELOAD=./evil.so ls", &["./evil.so"], &[]),
        ("LD_PRELOAD=libfoo.so ls", &[], &[]),
        (
            "NODE_OPTIONS='-r ./p.js' node x.js",
            &["./p.js", "x.js"],
            &[],
        ),
        (
            "export NODE_OPTIONS='--require ./p.js'; node x.js",
            &["./p.js", "x.js"],
            &[],
        ),
        ("RUBYOPT=-r./x ruby y.rb", &["./x.rb", "y.rb"], &[]),
        ("PERL5OPT=-Mlib=. perl y.pl", &["y.pl"], &[]),
        (
            "PYTHONPATH=lib python3 x.py",
            &["x.py"],
            &["PYTHONPATH=lib"],
        ),
        ("PYTHONSTARTUP=s.py python3 -i", &["s.py"], &[]),
        ("cd sub && BASH_ENV=./x sh -c true", &["sub/x"], &[]),
    ]);
    let a = classify("MAKEFILES=x.mk make");
    assert_eq!(
        a.scripts,
        ["x.mk", "GNUmakefile", "makefile", "Makefile"],
        "{a:?}"
    );
}

#[test]
fn unbound_code_escalates_in_prod_naming_it() {
    let p = Policy::default();
    for cmd in [
        "cd \"$D\" && ./x",
        "PYTHONPATH=lib python3 x.py",
        "node -r pkg x.js",
    ] {
        let a = classify(cmd);
        let v = a.verdict(&p, Environment::Prod);
        assert!(v.decision() >= Decision::Escalate, "{cmd}");
        let reason = v
            .reasons()
            .iter()
            .find(|r| r.rule.as_str() == "shell.unbound_code")
            .unwrap_or_else(|| panic!("{cmd}: {v:?}"));
        assert!(reason.message.contains(&a.unbound[0].what), "{reason:?}");
        assert!(
            a.verdict(&p, Environment::Dev).decision() >= Decision::Warn,
            "{cmd}"
        );
    }
    // Nothing unbound: no such reason.
    let v = classify("cd sub && ./x").verdict(&p, Environment::Prod);
    assert!(
        v.reasons()
            .iter()
            .all(|r| r.rule.as_str() != "shell.unbound_code")
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// After `cd DIR &&`, every relative script is found under DIR; after a `cd` to a
    /// directory decided at run time, no relative script is bound at all.
    #[test]
    fn relative_scripts_follow_cd(
        dir in "[a-z]{1,6}(/[a-z]{1,6}){0,2}",
        name in "[a-z]{1,6}\\.(sh|py|js)",
        form in 0usize..6,
    ) {
        let run = [
            format!("sh {name}"),
            format!("./{name}"),
            format!(". ./{name}"),
            format!("python3 -W ignore {name}"),
            format!("node -r ./{name} app.js"),
            format!("BASH_ENV=./{name} bash -c true"),
        ][form].clone();
        let a = classify(&format!("cd {dir} && {run}"));
        prop_assert!(!a.scripts.is_empty());
        let under = format!("{dir}/");
        for s in &a.scripts {
            prop_assert!(s.starts_with(&under), "{} in {:?}", s, a.scripts);
        }
        let a = classify(&format!("cd \"$X\" && {run}"));
        prop_assert!(a.scripts.iter().all(|s| s.starts_with('/')), "{:?}", a.scripts);
        prop_assert!(!a.unbound.is_empty());
        prop_assert!(a.facts.class != ShellClass::ReadOnly);
        let a = classify(&format!("(cd {dir} && {run}); {run}"));
        prop_assert!(a.scripts.iter().any(|s| !s.starts_with(&under)));
    }
}

/// Red-team rt2 N2/N3/N5/N7 and the "reason only" items: each bypass next to a harmless
/// form of it.
#[test]
fn directories_chosen_by_other_programs_leave_scripts_unbound() {
    check(&[
        // N2: `-execdir` runs from each match's directory; `-exec` from here.
        ("find sub -name x.sh -execdir sh x.sh \\;", &[], &["x.sh"]),
        ("find sub -name x.sh -execdir ./x.sh \\;", &[], &["./x.sh"]),
        ("find sub -name x.sh -execdir sh x.sh {} +", &[], &["x.sh"]),
        ("find sub -name x.sh -okdir sh x.sh \\;", &[], &["x.sh"]),
        ("find sub -name x.sh -exec sh x.sh \\;", &["x.sh"], &[]),
        (
            "find sub -execdir /opt/fix.sh {} \\;",
            &["/opt/fix.sh"],
            &[],
        ),
        // N3: `env -C` moves the command like `cd`.
        ("env -C sub sh x.sh", &["sub/x.sh"], &[]),
        ("env --chdir=sub sh x.sh", &["sub/x.sh"], &[]),
        ("env --chdir sub ./x.sh", &["sub/x.sh"], &[]),
        ("env -Csub sh x.sh", &["sub/x.sh"], &[]),
        ("env -C sub sh x.sh; sh y.sh", &["sub/x.sh", "y.sh"], &[]),
        ("sudo -D sub ./x.sh", &["sub/x.sh"], &[]),
        ("env FOO=1 sh x.sh", &["x.sh"], &[]),
        // N5: a git alias runs from the repository's top directory.
        ("cd sub && git -c alias.x='!sh x.sh' x", &[], &["x.sh"]),
        ("git -C sub -c alias.x='!sh x.sh' x", &[], &["x.sh"]),
        ("git -c alias.x='!sh /opt/x.sh' x", &["/opt/x.sh"], &[]),
        ("cd sub && sh x.sh", &["sub/x.sh"], &[]),
    ]);
    let a = classify("env -C \"$D\" sh x.sh");
    assert!(a.scripts.is_empty(), "{a:?}");
    assert_eq!(unbound(&a), ["x.sh"]);
}

#[test]
fn a_changed_path_leaves_names_without_a_slash_unbound() {
    check(&[
        // N7: `.` searches PATH.
        ("PATH=sub:$PATH; . x.sh", &["x.sh"], &["x.sh"]),
        ("PATH=sub:$PATH; source x.sh", &["x.sh"], &["x.sh"]),
        ("export PATH=sub:$PATH; . x.sh", &["x.sh"], &["x.sh"]),
        ("PATH=.:$PATH x.sh", &[], &["x.sh"]),
        ("PATH=sub:$PATH; sh x.sh", &["x.sh"], &["sh", "x.sh"]),
        ("PATH=sub:$PATH; . ./x.sh", &["./x.sh"], &[]),
        ("PATH=sub:$PATH; echo hi", &[], &[]),
        // The harmless forms: PATH untouched.
        (". x.sh", &["x.sh"], &[]),
        ("sh x.sh", &["x.sh"], &[]),
        ("X=sub:$PATH; . x.sh", &["x.sh"], &[]),
    ]);
    // A subshell's PATH stays in the subshell.
    let a = classify("(PATH=sub:$PATH); . x.sh");
    assert_eq!(unbound(&a), Vec::<&str>::new(), "{a:?}");
}

#[test]
fn code_fed_to_an_interpreter_is_bound_or_named() {
    check(&[
        ("cat x.sh | sh", &["x.sh"], &[]),
        ("cat < x.sh | bash", &["x.sh"], &[]),
        ("cat x.sh | grep -v '#' | sh", &[], &["the input of `sh`"]),
        ("cat x.sh | wc -l", &[], &[]),
        ("bash -c \"$(cat x.sh)\"", &["x.sh"], &[]),
        ("bash -c \"$X\"", &[], &["$X"]),
        ("bash -c 'cat x.sh'", &[], &[]),
        ("exec <x.sh; sh", &["x.sh"], &[]),
        ("exec >out.log; sh x.sh", &["x.sh"], &[]),
        ("echo x.sh | xargs sh", &[], &["x.sh"]),
        ("xargs -a list sh", &[], &["list"]),
        ("echo x.sh | xargs wc -l", &[], &[]),
        (
            "HOME=. bash -l -c true",
            &[],
            &["~/.bash_profile ~/.bash_login ~/.profile"],
        ),
        ("bash -c true", &[], &[]),
        ("sort -S 64k -T . --compress-program=./z big", &["./z"], &[]),
        ("sort -S 64k -T . big", &[], &[]),
        ("tar -tf a.tar -I ./z", &["./z"], &[]),
        ("tar -I 'sh z' -tf a.tar", &[], &["sh z"]),
        ("tar -tf a.tar", &[], &[]),
    ]);
}
