//! `jarvis mine history` and `jarvis mine report`: totals since a time, then the intervals
//! merged into at most [`TABLE_ROWS`] rows.

use std::path::Path;

use jarvis_telemetry::history::HistorySummary;

use crate::output::format::{
    count, duration, mac_rate, or_unknown, percent, si, utc_minute, utc_tick,
};
use crate::output::{Doc, Pairs, Table};

/// Rows in the human history table.
pub(crate) const TABLE_ROWS: usize = 24;

/// The history since `from` of `providers`.
pub(crate) fn summary(summary: &HistorySummary, from: f64, providers: &[String]) -> Doc {
    let mut doc = Doc::new();
    if summary.samples == 0 {
        doc.line(format!("No mining samples since {}.", utc_minute(from)));
        return doc;
    }
    let totals = &summary.totals;
    let mut rows = Pairs::new(0)
        .min_column(20)
        .row(
            "since",
            format!("{} ({})", utc_minute(from), samples(summary.samples)),
        )
        .row("provider", providers.join(", "))
        .row(
            "uptime",
            match summary.uptime_pct {
                Some(p) => format!("{} (down {})", percent(p), duration(summary.downtime_s)),
                None => "unknown (one sample)".to_owned(),
            },
        )
        .row("restarts", count(Some(summary.restarts)))
        .row("mean hashrate", mac_rate(summary.mean_mac_per_s))
        .row(
            "MACs",
            totals
                .macs
                .map_or_else(|| or_unknown::<u64>(None), |m| si(m as f64, "MAC")),
        )
        .row("proofs found", count(totals.proofs_found))
        .row("proofs submitted", count(totals.proofs_submitted))
        .row("submit errors", count(totals.submit_errors))
        .row("blocks accepted", count(totals.blocks_accepted));
    if totals.vllm_tokens.is_some() {
        rows.push("vLLM requests", count(totals.vllm_requests));
        rows.push("vLLM tokens", count(totals.vllm_tokens));
    }
    rows.push(
        "template height",
        or_unknown(summary.latest_template_height),
    );

    let mut table = Table::new(0, &["from (UTC)", "hashrate", "proofs", "restarts", "down"])
        .right(&[1, 2, 3, 4]);
    for b in buckets(summary, TABLE_ROWS) {
        table.row(vec![
            utc_tick(b.start),
            mac_rate(b.mac_per_s),
            count(b.proofs),
            count(Some(b.restarts)),
            percent(b.down_pct),
        ]);
    }
    doc.pairs(rows);
    if !summary.intervals.is_empty() {
        doc.blank().table(table);
    }
    doc
}

/// `1 sample`, `240 samples`.
fn samples(n: usize) -> String {
    let noun = if n == 1 { "sample" } else { "samples" };
    format!("{} {noun}", count(Some(n as u64)))
}

/// What `jarvis mine report` wrote.
pub(crate) fn chart_written(path: &Path, sample_count: usize) -> Doc {
    let mut doc = Doc::new();
    doc.line(format!(
        "Wrote {} ({}).",
        path.display(),
        samples(sample_count)
    ));
    doc
}

/// One row of the table: a stretch of intervals merged.
#[derive(Debug, Clone, PartialEq)]
struct Bucket {
    start: f64,
    mac_per_s: Option<f64>,
    /// Proofs found; unknown when no interval in the stretch knew.
    proofs: Option<u64>,
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
                proofs: None,
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
        if let Some(found) = i.proofs_found {
            b.proofs = Some(b.proofs.unwrap_or(0) + found);
        }
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

#[cfg(test)]
mod tests {
    use jarvis_telemetry::history::{Sample, summarize};

    use super::*;
    use crate::views::plain;

    const T0: f64 = 1_714_867_500.0;

    /// Two hours of 30 s samples: a restart, a gap, proofs now and then.
    fn samples(vllm: bool) -> Vec<Sample> {
        let mut out = Vec::new();
        let mut macs = 0_u64;
        for k in 0..240_u64 {
            let at = T0 + (k * 30 + if k >= 120 { 900 } else { 0 }) as f64;
            macs = if k == 180 {
                1_000_000
            } else {
                macs + 7_242_000_000_000
            };
            let mut s = Sample::new(at, if vllm { "vllm-pearl" } else { "cpu-pearl" });
            s.mac_total = Some(macs);
            s.proofs_found = Some(k / 40);
            s.proofs_submitted = Some(k / 40);
            s.submit_errors = Some(0);
            s.blocks_accepted = Some(k / 80);
            s.template_height = Some(4242 + k / 20);
            if vllm {
                s.vllm_requests_total = Some(k * 3);
                s.vllm_tokens_total = Some(k * 1500);
            }
            out.push(s);
        }
        out
    }

    #[test]
    fn two_hours_with_a_gap_and_a_restart() {
        let summary = summarize(&samples(false), 30.0);
        insta::assert_snapshot!(plain(&super::summary(
            &summary,
            T0 - 60.0,
            &["cpu-pearl".to_owned()]
        )));
    }

    #[test]
    fn vllm_history_adds_inference_totals() {
        let summary = summarize(&samples(true), 30.0);
        let text = plain(&super::summary(&summary, T0, &["vllm-pearl".to_owned()]));
        assert!(text.contains("vLLM tokens:        358 500\n"), "{text}");
        assert!(text.contains("vLLM requests:      717\n"), "{text}");
    }

    #[test]
    fn report_written() {
        insta::assert_snapshot!(plain(&chart_written(
            Path::new("/home/me/hashrate.png"),
            2_880
        )));
    }

    #[test]
    fn one_sample_and_none() {
        let one = summarize(&samples(false)[..1], 30.0);
        insta::assert_snapshot!(plain(&super::summary(&one, T0, &["cpu-pearl".to_owned()])));
        let none = summarize(&[], 30.0);
        assert_eq!(
            plain(&super::summary(&none, T0, &[])),
            "No mining samples since 2024-05-05 00:05 UTC.\n"
        );
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
        assert_eq!(rows[0].proofs, Some(3));
        let rate = rows[0].mac_per_s.expect("rate");
        assert!((rate - 1500.0 / 90.0).abs() < 1e-9, "{rate}");
    }

    #[test]
    fn unknown_proofs_stay_unknown_in_the_table() {
        let samples: Vec<Sample> = (0_u32..4)
            .map(|k| {
                let mut s = Sample::new(f64::from(k) * 30.0, "vllm-pearl");
                s.mac_total = Some(u64::from(k) * 1000);
                s
            })
            .collect();
        let summary = summarize(&samples, 30.0);
        assert_eq!(buckets(&summary, 1)[0].proofs, None);
        let text = plain(&super::summary(&summary, 0.0, &["vllm-pearl".to_owned()]));
        assert!(text.contains("proofs found:       unknown"), "{text}");
    }
}
