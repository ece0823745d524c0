//! The HTTP client every jarvis call uses: ring-backed rustls (no process-wide provider
//! needed) and the platform's trusted roots for https. Proxies follow `HTTP(S)_PROXY` /
//! `NO_PROXY`.

use std::sync::Arc;
use std::time::Duration;

/// The `User-Agent` jarvis sends: `jarvis/<version>`.
pub const USER_AGENT: &str = concat!("jarvis/", env!("CARGO_PKG_VERSION"));

/// The HTTP client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// TLS set-up failed.
    #[error("cannot set up the HTTP client: {detail}; check the system's TLS root certificates")]
    Client {
        /// Why.
        detail: String,
    },
}

/// A client with `connect_timeout` for connecting and, when given, `timeout` for whole requests.
pub fn http_client(
    connect_timeout: Duration,
    timeout: Option<Duration>,
) -> Result<reqwest::Client, HttpError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let err = |detail: String| HttpError::Client { detail };
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone())
        .map_err(|e| err(format!("cannot load the system's trusted roots: {e}")))?;
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| err(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    let mut builder = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .connect_timeout(connect_timeout)
        .user_agent(USER_AGENT);
    if let Some(timeout) = timeout {
        builder = builder.timeout(timeout);
    }
    builder.build().map_err(|e| err(e.to_string()))
}

/// A one-line description of a transport error (no URL query, never a header).
pub fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "connection refused or host unreachable".to_owned()
    } else if e.is_body() || e.is_decode() {
        "the connection broke while reading the reply".to_owned()
    } else {
        "request failed".to_owned()
    }
}
