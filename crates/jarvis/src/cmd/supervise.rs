//! `jarvis mine supervise [--provider ID]` (hidden): a provider's background process, the one
//! `mine start` launches detached through [`crate::cli::SUPERVISE`] (cpu-pearl's supervisor,
//! vllm-pearl's history sampler). Generic: it runs whatever daemon the provider's registry
//! entry names. Its stdout/stderr go to the provider's log under `logs/mining/`.

use std::process::ExitCode;

use anyhow::bail;
use jarvis_mining::MiningConfig;
use jarvis_mining::daemon::DaemonContext;
use jarvis_mining::session::LockHandle;

use super::Ctx;
use crate::cli::SuperviseArgs;

pub(crate) async fn run(ctx: &Ctx, args: &SuperviseArgs) -> anyhow::Result<ExitCode> {
    let section = super::session::mining_section(ctx)?;
    let id = args.provider.as_deref().unwrap_or(&section.provider);
    if id != section.provider {
        bail!(
            "[mining].provider in {} is '{}', not '{id}'; run `jarvis mine start` to start the configured provider",
            ctx.home.config_path().display(),
            section.provider
        );
    }
    let descriptor = ctx.registry.require(id)?;
    let Some(daemon) = descriptor.daemon else {
        bail!("{id} runs no background process of its own; use `jarvis mine start`");
    };
    let cx = DaemonContext {
        home: ctx.home.clone(),
        lock: LockHandle::none(),
    };
    daemon(&cx, &MiningConfig::from_section(&section)?).await?;
    Ok(ExitCode::SUCCESS)
}
