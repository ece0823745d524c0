//! `mine status` for cpu-pearl: scrape the supervisor's `/metrics` into `MiningStats`.

use jarvis_core::time::unix_now;
use std::time::Duration;

use serde_json::Value;

use super::ID;
use jarvis_mining::session::{Session, SessionState};
use jarvis_mining::stats::{HashrateWindows, MiningStats};
use jarvis_telemetry::names as n;
use jarvis_telemetry::{PromText, fetch_metrics, parse_prometheus};

/// Stats of the session: the sidecar's facts plus a scrape of its `metrics_url`.
pub(super) async fn stats_for(session: &Session) -> MiningStats {
    let mut stats = MiningStats::unknown(ID);
    let Some(sidecar) = session.sidecar() else {
        return stats;
    };
    let section = sidecar.supervisor.as_ref();
    let state = section.map_or("unknown", |s| s.state.as_str());
    let details = &mut stats.details;
    details.insert("supervisor".to_owned(), Value::from(state));
    if let Some(url) = &sidecar.gateway_url {
        details.insert("gateway_url".to_owned(), Value::from(url.as_str()));
    }
    if let Some(pid) = sidecar.gateway_pid {
        details.insert("gateway_pid".to_owned(), Value::from(pid));
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
    stats
        .details
        .insert("metrics_url".to_owned(), Value::from(url.as_str()));
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
    stats.shares_accepted = submitted;
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
    let up = metrics.value(n::GATEWAY_UP).is_some_and(|v| v >= 1.0);
    let active = metrics.value(n::JOB_ACTIVE).is_some_and(|v| v >= 1.0);
    let gateway = match (up, active) {
        (true, true) => "up, mining",
        (true, false) => "up, paused (no job it can mine)",
        (false, _) => "down (mining paused)",
    };
    let d = &mut stats.details;
    d.insert("gateway".to_owned(), Value::from(gateway));
    // The history's downtime comes from this flag (`Sample::from_stats`).
    if metrics.value(n::GATEWAY_UP).is_some() {
        d.insert("gateway_up".to_owned(), Value::from(up));
    }
    for (key, name) in [
        ("proofs_found", n::PROOFS_FOUND),
        ("jobs_total", n::JOBS),
        ("mac_total", n::MAC_TOTAL),
        ("tiles_total", n::TILES_TOTAL),
        ("threads", n::THREADS),
        ("template_height", n::TEMPLATE_HEIGHT),
    ] {
        if let Some(v) = metrics.counter(name) {
            d.insert(key.to_owned(), Value::from(v));
        }
    }
    let errors = metrics.sum(n::SUBMIT_ERRORS).unwrap_or(0.0);
    d.insert("submit_errors".to_owned(), Value::from(errors as u64));
    for child in ["gateway", "miner"] {
        if let Some(s) = metrics.with_label(n::RESTARTS, "child", child) {
            d.insert(format!("restarts_{child}"), Value::from(s.value as u64));
        }
    }
    // The history counts restarts of all children together.
    if let Some(total) = metrics.sum(n::RESTARTS) {
        d.insert("restarts".to_owned(), Value::from(total as u64));
    }
    stats
}
