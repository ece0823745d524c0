//! Mining telemetry: the Prometheus text parser (shared by every provider), XMRig-style
//! hashrate windows, the `jarvis_mining_*` metric names, the exposition writer, the loopback
//! `/metrics` server and its scrape client, and the SQLite mining history (store, recorder,
//! summaries).

mod exposition;
pub mod history;
mod http;
pub mod names;
mod prom;
mod rates;

pub use exposition::Exposition;
pub use http::{FetchError, MetricsServer, RenderFn, ServeLimits, fetch_metrics};
pub use prom::{PromSample, PromText, parse_prometheus};
pub use rates::{RATE_WINDOWS, RateWindows};
