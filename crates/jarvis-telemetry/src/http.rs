//! A minimal HTTP/1.1 `/metrics` server on loopback and its client. Hand-rolled on tokio:
//! one GET per connection, bodies of a few KiB, no TLS.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Request heads larger than this are refused.
const MAX_REQUEST_HEAD: usize = 8 * 1024;
/// Metrics bodies larger than this are refused by the client.
const MAX_RESPONSE: usize = 4 * 1024 * 1024;
/// A client that sends nothing for this long is dropped.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// Produces the current `/metrics` body.
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
    /// Binds 127.0.0.1:`port` (0: an ephemeral port) and serves `render()` at `/metrics`.
    pub async fn bind(port: u16, render: RenderFn) -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let address = listener.local_addr()?;
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let render = Arc::clone(&render);
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(READ_TIMEOUT, serve(stream, render)).await;
                });
            }
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

async fn serve(mut stream: TcpStream, render: RenderFn) -> io::Result<()> {
    let mut head = Vec::with_capacity(512);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(buf.get(..n).unwrap_or_default());
        if head.len() > MAX_REQUEST_HEAD {
            return respond(&mut stream, "431 Request Header Fields Too Large", "").await;
        }
    }
    let request_line = head.split(|&b| b == b'\r').next().unwrap_or_default();
    let request_line = String::from_utf8_lossy(request_line);
    let mut parts = request_line.split_ascii_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = target.split('?').next().unwrap_or("");
    match (method, path) {
        ("GET", "/metrics") => respond(&mut stream, "200 OK", &render()).await,
        ("GET", _) => respond(&mut stream, "404 Not Found", "only /metrics is served\n").await,
        _ => respond(&mut stream, "405 Method Not Allowed", "").await,
    }
}

async fn respond(stream: &mut TcpStream, status: &str, body: &str) -> io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.shutdown().await
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

/// GETs `url` (`http://host:port/path`) within `timeout` and returns the body.
pub async fn fetch_metrics(url: &str, timeout: Duration) -> Result<String, FetchError> {
    let bad_url = || FetchError::BadUrl {
        url: url.to_owned(),
    };
    let rest = url.strip_prefix("http://").ok_or_else(bad_url)?;
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    };
    if authority.is_empty() || authority.contains('@') {
        return Err(bad_url());
    }
    let unreachable = |detail: String| FetchError::Unreachable {
        url: url.to_owned(),
        detail,
    };
    let exchange = async {
        let mut stream = TcpStream::connect(authority).await?;
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {authority}\r\nAccept: text/plain\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await?;
        let mut body = Vec::new();
        let mut limited = (&mut stream).take(MAX_RESPONSE as u64 + 1);
        limited.read_to_end(&mut body).await?;
        Ok::<_, io::Error>(body)
    };
    let raw = match tokio::time::timeout(timeout, exchange).await {
        Err(_) => return Err(unreachable(format!("no answer within {timeout:?}"))),
        Ok(Err(e)) => return Err(unreachable(e.to_string())),
        Ok(Ok(raw)) => raw,
    };
    let bad = |detail: &str| FetchError::BadResponse {
        url: url.to_owned(),
        detail: detail.to_owned(),
    };
    if raw.len() > MAX_RESPONSE {
        return Err(bad("a body over 4 MiB"));
    }
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no HTTP header"))?;
    let head = String::from_utf8_lossy(raw.get(..split).unwrap_or_default());
    let status = head.lines().next().unwrap_or("");
    if status.split_ascii_whitespace().nth(1) != Some("200") {
        return Err(bad(&format!("'{status}'")));
    }
    let body = raw.get(split + 4..).unwrap_or_default();
    String::from_utf8(body.to_vec()).map_err(|_| bad("a body that is not UTF-8"))
}
