//! Client for `pearl-gateway`'s miner RPC: newline-delimited JSON-RPC 2.0 over a Unix socket
//! or TCP (`getMiningInfo`, `submitPlainProof`), plus a background [`JobPoller`].

mod client;
mod error;
pub mod line;
mod poller;

pub use client::{GatewayClient, SubmitOutcome, SubmitPolicy, submit_with_policy};
pub use error::GatewayError;
pub use poller::{JobPoller, PollerConfig, PollerStatus};
