//! pearl-gateway's miner RPC, as data: where it listens ([`GatewayAddress`]) and its
//! newline-delimited JSON-RPC 2.0 messages ([`rpc`]: `getMiningInfo`, `submitPlainProof`),
//! and the log lines that say what became of a proof ([`log`]).
//!
//! Jobs never pass through `serde_json::Value`: the gateway's `target` is an unbounded integer,
//! so results are kept as raw JSON and parsed by [`crate::MiningJob`].

mod address;
pub mod log;
pub mod rpc;

pub use address::{
    DEFAULT_SOCKET_PATH, DEFAULT_TCP_HOST, DEFAULT_TCP_PORT, GatewayAddress, GatewayAddressError,
};
pub use rpc::MAX_LINE_BYTES;

/// JSON-RPC error code the gateway sends while it has no block template (mining paused).
pub const CODE_MINING_PAUSED: i64 = -32001;
/// JSON-RPC error code for server errors, among them "proof submission queue full".
pub const CODE_SERVER_ERROR: i64 = -32000;
/// The method that returns the current mining job.
pub const GET_MINING_INFO: &str = "getMiningInfo";
/// The method that submits a plain proof for a job.
pub const SUBMIT_PLAIN_PROOF: &str = "submitPlainProof";
