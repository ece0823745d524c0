//! `mine status` for cpu-pearl: stats read back from the supervisor's own metrics.

use std::sync::atomic::Ordering;

use jarvis_cpu_pearl::stats_from_metrics;
use jarvis_cpu_pearl::supervisor::MinerMetrics;
use jarvis_mining::stats::{Detail, MiningStats};
use jarvis_telemetry::parse_prometheus;

#[test]
fn metrics_export_hashrate_windows_once_filled_and_status_reads_them() {
    let metrics = MinerMetrics::new(2);
    metrics.sample_rates(1000.0);
    metrics
        .counters
        .mac_total
        .fetch_add(5_000, Ordering::Relaxed);
    metrics.sample_rates(1005.0);
    let early = stats_from_metrics(
        &parse_prometheus(&metrics.render()),
        MiningStats::unknown("cpu-pearl"),
        0.0,
    );
    assert_eq!(early.hashrate.s10, None, "null until 10 s have passed");
    metrics
        .counters
        .mac_total
        .fetch_add(5_000, Ordering::Relaxed);
    metrics.sample_rates(1010.0);
    metrics.submit_failed("-32000", "queue full");
    metrics.submit_failed("connection", "closed");
    metrics.restarted("gateway");
    let text = metrics.render();
    let parsed = parse_prometheus(&text);
    assert_eq!(parsed.skipped_lines, 0, "{text}");
    let stats = stats_from_metrics(&parsed, MiningStats::unknown("cpu-pearl"), 0.0);
    assert_eq!(stats.hashrate.s10, Some(1000.0));
    assert_eq!(stats.hashrate.s60, None);
    assert_eq!(stats.hashrate.m15, None);
    // The error text never becomes a label (unbounded cardinality): only its kind does.
    assert!(
        text.contains("jarvis_mining_last_error_info{kind=\"submit\"}") && !text.contains("closed"),
        "{text}"
    );
    assert_eq!(
        stats.last_error.as_deref(),
        Some("submit error (see `jarvis mine logs`)")
    );
    assert_eq!(
        stats.details.get("submit_errors").and_then(|v| v.as_u64()),
        Some(2)
    );
    assert_eq!(
        stats
            .details
            .get("restarts_gateway")
            .and_then(|v| v.as_u64()),
        Some(1)
    );
    assert_eq!(
        stats.details.get("threads").and_then(|v| v.as_u64()),
        Some(2)
    );
    assert_eq!(
        stats.details.get("gateway").and_then(|v| v.as_str()),
        Some("down (mining paused)")
    );
    assert_eq!(
        stats.details.get("gateway_up").and_then(|v| v.as_bool()),
        Some(false),
        "the history sees the gateway down"
    );
    for name in [
        "jarvis_mining_mac_total",
        "jarvis_mining_tiles_total",
        "jarvis_mining_proofs_found_total",
        "jarvis_mining_proofs_submitted_total",
        "jarvis_mining_jobs_total",
        "jarvis_mining_gateway_up",
        "process_start_time_seconds",
    ] {
        assert!(parsed.first(name).is_some(), "{name} missing:\n{text}");
    }
    assert!(
        parsed
            .with_label("jarvis_mining_submit_errors_total", "code", "-32000")
            .is_some()
    );
    assert!(
        parsed
            .with_label("jarvis_mining_restarts_total", "child", "miner")
            .is_some()
    );
}

#[test]
fn submit_errors_are_zero_only_when_our_exporter_says_so() {
    let fresh = MinerMetrics::new(1);
    let ours = stats_from_metrics(
        &parse_prometheus(&fresh.render()),
        MiningStats::unknown("cpu-pearl"),
        0.0,
    );
    assert_eq!(
        ours.details["submit_errors"].as_u64(),
        Some(0),
        "our exporter answered and lists no error"
    );
    assert_eq!(ours.details["restarts"].as_u64(), Some(0));

    let foreign = stats_from_metrics(
        &parse_prometheus("# an exporter that is not ours\nup 1\n"),
        MiningStats::unknown("cpu-pearl"),
        0.0,
    );
    assert_eq!(
        foreign.details.get("submit_errors"),
        Some(&Detail::Count(None)),
        "unknown is not zero"
    );
    assert!(foreign.details.get("restarts").is_none());
    let json = serde_json::to_value(&foreign).expect("json");
    assert_eq!(json["details"]["submit_errors"], serde_json::Value::Null);
}

/// The gateway answers "submitted" (queued), never "accepted": status reports what is known.
#[test]
fn submitted_proofs_are_not_reported_as_accepted() {
    let metrics = MinerMetrics::new(1);
    metrics.submitted();
    metrics.submitted();
    let stats = stats_from_metrics(
        &parse_prometheus(&metrics.render()),
        MiningStats::unknown("cpu-pearl"),
        0.0,
    );
    assert_eq!(stats.shares_submitted, Some(2));
    assert_eq!(stats.shares_accepted, None, "nobody reported an acceptance");
    assert_eq!(
        stats.blocks_found, None,
        "the gateway's log was not counted (its level hides the lines): unknown"
    );
    let json = serde_json::to_value(&stats).expect("json");
    assert_eq!(json["blocks_found"], serde_json::Value::Null);
}

/// Blocks pearld accepted or rejected, as the gateway's log says, reach status: the block
/// count, and the rejections as a detail. None logged yet is a known zero.
#[test]
fn blocks_the_gateway_logged_reach_status() {
    let metrics = MinerMetrics::new(1);
    metrics.count_gateway_log();
    let read = |m: &MinerMetrics| {
        stats_from_metrics(
            &parse_prometheus(&m.render()),
            MiningStats::unknown("cpu-pearl"),
            0.0,
        )
    };
    assert_eq!(read(&metrics).blocks_found, Some(0));
    let line = |level: &str, message: &str, source: &str| {
        format!(
            "\x1b[32m2026-12-03 12:00:01\x1b[0m - {level}\x1b[0m - \x1b[37m{message}\x1b[0m - \x1b[34m{source}\x1b[0m"
        )
    };
    for text in [
        line(
            "\x1b[1mINFO",
            "Submitting block to Pearl node",
            "pearl_client.py:105",
        ),
        line(
            "\x1b[1mINFO",
            "Block accepted by node!",
            "submission_service.py:82",
        ),
        line(
            "\x1b[33m\x1b[1mWARNING",
            "Block rejected: duplicate",
            "pearl_client.py:113",
        ),
        line(
            "\x1b[33m\x1b[1mWARNING",
            "Block rejected: rejected: duplicate",
            "submission_service.py:85",
        ),
    ] {
        metrics.gateway_log_line(&text);
    }
    let stats = read(&metrics);
    assert_eq!(stats.blocks_found, Some(1));
    assert_eq!(stats.shares_accepted, None);
    assert_eq!(stats.details["blocks_rejected"].as_u64(), Some(1));
}

/// A failed state-file write is exported, and status says so (the sidecar cannot).
#[test]
fn a_failing_state_write_reaches_status_through_the_metrics() {
    let metrics = MinerMetrics::new(1);
    let read = |m: &MinerMetrics| {
        stats_from_metrics(
            &parse_prometheus(&m.render()),
            MiningStats::unknown("cpu-pearl"),
            0.0,
        )
    };
    assert!(read(&metrics).details.get("state_file").is_none());
    metrics.set_state_write_failing(true);
    let stats = read(&metrics);
    assert_eq!(
        stats.details.get("state_file").and_then(|v| v.as_str()),
        Some("write failing, retrying")
    );
    assert!(
        stats
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("cannot write its state file")),
        "{:?}",
        stats.last_error
    );
    metrics.set_state_write_failing(false);
    assert!(read(&metrics).details.get("state_file").is_none());
}
