//! The supervisor's `/metrics` families, pinned: names, types, help and label keys are an
//! interface (dashboards, alerts, `mine status`) and must not drift when the encoder changes.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;

use jarvis_cpu_pearl::supervisor::{ErrorKind, MinerMetrics};
use jarvis_telemetry::parse_prometheus;

/// Every family, with every optional one present.
fn full_metrics() -> MinerMetrics {
    let metrics = MinerMetrics::new(2);
    for second in 0..=900u32 {
        metrics
            .counters
            .mac_total
            .fetch_add(1_000, Ordering::Relaxed);
        metrics.sample_rates(1000.0 + f64::from(second));
    }
    metrics.set_template_height(442_108);
    metrics.set_gateway(true, true, 3);
    metrics.submitted();
    metrics.submit_failed("-32000", "queue full");
    metrics.restarted("miner");
    metrics.error(ErrorKind::Gateway, "pearl-gateway exited with status 1");
    metrics
}

const FAMILIES: &[&str] = &[
    "# HELP jarvis_mining_mac_total Multiply-accumulates done by the miner.",
    "# TYPE jarvis_mining_mac_total counter",
    "# HELP jarvis_mining_tiles_total Tiles scanned.",
    "# TYPE jarvis_mining_tiles_total counter",
    "# HELP jarvis_mining_proofs_found_total Proofs found and self-verified.",
    "# TYPE jarvis_mining_proofs_found_total counter",
    "# HELP jarvis_mining_proofs_submitted_total Proofs pearl-gateway queued.",
    "# TYPE jarvis_mining_proofs_submitted_total counter",
    "# HELP jarvis_mining_wins_skipped_total Winning tiles not submitted because their header already had a proof.",
    "# TYPE jarvis_mining_wins_skipped_total counter",
    "# HELP jarvis_mining_jobs_total Mining jobs received.",
    "# TYPE jarvis_mining_jobs_total counter",
    "# HELP jarvis_mining_gateway_up 1 while pearl-gateway answers.",
    "# TYPE jarvis_mining_gateway_up gauge",
    "# HELP jarvis_mining_job_active 1 while a job is mined.",
    "# TYPE jarvis_mining_job_active gauge",
    "# HELP jarvis_mining_state_write_failing 1 while the state file cannot be written (mining goes on).",
    "# TYPE jarvis_mining_state_write_failing gauge",
    "# HELP jarvis_mining_header_submitted 1 while mining waits for a new job: the gateway took a proof for this header.",
    "# TYPE jarvis_mining_header_submitted gauge",
    "# HELP jarvis_mining_threads Miner threads.",
    "# TYPE jarvis_mining_threads gauge",
    "# HELP process_start_time_seconds Supervisor start, unix seconds.",
    "# TYPE process_start_time_seconds gauge",
    "# HELP jarvis_mining_template_height Height of the block being mined.",
    "# TYPE jarvis_mining_template_height gauge",
    "# HELP jarvis_mining_submit_errors_total Failed proof submissions by code.",
    "# TYPE jarvis_mining_submit_errors_total counter",
    "# HELP jarvis_mining_restarts_total Supervisor restarts by child.",
    "# TYPE jarvis_mining_restarts_total counter",
    "# HELP jarvis_mining_hashrate_macs MAC/s by window; absent until the window filled.",
    "# TYPE jarvis_mining_hashrate_macs gauge",
    "# HELP jarvis_mining_last_submit_timestamp_seconds Last accepted submission, unix seconds.",
    "# TYPE jarvis_mining_last_submit_timestamp_seconds gauge",
    "# HELP jarvis_mining_last_error_info Unix time of the latest error of each kind; the text is in the logs and `jarvis mine status`.",
    "# TYPE jarvis_mining_last_error_info gauge",
];

/// `name{label keys}` of every sample.
const SAMPLES: &[&str] = &[
    "jarvis_mining_gateway_up",
    "jarvis_mining_hashrate_macs{window}",
    "jarvis_mining_header_submitted",
    "jarvis_mining_job_active",
    "jarvis_mining_jobs_total",
    "jarvis_mining_last_error_info{kind}",
    "jarvis_mining_last_submit_timestamp_seconds",
    "jarvis_mining_mac_total",
    "jarvis_mining_proofs_found_total",
    "jarvis_mining_proofs_submitted_total",
    "jarvis_mining_restarts_total{child}",
    "jarvis_mining_state_write_failing",
    "jarvis_mining_submit_errors_total{code}",
    "jarvis_mining_template_height",
    "jarvis_mining_threads",
    "jarvis_mining_tiles_total",
    "jarvis_mining_wins_skipped_total",
    "process_start_time_seconds",
];

#[test]
fn the_metric_families_names_types_help_and_labels_are_pinned() {
    let text = full_metrics().render();
    let declared: Vec<&str> = text.lines().filter(|l| l.starts_with('#')).collect();
    assert_eq!(declared, FAMILIES, "{text}");
    let parsed = parse_prometheus(&text);
    assert_eq!(parsed.skipped_lines, 0, "{text}");
    let samples: BTreeSet<String> = parsed
        .samples
        .iter()
        .map(|s| {
            let keys: Vec<&str> = s.labels.iter().map(|(k, _)| k.as_str()).collect();
            if keys.is_empty() {
                s.name.clone()
            } else {
                format!("{}{{{}}}", s.name, keys.join(","))
            }
        })
        .collect();
    let want: BTreeSet<String> = SAMPLES.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(samples, want, "{text}");
}

#[test]
fn sample_values_keep_their_labels_and_numbers() {
    let text = full_metrics().render();
    let parsed = parse_prometheus(&text);
    assert_eq!(parsed.value("jarvis_mining_mac_total"), Some(901_000.0));
    assert_eq!(parsed.value("jarvis_mining_threads"), Some(2.0));
    assert_eq!(
        parsed.value("jarvis_mining_template_height"),
        Some(442_108.0)
    );
    assert_eq!(
        parsed
            .with_label("jarvis_mining_submit_errors_total", "code", "-32000")
            .map(|s| s.value),
        Some(1.0)
    );
    assert_eq!(
        parsed
            .with_label("jarvis_mining_restarts_total", "child", "gateway")
            .map(|s| s.value),
        Some(0.0)
    );
    assert_eq!(
        parsed
            .with_label("jarvis_mining_hashrate_macs", "window", "10s")
            .map(|s| s.value),
        Some(1000.0)
    );
    assert!(
        text.contains("jarvis_mining_mac_total 901000\n"),
        "counters print as integers: {text}"
    );
}
