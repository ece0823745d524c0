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
    /// No `pearl-gateway` installed by jarvis nor on PATH.
    #[error(
        "pearl-gateway was not found (neither installed by jarvis nor on PATH); run `jarvis pearl install-gateway` (it builds Pearl's gateway, which makes the ZK proof and talks to pearld)"
    )]
    GatewayNotFound,
    /// A child could not be spawned.
    #[error("cannot start {}", program.display())]
    Spawn {
        /// The program.
        program: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The metrics port is taken.
    #[error("cannot serve metrics on 127.0.0.1:{port}")]
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
    /// A log file or directory could not be created or written.
    #[error("cannot write {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The SIGTERM/SIGINT handlers could not be installed.
    #[error("cannot install the SIGTERM/SIGINT handlers")]
    Signals {
        /// The cause.
        source: std::io::Error,
    },
    /// `[mining.extra]`'s shape keys break a consensus limit.
    #[error(
        "[mining.extra] m/n/k/rank/rows_pattern/cols_pattern do not form a valid shape; remove those keys to use the default CPU shape"
    )]
    Shape {
        /// The limit broken.
        source: pearl_miner::ShapeError,
    },
    /// The miner could not be set up for the planned shape and threads.
    #[error("cannot set up the miner")]
    Miner {
        /// The cause.
        source: pearl_miner::MineError,
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
