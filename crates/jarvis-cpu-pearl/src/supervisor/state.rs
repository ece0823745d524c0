//! The supervisor's side of the sidecar: the one writer of cpu-pearl's `runtime/mining.json`.
//!
//! The sidecar is first written in state `starting` when the gateway is spawned (so its
//! identity is on record before anything can orphan it; `mine start` holds the lock and waits
//! for `ready`), and state `ready` is published once the gateway answers; after that every
//! change of state, gateway or latest error is written through here, and the file is removed
//! on a clean stop or left in state `failed` with the reason.
//!
//! Once published, a failed write (a full disk) never stops mining: the change stays in
//! memory, [`SupervisorState::retry`] writes it again on every tick, and the failure is the
//! caller's to report (log, metrics, status) until a write succeeds.

use std::path::PathBuf;

use jarvis_core::process::ProcessIdentity;
use jarvis_core::time::unix_now;
use jarvis_mining::sidecar::{
    DaemonRole, DaemonState, ProcessEntry, Sidecar, SupervisorSection, remove_sidecar,
    write_sidecar,
};

use super::error::SupervisorError;

/// The sidecar as the supervisor keeps it.
#[derive(Debug)]
pub(crate) struct SupervisorState {
    path: PathBuf,
    sidecar: Sidecar,
    published: bool,
    /// A change is in memory that the last write could not put on disk.
    unwritten: bool,
}

impl SupervisorState {
    /// State `starting` for the supervisor `me`, in memory only: nothing is written until a
    /// gateway is spawned ([`Self::gateway_started`]), [`Self::ready`] or [`Self::failed`].
    pub(crate) fn starting(
        path: PathBuf,
        provider: &str,
        wallet_address: &str,
        gateway_url: String,
        metrics_url: String,
        me: ProcessIdentity,
    ) -> Self {
        let now = unix_now();
        let mut sidecar = Sidecar::new(provider, wallet_address, now);
        sidecar.gateway_url = Some(gateway_url);
        sidecar.metrics_url = Some(metrics_url);
        // Python compatibility: its `mine stop` SIGTERMs miner_loop_pid first, and our miner
        // loop runs inside the supervisor (see `Sidecar::miner_loop_pid`).
        sidecar.miner_loop_pid = Some(me.pid);
        sidecar.processes = vec![ProcessEntry {
            role: DaemonRole::Supervisor.to_string(),
            pid: me.pid,
            start_time: me.start_time,
        }];
        sidecar.supervisor = Some(SupervisorSection::new(
            DaemonRole::Supervisor,
            me,
            DaemonState::Starting,
            now,
        ));
        Self {
            path,
            sidecar,
            published: false,
            unwritten: false,
        }
    }

    fn section(&mut self) -> &mut SupervisorSection {
        self.sidecar.supervisor.get_or_insert_with(|| {
            SupervisorSection::new(
                DaemonRole::Supervisor,
                ProcessIdentity::current(),
                DaemonState::Starting,
                unix_now(),
            )
        })
    }

    fn set_state(&mut self, state: DaemonState) {
        let section = self.section();
        if section.state != state {
            section.state = state;
            section.since = Some(unix_now());
        }
    }

    fn write(&mut self) -> Result<(), SupervisorError> {
        if let Err(error) = write_sidecar(&self.path, &self.sidecar) {
            self.unwritten = true;
            return Err(error.into());
        }
        self.published = true;
        self.unwritten = false;
        Ok(())
    }

    /// Whether a change is waiting for a write that failed.
    pub(crate) fn unwritten(&self) -> bool {
        self.unwritten
    }

    /// Writes again what a failed write left in memory; `Ok` when nothing waits.
    pub(crate) fn retry(&mut self) -> Result<(), SupervisorError> {
        if self.unwritten && self.published {
            self.write()
        } else {
            Ok(())
        }
    }

    /// Whether the gateway has answered (the sidecar is published).
    pub(crate) fn is_ready(&self) -> bool {
        self.published
            && self
                .sidecar
                .supervisor
                .as_ref()
                .is_some_and(|s| s.state == DaemonState::Ready)
    }

    /// The gateway answers: state `ready`, the error cleared, the sidecar published.
    pub(crate) fn ready(&mut self) -> Result<(), SupervisorError> {
        self.set_state(DaemonState::Ready);
        self.section().last_error = None;
        self.write()
    }

    /// A gateway child runs as `gateway`; written at once, in state `starting` too: a
    /// supervisor killed before it is ready must not leave a gateway nobody recorded (`start`'s
    /// failure path, `stop` and the next `start` end what the file names).
    pub(crate) fn gateway_started(
        &mut self,
        gateway: ProcessIdentity,
    ) -> Result<(), SupervisorError> {
        self.sidecar.gateway_pid = Some(gateway.pid);
        self.section().gateway = Some(gateway);
        self.write()
    }

    /// The gateway child exited; written with the next change.
    pub(crate) fn gateway_gone(&mut self) {
        self.sidecar.gateway_pid = None;
        self.section().gateway = None;
    }

    /// Keeps `last_error` equal to the latest error's text, for `mine status` (the metrics
    /// carry only its kind); writes only a change, and only once published.
    pub(crate) fn last_error(&mut self, text: &str) -> Result<(), SupervisorError> {
        if !self.is_ready() || self.section().last_error.as_deref() == Some(text) {
            return Ok(());
        }
        self.section().last_error = Some(text.to_owned());
        self.write()
    }

    /// The supervisor gave up: state `failed` with `why`, no gateway, and the sidecar left in
    /// place so `mine status` and `mine start` can say why.
    pub(crate) fn failed(&mut self, why: &str) -> Result<(), SupervisorError> {
        self.gateway_gone();
        self.set_state(DaemonState::Failed);
        self.section().last_error = Some(why.to_owned());
        self.write()
    }

    /// A clean stop: the sidecar goes.
    pub(crate) fn remove(&self) -> Result<(), SupervisorError> {
        remove_sidecar(&self.path)?;
        Ok(())
    }
}
