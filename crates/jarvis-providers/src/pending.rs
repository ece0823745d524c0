//! A provider whose lifecycle is not in this build yet: detect is real, start/stop say so.

use jarvis_mining::config::MiningConfig;
use jarvis_mining::error::MiningError;
use jarvis_mining::provider::{
    BoxFuture, LogLine, LogRequest, MiningProvider, StartOptions, StopOptions,
};
use jarvis_mining::session::ProviderLiveness;
use jarvis_mining::sidecar::{Sidecar, SidecarLiveness};
use jarvis_mining::stats::MiningStats;

/// Lifecycle placeholder that answers truthfully from the sidecar.
pub(crate) struct PendingProvider {
    pub(crate) id: &'static str,
}

impl MiningProvider for PendingProvider {
    fn id(&self) -> &'static str {
        self.id
    }

    fn start<'a>(
        &'a mut self,
        _config: &'a MiningConfig,
        _options: &'a StartOptions,
    ) -> BoxFuture<'a, Result<(), MiningError>> {
        Box::pin(async move {
            Err(MiningError::NotBuilt {
                provider: self.id,
                action: "start",
            })
        })
    }

    fn stop<'a>(&'a mut self, _options: &'a StopOptions) -> BoxFuture<'a, Result<(), MiningError>> {
        Box::pin(async move {
            Err(MiningError::NotBuilt {
                provider: self.id,
                action: "stop",
            })
        })
    }

    fn liveness<'a>(&'a self, sidecar: &'a Sidecar) -> BoxFuture<'a, ProviderLiveness> {
        // No lifecycle to ask: the sidecar's own processes are all there is to check.
        Box::pin(async move {
            match sidecar.liveness() {
                SidecarLiveness::Stale(reason) => ProviderLiveness::Stopped(reason),
                SidecarLiveness::Alive | SidecarLiveness::Unverified => ProviderLiveness::Running,
            }
        })
    }

    fn stats(&self) -> BoxFuture<'_, MiningStats> {
        Box::pin(async move { MiningStats::unknown(self.id) })
    }

    fn logs<'a>(
        &'a self,
        _request: LogRequest,
        _sink: &'a mut (dyn FnMut(LogLine) + Send),
    ) -> BoxFuture<'a, Result<(), MiningError>> {
        Box::pin(async move {
            Err(MiningError::NotBuilt {
                provider: self.id,
                action: "logs",
            })
        })
    }
}
