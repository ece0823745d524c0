//! One module per provider, each behind its own cargo feature.

#[cfg(feature = "mining-pearl-metal")]
pub mod apple_mps_pearl;
#[cfg(feature = "mining-pearl-cpu")]
pub mod cpu_pearl;
#[cfg(feature = "mining-pearl-vllm")]
pub mod vllm_pearl;

#[cfg(feature = "mining-pearl-metal")]
mod pending;

use crate::registry::MinerRegistry;

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

/// The engine providers are asked about until `[engine]` config exists.
pub const DEFAULT_ENGINE: &str = "vllm";
