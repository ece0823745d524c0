//! The one HTTP client jarvis uses: reqwest on ring rustls with the platform's trusted roots,
//! timeouts, jarvis' user agent, and one-line descriptions of transport errors.

mod client;

pub use client::{HttpError, USER_AGENT, describe, http_client};
