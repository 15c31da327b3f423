//! Logged-in approvers, server-side: the cookie holds a random id, the server keeps the
//! session under the id's sha256 (so a memory dump of the map yields no usable cookie). Each
//! session has its own CSRF token, which every form carries. Sessions last at most
//! [`SESSION_SECONDS`] and end at logout or restart. Logins in progress (OIDC `state`) are kept
//! the same way, for [`LOGIN_SECONDS`], and taken out once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::secret::{self, RandomError};

/// How long a session lasts.
pub const SESSION_SECONDS: u64 = 8 * 60 * 60;
/// How long a login may take at the identity provider.
pub const LOGIN_SECONDS: u64 = 10 * 60;
/// Sessions and logins kept at most (the oldest are dropped beyond).
const MAX_ENTRIES: usize = 10_000;

/// How the approver logged in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// OpenID Connect: issuer and subject.
    Oidc {
        /// `sub`.
        subject: String,
    },
    /// A single-use login link.
    Link,
}

/// A logged-in approver.
#[derive(Debug, Clone)]
pub struct Session {
    /// The registered approver's name.
    pub approver: String,
    /// The identity provider's groups for them, if it asserted any: decisions on the page need
    /// the approvers file's groups *and* these (the provider can only narrow).
    pub idp_groups: Option<Vec<String>>,
    /// How they logged in.
    pub via: Via,
    /// The CSRF token of every form of this session.
    pub csrf: String,
}

/// An OIDC login between the redirect to the provider and the callback.
#[derive(Debug, Clone)]
pub struct PendingLogin {
    /// The ID token must carry it.
    pub nonce: String,
    /// PKCE verifier.
    pub verifier: String,
    /// Where to go afterwards (a local path).
    pub next: String,
    /// The browser's login cookie (so that a callback URL cannot be completed in another
    /// browser: login CSRF).
    pub browser: String,
}

fn put<V>(map: &mut HashMap<String, (Instant, V)>, key: String, expires: Instant, v: V) {
    let now = Instant::now();
    map.retain(|_, (e, _)| *e > now);
    if map.len() >= MAX_ENTRIES
        && let Some(oldest) = map
            .iter()
            .min_by_key(|(_, (e, _))| *e)
            .map(|(k, _)| k.clone())
    {
        map.remove(&oldest);
    }
    map.insert(key, (expires, v));
}

/// The sessions and logins in progress.
#[derive(Debug, Default)]
pub struct Sessions {
    sessions: Mutex<HashMap<String, (Instant, Session)>>,
    logins: Mutex<HashMap<String, (Instant, PendingLogin)>>,
}

impl Sessions {
    /// Starts a session; returns the cookie value.
    pub fn start(
        &self,
        approver: &str,
        idp_groups: Option<Vec<String>>,
        via: Via,
    ) -> Result<String, RandomError> {
        let id = secret::token()?;
        let expires = Instant::now() + Duration::from_secs(SESSION_SECONDS);
        let s = Session {
            approver: approver.to_owned(),
            idp_groups,
            via,
            csrf: secret::token()?,
        };
        let mut map = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        put(&mut map, secret::hash(&id), expires, s);
        Ok(id)
    }

    /// The session a cookie value names, if it is live.
    pub fn get(&self, id: &str) -> Option<Session> {
        if !secret::is_token(id) {
            return None;
        }
        let map = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&secret::hash(id))
            .filter(|(e, _)| *e > Instant::now())
            .map(|(_, s)| s.clone())
    }

    /// Ends a session.
    pub fn end(&self, id: &str) {
        let mut map = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&secret::hash(id));
    }

    /// Remembers a login in progress under its `state`.
    pub fn begin_login(
        &self,
        state: &str,
        nonce: String,
        verifier: String,
        next: String,
        browser: String,
    ) {
        let expires = Instant::now() + Duration::from_secs(LOGIN_SECONDS);
        let mut map = self.logins.lock().unwrap_or_else(|p| p.into_inner());
        put(
            &mut map,
            secret::hash(state),
            expires,
            PendingLogin {
                nonce,
                verifier,
                next,
                browser,
            },
        );
    }

    /// Takes the login with this `state` out (once), if it is live.
    pub fn finish_login(&self, state: &str) -> Option<PendingLogin> {
        let mut map = self.logins.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&secret::hash(state))
            .filter(|(e, _)| *e > Instant::now())
            .map(|(_, l)| l)
    }

    /// Live sessions (for tests and metrics).
    pub fn len(&self) -> usize {
        let now = Instant::now();
        let map = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        map.values().filter(|(e, _)| *e > now).count()
    }

    /// No live session.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_and_logins() {
        let s = Sessions::default();
        let id = s.start("alice", None, Via::Link).unwrap();
        let got = s.get(&id).unwrap();
        assert_eq!(got.approver, "alice");
        assert!(secret::is_token(&got.csrf));
        assert!(s.get("nope").is_none());
        assert!(s.get(&secret::token().unwrap()).is_none());
        s.end(&id);
        assert!(s.get(&id).is_none());

        s.begin_login("st", "n".into(), "v".into(), "/".into(), "b".into());
        assert_eq!(s.finish_login("st").unwrap().nonce, "n");
        assert!(s.finish_login("st").is_none(), "a state is used once");
    }
}
