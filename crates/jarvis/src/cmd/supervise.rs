//! `jarvis mine supervise` (hidden): the cpu-pearl supervisor process that `mine start`
//! launches detached. Its stdout/stderr go to `logs/mining/supervisor.log`.

use std::process::ExitCode;

use anyhow::bail;
use jarvis_cpu_pearl as cpu_pearl;
use jarvis_mining::MiningConfig;

use super::Ctx;

/// Arguments of `mine supervise` (none yet: everything comes from config.toml).
#[derive(Debug, clap::Args)]
pub(crate) struct SuperviseArgs {}

pub(crate) async fn run(ctx: &Ctx, _args: &SuperviseArgs) -> anyhow::Result<ExitCode> {
    let section = super::session::mining_section(ctx)?;
    if section.provider != cpu_pearl::ID {
        bail!(
            "`jarvis mine supervise` runs the cpu-pearl supervisor, but [mining].provider is '{}'; use `jarvis mine start`",
            section.provider
        );
    }
    cpu_pearl::run_supervisor(&ctx.home, &MiningConfig::from_section(&section)?).await?;
    Ok(ExitCode::SUCCESS)
}
