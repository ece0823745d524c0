//! The mining contract: the `[mining]` config (typed, loaded with positions, written with
//! comments kept; a pool target is refused in `MiningConfig::from_section`), the
//! `MiningProvider` trait and the `MinerRegistry` of provider descriptors, progress events,
//! stats, check rows, the runtime sidecar and the session it describes, Pearl's model registry,
//! and jarvis' hints for Pearl errors. It names no provider: each provider crate implements
//! this contract, and `jarvis-providers` gathers them. Returns data; the `jarvis` crate
//! renders it.

pub mod capabilities;
pub mod check;
pub mod config;
pub mod daemon;
pub mod error;
pub mod hint;
pub mod models;
pub mod progress;
pub mod provider;
pub mod registry;
pub mod session;
pub mod sidecar;
pub mod stats;

pub use capabilities::MiningCapabilities;
pub use config::MiningConfig;
pub use error::MiningError;
pub use provider::MiningProvider;
pub use registry::MinerRegistry;
pub use stats::MiningStats;
