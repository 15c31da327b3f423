//! OpenID Connect login (authorization code flow with PKCE S256) against one issuer.
//!
//! Startup reads the issuer's discovery document (its `issuer` must be the configured one) and
//! its JWKS. A login stores `state`, `nonce` and the PKCE verifier server-side, keyed by
//! `state` and tied to the browser by a short-lived cookie; the callback takes them out (once),
//! exchanges the code at the token endpoint with the client secret and the verifier, and
//! validates the ID token: signature by a key of the issuer's JWKS with an asymmetric
//! algorithm that fits the key (`none` and HS* never), `iss`, `aud` (the client id; `azp` when
//! there are several audiences), `exp`/`iat`/`nbf`, and `nonce`. The approver is the claim
//! `name_claim` names, and must be registered in the approvers file.

use std::time::Duration;

use jsonwebtoken::Validation;
use recourse_mcp::http::{JwksSource, KeySet};
use serde::Deserialize;
use serde_json::Value;

/// How to reach and trust the identity provider.
#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// The issuer URL (`iss`).
    pub issuer: String,
    /// This control plane's client id (the ID token's audience).
    pub client_id: String,
    /// The client secret (read from a file).
    pub client_secret: String,
    /// The claim naming the approver (`preferred_username` by default).
    pub name_claim: String,
    /// The claim holding groups (`groups` by default).
    pub groups_claim: String,
    /// Clock skew tolerated.
    pub leeway: Duration,
}

/// A login that cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// Discovery, keys or the token endpoint could not be reached or made no sense.
    #[error("identity provider: {0}")]
    Provider(String),
    /// The ID token is not valid for this login.
    #[error("ID token refused: {0}")]
    Token(String),
}

#[derive(Debug, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
}

/// The identity an ID token asserts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `sub`.
    pub subject: String,
    /// The approver name (the `name_claim`).
    pub name: String,
    /// The groups claim, if the token has one.
    pub groups: Option<Vec<String>>,
}

/// A discovered provider.
#[derive(Debug)]
pub struct Provider {
    cfg: OidcConfig,
    authorization_endpoint: String,
    token_endpoint: String,
    keys: KeySet,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .http_status_as_error(false)
        .build()
        .new_agent()
}

/// A JSON body of at most 1 MiB.
fn read_json<T: serde::de::DeserializeOwned>(
    resp: &mut ureq::http::Response<ureq::Body>,
) -> Result<T, String> {
    let text = resp
        .body_mut()
        .with_config()
        .limit(1024 * 1024)
        .read_to_string()
        .map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

fn provider_err(e: impl std::fmt::Display) -> OidcError {
    OidcError::Provider(e.to_string())
}

/// The URL is https, or http on a loopback address (a local test provider).
fn acceptable_url(url: &str) -> bool {
    url.starts_with("https://")
        || ["http://127.0.0.1", "http://localhost", "http://[::1]"]
            .iter()
            .any(|p| url.starts_with(p))
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    // A list first: `IgnoredAny` would take a list too.
    Many(Vec<String>),
    One(serde::de::IgnoredAny),
}

#[derive(Deserialize)]
struct IdClaims {
    sub: String,
    aud: OneOrMany,
    azp: Option<String>,
    nonce: Option<String>,
    #[serde(flatten)]
    rest: std::collections::HashMap<String, Value>,
}

impl Provider {
    /// Reads the discovery document and the keys (blocking).
    pub fn discover(cfg: OidcConfig) -> Result<Provider, OidcError> {
        let issuer = cfg.issuer.trim_end_matches('/');
        if !acceptable_url(issuer) {
            return Err(OidcError::Provider(format!(
                "issuer {issuer}: must be https (http only on loopback)"
            )));
        }
        let url = format!("{issuer}/.well-known/openid-configuration");
        let mut resp = agent().get(&url).call().map_err(provider_err)?;
        if !resp.status().is_success() {
            return Err(OidcError::Provider(format!(
                "{url}: HTTP {}",
                resp.status()
            )));
        }
        let d: Discovery =
            read_json(&mut resp).map_err(|e| OidcError::Provider(format!("{url}: {e}")))?;
        if d.issuer != cfg.issuer {
            return Err(OidcError::Provider(format!(
                "{url} names issuer {} instead of {}",
                d.issuer, cfg.issuer
            )));
        }
        for u in [&d.authorization_endpoint, &d.token_endpoint, &d.jwks_uri] {
            if !acceptable_url(u) {
                return Err(OidcError::Provider(format!(
                    "{u}: must be https (http only on loopback)"
                )));
            }
        }
        let keys = KeySet::load(&JwksSource::Url(d.jwks_uri.clone())).map_err(provider_err)?;
        Ok(Provider {
            cfg,
            authorization_endpoint: d.authorization_endpoint,
            token_endpoint: d.token_endpoint,
            keys,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &OidcConfig {
        &self.cfg
    }

    /// Where to send the browser to log in.
    pub fn authorize_url(
        &self,
        redirect_uri: &str,
        state: &str,
        nonce: &str,
        challenge: &str,
    ) -> String {
        let query = serde_urlencoded::to_string([
            ("response_type", "code"),
            ("client_id", self.cfg.client_id.as_str()),
            ("redirect_uri", redirect_uri),
            ("scope", "openid profile email groups"),
            ("state", state),
            ("nonce", nonce),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ])
        .unwrap_or_default();
        let sep = if self.authorization_endpoint.contains('?') {
            '&'
        } else {
            '?'
        };
        format!("{}{sep}{query}", self.authorization_endpoint)
    }

    /// Exchanges an authorization code for the ID token (blocking), authenticating with the
    /// client secret (`client_secret_basic`) and proving the PKCE verifier.
    pub fn exchange(
        &self,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
    ) -> Result<String, OidcError> {
        use base64::Engine as _;
        let form = |k: &str| {
            serde_urlencoded::to_string([("", k)])
                .map(|s| s.trim_start_matches('=').to_owned())
                .unwrap_or_default()
        };
        // RFC 6749 §2.3.1: both parts form-encoded before they are joined.
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            form(&self.cfg.client_id),
            form(&self.cfg.client_secret)
        ));
        let mut resp = agent()
            .post(&self.token_endpoint)
            .header("Authorization", &format!("Basic {basic}"))
            .header("Accept", "application/json")
            .send_form([
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", redirect_uri),
                ("client_id", self.cfg.client_id.as_str()),
                ("code_verifier", verifier),
            ])
            .map_err(provider_err)?;
        let status = resp.status();
        let body: Value = read_json(&mut resp)
            .map_err(|e| OidcError::Provider(format!("token endpoint: {e}")))?;
        if !status.is_success() {
            return Err(OidcError::Provider(format!(
                "token endpoint refused the code: HTTP {status} {}",
                body.get("error").and_then(Value::as_str).unwrap_or("")
            )));
        }
        body.get("id_token")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| OidcError::Provider("the token endpoint returned no id_token".into()))
    }

    /// Validates an ID token for the login that sent `nonce`.
    pub fn validate(&self, id_token: &str, nonce: &str) -> Result<Identity, OidcError> {
        let bad = |s: String| OidcError::Token(s);
        let claims: IdClaims = self
            .keys
            .decode(id_token, |alg| {
                let mut v = Validation::new(alg);
                v.leeway = self.cfg.leeway.as_secs();
                v.validate_nbf = true;
                v.set_issuer(&[&self.cfg.issuer]);
                v.set_audience(&[&self.cfg.client_id]);
                v.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
                v
            })
            .map_err(|e| bad(e.to_string()))?;
        if let OneOrMany::Many(auds) = &claims.aud
            && auds.len() > 1
            && claims.azp.as_deref() != Some(self.cfg.client_id.as_str())
        {
            return Err(bad("several audiences and `azp` is not this client".into()));
        }
        if !claims
            .nonce
            .as_deref()
            .is_some_and(|n| crate::secret::same(n, nonce))
        {
            return Err(bad("the nonce does not match this login".into()));
        }
        let name = claims
            .rest
            .get(&self.cfg.name_claim)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| bad(format!("no `{}` claim", self.cfg.name_claim)))?
            .to_owned();
        let groups = claims.rest.get(&self.cfg.groups_claim).map(|g| match g {
            Value::String(s) => vec![s.clone()],
            Value::Array(a) => a
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        });
        Ok(Identity {
            subject: claims.sub,
            name,
            groups,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use recourse_testkit::jwt::{ISSUER, Issuer, now};
    use serde_json::json;

    fn provider(dir: &std::path::Path) -> Provider {
        let jwks = dir.join("jwks.json");
        Issuer::new().write_jwks(&jwks);
        Provider {
            cfg: OidcConfig {
                issuer: ISSUER.into(),
                client_id: "recourse-web".into(),
                client_secret: "s".into(),
                name_claim: "preferred_username".into(),
                groups_claim: "groups".into(),
                leeway: Duration::from_secs(30),
            },
            authorization_endpoint: format!("{ISSUER}/authorize"),
            token_endpoint: format!("{ISSUER}/token"),
            keys: KeySet::load(&JwksSource::File(jwks)).unwrap(),
        }
    }

    fn claims() -> Value {
        json!({"iss": ISSUER, "sub": "u-1", "aud": "recourse-web", "iat": now(), "exp": now() + 300,
               "nonce": "n-1", "preferred_username": "alice", "groups": ["sre"]})
    }

    #[test]
    fn a_valid_id_token_names_the_approver_and_groups() {
        let dir = tempfile::tempdir().unwrap();
        let p = provider(dir.path());
        let issuer = Issuer::new();
        let id = p.validate(&issuer.rs256(&claims()), "n-1").unwrap();
        assert_eq!(id.name, "alice");
        assert_eq!(id.subject, "u-1");
        assert_eq!(id.groups, Some(vec!["sre".to_owned()]));
        assert!(p.validate(&issuer.es256(&claims()), "n-1").is_ok());
        let mut no_groups = claims();
        no_groups.as_object_mut().unwrap().remove("groups");
        assert_eq!(
            p.validate(&issuer.rs256(&no_groups), "n-1").unwrap().groups,
            None
        );
        let url = p.authorize_url("http://127.0.0.1:1/cb", "st", "no", "ch");
        assert!(url.contains("code_challenge_method=S256") && url.contains("state=st"));
    }

    #[test]
    fn forged_and_misdirected_id_tokens_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = provider(dir.path());
        let i = Issuer::new();
        let with = |k: &str, v: Value| {
            let mut c = claims();
            c[k] = v;
            c
        };
        let cases: Vec<(&str, String)> = vec![
            ("signed by another key", i.forged(&claims())),
            ("alg none", i.alg_none(&claims())),
            (
                "HS256 with the public key",
                i.hs256_with_public_key(&claims()),
            ),
            ("unknown kid", i.unknown_kid(&claims())),
            (
                "wrong issuer",
                i.rs256(&with("iss", json!("https://evil.example"))),
            ),
            (
                "wrong audience",
                i.rs256(&with("aud", json!("another-client"))),
            ),
            ("expired", i.rs256(&with("exp", json!(now() - 3600)))),
            (
                "another login's nonce",
                i.rs256(&with("nonce", json!("n-2"))),
            ),
            (
                "several audiences, azp not us",
                i.rs256(&with("aud", json!(["recourse-web", "x"]))),
            ),
            (
                "no name claim",
                i.rs256(&with("preferred_username", json!(""))),
            ),
        ];
        for (what, token) in cases {
            assert!(p.validate(&token, "n-1").is_err(), "{what} was accepted");
        }
        let mut no_nonce = claims();
        no_nonce.as_object_mut().unwrap().remove("nonce");
        assert!(p.validate(&i.rs256(&no_nonce), "n-1").is_err(), "no nonce");
        let azp = with("aud", json!(["recourse-web", "x"]));
        let mut azp = azp;
        azp["azp"] = json!("recourse-web");
        assert!(p.validate(&i.rs256(&azp), "n-1").is_ok(), "azp names us");
    }
}
