//! Ed25519 keys and signatures as the gateway writes them: `ed25519:<base64>` public keys,
//! `recourse-ed25519-secret:<base64>` secret keys (a person's own file, never in the state
//! directory), base64 signatures. Signing and verifying are pure: the caller passes the key and
//! the bytes in.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signer, Verifier};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

const PUBLIC_PREFIX: &str = "ed25519:";
const SECRET_PREFIX: &str = "recourse-ed25519-secret:";

/// A key or signature that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(String);

/// A public key (`ed25519:<base64 of 32 bytes>`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(ed25519_dalek::VerifyingKey);

impl PublicKey {
    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }

    /// Whether `signature` is this key's signature over `message` (strict verification: no
    /// malleable or small-order forms).
    pub fn verifies(&self, message: &[u8], signature: &Signature) -> bool {
        let sig = ed25519_dalek::Signature::from_bytes(&signature.0);
        self.0.verify_strict(message, &sig).is_ok() && self.0.verify(message, &sig).is_ok()
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({self})")
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PUBLIC_PREFIX}{}", B64.encode(self.0.as_bytes()))
    }
}

impl FromStr for PublicKey {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let b64 = s
            .trim()
            .strip_prefix(PUBLIC_PREFIX)
            .ok_or_else(|| KeyError(format!("a public key starts with `{PUBLIC_PREFIX}`")))?;
        let bytes: [u8; 32] = B64
            .decode(b64)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| KeyError("a public key is 32 bytes of base64".into()))?;
        ed25519_dalek::VerifyingKey::from_bytes(&bytes)
            .map(PublicKey)
            .map_err(|_| KeyError("not a valid Ed25519 public key".into()))
    }
}

impl Serialize for PublicKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// A secret key. Its Debug form never shows the key.
#[derive(Clone)]
pub struct SecretKey(ed25519_dalek::SigningKey);

impl SecretKey {
    /// The key from 32 random bytes (the caller reads the OS random source).
    pub fn from_seed(seed: [u8; 32]) -> SecretKey {
        SecretKey(ed25519_dalek::SigningKey::from_bytes(&seed))
    }

    /// Its public key.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// Signs `message`.
    pub fn sign(&self, message: &[u8]) -> Signature {
        Signature(self.0.sign(message).to_bytes())
    }

    /// The file form (`recourse-ed25519-secret:<base64>`).
    pub fn to_text(&self) -> String {
        format!("{SECRET_PREFIX}{}\n", B64.encode(self.0.to_bytes()))
    }

    /// Parses the file form.
    pub fn from_text(s: &str) -> Result<SecretKey, KeyError> {
        let b64 = s
            .trim()
            .strip_prefix(SECRET_PREFIX)
            .ok_or_else(|| KeyError(format!("a secret key file starts with `{SECRET_PREFIX}`")))?;
        let bytes: [u8; 32] = B64
            .decode(b64)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| KeyError("a secret key is 32 bytes of base64".into()))?;
        Ok(SecretKey::from_seed(bytes))
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey(public {})", self.public())
    }
}

/// An Ed25519 signature (base64 in JSON).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature(pub [u8; 64]);

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", B64.encode(self.0))
    }
}

impl Serialize for Signature {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&B64.encode(self.0))
    }
}

impl<'de> Deserialize<'de> for Signature {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        B64.decode(s)
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
            .map(Signature)
            .ok_or_else(|| serde::de::Error::custom("a signature is 64 bytes of base64"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_signatures_bind_the_message() {
        let k = SecretKey::from_seed([7; 32]);
        let pk: PublicKey = k.public().to_string().parse().unwrap();
        assert_eq!(pk, k.public());
        let again = SecretKey::from_text(&k.to_text()).unwrap();
        assert_eq!(again.public(), pk);
        let sig = k.sign(b"approve 1");
        assert!(pk.verifies(b"approve 1", &sig));
        assert!(!pk.verifies(b"approve 2", &sig));
        let mut bad = sig;
        bad.0[5] ^= 1;
        assert!(!pk.verifies(b"approve 1", &bad));
        let other = SecretKey::from_seed([8; 32]).public();
        assert!(!other.verifies(b"approve 1", &sig));
        assert!("ed25519:AAAA".parse::<PublicKey>().is_err());
        assert!(SecretKey::from_text("nonsense").is_err());
        assert!(!format!("{k:?}").contains(k.to_text().trim()));
    }
}
