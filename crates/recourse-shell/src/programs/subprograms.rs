//! Options that name a program another program runs (`sort --compress-program=./z`,
//! `tar -I ./z`): the program is code the command runs, bound like a script when it is a
//! path ([`crate::bind`]).

use crate::syntax::Word;

/// A long option given as a prefix of its name, as GNU programs accept (`--compress-prog`).
fn long_is(given: &str, name: &str, least: usize) -> bool {
    given.len() >= least && name.starts_with(given)
}

/// The program options of `prog` name, each with the word that holds it and its value.
pub(crate) fn named<'a>(prog: &str, args: &'a [Word]) -> Vec<(&'a Word, &'a str)> {
    let (long, short): (&[(&str, usize)], &str) = match prog {
        "sort" => (&[("compress-program", 3)], ""),
        "tar" | "gtar" => (
            &[
                ("use-compress-program", 3),
                ("to-command", 4),
                ("info-script", 4),
                ("new-volume-script", 3),
                ("rsh-command", 3),
                ("checkpoint-action", 5),
            ],
            "IF",
        ),
        _ => return Vec::new(),
    };
    // tar's short options that take a value (the rest of the cluster, or the next word).
    const TAR_VALUED: &str = "fCIFTXbgHKLNV";
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(w) = args.get(i) {
        i += 1;
        let t = w.text.as_str();
        if t == "--" {
            break;
        }
        if let Some(l) = t.strip_prefix("--") {
            let (name, value) = match l.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (l, None),
            };
            if let Some(&(full, _)) = long.iter().find(|(n, least)| long_is(name, n, *least)) {
                let (holder, value) = match value {
                    Some(v) => (w, v),
                    None => match args.get(i) {
                        Some(next) => {
                            i += 1;
                            (next, next.text.as_str())
                        }
                        None => continue,
                    },
                };
                let value = if full == "checkpoint-action" {
                    match value.strip_prefix("exec=") {
                        Some(v) => v,
                        None => continue,
                    }
                } else {
                    value
                };
                out.push((holder, value));
            }
            continue;
        }
        if short.is_empty() || !t.starts_with('-') || t.len() < 2 {
            continue;
        }
        for (k, c) in t.char_indices().skip(1) {
            if !TAR_VALUED.contains(c) {
                continue;
            }
            let rest = &t[k + c.len_utf8()..];
            let value = if rest.is_empty() {
                let v = args.get(i).map(|n| (n, n.text.as_str()));
                i += 1;
                v
            } else {
                Some((w, rest))
            };
            if short.contains(c)
                && let Some(v) = value
            {
                out.push(v);
            }
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(prog: &str, line: &str) -> Vec<String> {
        let words: Vec<Word> = line.split_whitespace().map(Word::literal).collect();
        named(prog, &words)
            .into_iter()
            .map(|(_, v)| v.to_owned())
            .collect()
    }

    #[test]
    fn programs_named_by_options() {
        assert_eq!(values("sort", "-S 64k --compress-program=./z f"), ["./z"]);
        assert_eq!(values("sort", "--compress-prog ./z f"), ["./z"]);
        assert_eq!(values("sort", "-k 1 -T . f"), Vec::<String>::new());
        assert_eq!(values("tar", "-tf a.tar -I ./z"), ["./z"]);
        assert_eq!(values("tar", "-xIz -f a.tar"), ["z"]);
        assert_eq!(values("tar", "-cf x.tar -C dir ."), Vec::<String>::new());
        assert_eq!(values("tar", "--use-compress-program=./z -xf a"), ["./z"]);
        assert_eq!(values("tar", "--to-command ./t -xf a"), ["./t"]);
        assert_eq!(values("tar", "--checkpoint-action=exec=./c -xf a"), ["./c"]);
        assert_eq!(
            values("tar", "--checkpoint-action=dot -xf a"),
            Vec::<String>::new()
        );
    }
}
