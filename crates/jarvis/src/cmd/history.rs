//! `jarvis mine history` and `jarvis mine report`: what happened while you were away, from
//! the samples in `$OPENJARVIS_HOME/telemetry/mining.sqlite`.

use std::process::ExitCode;
use std::time::Duration;

use jarvis_core::time::unix_now;
use jarvis_telemetry::history::{
    DEFAULT_SAMPLE_INTERVAL_S, HistoryStore, HistorySummary, Sample, summarize,
};
use serde::Serialize;

use super::Ctx;
use crate::cli::{HistoryArgs, ReportArgs};
use crate::output::error::hinted;
use crate::output::format::utc_minute;
use crate::views;
use crate::views::chart::{ChartData, ChartFormat, render_file};

/// The configured sample interval, or the default when the config cannot be read.
fn sample_interval_s(ctx: &Ctx) -> f64 {
    let configured = ctx
        .load_config()
        .ok()
        .flatten()
        .and_then(|c| c.mining)
        .map(|m| m.extra.sample_interval_s);
    f64::from(configured.unwrap_or(DEFAULT_SAMPLE_INTERVAL_S).max(1))
}

/// Samples since `since` ago, with an error that says where history comes from.
fn load_samples(ctx: &Ctx, since: Duration) -> anyhow::Result<(f64, Vec<Sample>)> {
    let path = ctx.home.mining_history_path();
    if !path.exists() {
        return Err(hinted(
            format!("no mining history yet: {} does not exist", path.display()),
            "`jarvis mine start` records a sample every [mining.extra].sample_interval_s seconds \
             while mining",
        ));
    }
    let from = unix_now() - since.as_secs_f64();
    let store = HistoryStore::open(&path)?;
    Ok((from, store.samples(from)?))
}

#[derive(Serialize)]
struct HistoryReport<'a> {
    since: f64,
    sample_interval_s: f64,
    providers: Vec<String>,
    #[serde(flatten)]
    summary: &'a HistorySummary,
}

/// `jarvis mine history`.
pub(crate) fn history(ctx: &Ctx, args: &HistoryArgs) -> anyhow::Result<ExitCode> {
    let (from, samples) = load_samples(ctx, args.since)?;
    let interval = sample_interval_s(ctx);
    let summary = summarize(&samples, interval);
    let mut providers: Vec<String> = Vec::new();
    for s in &samples {
        if !providers.contains(&s.provider) {
            providers.push(s.provider.clone());
        }
    }
    let report = HistoryReport {
        since: from,
        sample_interval_s: interval,
        providers,
        summary: &summary,
    };
    ctx.out.json_if(args.json).emit(&report, || {
        views::history::summary(&summary, from, &report.providers)
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `jarvis mine report`.
pub(crate) fn report(ctx: &Ctx, args: &ReportArgs) -> anyhow::Result<ExitCode> {
    ChartFormat::for_path(&args.output)?;
    let (from, samples) = load_samples(ctx, args.since)?;
    let summary = summarize(&samples, sample_interval_s(ctx));
    let Some(data) = ChartData::from_summary(&summary) else {
        anyhow::bail!(
            "not enough mining history since {} to draw a chart (need two samples, found {})",
            utc_minute(from),
            summary.samples
        );
    };
    render_file(&args.output, &data, (args.width, args.height))?;
    let written = serde_json::json!({
        "output": args.output,
        "samples": summary.samples,
        "width": args.width,
        "height": args.height,
    });
    ctx.out.json_if(args.json).emit(&written, || {
        views::history::chart_written(&args.output, summary.samples)
    })?;
    Ok(ExitCode::SUCCESS)
}
