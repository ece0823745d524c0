//! `[engine]` of `config.toml`: which inference engine `jarvis ask` prefers and where the
//! engines live.

use serde::Serialize;

/// Inference engine ids the `[engine]` table may name as `default`.
pub const ENGINE_IDS: &[&str] = &["vllm", "ollama", "openai-compatible", "vllm-pearl-mining"];

/// `[engine]`: which inference engine `jarvis ask` prefers and where the engines live.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct EngineSection {
    /// `default`: the preferred engine id (one of [`ENGINE_IDS`]).
    pub default: Option<String>,
    /// `[engine.vllm] url` (an OpenAI base URL ending in `/v1`).
    pub vllm_url: Option<String>,
    /// `[engine.ollama] url`.
    pub ollama_url: Option<String>,
    /// `[engine.openai-compatible]`.
    pub openai_compatible: Option<OpenAiCompatibleSection>,
    /// Keys present under `[engine]` that jarvis does not know, dotted.
    #[serde(skip)]
    pub unknown_keys: Vec<String>,
}

/// `[engine.openai-compatible]`: any OpenAI-compatible server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenAiCompatibleSection {
    /// Base URL, e.g. `https://api.example.com/v1`.
    pub url: String,
    /// NAME of the env var holding the API key (never the key itself).
    pub api_key_env: Option<String>,
    /// Model to ask when none is given.
    pub model: Option<String>,
}
