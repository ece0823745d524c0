//! `FakeDocker`: a Docker Engine API server on a Unix socket, good enough for bollard to talk to
//! for real: `/_ping`, `/version`, `/info`, images (inspect, pull stream), containers (create,
//! start, inspect, logs stream, stop, remove, list by label), with injectable faults per route
//! (an HTTP error, a connection reset, a slow answer). Every request is recorded.

mod engine;
mod wire;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::UnixListener;
use tokio::task::JoinHandle;

use engine::EngineState;
pub use engine::{ContainerRecord, ImageRecord};

/// The time every log line was recorded at, as `GET /containers/{id}/logs?timestamps=1`
/// prefixes it (dockerd's RFC 3339 nano format, then a space); without `timestamps` lines come
/// bare, as from dockerd.
pub const LOG_TIMESTAMP: &str = "2026-12-03T12:00:04.123456789Z";

/// The most bytes of a line one log message holds, as dockerd's log copier cuts lines
/// (moby `daemon/logger/copier.go`, 16 KiB): a longer line streams as several frames, each with
/// its own [`LOG_TIMESTAMP`] when `timestamps` is asked for, and only the last ends with the
/// newline (an empty last piece when the length is a multiple of it); `tail` counts pieces.
pub const LOG_PIECE: usize = 16 * 1024;

/// An API route, for fault injection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `GET /version` (and `/_ping`).
    Version,
    /// `GET /info`.
    Info,
    /// `GET /images/{name}/json`.
    ImageInspect,
    /// `POST /images/create`.
    ImagePull,
    /// `POST /containers/create`.
    ContainerCreate,
    /// `POST /containers/{id}/start`.
    ContainerStart,
    /// `GET /containers/{id}/json`.
    ContainerInspect,
    /// `GET /containers/{id}/logs`.
    ContainerLogs,
    /// `POST /containers/{id}/stop`.
    ContainerStop,
    /// `DELETE /containers/{id}`.
    ContainerRemove,
    /// `GET /containers/json`.
    ContainerList,
}

/// What a faulty route does instead of its normal answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answers this status with `{"message": ...}`.
    Status(u16, String),
    /// Closes the connection without answering.
    Reset,
    /// Waits this long before answering normally (streams wait before every item).
    Slow(Duration),
}

/// One request as received (API version prefix removed from the path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerRequest {
    /// HTTP method.
    pub method: String,
    /// Path without `/v1.xx` and without the query.
    pub path: String,
    /// Decoded query parameters.
    pub query: Vec<(String, String)>,
    /// Header names, lower-cased, with values.
    pub headers: Vec<(String, String)>,
    /// Raw body.
    pub body: Vec<u8>,
}

impl DockerRequest {
    /// The body as JSON, when it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// First query value named `name`.
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A boolean query flag read as dockerd's `httputils.BoolValue` does: absent, empty, `0`,
    /// `no`, `false` and `none` (any case) are false, anything else is true.
    pub fn query_flag(&self, name: &str) -> bool {
        self.query_value(name).is_some_and(|v| {
            let v = v.trim().to_ascii_lowercase();
            !matches!(v.as_str(), "" | "0" | "no" | "false" | "none")
        })
    }
}

pub(crate) struct Shared {
    pub(crate) engine: EngineState,
    pub(crate) faults: HashMap<Route, Fault>,
    pub(crate) requests: Vec<DockerRequest>,
}

/// The fake engine; the socket lives in a temporary directory removed on drop.
pub struct FakeDocker {
    shared: Arc<Mutex<Shared>>,
    socket: PathBuf,
    task: JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl FakeDocker {
    /// Starts a Docker-flavoured engine on the current tokio runtime.
    pub async fn start() -> FakeDocker {
        Self::start_as(false).await
    }

    /// Starts an engine that says it is Podman.
    pub async fn start_podman() -> FakeDocker {
        Self::start_as(true).await
    }

    async fn start_as(podman: bool) -> FakeDocker {
        let dir = tempfile::Builder::new()
            .prefix("fake-docker-")
            .tempdir()
            .expect("create a socket directory");
        let socket = dir.path().join("docker.sock");
        let listener = UnixListener::bind(&socket).expect("bind the fake Docker socket");
        let shared = Arc::new(Mutex::new(Shared {
            engine: EngineState::new(podman),
            faults: HashMap::new(),
            requests: Vec::new(),
        }));
        let task = tokio::spawn(wire::serve(listener, Arc::clone(&shared)));
        FakeDocker {
            shared,
            socket,
            task,
            _dir: dir,
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Shared) -> T) -> T {
        let mut guard = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }

    /// `unix://<socket>`, for `DOCKER_HOST`.
    pub fn host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// The socket path.
    pub fn socket_path(&self) -> &Path {
        &self.socket
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<DockerRequest> {
        self.with(|s| s.requests.clone())
    }

    /// Requests whose method and path match.
    pub fn requests_to(&self, method: &str, path_prefix: &str) -> Vec<DockerRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == method && r.path.starts_with(path_prefix))
            .collect()
    }

    /// Makes `route` misbehave until `clear_fault`.
    pub fn set_fault(&self, route: Route, fault: Fault) {
        self.with(|s| s.faults.insert(route, fault));
    }

    /// Makes `route` behave again.
    pub fn clear_fault(&self, route: Route) {
        self.with(|s| s.faults.remove(&route));
    }

    /// Adds a local image.
    pub fn add_image(&self, tag: &str, labels: &[(&str, &str)]) {
        self.with(|s| s.engine.add_image(tag, labels));
    }

    /// Lets `tag` be pulled; its layers are (id, bytes).
    pub fn set_pullable(&self, tag: &str, layers: &[(&str, u64)]) {
        self.with(|s| s.engine.set_pullable(tag, layers));
    }

    /// Local images.
    pub fn images(&self) -> Vec<ImageRecord> {
        self.with(|s| s.engine.images.clone())
    }

    /// Adds a container (e.g. a foreign one of our name).
    pub fn add_container(&self, record: ContainerRecord) {
        self.with(|s| s.engine.containers.push(record));
    }

    /// Containers the engine knows.
    pub fn containers(&self) -> Vec<ContainerRecord> {
        self.with(|s| s.engine.containers.clone())
    }

    /// Removes the container `name_or_id` as `docker rm -f` by hand would.
    pub fn remove_container(&self, name_or_id: &str) {
        self.with(|s| {
            let id = s.engine.find_mut(name_or_id).map(|c| c.id.clone());
            s.engine.containers.retain(|c| Some(&c.id) != id.as_ref());
        });
    }

    /// Sets the log lines of the container `name_or_id`.
    pub fn set_logs(&self, name_or_id: &str, lines: &[&str]) {
        self.with(|s| {
            if let Some(c) = s.engine.find_mut(name_or_id) {
                c.logs = lines.iter().map(|l| (*l).to_owned()).collect();
            }
        });
    }

    /// Logs every container created from now on starts with.
    pub fn set_default_logs(&self, lines: &[&str]) {
        self.with(|s| s.engine.default_logs = lines.iter().map(|l| (*l).to_owned()).collect());
    }

    /// Sets a container's state (`running`, `exited`, `restarting`, ...) and restart count.
    pub fn set_state(&self, name_or_id: &str, state: &str, restarts: i64) {
        self.with(|s| {
            if let Some(c) = s.engine.find_mut(name_or_id) {
                c.state = state.to_owned();
                c.restarts = restarts;
            }
        });
    }

    /// The runtimes `/info` lists (default `runc`, `nvidia`).
    pub fn set_runtimes(&self, names: &[&str]) {
        self.with(|s| s.engine.runtimes = names.iter().map(|n| (*n).to_owned()).collect());
    }
}

impl Drop for FakeDocker {
    fn drop(&mut self) {
        self.task.abort();
    }
}
