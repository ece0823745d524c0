//! `jarvis fleet status`: every miner Prometheus scrapes, asked through `jarvis-fleet`; this
//! module only renders.

use std::process::ExitCode;

use jarvis_fleet::{DEFAULT_TIMEOUT, Prometheus, Selection};

use super::Ctx;
use crate::cli::FleetCommand;
use crate::views;

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
