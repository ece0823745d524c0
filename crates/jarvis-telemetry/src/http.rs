//! The loopback `/metrics` server (axum) and its scrape client (reqwest, through jarvis-http).

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::exposition::CONTENT_TYPE;

/// Metrics bodies larger than this are refused by the client.
const MAX_RESPONSE: usize = 4 * 1024 * 1024;

/// Produces the current `/metrics` body (an [`crate::Exposition`]'s text).
pub type RenderFn = Arc<dyn Fn() -> String + Send + Sync>;

/// Serves `GET /metrics` on 127.0.0.1 until dropped.
pub struct MetricsServer {
    address: SocketAddr,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for MetricsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsServer")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl MetricsServer {
    /// Binds 127.0.0.1:`port` (0: an ephemeral port) and serves `render()` at `/metrics`;
    /// other paths answer 404, other methods 405.
    pub async fn bind(port: u16, render: RenderFn) -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let address = listener.local_addr()?;
        let metrics = move || {
            let body = render();
            async move { ([(header::CONTENT_TYPE, CONTENT_TYPE)], body) }
        };
        let app = Router::new()
            .route("/metrics", get(metrics))
            .fallback(|| async { (StatusCode::NOT_FOUND, "only /metrics is served\n") });
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { address, task })
    }

    /// The bound address.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `http://127.0.0.1:<port>/metrics`.
    pub fn url(&self) -> String {
        format!("http://{}/metrics", self.address)
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Why a metrics scrape failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The URL is not `http://host:port/path`.
    #[error(
        "metrics URL '{url}' is not an http://host:port/path URL; check the sidecar's metrics_url"
    )]
    BadUrl {
        /// The URL.
        url: String,
    },
    /// Connecting, sending or reading failed or timed out.
    #[error(
        "metrics endpoint {url} unreachable: {detail}; is the miner running? see `jarvis mine logs`"
    )]
    Unreachable {
        /// The URL.
        url: String,
        /// What failed.
        detail: String,
    },
    /// The server answered with something other than 200 and a text body.
    #[error("metrics endpoint {url} answered {detail}; is something else listening on that port?")]
    BadResponse {
        /// The URL.
        url: String,
        /// The status line or what was wrong.
        detail: String,
    },
}

/// GETs `url` (`http://host:port/path`, no credentials) within `timeout` and returns the body.
pub async fn fetch_metrics(url: &str, timeout: Duration) -> Result<String, FetchError> {
    let bad_url = || FetchError::BadUrl {
        url: url.to_owned(),
    };
    let parsed = reqwest::Url::parse(url).map_err(|_| bad_url())?;
    if parsed.scheme() != "http"
        || parsed.host_str().is_none_or(str::is_empty)
        || !parsed.username().is_empty()
        || parsed.password().is_some()
    {
        return Err(bad_url());
    }
    let unreachable = |detail: String| FetchError::Unreachable {
        url: url.to_owned(),
        detail,
    };
    let bad = |detail: &str| FetchError::BadResponse {
        url: url.to_owned(),
        detail: detail.to_owned(),
    };
    let client =
        jarvis_http::http_client(timeout, Some(timeout)).map_err(|e| unreachable(e.to_string()))?;
    let scrape = async {
        let mut response = client
            .get(parsed)
            .header(
                reqwest::header::ACCEPT,
                "application/openmetrics-text, text/plain",
            )
            .send()
            .await
            .map_err(|e| unreachable(jarvis_http::describe(&e)))?;
        let status = response.status();
        if status != reqwest::StatusCode::OK {
            return Err(bad(&format!("HTTP {status}")));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| unreachable(jarvis_http::describe(&e)))?
        {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_RESPONSE {
                return Err(bad("a body over 4 MiB"));
            }
        }
        String::from_utf8(body).map_err(|_| bad("a body that is not UTF-8"))
    };
    match tokio::time::timeout(timeout, scrape).await {
        Ok(result) => result,
        Err(_) => Err(unreachable(format!("no answer within {timeout:?}"))),
    }
}
