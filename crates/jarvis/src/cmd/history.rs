//! `jarvis mine history` and `jarvis mine report`: what happened while you were away, from
//! the samples in `$OPENJARVIS_HOME/telemetry/mining.sqlite`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use jarvis_core::time::unix_now;
use jarvis_telemetry::history::{
    DEFAULT_SAMPLE_INTERVAL_S, HistoryStore, HistorySummary, Sample, summarize,
};
use serde::Serialize;

use super::Ctx;
use crate::output::error::hinted;
use crate::output::format::utc_minute;
use crate::views;
use crate::views::chart::{ChartData, ChartFormat, render_file};

/// `jarvis mine history` flags.
#[derive(Debug, Args)]
pub(crate) struct HistoryArgs {
    /// How far back to look: 90s, 30m, 24h, 7d, 2w.
    #[arg(long, default_value = "24h", value_parser = parse_span)]
    pub(crate) since: Duration,
    /// Print machine-readable JSON (every interval).
    #[arg(long)]
    pub(crate) json: bool,
}

/// `jarvis mine report` flags.
#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// How far back to chart: 90s, 30m, 24h, 7d, 2w.
    #[arg(long, default_value = "7d", value_parser = parse_span)]
    pub(crate) since: Duration,
    /// Chart file to write; `.png` or `.svg`.
    #[arg(short, long)]
    pub(crate) output: PathBuf,
    /// Width in pixels.
    #[arg(long, default_value_t = 1200, value_parser = clap::value_parser!(u32).range(200..=8000))]
    pub(crate) width: u32,
    /// Height in pixels.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(150..=8000))]
    pub(crate) height: u32,
    /// Print the result as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Parses `90s`, `30m`, `24h`, `7d`, `2w` or plain seconds into a duration.
pub(crate) fn parse_span(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration; use e.g. 90s, 30m, 24h, 7d"))?;
    let scale = match unit {
        "" | "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        "w" => 604_800.0,
        _ => {
            return Err(format!(
                "'{text}': unknown unit '{unit}'; use s, m, h, d or w"
            ));
        }
    };
    let seconds = value * scale;
    if !seconds.is_finite() || seconds <= 0.0 || seconds > 3650.0 * 86_400.0 {
        return Err(format!("'{text}' must be more than 0 and at most 10 years"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn spans_parse_with_units() {
        assert_eq!(parse_span("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_span("24h"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_span("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_span("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_span("0.5s"), Ok(Duration::from_millis(500)));
        assert!(parse_span("0s").is_err());
        assert!(parse_span("5y").unwrap_err().contains("unknown unit"));
        assert!(parse_span("").is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
        #[test]
        fn parse_span_never_panics(text in ".{0,12}") {
            let _ = parse_span(&text);
        }
    }
}
