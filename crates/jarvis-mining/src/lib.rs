//! The mining subsystem: the `[mining]` config (typed, loaded with positions, written with
//! comments kept; pool targets refused in `MiningConfig::from_section`), the provider contract,
//! the provider registry, the runtime sidecar, the Pearl model registry, jarvis' hints for
//! Pearl errors and the doctor checks. Returns data; the `jarvis` crate renders it.

pub mod capabilities;
pub mod config;
pub mod doctor;
pub mod hint;
pub mod history;
pub mod model_inspect;
pub mod model_validate;
pub mod models;
pub mod provider;
pub mod providers;
pub mod registry;
pub mod session;
pub mod sidecar;
#[cfg(feature = "mining-pearl-cpu")]
pub mod supervisor;
pub mod telemetry;

pub use capabilities::MiningCapabilities;
pub use config::MiningConfig;
pub use provider::{MiningError, MiningProvider, MiningStats};
pub use registry::MinerRegistry;
