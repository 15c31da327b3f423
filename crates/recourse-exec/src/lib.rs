//! The Recourse gateway service (being built: see the gateway-service issue).
