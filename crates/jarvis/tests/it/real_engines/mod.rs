//! The CLI against real outside systems: private Docker Engine daemons running the stand-in
//! miner image, a real Prometheus scraping the cpu-pearl supervisor, and systemd's own unit
//! checker. Runs where `JARVIS_REAL_ENGINES=1`; elsewhere each test prints why it skipped.

mod fleet;
mod prometheus;
mod service;
mod vllm;

use jarvis_testkit::real_engine;

/// `true` (and one printed line) when real-engine tests do not run here.
pub(crate) fn skipped(test: &str, needs: &str) -> bool {
    real_engine::skip(&format!("jarvis real_engines::{test}"), needs)
}
