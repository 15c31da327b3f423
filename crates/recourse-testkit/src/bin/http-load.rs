//! Load for `recourse gateway serve --http` on loopback (used by `scripts/bench-http`): N
//! clients, each its own principal with a token from the test issuer and one keep-alive
//! connection, each making M `tools/call`s that are decided and recorded but run nothing
//! (a blocked shell command). Prints per-call latency percentiles and throughput.
//!
//! Usage: http-load ADDR[,ADDR…] CLIENTS CALLS | http-load --jwks (prints the issuer's JWKS).
//! With several addresses (gateway replicas), client c talks to address c mod n.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use recourse_testkit::http::{Conn, mcp_headers, stateless};
use recourse_testkit::jwt::Issuer;
use serde_json::json;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--jwks") {
        println!("{}", Issuer::new().jwks());
        return;
    }
    let addrs: Vec<SocketAddr> = args[1].split(',').map(|a| a.parse().unwrap()).collect();
    let clients: usize = args[2].parse().unwrap();
    let calls: usize = args[3].parse().unwrap();
    let issuer = Issuer::new();
    let tokens: Vec<(SocketAddr, String)> = (0..clients)
        .map(|c| {
            let addr = addrs[c % addrs.len()];
            let claims = issuer.claims(&format!("bench-{c}"), &format!("http://{addr}/mcp"));
            (addr, issuer.rs256(&claims))
        })
        .collect();
    let started = Instant::now();
    let threads: Vec<_> = tokens
        .into_iter()
        .enumerate()
        .map(|(c, (addr, token))| {
            std::thread::spawn(move || {
                let auth = format!("Bearer {token}");
                let mut conn = Conn::open(addr);
                let mut latencies = Vec::with_capacity(calls);
                for i in 0..calls {
                    let body = stateless(
                        i as u64,
                        "tools/call",
                        json!({"name": "gateway_shell_exec", "arguments": {"command": format!("sudo -i # {c}-{i}")}}),
                    );
                    let headers = mcp_headers(&body, &[("Authorization", &auth)]);
                    let t = Instant::now();
                    let r = conn.send("POST", "/mcp", &headers, &body);
                    latencies.push(t.elapsed());
                    assert_eq!(r.status, 200, "{}", r.body);
                    assert_eq!(r.json()["result"]["structuredContent"]["decision"], "block");
                }
                latencies
            })
        })
        .collect();
    let mut all: Vec<Duration> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let wall = started.elapsed();
    all.sort_unstable();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    println!(
        "clients={clients} calls={} wall={:.2}s throughput={:.0} calls/s p50={:.2}ms p99={:.2}ms max={:.2}ms",
        all.len(),
        wall.as_secs_f64(),
        all.len() as f64 / wall.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        all.last().unwrap().as_secs_f64() * 1e3,
    );
}
