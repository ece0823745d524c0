//! The runtime view of `[mining]`: what a provider's `start` receives.

use std::time::Duration;

use super::section::{MiningExtra, MiningSection, SubmitTargetSpec};
use pearl_rpc::pearld::PearldEndpoint;

use crate::provider::MiningError;

/// Where found blocks go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitTarget {
    /// Solo mining: the user's own pearld takes the block.
    Solo {
        /// pearld's JSON-RPC URL.
        pearld_rpc_url: String,
    },
    /// Pool mining: parsed so configs round-trip, refused everywhere at run time.
    Pool {
        /// The pool URL after `pool:`.
        url: String,
        /// The worker name, when the pool wants one.
        worker_id: Option<String>,
    },
}

impl SubmitTarget {
    /// The pearld URL of a solo target; pool targets are refused with one shared error.
    pub fn require_solo(&self) -> Result<&str, MiningError> {
        match self {
            Self::Solo { pearld_rpc_url } => Ok(pearld_rpc_url),
            Self::Pool { url, .. } => Err(MiningError::PoolUnsupported { url: url.clone() }),
        }
    }
}

/// `[mining]` as providers use it.
#[derive(Debug, Clone, PartialEq)]
pub struct MiningConfig {
    /// Registry id of the provider.
    pub provider: String,
    /// Taproot payout address.
    pub wallet_address: String,
    /// Solo or (refused) pool.
    pub submit_target: SubmitTarget,
    /// Fee in basis points; always 0 in this version.
    pub fee_bps: u32,
    /// Fee payout address; `None` when empty.
    pub fee_payout_address: Option<String>,
    /// `[mining.extra]` with defaults applied.
    pub extra: MiningExtra,
}

impl MiningConfig {
    /// Builds the runtime config from the parsed file section.
    pub fn from_section(section: &MiningSection) -> Self {
        let submit_target = match &section.submit_target {
            SubmitTargetSpec::Solo => SubmitTarget::Solo {
                pearld_rpc_url: section.extra.pearld_rpc_url.clone(),
            },
            SubmitTargetSpec::Pool { url } => SubmitTarget::Pool {
                url: url.clone(),
                worker_id: None,
            },
        };
        Self {
            provider: section.provider.clone(),
            wallet_address: section.wallet_address.clone(),
            submit_target,
            fee_bps: section.fee_bps,
            fee_payout_address: Some(section.fee_payout_address.clone()).filter(|a| !a.is_empty()),
            extra: section.extra.clone(),
        }
    }
}

/// pearld's RPC endpoint as `[mining.extra]` configures it, with the password already read
/// from its env var.
pub fn pearld_endpoint(extra: &MiningExtra, password: String, timeout: Duration) -> PearldEndpoint {
    PearldEndpoint {
        url: extra.pearld_rpc_url.clone(),
        user: extra.pearld_rpc_user.clone(),
        password,
        cert_path: extra.pearld_rpc_cert.clone(),
        timeout,
        user_agent: Some(jarvis_http::USER_AGENT.to_owned()),
    }
}
