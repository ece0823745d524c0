//! One history sample: the provider's cumulative counters at a moment.

use serde::{Deserialize, Serialize};

use crate::provider::MiningStats;

/// `MiningStats::details` keys that [`Sample::from_stats`] reads (u64 counters, and
/// `gateway_up` as a bool). Providers that know a value put it under these names.
pub const DETAIL_KEYS: [&str; 8] = [
    "mac_total",
    "tiles_total",
    "proofs_found",
    "submit_errors",
    "restarts",
    "template_height",
    "vllm_requests_total",
    "vllm_tokens_total",
];

/// The provider's counters at `at`. Counters are cumulative since the miner process started
/// (they drop back to zero on a restart); `None` means unknown, never a fake zero.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Unix time, seconds.
    pub at: f64,
    /// Registry id of the provider (`cpu-pearl`, `vllm-pearl`, ...).
    pub provider: String,
    /// Multiply-accumulates done.
    pub mac_total: Option<u64>,
    /// GEMM tiles searched.
    pub tiles_total: Option<u64>,
    /// Proofs found by the miner.
    pub proofs_found: Option<u64>,
    /// Proofs handed to the gateway.
    pub proofs_submitted: Option<u64>,
    /// Proof submissions that failed.
    pub submit_errors: Option<u64>,
    /// Supervisor restarts of the miner or gateway.
    pub restarts: Option<u64>,
    /// Height of the block template being mined.
    pub template_height: Option<u64>,
    /// vLLM requests served (vllm-pearl).
    pub vllm_requests_total: Option<u64>,
    /// vLLM tokens generated (vllm-pearl).
    pub vllm_tokens_total: Option<u64>,
    /// Whether the gateway answered.
    pub gateway_up: Option<bool>,
}

impl Sample {
    /// A sample at `at` for `provider` with every counter unknown.
    pub fn new(at: f64, provider: &str) -> Sample {
        Sample {
            at,
            provider: provider.to_owned(),
            mac_total: None,
            tiles_total: None,
            proofs_found: None,
            proofs_submitted: None,
            submit_errors: None,
            restarts: None,
            template_height: None,
            vllm_requests_total: None,
            vllm_tokens_total: None,
            gateway_up: None,
        }
    }

    /// A sample of `stats` at `at`: `proofs_submitted` from `shares_submitted`, the rest from
    /// the [`DETAIL_KEYS`] in `details` (and `gateway_up`); anything absent stays unknown.
    pub fn from_stats(at: f64, stats: &MiningStats) -> Sample {
        let counter = |key: &str| stats.details.get(key).and_then(serde_json::Value::as_u64);
        Sample {
            at,
            provider: stats.provider_id.clone(),
            mac_total: counter("mac_total"),
            tiles_total: counter("tiles_total"),
            proofs_found: counter("proofs_found"),
            proofs_submitted: stats.shares_submitted,
            submit_errors: counter("submit_errors"),
            restarts: counter("restarts"),
            template_height: counter("template_height"),
            vllm_requests_total: counter("vllm_requests_total"),
            vllm_tokens_total: counter("vllm_tokens_total"),
            gateway_up: stats
                .details
                .get("gateway_up")
                .and_then(serde_json::Value::as_bool),
        }
    }
}
