//! The `cpu-pearl` provider and its supervisor: Pearl's `pearl-gateway` plus jarvis' native
//! NoisyGEMM miner threads, beside any inference engine.
//!
//! The provider side (start, stop, status, logs, doctor checks) runs in the CLI; the
//! [`supervisor`] is the background process `mine start` launches: it owns the gateway child
//! and the miner loop, serves the metrics exporter, and keeps the sidecar and the mining
//! history current.

mod checks;
mod launch;
mod logs;
mod provider;
mod stats;
pub mod supervisor;

use jarvis_core::hardware::{HardwareInfo, Platform};
use jarvis_core::paths::JarvisHome;
use jarvis_mining::capabilities::MiningCapabilities;
use jarvis_mining::provider::MiningProvider;
use jarvis_mining::registry::{MinerRegistry, MiningDevice, ProviderDescriptor, ProviderNeeds};

pub use launch::{READY_TIMEOUT_ENV, run_supervisor};
pub use provider::CpuPearlProvider;
pub use stats::stats_from_metrics;

/// Registry id.
pub const ID: &str = "cpu-pearl";

/// Registers the provider unless present.
pub fn ensure_registered(registry: &mut MinerRegistry) {
    registry.register_if_absent(ProviderDescriptor {
        id: ID,
        summary: "native CPU NoisyGEMM miner beside pearl-gateway (inference untouched)",
        needs: ProviderNeeds {
            docker: false,
            device: MiningDevice::Cpu,
            serves_model: false,
        },
        detect,
        create,
        checks: Some(checks::checks),
        daemon: Some(run_supervisor),
    });
}

fn create(home: &JarvisHome) -> Box<dyn MiningProvider> {
    Box::new(CpuPearlProvider::new(home.clone()))
}

/// The kernel this provider mines with on `hw` when it is an aarch64 host, from its detected
/// CPU features (`neon-i8mm`, `neon-dotprod` or `neon`); `None` on other architectures.
pub fn aarch64_kernel(hw: &HardwareInfo) -> Option<&'static str> {
    let has = |feature: &str| hw.cpu.features.iter().any(|f| f == feature);
    (hw.arch == "aarch64")
        .then(|| pearl_miner::kernel::aarch64_auto_kernel(has("dotprod"), has("i8mm")).name())
}

/// Pure capability detection. Engine- and model-independent: it mines beside inference.
pub fn detect(hw: &HardwareInfo, _engine_id: &str, _model: &str) -> MiningCapabilities {
    match hw.platform {
        Platform::Linux | Platform::Darwin => MiningCapabilities::supported(),
        ref other => MiningCapabilities::unsupported(format!(
            "cpu-pearl supports Linux and macOS only; this host is '{}' (on Windows, use WSL2)",
            other.as_str()
        )),
    }
}
