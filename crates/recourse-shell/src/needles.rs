//! Many short needles searched in one pass: the cheap first test that lets most words skip
//! the checks that allocate.

/// A set of ASCII needles searched case-insensitively in one pass over the haystack. Each
/// needle carries a category bit. A bitset of the (lowercased) first two bytes of every needle
/// lets nearly every position cost one lookup.
pub(crate) struct NeedleSet {
    /// By lowercased first byte: the second byte, the rest, the category.
    by_first: Vec<Vec<(u8, &'static [u8], u8)>>,
    pairs: Vec<u64>,
    all: u8,
}

impl std::fmt::Debug for NeedleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NeedleSet")
    }
}

fn pair_index(a: u8, b: u8) -> usize {
    (usize::from(a.to_ascii_lowercase()) << 8) | usize::from(b.to_ascii_lowercase())
}

impl NeedleSet {
    /// Indexes needles (lowercase ASCII, at least two bytes), all in category 1.
    pub(crate) fn new(needles: &[&'static str]) -> Self {
        Self::tagged(&[(needles, 1)])
    }

    /// Indexes several lists, each with its category bit.
    pub(crate) fn tagged(lists: &[(&[&'static str], u8)]) -> Self {
        let mut by_first: Vec<Vec<(u8, &'static [u8], u8)>> = vec![Vec::new(); 256];
        let mut pairs = vec![0u64; 1024];
        let mut all = 0;
        for (needles, bit) in lists {
            all |= *bit;
            for n in *needles {
                let b = n.as_bytes();
                if let [b0, b1, rest @ ..] = b {
                    by_first[usize::from(*b0)].push((*b1, rest, *bit));
                    let idx = pair_index(*b0, *b1);
                    pairs[idx / 64] |= 1 << (idx % 64);
                }
            }
        }
        NeedleSet {
            by_first,
            pairs,
            all,
        }
    }

    /// The categories of the needles that occur in `hay`, ignoring ASCII case.
    pub(crate) fn scan(&self, hay: &str) -> u8 {
        let h = hay.as_bytes();
        let mut found = 0u8;
        for (i, w) in h.windows(2).enumerate() {
            let idx = pair_index(w[0], w[1]);
            if self.pairs[idx / 64] & (1 << (idx % 64)) == 0 {
                continue;
            }
            let second = w[1].to_ascii_lowercase();
            for (b1, rest, bit) in &self.by_first[usize::from(w[0].to_ascii_lowercase())] {
                if *b1 == second
                    && found & bit == 0
                    && h.get(i + 2..i + 2 + rest.len())
                        .is_some_and(|x| x.eq_ignore_ascii_case(rest))
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
    }
}
