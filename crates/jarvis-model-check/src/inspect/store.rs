//! Where an artifact's files come from: a local directory, or the Hugging Face Hub API
//! (`/api/models/<id>`, its file tree, and `resolve/main` downloads with `Range` for headers).

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::safetensors::{self, Header, HeaderError};

/// Most bytes read from a JSON file of an artifact (config, index).
const MAX_JSON_BYTES: u64 = 16 * 1024 * 1024;
/// Most files listed from a local directory.
const MAX_FILES: usize = 100_000;
/// Deepest directory walked.
const MAX_DEPTH: usize = 8;

/// A Hugging Face token; never printed.
#[derive(Clone)]
pub struct HfToken(String);

impl HfToken {
    /// Wraps a token read from the environment.
    pub fn new(token: String) -> HfToken {
        HfToken(token)
    }
}

impl std::fmt::Debug for HfToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HfToken(<redacted>)")
    }
}

/// A relative artifact path that is safe to join under the artifact root.
pub(crate) fn check_rel_path(path: &str) -> Result<(), String> {
    let unsafe_path = path.is_empty()
        || path.starts_with('/')
        || path.contains('\\')
        || path.contains('\0')
        || path.contains([':', '?', '#', '%'])
        || path
            .split('/')
            .any(|c| c == ".." || c == "." || c.is_empty());
    if unsafe_path {
        Err(format!("unsafe file path '{}'", path.escape_debug()))
    } else {
        Ok(())
    }
}

/// The Hub side of a store.
pub(crate) struct Hub {
    pub(crate) client: reqwest::Client,
    pub(crate) base: String,
    pub(crate) id: String,
    pub(crate) token: Option<HfToken>,
}

/// An artifact's files.
pub(crate) enum Store {
    Local(PathBuf),
    Hub(Hub),
}

impl Hub {
    fn get(&self, url: &str) -> reqwest::RequestBuilder {
        let req = self.client.get(url);
        match &self.token {
            Some(t) => req.bearer_auth(&t.0),
            None => req,
        }
    }

    fn file_url(&self, path: &str) -> String {
        format!("{}/{}/resolve/main/{path}", self.base, self.id)
    }

    /// `GET url`: at most [`MAX_JSON_BYTES`] of a 200 answer, else the status that refused it.
    async fn fetch_small(&self, url: &str) -> Result<Vec<u8>, HubFailure> {
        let response = self.get(url).send().await.map_err(HubFailure::transport)?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(HubFailure::Status(status));
        }
        read_capped(response, MAX_JSON_BYTES).await
    }

    /// `GET /api/models/<id>`: the model info JSON, or the HTTP status that refused it.
    pub(crate) async fn model_info(&self) -> Result<Value, HubFailure> {
        let url = format!("{}/api/models/{}", self.base, self.id);
        let bytes = self.fetch_small(&url).await?;
        serde_json::from_slice(&bytes)
            .map_err(|e| HubFailure::Other(format!("model info is not JSON: {e}")))
    }

    /// Reads `len` bytes at `start` of a file, never more, whether or not the server honours
    /// `Range`.
    async fn range(&self, path: &str, start: u64, len: u64) -> Result<Vec<u8>, HubFailure> {
        if len == 0 {
            return Ok(Vec::new());
        }
        let range = format!("bytes={start}-{}", start + len - 1);
        let response = self
            .get(&self.file_url(path))
            .header("range", range)
            .send()
            .await
            .map_err(HubFailure::transport)?;
        let status = response.status().as_u16();
        let skip = match status {
            206 => 0,
            200 => start,
            other => return Err(HubFailure::Status(other)),
        };
        let mut bytes = read_capped(response, skip + len).await?;
        Ok(bytes.split_off(usize::try_from(skip).unwrap_or(usize::MAX).min(bytes.len())))
    }
}

/// Why a Hub request failed.
#[derive(Debug)]
pub(crate) enum HubFailure {
    Status(u16),
    Other(String),
}

impl HubFailure {
    fn transport(e: reqwest::Error) -> HubFailure {
        let what = if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "cannot connect"
        } else {
            "request failed"
        };
        HubFailure::Other(what.to_owned())
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            HubFailure::Status(code) => format!("HTTP {code}"),
            HubFailure::Other(text) => text.clone(),
        }
    }
}

/// Reads at most `cap` bytes of a response body.
async fn read_capped(mut response: reqwest::Response, cap: u64) -> Result<Vec<u8>, HubFailure> {
    let cap = usize::try_from(cap).unwrap_or(usize::MAX);
    let mut out = Vec::new();
    while out.len() < cap {
        match response.chunk().await.map_err(HubFailure::transport)? {
            Some(chunk) => {
                let room = cap - out.len();
                out.extend_from_slice(chunk.get(..room.min(chunk.len())).unwrap_or_default());
            }
            None => break,
        }
    }
    Ok(out)
}

fn walk(root: &Path, dir: &Path, depth: usize, out: &mut Vec<(String, u64)>) {
    if depth > MAX_DEPTH || out.len() >= MAX_FILES {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_name() == ".git" {
            continue;
        }
        // Follows symlinks: Hugging Face cache snapshots link into ../../blobs.
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            walk(root, &path, depth + 1, out);
        } else if let Ok(rel) = path.strip_prefix(root) {
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push((rel.join("/"), meta.len()));
        }
    }
}

impl Store {
    /// Every file (relative path, size), sorted.
    pub(crate) async fn files(&self) -> Result<Vec<(String, u64)>, String> {
        let mut files = match self {
            Store::Local(root) => {
                let mut out = Vec::new();
                walk(root, root, 0, &mut out);
                out
            }
            Store::Hub(hub) => {
                let url = format!(
                    "{}/api/models/{}/tree/main?recursive=true",
                    hub.base, hub.id
                );
                let bytes = hub.fetch_small(&url).await.map_err(|e| match e {
                    HubFailure::Status(status) => format!("file tree: HTTP {status}"),
                    other => other.describe(),
                })?;
                let tree: Value = serde_json::from_slice(&bytes)
                    .map_err(|e| format!("file tree is not JSON: {e}"))?;
                tree.as_array()
                    .ok_or("file tree is not a list")?
                    .iter()
                    .filter(|e| e.get("type").and_then(Value::as_str) == Some("file"))
                    .filter_map(|e| {
                        let path = e.get("path")?.as_str()?.to_owned();
                        Some((path, e.get("size").and_then(Value::as_u64).unwrap_or(0)))
                    })
                    .collect()
            }
        };
        files.sort();
        Ok(files)
    }

    /// A JSON file of the artifact; `Ok(None)` when it does not exist.
    pub(crate) async fn read_json(&self, path: &str) -> Result<Option<Value>, String> {
        check_rel_path(path)?;
        let bytes = match self {
            Store::Local(root) => {
                let full = root.join(path);
                match jarvis_core::fs::read_regular(&full, MAX_JSON_BYTES) {
                    Ok(bytes) => bytes,
                    Err(e) if e.is_not_found() => return Ok(None),
                    Err(e) => return Err(e.to_string()),
                }
            }
            Store::Hub(hub) => match hub.fetch_small(&hub.file_url(path)).await {
                Ok(bytes) => bytes,
                Err(HubFailure::Status(404)) => return Ok(None),
                Err(HubFailure::Status(other)) => return Err(format!("{path}: HTTP {other}")),
                Err(e) => return Err(e.describe()),
            },
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| format!("{path} is not valid JSON ({e})"))
    }

    /// A safetensors file's header; `size` is the file size from [`Store::files`].
    pub(crate) async fn header(&self, path: &str, size: u64) -> Result<Header, HeaderError> {
        check_rel_path(path).map_err(HeaderError::Io)?;
        match self {
            Store::Local(root) => safetensors::read_header(&root.join(path)),
            Store::Hub(hub) => {
                let io = |e: HubFailure| HeaderError::Io(e.describe());
                let prefix = hub.range(path, 0, 8).await.map_err(io)?;
                let len = safetensors::header_len(&prefix, size)?;
                let json = hub.range(path, 8, len).await.map_err(io)?;
                if json.len() as u64 != len {
                    return Err(HeaderError::Truncated {
                        len,
                        file_size: size,
                    });
                }
                safetensors::parse_header(&json, size - 8 - len)
            }
        }
    }
}
