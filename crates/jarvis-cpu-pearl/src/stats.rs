//! `mine status` for cpu-pearl: scrape the supervisor's `/metrics` into `MiningStats`.

use std::time::Duration;

use jarvis_core::time::unix_now;
use jarvis_mining::session::{Session, SessionState};
use jarvis_mining::stats::{Detail, HashrateWindows, MiningStats};
use jarvis_telemetry::names as n;
use jarvis_telemetry::{PromText, fetch_metrics, parse_prometheus};
use pearl_miner::{Kernel, KernelChoice};

use super::ID;

/// Stats of the session: the sidecar's facts plus a scrape of its `metrics_url`.
pub(super) async fn stats_for(session: &Session) -> MiningStats {
    let mut stats = MiningStats::unknown(ID);
    let Some(sidecar) = session.sidecar() else {
        return stats;
    };
    let section = sidecar.supervisor.as_ref();
    let details = &mut stats.details;
    details.insert(
        "supervisor",
        section.map_or_else(
            || Detail::unknown("the sidecar records no supervisor state"),
            |s| Detail::text(s.state.as_str()),
        ),
    );
    if let Some(url) = &sidecar.gateway_url {
        details.insert("gateway_url", Detail::text(url));
    }
    if let Some(pid) = sidecar.gateway_pid {
        details.insert("gateway_pid", Detail::Number(Some(u64::from(pid))));
    }
    // The supervisor's miner takes `KernelChoice::Auto`, which resolves the same way for
    // every process on this CPU: the kernel it mines with.
    if let Ok(kernel) = Kernel::resolve(KernelChoice::Auto) {
        details.insert("kernel", Detail::text(kernel.name()));
    }
    if let Some(error) = section.and_then(|s| s.last_error.as_deref()) {
        stats.last_error = Some(error.to_owned());
    }
    if matches!(session.state, SessionState::Stale { .. }) {
        return stats;
    }
    let Some(url) = sidecar.metrics_url.clone() else {
        return stats;
    };
    stats.details.insert("metrics_url", Detail::text(&url));
    match fetch_metrics(&url, Duration::from_secs(2)).await {
        Ok(text) => stats_from_metrics(&parse_prometheus(&text), stats, unix_now()),
        Err(error) => {
            stats.last_error = Some(error.to_string());
            stats
        }
    }
}

/// Fills `stats` from a scrape of the supervisor's metrics taken at `now` (unix seconds).
pub fn stats_from_metrics(metrics: &PromText, mut stats: MiningStats, now: f64) -> MiningStats {
    let submitted = metrics.counter(n::PROOFS_SUBMITTED);
    stats.shares_submitted = submitted;
    // The gateway answers "submitted" (queued for pearld), never "accepted": what became of
    // a proof is not known here, so accepted stays unknown rather than a copy of submitted.
    stats.shares_accepted = None;
    // Blocks pearld accepted, as the gateway's log says; absent (unknown) when the supervisor
    // could not count them (the gateway's log level hides those lines).
    stats.blocks_found = metrics.counter(n::BLOCKS_ACCEPTED);
    let rate = |label: &str| {
        metrics
            .with_label(n::HASHRATE, "window", label)
            .map(|s| s.value)
            .filter(|v| v.is_finite())
    };
    stats.hashrate = HashrateWindows {
        s10: rate(n::WINDOW_LABELS[0]),
        s60: rate(n::WINDOW_LABELS[1]),
        m15: rate(n::WINDOW_LABELS[2]),
    };
    stats.uptime_seconds = metrics
        .value(n::START_TIME)
        .filter(|t| t.is_finite() && *t > 0.0)
        .map(|t| (now - t).max(0.0));
    stats.last_share_at = metrics.value(n::LAST_SUBMIT).filter(|t| t.is_finite());
    // The text comes from the sidecar; until the supervisor has written it there, the latest
    // error's kind is all the metrics say.
    let latest_kind = metrics
        .all(n::LAST_ERROR)
        .filter(|s| s.value.is_finite())
        .max_by(|a, b| a.value.total_cmp(&b.value))
        .and_then(|s| s.label("kind"));
    if let (None, Some(kind)) = (&stats.last_error, latest_kind) {
        stats.last_error = Some(format!("{kind} error (see `jarvis mine logs`)"));
    }
    // The sidecar cannot hold this news: it is the file that cannot be written.
    if metrics
        .value(n::STATE_WRITE_FAILING)
        .is_some_and(|v| v >= 1.0)
    {
        stats.last_error = Some(
            "the supervisor cannot write its state file runtime/mining.json (is the disk full?); mining goes on and the write is retried — see `jarvis mine logs`"
                .to_owned(),
        );
        stats
            .details
            .insert("state_file", Detail::text("write failing, retrying"));
    }
    let up = metrics.value(n::GATEWAY_UP).is_some_and(|v| v >= 1.0);
    let active = metrics.value(n::JOB_ACTIVE).is_some_and(|v| v >= 1.0);
    let waiting = metrics.value(n::HEADER_SUBMITTED).is_some_and(|v| v >= 1.0);
    let gateway = match (up, active, waiting) {
        (true, _, true) => "up, proof submitted for this block; waiting for the next job",
        (true, true, false) => "up, mining",
        (true, false, false) => "up, paused (no job it can mine)",
        (false, _, _) => "down (mining paused)",
    };
    let d = &mut stats.details;
    d.insert("gateway", Detail::text(gateway));
    if metrics.value(n::GATEWAY_UP).is_some() {
        d.insert("gateway_up", Detail::Flag(Some(up)));
    }
    for (key, name) in [
        ("proofs_found", n::PROOFS_FOUND),
        ("wins_skipped", n::WINS_SKIPPED),
        ("jobs_total", n::JOBS),
        ("mac_total", n::MAC_TOTAL),
        ("tiles_total", n::TILES_TOTAL),
        ("threads", n::THREADS),
    ] {
        if let Some(v) = metrics.counter(name) {
            d.insert(key, Detail::Count(Some(v)));
        }
    }
    if let Some(rejected) = metrics.counter(n::BLOCKS_REJECTED) {
        d.insert("blocks_rejected", Detail::Count(Some(rejected)));
    }
    if let Some(height) = metrics.counter(n::TEMPLATE_HEIGHT) {
        d.insert("template_height", Detail::Number(Some(height)));
    }
    // Our exporter declares the labelled families even before their first sample: when it
    // answered (the submitted counter is there), no sample means none yet. A scrape without
    // our counters knows nothing, and says so.
    let ours = submitted.is_some();
    let total = |name: &str| {
        metrics
            .sum(name)
            .map(|v| v as u64)
            .or_else(|| ours.then_some(0))
    };
    d.insert("submit_errors", Detail::Count(total(n::SUBMIT_ERRORS)));
    for (key, child) in [("restarts_gateway", "gateway"), ("restarts_miner", "miner")] {
        if let Some(s) = metrics.with_label(n::RESTARTS, "child", child) {
            d.insert(key, Detail::Count(Some(s.value as u64)));
        }
    }
    if let Some(restarts) = total(n::RESTARTS) {
        d.insert("restarts", Detail::Count(Some(restarts)));
    }
    stats
}
