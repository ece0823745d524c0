//! The user's container engine (Docker, or Podman's Docker-compatible socket) through bollard.
//! Every engine error becomes a `MiningError::Docker` that names the socket and the fix, with
//! secrets removed: the engine echoes request bodies (our container environment) in errors.

use std::path::Path;
use std::time::Duration;

use bollard::Docker;
use bollard::errors::Error as BollardError;
use jarvis_mining::error::MiningError;

/// The engine socket used when `DOCKER_HOST` is unset.
pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// Seconds bollard waits for an answer's headers (streams may run longer).
const REQUEST_TIMEOUT_S: u64 = 120;

/// Where the engine listens, as users write it (`unix:///var/run/docker.sock`, `tcp://h:2375`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineEndpoint {
    /// The `DOCKER_HOST`-style address.
    pub host: String,
}

impl EngineEndpoint {
    /// From `DOCKER_HOST`, else the local socket.
    pub fn from_docker_host(docker_host: Option<&str>) -> Self {
        let host = match docker_host.map(str::trim).filter(|h| !h.is_empty()) {
            Some(h) if h.starts_with('/') => format!("unix://{h}"),
            Some(h) => h.to_owned(),
            None => format!("unix://{DEFAULT_SOCKET}"),
        };
        Self { host }
    }

    /// The host name of a TCP engine (where the container's ports are), `None` for local sockets.
    /// IPv6 hosts keep their brackets, ready to go into a URL.
    pub fn remote_host(&self) -> Option<String> {
        if !(self.host.starts_with("tcp://") || self.host.starts_with("http://")) {
            return None;
        }
        let host = super::status::url_host(&self.host);
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        (!bare.is_empty() && !matches!(bare, "localhost" | "127.0.0.1" | "::1"))
            .then(|| host.to_owned())
    }

    /// The socket path of a `unix://` endpoint.
    pub fn socket_path(&self) -> Option<&Path> {
        self.host.strip_prefix("unix://").map(Path::new)
    }
}

/// Which engine answers on the socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EngineKind {
    /// Docker Engine (GPUs through `DeviceRequests`).
    Docker,
    /// Podman's Docker-compatible API (ignores `DeviceRequests`; GPUs through CDI devices).
    Podman,
}

/// A connected engine (cheap to clone: the client is shared).
#[derive(Clone)]
pub struct Engine {
    /// The client, API version negotiated.
    pub(crate) docker: Docker,
    /// Where it listens.
    pub endpoint: EngineEndpoint,
    /// Docker or Podman.
    pub kind: EngineKind,
    /// Engine version, e.g. `28.2.2`.
    pub version: String,
    /// API version, e.g. `1.50`.
    pub api_version: String,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("endpoint", &self.endpoint)
            .field("kind", &self.kind)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// The generic fix for an engine that does not answer.
fn start_engine_fix(endpoint: &EngineEndpoint) -> String {
    format!(
        "start Docker (`sudo systemctl start docker`) or Podman's socket (`systemctl --user start podman.socket`), \
         or point DOCKER_HOST at the engine (jarvis looked at {})",
        endpoint.host
    )
}

/// Connects to the engine at `endpoint` and negotiates the API version within `timeout`.
pub async fn connect(endpoint: &EngineEndpoint, timeout: Duration) -> Result<Engine, MiningError> {
    let fail = |detail: String, fix: String| MiningError::Docker {
        endpoint: endpoint.host.clone(),
        detail,
        fix,
    };
    let docker = if let Some(path) = endpoint.socket_path() {
        if !path.exists() {
            return Err(fail(format!("socket {} does not exist", path.display()), start_engine_fix(endpoint)));
        }
        Docker::connect_with_unix(&endpoint.host, REQUEST_TIMEOUT_S, bollard::API_DEFAULT_VERSION)
    } else if endpoint.host.starts_with("tcp://") || endpoint.host.starts_with("http://") {
        Docker::connect_with_http(&endpoint.host, REQUEST_TIMEOUT_S, bollard::API_DEFAULT_VERSION)
    } else {
        return Err(fail(
            "this jarvis speaks to unix:// and tcp:// engines only (not ssh:// or TLS)".to_owned(),
            "forward the remote socket (`ssh -NL /tmp/gpu-docker.sock:/var/run/docker.sock gpu-host`) and set \
             DOCKER_HOST=unix:///tmp/gpu-docker.sock"
                .to_owned(),
        ));
    }
    .map_err(|e| fail(first_line(&e.to_string()), start_engine_fix(endpoint)))?;
    let negotiated = tokio::time::timeout(timeout, async {
        let docker = docker.negotiate_version().await?;
        let version = docker.version().await?;
        Ok::<_, BollardError>((docker, version))
    })
    .await;
    let (docker, version) = match negotiated {
        Err(_) => {
            return Err(fail(
                format!("no answer within {:.1} s", timeout.as_secs_f64()),
                start_engine_fix(endpoint),
            ));
        }
        Ok(Err(e)) => {
            return Err(fail(
                describe(&e, "connecting", &[]),
                start_engine_fix(endpoint),
            ));
        }
        Ok(Ok(pair)) => pair,
    };
    let podman = version.components.as_ref().is_some_and(|c| {
        c.iter()
            .any(|c| c.name.to_ascii_lowercase().contains("podman"))
    });
    Ok(Engine {
        docker,
        endpoint: endpoint.clone(),
        kind: if podman {
            EngineKind::Podman
        } else {
            EngineKind::Docker
        },
        version: version.version.unwrap_or_else(|| "unknown".to_owned()),
        api_version: version.api_version.unwrap_or_else(|| "unknown".to_owned()),
    })
}

impl Engine {
    /// Turns a bollard error of `action` into a `MiningError::Docker` without secrets.
    pub fn error(&self, action: &str, err: &BollardError, secrets: &[&str]) -> MiningError {
        MiningError::Docker {
            endpoint: self.endpoint.host.clone(),
            detail: describe(err, action, secrets),
            fix: "check `docker info` on that host and that your user may use its socket (docker group)".to_owned(),
        }
    }
}

/// The HTTP status of an engine answer, when the engine answered.
pub fn status_code(err: &BollardError) -> Option<u16> {
    match err {
        BollardError::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}

/// One line about `err` while doing `action`, with `secrets` and known secret shapes redacted
/// (before the line is cut to length, so a secret across the cut never leaves a prefix).
pub fn describe(err: &BollardError, action: &str, secrets: &[&str]) -> String {
    let first_line = |text: &str| first_line(&jarvis_core::redact::redact(text, secrets));
    let text = match err {
        BollardError::DockerResponseServerError {
            status_code,
            message,
        } => {
            format!(
                "{action} failed: HTTP {status_code}: {}",
                first_line(message)
            )
        }
        BollardError::RequestTimeoutError => {
            format!("{action} failed: the engine did not answer in time")
        }
        BollardError::IOError { err } => format!(
            "{action} failed: connection error: {}",
            first_line(&err.to_string())
        ),
        BollardError::HyperResponseError { err } => {
            format!(
                "{action} failed: connection lost: {}",
                first_line(&err.to_string())
            )
        }
        other => format!("{action} failed: {}", first_line(&other.to_string())),
    };
    jarvis_core::redact::redact(&text, secrets)
}

/// The first non-empty line of `text`, at most 300 characters.
pub fn first_line(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    line.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_defaults_to_the_local_socket() {
        let e = EngineEndpoint::from_docker_host(None);
        assert_eq!(e.host, "unix:///var/run/docker.sock");
        assert_eq!(e.socket_path(), Some(Path::new("/var/run/docker.sock")));
        assert_eq!(e.remote_host(), None);
    }

    #[test]
    fn tcp_endpoint_names_its_host() {
        let e = EngineEndpoint::from_docker_host(Some("tcp://gpu-host:2376"));
        assert_eq!(e.remote_host().as_deref(), Some("gpu-host"));
        assert_eq!(
            EngineEndpoint::from_docker_host(Some("tcp://127.0.0.1:2375")).remote_host(),
            None
        );
        assert_eq!(
            EngineEndpoint::from_docker_host(Some("tcp://[fd00::7]:2375"))
                .remote_host()
                .as_deref(),
            Some("[fd00::7]"),
            "an IPv6 host keeps its brackets for URLs"
        );
        assert_eq!(
            EngineEndpoint::from_docker_host(Some("tcp://[::1]:2375")).remote_host(),
            None
        );
    }

    #[test]
    fn server_errors_are_redacted() {
        let err = BollardError::DockerResponseServerError {
            status_code: 500,
            message: "bad body {\"Env\":[\"PEARLD_RPC_PASSWORD=hunter22\"]}\nmore".to_owned(),
        };
        let text = describe(&err, "creating the container", &["hunter22"]);
        assert!(!text.contains("hunter22"), "{text}");
        assert!(text.contains("HTTP 500"), "{text}");
    }

    /// Found by the `docker_error_body` fuzz target's invariant: the line was cut to 300
    /// characters before redaction, so a secret across the cut left its prefix behind.
    #[test]
    fn a_secret_across_the_length_cut_leaves_no_prefix() {
        let secret = "pearld-pass-7e3a9f1c";
        for pad in 270..300 {
            let err = BollardError::DockerResponseServerError {
                status_code: 400,
                message: format!("{} {secret} tail", "x".repeat(pad)),
            };
            let text = describe(&err, "creating the container", &[secret]);
            assert!(!text.contains(&secret[..8]), "pad {pad}: {text}");
        }
    }

    proptest::proptest! {
        #[test]
        fn docker_host_values_never_panic(host in ".{0,80}") {
            let e = EngineEndpoint::from_docker_host(Some(&host));
            let _ = e.remote_host();
            let _ = e.socket_path();
            let _ = first_line(&host);
        }
    }
}
