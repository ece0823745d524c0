//! A minimal Docker Engine API probe (`GET /version`) for doctor, over the engine's socket.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The default engine socket.
pub const DEFAULT_DOCKER_SOCKET: &str = "/var/run/docker.sock";

/// Where the Docker engine listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DockerEndpoint {
    /// A Unix socket.
    Unix(PathBuf),
    /// Plain TCP `host:port`.
    Tcp(String),
    /// Something this probe does not speak (ssh://, TLS); the provider will.
    Unsupported(String),
}

impl DockerEndpoint {
    /// From `DOCKER_HOST`, else the local socket.
    pub fn from_docker_host(docker_host: Option<&str>) -> Self {
        match docker_host.map(str::trim).filter(|h| !h.is_empty()) {
            None => Self::Unix(PathBuf::from(DEFAULT_DOCKER_SOCKET)),
            Some(h) => {
                if let Some(path) = h.strip_prefix("unix://") {
                    Self::Unix(PathBuf::from(path))
                } else if let Some(addr) = h.strip_prefix("tcp://") {
                    Self::Tcp(addr.trim_end_matches('/').to_owned())
                } else {
                    Self::Unsupported(h.to_owned())
                }
            }
        }
    }

    /// As users write it.
    pub fn display(&self) -> String {
        match self {
            Self::Unix(p) => format!("unix://{}", p.display()),
            Self::Tcp(a) => format!("tcp://{a}"),
            Self::Unsupported(h) => h.clone(),
        }
    }
}

/// What the engine says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DockerVersion {
    /// Engine version, e.g. `28.2.2`.
    #[serde(rename = "Version", default)]
    pub version: String,
    /// API version, e.g. `1.50`.
    #[serde(rename = "ApiVersion", default)]
    pub api_version: String,
}

/// Asks the engine for its version within `timeout`.
pub async fn probe_docker(
    endpoint: &DockerEndpoint,
    timeout: Duration,
) -> Result<DockerVersion, String> {
    let work = async {
        match endpoint {
            DockerEndpoint::Unix(path) => {
                #[cfg(unix)]
                {
                    let stream = tokio::net::UnixStream::connect(path)
                        .await
                        .map_err(|e| format!("cannot connect to {}: {e}", endpoint.display()))?;
                    get_version(stream).await
                }
                #[cfg(not(unix))]
                {
                    let _ = path;
                    Err("unix sockets are not available on this platform".to_owned())
                }
            }
            DockerEndpoint::Tcp(addr) => {
                let stream = tokio::net::TcpStream::connect(addr)
                    .await
                    .map_err(|e| format!("cannot connect to {}: {e}", endpoint.display()))?;
                get_version(stream).await
            }
            DockerEndpoint::Unsupported(h) => Err(format!(
                "DOCKER_HOST '{h}' is not probed by doctor (only unix:// and tcp://)"
            )),
        }
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(result) => result,
        Err(_) => Err(format!(
            "no answer from {} within {:.1} s",
            endpoint.display(),
            timeout.as_secs_f64()
        )),
    }
}

async fn get_version<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
) -> Result<DockerVersion, String> {
    stream
        .write_all(b"GET /version HTTP/1.0\r\nHost: docker\r\n\r\n")
        .await
        .map_err(|e| format!("cannot send to the engine: {e}"))?;
    let mut response = Vec::new();
    stream
        .take(256 * 1024)
        .read_to_end(&mut response)
        .await
        .map_err(|e| format!("cannot read the engine's answer: {e}"))?;
    parse_version_response(&response)
}

/// Parses an HTTP/1.0 answer to `GET /version`.
pub fn parse_version_response(response: &[u8]) -> Result<DockerVersion, String> {
    let text = String::from_utf8_lossy(response);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or("the engine sent no HTTP answer")?;
    let status = head.lines().next().unwrap_or_default();
    let code = status.split_whitespace().nth(1).unwrap_or_default();
    if code != "200" {
        return Err(format!("the engine answered '{status}'"));
    }
    serde_json::from_str(body.trim()).map_err(|e| format!("the engine's /version is not JSON: {e}"))
}
