//! The mining session as seen from outside: the sidecar plus the liveness of what it names.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use jarvis_core::lock::{LockError, LockGuard, try_lock};
use jarvis_core::paths::JarvisHome;
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
        SessionSummary {
            state,
            path: self.path.clone(),
            provider: self.sidecar().map(|s| s.provider.clone()),
            detail,
        }
    }
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
