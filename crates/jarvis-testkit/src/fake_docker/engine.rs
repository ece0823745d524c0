//! The fake engine's state and its answers, independent of the socket.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};

use super::{DockerRequest, Route};

/// A local image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRecord {
    /// `repo:tag`.
    pub tag: String,
    /// Image id.
    pub id: String,
    /// Labels.
    pub labels: HashMap<String, String>,
}

/// A container.
#[derive(Debug, Clone, PartialEq)]
pub struct ContainerRecord {
    /// 64-hex id.
    pub id: String,
    /// Name without the leading `/`.
    pub name: String,
    /// Image.
    pub image: String,
    /// Labels.
    pub labels: HashMap<String, String>,
    /// `created`, `running`, `exited`, `restarting`, ...
    pub state: String,
    /// Restart count.
    pub restarts: i64,
    /// The create body it came from (`Null` for added ones).
    pub create_body: Value,
    /// Log lines (`logs` answers them as stdout frames).
    pub logs: Vec<String>,
}

impl ContainerRecord {
    /// A running container with `labels` and no logs.
    pub fn running(name: &str, labels: &[(&str, &str)]) -> Self {
        Self {
            id: new_id(),
            name: name.to_owned(),
            image: "busybox:latest".to_owned(),
            labels: labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            state: "running".to_owned(),
            restarts: 0,
            create_body: Value::Null,
            logs: Vec::new(),
        }
    }
}

fn new_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!(
        "{:064x}",
        0xc0ffee_u64 * 1_000_000 + NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// An answer before it is put on the wire.
pub(crate) enum Reply {
    /// JSON with a status.
    Json(u16, Value),
    /// A status with no body.
    Empty(u16),
    /// Plain text.
    Text(u16, String),
    /// A close-delimited stream of items.
    Stream {
        content_type: &'static str,
        items: Vec<Vec<u8>>,
    },
}

pub(crate) struct EngineState {
    pub(crate) podman: bool,
    pub(crate) images: Vec<ImageRecord>,
    pub(crate) pullable: HashMap<String, Vec<(String, u64)>>,
    pub(crate) containers: Vec<ContainerRecord>,
    pub(crate) runtimes: Vec<String>,
    pub(crate) default_logs: Vec<String>,
}

fn error(status: u16, message: impl Into<String>) -> Reply {
    Reply::Json(status, json!({ "message": message.into() }))
}

impl EngineState {
    pub(crate) fn new(podman: bool) -> Self {
        Self {
            podman,
            images: Vec::new(),
            pullable: HashMap::new(),
            containers: Vec::new(),
            runtimes: vec!["runc".to_owned(), "nvidia".to_owned()],
            default_logs: Vec::new(),
        }
    }

    pub(crate) fn add_image(&mut self, tag: &str, labels: &[(&str, &str)]) {
        self.images.retain(|i| i.tag != tag);
        self.images.push(ImageRecord {
            tag: tag.to_owned(),
            id: format!("sha256:{}", new_id()),
            labels: labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        });
    }

    pub(crate) fn set_pullable(&mut self, tag: &str, layers: &[(&str, u64)]) {
        self.pullable.insert(
            tag.to_owned(),
            layers
                .iter()
                .map(|(id, n)| ((*id).to_owned(), *n))
                .collect(),
        );
    }

    pub(crate) fn find_mut(&mut self, name_or_id: &str) -> Option<&mut ContainerRecord> {
        self.containers.iter_mut().find(|c| matches(c, name_or_id))
    }

    fn find(&self, name_or_id: &str) -> Option<&ContainerRecord> {
        self.containers.iter().find(|c| matches(c, name_or_id))
    }

    /// Which route a request is for.
    pub(crate) fn route(req: &DockerRequest) -> Option<Route> {
        let p = req.path.as_str();
        Some(match (req.method.as_str(), p) {
            ("GET" | "HEAD", "/_ping" | "/version") => Route::Version,
            ("GET", "/info") => Route::Info,
            ("POST", "/images/create") => Route::ImagePull,
            ("GET", _) if p.starts_with("/images/") && p.ends_with("/json") => Route::ImageInspect,
            ("POST", "/containers/create") => Route::ContainerCreate,
            ("GET", "/containers/json") => Route::ContainerList,
            ("POST", _) if p.starts_with("/containers/") && p.ends_with("/start") => {
                Route::ContainerStart
            }
            ("POST", _) if p.starts_with("/containers/") && p.ends_with("/stop") => {
                Route::ContainerStop
            }
            ("GET", _) if p.starts_with("/containers/") && p.ends_with("/json") => {
                Route::ContainerInspect
            }
            ("GET", _) if p.starts_with("/containers/") && p.ends_with("/logs") => {
                Route::ContainerLogs
            }
            ("DELETE", _) if p.starts_with("/containers/") => Route::ContainerRemove,
            _ => return None,
        })
    }

    pub(crate) fn handle(&mut self, route: Option<Route>, req: &DockerRequest) -> Reply {
        let p = req.path.as_str();
        let middle = |prefix: &str, suffix: &str| {
            p.strip_prefix(prefix)
                .and_then(|r| r.strip_suffix(suffix))
                .unwrap_or_default()
                .to_owned()
        };
        match route {
            None => error(404, format!("page not found: {} {p}", req.method)),
            Some(Route::Version) if p == "/_ping" => Reply::Text(200, "OK".to_owned()),
            Some(Route::Version) => Reply::Json(200, self.version()),
            Some(Route::Info) => {
                let runtimes: serde_json::Map<String, Value> = self
                    .runtimes
                    .iter()
                    .map(|r| (r.clone(), json!({ "path": r })))
                    .collect();
                Reply::Json(
                    200,
                    json!({ "ID": "fake", "Runtimes": runtimes, "ServerVersion": "27.3.1" }),
                )
            }
            Some(Route::ImageInspect) => self.inspect_image(&middle("/images/", "/json")),
            Some(Route::ImagePull) => self.pull(req),
            Some(Route::ContainerCreate) => self.create(req),
            Some(Route::ContainerList) => self.list(req),
            Some(Route::ContainerStart) => self.set_running(&middle("/containers/", "/start")),
            Some(Route::ContainerStop) => self.stop(&middle("/containers/", "/stop")),
            Some(Route::ContainerInspect) => {
                self.inspect_container(&middle("/containers/", "/json"))
            }
            Some(Route::ContainerLogs) => self.logs(&middle("/containers/", "/logs"), req),
            Some(Route::ContainerRemove) => self.remove(
                p.strip_prefix("/containers/").unwrap_or_default(),
                req.query_flag("force"),
            ),
        }
    }

    fn version(&self) -> Value {
        let (name, version) = if self.podman {
            ("Podman Engine", "5.2.0")
        } else {
            ("Engine", "27.3.1")
        };
        json!({
            "Version": version,
            "ApiVersion": "1.47",
            "MinAPIVersion": "1.24",
            "Os": "linux",
            "Arch": "amd64",
            "Components": [{ "Name": name, "Version": version }],
        })
    }

    /// A local image by `name[:tag]` (`:latest` when untagged) or id.
    fn find_image(&self, name: &str) -> Option<&ImageRecord> {
        let wanted = if name.contains(':') || name.contains('@') {
            name.to_owned()
        } else {
            format!("{name}:latest")
        };
        self.images.iter().find(|i| i.tag == wanted || i.id == name)
    }

    fn inspect_image(&self, name: &str) -> Reply {
        match self.find_image(name) {
            Some(i) => Reply::Json(
                200,
                json!({ "Id": i.id, "RepoTags": [i.tag], "Config": { "Labels": i.labels } }),
            ),
            None => error(404, format!("No such image: {name}")),
        }
    }

    fn pull(&mut self, req: &DockerRequest) -> Reply {
        let image = req.query_value("fromImage").unwrap_or_default();
        let tag = format!(
            "{image}:{}",
            req.query_value("tag")
                .filter(|t| !t.is_empty())
                .unwrap_or("latest")
        );
        let Some(layers) = self.pullable.get(&tag).cloned() else {
            return error(
                404,
                format!(
                    "pull access denied for {image}, repository does not exist or may require 'docker login'"
                ),
            );
        };
        let mut items = vec![json!({ "status": format!("Pulling from {image}"), "id": tag })];
        for (id, size) in &layers {
            items.push(json!({ "status": "Pulling fs layer", "id": id, "progressDetail": {} }));
            items.push(json!({ "status": "Downloading", "id": id, "progressDetail": { "current": size / 2, "total": size } }));
            items.push(json!({ "status": "Downloading", "id": id, "progressDetail": { "current": size, "total": size } }));
            items.push(json!({ "status": "Pull complete", "id": id, "progressDetail": {} }));
        }
        items.push(json!({ "status": format!("Status: Downloaded newer image for {tag}") }));
        self.add_image(&tag, &[]);
        Reply::Stream {
            content_type: "application/json",
            items: items
                .into_iter()
                .map(|v| format!("{v}\r\n").into_bytes())
                .collect(),
        }
    }

    fn create(&mut self, req: &DockerRequest) -> Reply {
        let Some(body) = req.json() else {
            return error(400, "the create body is not JSON");
        };
        // dockerd never pulls on create: the image must already be local.
        let image = body
            .get("Image")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if self.find_image(image).is_none() {
            return error(404, format!("No such image: {image}"));
        }
        let name = req.query_value("name").unwrap_or_default().to_owned();
        if let Some(existing) = self.find(&name).filter(|_| !name.is_empty()) {
            return error(
                409,
                format!(
                    "Conflict. The container name \"/{name}\" is already in use by container \"{}\".",
                    existing.id
                ),
            );
        }
        let labels = body
            .get("Labels")
            .and_then(|l| serde_json::from_value::<HashMap<String, String>>(l.clone()).ok())
            .unwrap_or_default();
        let record = ContainerRecord {
            id: new_id(),
            name,
            image: body
                .get("Image")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            labels,
            state: "created".to_owned(),
            restarts: 0,
            create_body: body,
            logs: self.default_logs.clone(),
        };
        let id = record.id.clone();
        self.containers.push(record);
        Reply::Json(201, json!({ "Id": id, "Warnings": [] }))
    }

    fn list(&self, req: &DockerRequest) -> Reply {
        let filters: Value = req
            .query_value("filters")
            .and_then(|f| serde_json::from_str(f).ok())
            .unwrap_or_default();
        let wanted: Vec<String> = filters
            .get("label")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let all = req.query_flag("all");
        let items: Vec<Value> = self
            .containers
            .iter()
            .filter(|c| all || c.state == "running")
            .filter(|c| {
                wanted.iter().all(|w| match w.split_once('=') {
                    Some((k, v)) => c.labels.get(k).is_some_and(|x| x == v),
                    None => c.labels.contains_key(w.as_str()),
                })
            })
            .map(|c| json!({ "Id": c.id, "Names": [format!("/{}", c.name)], "Image": c.image, "Labels": c.labels, "State": c.state }))
            .collect();
        Reply::Json(200, Value::Array(items))
    }

    fn set_running(&mut self, id: &str) -> Reply {
        match self.find_mut(id) {
            // dockerd answers 304 to starting a container that is already running.
            Some(c) if c.state == "running" => Reply::Empty(304),
            Some(c) => {
                c.state = "running".to_owned();
                Reply::Empty(204)
            }
            None => error(404, format!("No such container: {id}")),
        }
    }

    fn stop(&mut self, id: &str) -> Reply {
        match self.find_mut(id) {
            Some(c) if c.state != "running" && c.state != "restarting" => Reply::Empty(304),
            Some(c) => {
                c.state = "exited".to_owned();
                Reply::Empty(204)
            }
            None => error(404, format!("No such container: {id}")),
        }
    }

    fn remove(&mut self, id: &str, force: bool) -> Reply {
        let Some(found) = self.find(id) else {
            return error(404, format!("No such container: {id}"));
        };
        if !force && (found.state == "running" || found.state == "restarting") {
            return error(
                409,
                format!(
                    "cannot remove container \"/{}\": container is running: stop the container \
                     before removing or force remove",
                    found.name
                ),
            );
        }
        let found = found.id.clone();
        self.containers.retain(|c| c.id != found);
        Reply::Empty(204)
    }

    fn inspect_container(&self, id: &str) -> Reply {
        let Some(c) = self.find(id) else {
            return error(404, format!("No such container: {id}"));
        };
        let env = c.create_body.get("Env").cloned().unwrap_or(Value::Null);
        Reply::Json(
            200,
            json!({
                "Id": c.id,
                "Name": format!("/{}", c.name),
                "Image": c.image,
                "RestartCount": c.restarts,
                "State": {
                    "Status": c.state,
                    "Running": c.state == "running",
                    "Restarting": c.state == "restarting",
                    "StartedAt": "2026-11-25T18:00:00.000000000Z",
                },
                "Config": { "Labels": c.labels, "Image": c.image, "Env": env },
            }),
        )
    }

    fn logs(&self, id: &str, req: &DockerRequest) -> Reply {
        let Some(c) = self.find(id) else {
            return error(404, format!("No such container: {id}"));
        };
        if !req.query_flag("stdout") && !req.query_flag("stderr") {
            return error(400, "Bad parameters: you must choose at least one stream");
        }
        // dockerd's log copier cuts a line longer than LOG_PIECE bytes into pieces, each its
        // own message: the last (possibly empty) one ends with the newline, `timestamps` puts
        // the (first piece's) time before every piece, and `tail` counts pieces, not lines.
        let timestamps = req.query_flag("timestamps");
        let pieces: Vec<Vec<u8>> = c
            .logs
            .iter()
            .flat_map(|line| {
                let bytes = line.as_bytes();
                let mut cut: Vec<&[u8]> = bytes.chunks(super::LOG_PIECE).collect();
                if bytes.len().is_multiple_of(super::LOG_PIECE) {
                    cut.push(b"");
                }
                let last = cut.len() - 1;
                cut.into_iter().enumerate().map(move |(i, piece)| {
                    let mut payload = Vec::with_capacity(piece.len() + 32);
                    if timestamps {
                        payload.extend_from_slice(super::LOG_TIMESTAMP.as_bytes());
                        payload.push(b' ');
                    }
                    payload.extend_from_slice(piece);
                    if i == last {
                        payload.push(b'\n');
                    }
                    payload
                })
            })
            .collect();
        let tail = req
            .query_value("tail")
            .and_then(|t| t.parse::<usize>().ok());
        let skip = tail.map_or(0, |n| pieces.len().saturating_sub(n));
        let items = pieces
            .into_iter()
            .skip(skip)
            .map(|payload| {
                let len = u32::try_from(payload.len())
                    .unwrap_or(u32::MAX)
                    .to_be_bytes();
                let mut frame = vec![1, 0, 0, 0];
                frame.extend_from_slice(&len);
                frame.extend_from_slice(&payload);
                frame
            })
            .collect();
        Reply::Stream {
            content_type: "application/vnd.docker.multiplexed-stream",
            items,
        }
    }
}

fn matches(c: &ContainerRecord, name_or_id: &str) -> bool {
    let key = name_or_id.trim_start_matches('/');
    !key.is_empty() && (c.name == key || c.id == key || (key.len() >= 12 && c.id.starts_with(key)))
}
