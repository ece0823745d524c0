//! pearl-gateway addresses (the RPC client is tested in pearl-rpc).

mod address;
