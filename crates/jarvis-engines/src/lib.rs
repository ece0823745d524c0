//! Inference engines for `jarvis ask` / `jarvis engines`: the `[engine]` config section, an
//! engine registry (vLLM, Ollama, any OpenAI-compatible server, and the mining vLLM a sidecar
//! announces), data-driven discovery, concurrent health probes, and streaming chat (OpenAI SSE
//! and Ollama NDJSON). Prints nothing.

mod chat;
pub mod config;
mod discovery;
mod error;
mod probe;
mod registry;
pub mod stream;

pub use chat::{ChatOutcome, ChatRequest, chat};
pub use config::{EngineConfig, OpenAiCompatible};
pub use discovery::{Discovery, Engine, MiningEndpoint, Origin, discover};
pub use error::EngineError;
pub use probe::{Health, ProbeResult, model_ids, probe, probe_all, server_base};
pub use registry::{EngineKind, MINING_ENGINE_ID, Protocol, engine_kinds};
