//! The mining session as seen from outside: the sidecar plus the liveness of what it names.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jarvis_core::lock::{LockError, LockGuard, try_lock};
use jarvis_core::paths::JarvisHome;
use jarvis_core::process::{
    Liveness, ProcessError, ProcessIdentity, Signal, signal_group, signal_identity,
};
use serde::Serialize;

use crate::registry::MinerRegistry;
use crate::sidecar::{Sidecar, SidecarLiveness, SidecarState, read_sidecar};

/// What the sidecar says about the session.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionState {
    /// No sidecar: not running.
    Absent,
    /// Its processes run.
    Running(Sidecar),
    /// Present, but liveness is the provider's to check (container).
    Unverified(Sidecar),
    /// Present, but a recorded process is gone or its pid reused.
    Stale {
        /// The sidecar as read.
        sidecar: Sidecar,
        /// What is gone.
        reason: String,
    },
    /// Not a sidecar.
    Corrupt {
        /// Why.
        detail: String,
    },
}

/// A provider's answer to "does this session mine now?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderLiveness {
    /// It does.
    Running,
    /// It does not, and why (what is gone or does not answer).
    Stopped(String),
}

/// The sidecar path and what it holds.
#[derive(Debug, Clone)]
pub struct Session {
    /// `runtime/mining.json`.
    pub path: PathBuf,
    /// Its state.
    pub state: SessionState,
}

/// Machine-readable summary of a session.
#[derive(Debug, Clone, Serialize)]
pub struct SessionSummary {
    /// absent, running, unverified, stale or corrupt.
    pub state: &'static str,
    /// The sidecar path.
    pub path: PathBuf,
    /// Provider named by the sidecar.
    pub provider: Option<String>,
    /// Extra detail (stale reason, corruption).
    pub detail: Option<String>,
    /// The state the provider's background process last recorded (`starting`, `ready`,
    /// `failed`); `None` when the sidecar records none.
    pub daemon_state: Option<String>,
    /// The latest error it recorded: for a supervisor that gave up (`failed`), why.
    pub last_error: Option<String>,
}

impl Session {
    /// Reads the sidecar under `home` and checks the processes it names.
    pub fn read(home: &JarvisHome) -> Self {
        let path = home.sidecar_path();
        let state = match read_sidecar(&path) {
            SidecarState::Absent => SessionState::Absent,
            SidecarState::Corrupt { detail } => SessionState::Corrupt { detail },
            SidecarState::Present(sidecar) => match sidecar.liveness() {
                SidecarLiveness::Alive => SessionState::Running(sidecar),
                SidecarLiveness::Unverified => SessionState::Unverified(sidecar),
                SidecarLiveness::Stale(reason) => SessionState::Stale { sidecar, reason },
            },
        };
        Self { path, state }
    }

    /// Settles an `Unverified` session (a container: the sidecar alone cannot prove it) by
    /// asking its provider ([`crate::MiningProvider::liveness`]): `Running`, or `Stale` with
    /// the provider's reason. A session of a provider this build lacks stays `Unverified`.
    pub async fn resolve(mut self, registry: &MinerRegistry, home: &JarvisHome) -> Self {
        let SessionState::Unverified(sidecar) = &self.state else {
            return self;
        };
        let Some(descriptor) = registry.get(&sidecar.provider) else {
            return self;
        };
        let liveness = (descriptor.create)(home).liveness(sidecar).await;
        let state = std::mem::replace(&mut self.state, SessionState::Absent);
        self.state = match (state, liveness) {
            (SessionState::Unverified(sidecar), ProviderLiveness::Running) => {
                SessionState::Running(sidecar)
            }
            (SessionState::Unverified(sidecar), ProviderLiveness::Stopped(reason)) => {
                SessionState::Stale { sidecar, reason }
            }
            (other, _) => other,
        };
        self
    }

    /// The sidecar, whatever its liveness.
    pub fn sidecar(&self) -> Option<&Sidecar> {
        match &self.state {
            SessionState::Running(s) | SessionState::Unverified(s) => Some(s),
            SessionState::Stale { sidecar, .. } => Some(sidecar),
            SessionState::Absent | SessionState::Corrupt { .. } => None,
        }
    }

    /// Whether `provider` has a live (or not disprovable) session.
    pub fn is_running_for(&self, provider: &str) -> bool {
        matches!(&self.state, SessionState::Running(s) | SessionState::Unverified(s) if s.provider == provider)
    }

    /// The summary doctor and status render.
    pub fn summary(&self) -> SessionSummary {
        let (state, detail) = match &self.state {
            SessionState::Absent => ("absent", None),
            SessionState::Running(_) => ("running", None),
            SessionState::Unverified(_) => ("unverified", None),
            SessionState::Stale { reason, .. } => ("stale", Some(reason.clone())),
            SessionState::Corrupt { detail } => ("corrupt", Some(detail.clone())),
        };
        let section = self.sidecar().and_then(|s| s.supervisor.as_ref());
        SessionSummary {
            state,
            path: self.path.clone(),
            provider: self.sidecar().map(|s| s.provider.clone()),
            detail,
            daemon_state: section.map(|s| s.state.to_string()),
            last_error: section.and_then(|s| s.last_error.clone()),
        }
    }
}

/// How long a process left over from a stale session gets between SIGTERM and SIGKILL when
/// `start` clears the way ([`end_recorded_processes`]); `stop` uses its `--timeout`.
pub const ORPHAN_GRACE: Duration = Duration::from_secs(5);

/// A process a session recorded that was still running when the session was cleared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndedProcess {
    /// Its role in the sidecar: `supervisor`, `gateway`, ...
    pub role: String,
    /// Its pid.
    pub pid: u32,
    /// Whether it ignored SIGTERM for the whole grace period and was killed.
    pub killed: bool,
}

impl std::fmt::Display for EndedProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let how = if self.killed {
            "SIGKILL after it ignored SIGTERM"
        } else {
            "SIGTERM"
        };
        write!(
            f,
            "ended the left-over {} (pid {}) with {how}",
            self.role, self.pid
        )
    }
}

/// Every process `sidecar` records with its start time: its `processes` and the gateway its
/// supervisor section names. A bare legacy pid is not here: without a start time it cannot
/// be told from a stranger that reused it.
fn recorded_processes(sidecar: &Sidecar) -> Vec<(String, ProcessIdentity)> {
    let mut recorded: Vec<(String, ProcessIdentity)> = sidecar
        .processes
        .iter()
        .map(|p| (p.role.clone(), p.identity()))
        .collect();
    if let Some(gateway) = sidecar.supervisor.as_ref().and_then(|s| s.gateway)
        && !recorded.iter().any(|(_, id)| id.pid == gateway.pid)
    {
        recorded.push(("gateway".to_owned(), gateway));
    }
    recorded
}

/// SIGTERM/SIGKILL to `id`'s process group when it leads one (its children go too), else to
/// it alone; identity-checked either way.
fn send(id: &ProcessIdentity, signal: Signal) -> Result<bool, ProcessError> {
    Ok(signal_group(id, signal)? || signal_identity(id, signal)?)
}

/// Ends what a session we started left running: each process the sidecar records that still
/// runs as that same process (pid and start time checked, so a reused pid is never touched)
/// gets SIGTERM, then SIGKILL once `grace` has passed. Returns what it ended.
///
/// A supervisor killed with SIGKILL leaves its gateway behind when the gateway ignores the
/// parent-death SIGTERM; `stop` and `start` call this before they remove such a stale
/// sidecar, so no orphan outlives it and no second gateway starts beside it.
pub async fn end_recorded_processes(
    sidecar: &Sidecar,
    grace: Duration,
) -> Result<Vec<EndedProcess>, ProcessError> {
    let mut signalled = Vec::new();
    for (role, id) in recorded_processes(sidecar) {
        if send(&id, Signal::Term)? {
            signalled.push((role, id));
        }
    }
    let deadline = Instant::now() + grace;
    let alive = |id: &ProcessIdentity| id.status() == Liveness::Alive;
    while signalled.iter().any(|(_, id)| alive(id)) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut ended = Vec::new();
    for (role, id) in signalled {
        let killed = alive(&id) && send(&id, Signal::Kill)?;
        ended.push(EndedProcess {
            role,
            pid: id.pid,
            killed,
        });
    }
    Ok(ended)
}

/// Takes `runtime/mining.lock` for a start or stop; fails fast if another jarvis holds it.
pub fn lock_session(home: &JarvisHome) -> Result<LockGuard, LockError> {
    try_lock(&home.lock_path())
}

/// The mining lock as `start` hands it to a provider: shared, and released once by whoever
/// knows the session is ready or has failed (the provider, its foreground daemon, or at the
/// latest the CLI when `start` returns).
#[derive(Debug, Clone, Default)]
pub struct LockHandle(Arc<Mutex<Option<LockGuard>>>);

impl LockHandle {
    /// A handle holding `guard`.
    pub fn new(guard: LockGuard) -> Self {
        Self(Arc::new(Mutex::new(Some(guard))))
    }

    /// A handle holding nothing (a detached daemon, tests).
    pub fn none() -> Self {
        Self::default()
    }

    /// Releases the lock now; later calls do nothing.
    pub fn release(&self) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
    }

    /// Whether the lock is still held through this handle.
    pub fn is_held(&self) -> bool {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .is_some()
    }
}
