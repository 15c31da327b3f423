//! Where the PostgreSQL database is, how to authenticate, and TLS when the URL asks for it.

use std::sync::Arc;
use std::time::Duration;

use tokio_postgres::config::SslMode;

use super::super::StoreError;

/// Where the database is and how to reach it.
#[derive(Clone)]
pub struct PgConfig {
    pub(super) config: tokio_postgres::Config,
    /// TLS roots when the URL asks for TLS (`sslmode=require`).
    pub(super) tls: Option<Arc<rustls::ClientConfig>>,
    /// The URL without its password, for messages.
    shown: String,
}

impl std::fmt::Debug for PgConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgConfig")
            .field("url", &self.shown)
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

impl PgConfig {
    /// Parses a `postgres://user@host:port/db?sslmode=require&sslrootcert=FILE` URL. `password`
    /// (from a file or the environment) is used when the URL carries none. TLS is used when
    /// `sslmode=require`: the server's certificate is verified against `sslrootcert` if given,
    /// else the webpki roots.
    pub fn parse(url: &str, password: Option<String>) -> Result<PgConfig, StoreError> {
        let bad = |e: String| StoreError::Postgres(format!("--store: {e}"));
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut kept = Vec::new();
        let mut root_cert = None;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("sslrootcert", v)) => root_cert = Some(v.to_owned()),
                _ => kept.push(pair),
            }
        }
        let rebuilt = if kept.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        let mut config: tokio_postgres::Config =
            rebuilt.parse().map_err(|e| bad(format!("{e}")))?;
        if config.get_password().is_none()
            && let Some(p) = password
        {
            config.password(p.trim_end_matches(['\n', '\r']));
        }
        if config.get_user().is_none() {
            return Err(bad("the URL names no user (postgres://USER@HOST/DB)".into()));
        }
        if config.get_dbname().is_none() {
            return Err(bad(
                "the URL names no database (postgres://USER@HOST/DB)".into()
            ));
        }
        config.application_name("recourse");
        config.connect_timeout(Duration::from_secs(10));
        let tls = match config.get_ssl_mode() {
            SslMode::Require => Some(Arc::new(tls_config(root_cert.as_deref())?)),
            _ => None,
        };
        let shown = redact_password(url);
        Ok(PgConfig { config, tls, shown })
    }

    /// The URL without a password.
    pub fn shown(&self) -> &str {
        &self.shown
    }
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    let user = userinfo.split(':').next().unwrap_or("");
    format!("{scheme}://{user}@{host}")
}

fn tls_config(root_cert: Option<&str>) -> Result<rustls::ClientConfig, StoreError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    match root_cert {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| StoreError::Postgres(format!("sslrootcert {path}: {e}")))?;
            for c in certs {
                let c = c.map_err(|e| StoreError::Postgres(format!("sslrootcert {path}: {e}")))?;
                roots
                    .add(c)
                    .map_err(|e| StoreError::Postgres(format!("sslrootcert {path}: {e}")))?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::Postgres(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}
