//! The results pearld returns for getblockchaininfo, getblocktemplate and getmininginfo, as
//! serde structs in btcd's field order (Go marshals struct fields in declaration order).

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};
use serde_json::Value;

/// The chain state the fake answers from, derived from its mode.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChainView {
    pub(crate) blocks: u64,
    pub(crate) now: u64,
}

/// The difficulty-1 target's compact form on every Pearl network except simnet/signet.
const POW_LIMIT_BITS: u32 = 0x1b00_ffff;

#[derive(Serialize)]
struct Bip9SoftFork {
    status: &'static str,
    bit: u8,
    #[serde(rename = "startTime")]
    start_time_legacy: i64,
    start_time: i64,
    timeout: i64,
    since: i32,
    min_activation_height: i32,
}

#[derive(Serialize)]
pub(crate) struct BlockchainInfoResult {
    chain: &'static str,
    blocks: u64,
    headers: u64,
    bestblockhash: String,
    #[serde(serialize_with = "go_float")]
    difficulty: f64,
    mediantime: u64,
    #[serde(skip_serializing_if = "is_zero_f64", serialize_with = "go_float")]
    verificationprogress: f64,
    #[serde(skip_serializing_if = "is_false")]
    initialblockdownload: bool,
    pruned: bool,
    bip9_softforks: BTreeMap<&'static str, Bip9SoftFork>,
}

/// pearld reports `headers = blocks` and never sets the IBD fields, syncing or not.
pub(crate) fn blockchain_info(chain: ChainView) -> BlockchainInfoResult {
    let fork = |bit: u8, status: &'static str, min_activation_height: i32| Bip9SoftFork {
        status,
        bit,
        start_time_legacy: 0,
        start_time: 0,
        timeout: 0,
        since: 0,
        min_activation_height,
    };
    let mut forks = BTreeMap::new();
    forks.insert("dummy", fork(28, "defined", 0));
    forks.insert("dummy-min-activation", fork(22, "defined", 600));
    forks.insert("dummy-always-active", fork(30, "active", 0));
    BlockchainInfoResult {
        chain: "mainnet",
        blocks: chain.blocks,
        headers: chain.blocks,
        bestblockhash: fake_block_hash(chain.blocks),
        difficulty: 1.0,
        mediantime: chain.now.saturating_sub(600),
        verificationprogress: 0.0,
        initialblockdownload: false,
        pruned: false,
        bip9_softforks: forks,
    }
}

#[derive(Serialize)]
struct CoinbaseAux {
    flags: &'static str,
}

#[derive(Serialize)]
pub(crate) struct BlockTemplateResult {
    bits: String,
    curtime: u64,
    height: u64,
    previousblockhash: String,
    vsizelimit: u64,
    transactions: Vec<Value>,
    version: i32,
    coinbaseaux: CoinbaseAux,
    coinbasevalue: i64,
    longpollid: String,
    target: String,
    maxtime: u64,
    mintime: u64,
    mutable: [&'static str; 4],
    noncerange: &'static str,
    capabilities: [&'static str; 1],
    requiredcertversion: u32,
}

pub(crate) fn block_template(chain: ChainView) -> BlockTemplateResult {
    let previous = fake_block_hash(chain.blocks);
    BlockTemplateResult {
        bits: format!("{POW_LIMIT_BITS:x}"),
        curtime: chain.now,
        height: chain.blocks + 1,
        longpollid: format!("{previous}-{}", chain.now),
        previousblockhash: previous,
        vsizelimit: 1_000_000,
        transactions: Vec::new(),
        version: 0x2000_0000,
        // Script push of "/pearld/".
        coinbaseaux: CoinbaseAux {
            flags: "082f706561726c642f",
        },
        coinbasevalue: 5_000_000_000,
        target: compact_to_target_hex(POW_LIMIT_BITS),
        maxtime: chain.now + 5 * 60,
        mintime: chain.now.saturating_sub(600) + 1,
        mutable: ["time", "transactions/add", "prevblock", "coinbase/append"],
        noncerange: "00000000ffffffff",
        capabilities: ["proposal"],
        requiredcertversion: 3,
    }
}

#[derive(Serialize)]
pub(crate) struct MiningInfoResult {
    blocks: u64,
    currentblocksize: u64,
    currentblockvsize: u64,
    currentblocktx: u64,
    #[serde(serialize_with = "go_float")]
    difficulty: f64,
    errors: &'static str,
    generate: bool,
    genproclimit: i32,
    #[serde(serialize_with = "go_float")]
    networkhashps: f64,
    pooledtx: u64,
    testnet: bool,
}

pub(crate) fn mining_info(chain: ChainView) -> MiningInfoResult {
    MiningInfoResult {
        blocks: chain.blocks,
        currentblocksize: 285,
        currentblockvsize: 258,
        currentblocktx: 1,
        difficulty: 1.0,
        errors: "",
        generate: false,
        genproclimit: 8,
        networkhashps: 22_136_092.5,
        pooledtx: 0,
        testnet: false,
    }
}

/// The 256-bit target of a compact `bits` value, as 64 hex digits (btcd's `%064x`).
pub(crate) fn compact_to_target_hex(bits: u32) -> String {
    format!("{:064x}", pearl_protocol::target::nbits_to_target(bits))
}

/// A deterministic 64-hex-digit hash-like string for a height.
fn fake_block_hash(height: u64) -> String {
    let mix = |mut x: u64| {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^ (x >> 31)
    };
    format!(
        "00000000{:08x}{:016x}{:016x}{:016x}",
        mix(height) as u32,
        mix(height + 1),
        mix(height + 2),
        mix(height + 3)
    )
}

/// Go prints integral floats without a fraction (`1`, not `1.0`).
fn go_float<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    if value.is_finite() && value.fract() == 0.0 && value.abs() < 1e15 {
        serializer.serialize_i64(*value as i64)
    } else {
        serializer.serialize_f64(*value)
    }
}

fn is_zero_f64(value: &f64) -> bool {
    *value == 0.0
}

fn is_false(value: &bool) -> bool {
    !*value
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_json<T: Serialize>(value: &T) -> String {
        serde_json::to_string(value).unwrap()
    }

    #[test]
    fn template_target_matches_bits() {
        assert_eq!(
            compact_to_target_hex(0x1b00_ffff),
            format!("{}ffff{}", "0".repeat(12), "0".repeat(48))
        );
        assert_eq!(
            compact_to_target_hex(0x0301_0000),
            format!("{}010000", "0".repeat(58))
        );
        let text = to_json(&block_template(ChainView {
            blocks: 7,
            now: 100,
        }));
        assert!(
            text.starts_with(r#"{"bits":"1b00ffff","curtime":100,"height":8,"#),
            "{text}"
        );
        assert!(text.ends_with(r#""noncerange":"00000000ffffffff","capabilities":["proposal"],"requiredcertversion":3}"#), "{text}");
    }
}
