//! The mining session as seen from outside: the sidecar plus the liveness of what it names.

use std::path::PathBuf;

use jarvis_core::lock::{LockError, LockGuard, try_lock};
use jarvis_core::paths::JarvisHome;
use serde::Serialize;

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

    /// Settles an `Unverified` session with its provider's answer to "is it running?"
    /// ([`crate::MiningProvider::is_running`]): `Running`, or `Stale` when it is not.
    pub fn settle(&mut self, running: bool) {
        let state = std::mem::replace(&mut self.state, SessionState::Absent);
        self.state = match state {
            SessionState::Unverified(sidecar) if running => SessionState::Running(sidecar),
            SessionState::Unverified(sidecar) => SessionState::Stale {
                sidecar,
                reason: "its provider reports it is not running (see the details below)".to_owned(),
            },
            other => other,
        };
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
