//! What a provider reports about a running session.

use serde::Serialize;

/// Hashrate over XMRig's three windows; `None` until a window has filled.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct HashrateWindows {
    /// MAC/s over the last 10 s.
    pub s10: Option<f64>,
    /// MAC/s over the last 60 s.
    pub s60: Option<f64>,
    /// MAC/s over the last 15 min.
    pub m15: Option<f64>,
}

/// What a provider reports. Unknown values are `None`, never a fake zero.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MiningStats {
    /// Registry id of the reporting provider.
    pub provider_id: String,
    /// Proofs handed to the gateway.
    pub shares_submitted: Option<u64>,
    /// Proofs the gateway took (it answers "submitted" for every queued proof).
    pub shares_accepted: Option<u64>,
    /// Blocks the node accepted.
    pub blocks_found: Option<u64>,
    /// MAC/s over the provider's own windows.
    pub hashrate: HashrateWindows,
    /// Seconds since the mining session started.
    pub uptime_seconds: Option<f64>,
    /// Unix time of the last submitted proof.
    pub last_share_at: Option<f64>,
    /// The latest error the provider saw.
    pub last_error: Option<String>,
    /// `solo` (pools are not supported).
    pub payout_target: String,
    /// Always 0: no fee in this version.
    pub fees_owed: u64,
    /// Provider-specific facts (container state, gateway state, template height, ...), keyed
    /// by snake_case names; rendered as `key: value` lines.
    pub details: serde_json::Map<String, serde_json::Value>,
}

impl MiningStats {
    /// Stats with nothing known yet.
    pub fn unknown(provider_id: &str) -> Self {
        Self {
            provider_id: provider_id.to_owned(),
            shares_submitted: None,
            shares_accepted: None,
            blocks_found: None,
            hashrate: HashrateWindows::default(),
            uptime_seconds: None,
            last_share_at: None,
            last_error: None,
            payout_target: "solo".to_owned(),
            fees_owed: 0,
            details: serde_json::Map::new(),
        }
    }
}
