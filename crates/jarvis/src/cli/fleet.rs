//! The flags of `jarvis fleet`.

use clap::{Args, Subcommand};

/// `jarvis fleet <command>`.
#[derive(Debug, Subcommand)]
pub(crate) enum FleetCommand {
    /// One row per miner Prometheus scrapes: up/down, hashrate, proofs, gateway, restarts.
    Status(FleetStatusArgs),
}

/// `jarvis fleet status`.
#[derive(Debug, Args)]
pub(crate) struct FleetStatusArgs {
    /// Prometheus' address.
    #[arg(
        long,
        env = "JARVIS_PROMETHEUS_URL",
        default_value = "http://127.0.0.1:9090"
    )]
    pub(crate) prometheus: String,
    /// List every target of jobs matching this regex, even one that never exposed miner
    /// metrics [default: targets that exposed miner metrics in the last hour].
    #[arg(long)]
    pub(crate) job: Option<String>,
    /// Print machine-readable JSON.
    #[arg(long)]
    pub(crate) json: bool,
}
