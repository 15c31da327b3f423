//! Many short needles searched in one pass: the cheap first test that lets most words skip
//! the checks that allocate.

/// A set of ASCII needles searched case-insensitively in one pass over the haystack. Each
/// needle carries a category bit. A bitset of the first two bytes of every needle, in every
/// ASCII case, lets nearly every position cost one lookup of the bytes as they are.
pub(crate) struct NeedleSet {
    /// By lowercased first byte: the second byte, the rest, the category.
    by_first: Vec<Vec<(u8, &'static [u8], u8)>>,
    /// One bit per pair of first bytes, in every ASCII case (`Ab`, `aB`, …).
    pairs: Box<[u64; 1024]>,
    /// One bit per pair of second and third bytes, in every ASCII case (every `(b1, _)` for a
    /// two-byte needle): a position is looked at only when both pairs fit.
    next_pairs: Box<[u64; 1024]>,
    all: u8,
}

impl std::fmt::Debug for NeedleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NeedleSet")
    }
}

fn pair_index(a: u8, b: u8) -> usize {
    (usize::from(a) << 8) | usize::from(b)
}

/// Sets the bit of the pair `(a, b)` in every ASCII case: the scan then looks the bytes up as
/// they are, without lowercasing each one first.
fn set_cased(table: &mut [u64; 1024], a: u8, b: u8) {
    for x in [a.to_ascii_lowercase(), a.to_ascii_uppercase()] {
        for y in [b.to_ascii_lowercase(), b.to_ascii_uppercase()] {
            let idx = pair_index(x, y);
            table[idx / 64] |= 1 << (idx % 64);
        }
    }
}

impl NeedleSet {
    /// Indexes needles (lowercase ASCII, at least two bytes), all in category 1.
    pub(crate) fn new(needles: &[&'static str]) -> Self {
        Self::tagged(&[(needles, 1)])
    }

    /// Indexes several lists, each with its category bit.
    pub(crate) fn tagged(lists: &[(&[&'static str], u8)]) -> Self {
        let mut by_first: Vec<Vec<(u8, &'static [u8], u8)>> = vec![Vec::new(); 256];
        let mut pairs = Box::new([0u64; 1024]);
        let mut next_pairs = Box::new([0u64; 1024]);
        let mut all = 0;
        for (needles, bit) in lists {
            all |= *bit;
            for n in *needles {
                let b = n.as_bytes();
                if let [b0, b1, rest @ ..] = b {
                    by_first[usize::from(*b0)].push((*b1, rest, *bit));
                    set_cased(&mut pairs, *b0, *b1);
                    match rest.first() {
                        Some(b2) => set_cased(&mut next_pairs, *b1, *b2),
                        None => {
                            for c in 0..=255u8 {
                                set_cased(&mut next_pairs, *b1, c);
                            }
                        }
                    }
                }
            }
        }
        NeedleSet {
            by_first,
            pairs,
            next_pairs,
            all,
        }
    }

    /// The categories of the needles that occur in `hay`, ignoring ASCII case.
    pub(crate) fn scan(&self, hay: &str) -> u8 {
        let h = hay.as_bytes();
        let Some((&first, rest)) = h.split_first() else {
            return 0;
        };
        let mut found = 0u8;
        let mut prev = first;
        for (i, &cur) in rest.iter().enumerate() {
            let idx = (usize::from(prev) << 8) | usize::from(cur);
            let (first, second) = (prev, cur);
            prev = cur;
            // `idx` is below 65536: the index is in bounds by construction.
            if self.pairs[(idx >> 6) & 1023] & (1 << (idx & 63)) == 0 {
                continue;
            }
            // The byte after the pair (none at the end: only a two-byte needle can fit).
            let next = (usize::from(cur) << 8) | usize::from(h.get(i + 2).copied().unwrap_or(0));
            if self.next_pairs[(next >> 6) & 1023] & (1 << (next & 63)) == 0 {
                continue;
            }
            let (first, second) = (first.to_ascii_lowercase(), second.to_ascii_lowercase());
            for (b1, tail, bit) in &self.by_first[usize::from(first)] {
                if *b1 == second
                    && found & bit == 0
                    && h.get(i + 2..i + 2 + tail.len())
                        .is_some_and(|x| x.eq_ignore_ascii_case(tail))
                {
                    found |= bit;
                    if found == self.all {
                        return found;
                    }
                }
            }
        }
        found
    }

    /// Whether any needle occurs in `hay`, ignoring ASCII case.
    pub(crate) fn any_in(&self, hay: &str) -> bool {
        self.scan(hay) != 0
    }
}

/// Whether `text` holds `prefix` followed at once by one of `tails` (`/dev/` then `tcp/` or
/// `udp/`). It steps over the occurrences of the prefix's first byte: for the few fixed
/// fragments checked on every argument, most of them short, this costs less than one
/// standard substring search per fragment, each of which sets up a searcher.
pub(crate) fn has_prefixed(text: &str, prefix: &[u8], tails: &[&[u8]]) -> bool {
    let b = text.as_bytes();
    let Some(&first) = prefix.first() else {
        return tails.iter().any(|t| b.windows(t.len()).any(|w| w == *t));
    };
    let mut from = 0;
    while let Some(at) = b
        .get(from..)
        .and_then(|t| t.iter().position(|&c| c == first))
        .map(|p| from + p)
    {
        if let Some(rest) = b.get(at..).and_then(|t| t.strip_prefix(prefix))
            && tails.iter().any(|t| rest.starts_with(t))
        {
            return true;
        }
        from = at + 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_needles_by_category_ignoring_case() {
        let set = NeedleSet::tagged(&[(&["abc", "xy"], 1), (&["abd"], 2)]);
        assert_eq!(set.scan("zzABCzz"), 1);
        assert_eq!(set.scan("abd xy"), 3);
        assert_eq!(set.scan("ab"), 0);
        assert_eq!(set.scan("a"), 0);
        assert!(set.any_in("__XY"));
        assert!(set.any_in("xY"));
        assert_eq!(set.scan("aBd"), 2);
        assert_eq!(set.scan("ABX"), 0);
    }

    #[test]
    fn prefixed_fragments_found_as_substring_searches_find_them() {
        let tails: [&[u8]; 4] = [b"sh", b"bash", b"zsh", b"dash"];
        for t in [
            "/bin/sh",
            "x/bin/bash -i",
            "/usr/bin/zsh",
            "//bin/dash",
            "/bin/ash",
            "/bin//sh",
            "/bin/",
            "/bi/bin/shx",
            "a/bin/b/bin/zs/bin/dash",
            "",
            "/",
            "/bin/fish",
            "/dev/tcp/x/1",
        ] {
            let want = ["/bin/sh", "/bin/bash", "/bin/zsh", "/bin/dash"]
                .iter()
                .any(|n| t.contains(n));
            assert_eq!(has_prefixed(t, b"/bin/", &tails), want, "{t}");
            let want = t.contains("/dev/") && (t.contains("/dev/tcp/") || t.contains("/dev/udp/"));
            assert_eq!(has_prefixed(t, b"/dev/", &[b"tcp/", b"udp/"]), want, "{t}");
        }
        assert!(has_prefixed("xy", b"", &[b"y"]));
        assert!(!has_prefixed("xy", b"", &[b"z"]));
    }
}
