//! `MiningConfig::from_section`: the one place a pool target is refused.

use jarvis_mining::config::{MiningSection, SubmitTargetSpec};
use jarvis_mining::{MiningConfig, MiningError};

#[test]
fn solo_sections_become_the_runtime_config() {
    let mut section = MiningSection::new("cpu-pearl", "prl1pwallet");
    section.extra.pearld_rpc_url = "http://node:44107".to_owned();
    let config = MiningConfig::from_section(&section).expect("solo");
    assert_eq!(config.provider, "cpu-pearl");
    assert_eq!(config.wallet_address, "prl1pwallet");
    assert_eq!(config.pearld_rpc_url, "http://node:44107");
    assert_eq!(config.fee_payout_address, None);
    assert_eq!(config.extra, section.extra);
}

#[test]
fn pool_targets_are_refused_with_the_fix() {
    let mut section = MiningSection::new("vllm-pearl", "prl1pwallet");
    section.submit_target = SubmitTargetSpec::Pool {
        url: "stratum+tcp://pool.example:3333".to_owned(),
    };
    let err = MiningConfig::from_section(&section).expect_err("pool refused");
    assert!(
        matches!(&err, MiningError::PoolUnsupported { url } if url == "stratum+tcp://pool.example:3333"),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.starts_with("pool mining is not supported yet"),
        "{text}"
    );
    assert!(text.contains("submit_target = \"solo\""), "{text}");
}
