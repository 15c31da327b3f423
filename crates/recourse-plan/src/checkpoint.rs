//! Signed checkpoints of the audit log: an RFC 6962 Merkle tree over the log's records, and a
//! C2SP `tlog-checkpoint` (origin, tree size, root hash) in a C2SP `signed-note` signed with a
//! key kept outside the state directory. A log rewritten from a checkpointed record on, even
//! with its hash chain recomputed, no longer matches the signed root; a log cut shorter than a
//! checkpoint's size is detected too.
//!
//! Pure: the caller reads the log and the key; this module hashes, signs and verifies.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use sha2::{Digest as _, Sha256};

use crate::signing::{PublicKey, SecretKey, Signature};

/// The RFC 6962 hash of a leaf: SHA-256(0x00 ‖ data).
pub fn leaf_hash(data: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// An append-only Merkle tree kept as its compact range (the perfect subtrees of each set bit
/// of its size): appending is O(log n), the root is O(log n), memory O(log n).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// Perfect subtrees, largest (leftmost) first, with their heights.
    subtrees: Vec<(u32, [u8; 32])>,
}

impl Frontier {
    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf hash.
    pub fn push(&mut self, leaf: [u8; 32]) {
        let mut node = (0u32, leaf);
        while let Some(&(h, left)) = self.subtrees.last() {
            if h != node.0 {
                break;
            }
            self.subtrees.pop();
            node = (h + 1, node_hash(&left, &node.1));
        }
        self.subtrees.push(node);
        self.size += 1;
    }

    /// The RFC 6962 Merkle tree hash of the leaves so far (SHA-256 of nothing when empty).
    pub fn root(&self) -> [u8; 32] {
        let mut it = self.subtrees.iter().rev();
        let Some(&(_, mut acc)) = it.next() else {
            return Sha256::digest([]).into();
        };
        for (_, left) in it {
            acc = node_hash(left, &acc);
        }
        acc
    }
}

/// A checkpoint: the log's origin (its name), size and root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Names the log (and the signing key).
    pub origin: String,
    /// Number of records covered.
    pub size: u64,
    /// Merkle root of those records.
    pub root: [u8; 32],
}

/// A note that does not verify or parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("checkpoint: {0}")]
pub struct NoteError(String);

/// The 4-byte key id of an Ed25519 note key: SHA-256(name ‖ "\n" ‖ 0x01 ‖ key)[..4].
fn key_id(name: &str, key: &PublicKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([1u8]);
    h.update(key.as_bytes());
    let d: [u8; 32] = h.finalize().into();
    [d[0], d[1], d[2], d[3]]
}

impl Checkpoint {
    /// The note body: `origin\nsize\nbase64(root)\n`.
    pub fn body(&self) -> String {
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        )
    }

    /// The signed note, signed by `key` under the origin as key name.
    ///
    /// ```
    /// use recourse_plan::{Checkpoint, Frontier, SecretKey, leaf_hash};
    ///
    /// let key = SecretKey::from_seed([1; 32]);
    /// let mut tree = Frontier::default();
    /// tree.push(leaf_hash(b"{\"seq\":1}"));
    /// let cp = Checkpoint { origin: "recourse.audit/test".into(), size: tree.size(), root: tree.root() };
    /// let note = cp.sign(&key);
    /// assert_eq!(Checkpoint::open(&note, &key.public()).unwrap(), cp);
    /// assert!(Checkpoint::open(&note.replacen("\n1\n", "\n2\n", 1), &key.public()).is_err());
    /// ```
    pub fn sign(&self, key: &SecretKey) -> String {
        let body = self.body();
        let sig = key.sign(body.as_bytes());
        let mut blob = key_id(&self.origin, &key.public()).to_vec();
        blob.extend_from_slice(&sig.0);
        format!("{body}\n\u{2014} {} {}\n", self.origin, B64.encode(blob))
    }

    /// Parses a signed note and verifies it was signed by `key` under its origin.
    pub fn open(note: &str, key: &PublicKey) -> Result<Checkpoint, NoteError> {
        let bad = |m: &str| NoteError(m.to_owned());
        let (body, sigs) = note
            .split_once("\n\n")
            .ok_or_else(|| bad("not a signed note (no blank line before the signatures)"))?;
        let body = format!("{body}\n");
        let mut lines = body.lines();
        let origin = lines
            .next()
            .filter(|o| !o.is_empty())
            .ok_or_else(|| bad("no origin"))?;
        let size: u64 = lines
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("no tree size"))?;
        let root: [u8; 32] = lines
            .next()
            .and_then(|r| B64.decode(r).ok())
            .and_then(|r| r.try_into().ok())
            .ok_or_else(|| bad("no root hash"))?;
        let id = key_id(origin, key);
        for line in sigs.lines() {
            let Some(rest) = line.strip_prefix("\u{2014} ") else {
                continue;
            };
            let Some((name, b64)) = rest.split_once(' ') else {
                continue;
            };
            let Ok(blob) = B64.decode(b64) else { continue };
            if name != origin || blob.len() != 68 || blob[..4] != id {
                continue;
            }
            let mut sig = [0u8; 64];
            sig.copy_from_slice(&blob[4..]);
            if key.verifies(body.as_bytes(), &Signature(sig)) {
                return Ok(Checkpoint {
                    origin: origin.to_owned(),
                    size,
                    root,
                });
            }
            return Err(bad(
                "the signature does not verify: the checkpoint was altered",
            ));
        }
        Err(bad("no signature by this key"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The recursive definition of RFC 6962 §2.1, to check the frontier against.
    fn mth(leaves: &[[u8; 32]]) -> [u8; 32] {
        match leaves.len() {
            0 => Sha256::digest([]).into(),
            1 => leaves[0],
            n => {
                let k = n.next_power_of_two() / 2;
                let k = if k == n { n / 2 } else { k };
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    #[test]
    fn the_frontier_computes_the_rfc6962_root_at_every_size() {
        let mut f = Frontier::default();
        let mut leaves = Vec::new();
        assert_eq!(f.root(), mth(&leaves));
        for i in 0..70u32 {
            let l = leaf_hash(&i.to_be_bytes());
            leaves.push(l);
            f.push(l);
            assert_eq!(f.root(), mth(&leaves), "size {}", i + 1);
        }
    }

    #[test]
    fn every_part_of_a_checkpoint_is_signed() {
        let key = SecretKey::from_seed([3; 32]);
        let cp = Checkpoint {
            origin: "recourse.audit/x".into(),
            size: 10,
            root: leaf_hash(b"r"),
        };
        let note = cp.sign(&key);
        assert!(note.contains("\n\n\u{2014} recourse.audit/x "), "{note}");
        assert_eq!(Checkpoint::open(&note, &key.public()).unwrap(), cp);
        let other_root = B64.encode(leaf_hash(b"s"));
        for tampered in [
            note.replacen("recourse.audit/x\n", "recourse.audit/y\n", 1),
            note.replacen("\n10\n", "\n9\n", 1),
            note.replacen(&B64.encode(cp.root), &other_root, 1),
        ] {
            assert!(
                Checkpoint::open(&tampered, &key.public()).is_err(),
                "{tampered}"
            );
        }
        let other = SecretKey::from_seed([4; 32]).public();
        assert!(Checkpoint::open(&note, &other).is_err());
        assert!(Checkpoint::open("garbage", &key.public()).is_err());
    }
}
