//! Prometheus telemetry: one text-format parser (shared by every provider), an exposition
//! writer, a loopback `/metrics` server and client, and XMRig-style hashrate windows.

mod exposition;
mod http;
mod prom;
mod rates;

pub use exposition::Exposition;
pub use http::{FetchError, MetricsServer, RenderFn, fetch_metrics};
pub use prom::{PromSample, PromText, parse_prometheus};
pub use rates::{RATE_WINDOWS, RateWindows};
