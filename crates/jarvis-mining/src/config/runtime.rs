//! The runtime view of `[mining]`: what a provider's `start` receives.

use std::time::Duration;

use pearl_rpc::pearld::PearldEndpoint;

use super::section::{MiningExtra, MiningSection, SubmitTargetSpec};
use crate::error::MiningError;

/// `[mining]` as providers use it. Mining is solo: found blocks go to the user's own pearld.
#[derive(Debug, Clone, PartialEq)]
pub struct MiningConfig {
    /// Registry id of the provider.
    pub provider: String,
    /// Taproot payout address.
    pub wallet_address: String,
    /// pearld's JSON-RPC URL, where found blocks go.
    pub pearld_rpc_url: String,
    /// Fee in basis points; always 0 in this version.
    pub fee_bps: u32,
    /// Fee payout address; `None` when empty.
    pub fee_payout_address: Option<String>,
    /// `[mining.extra]` with defaults applied.
    pub extra: MiningExtra,
}

impl MiningConfig {
    /// Builds the runtime config from the parsed file section. This is the one place a pool
    /// target (`submit_target = "pool:..."`, parsed so configs round-trip) is refused.
    pub fn from_section(section: &MiningSection) -> Result<Self, MiningError> {
        if let SubmitTargetSpec::Pool { url } = &section.submit_target {
            return Err(MiningError::PoolUnsupported { url: url.clone() });
        }
        Ok(Self {
            provider: section.provider.clone(),
            wallet_address: section.wallet_address.clone(),
            pearld_rpc_url: section.extra.pearld_rpc_url.clone(),
            fee_bps: section.fee_bps,
            fee_payout_address: Some(section.fee_payout_address.clone()).filter(|a| !a.is_empty()),
            extra: section.extra.clone(),
        })
    }

    /// Refuses a wallet address that is not a Taproot address of `[mining.extra].network`:
    /// blocks found for it could not be spent.
    pub fn check_wallet(&self) -> Result<(), MiningError> {
        pearl_protocol::address::validate_taproot_address(&self.wallet_address, self.extra.network)
            .map(|_| ())
            .map_err(|source| MiningError::Wallet {
                address: self.wallet_address.clone(),
                source,
            })
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
