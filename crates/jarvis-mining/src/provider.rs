//! The provider contract every mining path implements.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use serde::Serialize;

use crate::config::MiningConfig;
use crate::sidecar::SidecarError;

/// A boxed future, so providers stay usable as `dyn MiningProvider`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A mining path (Docker vLLM miner, native CPU miner, ...). Capability detection is not a
/// method: it is the pure `detect` function of the provider's registry entry, callable without
/// constructing a provider.
pub trait MiningProvider: Send {
    /// Registry id, e.g. `cpu-pearl`.
    fn id(&self) -> &'static str;
    /// Sets up whatever the provider runs and writes the sidecar when inference routing changes.
    /// The caller holds the mining lock and has refused pool targets and unsupported hardware.
    fn start<'a>(
        &'a mut self,
        config: &'a MiningConfig,
        options: &'a StartOptions,
    ) -> BoxFuture<'a, Result<(), MiningError>>;
    /// Tears down provider-owned processes or containers and removes the sidecar.
    fn stop<'a>(&'a mut self, options: &'a StopOptions) -> BoxFuture<'a, Result<(), MiningError>>;
    /// Whether the session mines now, from provider-owned state (sidecar, processes,
    /// container, the served endpoint's health); `mine status` settles an unverified session
    /// with it.
    fn is_running(&self) -> bool;
    /// Current statistics from the provider's most stable telemetry surface.
    fn stats(&self) -> BoxFuture<'_, MiningStats>;
    /// Feeds redacted log lines to `sink`: the last `tail` lines, then new ones while `follow`
    /// (until the future is dropped).
    fn logs<'a>(
        &'a self,
        request: LogRequest,
        sink: &'a mut (dyn FnMut(LogLine) + Send),
    ) -> BoxFuture<'a, Result<(), MiningError>>;
}

/// How `start` should behave.
#[derive(Clone)]
pub struct StartOptions {
    /// Run in this process instead of a detached supervisor (systemd).
    pub foreground: bool,
    /// Replace a running container/session whose launch spec differs or that is not ours.
    pub replace: bool,
    /// The hardware gate was skipped (remote engine); providers may warn through `progress`.
    pub skip_hardware_check: bool,
    /// Where long work reports progress; the CLI renders it (or hides it under --json).
    pub progress: std::sync::Arc<dyn Progress>,
}

impl std::fmt::Debug for StartOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StartOptions")
            .field("foreground", &self.foreground)
            .field("replace", &self.replace)
            .field("skip_hardware_check", &self.skip_hardware_check)
            .finish_non_exhaustive()
    }
}

impl Default for StartOptions {
    fn default() -> Self {
        Self {
            foreground: false,
            replace: false,
            skip_hardware_check: false,
            progress: std::sync::Arc::new(NoProgress),
        }
    }
}

/// How `stop` should behave.
#[derive(Clone)]
pub struct StopOptions {
    /// Grace period before processes or containers are killed.
    pub timeout: std::time::Duration,
    /// Where stop reports what it removed or left alone (`Done` / `Warning`).
    pub progress: std::sync::Arc<dyn Progress>,
}

impl std::fmt::Debug for StopOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StopOptions")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Default for StopOptions {
    fn default() -> Self {
        Self {
            timeout: std::time::Duration::from_secs(15),
            progress: std::sync::Arc::new(NoProgress),
        }
    }
}

/// What `logs` should return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogRequest {
    /// Lines of history per source.
    pub tail: usize,
    /// Keep streaming new lines.
    pub follow: bool,
}

/// One redacted log line and where it came from (`gateway`, `miner`, `container`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    /// The source.
    pub source: String,
    /// The line, without its newline, secrets redacted.
    pub line: String,
}

/// Progress of long provider work (image pulls and builds, waiting for readiness).
pub trait Progress: Send + Sync {
    /// Reports one event.
    fn event(&self, event: ProgressEvent);
}

/// A progress event; the CLI decides how (and whether) to draw it.
#[derive(Debug, Clone, PartialEq)]
pub enum ProgressEvent {
    /// A new phase begins (`pulling openjarvis/pearl-miner:...`).
    Phase(String),
    /// Byte progress of one item (an image layer).
    Item {
        /// Item id (layer digest).
        id: String,
        /// What it is doing (Downloading, Extracting).
        status: String,
        /// Bytes done.
        current: u64,
        /// Bytes in all, when known.
        total: Option<u64>,
    },
    /// A line of build or start-up output.
    Line(String),
    /// A warning worth showing even in quiet mode.
    Warning(String),
    /// The current phase finished.
    Done(String),
}

/// Discards progress (tests, --json).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn event(&self, _event: ProgressEvent) {}
}

/// Hashrate over XMRig's three windows; `None` until a window has filled.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HashrateWindows {
    /// MAC/s over the last 10 s.
    pub s10: Option<f64>,
    /// MAC/s over the last 60 s.
    pub s60: Option<f64>,
    /// MAC/s over the last 15 min.
    pub m15: Option<f64>,
}

/// What a provider reports. Unknown values are `None`, never a fake zero.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MiningStats {
    /// Registry id of the reporting provider.
    pub provider_id: String,
    /// Proofs handed to the gateway.
    pub shares_submitted: Option<u64>,
    /// Proofs the gateway took (it answers "submitted" for every queued proof).
    pub shares_accepted: Option<u64>,
    /// Blocks the node accepted.
    pub blocks_found: Option<u64>,
    /// MAC/s over the provider's own windows.
    pub hashrate: HashrateWindows,
    /// Seconds since the mining session started.
    pub uptime_seconds: Option<f64>,
    /// Unix time of the last submitted proof.
    pub last_share_at: Option<f64>,
    /// The latest error the provider saw.
    pub last_error: Option<String>,
    /// `solo` (pools are not supported).
    pub payout_target: String,
    /// Always 0: no fee in this version.
    pub fees_owed: u64,
    /// Provider-specific facts (container state, gateway state, template height, ...), keyed
    /// by snake_case names; rendered as `key: value` lines.
    pub details: serde_json::Map<String, serde_json::Value>,
}

impl MiningStats {
    /// Stats with nothing known yet.
    pub fn unknown(provider_id: &str) -> Self {
        Self {
            provider_id: provider_id.to_owned(),
            shares_submitted: None,
            shares_accepted: None,
            blocks_found: None,
            hashrate: HashrateWindows::default(),
            uptime_seconds: None,
            last_share_at: None,
            last_error: None,
            payout_target: "solo".to_owned(),
            fees_owed: 0,
            details: serde_json::Map::new(),
        }
    }
}

/// Why a provider operation failed. Every message names the fix.
#[derive(Debug, thiserror::Error)]
pub enum MiningError {
    /// Pool targets are parsed but never mined.
    #[error(
        "pool mining is not supported yet (submit_target = \"pool:{url}\"); set [mining].submit_target = \"solo\" to mine to your own pearld"
    )]
    PoolUnsupported {
        /// The configured pool URL.
        url: String,
    },
    /// The provider's lifecycle is not part of this build.
    #[error(
        "`jarvis mine {action}` for {provider} is not available in this build of jarvis yet; run `jarvis mine doctor` to check the set-up meanwhile"
    )]
    NotBuilt {
        /// Provider id.
        provider: &'static str,
        /// `start` or `stop`.
        action: &'static str,
    },
    /// `detect` said no.
    #[error(
        "{provider} is not supported on this host: {reason}\nSee `jarvis mine models` and `jarvis mine doctor` for details."
    )]
    Unsupported {
        /// Provider id.
        provider: String,
        /// The detect reason.
        reason: String,
    },
    /// A config value cannot be used.
    #[error("{detail}")]
    Config {
        /// What is wrong and how to fix it.
        detail: String,
    },
    /// The sidecar could not be read or written.
    #[error(transparent)]
    Sidecar(#[from] SidecarError),
    /// Another jarvis holds the mining lock.
    #[error(transparent)]
    Lock(#[from] jarvis_core::lock::LockError),
    /// The container engine could not be reached or refused a request.
    #[error("Docker engine at {endpoint}: {detail}; {fix}")]
    Docker {
        /// Where jarvis looked (`unix:///var/run/docker.sock`, `tcp://host:2376`).
        endpoint: String,
        /// What failed, secrets redacted.
        detail: String,
        /// What to do about it.
        fix: String,
    },
    /// The miner image could not be found, pulled or built.
    #[error("miner image '{tag}': {detail}; {fix}")]
    Image {
        /// The image tag.
        tag: String,
        /// What failed, secrets redacted.
        detail: String,
        /// How to build it or which tag to set.
        fix: String,
    },
    /// The miner container is not ours, differs, or did not become ready.
    #[error("{detail}; {fix}")]
    Container {
        /// What is wrong, secrets redacted.
        detail: String,
        /// What to do about it.
        fix: String,
    },
    /// A file operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}
