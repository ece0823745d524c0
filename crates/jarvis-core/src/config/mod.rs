//! `config.toml`: typed loading of `[mining]` / `[mining.extra]` / `[engine]` with `path:line:col` errors,
//! and a comment-preserving writer for those two tables.
//!
//! Secrets are never stored here: only the NAMES of the env vars that hold them.

mod error;
mod load;
mod types;
mod write;

pub use error::ConfigError;
pub use load::{is_env_var_name, load_config, parse_config};
pub use types::{
    Config, DEFAULT_DOCKER_IMAGE_TAG, DEFAULT_MODEL, DEFAULT_PEARLD_RPC_URL, ENGINE_IDS,
    EngineSection, MiningExtra, MiningSection, Network, OpenAiCompatibleSection, SubmitTargetSpec,
    VllmArgs,
};
pub use write::write_mining_section;
