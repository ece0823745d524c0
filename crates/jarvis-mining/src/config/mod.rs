//! `[mining]` of `config.toml`: the typed section with its defaults ([`section`]), its loader
//! with `path:line:col` errors ([`load`]), its comment-preserving writer ([`write`]), and the
//! runtime view providers receive ([`MiningConfig`]).

pub mod load;
mod runtime;
mod section;
mod write;

pub use load::{load, mining_section, parse};
pub use runtime::{MiningConfig, pearld_endpoint};
pub use section::{
    DEFAULT_DOCKER_IMAGE_TAG, DEFAULT_PEARLD_RPC_URL, LogFormat, MiningExtra, MiningSection,
    Network, SubmitTargetSpec, VllmArgs,
};
pub use write::write_mining_section;
