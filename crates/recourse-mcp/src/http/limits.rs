//! Per-principal rate limits, the client's address behind trusted proxies, and which principal
//! owns which MCP session.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Token buckets, one per principal: `rate` requests per second on average, bursts of up to
/// `burst`.
#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

/// Buckets idle this long are full again and can be forgotten.
const IDLE: Duration = Duration::from_secs(600);

impl RateLimiter {
    /// A limiter; `rate` must be positive.
    pub fn new(rate: f64, burst: u32) -> RateLimiter {
        RateLimiter {
            rate,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key` at `now`; `Err(wait)` says when the next one is due.
    pub fn take(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 10_000 {
            buckets.retain(|_, (_, at)| now.duration_since(*at) < IDLE);
        }
        let (tokens, at) = buckets.entry(key.to_owned()).or_insert((self.burst, now));
        let refill = now.duration_since(*at).as_secs_f64() * self.rate;
        *tokens = (*tokens + refill).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *tokens) / self.rate))
        }
    }
}

/// The client's address: the socket peer, or — behind `hops` trusted proxies that each append
/// the address they received from to `X-Forwarded-For` — the entry `hops` from the right.
/// Anything further left was written by the client and is not believed. With `hops = 0` the
/// header is ignored entirely.
pub fn client_address(peer: SocketAddr, forwarded_for: Option<&str>, hops: usize) -> IpAddr {
    if hops == 0 {
        return peer.ip();
    }
    let Some(header) = forwarded_for else {
        return peer.ip();
    };
    let entries: Vec<&str> = header.split(',').map(str::trim).collect();
    entries
        .len()
        .checked_sub(hops)
        .and_then(|i| entries.get(i))
        .and_then(|e| e.parse::<IpAddr>().ok())
        .unwrap_or_else(|| peer.ip())
}

/// Which principal opened which session: a session id is not a credential, so a request with
/// another principal's session id is answered as if the session did not exist.
#[derive(Debug, Default)]
pub struct SessionOwners {
    owners: Mutex<HashMap<String, (String, Instant)>>,
}

/// Sessions unused for this long are forgotten (rmcp closes idle sessions well before).
const SESSION_MEMORY: Duration = Duration::from_secs(24 * 3600);

impl SessionOwners {
    /// Records that `principal` opened `session`.
    pub fn bind(&self, session: &str, principal: &str) {
        let now = Instant::now();
        let mut owners = self.owners.lock().unwrap_or_else(|p| p.into_inner());
        owners.retain(|_, (_, at)| now.duration_since(*at) < SESSION_MEMORY);
        owners.insert(session.to_owned(), (principal.to_owned(), now));
    }

    /// Whether `principal` may use `session` (unknown sessions are left to the MCP service,
    /// which answers 404).
    pub fn admits(&self, session: &str, principal: &str) -> bool {
        let mut owners = self.owners.lock().unwrap_or_else(|p| p.into_inner());
        match owners.get_mut(session) {
            None => true,
            Some((owner, at)) => {
                *at = Instant::now();
                owner == principal
            }
        }
    }

    /// Forgets a session (it was deleted).
    pub fn forget(&self, session: &str) {
        self.owners
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(session);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_refill_at_the_rate_and_cap_at_the_burst() {
        let l = RateLimiter::new(10.0, 3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(l.take("a", t0).is_ok());
        }
        let wait = l.take("a", t0).unwrap_err();
        assert!(wait <= Duration::from_millis(100), "{wait:?}");
        // Another principal has its own bucket.
        assert!(l.take("b", t0).is_ok());
        // 100 ms later one token is back, not more.
        let t1 = t0 + Duration::from_millis(100);
        assert!(l.take("a", t1).is_ok());
        assert!(l.take("a", t1).is_err());
        // A long pause refills to the burst only.
        let t2 = t1 + Duration::from_secs(60);
        for _ in 0..3 {
            assert!(l.take("a", t2).is_ok());
        }
        assert!(l.take("a", t2).is_err());
    }

    #[test]
    fn forwarded_for_is_believed_only_as_far_as_the_trusted_hops() {
        let peer: SocketAddr = "10.0.0.5:4000".parse().unwrap();
        let xff = Some("1.2.3.4, 203.0.113.7");
        assert_eq!(client_address(peer, xff, 0), peer.ip());
        assert_eq!(
            client_address(peer, xff, 1),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            client_address(peer, xff, 2),
            "1.2.3.4".parse::<IpAddr>().unwrap()
        );
        // More hops than entries, garbage, or no header: the socket peer.
        assert_eq!(client_address(peer, xff, 3), peer.ip());
        assert_eq!(client_address(peer, Some("nonsense"), 1), peer.ip());
        assert_eq!(client_address(peer, None, 1), peer.ip());
    }

    #[test]
    fn a_session_belongs_to_the_principal_that_opened_it() {
        let s = SessionOwners::default();
        assert!(
            s.admits("s1", "alice"),
            "unknown sessions go to the service"
        );
        s.bind("s1", "alice");
        assert!(s.admits("s1", "alice"));
        assert!(!s.admits("s1", "bob"));
        s.forget("s1");
        assert!(s.admits("s1", "bob"));
    }
}
