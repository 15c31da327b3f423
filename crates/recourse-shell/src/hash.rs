//! A fast hasher for the short string keys of the program table and the policy's patterns.
//! The standard SipHash resists hash flooding, which does not matter for keys fixed at
//! start-up, and costs more than the lookups it serves.

use std::hash::{BuildHasherDefault, Hasher};

/// FxHash: the word-at-a-time multiply-rotate hash rustc uses for its own tables.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A `HashMap` with [`FxHasher`].
pub(crate) type FxHashMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<FxHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_it_stores() {
        let mut m: FxHashMap<&str, usize> = FxHashMap::default();
        for (i, k) in ["ls", "git", "kubectl", "a-much-longer-program-name", ""]
            .iter()
            .enumerate()
        {
            m.insert(k, i);
        }
        assert_eq!(m.get("kubectl"), Some(&2));
        assert_eq!(m.get("a-much-longer-program-name"), Some(&3));
        assert_eq!(m.get(""), Some(&4));
        assert_eq!(m.get("gti"), None);
    }
}
