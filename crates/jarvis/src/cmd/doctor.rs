//! `jarvis mine doctor`.

use std::process::ExitCode;

use jarvis_core::hardware::HardwareInfo;
use jarvis_doctor::{DoctorInputs, run_doctor};
use jarvis_mining::check::DoctorTimeouts;

use super::{Ctx, verdict};
use crate::views;

pub(crate) async fn run(ctx: &Ctx, json: bool) -> anyhow::Result<ExitCode> {
    let config = ctx.load_config().map(|c| c.and_then(|c| c.mining));
    let hardware = tokio::task::spawn_blocking(HardwareInfo::detect).await?;
    let env = |key: &str| std::env::var(key).ok();
    let config_path = ctx.home.config_path();
    let report = run_doctor(DoctorInputs {
        home: &ctx.home,
        config_path: &config_path,
        config: &config,
        hardware,
        registry: &ctx.registry,
        env: &env,
        timeouts: DoctorTimeouts::default(),
    })
    .await;
    ctx.out
        .json_if(json)
        .emit(&report, || views::doctor::report(&report))?;
    Ok(verdict(report.passed))
}
