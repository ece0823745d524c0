//! `config.toml` as the CLI uses it: the file read once, each section typed by the crate that
//! owns it.

use std::path::Path;

use jarvis_core::config::{ConfigError, ConfigFile};
use jarvis_engines::config::EngineSection;
use jarvis_mining::config::MiningSection;

/// The sections of `config.toml` the commands read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LoadedConfig {
    /// `[mining]`; `None` when the file has no such table (mining not configured).
    pub(crate) mining: Option<MiningSection>,
    /// `[engine]`; `None` when the file has no such table (defaults apply).
    pub(crate) engine: Option<EngineSection>,
}

impl LoadedConfig {
    /// Loads `path`; `Ok(None)` when the file does not exist. An error in any section is the
    /// file's error: `[engine]` is read first, then `[mining]`.
    pub(crate) fn load(
        path: &Path,
        known_providers: &[&str],
    ) -> Result<Option<LoadedConfig>, ConfigError> {
        match ConfigFile::load(path)? {
            Some(file) => LoadedConfig::from_file(&file, known_providers).map(Some),
            None => Ok(None),
        }
    }

    fn from_file(file: &ConfigFile, known_providers: &[&str]) -> Result<Self, ConfigError> {
        let engine = jarvis_engines::config::engine_section(file)?;
        let mining = jarvis_mining::config::mining_section(file, known_providers)?;
        Ok(LoadedConfig { mining, engine })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<LoadedConfig, ConfigError> {
        LoadedConfig::from_file(
            &ConfigFile::parse(text, Path::new("config.toml"))?,
            &["cpu-pearl"],
        )
    }

    #[test]
    fn engine_errors_do_not_hide_mining_errors_or_vice_versa() {
        let msg = load("[engine]\ndefault = \"nope\"\n[mining]\nprovider = \"cpu-pearl\"\n")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("engine.default"), "{msg}");
        let msg = load("[engine]\ndefault = \"vllm\"\n[mining]\nprovider = \"cpu-pearl\"\n")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("mining.wallet_address is missing"), "{msg}");
        let cfg = load("[engine]\ndefault = \"vllm\"\n").unwrap();
        assert_eq!(cfg.mining, None);
        assert_eq!(cfg.engine.unwrap().default.as_deref(), Some("vllm"));
    }

    #[test]
    fn both_sections_load_from_one_file() {
        let cfg = load(
            "[mining]\nprovider = \"cpu-pearl\"\nwallet_address = \"w\"\n[engine.ollama]\nurl = \"http://h:1\"\n",
        )
        .unwrap();
        assert_eq!(cfg.mining.unwrap().provider, "cpu-pearl");
        assert_eq!(
            cfg.engine.unwrap().ollama_url.as_deref(),
            Some("http://h:1")
        );
    }
}
