//! `cpu-pearl`: Pearl's gateway plus jarvis' native NoisyGEMM miner threads, beside any engine.
//! A detached supervisor (`jarvis mine supervise`) owns both; see [`crate::supervisor`].

mod checks;
mod launch;
mod logs;
mod provider;
mod stats;

use jarvis_core::hardware::{HardwareInfo, Platform};
use jarvis_core::paths::JarvisHome;

use crate::capabilities::MiningCapabilities;
use crate::provider::MiningProvider;
use crate::registry::{MinerRegistry, MiningDevice, ProviderDescriptor, ProviderNeeds};

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
    });
}

fn create(home: &JarvisHome) -> Box<dyn MiningProvider> {
    Box::new(CpuPearlProvider::new(home.clone()))
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
