//! Many short needles searched in one pass: the cheap first test that lets most words skip
//! the checks that allocate.

/// A set of ASCII needles searched case-insensitively in one pass over the haystack. Each
/// needle carries a category bit. A bitset of the (lowercased) first two bytes of every needle
/// lets nearly every position cost one lookup.
pub(crate) struct NeedleSet {
    /// By lowercased first byte: the second byte, the rest, the category.
    by_first: Vec<Vec<(u8, &'static [u8], u8)>>,
    /// One bit per (lowercased) pair of first bytes.
    pairs: Box<[u64; 1024]>,
    /// One bit per (lowercased) pair of second and third bytes (every `(b1, _)` for a
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
        let mut pairs = Box::new([0u64; 1024]);
        let mut next_pairs = Box::new([0u64; 1024]);
        let set = |table: &mut [u64; 1024], idx: usize| table[idx / 64] |= 1 << (idx % 64);
        let mut all = 0;
        for (needles, bit) in lists {
            all |= *bit;
            for n in *needles {
                let b = n.as_bytes();
                if let [b0, b1, rest @ ..] = b {
                    by_first[usize::from(*b0)].push((*b1, rest, *bit));
                    set(&mut pairs, pair_index(*b0, *b1));
                    match rest.first() {
                        Some(b2) => set(&mut next_pairs, pair_index(*b1, *b2)),
                        None => {
                            for c in 0..=255u8 {
                                set(&mut next_pairs, pair_index(*b1, c));
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
        let mut prev = first.to_ascii_lowercase();
        for (i, &b) in rest.iter().enumerate() {
            let cur = b.to_ascii_lowercase();
            let idx = (usize::from(prev) << 8) | usize::from(cur);
            let (first, second) = (prev, cur);
            prev = cur;
            // `idx` is below 65536: the index is in bounds by construction.
            if self.pairs[(idx >> 6) & 1023] & (1 << (idx & 63)) == 0 {
                continue;
            }
            // The byte after the pair (none at the end: only a two-byte needle can fit).
            let next = (usize::from(cur) << 8)
                | usize::from(h.get(i + 2).map_or(0, u8::to_ascii_lowercase));
            if self.next_pairs[(next >> 6) & 1023] & (1 << (next & 63)) == 0 {
                continue;
            }
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
