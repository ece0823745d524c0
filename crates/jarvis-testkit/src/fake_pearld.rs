//! `FakePearld`: a real HTTP/1.1 (optionally TLS) server on 127.0.0.1 that answers like pearld.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use tokio::io::{AsyncRead, AsyncWrite, BufReader, BufStream};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

use crate::btcd_rpc::{RpcReply, process_body};
use crate::http_server::{lock, unix_now};
use crate::http_wire::{
    ReadRequest, btcd_rpc_reply, go_http_error, read_or_reject, read_request, write_and_close,
};
use crate::tls_cert::PearldCert;

/// How the fake behaves once a request arrives.
#[derive(Debug, Clone, PartialEq)]
pub enum FakeMode {
    /// Synced at `height`: `blocks == headers == height`, templates for `height + 1`.
    Healthy { height: u64 },
    /// Syncing, as pearld shows it: `getblockchaininfo` still says `blocks == headers ==
    /// height` with no IBD fields (pearld never sets them); `getblocktemplate` fails with -10
    /// "Pearl is downloading blocks...".
    Syncing { height: u64 },
    /// Every known method answers this JSON-RPC error (HTTP 200, as btcd does).
    RpcError { code: i64, message: String },
    /// Every known method answers `"result":null,"error":null`.
    NullResult,
    /// Accepts and reads the request, then never answers (the connection stays open).
    Hang,
    /// Accepts the TCP connection and closes it at once, before reading or any TLS handshake.
    CloseImmediately,
}

/// Credentials and behaviour of a fake pearld.
#[derive(Debug, Clone, PartialEq)]
pub struct FakePearldOptions {
    /// The RPC user the fake accepts.
    pub user: String,
    /// The RPC password the fake accepts.
    pub password: String,
    /// The behaviour.
    pub mode: FakeMode,
}

impl Default for FakePearldOptions {
    fn default() -> Self {
        Self {
            user: "rpcuser".to_owned(),
            password: "rpcpass".to_owned(),
            mode: FakeMode::Healthy { height: 1000 },
        }
    }
}

/// One request exactly as the fake received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// HTTP method, e.g. `POST`.
    pub method: String,
    /// Request target, e.g. `/`.
    pub path: String,
    /// Headers in arrival order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
    /// The whole request (head and body) as received.
    pub raw: Vec<u8>,
}

impl RecordedRequest {
    /// First value of a header, name compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

impl From<ReadRequest> for RecordedRequest {
    fn from(request: ReadRequest) -> Self {
        Self {
            method: request.head.method,
            path: request.head.path,
            headers: request.head.headers,
            body: request.body,
            raw: request.raw,
        }
    }
}

struct Shared {
    user: String,
    password: String,
    mode: Mutex<FakeMode>,
    requests: Mutex<Vec<RecordedRequest>>,
}

/// A running fake pearld; it stops (and closes every connection) when dropped.
pub struct FakePearld {
    addr: SocketAddr,
    tls: bool,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
    cert_dir: Option<tempfile::TempDir>,
}

impl FakePearld {
    /// Starts a plain-HTTP fake (pearld with `--notls`). Must run inside a tokio runtime.
    pub async fn start(options: FakePearldOptions) -> FakePearld {
        Self::launch(options, None).await
    }

    /// Starts a TLS fake with a freshly generated pearld-style self-signed certificate whose
    /// PEM is at [`FakePearld::cert_path`].
    pub async fn start_tls(options: FakePearldOptions) -> FakePearld {
        let cert = PearldCert::generate().expect("generate a self-signed certificate");
        let dir = tempfile::tempdir().expect("create a temp dir for rpc.cert");
        std::fs::write(dir.path().join("rpc.cert"), &cert.pem).expect("write rpc.cert");
        let config = cert.server_config().expect("build the TLS server config");
        let mut fake = Self::launch(options, Some(TlsAcceptor::from(config))).await;
        fake.cert_dir = Some(dir);
        fake
    }

    async fn launch(options: FakePearldOptions, tls: Option<TlsAcceptor>) -> FakePearld {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("read the bound address");
        let shared = Arc::new(Shared {
            user: options.user,
            password: options.password,
            mode: Mutex::new(options.mode),
            requests: Mutex::new(Vec::new()),
        });
        let is_tls = tls.is_some();
        let server = tokio::spawn(serve(listener, tls, Arc::clone(&shared)));
        FakePearld {
            addr,
            tls: is_tls,
            shared,
            server,
            cert_dir: None,
        }
    }

    /// `http://127.0.0.1:<port>` (or `https://` for the TLS variant).
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Path of the PEM certificate the TLS variant presents; `None` for plain HTTP.
    pub fn cert_path(&self) -> Option<PathBuf> {
        self.cert_dir.as_ref().map(|d| d.path().join("rpc.cert"))
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// Changes the behaviour for requests that arrive from now on.
    pub fn set_mode(&self, mode: FakeMode) {
        *lock(&self.shared.mode) = mode;
    }
}

impl std::fmt::Debug for FakePearld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakePearld")
            .field("url", &self.url())
            .field("cert_path", &self.cert_path().as_deref().map(Path::display))
            .finish_non_exhaustive()
    }
}

impl Drop for FakePearld {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every connection task.
        self.server.abort();
    }
}

async fn serve(listener: TcpListener, tls: Option<TlsAcceptor>, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        if *lock(&shared.mode) == FakeMode::CloseImmediately {
            drop(stream);
            continue;
        }
        let shared = Arc::clone(&shared);
        let tls = tls.clone();
        connections.spawn(async move {
            match tls {
                Some(acceptor) => {
                    let mut stream = stream;
                    if plaintext_http_on_tls_port(&stream).await {
                        // Go's net/http answer to plain HTTP on a TLS listener.
                        let _ = read_request(&mut BufReader::new(&mut stream)).await;
                        write_and_close(&mut stream, HTTP_ON_TLS_PORT).await;
                    } else if let Ok(stream) = acceptor.accept(stream).await {
                        handle_connection(stream, &shared).await;
                    }
                }
                None => handle_connection(stream, &shared).await,
            }
        });
    }
}

const HTTP_ON_TLS_PORT: &[u8] =
    b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n";

/// Go's `tlsRecordHeaderLooksLikeHTTP`: the first five bytes start an HTTP request.
async fn plaintext_http_on_tls_port(stream: &tokio::net::TcpStream) -> bool {
    let mut first = [0u8; 5];
    let mut seen = 0;
    // peek may return fewer bytes than are about to arrive; retry briefly.
    for _ in 0..50 {
        match stream.peek(&mut first).await {
            Ok(n) if n >= 5 => {
                seen = n;
                break;
            }
            Ok(0) | Err(_) => return false,
            Ok(n) => {
                seen = n;
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }
    }
    seen >= 5
        && [b"GET /", b"HEAD ", b"POST ", b"PUT /", b"OPTIO"]
            .iter()
            .any(|p| first == **p)
}

/// One request per connection, as pearld does (`Connection: close`).
async fn handle_connection<S: AsyncRead + AsyncWrite + Unpin>(stream: S, shared: &Shared) {
    let mut stream = BufStream::new(stream);
    let Some(request) = read_or_reject(&mut stream).await else {
        return;
    };
    lock(&shared.requests).push(RecordedRequest::from(request.clone()));
    let mode = lock(&shared.mode).clone();
    if mode == FakeMode::Hang {
        // Keep the connection open, unanswered, until the fake is dropped.
        std::future::pending::<()>().await;
    }
    let http11 = request.head.is_http11();
    if !authorized(request.head.header("authorization"), shared) {
        let reply = go_http_error(
            http11,
            401,
            "Unauthorized",
            "401 Unauthorized.",
            &[("Www-Authenticate", "Basic realm=\"pearld RPC\"")],
        );
        write_and_close(&mut stream, &reply).await;
        return;
    }
    if request.head.path == "/ws" {
        // An authenticated non-websocket request to the websocket endpoint.
        let reply = go_http_error(http11, 400, "Bad Request", "400 Bad Request.", &[]);
        write_and_close(&mut stream, &reply).await;
        return;
    }
    match process_body(&request.body, &mode, unix_now()) {
        RpcReply::Body(body) => write_and_close(&mut stream, &btcd_rpc_reply(http11, &body)).await,
        RpcReply::Nothing => write_and_close(&mut stream, &[]).await,
    }
}

/// btcd's `checkAuth`: the first `Authorization` value must equal, byte for byte,
/// `Basic <base64(user:pass)>` (it compares SHA-256 digests of the whole header), so a
/// lower-case scheme or unpadded base64 is refused even when the credentials are right.
fn authorized(header: Option<&str>, shared: &Shared) -> bool {
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", shared.user, shared.password))
    );
    header == Some(expected.as_str())
}
