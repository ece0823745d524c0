//! Timings of the supervisor, overridable from the environment for tests.

use std::time::Duration;

/// Restart back-off, stop grace, telemetry tick and job poll interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tuning {
    /// First restart delay (doubles per consecutive death).
    pub backoff_initial: Duration,
    /// Restart delay cap.
    pub backoff_max: Duration,
    /// Grace between SIGTERM and SIGKILL for the gateway.
    pub grace: Duration,
    /// Telemetry sampling and readiness probe period.
    pub tick: Duration,
    /// `getMiningInfo` interval.
    pub poll: Duration,
    /// How long mining waits for a new job after the gateway took a proof for the header.
    pub resume: Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            backoff_initial: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
            grace: Duration::from_secs(5),
            tick: Duration::from_secs(1),
            poll: Duration::from_secs(1),
            resume: super::hold::DEFAULT_RESUME_AFTER,
        }
    }
}

impl Tuning {
    /// Defaults, with `JARVIS_SUPERVISOR_*_MS` / `JARVIS_MINER_POLL_MS` /
    /// `JARVIS_MINER_RESUME_MS` overrides from `env`.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Self {
        let ms = |name: &str, default: Duration| {
            env(name)
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|&v| v > 0)
                .map_or(default, Duration::from_millis)
        };
        let d = Self::default();
        Self {
            backoff_initial: ms("JARVIS_SUPERVISOR_BACKOFF_MS", d.backoff_initial),
            backoff_max: ms("JARVIS_SUPERVISOR_BACKOFF_MAX_MS", d.backoff_max),
            grace: ms("JARVIS_SUPERVISOR_GRACE_MS", d.grace),
            tick: ms("JARVIS_SUPERVISOR_TICK_MS", d.tick),
            poll: ms("JARVIS_MINER_POLL_MS", d.poll),
            resume: ms("JARVIS_MINER_RESUME_MS", d.resume),
        }
    }
}
