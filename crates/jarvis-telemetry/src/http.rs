//! The loopback `/metrics` server (axum routes on hyper's HTTP/1 connection builder) and its
//! scrape client (reqwest, through jarvis-http).
//!
//! The server bounds what a client can hold: a connection whose request headers are not
//! complete within [`ServeLimits::header_read_timeout`] (a slowloris client, or an idle one
//! between keep-alive requests) is closed by hyper's header-read timer, and at most
//! [`ServeLimits::max_connections`] connections are open at once (further ones wait in the
//! kernel's accept queue, holding none of this process's file descriptors).

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::routing::get;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::{JoinHandle, JoinSet};

use crate::exposition::CONTENT_TYPE;

/// Metrics bodies larger than this are refused by the client.
const MAX_RESPONSE: usize = 4 * 1024 * 1024;

/// Produces the current `/metrics` body (an [`crate::Exposition`]'s text).
pub type RenderFn = Arc<dyn Fn() -> String + Send + Sync>;

/// What one client may hold of the metrics server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeLimits {
    /// A connection whose request line and headers have not all arrived this long after it
    /// opened (or after its previous response) is closed.
    pub header_read_timeout: Duration,
    /// Connections open at once; more wait in the kernel's accept queue until one closes.
    pub max_connections: usize,
}

impl ServeLimits {
    /// The limits [`MetricsServer::bind`] serves with: headers within 10 s (a scrape on
    /// loopback sends them at once), 64 connections.
    pub const DEFAULT: Self = Self {
        header_read_timeout: Duration::from_secs(10),
        max_connections: 64,
    };
}

impl Default for ServeLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

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
    /// other paths answer 404, other methods 405. Serves within [`ServeLimits::DEFAULT`].
    pub async fn bind(port: u16, render: RenderFn) -> io::Result<Self> {
        Self::bind_with_limits(port, render, ServeLimits::DEFAULT).await
    }

    /// [`MetricsServer::bind`] with other [`ServeLimits`].
    pub async fn bind_with_limits(
        port: u16,
        render: RenderFn,
        limits: ServeLimits,
    ) -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let address = listener.local_addr()?;
        let metrics = move || {
            let body = render();
            async move { ([(header::CONTENT_TYPE, CONTENT_TYPE)], body) }
        };
        let app = Router::new()
            .route("/metrics", get(metrics))
            .fallback(|| async { (StatusCode::NOT_FOUND, "only /metrics is served\n") });
        let task = tokio::spawn(serve(listener, app, limits));
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
        // The connections are tasks of `serve`'s JoinSet: they end with it.
        self.task.abort();
    }
}

/// Accepts connections while fewer than `limits.max_connections` are open and serves each
/// with HTTP/1 under the header-read timeout, until aborted (which ends every connection).
async fn serve(listener: TcpListener, app: Router, limits: ServeLimits) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        let stream = loop {
            match listener.accept().await {
                Ok((stream, _)) => break stream,
                // The peer gave up before we took it: take the next one.
                Err(e) if is_connection_error(&e) => {}
                // Out of file descriptors or the like: wait for some to close.
                Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
            }
        };
        let connection =
            http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        connections.spawn(async move {
            // A timed-out, reset or malformed connection is simply closed.
            let _ = connection.await;
            drop(slot);
        });
    }
}

fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
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
