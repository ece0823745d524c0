//! `jarvis mine history` and `jarvis mine report`: what happened while you were away, from
//! the samples in `$OPENJARVIS_HOME/telemetry/mining.sqlite`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::bail;
use clap::Args;
use jarvis_core::time::{UtcTime, unix_now};
use jarvis_mining::history::{
    DEFAULT_RETENTION_DAYS, DEFAULT_SAMPLE_INTERVAL_S, HistoryStore, HistorySummary, Sample,
    summarize,
};
use serde::Serialize;

use super::Ctx;
use super::chart::{ChartData, render_file};
use crate::render;

/// Rows in the human history table.
const TABLE_ROWS: usize = 24;

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
pub(crate) fn sample_interval_s(ctx: &Ctx) -> f64 {
    let configured = ctx
        .load_config()
        .ok()
        .flatten()
        .and_then(|c| c.mining)
        .map(|m| m.extra.sample_interval_s);
    f64::from(configured.unwrap_or(DEFAULT_SAMPLE_INTERVAL_S).max(1))
}

/// The configured history retention, or the default when the config cannot be read.
pub(crate) fn retention(ctx: &Ctx) -> Duration {
    let configured = ctx
        .load_config()
        .ok()
        .flatten()
        .and_then(|c| c.mining)
        .map(|m| m.extra.history_retention_days);
    Duration::from_secs(u64::from(configured.unwrap_or(DEFAULT_RETENTION_DAYS).max(1)) * 86_400)
}

/// Samples since `since` ago, with an error that says where history comes from.
fn load_samples(ctx: &Ctx, since: Duration) -> anyhow::Result<(f64, Vec<Sample>)> {
    let path = ctx.home.mining_history_path();
    if !path.exists() {
        bail!(
            "no mining history yet: {} does not exist. `jarvis mine start` records a sample every \
             [mining.extra].sample_interval_s seconds while mining",
            path.display()
        );
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
    if args.json {
        render::json(&HistoryReport {
            since: from,
            sample_interval_s: interval,
            providers,
            summary: &summary,
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    if summary.samples == 0 {
        render::line(&format!(
            "No mining samples since {} UTC.",
            utc_minutes(from)
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let show = |v: Option<u64>| v.map_or_else(|| "unknown".to_owned(), |n| n.to_string());
    let row = |k: &str, v: String| render::line(&format!("{k:<20}{v}"));
    row(
        "since:",
        format!("{} UTC ({} samples)", utc_minutes(from), summary.samples),
    );
    row("provider:", providers.join(", "));
    row(
        "uptime:",
        match summary.uptime_pct {
            Some(p) => format!("{p:.1} % (down {})", human_duration(summary.downtime_s)),
            None => "unknown (one sample)".to_owned(),
        },
    );
    row("restarts:", summary.restarts.to_string());
    row(
        "mean hashrate:",
        summary
            .mean_mac_per_s
            .map_or_else(|| "unknown".to_owned(), |r| format!("{}MAC/s", si(r))),
    );
    row(
        "MACs:",
        summary
            .totals
            .macs
            .map_or_else(|| "unknown".to_owned(), |m| si(m as f64)),
    );
    row("proofs found:", show(summary.totals.proofs_found));
    row("proofs submitted:", show(summary.totals.proofs_submitted));
    row("submit errors:", show(summary.totals.submit_errors));
    if summary.totals.vllm_tokens.is_some() {
        row("vLLM requests:", show(summary.totals.vllm_requests));
        row("vLLM tokens:", show(summary.totals.vllm_tokens));
    }
    row("template height:", show(summary.latest_template_height));
    render::line("");
    render::line(&format!(
        "{:<18}{:>14}{:>8}{:>10}{:>8}",
        "from (UTC)", "MAC/s", "proofs", "restarts", "down"
    ));
    for b in buckets(&summary, TABLE_ROWS) {
        let rate = b.mac_per_s.map_or_else(|| "-".to_owned(), si);
        let down = format!("{:.0}%", b.down_pct);
        render::line(&format!(
            "{:<18}{rate:>14}{:>8}{:>10}{down:>8}",
            utc_minutes(b.start),
            b.proofs,
            b.restarts
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// `jarvis mine report`.
pub(crate) fn report(ctx: &Ctx, args: &ReportArgs) -> anyhow::Result<ExitCode> {
    super::chart::ChartFormat::for_path(&args.output)?;
    let (from, samples) = load_samples(ctx, args.since)?;
    let summary = summarize(&samples, sample_interval_s(ctx));
    let Some(data) = ChartData::from_summary(&summary) else {
        bail!(
            "not enough mining history since {} UTC to draw a chart (need two samples, found {})",
            utc_minutes(from),
            summary.samples
        );
    };
    render_file(&args.output, &data, (args.width, args.height))?;
    if args.json {
        render::json(&serde_json::json!({
            "output": args.output,
            "samples": summary.samples,
            "width": args.width,
            "height": args.height,
        }))?;
    } else {
        render::line(&format!(
            "Wrote {} ({} samples).",
            args.output.display(),
            summary.samples
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// One row of the human table: a stretch of intervals merged.
#[derive(Debug, Clone, PartialEq)]
struct Bucket {
    start: f64,
    mac_per_s: Option<f64>,
    proofs: u64,
    restarts: u64,
    down_pct: f64,
}

/// Merges the summary's intervals into at most `rows` equal stretches of time.
fn buckets(summary: &HistorySummary, rows: usize) -> Vec<Bucket> {
    let (Some(from), Some(to)) = (summary.from, summary.to) else {
        return Vec::new();
    };
    let width = ((to - from) / rows.max(1) as f64).max(1.0);
    let mut out: Vec<(Bucket, f64, f64, f64)> = Vec::new();
    for i in &summary.intervals {
        let slot = ((i.start - from) / width).floor().max(0.0) as usize;
        let start = from + slot as f64 * width;
        if out.last().is_none_or(|(b, ..)| b.start != start) {
            let bucket = Bucket {
                start,
                mac_per_s: None,
                proofs: 0,
                restarts: 0,
                down_pct: 0.0,
            };
            out.push((bucket, 0.0, 0.0, 0.0));
        }
        let Some((b, weighted, up, down)) = out.last_mut() else {
            continue;
        };
        let dt = i.end - i.start;
        if let Some(rate) = i.mac_per_s {
            *weighted += rate * dt;
            *up += dt;
        }
        if i.downtime {
            *down += dt;
        }
        b.proofs += i.proofs_found.unwrap_or(0);
        b.restarts += i.restarts.unwrap_or(0).max(u64::from(i.counter_reset));
    }
    out.into_iter()
        .map(|(mut b, weighted, up, down)| {
            b.mac_per_s = (up > 0.0).then(|| weighted / up);
            let total = up + down;
            b.down_pct = if total > 0.0 {
                down / total * 100.0
            } else {
                0.0
            };
            b
        })
        .collect()
}

/// `1.23 G` style numbers (SI prefixes, three significant digits).
pub(crate) fn si(value: f64) -> String {
    const PREFIXES: [(f64, &str); 6] = [
        (1e18, "E"),
        (1e15, "P"),
        (1e12, "T"),
        (1e9, "G"),
        (1e6, "M"),
        (1e3, "k"),
    ];
    for (scale, prefix) in PREFIXES {
        if value.abs() >= scale {
            return format!("{:.2} {prefix}", value / scale);
        }
    }
    format!("{value:.1} ")
}

/// `3h 12m` style durations.
fn human_duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {}s", s / 60, s % 60),
        3600..86_400 => format!("{}h {}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d {}h", s / 86_400, s % 86_400 / 3600),
    }
}

/// `YYYY-MM-DD HH:MM` in UTC for a unix time.
pub(crate) fn utc_minutes(unix: f64) -> String {
    if !unix.is_finite() {
        return "?".to_owned();
    }
    let t = UtcTime::from_unix(unix.floor() as i64);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year, t.month, t.day, t.hour, t.minute
    )
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

    #[test]
    fn utc_formats_known_dates() {
        assert_eq!(utc_minutes(0.0), "1970-01-01 00:00");
        assert_eq!(utc_minutes(1_714_867_500.0), "2024-05-05 00:05");
        assert_eq!(utc_minutes(951_782_400.0), "2000-02-29 00:00");
    }

    #[test]
    fn buckets_merge_intervals_and_weight_rates_by_time() {
        let mut samples = Vec::new();
        for (k, macs) in [0_u64, 300, 600, 1500].into_iter().enumerate() {
            let mut s = Sample::new(k as f64 * 30.0, "cpu-pearl");
            s.mac_total = Some(macs);
            s.proofs_found = Some(k as u64);
            samples.push(s);
        }
        let summary = summarize(&samples, 30.0);
        let rows = buckets(&summary, 1);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].proofs, 3);
        let rate = rows[0].mac_per_s.expect("rate");
        assert!((rate - 1500.0 / 90.0).abs() < 1e-9, "{rate}");
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
        #[test]
        fn parse_span_never_panics(text in ".{0,12}") {
            let _ = parse_span(&text);
        }
        #[test]
        fn utc_never_panics(t in any::<f64>()) {
            let _ = utc_minutes(t);
        }
    }
}
