//! Async clients for Pearl's services: pearl-gateway's miner RPC (NDJSON over a Unix socket or
//! TCP, plus the job poller and submit policy) and pearld's JSON-RPC over HTTP(S), trusting
//! pearld's own certificate. The messages themselves are `pearl-protocol`'s.

pub mod gateway;
pub mod pearld;
