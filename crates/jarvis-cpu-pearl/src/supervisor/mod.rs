//! The `cpu-pearl` supervisor: owns `pearl-gateway` and the native miner threads, restarts
//! whichever dies with capped exponential back-off and an hourly budget, serves its own
//! Prometheus `/metrics` on loopback, and is the one writer of cpu-pearl's sidecar
//! ([`state`]) and mining history ([`history`]).
//!
//! Test tuning (env, milliseconds): `JARVIS_SUPERVISOR_BACKOFF_MS` (first restart delay,
//! default 1000), `JARVIS_SUPERVISOR_BACKOFF_MAX_MS` (60000), `JARVIS_SUPERVISOR_GRACE_MS`
//! (gateway stop grace, 5000), `JARVIS_SUPERVISOR_TICK_MS` (telemetry tick, 1000),
//! `JARVIS_MINER_POLL_MS` (getMiningInfo interval, 1000), `JARVIS_MINER_RESUME_MS` (how long
//! mining waits for a new job after the gateway took a proof for the header, 120000).

mod detach;
mod error;
mod gateway;
pub(crate) mod history;
mod hold;
mod logfile;
mod metrics;
mod miner_loop;
mod node;
mod plan;
mod run;
pub(crate) mod state;
mod tuning;
mod watchdog;

pub use error::SupervisorError;
pub use history::history_sample;
pub use hold::DEFAULT_RESUME_AFTER;
pub(crate) use logfile::open_append;
pub use logfile::{LOG_KEEP, LOG_MAX_BYTES, RotatingFile, rotate_if_large};
pub use metrics::{ErrorKind, MinerMetrics};
pub use miner_loop::{JobRefused, MinerLoop, MinerLoopError};
pub use plan::{GatewayLaunch, SupervisorPlan, shape_from_extra};
pub use run::supervise;
pub use tuning::Tuning;
pub use watchdog::{Backoff, RestartBudget};
