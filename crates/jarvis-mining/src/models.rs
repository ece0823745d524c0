//! The Pearl model registry: which Pearl-quantized models can mine, and on what.

use serde::Serialize;

/// Whether a model may mine by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelStatus {
    /// Passed the H100/H200 validation runbook.
    Validated,
    /// Published by Pearl, not yet validated in jarvis.
    Planned,
}

impl ModelStatus {
    /// Lower-case name as shown to users.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Validated => "validated",
            Self::Planned => "planned",
        }
    }
}

/// One Pearl model artifact.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PearlModel {
    /// Hugging Face id of the Pearl artifact.
    pub id: &'static str,
    /// The raw model it was quantized from.
    pub base_id: &'static str,
    /// Validation status.
    pub status: ModelStatus,
    /// GPU memory one GPU needs to serve it.
    pub min_vram_gb: u32,
    /// Default `--max-model-len`.
    pub max_model_len: u32,
    /// Default `--gpu-memory-utilization`.
    pub gpu_memory_utilization: f64,
    /// Provider that serves it.
    pub provider: &'static str,
    /// Extra line for listings.
    pub notes: &'static str,
}

const PLANNED_NOTE: &str = "Public Pearl org artifact; requires H100/H200 validation in jarvis before mining is enabled by default.";

/// Every known Pearl model, in display order.
pub const PEARL_MODELS: &[PearlModel] = &[
    PearlModel {
        id: "pearl-ai/Llama-3.3-70B-Instruct-pearl",
        base_id: "meta-llama/Llama-3.3-70B-Instruct",
        status: ModelStatus::Validated,
        min_vram_gb: 70,
        max_model_len: 8192,
        gpu_memory_utilization: 0.96,
        provider: "vllm-pearl",
        notes: "Default Pearl-blessed vLLM mining model.",
    },
    PearlModel {
        id: "pearl-ai/Gemma-4-31B-it-pearl",
        base_id: "google/gemma-4-31B-it",
        status: ModelStatus::Planned,
        min_vram_gb: 80,
        max_model_len: 8192,
        gpu_memory_utilization: 0.96,
        provider: "vllm-pearl",
        notes: PLANNED_NOTE,
    },
    PearlModel {
        id: "pearl-ai/Llama-3.1-8B-Instruct-pearl",
        base_id: "meta-llama/Llama-3.1-8B-Instruct",
        status: ModelStatus::Planned,
        min_vram_gb: 24,
        max_model_len: 8192,
        gpu_memory_utilization: 0.96,
        provider: "vllm-pearl",
        notes: PLANNED_NOTE,
    },
];

/// The model mined when the config names none.
pub const DEFAULT_MODEL: &str = "pearl-ai/Llama-3.3-70B-Instruct-pearl";

/// VRAM assumed for a model outside the registry.
pub const UNKNOWN_MODEL_MIN_VRAM_GB: u32 = 70;

/// What a model id refers to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ModelLookup {
    /// A Pearl artifact id.
    Pearl(&'static PearlModel),
    /// The raw base id of a Pearl artifact: it cannot mine as is.
    RawBase(&'static PearlModel),
    /// Not known at all.
    Unknown,
}

impl ModelLookup {
    /// One line for doctor/inspect rows.
    pub fn describe(&self, id: &str) -> String {
        match self {
            Self::Pearl(m) => format!("{}: {}", m.status.as_str(), m.id),
            Self::RawBase(m) => format!("raw base model; use {}", m.id),
            Self::Unknown => format!("unknown model '{id}'; see `jarvis mine models`"),
        }
    }
}

/// Looks a model id up. Only Pearl ids match as models; a base id is reported as such.
pub fn lookup(id: &str) -> ModelLookup {
    if let Some(m) = PEARL_MODELS.iter().find(|m| m.id == id) {
        return ModelLookup::Pearl(m);
    }
    match PEARL_MODELS.iter().find(|m| m.base_id == id) {
        Some(m) => ModelLookup::RawBase(m),
        None => ModelLookup::Unknown,
    }
}

/// GPU memory one GPU needs to serve `id`; a base id needs what its Pearl artifact needs.
pub fn min_vram_gb(id: &str) -> u32 {
    match lookup(id) {
        ModelLookup::Pearl(m) | ModelLookup::RawBase(m) => m.min_vram_gb,
        ModelLookup::Unknown => UNKNOWN_MODEL_MIN_VRAM_GB,
    }
}

/// The Pearl artifact for a raw base id, if there is one.
pub fn pearl_variant_for_base_model(base_id: &str) -> Option<&'static str> {
    PEARL_MODELS
        .iter()
        .find(|m| m.base_id == base_id)
        .map(|m| m.id)
}
