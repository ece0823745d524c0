//! jarvis-mining integration tests (one binary).

mod config_load;
mod config_runtime;
mod config_write;
mod models;
mod session;
mod sidecar;
mod stats;
