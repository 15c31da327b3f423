//! Runnable examples live beside this file; run them with `cargo run -p recourse-examples --example NAME`.
