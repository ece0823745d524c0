//! Why the supervisor could not start or had to stop.

use std::path::PathBuf;

use jarvis_mining::error::MiningError;

/// A supervisor failure; every message names the fix.
#[derive(Debug, thiserror::Error)]
pub enum SupervisorError {
    /// A config value cannot be used.
    #[error("{detail}")]
    Config {
        /// What is wrong and how to fix it.
        detail: String,
    },
    /// `pearl-gateway` is not on PATH.
    #[error(
        "pearl-gateway was not found on PATH; install Pearl's gateway (it builds the ZK proof and talks to pearld) and make sure `pearl-gateway start` runs in this shell"
    )]
    GatewayNotFound,
    /// A child could not be spawned.
    #[error("cannot start {program}: {source}; check that it is executable")]
    Spawn {
        /// The program.
        program: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The metrics port is taken.
    #[error(
        "cannot serve metrics on 127.0.0.1:{port}: {source}; stop what uses that port or set [mining.extra].metrics_port"
    )]
    MetricsPort {
        /// The port.
        port: u16,
        /// The cause.
        source: std::io::Error,
    },
    /// A child kept dying.
    #[error(
        "{child} died {restarts} times within an hour (limit [mining.extra].max_restarts_per_hour = {limit}); last exit: {last_exit}; see `jarvis mine logs`"
    )]
    RestartBudget {
        /// `gateway` or `miner`.
        child: &'static str,
        /// Restarts counted in the last hour.
        restarts: u32,
        /// The configured limit.
        limit: u32,
        /// How it last ended.
        last_exit: String,
    },
    /// The gateway answered, but not in its protocol.
    #[error(
        "pearl-gateway answers, but not in the miner protocol; check what listens there and `jarvis mine logs`"
    )]
    GatewayProtocol(#[source] pearl_rpc::gateway::GatewayError),
    /// A file could not be written.
    #[error("{path}: {source}; check the permissions of that directory")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The sidecar could not be written.
    #[error(transparent)]
    Sidecar(#[from] jarvis_mining::sidecar::SidecarError),
}

impl From<SupervisorError> for MiningError {
    fn from(error: SupervisorError) -> Self {
        MiningError::Provider(Box::new(error))
    }
}
