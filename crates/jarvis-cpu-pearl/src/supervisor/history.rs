//! The one writer of cpu-pearl's mining history: a sample of the supervisor's own counters
//! every `sample_interval_s`, through a recorder that never fails the supervisor.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use jarvis_telemetry::history::{HistoryRecorder, Sample};

use super::metrics::MinerMetrics;
use super::plan::SupervisorPlan;

/// Samples into the mining history every `sample_interval_s`.
pub(crate) struct History {
    recorder: HistoryRecorder,
    interval: f64,
    last: Option<f64>,
}

impl History {
    pub(crate) fn new(plan: &SupervisorPlan) -> Self {
        let retention = Duration::from_secs(u64::from(plan.history_retention_days) * 86_400);
        Self {
            recorder: HistoryRecorder::open(&plan.history_path, retention),
            interval: f64::from(plan.sample_interval_s.max(1)),
            last: None,
        }
    }

    /// Records a sample at `now` unless the last one is younger than the interval.
    pub(crate) fn maybe_record(&mut self, now: f64, metrics: &MinerMetrics) {
        if self.last.is_some_and(|last| now - last < self.interval) {
            return;
        }
        self.last = Some(now);
        self.recorder.record(&history_sample(now, metrics));
    }
}

/// The supervisor's counters at `now` as a history sample of `cpu-pearl`.
pub fn history_sample(now: f64, metrics: &MinerMetrics) -> Sample {
    let c = &metrics.counters;
    let load = |a: &AtomicU64| Some(a.load(Ordering::Relaxed));
    Sample {
        mac_total: load(&c.mac_total),
        tiles_total: load(&c.tiles_total),
        proofs_found: load(&c.proofs_found),
        proofs_submitted: Some(metrics.proofs_submitted()),
        submit_errors: Some(metrics.submit_errors_total()),
        restarts: Some(metrics.restarts_total()),
        template_height: metrics.template_height(),
        blocks_accepted: metrics.blocks_accepted(),
        gateway_up: Some(metrics.gateway_up()),
        ..Sample::new(now, crate::ID)
    }
}
