//! The mining providers this build includes, gathered into one `MinerRegistry`: `vllm-pearl`
//! (crate `jarvis-vllm-pearl`), `cpu-pearl` (crate `jarvis-cpu-pearl`) and the detect-only
//! `apple-mps-pearl`, each behind its cargo feature (`mining-pearl-vllm`, `mining-pearl-cpu`,
//! `mining-pearl-metal`). This is the one place that lists providers.

#[cfg(feature = "mining-pearl-metal")]
pub mod apple_mps_pearl;
#[cfg(feature = "mining-pearl-metal")]
mod pending;

#[cfg(feature = "mining-pearl-cpu")]
pub use jarvis_cpu_pearl as cpu_pearl;
use jarvis_mining::registry::MinerRegistry;
#[cfg(feature = "mining-pearl-vllm")]
pub use jarvis_vllm_pearl as vllm_pearl;

/// A registry holding every provider compiled into this build, in doctor order.
pub fn builtin() -> MinerRegistry {
    let mut registry = MinerRegistry::new();
    ensure_all_registered(&mut registry);
    registry
}

/// Registers every provider compiled into this build, in doctor order.
pub fn ensure_all_registered(registry: &mut MinerRegistry) {
    #[cfg(feature = "mining-pearl-vllm")]
    vllm_pearl::ensure_registered(registry);
    #[cfg(feature = "mining-pearl-cpu")]
    cpu_pearl::ensure_registered(registry);
    #[cfg(feature = "mining-pearl-metal")]
    apple_mps_pearl::ensure_registered(registry);
    let _ = registry;
}
