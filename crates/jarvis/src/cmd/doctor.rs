//! `jarvis mine doctor`.

use std::process::ExitCode;

use jarvis_core::hardware::HardwareInfo;
use jarvis_mining::doctor::{
    DoctorInputs, DoctorReport, DoctorTimeouts, Group, Status, run_doctor,
};

use super::{Ctx, verdict};
use crate::render;

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
    if json {
        render::json(&report)?;
    } else {
        print_report(&report);
    }
    Ok(verdict(report.passed))
}

fn print_report(report: &DoctorReport) {
    render::line("Pearl Mining Doctor");
    let provider = report
        .configured_provider
        .as_deref()
        .unwrap_or("none configured");
    render::line(&format!(
        "  config: {} (provider: {provider})",
        report.config_path.display()
    ));
    let mut group: Option<Group> = None;
    for row in &report.rows {
        if group != Some(row.group) {
            if group == Some(Group::ProviderCapability) {
                print_providers(report);
            }
            group = Some(row.group);
            render::line("");
            render::line(row.group.title());
        }
        render::check_row(
            &row.name,
            row.status.marker(),
            &row.info,
            row.fix.as_deref(),
        );
    }
    render::line("");
    let failed: Vec<&str> = report
        .rows
        .iter()
        .filter(|r| r.status == Status::Fail)
        .map(|r| r.name.as_str())
        .collect();
    if report.passed {
        render::line(&format!(
            "Ready to mine with {provider}. Next: `jarvis mine start`."
        ));
    } else if report.configured_provider.is_none() {
        render::line("Not configured: run `jarvis mine init`, then `jarvis mine doctor` again.");
    } else if failed.is_empty() {
        render::line(&format!(
            "{provider} is not supported on this host (see Provider capability)."
        ));
    } else {
        render::line(&format!(
            "{} check(s) failed ({}): fix the FAIL rows, then run `jarvis mine doctor` again.",
            failed.len(),
            failed.join(", ")
        ));
    }
}

fn print_providers(report: &DoctorReport) {
    for p in &report.providers {
        let configured = if p.configured { " (configured)" } else { "" };
        let verdict = if p.supported {
            format!("SUPPORTED{configured}")
        } else {
            format!(
                "UNSUPPORTED - {}{configured}",
                p.reason.as_deref().unwrap_or("no reason given")
            )
        };
        let indent = 2 + 22 + 1;
        for (i, chunk) in render::wrap(&verdict, render::WIDTH - indent)
            .into_iter()
            .enumerate()
        {
            if i == 0 {
                render::line(&format!("  {:<22} {chunk}", p.id));
            } else {
                render::line(&format!("{:indent$}{chunk}", ""));
            }
        }
    }
}
