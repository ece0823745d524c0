//! `ensure_image`: a local image, else a pull (registry auth from the user's Docker config),
//! else — for jarvis' own default tag only — a build from Pearl's source pinned to a commit.

use std::path::{Path, PathBuf};

use bollard::auth::DockerCredentials;
use bollard::query_parameters::CreateImageOptions;
use futures_util::StreamExt;
use jarvis_mining::config::DEFAULT_DOCKER_IMAGE_TAG;
use jarvis_mining::error::MiningError;
use jarvis_mining::progress::{Progress, ProgressEvent};

use super::docker::{Engine, describe, status_code};
use super::source::{BuildPlan, build_from_source};
use super::spec::EnvFn;

/// Image label recording the Pearl ref an image was built from.
pub const LABEL_PEARL_REF: &str = "jarvis.pearl-ref";
/// Image label recording the resolved Pearl commit.
pub const LABEL_PEARL_COMMIT: &str = "jarvis.pearl-commit";

/// Where the image came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageSource {
    /// Already present.
    Local,
    /// Pulled from its registry.
    Pulled,
    /// Built from Pearl's source at this commit.
    Built {
        /// The commit.
        commit: String,
    },
}

/// Whether jarvis may build `tag` itself: only its own default tag.
pub fn is_default_tag(tag: &str) -> bool {
    tag == DEFAULT_DOCKER_IMAGE_TAG
}

/// What a local image says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalImage {
    /// Image id.
    pub id: String,
    /// `jarvis.pearl-ref` label, when jarvis built it.
    pub pearl_ref: Option<String>,
}

/// Inspects `tag`; `Ok(None)` when the engine does not have it.
pub async fn inspect_local(engine: &Engine, tag: &str) -> Result<Option<LocalImage>, MiningError> {
    match engine.docker.inspect_image(tag).await {
        Ok(image) => {
            let labels = image.config.and_then(|c| c.labels).unwrap_or_default();
            Ok(Some(LocalImage {
                id: image.id.unwrap_or_default(),
                pearl_ref: labels.get(LABEL_PEARL_REF).cloned(),
            }))
        }
        Err(e) if status_code(&e) == Some(404) => Ok(None),
        Err(e) => Err(engine.error(&format!("inspecting image {tag}"), &e, &[])),
    }
}

/// Makes `tag` present: local, else pulled, else built (default tag only).
pub async fn ensure_image(
    engine: &Engine,
    tag: &str,
    plan: &BuildPlan,
    env: &EnvFn,
    progress: &dyn Progress,
) -> Result<ImageSource, MiningError> {
    if inspect_local(engine, tag).await?.is_some() {
        return Ok(ImageSource::Local);
    }
    progress.event(ProgressEvent::Phase(format!("pulling {tag}")));
    let pull_error = match pull(engine, tag, env, progress).await {
        Ok(()) => {
            progress.event(ProgressEvent::Done(format!("pulled {tag}")));
            return Ok(ImageSource::Pulled);
        }
        Err(e) => e,
    };
    if !is_default_tag(tag) {
        return Err(MiningError::Image {
            tag: tag.to_owned(),
            detail: format!("not present locally and the pull failed ({pull_error})"),
            fix: format!(
                "build it from a Pearl checkout with `docker buildx build -t {tag} -f miner/vllm-miner/Dockerfile .`, \
                 or set [mining.extra].docker_image_tag = \"{DEFAULT_DOCKER_IMAGE_TAG}\" to let jarvis build it"
            ),
        });
    }
    progress.event(ProgressEvent::Warning(format!(
        "{tag} could not be pulled ({pull_error}); building it from Pearl's source at {} (30-60 minutes)",
        plan.pearl_ref
    )));
    let commit = build_from_source(plan, tag, progress).await?;
    Ok(ImageSource::Built { commit })
}

/// Pulls `tag`, reporting per-layer progress. Any failure (404, auth, network) is returned as
/// one line so the caller can fall back to a build.
async fn pull(
    engine: &Engine,
    tag: &str,
    env: &EnvFn,
    progress: &dyn Progress,
) -> Result<(), String> {
    let (repo, version) = split_tag(tag);
    let options = CreateImageOptions {
        from_image: Some(repo.clone()),
        tag: version,
        ..Default::default()
    };
    let credentials = registry_credentials(&repo, env);
    let mut stream = engine.docker.create_image(Some(options), None, credentials);
    while let Some(item) = stream.next().await {
        let info = item.map_err(|e| describe(&e, "pull", &[]))?;
        if let Some(detail) = info.error_detail {
            return Err(detail.message.unwrap_or_else(|| "pull failed".to_owned()));
        }
        let status = info.status.unwrap_or_default();
        // "Pulling from <repo>" carries the tag as its id: a line, not a layer.
        let id = info.id.filter(|_| !status.starts_with("Pulling from"));
        match (id, info.progress_detail) {
            (Some(id), Some(p)) if p.current.is_some() => progress.event(ProgressEvent::Item {
                id,
                status,
                current: u64::try_from(p.current.unwrap_or(0)).unwrap_or(0),
                total: p
                    .total
                    .and_then(|t| u64::try_from(t).ok())
                    .filter(|t| *t > 0),
            }),
            (Some(id), _) => progress.event(ProgressEvent::Item {
                id,
                status,
                current: 0,
                total: None,
            }),
            (None, _) if !status.is_empty() => progress.event(ProgressEvent::Line(status)),
            (None, _) => {}
        }
    }
    Ok(())
}

/// Splits `repo:tag` (a `:` after the last `/`); digests stay in the repository part.
pub fn split_tag(image: &str) -> (String, Option<String>) {
    if image.contains('@') {
        return (image.to_owned(), None);
    }
    let slash = image.rfind('/').map_or(0, |i| i + 1);
    match image.get(slash..).and_then(|last| last.rfind(':')) {
        Some(colon) => {
            let at = slash + colon;
            (
                image.get(..at).unwrap_or(image).to_owned(),
                image.get(at + 1..).map(str::to_owned),
            )
        }
        None => (image.to_owned(), Some("latest".to_owned())),
    }
}

/// The registry host of an image reference (`docker.io` when none is named).
pub fn registry_of(repo: &str) -> String {
    match repo.split_once('/') {
        Some((first, _)) if first.contains('.') || first.contains(':') || first == "localhost" => {
            first.to_owned()
        }
        _ => "docker.io".to_owned(),
    }
}

/// Credentials for `repo`'s registry from `$DOCKER_CONFIG/config.json` (or
/// `~/.docker/config.json`): an inline `auths` entry, or a credential helper.
pub fn registry_credentials(repo: &str, env: &EnvFn) -> Option<DockerCredentials> {
    let dir = env("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| Path::new(&h).join(".docker")))?;
    let text =
        jarvis_core::fs::read_regular_to_string(&dir.join("config.json"), 1024 * 1024).ok()?;
    let config: serde_json::Value = serde_json::from_str(&text).ok()?;
    let registry = registry_of(repo);
    let keys: Vec<String> = if registry == "docker.io" {
        vec![
            "https://index.docker.io/v1/".into(),
            "index.docker.io".into(),
            "docker.io".into(),
        ]
    } else {
        vec![registry.clone(), format!("https://{registry}")]
    };
    let auths = config.get("auths").and_then(|a| a.as_object());
    for key in &keys {
        if let Some(creds) = auths
            .and_then(|a| a.get(key))
            .and_then(|entry| inline_credentials(entry, key))
        {
            return Some(creds);
        }
    }
    let helper = keys
        .iter()
        .find_map(|k| {
            config
                .get("credHelpers")
                .and_then(|h| h.get(k))
                .and_then(|v| v.as_str())
        })
        .or_else(|| config.get("credsStore").and_then(|v| v.as_str()))?;
    helper_credentials(helper, keys.first()?)
}

fn inline_credentials(entry: &serde_json::Value, server: &str) -> Option<DockerCredentials> {
    use base64::Engine as _;
    let auth = entry
        .get("auth")
        .and_then(|a| a.as_str())
        .filter(|a| !a.is_empty());
    let token = entry
        .get("identitytoken")
        .and_then(|a| a.as_str())
        .map(str::to_owned);
    let (username, password) = match auth {
        Some(b64) => {
            let decoded = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
            let text = String::from_utf8(decoded).ok()?;
            let (u, p) = text.split_once(':')?;
            (Some(u.to_owned()), Some(p.to_owned()))
        }
        None if token.is_some() => (None, None),
        None => return None,
    };
    Some(DockerCredentials {
        username,
        password,
        identitytoken: token,
        serveraddress: Some(server.to_owned()),
        ..Default::default()
    })
}

/// Runs `docker-credential-<helper> get` with the server on stdin (no shell).
fn helper_credentials(helper: &str, server: &str) -> Option<DockerCredentials> {
    use std::io::Write;
    if helper.is_empty()
        || !helper
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return None;
    }
    let mut child = std::process::Command::new(format!("docker-credential-{helper}"))
        .arg("get")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(server.as_bytes()).ok()?;
    let output = child.wait_with_output().ok()?;
    if !output.status.success() {
        return None;
    }
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    let username = answer.get("Username").and_then(|v| v.as_str())?.to_owned();
    let secret = answer.get("Secret").and_then(|v| v.as_str())?.to_owned();
    Some(if username == "<token>" {
        DockerCredentials {
            identitytoken: Some(secret),
            serveraddress: Some(server.to_owned()),
            ..Default::default()
        }
    } else {
        DockerCredentials {
            username: Some(username),
            password: Some(secret),
            serveraddress: Some(server.to_owned()),
            ..Default::default()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_tag_handles_registries_with_ports() {
        assert_eq!(
            split_tag("openjarvis/pearl-miner:master"),
            ("openjarvis/pearl-miner".into(), Some("master".into()))
        );
        assert_eq!(
            split_tag("localhost:5000/pm"),
            ("localhost:5000/pm".into(), Some("latest".into()))
        );
        assert_eq!(
            split_tag("ghcr.io/a/b:1"),
            ("ghcr.io/a/b".into(), Some("1".into()))
        );
        assert_eq!(split_tag("a/b@sha256:00"), ("a/b@sha256:00".into(), None));
    }

    #[test]
    fn registry_defaults_to_docker_hub() {
        assert_eq!(registry_of("openjarvis/pearl-miner"), "docker.io");
        assert_eq!(registry_of("ghcr.io/pearl/miner"), "ghcr.io");
    }

    #[test]
    fn inline_auth_is_decoded() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("config.json"),
            r#"{"auths":{"ghcr.io":{"auth":"dXNlcjpwYXNz"}}}"#,
        )
        .unwrap();
        let path = dir.path().to_string_lossy().into_owned();
        let env = move |k: &str| (k == "DOCKER_CONFIG").then(|| path.clone());
        let creds = registry_credentials("ghcr.io/pearl/miner", &env).unwrap();
        assert_eq!(creds.username.as_deref(), Some("user"));
        assert_eq!(creds.password.as_deref(), Some("pass"));
        assert!(registry_credentials("openjarvis/pearl-miner", &env).is_none());
    }

    proptest::proptest! {
        #[test]
        fn image_references_never_panic(reference in ".{0,80}") {
            let (repo, _) = split_tag(&reference);
            let _ = registry_of(&repo);
        }
    }
}
