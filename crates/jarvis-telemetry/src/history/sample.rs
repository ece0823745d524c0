//! One history sample: the provider's cumulative counters at a moment.

use serde::{Deserialize, Serialize};

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
    /// Blocks pearld accepted, as the gateway's log says (`None`: nobody could tell).
    #[serde(default)]
    pub blocks_accepted: Option<u64>,
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
            blocks_accepted: None,
            vllm_requests_total: None,
            vllm_tokens_total: None,
            gateway_up: None,
        }
    }
}
