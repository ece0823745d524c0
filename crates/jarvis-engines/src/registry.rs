//! The engine registry: every kind of engine jarvis can talk to, keyed by id.

use jarvis_core::Registry;
use serde::Serialize;

/// Id of the engine a mining sidecar announces.
pub const MINING_ENGINE_ID: &str = "vllm-pearl-mining";

/// The wire protocol an engine speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Protocol {
    /// OpenAI-compatible (`/v1/models`, `/v1/chat/completions` with SSE).
    OpenAi,
    /// Ollama's native API (`/api/tags`, `/api/chat` with NDJSON).
    Ollama,
}

impl Protocol {
    /// Human name.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::OpenAi => "OpenAI-compatible",
            Protocol::Ollama => "Ollama",
        }
    }
}

/// One kind of engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineKind {
    /// Protocol spoken.
    pub protocol: Protocol,
    /// URL used when the config names none; `None`: only present when configured or announced.
    pub default_url: Option<&'static str>,
    /// One-line description.
    pub description: &'static str,
}

/// Every engine kind, in display order.
pub fn engine_kinds() -> Registry<EngineKind> {
    let mut registry = Registry::new("engine registry");
    let kinds = [
        (
            "vllm",
            EngineKind {
                protocol: Protocol::OpenAi,
                default_url: Some("http://127.0.0.1:8000/v1"),
                description: "vLLM's OpenAI-compatible server",
            },
        ),
        (
            "ollama",
            EngineKind {
                protocol: Protocol::Ollama,
                default_url: Some("http://127.0.0.1:11434"),
                description: "Ollama",
            },
        ),
        (
            "openai-compatible",
            EngineKind {
                protocol: Protocol::OpenAi,
                default_url: None,
                description: "any OpenAI-compatible server ([engine.openai-compatible])",
            },
        ),
        (
            MINING_ENGINE_ID,
            EngineKind {
                protocol: Protocol::OpenAi,
                default_url: None,
                description: "the mining vLLM announced by the mining sidecar",
            },
        ),
    ];
    for (id, kind) in kinds {
        // Ids above are distinct; a duplicate could only be a programming error caught by tests.
        let _ = registry.register(id, kind);
    }
    registry
}
