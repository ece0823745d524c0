//! The HTTP client every engine call uses: ring-backed rustls (no process-wide provider needed)
//! and the platform's trusted roots for https. Proxies follow `HTTP(S)_PROXY` / `NO_PROXY`.

use std::sync::Arc;
use std::time::Duration;

use crate::error::EngineError;

/// A client with `connect_timeout` for connecting and, when given, `timeout` for whole requests.
pub fn http_client(
    connect_timeout: Duration,
    timeout: Option<Duration>,
) -> Result<reqwest::Client, EngineError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let err = |detail: String| EngineError::Client { detail };
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
        .user_agent(concat!("jarvis/", env!("CARGO_PKG_VERSION")));
    if let Some(timeout) = timeout {
        builder = builder.timeout(timeout);
    }
    builder.build().map_err(|e| err(e.to_string()))
}

/// A one-line description of a transport error (no URL query, never a header).
pub(crate) fn describe(e: &reqwest::Error) -> String {
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
