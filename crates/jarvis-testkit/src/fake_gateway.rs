//! `FakeGateway`: a pearl-gateway stand-in speaking the real miner RPC (newline-delimited
//! JSON-RPC 2.0 over a Unix socket or TCP 127.0.0.1). It serves an easy-target job, answers
//! `submitPlainProof` with `"submitted"` like the real gateway, and verifies each proof with
//! pearl-miner's verifier, recording the verdict for tests. Like the real gateway it builds
//! one block per header: a later proof for a header that already made one is recorded as
//! skipped ("already submitted"). Faults can be injected. [`log`] writes what the real one
//! logs about each submission.

mod dispatch;
mod exe;
mod jobs;
pub mod log;
mod state;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use pearl_protocol::MiningJob;
use pearl_protocol::gateway::{GatewayAddress, MAX_LINE_BYTES};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::task::{JoinHandle, JoinSet};

pub use exe::{EXE_NAME, find_exe, install_as_pearl_gateway};
pub use jobs::{easy_job, easy_target, job_json_python_style};
pub use state::{FakeGatewayOptions, Fault, Submission};

use state::State;

/// A running fake gateway; stops (and removes its socket file) on drop.
#[derive(Debug)]
pub struct FakeGateway {
    address: GatewayAddress,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

/// State shared by the handle and the connection tasks.
#[derive(Debug)]
pub(crate) struct Shared {
    state: Mutex<State>,
    connections: AtomicUsize,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl FakeGateway {
    /// Serves on a Unix socket at `path` (an existing file there is replaced; mode 0600).
    pub async fn start_unix(
        path: impl Into<PathBuf>,
        options: FakeGatewayOptions,
    ) -> io::Result<Self> {
        let path = path.into();
        let shared = Shared::new(options)?;
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let listener = tokio::net::UnixListener::bind(&path)?;
        set_owner_only(&path)?;
        let accept = tokio::spawn(accept_loop(shared.clone(), Listener::Unix(listener)));
        Ok(Self {
            address: GatewayAddress::Unix(path),
            shared,
            accept,
        })
    }

    /// Serves on TCP `127.0.0.1:port` (`0`: an ephemeral port; see [`Self::address`]).
    pub async fn start_tcp(port: u16, options: FakeGatewayOptions) -> io::Result<Self> {
        let shared = Shared::new(options)?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let port = listener.local_addr()?.port();
        let accept = tokio::spawn(accept_loop(shared.clone(), Listener::Tcp(listener)));
        Ok(Self {
            address: GatewayAddress::Tcp {
                host: "127.0.0.1".to_owned(),
                port,
            },
            shared,
            accept,
        })
    }

    /// Where clients connect.
    pub fn address(&self) -> &GatewayAddress {
        &self.address
    }

    /// Serves `job` from now on (and un-pauses).
    pub fn set_job(&self, job: MiningJob) {
        let mut state = self.shared.lock();
        state.job = Some(job);
        state.paused = false;
    }

    /// The job served now (`None` while paused).
    pub fn current_job(&self) -> Option<MiningJob> {
        self.shared.lock().serving().cloned()
    }

    /// Answers `getMiningInfo` with -32001 until [`Self::resume`] or [`Self::set_job`].
    pub fn pause(&self) {
        self.shared.lock().paused = true;
    }

    /// Serves the current job again after [`Self::pause`].
    pub fn resume(&self) {
        self.shared.lock().paused = false;
    }

    /// A new block: same target and certificate version, a different header. Returns the job.
    pub fn new_block(&self) -> MiningJob {
        let mut state = self.shared.lock();
        let base = state.job.clone().unwrap_or_else(easy_job);
        let job = jobs::next_block(&base);
        state.job = Some(job.clone());
        state.paused = false;
        job
    }

    /// Makes submissions stay queued (counting against the capacity) until released.
    pub fn hold_queue(&self, hold: bool) {
        let mut state = self.shared.lock();
        state.hold_queue = hold;
        if !hold {
            state.queued = 0;
        }
    }

    /// Sets the submission queue capacity (`GATEWAY_PROOF_MAX_PENDING`).
    pub fn set_queue_capacity(&self, capacity: usize) {
        self.shared.lock().queue_capacity = capacity;
    }

    /// Queues a fault for the next request (on any connection); faults apply in order.
    pub fn inject(&self, fault: Fault) {
        self.shared.lock().faults.push_back(fault);
    }

    /// Every submission that passed the schema and decoding, with the verifier's verdict.
    pub fn submissions(&self) -> Vec<Submission> {
        self.shared.lock().submissions.clone()
    }

    /// Every request line received, newline removed (oversized lines are not kept).
    pub fn requests(&self) -> Vec<String> {
        self.shared.lock().requests.clone()
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Stops serving: closes the listener and every connection, removes the socket file.
    pub async fn shutdown(self) {
        self.accept.abort();
        // Abort is the only way the accept loop ends; "cancelled" is expected.
        let _ = (&mut { self }.accept).await;
    }
}

impl Drop for FakeGateway {
    fn drop(&mut self) {
        self.accept.abort();
        if let GatewayAddress::Unix(path) = &self.address {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Shared {
    fn new(options: FakeGatewayOptions) -> io::Result<Arc<Self>> {
        Ok(Arc::new(Self {
            state: Mutex::new(State::new(options)?),
            connections: AtomicUsize::new(0),
        }))
    }
}

#[cfg(unix)]
fn set_owner_only(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn set_owner_only(_path: &Path) -> io::Result<()> {
    Ok(())
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

enum Listener {
    Unix(tokio::net::UnixListener),
    Tcp(tokio::net::TcpListener),
}

impl Listener {
    async fn accept(&self) -> io::Result<Box<dyn Stream>> {
        Ok(match self {
            Self::Unix(listener) => Box::new(listener.accept().await?.0),
            Self::Tcp(listener) => Box::new(listener.accept().await?.0),
        })
    }
}

/// Accepts until aborted; dropping the join set closes every connection.
async fn accept_loop(shared: Arc<Shared>, listener: Listener) {
    let mut connections = JoinSet::new();
    loop {
        match listener.accept().await {
            Ok(stream) => {
                shared.connections.fetch_add(1, Ordering::SeqCst);
                connections.spawn(serve(shared.clone(), stream));
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
        }
        while connections.try_join_next().is_some() {}
    }
}

/// What to send back for one request.
enum Outcome {
    Send(Vec<u8>),
    Close,
    Hang,
}

async fn serve(shared: Arc<Shared>, stream: Box<dyn Stream>) {
    let mut stream = BufReader::new(stream);
    loop {
        let outcome = match read_request(&mut stream).await {
            Ok(Request::Line(line)) => respond(&shared, &line),
            Ok(Request::TooLong) => {
                // Python's StreamReader raises on an over-limit line (dropping it) and the
                // server's catch-all answers -32000 with a null id, then reads on.
                let reply = dispatch::error_reply(
                    -32000,
                    "Separator is not found, and chunk exceed the limit",
                    "null",
                    None,
                );
                Outcome::Send(reply.into_bytes())
            }
            Ok(Request::Eof) | Err(_) => return,
        };
        match outcome {
            Outcome::Send(bytes) => {
                if stream.get_mut().write_all(&bytes).await.is_err() {
                    return;
                }
            }
            Outcome::Close => return,
            Outcome::Hang => std::future::pending::<()>().await,
        }
    }
}

fn respond(shared: &Shared, bytes: &[u8]) -> Outcome {
    let fault = {
        let mut state = shared.lock();
        state
            .requests
            .push(String::from_utf8_lossy(bytes).into_owned());
        state.faults.pop_front()
    };
    let Ok(line) = std::str::from_utf8(bytes) else {
        // Python's `line.decode()` raises; the server's catch-all answers -32000, id null.
        let reply = dispatch::error_reply(
            -32000,
            "'utf-8' codec can't decode the request line",
            "null",
            None,
        );
        return Outcome::Send(reply.into_bytes());
    };
    match fault {
        None => Outcome::Send(dispatch::handle(shared, line).render().into_bytes()),
        Some(Fault::Garbage) => Outcome::Send(b"this is not JSON-RPC }{\n".to_vec()),
        Some(Fault::OversizedLine) => {
            let mut bytes = vec![b' '; MAX_LINE_BYTES + 1];
            bytes.push(b'\n');
            Outcome::Send(bytes)
        }
        Some(Fault::Close) => Outcome::Close,
        Some(Fault::Hang) => Outcome::Hang,
        Some(Fault::WrongId) => Outcome::Send(
            dispatch::with_wrong_id(dispatch::handle(shared, line))
                .render()
                .into_bytes(),
        ),
        Some(Fault::QueueFull) => {
            let id = dispatch::request_id(line);
            Outcome::Send(
                dispatch::error_reply(-32000, dispatch::QUEUE_FULL, &id, None).into_bytes(),
            )
        }
    }
}

enum Request {
    Line(Vec<u8>),
    TooLong,
    Eof,
}

/// Reads one request line of at most [`MAX_LINE_BYTES`], never buffering more.
async fn read_request<R: AsyncBufRead + Unpin>(reader: &mut R) -> io::Result<Request> {
    let mut line = Vec::new();
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            // A last line without newline is still a request (Python's readline returns it).
            return Ok(if line.is_empty() {
                Request::Eof
            } else {
                Request::Line(line)
            });
        }
        let newline = available.iter().position(|&b| b == b'\n');
        let (chunk, used) = match newline {
            Some(pos) => (available.split_at(pos).0, pos + 1),
            None => (available, available.len()),
        };
        if line.len() + chunk.len() > MAX_LINE_BYTES {
            reader.consume(used);
            if newline.is_none() {
                skip_line(reader).await?;
            }
            return Ok(Request::TooLong);
        }
        line.extend_from_slice(chunk);
        reader.consume(used);
        if newline.is_some() {
            return Ok(Request::Line(line));
        }
    }
}

/// Discards input through the next newline (or to EOF) without buffering it.
async fn skip_line<R: AsyncBufRead + Unpin>(reader: &mut R) -> io::Result<()> {
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok(());
        }
        match available.iter().position(|&b| b == b'\n') {
            Some(pos) => {
                reader.consume(pos + 1);
                return Ok(());
            }
            None => {
                let len = available.len();
                reader.consume(len);
            }
        }
    }
}
