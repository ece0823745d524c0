//! The `pearl-gateway` child: spawn with the launch environment, probe, stop by group.

use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jarvis_core::process::{ProcessIdentity, Signal, signal_group};
use pearl_protocol::gateway::GatewayAddress;
use pearl_rpc::gateway::{GatewayClient, GatewayError};

use super::detach::spawn_bound_to_process;
use super::error::SupervisorError;
use super::logfile::{LogFile, pump};
use super::metrics::MinerMetrics;
use super::plan::GatewayLaunch;

/// A running gateway, leader of its own process group.
#[derive(Debug)]
pub(crate) struct GatewayChild {
    child: tokio::process::Child,
    pub(crate) identity: ProcessIdentity,
    pub(crate) spawned: Instant,
}

impl GatewayChild {
    /// Runs `pearl-gateway start` with `launch.env` added, its output piped into `log`
    /// (redacted, size-capped: see `logfile`) and read by `metrics` (blocks it logs). On Linux
    /// it dies with this process, even SIGKILLed (see `detach`).
    pub(crate) fn spawn(
        launch: &GatewayLaunch,
        log: &Arc<LogFile>,
        metrics: &Arc<MinerMetrics>,
    ) -> Result<Self, SupervisorError> {
        if let GatewayAddress::Unix(socket) = &launch.address
            && let Some(dir) = socket.parent()
        {
            std::fs::create_dir_all(dir).map_err(|source| SupervisorError::Io {
                path: dir.to_owned(),
                source,
            })?;
        }
        let mut command = tokio::process::Command::new(&launch.program);
        command
            .arg("start")
            .envs(launch.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        let mut child =
            spawn_bound_to_process(command).map_err(|source| SupervisorError::Spawn {
                program: launch.program.clone(),
                source,
            })?;
        // The pumps end when the gateway's pipes close; they own the log until then.
        let reader = |metrics: Arc<MinerMetrics>| move |line: &str| metrics.gateway_log_line(line);
        if let Some(out) = child.stdout.take() {
            pump(out, Arc::clone(log), reader(Arc::clone(metrics)));
        }
        if let Some(err) = child.stderr.take() {
            pump(err, Arc::clone(log), reader(Arc::clone(metrics)));
        }
        let pid = child.id().unwrap_or(0);
        let identity = ProcessIdentity::of(pid).unwrap_or(ProcessIdentity { pid, start_time: 0 });
        Ok(Self {
            child,
            identity,
            spawned: Instant::now(),
        })
    }

    /// Waits for the gateway to exit.
    pub(crate) async fn wait(&mut self) -> String {
        match self.child.wait().await {
            Ok(status) => describe(status),
            Err(e) => format!("could not be waited for: {e}"),
        }
    }

    /// SIGTERM to its group, `grace`, then SIGKILL to the group; reaps it.
    pub(crate) async fn terminate(mut self, grace: Duration) {
        let _ = signal_group(&self.identity, Signal::Term);
        if tokio::time::timeout(grace, self.child.wait())
            .await
            .is_err()
        {
            let _ = signal_group(&self.identity, Signal::Kill);
            let _ = self.child.start_kill();
            let _ = self.child.wait().await;
        }
    }
}

fn describe(status: ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt as _;
        if let Some(signal) = status.signal() {
            return format!("killed by signal {signal}");
        }
    }
    match status.code() {
        Some(code) => format!("exited with status {code}"),
        None => "exited".to_owned(),
    }
}

/// What a `getMiningInfo` probe of the gateway found.
#[derive(Debug)]
pub(crate) enum Probe {
    /// It answers (a job or "paused" both count).
    Answers,
    /// Nothing usable yet: not listening, closed, or no reply within the timeout.
    Silent,
    /// It answered with something that is not the protocol (invalid JSON, a wrong id, a
    /// malformed job): waiting will not help.
    Broken(GatewayError),
}

/// Probes the gateway with `getMiningInfo` within `timeout`.
pub(crate) async fn probe(address: &GatewayAddress, timeout: Duration) -> Probe {
    let call = async {
        let mut client = GatewayClient::connect(address.clone(), timeout).await?;
        match client.get_mining_info().await {
            Ok(_) | Err(GatewayError::Paused { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    };
    match tokio::time::timeout(timeout, call).await {
        Ok(Ok(())) => Probe::Answers,
        Ok(Err(error @ GatewayError::Protocol { .. })) => Probe::Broken(error),
        Ok(Err(_)) | Err(_) => Probe::Silent,
    }
}
