//! The supervisor's history samples: its own counters, the gateway's state, and unknown left
//! unknown.

use std::sync::atomic::Ordering;

use jarvis_cpu_pearl::supervisor::{MinerMetrics, history_sample};

#[test]
fn a_sample_holds_the_supervisors_counters_and_leaves_the_rest_unknown() {
    let metrics = MinerMetrics::new(2);
    metrics
        .counters
        .mac_total
        .fetch_add(5_000, Ordering::Relaxed);
    metrics.submitted();
    metrics.submit_failed("-32000", "queue full");
    metrics.restarted("gateway");
    metrics.set_gateway(false, false, 3);

    let sample = history_sample(10.0, &metrics);
    assert_eq!(sample.provider, "cpu-pearl");
    assert_eq!(sample.at, 10.0);
    assert_eq!(sample.mac_total, Some(5_000));
    assert_eq!(sample.proofs_submitted, Some(1));
    assert_eq!(sample.submit_errors, Some(1));
    assert_eq!(sample.restarts, Some(1));
    assert_eq!(
        sample.gateway_up,
        Some(false),
        "the history sees the gateway down"
    );
    assert_eq!(
        sample.template_height, None,
        "unknown until pearld answered"
    );
    assert_eq!(sample.vllm_requests_total, None, "not ours to know");
    assert_eq!(
        sample.blocks_accepted, None,
        "unknown while the gateway's log is not counted"
    );

    metrics.set_gateway(true, true, 4);
    metrics.set_template_height(4243);
    let sample = history_sample(40.0, &metrics);
    assert_eq!(sample.gateway_up, Some(true));
    assert_eq!(sample.template_height, Some(4243));
}

/// Blocks the gateway logged as accepted by pearld go into the history; none logged is a
/// known zero once its log is counted.
#[test]
fn a_sample_holds_the_blocks_the_gateway_logged() {
    let metrics = MinerMetrics::new(1);
    metrics.count_gateway_log();
    assert_eq!(history_sample(1.0, &metrics).blocks_accepted, Some(0));
    metrics.gateway_log_line("\x1b[32m2026-12-03 12:00:01\x1b[0m - \x1b[1mINFO\x1b[0m - \x1b[37mBlock accepted by node!\x1b[0m - \x1b[34msubmission_service.py:82\x1b[0m");
    assert_eq!(history_sample(2.0, &metrics).blocks_accepted, Some(1));
}
