//! `runtime/mining.json`: the one file that tells the rest of the system a miner is running.
//!
//! One versioned schema for every provider, a superset of the Python tool's fields so OpenJarvis
//! can still read it. Written atomically with mode 0600; read tolerantly (unknown fields kept).
//! Secrets never appear here: the struct has no field for one.

use std::path::{Path, PathBuf};

use jarvis_core::process::{Liveness, ProcessIdentity, pid_alive};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The schema this build writes.
pub const SIDECAR_SCHEMA_VERSION: u32 = 1;

/// A process the session owns, identified by pid and start time so a reused pid is never taken
/// for ours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessEntry {
    /// What it is: `supervisor`, `gateway`, ...
    pub role: String,
    /// Process id.
    pub pid: u32,
    /// Kernel start time of that pid (see `jarvis_core::process`).
    pub start_time: u64,
}

impl ProcessEntry {
    /// The identity to check or signal.
    pub fn identity(&self) -> ProcessIdentity {
        ProcessIdentity {
            pid: self.pid,
            start_time: self.start_time,
        }
    }
}

/// The sidecar's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sidecar {
    /// Schema version; 0 when the Python tool wrote the file.
    #[serde(default)]
    pub schema_version: u32,
    /// Provider id.
    pub provider: String,
    /// OpenAI-compatible endpoint that mines while serving; present => engine hand-off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vllm_endpoint: Option<String>,
    /// Model served at `vllm_endpoint`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// pearl-gateway's miner RPC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_url: Option<String>,
    /// Gateway metrics base URL (vllm shape, without `/metrics`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_metrics_url: Option<String>,
    /// Full metrics URL (cpu shape, with `/metrics`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics_url: Option<String>,
    /// Docker container id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_id: Option<String>,
    /// Payout address the session mines to.
    #[serde(default)]
    pub wallet_address: String,
    /// Unix time the session started (the Python tool wrote int or float).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<f64>,
    /// Python-compatible gateway pid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_pid: Option<u32>,
    /// Python-compatible miner pid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub miner_loop_pid: Option<u32>,
    /// Processes the session owns, with start times.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub processes: Vec<ProcessEntry>,
    /// Fields this build does not know, kept as read.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl Sidecar {
    /// A fresh sidecar for `provider` at the current schema version.
    pub fn new(provider: &str, wallet_address: &str, started_at: f64) -> Self {
        Self {
            schema_version: SIDECAR_SCHEMA_VERSION,
            provider: provider.to_owned(),
            vllm_endpoint: None,
            model: None,
            gateway_url: None,
            gateway_metrics_url: None,
            metrics_url: None,
            container_id: None,
            wallet_address: wallet_address.to_owned(),
            started_at: Some(started_at),
            gateway_pid: None,
            miner_loop_pid: None,
            processes: Vec::new(),
            other: Map::new(),
        }
    }

    /// Whether the processes it names still run. Sessions without processes (a container) are
    /// `Unverified` here: only the provider can ask the engine.
    pub fn liveness(&self) -> SidecarLiveness {
        for entry in &self.processes {
            match entry.identity().status() {
                Liveness::Alive => {}
                Liveness::Dead => {
                    return SidecarLiveness::Stale(format!(
                        "{} (pid {}) is gone",
                        entry.role, entry.pid
                    ));
                }
                Liveness::Reused => {
                    return SidecarLiveness::Stale(format!(
                        "{} pid {} now belongs to another process",
                        entry.role, entry.pid
                    ));
                }
            }
        }
        if !self.processes.is_empty() {
            return SidecarLiveness::Alive;
        }
        let legacy = [
            ("gateway", self.gateway_pid),
            ("miner", self.miner_loop_pid),
        ];
        let mut any = false;
        for (role, pid) in legacy {
            if let Some(pid) = pid {
                any = true;
                if !pid_alive(pid) {
                    return SidecarLiveness::Stale(format!("{role} (pid {pid}) is gone"));
                }
            }
        }
        if any {
            SidecarLiveness::Alive
        } else {
            SidecarLiveness::Unverified
        }
    }

    /// JSON as written: sorted keys, two-space indent, trailing newline (like the Python tool).
    pub fn to_json(&self) -> Result<String, SidecarError> {
        let value = serde_json::to_value(self).map_err(|e| SidecarError::Encode(e.to_string()))?;
        let mut text = serde_json::to_string_pretty(&value)
            .map_err(|e| SidecarError::Encode(e.to_string()))?;
        text.push('\n');
        Ok(text)
    }
}

/// Whether a sidecar's processes run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SidecarLiveness {
    /// Every recorded process runs with its recorded start time.
    Alive,
    /// Something recorded is gone or reused.
    Stale(String),
    /// Nothing the file records can be checked without the provider (e.g. a container).
    Unverified,
}

/// What is on disk.
// Read once per command; boxing the common variant would only add noise at every match.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum SidecarState {
    /// No file: nothing is mining.
    Absent,
    /// A readable sidecar.
    Present(Sidecar),
    /// A file that is not a sidecar.
    Corrupt {
        /// Why it could not be read.
        detail: String,
    },
}

/// Sidecar I/O failures.
#[derive(Debug, thiserror::Error)]
pub enum SidecarError {
    /// Reading, writing or removing failed.
    #[error(
        "cannot {action} the mining sidecar {path}: {source}; check the permissions of that directory"
    )]
    Io {
        /// read, write or remove.
        action: &'static str,
        /// The sidecar path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file exists but is not a sidecar.
    #[error(
        "corrupt mining sidecar {path}: {detail}; if no miner is running, remove it with `jarvis mine stop`"
    )]
    Corrupt {
        /// The sidecar path.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// Serialising failed (should not happen).
    #[error("cannot encode the mining sidecar: {0}")]
    Encode(String),
}

/// Reads the sidecar; never fails: a bad file is `Corrupt`.
pub fn read_sidecar(path: &Path) -> SidecarState {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return SidecarState::Absent,
        Err(e) => {
            return SidecarState::Corrupt {
                detail: format!("unreadable: {e}"),
            };
        }
    };
    match serde_json::from_slice::<Sidecar>(&bytes) {
        Ok(sidecar) => SidecarState::Present(sidecar),
        Err(e) => SidecarState::Corrupt {
            detail: format!("not a sidecar: {e}"),
        },
    }
}

/// Writes the sidecar atomically (temp file + rename), mode 0600.
pub fn write_sidecar(path: &Path, sidecar: &Sidecar) -> Result<(), SidecarError> {
    let text = sidecar.to_json()?;
    jarvis_core::fs::write_atomic(path, text.as_bytes(), 0o600).map_err(|source| SidecarError::Io {
        action: "write",
        path: path.to_owned(),
        source,
    })
}

/// Removes the sidecar; `Ok(false)` when there was none.
pub fn remove_sidecar(path: &Path) -> Result<bool, SidecarError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(SidecarError::Io {
            action: "remove",
            path: path.to_owned(),
            source,
        }),
    }
}
