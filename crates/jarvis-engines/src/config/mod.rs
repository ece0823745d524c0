//! `[engine]` of `config.toml`: the typed section ([`EngineSection`]), its loader with
//! `path:line:col` errors, and the settings discovery needs ([`EngineConfig`]).

pub mod load;
mod section;

pub use load::{engine_section, load, parse};
pub use section::{ENGINE_IDS, EngineSection, OpenAiCompatibleSection};

/// `[engine.openai-compatible]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenAiCompatible {
    /// Base URL (ends in `/v1` for most servers).
    pub url: String,
    /// NAME of the env var holding the API key.
    pub api_key_env: Option<String>,
    /// Default model.
    pub model: Option<String>,
}

/// Engine settings with defaults applied.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EngineConfig {
    /// Preferred engine id when no mining engine is announced.
    pub default: Option<String>,
    /// vLLM base URL override.
    pub vllm_url: Option<String>,
    /// Ollama URL override.
    pub ollama_url: Option<String>,
    /// The configured OpenAI-compatible server.
    pub openai_compatible: Option<OpenAiCompatible>,
}

impl EngineConfig {
    /// From the `[engine]` table (or its absence).
    pub fn from_section(section: Option<&EngineSection>) -> EngineConfig {
        let Some(s) = section else {
            return EngineConfig::default();
        };
        EngineConfig {
            default: s.default.clone(),
            vllm_url: s.vllm_url.clone(),
            ollama_url: s.ollama_url.clone(),
            openai_compatible: s.openai_compatible.as_ref().map(|o| OpenAiCompatible {
                url: o.url.clone(),
                api_key_env: o.api_key_env.clone(),
                model: o.model.clone(),
            }),
        }
    }
}
