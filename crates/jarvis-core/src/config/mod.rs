//! The `config.toml` document: read once with every value's position ([`ConfigFile`]), typed
//! reads that point at `path:line:col` ([`TableReader`]), and edits that keep comments
//! ([`ConfigEdit`]). The sections themselves (`[mining]`, `[engine]`) are typed by the crates
//! that own them.
//!
//! Secrets are never stored in config: only the NAMES of the env vars that hold them.

pub mod edit;
mod error;
mod file;
mod read;

pub use edit::ConfigEdit;
pub use error::ConfigError;
pub use file::ConfigFile;
pub use read::{Spanned, TableReader, is_env_var_name, range_text, type_name, value_type_name};
