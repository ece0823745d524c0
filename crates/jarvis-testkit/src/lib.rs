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
pub mod git;
mod http_server;
mod http_wire;
pub mod hw;
pub mod pearl_artifact;
pub mod pearl_source;
pub mod real_engine;
mod test_env;
mod tls_cert;

pub use fake_pearld::{FakeMode, FakePearld, FakePearldOptions, RecordedRequest};
pub use test_env::{RunOutput, TestEnv};

/// A binary of this crate (`fake-pearl-gateway`, `fake-vllm`) in the running test's target
/// directory (`target/<profile>/`), if built. Cargo builds a package's binaries only for that
/// package's own tests; `cargo test --workspace` builds them all, and
/// `cargo build -p jarvis-testkit --bins` builds them for a focused run.
pub fn testkit_exe(name: &str) -> Option<std::path::PathBuf> {
    let current = std::env::current_exe().ok()?;
    let dir = current.parent()?;
    // Test binaries live in target/<profile>/deps; binaries in target/<profile>.
    [Some(dir), dir.parent()]
        .into_iter()
        .flatten()
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}
