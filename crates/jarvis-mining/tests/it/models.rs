//! The Pearl model registry.

use jarvis_mining::models::{self, ModelLookup, ModelStatus, PEARL_MODELS};

#[test]
fn lists_the_three_pearl_models_in_order() {
    let ids: Vec<&str> = PEARL_MODELS.iter().map(|m| m.id).collect();
    assert_eq!(
        ids,
        [
            "pearl-ai/Llama-3.3-70B-Instruct-pearl",
            "pearl-ai/Gemma-4-31B-it-pearl",
            "pearl-ai/Llama-3.1-8B-Instruct-pearl"
        ]
    );
    assert_eq!(PEARL_MODELS[0].status, ModelStatus::Validated);
    assert!(
        PEARL_MODELS[1..]
            .iter()
            .all(|m| m.status == ModelStatus::Planned)
    );
    assert!(PEARL_MODELS.iter().all(|m| !m.id.contains("Qwen")));
}

#[test]
fn lookup_matches_pearl_ids_only() {
    assert!(
        matches!(models::lookup("pearl-ai/Gemma-4-31B-it-pearl"), ModelLookup::Pearl(m) if m.min_vram_gb == 80)
    );
    match models::lookup("google/gemma-4-31B-it") {
        ModelLookup::RawBase(m) => assert_eq!(m.id, "pearl-ai/Gemma-4-31B-it-pearl"),
        other => panic!("{other:?}"),
    }
    assert_eq!(models::lookup("Qwen/Qwen3.5-9B"), ModelLookup::Unknown);
    assert_eq!(
        models::lookup("google/gemma-4-E4B-it"),
        ModelLookup::Unknown
    );
}

#[test]
fn raw_base_ids_are_described_with_the_pearl_id() {
    let id = "meta-llama/Llama-3.3-70B-Instruct";
    assert_eq!(
        models::lookup(id).describe(id),
        "raw base model; use pearl-ai/Llama-3.3-70B-Instruct-pearl"
    );
    assert_eq!(
        models::pearl_variant_for_base_model(id),
        Some("pearl-ai/Llama-3.3-70B-Instruct-pearl")
    );
    assert_eq!(
        models::pearl_variant_for_base_model("Qwen/Qwen3.5-9B"),
        None
    );
}

#[test]
fn min_vram_follows_the_pearl_artifact_and_defaults_for_unknown_ids() {
    assert_eq!(
        models::min_vram_gb("pearl-ai/Llama-3.1-8B-Instruct-pearl"),
        24
    );
    assert_eq!(models::min_vram_gb("google/gemma-4-31B-it"), 80);
    assert_eq!(
        models::min_vram_gb("Qwen/Qwen3.5-9B"),
        models::UNKNOWN_MODEL_MIN_VRAM_GB
    );
}
