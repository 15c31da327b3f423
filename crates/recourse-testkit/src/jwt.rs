//! A fake OAuth issuer for tests: committed test keys (`data/`), the JWKS a gateway is given,
//! and tokens minted with whatever claims a test needs (valid or deliberately not).

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

const RSA_PEM: &str = include_str!("../data/test-issuer-rsa.pem");
const OTHER_RSA_PEM: &str = include_str!("../data/other-rsa.pem");
const EC_PEM: &str = include_str!("../data/test-issuer-ec.pem");

/// The issuer's `iss`.
pub const ISSUER: &str = "https://idp.test.invalid";

/// Seconds since the epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A fake issuer with an RSA key (`kid` "rsa-1") and an EC P-256 key (`kid` "ec-1").
#[derive(Debug)]
pub struct Issuer {
    rsa: EncodingKey,
    ec: EncodingKey,
    other: EncodingKey,
}

impl Default for Issuer {
    fn default() -> Self {
        Self::new()
    }
}

impl Issuer {
    /// The issuer.
    pub fn new() -> Issuer {
        let _ = jsonwebtoken::crypto::CryptoProvider::install_default(
            &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER,
        );
        Issuer {
            rsa: EncodingKey::from_rsa_pem(RSA_PEM.as_bytes()).unwrap(),
            ec: EncodingKey::from_ec_pem(EC_PEM.as_bytes()).unwrap(),
            other: EncodingKey::from_rsa_pem(OTHER_RSA_PEM.as_bytes()).unwrap(),
        }
    }

    /// The public keys as a JWKS document.
    pub fn jwks(&self) -> Value {
        let mut rsa = Jwk::from_encoding_key(&self.rsa, Algorithm::RS256).unwrap();
        rsa.common.key_id = Some("rsa-1".into());
        let mut ec = Jwk::from_encoding_key(&self.ec, Algorithm::ES256).unwrap();
        ec.common.key_id = Some("ec-1".into());
        serde_json::to_value(JwkSet {
            keys: vec![rsa, ec],
        })
        .unwrap()
    }

    /// The JWKS before the issuer added its RSA key (only the EC key).
    pub fn jwks_before_rotation(&self) -> Value {
        let mut v = self.jwks();
        if let Some(keys) = v["keys"].as_array_mut() {
            keys.retain(|k| k["kid"] != "rsa-1");
        }
        v
    }

    /// Writes the JWKS to `path`.
    pub fn write_jwks(&self, path: &Path) {
        std::fs::write(path, self.jwks().to_string()).unwrap();
    }

    /// The RSA public key's modulus bytes, as an HS/RS confusion attacker would use them.
    pub fn rsa_public_bytes(&self) -> Vec<u8> {
        let jwks = self.jwks();
        let n = jwks["keys"][0]["n"].as_str().unwrap();
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(n)
            .unwrap()
    }

    /// Claims of a valid token for `sub` with `aud`, an hour long.
    pub fn claims(&self, sub: &str, aud: &str) -> Value {
        json!({"iss": ISSUER, "sub": sub, "aud": aud, "iat": now(), "exp": now() + 3600})
    }

    fn sign(alg: Algorithm, kid: &str, key: &EncodingKey, claims: &Value) -> String {
        let mut h = Header::new(alg);
        h.kid = Some(kid.into());
        jsonwebtoken::encode(&h, claims, key).unwrap()
    }

    /// An RS256 token over `claims`, signed by the issuer's RSA key.
    pub fn rs256(&self, claims: &Value) -> String {
        Self::sign(Algorithm::RS256, "rsa-1", &self.rsa, claims)
    }

    /// An ES256 token over `claims`, signed by the issuer's EC key.
    pub fn es256(&self, claims: &Value) -> String {
        Self::sign(Algorithm::ES256, "ec-1", &self.ec, claims)
    }

    /// An RS256 token with the issuer's `kid` but signed by a key that is not the issuer's.
    pub fn forged(&self, claims: &Value) -> String {
        Self::sign(Algorithm::RS256, "rsa-1", &self.other, claims)
    }

    /// An RS256 token with a `kid` the JWKS does not have.
    pub fn unknown_kid(&self, claims: &Value) -> String {
        Self::sign(Algorithm::RS256, "rsa-unknown", &self.rsa, claims)
    }

    /// HS/RS confusion: HS256 with the issuer's public RSA key material as the HMAC secret.
    pub fn hs256_with_public_key(&self, claims: &Value) -> String {
        let key = EncodingKey::from_secret(&self.rsa_public_bytes()).unwrap();
        Self::sign(Algorithm::HS256, "rsa-1", &key, claims)
    }

    /// `alg: none`: a header naming no algorithm and an empty signature.
    pub fn alg_none(&self, claims: &Value) -> String {
        use base64::Engine as _;
        let b64 = |v: &Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string().as_bytes())
        };
        format!(
            "{}.{}.",
            b64(&json!({"alg": "none", "typ": "JWT", "kid": "rsa-1"})),
            b64(claims)
        )
    }
}
