//! History math: per-interval rates from cumulative counters, totals, uptime and restarts.
//!
//! Counters restart from zero when the miner restarts: a counter that goes down is a reset and
//! its new value is what was counted since. An interval longer than three sample intervals is a
//! gap: nobody was sampling, so it counts as downtime and gets no rate.

use serde::Serialize;

use super::sample::Sample;

/// Gaps longer than this many sample intervals count as downtime.
const GAP_FACTOR: f64 = 3.0;

/// What happened between two consecutive samples.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntervalRate {
    /// Unix time of the earlier sample.
    pub start: f64,
    /// Unix time of the later sample.
    pub end: f64,
    /// A sampling gap, or the gateway was down at the end of the interval.
    pub downtime: bool,
    /// Some counter went down: the miner restarted during the interval.
    pub counter_reset: bool,
    /// MAC/s; `None` when unknown or in downtime.
    pub mac_per_s: Option<f64>,
    /// vLLM tokens/s; `None` when unknown or in downtime.
    pub tokens_per_s: Option<f64>,
    /// Proofs found in the interval.
    pub proofs_found: Option<u64>,
    /// Proofs submitted in the interval.
    pub proofs_submitted: Option<u64>,
    /// Submit errors in the interval.
    pub submit_errors: Option<u64>,
    /// Supervisor restarts in the interval.
    pub restarts: Option<u64>,
    /// Template height at the end of the interval.
    pub template_height: Option<u64>,
}

/// Sums over the whole span; `None` when no interval knew the counter.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    /// Multiply-accumulates.
    pub macs: Option<u64>,
    /// GEMM tiles.
    pub tiles: Option<u64>,
    /// Proofs found.
    pub proofs_found: Option<u64>,
    /// Proofs submitted.
    pub proofs_submitted: Option<u64>,
    /// Submit errors.
    pub submit_errors: Option<u64>,
    /// Blocks pearld accepted (from the gateway's log).
    pub blocks_accepted: Option<u64>,
    /// vLLM requests.
    pub vllm_requests: Option<u64>,
    /// vLLM tokens.
    pub vllm_tokens: Option<u64>,
}

/// The history of a span, summarised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistorySummary {
    /// Time of the first usable sample.
    pub from: Option<f64>,
    /// Time of the last usable sample.
    pub to: Option<f64>,
    /// Usable samples (finite timestamps).
    pub samples: usize,
    /// One entry per pair of consecutive samples.
    pub intervals: Vec<IntervalRate>,
    /// Sums over all intervals.
    pub totals: Totals,
    /// Seconds not in downtime divided by the span, in percent; `None` for an empty span.
    pub uptime_pct: Option<f64>,
    /// Seconds of downtime.
    pub downtime_s: f64,
    /// Supervisor restarts (from the restarts counter) plus counter resets it did not explain.
    pub restarts: u64,
    /// Average MAC/s over the time up; `None` when unknown.
    pub mean_mac_per_s: Option<f64>,
    /// Template height of the newest sample that knew it.
    pub latest_template_height: Option<u64>,
}

/// Summarises `samples` (any order; non-finite timestamps are ignored) taken every
/// `sample_interval_s` seconds.
pub fn summarize(samples: &[Sample], sample_interval_s: f64) -> HistorySummary {
    let mut usable: Vec<&Sample> = samples.iter().filter(|s| s.at.is_finite()).collect();
    usable.sort_by(|a, b| a.at.total_cmp(&b.at));
    let gap = GAP_FACTOR * sample_interval_s.max(f64::MIN_POSITIVE);
    let pairs: Vec<(&Sample, &Sample)> = usable
        .iter()
        .copied()
        .zip(usable.iter().skip(1).copied())
        .collect();
    let intervals: Vec<IntervalRate> = pairs.iter().map(|&(a, b)| interval(a, b, gap)).collect();

    let mut totals = Totals::default();
    let (mut up_s, mut down_s, mut up_macs) = (0.0_f64, 0.0_f64, None::<u64>);
    let mut restarts = 0_u64;
    for (&(a, b), i) in pairs.iter().zip(&intervals) {
        let macs = delta(a.mac_total, b.mac_total).0;
        add(&mut totals.macs, macs);
        add(&mut totals.tiles, delta(a.tiles_total, b.tiles_total).0);
        add(&mut totals.proofs_found, i.proofs_found);
        add(&mut totals.proofs_submitted, i.proofs_submitted);
        add(&mut totals.submit_errors, i.submit_errors);
        add(
            &mut totals.blocks_accepted,
            delta(a.blocks_accepted, b.blocks_accepted).0,
        );
        add(
            &mut totals.vllm_requests,
            delta(a.vllm_requests_total, b.vllm_requests_total).0,
        );
        add(
            &mut totals.vllm_tokens,
            delta(a.vllm_tokens_total, b.vllm_tokens_total).0,
        );
        if i.downtime {
            down_s += i.end - i.start;
        } else {
            up_s += i.end - i.start;
            add(&mut up_macs, macs);
        }
        let counted = i.restarts.unwrap_or(0);
        // A reset the supervisor's counter does not show is a restart it did not see.
        restarts = restarts.saturating_add(if i.counter_reset && counted == 0 {
            1
        } else {
            counted
        });
    }
    let span = up_s + down_s;
    HistorySummary {
        from: usable.first().map(|s| s.at),
        to: usable.last().map(|s| s.at),
        samples: usable.len(),
        uptime_pct: (span > 0.0).then(|| (up_s / span * 100.0).clamp(0.0, 100.0)),
        downtime_s: down_s,
        restarts,
        mean_mac_per_s: up_macs.filter(|_| up_s > 0.0).map(|m| m as f64 / up_s),
        latest_template_height: usable.iter().rev().find_map(|s| s.template_height),
        intervals,
        totals,
    }
}

fn interval(a: &Sample, b: &Sample, gap: f64) -> IntervalRate {
    let dt = b.at - a.at;
    let downtime = dt > gap || b.gateway_up == Some(false);
    let pairs = [
        (a.mac_total, b.mac_total),
        (a.tiles_total, b.tiles_total),
        (a.proofs_found, b.proofs_found),
        (a.proofs_submitted, b.proofs_submitted),
        (a.submit_errors, b.submit_errors),
        (a.blocks_accepted, b.blocks_accepted),
        (a.vllm_requests_total, b.vllm_requests_total),
        (a.vllm_tokens_total, b.vllm_tokens_total),
    ];
    let counter_reset = pairs.iter().any(|&(x, y)| delta(x, y).1);
    let rate = |d: Option<u64>| d.filter(|_| !downtime && dt > 0.0).map(|n| n as f64 / dt);
    IntervalRate {
        start: a.at,
        end: b.at,
        downtime,
        counter_reset,
        mac_per_s: rate(delta(a.mac_total, b.mac_total).0),
        tokens_per_s: rate(delta(a.vllm_tokens_total, b.vllm_tokens_total).0),
        proofs_found: delta(a.proofs_found, b.proofs_found).0,
        proofs_submitted: delta(a.proofs_submitted, b.proofs_submitted).0,
        submit_errors: delta(a.submit_errors, b.submit_errors).0,
        restarts: delta(a.restarts, b.restarts).0,
        template_height: b.template_height,
    }
}

/// Growth of a counter between two samples and whether it was reset (went down).
fn delta(before: Option<u64>, after: Option<u64>) -> (Option<u64>, bool) {
    match (before, after) {
        (Some(x), Some(y)) if y >= x => (Some(y - x), false),
        (Some(_), Some(y)) => (Some(y), true),
        _ => (None, false),
    }
}

fn add(total: &mut Option<u64>, value: Option<u64>) {
    if let Some(v) = value {
        *total = Some(total.unwrap_or(0).saturating_add(v));
    }
}

#[cfg(test)]
mod tests {
    use super::delta;

    #[test]
    fn delta_counts_a_reset_from_zero() {
        assert_eq!(delta(Some(10), Some(15)), (Some(5), false));
        assert_eq!(delta(Some(10), Some(3)), (Some(3), true));
        assert_eq!(delta(None, Some(3)), (None, false));
        assert_eq!(delta(Some(3), None), (None, false));
    }
}
