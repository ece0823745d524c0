//! `apple-mps-pearl`: mining on the Apple GPU. Detection is real; the Metal miner is not built yet,
//! and the answer names the NEON kernel `cpu-pearl` mines with on the Mac instead.

use jarvis_core::hardware::{GpuVendor, HardwareInfo, Platform};
use jarvis_core::paths::JarvisHome;
use jarvis_mining::capabilities::MiningCapabilities;
use jarvis_mining::provider::MiningProvider;
use jarvis_mining::registry::{MinerRegistry, MiningDevice, ProviderDescriptor, ProviderNeeds};

use crate::pending::PendingProvider;

/// Registry id.
pub const ID: &str = "apple-mps-pearl";

/// Registers the provider unless present.
pub fn ensure_registered(registry: &mut MinerRegistry) {
    registry.register_if_absent(ProviderDescriptor {
        id: ID,
        summary: "experimental: NoisyGEMM on the Apple GPU (Metal), beside any engine",
        needs: ProviderNeeds {
            docker: false,
            device: MiningDevice::AppleGpu,
            serves_model: false,
        },
        detect,
        create,
        checks: None,
        daemon: None,
    });
}

fn create(_home: &JarvisHome) -> Box<dyn MiningProvider> {
    Box::new(PendingProvider { id: ID })
}

/// Pure capability detection; the first failing rule wins.
pub fn detect(hw: &HardwareInfo, _engine_id: &str, _model: &str) -> MiningCapabilities {
    if hw.platform != Platform::Darwin {
        return MiningCapabilities::unsupported(format!(
            "apple-mps-pearl requires macOS; this host is '{}'",
            hw.platform.as_str()
        ));
    }
    if !hw.gpus.iter().any(|g| g.vendor == GpuVendor::Apple) {
        return MiningCapabilities::unsupported("apple-mps-pearl requires an Apple GPU");
    }
    MiningCapabilities::unsupported(format!(
        "apple-mps-pearl needs jarvis' Metal miner, which this build does not include yet; use cpu-pearl on this Mac{}",
        cpu_kernel_note(hw)
    ))
}

/// Which NEON kernel cpu-pearl runs on this Mac's CPU (`init --provider auto` picks cpu-pearl).
#[cfg(feature = "mining-pearl-cpu")]
fn cpu_kernel_note(hw: &HardwareInfo) -> String {
    crate::cpu_pearl::aarch64_kernel(hw).map_or_else(String::new, |kernel| {
        format!(
            " (it mines with its {kernel} kernel on this CPU; `jarvis mine init --provider auto` picks it)"
        )
    })
}

#[cfg(not(feature = "mining-pearl-cpu"))]
fn cpu_kernel_note(_hw: &HardwareInfo) -> String {
    String::new()
}
