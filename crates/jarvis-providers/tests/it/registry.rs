//! MinerRegistry semantics.

use jarvis_mining::MinerRegistry;
use jarvis_providers::cpu_pearl;
use jarvis_providers::vllm_pearl;

#[test]
fn builtin_registers_every_provider_in_doctor_order() {
    let registry = jarvis_providers::builtin();
    assert_eq!(
        registry.keys(),
        ["vllm-pearl", "cpu-pearl", "apple-mps-pearl"]
    );
}

#[test]
fn ensure_registered_is_idempotent() {
    let mut registry = MinerRegistry::new();
    cpu_pearl::ensure_registered(&mut registry);
    cpu_pearl::ensure_registered(&mut registry);
    vllm_pearl::ensure_registered(&mut registry);
    assert_eq!(registry.keys(), ["cpu-pearl", "vllm-pearl"]);
}

#[test]
fn duplicate_register_is_an_error_and_unknown_ids_list_the_known_ones() {
    let mut registry = jarvis_providers::builtin();
    let descriptor = *registry.get("cpu-pearl").expect("registered");
    let err = registry.register(descriptor).expect_err("duplicate");
    assert_eq!(
        err.to_string(),
        "MinerRegistry already has an entry for 'cpu-pearl'"
    );
    let err = registry
        .require("gpu-magic")
        .expect_err("unknown")
        .to_string();
    assert!(
        err.contains("'gpu-magic'") && err.contains("vllm-pearl") && err.contains("cpu-pearl"),
        "{err}"
    );
}

#[test]
fn clear_empties_the_registry() {
    let mut registry = jarvis_providers::builtin();
    registry.clear();
    assert!(registry.keys().is_empty());
    assert!(!registry.contains("cpu-pearl"));
}
