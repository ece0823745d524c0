//! The small keep-alive HTTP/1.1 server the inference fakes (vLLM, Ollama, HF Hub) share: it
//! records every request and writes a handler's [`Reply`] with Content-Length or chunked.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use tokio::io::{AsyncWriteExt, BufStream};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

use crate::fake_pearld::RecordedRequest;
use crate::http_wire::{http_date, read_or_reject, reason_phrase};

/// A response the shared server writes.
pub(crate) enum Reply {
    /// A complete body with Content-Length.
    Full {
        status: u16,
        content_type: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        delay: Duration,
    },
    /// A chunked body written piece by piece, waiting `delay` before the head and each piece,
    /// and, with `hold = (n, gate)`, for a permit of `gate` after the first `n` pieces.
    Stream {
        status: u16,
        content_type: String,
        chunks: Vec<Vec<u8>>,
        delay: Duration,
        hold: Option<(usize, Arc<tokio::sync::Semaphore>)>,
    },
    /// Never answer.
    Hang,
}

impl Reply {
    /// A complete reply.
    pub(crate) fn full(status: u16, content_type: &str, body: Vec<u8>) -> Reply {
        Reply::Full {
            status,
            content_type: content_type.to_owned(),
            headers: Vec::new(),
            body,
            delay: Duration::ZERO,
        }
    }

    /// A JSON reply.
    pub(crate) fn json(status: u16, value: &Value) -> Reply {
        Reply::full(status, "application/json", value.to_string().into_bytes())
    }

    /// Adds a response header (complete replies only).
    pub(crate) fn with_header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Full { headers, .. } = &mut self {
            headers.push((name.to_owned(), value.to_owned()));
        }
        self
    }

    /// The same reply, waiting `by` before the head (and each streamed piece).
    pub(crate) fn delayed(self, by: Duration) -> Reply {
        match self {
            Reply::Full {
                status,
                content_type,
                headers,
                body,
                ..
            } => Reply::Full {
                status,
                content_type,
                headers,
                body,
                delay: by,
            },
            Reply::Stream {
                status,
                content_type,
                chunks,
                hold,
                ..
            } => Reply::Stream {
                status,
                content_type,
                chunks,
                delay: by,
                hold,
            },
            Reply::Hang => Reply::Hang,
        }
    }
}

/// The routing function of a fake.
pub(crate) type Handler = Arc<dyn Fn(&RecordedRequest) -> Reply + Send + Sync>;

/// A running keep-alive HTTP/1.1 server; stops when dropped.
pub(crate) struct FakeServer {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
    task: JoinHandle<()>,
}

impl FakeServer {
    /// Binds 127.0.0.1:0 and serves `handler`.
    pub(crate) async fn start(handler: Handler) -> FakeServer {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), handler)
            .await
            .expect("bind 127.0.0.1:0")
    }

    /// Binds `addr` and serves `handler`.
    pub(crate) async fn start_on(
        addr: SocketAddr,
        handler: Handler,
    ) -> std::io::Result<FakeServer> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let requests = Arc::new(Mutex::new(Vec::new()));
        let task = tokio::spawn(accept_loop(listener, handler, Arc::clone(&requests)));
        Ok(FakeServer {
            addr,
            requests,
            task,
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request received so far.
    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.requests).clone()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept_loop(
    listener: TcpListener,
    handler: Handler,
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
) {
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let handler = Arc::clone(&handler);
        let requests = Arc::clone(&requests);
        connections.spawn(async move { connection(stream, handler, requests).await });
    }
}

async fn connection(
    stream: TcpStream,
    handler: Handler,
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
) {
    let mut stream = BufStream::new(stream);
    loop {
        let Some(request) = read_or_reject(&mut stream).await else {
            return;
        };
        let close = request
            .head
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"))
            || !request.head.is_http11();
        let recorded = RecordedRequest::from(request);
        // A HEAD answer carries the GET answer's headers but never its body: a body here
        // would be read by a keep-alive client as the start of its next response.
        let head_only = recorded.method == "HEAD";
        lock(&requests).push(recorded.clone());
        let reply = handler(&recorded);
        if write_reply(&mut stream, reply, head_only).await.is_err() || close {
            let _ = stream.shutdown().await;
            return;
        }
    }
}

async fn write_reply(
    stream: &mut BufStream<TcpStream>,
    reply: Reply,
    head_only: bool,
) -> std::io::Result<()> {
    match reply {
        Reply::Hang => std::future::pending().await,
        Reply::Full {
            status,
            content_type,
            headers,
            body,
            delay,
        } => {
            tokio::time::sleep(delay).await;
            let mut head = head_line(status, &content_type);
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
            stream.write_all(head.as_bytes()).await?;
            if !head_only {
                stream.write_all(&body).await?;
            }
            stream.flush().await
        }
        Reply::Stream {
            status,
            content_type,
            chunks,
            delay,
            hold,
        } => {
            tokio::time::sleep(delay).await;
            let mut head = head_line(status, &content_type);
            head.push_str("transfer-encoding: chunked\r\n\r\n");
            stream.write_all(head.as_bytes()).await?;
            stream.flush().await?;
            if head_only {
                return Ok(());
            }
            for (index, chunk) in chunks.into_iter().enumerate() {
                if let Some((after, gate)) = &hold
                    && index == *after
                {
                    // The permit is consumed on purpose: each held stream needs its own.
                    if let Ok(permit) = gate.acquire().await {
                        permit.forget();
                    }
                }
                tokio::time::sleep(delay).await;
                stream
                    .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                    .await?;
                stream.write_all(&chunk).await?;
                stream.write_all(b"\r\n").await?;
                stream.flush().await?;
            }
            stream.write_all(b"0\r\n\r\n").await?;
            stream.flush().await
        }
    }
}

fn head_line(status: u16, content_type: &str) -> String {
    format!(
        "HTTP/1.1 {status} {}\r\ndate: {}\r\nserver: uvicorn\r\ncontent-type: {content_type}\r\n",
        reason_phrase(status),
        http_date(SystemTime::now())
    )
}

/// Locks, ignoring poisoning (a panicking test thread must not wedge the fake).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
