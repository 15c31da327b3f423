//! Programs that fetch, send or connect over the network: downloaders, raw sockets, remote
//! shells and copies, and tunnels that open this machine to the outside.

use recourse_policy::Reason;

use crate::args::OptSpec;

use super::model::{Call, Flag, Model, Program, block, escalate, kind};

/// The room's entries.
pub(crate) const PROGRAMS: &[Program] = &[
    Program {
        names: &["curl"],
        kind: kind::FETCHER | kind::NETWORK,
        options: OptSpec::new(
            "AbcCdDeEFHKmoPQrTuUwxXyYz",
            &[
                "output",
                "data",
                "data-binary",
                "data-raw",
                "data-urlencode",
                "data-ascii",
                "form",
                "form-string",
                "header",
                "request",
                "user",
                "user-agent",
                "referer",
                "upload-file",
                "proxy",
                "url",
                "cookie",
                "cookie-jar",
                "config",
                "max-time",
                "connect-timeout",
                "write-out",
                "json",
                "range",
                "output-dir",
                "dump-header",
                "resolve",
                "connect-to",
            ],
        ),
        dangers: Some(curl),
        writes: Some(output_file),
        ..Program::NONE
    },
    Program {
        names: &["wget"],
        kind: kind::FETCHER | kind::NETWORK,
        options: OptSpec::new(
            "oOaAdeiDPQtTUwRlXIB",
            &[
                "output-document",
                "output-file",
                "append-output",
                "post-file",
                "post-data",
                "body-file",
                "body-data",
                "method",
                "header",
                "user-agent",
                "input-file",
                "directory-prefix",
                "execute",
            ],
        ),
        dangers: Some(wget),
        writes: Some(wget_output),
        ..Program::NONE
    },
    Program {
        names: &[
            "fetch",
            "aria2c",
            "lwp-download",
            "lwp-request",
            "GET",
            "POST",
            "HEAD",
            "http",
            "https",
            "xh",
        ],
        kind: kind::FETCHER,
        options: OptSpec::new("o", &["output"]),
        dangers: Some(metadata),
        writes: Some(output_file),
        ..Program::NONE
    },
    Program {
        // The conservative split (every letter a flag) also catches `-lvpe /bin/sh`.
        names: &["nc", "ncat", "netcat"],
        kind: kind::FETCHER | kind::NETWORK,
        dangers: Some(netcat),
        ..Program::NONE
    },
    Program {
        names: &["socat"],
        kind: kind::FETCHER | kind::NETWORK,
        dangers: Some(socat),
        ..Program::NONE
    },
    Program {
        names: &["socket"],
        kind: kind::NETWORK,
        dangers: Some(socket),
        ..Program::NONE
    },
    Program {
        names: &["telnet"],
        kind: kind::FETCHER | kind::NETWORK | kind::PAGER,
        flag: Flag::escalate(
            "shell.builtin.raw_network",
            "opens a raw network connection",
        ),
        ..Program::NONE
    },
    Program {
        names: &["ssh"],
        kind: kind::FETCHER | kind::NETWORK | kind::PAGER | kind::CODE_CAPABLE,
        options: OptSpec::new("BbcDEeFIiJLlmOopQRSWw", &[]),
        dangers: Some(ssh),
        ..Program::NONE
    },
    Program::of(&["ftp"], kind::FETCHER | kind::PAGER),
    Program {
        names: &["openssl"],
        kind: kind::FETCHER | kind::NETWORK | kind::READONLY,
        model: Some(openssl),
        decodes: Some(openssl_decodes),
        offline: Some(openssl_offline),
        parses_only: Some(openssl_parses_only),
        ..Program::NONE
    },
    Program {
        names: &["scp"],
        kind: kind::FETCHER | kind::CODE_CAPABLE,
        dangers: Some(remote_copy),
        ..Program::NONE
    },
    Program {
        names: &["sftp"],
        kind: kind::FETCHER,
        dangers: Some(remote_copy),
        ..Program::NONE
    },
    Program {
        names: &["rsync"],
        kind: kind::FETCHER | kind::CODE_CAPABLE,
        dangers: Some(remote_copy),
        writes: Some(last_operand),
        ..Program::NONE
    },
    Program::of(&["tftp", "smbclient", "s3cmd"], kind::FETCHER),
    Program {
        names: &["gh"],
        kind: kind::FETCHER,
        dangers: Some(super::builders::prints_tokens),
        ..Program::NONE
    },
    Program::of(
        &[
            "mail",
            "mailx",
            "sendmail",
            "mutt",
            "dig",
            "nslookup",
            "host",
            "drill",
            "ping",
            "ping6",
            "traceroute",
            "whois",
        ],
        kind::SENDS,
    ),
    Program {
        names: &["code"],
        dangers: Some(code_tunnel),
        ..Program::NONE
    },
    Program {
        names: &[
            "ngrok",
            "cloudflared",
            "chisel",
            "frpc",
            "bore",
            "lt",
            "localtunnel",
        ],
        flag: Flag::block(
            "shell.builtin.tunnel",
            "opens remote access to this machine",
        ),
        ..Program::NONE
    },
];

fn output_file<'a>(call: &Call<'a>) -> Vec<&'a str> {
    let mut out = call.opts.values_of(Some('o'), Some("output"));
    // `curl -O URL` saves under the URL's last path segment.
    if call.prog == "curl" && (call.opts.has_short('O') || call.opts.has_long("remote-name")) {
        out.extend(call.operands().filter_map(url_file));
    }
    out
}

fn wget_output<'a>(call: &Call<'a>) -> Vec<&'a str> {
    let named = call.opts.values_of(Some('O'), Some("output-document"));
    if named.is_empty() {
        call.operands().filter_map(url_file).collect()
    } else {
        named
    }
}

/// The file name a download of a URL is saved under: its last path segment.
fn url_file(url: &str) -> Option<&str> {
    let path = url.split(['?', '#']).next()?;
    let (_, name) = path.split_once("://")?.1.rsplit_once('/')?;
    (!name.is_empty()).then_some(name)
}

fn last_operand<'a>(call: &Call<'a>) -> Vec<&'a str> {
    call.operands().next_back().into_iter().collect()
}

/// Instance metadata services hand out the machine's cloud credentials.
const METADATA: &[&str] = &[
    "169.254.169.254",
    "metadata.google.internal",
    "100.100.100.200",
    "fd00:ec2::254",
    "169.254.170.2",
];

/// A fetch from an instance metadata service.
fn metadata(call: &Call<'_>, out: &mut Vec<Reason>) {
    if call
        .args
        .iter()
        .any(|w| METADATA.iter().any(|m| w.text.contains(m)))
    {
        block(
            out,
            "shell.builtin.cloud_credentials",
            format!(
                "{} reads the instance metadata service, which hands out the machine's cloud credentials",
                call.prog
            ),
        );
    }
}

fn curl(call: &Call<'_>, out: &mut Vec<Reason>) {
    metadata(call, out);
    let (p, args) = (&call.opts, call.args);
    let upload = p.has_short('T')
        || p.has_short('F')
        || p.has_long("upload-file")
        || p.has_long("form")
        || p.longs
            .iter()
            .any(|(l, _)| l.starts_with("data") || *l == "json")
        || args.iter().any(|w| w.text.starts_with("-d"))
        || args
            .windows(2)
            .any(|w| w[0].text == "-X" && matches!(w[1].text.as_str(), "POST" | "PUT" | "PATCH"));
    if upload {
        escalate(
            out,
            "shell.builtin.upload",
            "curl sends local data over the network".into(),
        );
    }
}

fn wget(call: &Call<'_>, out: &mut Vec<Reason>) {
    metadata(call, out);
    if ["post-file", "post-data", "body-file", "body-data", "method"]
        .iter()
        .any(|l| call.opts.has_long(l))
    {
        escalate(
            out,
            "shell.builtin.upload",
            "wget sends local data over the network".into(),
        );
    }
}

fn netcat(call: &Call<'_>, out: &mut Vec<Reason>) {
    let p = &call.opts;
    let prog = call.prog;
    if p.has_short('e')
        || p.has_short('c')
        || p.has_long("exec")
        || p.has_long("sh-exec")
        || p.has_long("lua-exec")
    {
        block(
            out,
            "shell.builtin.reverse_shell",
            format!("{prog} -e/-c connects a program to the network (reverse or bind shell)"),
        );
    } else {
        escalate(
            out,
            "shell.builtin.raw_network",
            format!("{prog} opens a raw network connection"),
        );
    }
}

fn socat(call: &Call<'_>, out: &mut Vec<Reason>) {
    escalate(
        out,
        "shell.builtin.raw_network",
        "socat opens raw network connections".into(),
    );
    let lower: Vec<String> = call.operands().map(|t| t.to_ascii_lowercase()).collect();
    let execs = lower
        .iter()
        .any(|t| t.starts_with("exec:") || t.starts_with("system:"));
    let net = lower.iter().any(|t| {
        [
            "tcp",
            "udp",
            "ssl",
            "openssl",
            "sctp",
            "socks",
            "proxy",
            "ip4",
            "ip6",
            "unix-connect",
        ]
        .iter()
        .any(|n| t.starts_with(n))
    });
    if execs && net {
        block(
            out,
            "shell.builtin.reverse_shell",
            "socat connects a program to the network (reverse or bind shell)".into(),
        );
    } else if execs {
        escalate(
            out,
            "shell.builtin.spawns_shell",
            "socat exec: runs a program".into(),
        );
    }
}

fn socket(call: &Call<'_>, out: &mut Vec<Reason>) {
    if call
        .args
        .iter()
        .any(|w| w.text.starts_with('-') && !w.text.starts_with("--") && w.text.contains('p'))
    {
        block(
            out,
            "shell.builtin.reverse_shell",
            "socket -p connects a program to the network".into(),
        );
    }
}

fn remote_copy(call: &Call<'_>, out: &mut Vec<Reason>) {
    // `rsync -a --delete empty/ ~/`: mirroring an empty tree onto a root deletes it.
    if call
        .args
        .iter()
        .any(|w| w.text.starts_with("--delete") || w.text.starts_with("--remove-source-files"))
        && call.operands().any(super::dangers::is_protected_root)
    {
        block(
            out,
            "shell.builtin.recursive_delete_root",
            format!("{} --delete onto or from a system or home root", call.prog),
        );
    }
    if call
        .operands()
        .next_back()
        .is_some_and(|t| t.contains(':') && !t.starts_with('/'))
    {
        escalate(
            out,
            "shell.builtin.upload",
            format!("{} copies files to another host", call.prog),
        );
    }
}

/// `ssh -R` opens a port on another host that leads into this machine; `-D` and `-L` turn
/// this machine into a proxy.
fn ssh(call: &Call<'_>, out: &mut Vec<Reason>) {
    let p = &call.opts;
    if p.has_short('R')
        || p.values_of(Some('o'), None)
            .iter()
            .any(|o| o.to_ascii_lowercase().starts_with("remoteforward"))
    {
        block(
            out,
            "shell.builtin.tunnel",
            "ssh -R opens remote access to this machine".into(),
        );
    } else if p.has_short('D') || p.has_short('L') {
        escalate(
            out,
            "shell.builtin.tunnel",
            "ssh -D/-L forwards connections through this machine".into(),
        );
    }
}

/// The subcommands that connect to another host; the others work on local files.
fn openssl_offline(call: &Call<'_>) -> bool {
    !matches!(
        call.operands().next(),
        None | Some("s_client" | "s_server" | "s_time" | "ocsp" | "srp")
    )
}

/// `openssl x509|crl|verify` print only the certificates and revocation lists they parse: a
/// private key (or any other file) named to them is refused, never printed.
fn openssl_parses_only(call: &Call<'_>) -> bool {
    matches!(call.operands().next(), Some("x509" | "crl" | "verify"))
}

/// Subcommands that only print what they read. Options that write files, load engines or
/// providers (code), read a config (which can load them) or sign with a private key are not
/// read-only.
fn openssl(call: &Call<'_>) -> Model {
    let reads = matches!(
        call.operands().next(),
        Some(
            "x509"
                | "crl"
                | "verify"
                | "asn1parse"
                | "version"
                | "list"
                | "help"
                | "ciphers"
                | "errstr"
                | "dgst"
                | "sha256"
                | "sha1"
                | "md5"
        )
    );
    let risky = call.args.iter().any(|w| {
        let t = w.text.trim_start_matches('-');
        w.text.starts_with('-')
            && matches!(
                t.split('=').next().unwrap_or_default(),
                "out"
                    | "keyout"
                    | "writerand"
                    | "engine"
                    | "provider"
                    | "provider-path"
                    | "config"
                    | "sign"
                    | "signkey"
                    | "CAcreateserial"
                    | "CAserial"
                    | "CAkey"
                    | "key"
            )
    });
    if reads && !risky {
        Model::ReadOnly
    } else {
        Model::Unknown
    }
}

fn openssl_decodes(call: &Call<'_>) -> bool {
    call.args
        .iter()
        .any(|w| w.text == "-d" || w.text == "base64")
}

fn code_tunnel(call: &Call<'_>, out: &mut Vec<Reason>) {
    if call.operands().next() == Some("tunnel") {
        block(
            out,
            "shell.builtin.tunnel",
            "code tunnel opens remote access to this machine".into(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::Word;

    fn dangers_of(prog: &str, f: fn(&Call<'_>, &mut Vec<Reason>), cmd: &str) -> Vec<Reason> {
        let words: Vec<Word> = cmd.split_whitespace().map(Word::literal).collect();
        let mut out = Vec::new();
        f(&Call::new(prog, &words, &OptSpec::NONE), &mut out);
        out
    }

    #[test]
    fn openssl_subcommands() {
        let call = |cmd: &str| -> (Model, bool) {
            let words: Vec<Word> = cmd.split_whitespace().map(Word::literal).collect();
            let c = Call::new("openssl", &words, &OptSpec::NONE);
            (openssl(&c), openssl_offline(&c))
        };
        assert_eq!(call("x509 -in c.crt -noout -text"), (Model::ReadOnly, true));
        assert_eq!(call("dgst -sha256 f"), (Model::ReadOnly, true));
        assert_eq!(call("x509 -in c.crt -out d.der"), (Model::Unknown, true));
        assert_eq!(call("req -engine x -new"), (Model::Unknown, true));
        assert_eq!(call("s_client -connect h:443"), (Model::Unknown, false));
        assert_eq!(call(""), (Model::Unknown, false));
    }

    #[test]
    fn download_names() {
        assert_eq!(url_file("http://e/x/a.sh?x=1"), Some("a.sh"));
        assert_eq!(url_file("http://e/"), None);
        assert_eq!(url_file("a.sh"), None);
    }

    #[test]
    fn reverse_shells_and_uploads() {
        use recourse_policy::Decision;
        let top = |v: Vec<Reason>| v.iter().map(|r| r.decision).max();
        assert_eq!(
            top(dangers_of("nc", netcat, "-lvpe /bin/sh 4444")),
            Some(Decision::Block)
        );
        assert_eq!(
            top(dangers_of("nc", netcat, "host 80")),
            Some(Decision::Escalate)
        );
        assert_eq!(
            top(dangers_of("socat", socat, "tcp:h:1 exec:sh")),
            Some(Decision::Block)
        );
        assert_eq!(
            top(dangers_of("curl", curl, "-d @x http://h")),
            Some(Decision::Escalate)
        );
        assert_eq!(top(dangers_of("curl", curl, "-s http://h")), None);
        assert_eq!(
            top(dangers_of("scp", remote_copy, "x host:/tmp")),
            Some(Decision::Escalate)
        );
    }
}
