//! A scripted gateway: answers each request line with whatever the test's handler decides.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use pearl_protocol::IncompleteBlockHeader;
use pearl_protocol::gateway::GatewayAddress;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::task::JoinHandle;

/// What the server does with one request.
pub(crate) enum Action {
    /// Send this line (a newline is appended).
    Line(String),
    /// Send these bytes verbatim.
    Raw(Vec<u8>),
    /// Close the connection.
    Close,
    /// Never answer (keep the connection open).
    Hang,
}

/// Request context handed to the handler.
pub(crate) struct Request {
    /// 0-based connection number.
    pub(crate) connection: usize,
    /// 0-based request number over the server's lifetime.
    pub(crate) index: usize,
    /// The request's id (as raw JSON text).
    pub(crate) id: String,
    /// The method.
    pub(crate) method: String,
}

type Handler = dyn Fn(&Request) -> Action + Send + Sync;

/// A running scripted server; aborts on drop.
pub(crate) struct Scripted {
    pub(crate) address: GatewayAddress,
    pub(crate) requests: Arc<Mutex<Vec<String>>>,
    pub(crate) connections: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.task.abort();
        if let GatewayAddress::Unix(path) = &self.address {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Scripted {
    /// Serves on TCP 127.0.0.1 with an ephemeral port.
    pub(crate) async fn tcp(handler: impl Fn(&Request) -> Action + Send + Sync + 'static) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Shared::new(handler);
        let (requests, connections) = (shared.requests.clone(), shared.connections.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(shared.clone().serve(stream));
            }
        });
        Self {
            address: GatewayAddress::Tcp {
                host: "127.0.0.1".to_owned(),
                port,
            },
            requests,
            connections,
            task,
        }
    }

    /// Serves on a fresh Unix socket under the temp dir.
    pub(crate) async fn unix(handler: impl Fn(&Request) -> Action + Send + Sync + 'static) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "pp-gw-{}-{}.sock",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_file(&path);
        let listener = tokio::net::UnixListener::bind(&path).unwrap();
        let shared = Shared::new(handler);
        let (requests, connections) = (shared.requests.clone(), shared.connections.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(shared.clone().serve(stream));
            }
        });
        Self {
            address: GatewayAddress::Unix(path),
            requests,
            connections,
            task,
        }
    }

    /// Request lines received so far.
    pub(crate) fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

#[derive(Clone)]
struct Shared {
    handler: Arc<Handler>,
    requests: Arc<Mutex<Vec<String>>>,
    connections: Arc<AtomicUsize>,
}

impl Shared {
    fn new(handler: impl Fn(&Request) -> Action + Send + Sync + 'static) -> Self {
        Self {
            handler: Arc::new(handler),
            requests: Arc::default(),
            connections: Arc::default(),
        }
    }

    async fn serve(self, stream: impl AsyncRead + AsyncWrite + Unpin) {
        let connection = self.connections.fetch_add(1, Ordering::SeqCst);
        let mut stream = BufReader::new(stream);
        let mut line = String::new();
        loop {
            line.clear();
            if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            let text = line.trim_end().to_owned();
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            let index = {
                let mut requests = self.requests.lock().unwrap();
                requests.push(text);
                requests.len() - 1
            };
            let request = Request {
                connection,
                index,
                id: value["id"].to_string(),
                method: value["method"].as_str().unwrap_or_default().to_owned(),
            };
            let bytes = match (self.handler)(&request) {
                Action::Line(reply) => format!("{reply}\n").into_bytes(),
                Action::Raw(bytes) => bytes,
                Action::Close => return,
                Action::Hang => {
                    std::future::pending::<()>().await;
                    return;
                }
            };
            if stream.get_mut().write_all(&bytes).await.is_err() {
                return;
            }
        }
    }
}

/// `{"jsonrpc": "2.0", "result": <result>, "id": <id>}` in Python's `json.dumps` spacing.
pub(crate) fn success(id: &str, result: &str) -> String {
    format!(r#"{{"jsonrpc": "2.0", "result": {result}, "id": {id}}}"#)
}

/// A JSON-RPC error reply.
pub(crate) fn error(id: &str, code: i64, message: &str) -> String {
    format!(
        r#"{{"jsonrpc": "2.0", "error": {{"code": {code}, "message": "{message}"}}, "id": {id}}}"#
    )
}

/// A header differing by `seed`.
pub(crate) fn header(seed: u8) -> IncompleteBlockHeader {
    IncompleteBlockHeader {
        version: 0x2000_0000,
        prev_block: [seed; 32],
        merkle_root: [0x17; 32],
        timestamp: 1_760_000_000,
        nbits: 0x1d00_ffff,
    }
}

/// 2^200 in decimal.
pub(crate) const TARGET_2_200: &str =
    "1606938044258990275541962092341162602522202993782792835301376";

/// A job as Python's `json.dumps` writes it (spaces after `:` and `,`), target 2^200.
pub(crate) fn job_json(seed: u8) -> String {
    let header = base64::engine::general_purpose::STANDARD.encode(header(seed).to_bytes());
    format!(
        r#"{{"incomplete_header_bytes": "{header}", "target": {TARGET_2_200}, "cert_version": 3, "ancestor_headers": []}}"#
    )
}
