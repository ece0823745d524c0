//! `runtime/mining.json`: the one file that tells the rest of the system a miner is running.
//!
//! One versioned schema for every provider, a superset of the Python tool's fields so OpenJarvis
//! can still read it. Written atomically with mode 0600; read tolerantly (unknown fields kept;
//! schema 1 files are migrated on read). Secrets never appear here: the struct has no field for
//! one. Each provider has one writer of its sidecar: cpu-pearl's supervisor, vllm-pearl's
//! `start` and `attach`; the CLI only removes a sidecar it proved stale.

mod supervisor;

use std::path::{Path, PathBuf};

use jarvis_core::process::{Liveness, ProcessIdentity, pid_alive, process_started_at};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use supervisor::{DaemonRole, DaemonState, SUPERVISOR_SECTION_VERSION, SupervisorSection};

/// The schema this build writes. Readers accept 0 (the Python tool), 1 (untyped supervisor
/// keys, migrated on read) and 2.
pub const SIDECAR_SCHEMA_VERSION: u32 = 2;

/// How long before a legacy sidecar's `started_at` its processes may have started (the
/// Python tool starts the gateway, waits for it, then writes the file).
const LEGACY_START_SLACK_S: f64 = 600.0;

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
    /// Python-compatible gateway pid; for cpu-pearl a mirror of `supervisor.gateway.pid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_pid: Option<u32>,
    /// Python-compatible: the pid of the process whose miner loop mines. For cpu-pearl that is
    /// jarvis' supervisor (the miner threads run inside it), so the Python tool's `mine stop`,
    /// which SIGTERMs `miner_loop_pid` and then `gateway_pid`, stops the supervisor cleanly and
    /// the gateway with it. vllm-pearl never writes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub miner_loop_pid: Option<u32>,
    /// Processes the session owns, with start times: the session is stale once one is gone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub processes: Vec<ProcessEntry>,
    /// The miner image the container runs (vllm-pearl).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The state of the provider's background process (cpu-pearl's supervisor, vllm-pearl's
    /// history sampler), written only by that provider's one writer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supervisor: Option<SupervisorSection>,
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
            image: None,
            supervisor: None,
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
                // No start time recorded: a live pid is ours only if that process already ran
                // when the session started (give or take the tool's start-up), never one
                // that started long before (an unrelated process) or after (a reused pid).
                if let (Some(session), Some(process)) = (self.started_at, process_started_at(pid))
                    && !(session - LEGACY_START_SLACK_S..=session + 5.0).contains(&process)
                {
                    return SidecarLiveness::Stale(format!(
                        "{role} pid {pid} belongs to a process that did not start with this session"
                    ));
                }
            }
        }
        if any {
            SidecarLiveness::Alive
        } else {
            SidecarLiveness::Unverified
        }
    }

    /// Lifts what schema 1 kept in untyped top-level keys, written by cpu-pearl's supervisor
    /// (`state`, `last_error`, `gateway_start_time` beside `gateway_pid`), into the typed
    /// `supervisor` section. Files without those keys (the Python tool's, vllm-pearl's) are
    /// left as read.
    fn migrate_v1(&mut self) {
        if self.schema_version > 1 || self.supervisor.is_some() {
            return;
        }
        let Some(state) = self.other.get("state").and_then(Value::as_str) else {
            return;
        };
        let Some(process) = self
            .processes
            .iter()
            .find(|p| p.role == "supervisor")
            .map(ProcessEntry::identity)
        else {
            return;
        };
        let mut section = SupervisorSection {
            since: None,
            ..SupervisorSection::new(
                DaemonRole::Supervisor,
                process,
                DaemonState::from(state.to_owned()),
                0.0,
            )
        };
        section.last_error = self
            .other
            .get("last_error")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let gateway_start = self.other.get("gateway_start_time").and_then(Value::as_u64);
        section.gateway = self
            .gateway_pid
            .zip(gateway_start)
            .map(|(pid, start_time)| ProcessIdentity { pid, start_time });
        for key in ["state", "last_error", "gateway_start_time"] {
            self.other.remove(key);
        }
        self.supervisor = Some(section);
        self.schema_version = SIDECAR_SCHEMA_VERSION;
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
    #[error("cannot {action} the mining sidecar {}", path.display())]
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

/// The most a sidecar may hold: the files jarvis writes are about 1 KiB.
pub const MAX_SIDECAR_BYTES: u64 = 256 * 1024;

/// Reads the sidecar; never fails (and never blocks): a bad file, a FIFO or a device where
/// the file belongs, or one over [`MAX_SIDECAR_BYTES`] is `Corrupt`.
pub fn read_sidecar(path: &Path) -> SidecarState {
    let bytes = match jarvis_core::fs::read_regular(path, MAX_SIDECAR_BYTES) {
        Ok(bytes) => bytes,
        Err(e) if e.is_not_found() => return SidecarState::Absent,
        Err(e) => {
            return SidecarState::Corrupt {
                detail: e.to_string(),
            };
        }
    };
    parse_sidecar(&bytes)
}

/// Parses sidecar bytes (schema 1 migrated): `Present`, or `Corrupt` saying why.
pub fn parse_sidecar(bytes: &[u8]) -> SidecarState {
    match serde_json::from_slice::<Sidecar>(bytes) {
        Ok(mut sidecar) => {
            sidecar.migrate_v1();
            SidecarState::Present(sidecar)
        }
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
