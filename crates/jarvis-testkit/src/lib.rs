//! Test-only fakes that speak real protocols (pearld's JSON-RPC over HTTP/TLS) and an isolated
//! environment for CLI tests. Prints nothing.

mod btcd_results;
mod btcd_rpc;
pub mod fake_docker;
pub mod fake_gateway;
pub mod fake_hub;
pub mod fake_ollama;
mod fake_pearld;
pub mod fake_vllm;
mod http_server;
mod http_wire;
pub mod pearl_artifact;
mod test_env;
mod tls_cert;

pub use fake_pearld::{FakeMode, FakePearld, FakePearldOptions, RecordedRequest};
pub use test_env::{RunOutput, TestEnv};
