//! Mining history: samples of the provider's counters in a local SQLite file
//! (`$OPENJARVIS_HOME/telemetry/mining.sqlite`), and the math that turns them into rates,
//! totals and uptime.
//!
//! Each provider has one writer, which owns a [`HistoryRecorder`]: cpu-pearl's supervisor and
//! vllm-pearl's sampler. It never fails because of the history (a locked or corrupt database
//! only turns the recorder's state into "history unavailable").

mod recorder;
mod sample;
mod store;
mod summary;

pub use recorder::{HistoryRecorder, HistoryState};
pub use sample::Sample;
pub use store::{HISTORY_SCHEMA_VERSION, HistoryError, HistoryStore};
pub use summary::{HistorySummary, IntervalRate, Totals, summarize};

/// Default seconds between samples (`[mining.extra].sample_interval_s`).
pub const DEFAULT_SAMPLE_INTERVAL_S: u32 = 30;
/// Default days of history kept (`[mining.extra].history_retention_days`).
pub const DEFAULT_RETENTION_DAYS: u32 = 30;
