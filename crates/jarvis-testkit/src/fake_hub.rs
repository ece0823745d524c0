//! `FakeHub`: a real HTTP/1.1 server that answers like the Hugging Face Hub for repositories
//! backed by local directories: `/api/models/<id>`, `/api/models/<id>/tree/main`, and
//! `/<id>/resolve/main/<file>` with `Range` support. Gated repositories answer 401 to file
//! downloads without the right Bearer token; private ones answer 401 everywhere.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Value, json};

use crate::fake_pearld::RecordedRequest;
use crate::http_server::{FakeServer, Reply};

/// One repository the fake serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubRepo {
    /// Repository id, e.g. `pearl-ai/Llama-3.1-8B-Instruct-pearl`.
    pub id: String,
    /// Directory whose files are the repository's files.
    pub dir: PathBuf,
    /// Gated: metadata is public, downloads need the token.
    pub gated: bool,
    /// Private: everything needs the token.
    pub private: bool,
}

impl HubRepo {
    /// A public repository.
    pub fn public(id: &str, dir: &Path) -> HubRepo {
        HubRepo {
            id: id.to_owned(),
            dir: dir.to_path_buf(),
            gated: false,
            private: false,
        }
    }
}

/// A running fake Hub; stops when dropped.
pub struct FakeHub {
    server: FakeServer,
}

impl FakeHub {
    /// Starts the fake; `token` is the only Bearer token it accepts.
    pub async fn start(repos: Vec<HubRepo>, token: &str) -> FakeHub {
        let token = token.to_owned();
        let server = FakeServer::start(Arc::new(move |req: &RecordedRequest| {
            route(&repos, &token, req)
        }))
        .await;
        FakeHub { server }
    }

    /// `http://127.0.0.1:<port>` (what `HF_ENDPOINT` is set to).
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.server.requests()
    }
}

impl std::fmt::Debug for FakeHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeHub")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

fn hub_error(status: u16, message: &str, code: &str) -> Reply {
    Reply::json(status, &json!({"error": message})).with_header("x-error-code", code)
}

fn route(repos: &[HubRepo], token: &str, req: &RecordedRequest) -> Reply {
    let (path, query) = req.path.split_once('?').unwrap_or((&req.path, ""));
    let authed = req.header("authorization") == Some(&format!("Bearer {token}"));
    if req.method != "GET" && req.method != "HEAD" {
        return hub_error(405, "Method not allowed", "MethodNotAllowed");
    }
    if path.split('/').any(|seg| seg == "..") {
        return hub_error(400, "Invalid path", "InvalidPath");
    }
    if let Some(rest) = path.strip_prefix("/api/models/") {
        let (id, tree) = match rest.split_once("/tree/main") {
            Some((id, sub)) => (id, Some(sub.trim_start_matches('/'))),
            None => (rest, None),
        };
        let Some(repo) = repos.iter().find(|r| r.id == id) else {
            return hub_error(404, "Repository not found", "RepoNotFound");
        };
        if repo.private && !authed {
            return hub_error(401, "Invalid username or password.", "RepoNotFound");
        }
        return match tree {
            None => Reply::json(200, &model_info(repo)),
            Some(sub) if !repo.dir.join(sub).is_dir() => {
                hub_error(404, "Entry not found", "EntryNotFound")
            }
            Some(sub) => Reply::json(
                200,
                &tree_listing(repo, sub, query.contains("recursive=true")),
            ),
        };
    }
    let Some((id, file)) = path.trim_start_matches('/').split_once("/resolve/main/") else {
        return hub_error(404, "Not found", "EntryNotFound");
    };
    let Some(repo) = repos.iter().find(|r| r.id == id) else {
        return hub_error(404, "Repository not found", "RepoNotFound");
    };
    if (repo.gated || repo.private) && !authed {
        let message = format!(
            "Access to model {id} is restricted. You must have access to it and be \
             authenticated to access it. Please log in."
        );
        return hub_error(401, &message, "GatedRepo");
    }
    let Ok(bytes) = std::fs::read(repo.dir.join(file)) else {
        return hub_error(404, "Entry not found", "EntryNotFound");
    };
    match req
        .header("range")
        .and_then(|r| parse_range(r, bytes.len()))
    {
        Some((start, end)) => {
            let slice = bytes.get(start..=end).unwrap_or_default().to_vec();
            Reply::full(206, "application/octet-stream", slice).with_header(
                "content-range",
                &format!("bytes {start}-{end}/{}", bytes.len()),
            )
        }
        None if req.header("range").is_some() => hub_error(416, "Range Not Satisfiable", "Range"),
        None => Reply::full(200, "application/octet-stream", bytes),
    }
}

/// `bytes=a-b` (inclusive, clamped to the file) → (a, b).
fn parse_range(header: &str, len: usize) -> Option<(usize, usize)> {
    let spec = header.strip_prefix("bytes=")?;
    let (a, b) = spec.split_once('-')?;
    let start: usize = a.parse().ok()?;
    let end: usize = if b.is_empty() {
        len.checked_sub(1)?
    } else {
        b.parse::<usize>().ok()?.min(len.checked_sub(1)?)
    };
    (start <= end).then_some((start, end))
}

fn files(dir: &Path, prefix: &str, recursive: bool, out: &mut Vec<(String, u64, bool)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_dir() {
            out.push((rel.clone(), 0, true));
            if recursive {
                files(&entry.path(), &rel, recursive, out);
            }
        } else {
            out.push((rel, meta.len(), false));
        }
    }
}

fn tree_listing(repo: &HubRepo, sub: &str, recursive: bool) -> Value {
    let mut out = Vec::new();
    let dir = if sub.is_empty() {
        repo.dir.clone()
    } else {
        repo.dir.join(sub)
    };
    files(&dir, sub, recursive, &mut out);
    let list: Vec<Value> = out
        .into_iter()
        .map(|(path, size, is_dir)| {
            if is_dir {
                json!({"type": "directory", "oid": "0000000000000000000000000000000000000000",
                    "size": 0, "path": path})
            } else {
                json!({"type": "file", "oid": "1111111111111111111111111111111111111111",
                    "size": size, "path": path})
            }
        })
        .collect();
    Value::Array(list)
}

fn model_info(repo: &HubRepo) -> Value {
    let mut all = Vec::new();
    files(&repo.dir, "", true, &mut all);
    let siblings: Vec<Value> = all
        .iter()
        .filter(|(_, _, d)| !d)
        .map(|(p, _, _)| json!({"rfilename": p}))
        .collect();
    let config = std::fs::read(repo.dir.join("config.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .map(|c| {
            // The Hub's model info carries a subset of config.json.
            json!({"architectures": c.get("architectures"), "model_type": c.get("model_type"),
                "quantization_config": c.get("quantization_config")})
        });
    let gated = if repo.gated {
        json!("manual")
    } else {
        json!(false)
    };
    json!({"_id": "6740fake", "id": repo.id, "modelId": repo.id, "author":
        repo.id.split('/').next(), "sha": "2222222222222222222222222222222222222222",
        "private": repo.private, "gated": gated, "disabled": false, "downloads": 0, "likes": 0,
        "library_name": "transformers", "tags": ["safetensors", "pearl"], "config": config,
        "siblings": siblings})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_and_clamp() {
        assert_eq!(parse_range("bytes=0-7", 100), Some((0, 7)));
        assert_eq!(parse_range("bytes=8-200", 100), Some((8, 99)));
        assert_eq!(parse_range("bytes=5-", 10), Some((5, 9)));
        assert_eq!(parse_range("bytes=9-3", 10), None);
        assert_eq!(parse_range("bytes=0-7", 0), None);
        assert_eq!(parse_range("items=0-7", 10), None);
    }
}
