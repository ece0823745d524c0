//! Client for `pearl-gateway`'s miner RPC: newline-delimited JSON-RPC 2.0 over a Unix socket
//! or TCP (`getMiningInfo`, `submitPlainProof`), plus a background [`JobPoller`].
//!
//! Jobs never pass through `serde_json::Value`: the gateway's `target` is an unbounded integer,
//! so results are kept as raw JSON and parsed by [`crate::MiningJob`].

mod address;
mod client;
mod error;
mod framing;
mod poller;

pub use address::{DEFAULT_SOCKET_PATH, DEFAULT_TCP_HOST, DEFAULT_TCP_PORT, GatewayAddress};
pub use client::{GatewayClient, SubmitOutcome, SubmitPolicy, submit_with_policy};
pub use error::{GatewayAddressError, GatewayError};
pub use framing::MAX_LINE_BYTES;
pub use poller::{JobPoller, PollerConfig, PollerStatus};

/// JSON-RPC error code the gateway sends while it has no block template (mining paused).
pub const CODE_MINING_PAUSED: i64 = -32001;
/// JSON-RPC error code for server errors, among them "proof submission queue full".
pub const CODE_SERVER_ERROR: i64 = -32000;
