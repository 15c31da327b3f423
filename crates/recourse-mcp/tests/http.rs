//! The HTTP transport's guard, end to end over loopback TCP: the token matrix (every way a
//! bearer token can be wrong, and the one way it can be right), the RFC 9728 metadata and
//! challenges, principals per policy, sessions bound to their principal, Host/Origin checks,
//! the body cap, the rate limit, and the operational endpoints.
//!
//! The gateway here has no working sandbox (nothing in these tests needs to run a command), so
//! admitted tool calls end in a sandbox refusal; what is tested is who gets that far. The
//! real-process tests (`recourse gateway serve --http`, the Python MCP client, 32 concurrent
//! clients) are in `crates/recourse-cli/tests/http_e2e.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use recourse_exec::sandbox::Helper;
use recourse_exec::{Gateway, GatewayConfig};
use recourse_mcp::http::{
    AuthConfig, Authentication, Authenticator, HttpOptions, JwksSource, router,
};
use recourse_policy::{Environment, Policy};
use recourse_testkit::http::{Conn, Reply, hdrs, mcp_headers, request, stateless};
use recourse_testkit::jwt::{ISSUER, Issuer, now};
use serde_json::{Value, json};

struct Server {
    addr: SocketAddr,
    _dir: tempfile::TempDir,
    gateway: Arc<Gateway>,
    _rt: tokio::runtime::Runtime,
}

impl Server {
    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
    fn mcp(&self, extra: &[(&str, &str)], body: &str) -> Reply {
        request(self.addr, "POST", "/mcp", &mcp_headers(body, extra), body)
    }
    fn list_tools(&self, token: &str) -> Reply {
        let auth = format!("Bearer {token}");
        self.mcp(
            &[("Authorization", &auth)],
            &stateless(1, "tools/list", Value::Null),
        )
    }
}

const POLICY: &str = "recourseos:
  environments:
    dev:
      principals:
        group:sre: all
        group:agents: [gateway_shell_exec, gateway_check_approval]
";

fn start(tweak: impl FnOnce(&mut HttpOptions)) -> Server {
    start_with(Issuer::new().jwks(), tweak)
}

fn start_with(keys: Value, tweak: impl FnOnce(&mut HttpOptions)) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let mut policy = Policy::from_yaml_str(POLICY).unwrap();
    policy.shell.allowed_paths = vec![work.display().to_string()];
    let cfg = GatewayConfig::new(
        dir.path().join("state"),
        Environment::Dev,
        policy,
        Helper {
            program: dir.path().join("no-sandbox-helper-here"),
            prefix: vec![],
        },
    );
    let gateway = Arc::new(Gateway::open(cfg).unwrap());
    let jwks = dir.path().join("jwks.json");
    std::fs::write(&jwks, keys.to_string()).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let public_url = format!("http://{addr}");
    let auth = Authenticator::new(AuthConfig {
        jwks: JwksSource::File(jwks),
        issuer: ISSUER.into(),
        audiences: vec![format!("{public_url}/mcp")],
        required_scopes: vec!["mcp:tools".into()],
        groups_claim: "groups".into(),
        leeway: Duration::from_secs(5),
    })
    .unwrap();
    let mut opts = HttpOptions {
        listen: addr,
        public_url,
        auth: Authentication::Bearer(Arc::new(auth)),
        allowed_hosts: vec![],
        allowed_origins: vec![],
        max_body_bytes: 64 * 1024,
        rate_limit: Some((1000.0, 1000)),
        request_timeout: Duration::from_secs(30),
        trusted_proxy_hops: 0,
    };
    tweak(&mut opts);
    opts.validate().unwrap();
    let app = router(
        Arc::clone(&gateway),
        &opts,
        tokio_util::sync::CancellationToken::new(),
    )
    .into_make_service_with_connect_info::<SocketAddr>();
    rt.spawn(async move { axum::serve(listener, app).await });
    Server {
        addr,
        _dir: dir,
        gateway,
        _rt: rt,
    }
}

fn claims(server: &Server, sub: &str, groups: &[&str]) -> Value {
    let mut c = Issuer::new().claims(sub, &format!("{}/mcp", server.url()));
    c["scope"] = json!("openid mcp:tools");
    c["groups"] = json!(groups);
    c
}

/// Every wrong token is refused with the right status and challenge; the right one passes.
#[test]
fn token_matrix() {
    let s = start(|_| {});
    let iss = Issuer::new();
    let good = claims(&s, "alice", &["sre"]);
    let with = |f: &dyn Fn(&mut Value)| {
        let mut c = good.clone();
        f(&mut c);
        c
    };
    let meta = format!(
        "resource_metadata=\"{}/.well-known/oauth-protected-resource/mcp\"",
        s.url()
    );
    // (case, Authorization header value or None, query string, status, challenge error)
    type Case<'a> = (&'a str, Option<String>, &'a str, u16, Option<&'a str>);
    let cases: Vec<Case<'_>> = vec![
        ("no token", None, "", 401, None),
        (
            "garbage",
            Some("Bearer not.a.jwt".into()),
            "",
            401,
            Some("invalid_token"),
        ),
        (
            "empty bearer",
            Some("Bearer ".into()),
            "",
            400,
            Some("invalid_request"),
        ),
        (
            "basic scheme",
            Some("Basic YWxpY2U6cHc=".into()),
            "",
            400,
            Some("invalid_request"),
        ),
        (
            "expired",
            Some(format!(
                "Bearer {}",
                iss.rs256(&with(&|c| {
                    c["exp"] = json!(now() - 600);
                    c["iat"] = json!(now() - 4000);
                }))
            )),
            "",
            401,
            Some("invalid_token"),
        ),
        (
            "nbf in the future",
            Some(format!(
                "Bearer {}",
                iss.rs256(&with(&|c| c["nbf"] = json!(now() + 600)))
            )),
            "",
            401,
            Some("invalid_token"),
        ),
        (
            "wrong iss",
            Some(format!(
                "Bearer {}",
                iss.rs256(&with(&|c| c["iss"] = json!("https://evil.invalid")))
            )),
            "",
            401,
            Some("invalid_token"),
        ),
        (
            "wrong aud",
            Some(format!(
                "Bearer {}",
                iss.rs256(&with(
                    &|c| c["aud"] = json!("https://other-resource.invalid/mcp")
                ))
            )),
            "",
            401,
            Some("invalid_token"),
        ),
        (
            "no aud",
            Some(format!(
                "Bearer {}",
                iss.rs256(&with(&|c| {
                    c.as_object_mut().unwrap().remove("aud");
                }))
            )),
            "",
            401,
            Some("invalid_token"),
        ),
        (
            "no exp",
            Some(format!(
                "Bearer {}",
                iss.rs256(&with(&|c| {
                    c.as_object_mut().unwrap().remove("exp");
                }))
            )),
            "",
            401,
            Some("invalid_token"),
        ),
        (
            "alg none",
            Some(format!("Bearer {}", iss.alg_none(&good))),
            "",
            401,
            Some("invalid_token"),
        ),
        (
            "HS256 keyed with the RSA public key (HS/RS confusion)",
            Some(format!("Bearer {}", iss.hs256_with_public_key(&good))),
            "",
            401,
            Some("invalid_token"),
        ),
        (
            "issuer's kid, another key's signature",
            Some(format!("Bearer {}", iss.forged(&good))),
            "",
            401,
            Some("invalid_token"),
        ),
        (
            "unknown kid",
            Some(format!("Bearer {}", iss.unknown_kid(&good))),
            "",
            401,
            Some("invalid_token"),
        ),
        (
            "token in the query string",
            Some(format!("Bearer {}", iss.rs256(&good))),
            "?access_token=x",
            400,
            Some("invalid_request"),
        ),
        (
            "without the required scope",
            Some(format!(
                "Bearer {}",
                iss.rs256(&with(&|c| c["scope"] = json!("openid")))
            )),
            "",
            403,
            Some("insufficient_scope"),
        ),
        (
            "valid RS256",
            Some(format!("Bearer {}", iss.rs256(&good))),
            "",
            200,
            None,
        ),
        (
            "valid ES256, scope as scp list",
            Some(format!(
                "Bearer {}",
                iss.es256(&with(&|c| {
                    c.as_object_mut().unwrap().remove("scope");
                    c["scp"] = json!(["mcp:tools"]);
                }))
            )),
            "",
            200,
            None,
        ),
    ];
    for (case, auth, query, status, error) in cases {
        let body = stateless(1, "tools/list", Value::Null);
        let mut headers = mcp_headers(&body, &[]);
        if let Some(a) = &auth {
            headers.push(("Authorization".into(), a.clone()));
        }
        let r = request(s.addr, "POST", &format!("/mcp{query}"), &headers, &body);
        assert_eq!(r.status, status, "{case}: {}", r.body);
        if status == 200 {
            let tools = r.json()["result"]["tools"].as_array().unwrap().len();
            assert_eq!(tools, 14, "{case}");
            continue;
        }
        let challenge = r
            .header("www-authenticate")
            .unwrap_or_else(|| panic!("{case}: no WWW-Authenticate"));
        assert!(challenge.starts_with("Bearer "), "{case}: {challenge}");
        assert!(challenge.contains(&meta), "{case}: {challenge}");
        match error {
            None => assert!(!challenge.contains("error="), "{case}: {challenge}"),
            Some(e) => assert!(
                challenge.contains(&format!("error=\"{e}\"")),
                "{case}: {challenge}"
            ),
        }
        if error == Some("insufficient_scope") {
            assert!(challenge.contains("scope=\"mcp:tools\""), "{challenge}");
        }
        // The token never comes back in an answer.
        if let Some(a) = &auth {
            let token = a.trim_start_matches("Bearer ");
            assert!(
                token.len() < 8 || !r.body.contains(token),
                "{case}: token echoed"
            );
        }
    }
    // Two Authorization headers are refused too.
    let t = format!("Bearer {}", iss.rs256(&good));
    let r = s.mcp(
        &[("Authorization", &t), ("Authorization", &t)],
        &stateless(1, "tools/list", Value::Null),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    // Refusals are counted.
    let m = request(s.addr, "GET", "/metrics", &[], "").body;
    assert!(
        m.contains("recourse_http_rejected_total{reason=\"unauthenticated\"}"),
        "{m}"
    );
}

#[test]
fn resource_metadata_names_the_issuer() {
    let s = start(|_| {});
    for path in [
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp",
    ] {
        let r = request(s.addr, "GET", path, &[], "");
        assert_eq!(r.status, 200);
        let v = r.json();
        assert_eq!(v["resource"], format!("{}/mcp", s.url()));
        assert_eq!(v["authorization_servers"], json!([ISSUER]));
        assert_eq!(v["bearer_methods_supported"], json!(["header"]));
        assert_eq!(v["scopes_supported"], json!(["mcp:tools"]));
    }
}

/// The principal decides what the policy lets it see and do; nothing in the request but the
/// token names it.
#[test]
fn principals_see_and_may_use_what_the_policy_grants() {
    let s = start(|_| {});
    let iss = Issuer::new();
    let sre = iss.rs256(&claims(&s, "alice", &["sre"]));
    let agent = iss.rs256(&claims(&s, "agent-1", &["agents"]));
    let stranger = iss.rs256(&claims(&s, "mallory", &[]));
    let names = |r: &Reply| -> Vec<String> {
        r.json()["result"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&s.list_tools(&sre)).len(), 14);
    assert_eq!(
        names(&s.list_tools(&agent)),
        vec!["gateway_shell_exec", "gateway_check_approval"]
    );
    assert!(names(&s.list_tools(&stranger)).is_empty());
    // The same call: refused for the agent group (not granted), admitted for the SRE.
    let call = stateless(
        2,
        "tools/call",
        json!({"name": "gateway_get_plan", "arguments": {"plan_id": "00000000000000000000000000000000"}}),
    );
    let as_agent = s.mcp(&[("Authorization", &format!("Bearer {agent}"))], &call);
    let sc = &as_agent.json()["result"]["structuredContent"];
    assert_eq!(sc["status"], "refused", "{}", as_agent.body);
    assert_eq!(sc["reasons"][0]["rule"], "principal.tool_not_granted");
    let as_sre = s.mcp(&[("Authorization", &format!("Bearer {sre}"))], &call);
    let sc = &as_sre.json()["result"]["structuredContent"];
    assert_ne!(
        sc["reasons"][0]["rule"], "principal.tool_not_granted",
        "{sc}"
    );
    // An argument cannot smuggle in another identity or a runner setting.
    let call = stateless(
        3,
        "tools/call",
        json!({"name": "gateway_shell_exec", "arguments": {"command": "ls", "agent_id": "alice", "kube_context": "prod"}}),
    );
    let r = s.mcp(&[("Authorization", &format!("Bearer {stranger}"))], &call);
    assert_eq!(
        r.json()["result"]["structuredContent"]["reasons"][0]["rule"],
        "principal.unknown",
        "{}",
        r.body
    );
    // The audit names the principal from the token, with the token's hash, never the token.
    let log =
        std::fs::read_to_string(recourse_exec::audit_path(&s.gateway.config().state_dir)).unwrap();
    assert!(log.contains("\"id\":\"mallory\""));
    assert!(log.contains(&format!("\"iss\":\"{ISSUER}\"")));
    assert!(log.contains("token_sha256"));
    for t in [&sre, &agent, &stranger] {
        assert!(
            !log.contains(t.as_str()),
            "a bearer token reached the audit log"
        );
    }
}

#[test]
fn a_session_is_unknown_to_every_other_principal() {
    let s = start(|_| {});
    let iss = Issuer::new();
    let a = format!("Bearer {}", iss.rs256(&claims(&s, "alice", &["sre"])));
    let b = format!("Bearer {}", iss.rs256(&claims(&s, "bob", &["sre"])));
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}).to_string();
    let headers = |auth: &str| {
        hdrs(&[
            ("Content-Type", "application/json"),
            ("Accept", "application/json, text/event-stream"),
            ("Authorization", auth),
        ])
    };
    let r = request(s.addr, "POST", "/mcp", &headers(&a), &init);
    assert_eq!(r.status, 200, "{}", r.body);
    let session = r.header("mcp-session-id").unwrap().to_owned();
    let with_session = |auth: &str| {
        let mut h = headers(auth);
        h.extend(hdrs(&[
            ("Mcp-Session-Id", &session),
            ("MCP-Protocol-Version", "2025-11-25"),
        ]));
        let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}).to_string();
        request(s.addr, "POST", "/mcp", &h, &list)
    };
    let as_b = with_session(&b);
    assert_eq!(as_b.status, 404, "bob used alice's session: {}", as_b.body);
    let as_a = with_session(&a);
    assert_ne!(as_a.status, 404, "{}", as_a.body);
}

#[test]
fn host_origin_body_and_rate_limits() {
    let s = start(|o| {
        o.rate_limit = Some((1.0, 4));
        o.allowed_origins = vec!["https://console.example.com".into()];
    });
    let iss = Issuer::new();
    let t = format!("Bearer {}", iss.rs256(&claims(&s, "alice", &["sre"])));
    let list = stateless(7, "tools/list", Value::Null);
    // DNS rebinding: a foreign Host or Origin is refused.
    let r = s.mcp(&[("Authorization", &t), ("Host", "evil.example")], &list);
    assert_eq!(r.status, 403, "{}", r.body);
    let r = s.mcp(
        &[("Authorization", &t), ("Origin", "https://evil.example")],
        &list,
    );
    assert_eq!(r.status, 403, "{}", r.body);
    let r = s.mcp(
        &[
            ("Authorization", &t),
            ("Origin", "https://console.example.com"),
        ],
        &list,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // The body cap.
    let big = stateless(
        8,
        "tools/call",
        json!({"name": "gateway_shell_exec", "arguments": {"command": "x".repeat(100_000)}}),
    );
    let r = s.mcp(&[("Authorization", &t)], &big);
    assert_eq!(r.status, 413, "{}", r.body);
    // Burst of 4 used up (every request above reached the limiter): 429 with a JSON-RPC error
    // naming the request's id, and Retry-After.
    let r = s.mcp(&[("Authorization", &t)], &list);
    assert_eq!(r.status, 429, "{}", r.body);
    let v = r.json();
    assert_eq!(v["jsonrpc"], "2.0");
    assert_eq!(v["id"], 7);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("rate limit")
    );
    assert!(r.header("retry-after").is_some());
    // Another principal has its own budget.
    let other = format!("Bearer {}", iss.rs256(&claims(&s, "bob", &["sre"])));
    assert_eq!(s.mcp(&[("Authorization", &other)], &list).status, 200);
}

#[test]
fn operations_endpoints() {
    let s = start(|_| {});
    let r = request(s.addr, "GET", "/healthz", &[], "");
    assert_eq!((r.status, r.body.as_str()), (200, "ok\n"));
    // No sandbox in this test gateway: not ready, and it says why.
    let r = request(s.addr, "GET", "/readyz", &[], "");
    assert_eq!(r.status, 503);
    let v = r.json();
    assert_eq!(v["store"], "ok");
    assert_eq!(v["audit"], "ok");
    assert_ne!(v["sandbox"], "ok");
    let iss = Issuer::new();
    let t = format!("Bearer {}", iss.rs256(&claims(&s, "agent-1", &["agents"])));
    let mut conn = Conn::open(s.addr);
    let call = stateless(
        9,
        "tools/call",
        json!({"name": "gateway_shell_exec", "arguments": {"command": "sudo -i"}}),
    );
    let r = conn.send(
        "POST",
        "/mcp",
        &mcp_headers(&call, &[("Authorization", &t)]),
        &call,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let m = request(s.addr, "GET", "/metrics", &[], "").body;
    for needle in [
        "recourse_tool_calls_total{tool=\"gateway_shell_exec\"",
        "environment=\"dev\"",
        "recourse_decision_duration_seconds_bucket",
        "recourse_audit_append_duration_seconds_count",
        "recourse_approvals_pending{environment=\"dev\"} 0",
        "recourse_audit_commits_total",
    ] {
        assert!(m.contains(needle), "{needle} missing in\n{m}");
    }
}

/// The issuer rotates in a new key: the first token naming it makes the gateway reread the
/// JWKS file, and it verifies.
#[test]
fn a_new_key_in_the_jwks_is_picked_up() {
    let iss = Issuer::new();
    let s = start_with(iss.jwks_before_rotation(), |_| {});
    let es = iss.es256(&claims(&s, "alice", &["sre"]));
    assert_eq!(s.list_tools(&es).status, 200);
    // Rotation: the RSA key appears in the file; a token signed with it verifies.
    iss.write_jwks(&s._dir.path().join("jwks.json"));
    let rs = iss.rs256(&claims(&s, "alice", &["sre"]));
    let r = s.list_tools(&rs);
    assert_eq!(r.status, 200, "{}", r.body);
}

#[test]
fn insecure_no_auth_is_refused_off_loopback() {
    let opts = HttpOptions {
        listen: "0.0.0.0:8080".parse().unwrap(),
        public_url: "http://gw.example".into(),
        auth: Authentication::InsecureNoAuth {
            agent_id: "a".into(),
        },
        allowed_hosts: vec![],
        allowed_origins: vec![],
        max_body_bytes: 1024,
        rate_limit: None,
        request_timeout: Duration::from_secs(1),
        trusted_proxy_hops: 0,
    };
    let err = opts.validate().unwrap_err().to_string();
    assert!(err.contains("loopback"), "{err}");
    let mut ok = opts.clone();
    ok.listen = "127.0.0.1:8080".parse().unwrap();
    assert!(ok.validate().is_ok());
    let mut bad_url = ok;
    bad_url.public_url = "gw.example/".into();
    assert!(bad_url.validate().is_err());
}

/// `--auth-jwks URL`: the keys are fetched over HTTP (here from a loopback server standing in
/// for the issuer's JWKS endpoint) and verify tokens; an unreachable URL is a startup error.
#[test]
fn jwks_from_a_url() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let body = Issuer::new().jwks().to_string();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf).unwrap();
        write!(
            s,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
    });
    let cfg = |url: String| AuthConfig {
        jwks: JwksSource::parse(&url),
        issuer: ISSUER.into(),
        audiences: vec!["https://gw.example/mcp".into()],
        required_scopes: vec![],
        groups_claim: "groups".into(),
        leeway: Duration::from_secs(5),
    };
    let auth = Authenticator::new(cfg(format!("http://{addr}/jwks.json"))).unwrap();
    server.join().unwrap();
    let iss = Issuer::new();
    let mut c = iss.claims("alice", "https://gw.example/mcp");
    c["groups"] = json!(["sre", "oncall"]);
    let caller = auth.authenticate(&iss.rs256(&c)).unwrap();
    assert_eq!(caller.agent_id, "alice");
    assert_eq!(caller.issuer.as_deref(), Some(ISSUER));
    assert_eq!(caller.groups, vec!["sre", "oncall"]);
    assert!(caller.token_sha256.is_some());
    // Nothing listens here any more: the gateway would not start.
    let err = Authenticator::new(cfg(format!("http://{addr}/jwks.json"))).unwrap_err();
    assert!(err.to_string().contains("JWKS"), "{err}");
}

/// Malformed messages are answered with their JSON-RPC error (never a non-JSON 4xx), and a
/// `tools/call` that cannot become a call is audited under the authenticated principal.
#[test]
fn malformed_messages_are_answered_and_unusable_calls_audited() {
    let s = start(|_| {});
    let iss = Issuer::new();
    let t = format!("Bearer {}", iss.rs256(&claims(&s, "alice", &["sre"])));
    for (body, code, id) in [
        (
            "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": ".to_owned(),
            -32700,
            Value::Null,
        ),
        (
            "[{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}]".to_owned(),
            -32600,
            Value::Null,
        ),
        (
            stateless(
                5,
                "tools/call",
                json!({"name": "gateway_shell_exec", "arguments": ["rm", "-rf", "/"]}),
            ),
            -32602,
            json!(5),
        ),
        (
            json!({"jsonrpc": "2.0", "id": 6, "method": "tools/call"}).to_string(),
            -32602,
            json!(6),
        ),
    ] {
        let r = s.mcp(&[("Authorization", &t)], &body);
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        let v = r.json();
        assert_eq!(v["error"]["code"], code, "{body}: {v}");
        assert_eq!(v["id"], id, "{body}: {v}");
    }
    let log =
        std::fs::read_to_string(recourse_exec::audit_path(&s.gateway.config().state_dir)).unwrap();
    let rejected: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["event"] == "rejected_input")
        .collect();
    // Every refused message is recorded, malformed ones included.
    assert_eq!(rejected.len(), 4, "{rejected:#?}");
    assert!(
        rejected
            .iter()
            .all(|r| r["agent"]["id"] == "alice" && r["raw_sha256"].is_string()),
        "{rejected:#?}"
    );
}
