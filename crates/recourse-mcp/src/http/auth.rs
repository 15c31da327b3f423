//! OAuth 2.1 resource server: bearer JWTs checked against the issuer's JWKS (MCP authorization,
//! RFC 6750, RFC 9068, RFC 9728).
//!
//! What a token must be to pass: in the `Authorization: Bearer` header only (never the query
//! string); signed with an asymmetric algorithm by a key of the configured JWKS whose family
//! matches the header's `alg` (so `alg: none` and HS/RS confusion fail by construction); `iss`
//! the configured issuer; `aud` one of the configured audiences; `exp` in the future and `nbf`
//! (if any) in the past, with a small leeway; a `sub`; and, when scopes are required, all of
//! them in `scope`/`scp`.
//!
//! What comes out is a [`Caller`]: `sub`, `iss`, the `groups` claim and the sha256 of the token.
//! The token itself goes no further than this module: not to a runner, a log or the audit.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use recourse_exec::Caller;
use recourse_policy::Digest;
use serde::Deserialize;

/// Where the issuer's signing keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwksSource {
    /// A JWKS document on disk (reread when it changes).
    File(PathBuf),
    /// A JWKS URL (`https://…`, or `http://` for a loopback or in-cluster issuer).
    Url(String),
}

impl JwksSource {
    /// `http(s)://…` is a URL; anything else a file.
    pub fn parse(s: &str) -> JwksSource {
        if s.starts_with("https://") || s.starts_with("http://") {
            JwksSource::Url(s.to_owned())
        } else {
            JwksSource::File(PathBuf::from(s))
        }
    }
}

/// How tokens are checked.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// The issuer's keys.
    pub jwks: JwksSource,
    /// The one accepted `iss`.
    pub issuer: String,
    /// Accepted `aud` values (any one suffices).
    pub audiences: Vec<String>,
    /// Scopes every token must carry (empty: none required).
    pub required_scopes: Vec<String>,
    /// The claim holding the principal's groups.
    pub groups_claim: String,
    /// Clock skew tolerated for `exp` and `nbf`.
    pub leeway: Duration,
}

/// Why a request is not authenticated (401) or not authorized (403). Rendered at one place,
/// `http::mod`, with the `WWW-Authenticate` header the spec wants.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No credentials at all (RFC 6750 §3: no error code).
    #[error("no bearer token: send `Authorization: Bearer <token>`")]
    Missing,
    /// Credentials sent the wrong way (query string, several headers, not Bearer).
    #[error("{0}")]
    BadRequest(&'static str),
    /// The token is not valid here.
    #[error("invalid token: {0}")]
    Invalid(String),
    /// Valid, but without a required scope.
    #[error("the token lacks the required scope `{0}`")]
    InsufficientScope(String),
}

/// Why the keys could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum JwksError {
    /// The file could not be read.
    #[error("JWKS file {path}: {source}")]
    Read {
        /// Path.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The URL could not be fetched.
    #[error("JWKS {url}: {error}")]
    Fetch {
        /// URL.
        url: String,
        /// Cause.
        error: String,
    },
    /// Not a JWKS document.
    #[error("JWKS {source_name}: not a JWK set: {error}")]
    Parse {
        /// Where it came from.
        source_name: String,
        /// Cause.
        error: String,
    },
    /// No key usable for signature verification.
    #[error("JWKS {0}: no asymmetric signing key (RSA, EC P-256/P-384, Ed25519) in the set")]
    NoKeys(String),
}

/// One verification key and the algorithms it may verify.
struct Key {
    kid: Option<String>,
    algorithms: Vec<Algorithm>,
    key: DecodingKey,
}

/// One issuer's verification keys, read from its JWKS: the bearer tokens of the MCP endpoint
/// and the ID tokens of the web control plane's login are checked by this one piece of code.
pub struct KeySet(Vec<Key>);

impl std::fmt::Debug for KeySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|k| (&k.kid, &k.algorithms)))
            .finish()
    }
}

/// Why no key of a [`KeySet`] accepted a token.
#[derive(Debug, thiserror::Error)]
pub enum KeyFailure {
    /// Not a JWT.
    #[error("malformed token: {0}")]
    Malformed(String),
    /// Its `kid` is not in the set (worth one refresh of the set).
    #[error("unknown key")]
    UnknownKey,
    /// Its `alg` fits none of the keys (`none`, HS*, a family mismatch).
    #[error("algorithm {0:?} is not accepted for this issuer's keys")]
    Algorithm(Algorithm),
    /// A key matched, and the signature or a claim is wrong.
    #[error("{}", describe(.0.as_ref()))]
    Rejected(Option<jsonwebtoken::errors::Error>),
}

fn describe(e: Option<&jsonwebtoken::errors::Error>) -> String {
    use jsonwebtoken::errors::ErrorKind as K;
    let Some(e) = e else {
        return "no key verified it".into();
    };
    match e.kind() {
        K::ExpiredSignature => "the token has expired".into(),
        K::ImmatureSignature => "the token is not valid yet (nbf)".into(),
        K::InvalidIssuer => "wrong issuer".into(),
        K::InvalidAudience => "wrong audience".into(),
        K::InvalidSignature => "bad signature".into(),
        K::MissingRequiredClaim(c) => format!("missing claim `{c}`"),
        other => format!("{other:?}"),
    }
}

impl KeySet {
    /// Reads the keys from their source (blocking: a file read or an HTTP GET). Fails when no
    /// key is usable for verification.
    pub fn load(source: &JwksSource) -> Result<KeySet, JwksError> {
        load_keys(source).map(KeySet)
    }

    /// Verifies `token` with the key its header names (`kid`) whose family fits its `alg`,
    /// under the validation `configure` returns for that algorithm (issuer, audience, times:
    /// the caller's), and returns its claims.
    pub fn decode<C: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        configure: impl Fn(Algorithm) -> Validation,
    ) -> Result<C, KeyFailure> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| KeyFailure::Malformed(e.to_string()))?;
        let candidates: Vec<&Key> = self
            .0
            .iter()
            .filter(|k| k.algorithms.contains(&header.alg))
            .filter(|k| match (&header.kid, &k.kid) {
                (Some(want), Some(have)) => want == have,
                (Some(_), None) => false,
                (None, _) => true,
            })
            .collect();
        if candidates.is_empty() {
            return Err(match header.kid {
                Some(_) if self.0.iter().all(|k| k.kid != header.kid) => KeyFailure::UnknownKey,
                _ => KeyFailure::Algorithm(header.alg),
            });
        }
        let mut validation = configure(header.alg);
        // Whatever the caller set: exactly the header's algorithm, which the key allows.
        validation.algorithms = vec![header.alg];
        let mut last = None;
        for key in candidates {
            match jsonwebtoken::decode::<C>(token, &key.key, &validation) {
                Ok(data) => return Ok(data.claims),
                Err(e) => last = Some(e),
            }
        }
        Err(KeyFailure::Rejected(last))
    }
}

/// A validated token's identity, cached by token hash until it expires.
#[derive(Debug, Clone)]
struct Admitted {
    caller: Caller,
    scopes: Vec<String>,
    exp: u64,
    nbf: Option<u64>,
}

/// Cached identities are dropped wholesale past this many (a simple bound: a cache miss only
/// costs one signature check).
const CACHE_LIMIT: usize = 10_000;
/// An unknown `kid` refreshes the keys at most this often.
const REFRESH_COOLDOWN: Duration = Duration::from_secs(30);

/// Checks bearer tokens.
pub struct Authenticator {
    cfg: AuthConfig,
    keys: RwLock<KeySet>,
    last_refresh: Mutex<Instant>,
    cache: Mutex<HashMap<Digest, Admitted>>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("issuer", &self.cfg.issuer)
            .field("audiences", &self.cfg.audiences)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum StringOrList {
    One(String),
    Many(Vec<String>),
}

impl StringOrList {
    fn into_vec(self, split: bool) -> Vec<String> {
        match self {
            StringOrList::One(s) if split => s.split_whitespace().map(str::to_owned).collect(),
            StringOrList::One(s) => vec![s],
            StringOrList::Many(v) => v,
        }
    }
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    iss: String,
    exp: u64,
    nbf: Option<u64>,
    scope: Option<StringOrList>,
    scp: Option<StringOrList>,
    #[serde(flatten)]
    rest: HashMap<String, serde_json::Value>,
}

fn install_crypto() {
    // One provider for the process; a second install (another Authenticator) is refused
    // harmlessly.
    let _already = jsonwebtoken::crypto::CryptoProvider::install_default(
        &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER,
    );
}

/// The algorithms a JWK may verify: what its `alg` names if it names an asymmetric one, else
/// what its key type supports. Symmetric (`oct`) keys verify nothing: a shared secret in a JWKS
/// would let anyone who can read it mint tokens.
fn algorithms_for(jwk: &Jwk) -> Vec<Algorithm> {
    use Algorithm::*;
    let by_type = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => vec![RS256, RS384, RS512, PS256, PS384, PS512],
        AlgorithmParameters::EllipticCurve(ec) => match ec.curve {
            EllipticCurve::P256 => vec![ES256],
            EllipticCurve::P384 => vec![ES384],
            _ => vec![],
        },
        AlgorithmParameters::OctetKeyPair(okp) if okp.curve == EllipticCurve::Ed25519 => {
            vec![EdDSA]
        }
        _ => vec![],
    };
    match jwk.common.key_algorithm {
        None => by_type,
        Some(named) => {
            let named = match named {
                KeyAlgorithm::RS256 => RS256,
                KeyAlgorithm::RS384 => RS384,
                KeyAlgorithm::RS512 => RS512,
                KeyAlgorithm::PS256 => PS256,
                KeyAlgorithm::PS384 => PS384,
                KeyAlgorithm::PS512 => PS512,
                KeyAlgorithm::ES256 => ES256,
                KeyAlgorithm::ES384 => ES384,
                KeyAlgorithm::EdDSA => EdDSA,
                _ => return vec![],
            };
            if by_type.contains(&named) {
                vec![named]
            } else {
                vec![]
            }
        }
    }
}

fn parse_keys(text: &str, source_name: &str) -> Result<Vec<Key>, JwksError> {
    let set: JwkSet = serde_json::from_str(text).map_err(|e| JwksError::Parse {
        source_name: source_name.to_owned(),
        error: e.to_string(),
    })?;
    let keys: Vec<Key> = set
        .keys
        .iter()
        .filter_map(|jwk| {
            let algorithms = algorithms_for(jwk);
            if algorithms.is_empty() {
                tracing::warn!(kid = ?jwk.common.key_id, "JWKS key ignored: not an asymmetric signing key");
                return None;
            }
            match DecodingKey::from_jwk(jwk) {
                Ok(key) => Some(Key {
                    kid: jwk.common.key_id.clone(),
                    algorithms,
                    key,
                }),
                Err(e) => {
                    tracing::warn!(kid = ?jwk.common.key_id, error = %e, "JWKS key ignored");
                    None
                }
            }
        })
        .collect();
    if keys.is_empty() {
        return Err(JwksError::NoKeys(source_name.to_owned()));
    }
    Ok(keys)
}

/// Reads the keys from their source (blocking: a file read or an HTTP GET).
fn load_keys(source: &JwksSource) -> Result<Vec<Key>, JwksError> {
    match source {
        JwksSource::File(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| JwksError::Read {
                path: path.clone(),
                source,
            })?;
            parse_keys(&text, &path.display().to_string())
        }
        JwksSource::Url(url) => {
            let fetch = |error: String| JwksError::Fetch {
                url: url.clone(),
                error,
            };
            let agent = ureq::Agent::config_builder()
                .timeout_global(Some(Duration::from_secs(10)))
                .build()
                .new_agent();
            let text = agent
                .get(url)
                .call()
                .map_err(|e| fetch(e.to_string()))?
                .body_mut()
                .with_config()
                .limit(1024 * 1024)
                .read_to_string()
                .map_err(|e| fetch(e.to_string()))?;
            parse_keys(&text, url)
        }
    }
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Authenticator {
    /// Loads the keys (blocking) and returns the checker. Fails if no usable key is found: a
    /// gateway that could authenticate nobody should not start.
    pub fn new(cfg: AuthConfig) -> Result<Authenticator, JwksError> {
        install_crypto();
        let keys = KeySet::load(&cfg.jwks)?;
        Ok(Authenticator {
            cfg,
            keys: RwLock::new(keys),
            // The first unknown `kid` may refresh at once (a rotation right after startup).
            last_refresh: Mutex::new(
                Instant::now()
                    .checked_sub(REFRESH_COOLDOWN)
                    .unwrap_or_else(Instant::now),
            ),
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &AuthConfig {
        &self.cfg
    }

    /// Rereads the keys (blocking). On failure the old keys stay.
    pub fn refresh(&self) -> Result<(), JwksError> {
        *self.last_refresh.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
        let keys = KeySet::load(&self.cfg.jwks)?;
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = keys;
        // A key may have been withdrawn: tokens it signed must be checked again.
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).clear();
        Ok(())
    }

    /// Whether an unknown `kid` may trigger a refresh now.
    pub fn may_refresh(&self) -> bool {
        self.last_refresh
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .elapsed()
            >= REFRESH_COOLDOWN
    }

    /// The bearer token of a request: from exactly one `Authorization: Bearer` header, and
    /// never when the query string carries one too (RFC 6750 §2.3 tokens leak into logs).
    pub fn bearer<'a>(
        headers: &'a axum::http::HeaderMap,
        query: Option<&str>,
    ) -> Result<&'a str, AuthError> {
        if query.is_some_and(|q| {
            q.split('&')
                .any(|kv| kv.split('=').next() == Some("access_token"))
        }) {
            return Err(AuthError::BadRequest(
                "a token in the query string is refused: send it in the Authorization header",
            ));
        }
        let mut values = headers.get_all(axum::http::header::AUTHORIZATION).iter();
        let Some(value) = values.next() else {
            return Err(AuthError::Missing);
        };
        if values.next().is_some() {
            return Err(AuthError::BadRequest("more than one Authorization header"));
        }
        let value = value
            .to_str()
            .map_err(|_| AuthError::BadRequest("the Authorization header is not ASCII"))?;
        let (scheme, token) = value.split_once(' ').ok_or(AuthError::BadRequest(
            "expected `Authorization: Bearer <token>`",
        ))?;
        let token = token.trim();
        if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
            return Err(AuthError::BadRequest(
                "expected `Authorization: Bearer <token>`",
            ));
        }
        Ok(token)
    }

    /// Checks a token and returns its caller. `Err(Invalid("unknown key"))` with
    /// [`Self::may_refresh`] true is worth one retry after [`Self::refresh`].
    pub fn authenticate(&self, token: &str) -> Result<Caller, AuthError> {
        let digest = Digest::of(token.as_bytes());
        let now = now_unix();
        let leeway = self.cfg.leeway.as_secs();
        let cached = self
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&digest)
            .cloned();
        let admitted = match cached {
            Some(a) => {
                // The signature was checked once; the times are checked on every use.
                if a.exp + leeway <= now {
                    return Err(AuthError::Invalid("the token has expired".into()));
                }
                if a.nbf.is_some_and(|nbf| nbf > now + leeway) {
                    return Err(AuthError::Invalid(
                        "the token is not valid yet (nbf)".into(),
                    ));
                }
                a
            }
            None => {
                let a = self.verify(token, digest)?;
                let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
                if cache.len() >= CACHE_LIMIT {
                    cache.clear();
                }
                cache.insert(digest, a.clone());
                a
            }
        };
        for scope in &self.cfg.required_scopes {
            if !admitted.scopes.contains(scope) {
                return Err(AuthError::InsufficientScope(scope.clone()));
            }
        }
        Ok(admitted.caller)
    }

    fn verify(&self, token: &str, digest: Digest) -> Result<Admitted, AuthError> {
        let keys = self.keys.read().unwrap_or_else(|p| p.into_inner());
        let claims: Claims = keys
            .decode(token, |alg| {
                let mut validation = Validation::new(alg);
                validation.leeway = self.cfg.leeway.as_secs();
                validation.validate_nbf = true;
                validation.set_issuer(&[&self.cfg.issuer]);
                validation.set_audience(&self.cfg.audiences);
                validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
                validation
            })
            .map_err(|e| AuthError::Invalid(e.to_string()))?;
        if claims.sub.trim().is_empty() {
            return Err(AuthError::Invalid("the token's `sub` is empty".into()));
        }
        Ok(self.admitted(claims, digest))
    }

    fn admitted(&self, claims: Claims, digest: Digest) -> Admitted {
        let mut scopes = claims.scope.map_or_else(Vec::new, |s| s.into_vec(true));
        if let Some(scp) = claims.scp {
            scopes.extend(scp.into_vec(true));
        }
        let groups = claims
            .rest
            .get(&self.cfg.groups_claim)
            .and_then(|v| serde_json::from_value::<StringOrList>(v.clone()).ok())
            .map_or_else(Vec::new, |g| g.into_vec(false));
        Admitted {
            caller: Caller {
                agent_id: claims.sub,
                issuer: Some(claims.iss),
                groups,
                token_sha256: Some(digest),
            },
            scopes,
            exp: claims.exp,
            nbf: claims.nbf,
        }
    }
}
