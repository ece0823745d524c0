//! `jarvis fleet status`: every miner Prometheus scrapes, asked through `jarvis-fleet`; this
//! module only renders.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use jarvis_fleet::{DEFAULT_TIMEOUT, Prometheus, Selection};

use super::Ctx;
use crate::views;

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

pub(crate) async fn run(ctx: &Ctx, command: &FleetCommand) -> anyhow::Result<ExitCode> {
    let FleetCommand::Status(args) = command;
    let out = ctx.out.json_if(args.json);
    let prometheus = Prometheus::new(&args.prometheus, DEFAULT_TIMEOUT)?;
    let selection = Selection {
        job: args.job.clone(),
    };
    let report = jarvis_fleet::status(&prometheus, &selection).await?;
    out.emit(&report, || views::fleet::status(&report))?;
    Ok(ExitCode::SUCCESS)
}
