//! The `MiningProvider` of cpu-pearl: the CLI side of the supervisor.

use std::time::{Duration, Instant};

use jarvis_core::paths::JarvisHome;
use jarvis_core::process::{ProcessIdentity, Signal, signal_group, signal_identity};
use jarvis_mining::config::MiningConfig;
use jarvis_mining::daemon::DaemonContext;
use jarvis_mining::error::MiningError;
use jarvis_mining::progress::ProgressEvent;
use jarvis_mining::provider::{
    BoxFuture, LogLine, LogRequest, MiningProvider, StartMode, StartOptions, StopOptions,
};
use jarvis_mining::session::ProviderLiveness;
use jarvis_mining::session::Session;
use jarvis_mining::sidecar::SidecarLiveness;
use jarvis_mining::sidecar::{Sidecar, remove_sidecar};
use jarvis_mining::stats::MiningStats;

use super::ID;
use super::launch::{gone, run_supervisor, start_detached};
use super::logs::stream_logs;
use super::stats::stats_for;

/// cpu-pearl bound to a jarvis home.
#[derive(Debug, Clone)]
pub struct CpuPearlProvider {
    home: JarvisHome,
}

impl CpuPearlProvider {
    /// A provider for `home`.
    pub fn new(home: JarvisHome) -> Self {
        Self { home }
    }
}

fn supervisor_of(sidecar: &Sidecar) -> Option<ProcessIdentity> {
    sidecar
        .processes
        .iter()
        .find(|p| p.role == "supervisor")
        .map(|p| p.identity())
}

fn gateway_of(sidecar: &Sidecar) -> Option<ProcessIdentity> {
    sidecar.supervisor.as_ref()?.gateway
}

impl MiningProvider for CpuPearlProvider {
    fn id(&self) -> &'static str {
        ID
    }

    fn start<'a>(
        &'a mut self,
        config: &'a MiningConfig,
        options: &'a StartOptions,
    ) -> BoxFuture<'a, Result<(), MiningError>> {
        Box::pin(async move {
            if options.mode == StartMode::Foreground {
                options.progress.event(ProgressEvent::Phase(
                    "supervising pearl-gateway and the miner in the foreground (Ctrl-C stops)"
                        .to_owned(),
                ));
                let cx = DaemonContext {
                    home: self.home.clone(),
                    lock: options.lock.clone(),
                };
                return run_supervisor(&cx, config).await;
            }
            let Some(entry) = &options.daemon else {
                return Err(MiningError::Config {
                    detail: "cpu-pearl runs its supervisor as a background jarvis process, and this caller gave no way to launch one; run `jarvis mine start`".to_owned(),
                });
            };
            options.progress.event(ProgressEvent::Phase(
                "starting the cpu-pearl supervisor".to_owned(),
            ));
            start_detached(&self.home, config, entry).await?;
            options.lock.release();
            options
                .progress
                .event(ProgressEvent::Done("pearl-gateway answers".to_owned()));
            Ok(())
        })
    }

    fn stop<'a>(&'a mut self, options: &'a StopOptions) -> BoxFuture<'a, Result<(), MiningError>> {
        Box::pin(async move {
            let session = Session::read(&self.home);
            let Some(sidecar) = session.sidecar().cloned() else {
                return Ok(());
            };
            let gateway = gateway_of(&sidecar);
            if let Some(supervisor) = supervisor_of(&sidecar) {
                // Identity-checked: a reused pid is never signalled.
                if signal_identity(&supervisor, Signal::Term).unwrap_or(false) {
                    let deadline = Instant::now() + options.timeout;
                    while !gone(&supervisor) && Instant::now() < deadline {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    if !gone(&supervisor) {
                        let _ = signal_group(&supervisor, Signal::Kill);
                    }
                }
            }
            if let Some(gateway) = gateway.filter(|g| !gone(g)) {
                let _ = signal_group(&gateway, Signal::Kill);
            }
            remove_sidecar(&session.path)?;
            Ok(())
        })
    }

    fn liveness<'a>(&'a self, sidecar: &'a Sidecar) -> BoxFuture<'a, ProviderLiveness> {
        Box::pin(async move {
            match sidecar.liveness() {
                SidecarLiveness::Alive => ProviderLiveness::Running,
                SidecarLiveness::Stale(reason) => ProviderLiveness::Stopped(reason),
                SidecarLiveness::Unverified => {
                    ProviderLiveness::Stopped("the sidecar names no supervisor process".to_owned())
                }
            }
        })
    }

    fn stats(&self) -> BoxFuture<'_, MiningStats> {
        Box::pin(async move { stats_for(&Session::read(&self.home)).await })
    }

    fn logs<'a>(
        &'a self,
        request: LogRequest,
        sink: &'a mut (dyn FnMut(LogLine) + Send),
    ) -> BoxFuture<'a, Result<(), MiningError>> {
        Box::pin(async move { stream_logs(&self.home, request, sink).await })
    }
}
