//! The `vllm-pearl` provider: Pearl's vLLM miner container on NVIDIA Hopper, where inference
//! is mining. It drives the Docker Engine API: the miner image (pulled, or built from Pearl's
//! pinned source), the container's launch spec and config-hash convergence, readiness on vLLM's
//! `/health`, status from the container and vLLM, attaching a miner started by hand, and the
//! provider's doctor rows.

mod attach;
mod build;
mod checks;
pub mod container;
pub mod container_body;
pub mod docker;
pub mod image;
mod logline;
mod provider;
pub mod sampler;
pub mod source;
pub mod spec;
pub mod status;

use jarvis_core::hardware::{GpuInfo, GpuVendor, HardwareInfo};
use jarvis_core::paths::JarvisHome;

pub use attach::{AttachRequest, Attached, attach, detach};
pub use checks::HF_CACHE_MIN_FREE_GB;
#[doc(hidden)]
pub use logline::parse_engine_line;
pub use provider::{EXTERNAL_CONTAINER, ProviderSettings, VllmPearlProvider};

use jarvis_mining::capabilities::MiningCapabilities;
use jarvis_mining::models::{self, ModelLookup, ModelStatus};
use jarvis_mining::provider::MiningProvider;
use jarvis_mining::registry::{MinerRegistry, MiningDevice, ProviderDescriptor, ProviderNeeds};

/// Registry id.
pub const ID: &str = "vllm-pearl";

/// The only engine with a Pearl plugin.
pub const ENGINE: &str = "vllm";

/// Registers the provider unless present.
pub fn ensure_registered(registry: &mut MinerRegistry) {
    registry.register_if_absent(ProviderDescriptor {
        id: ID,
        summary: "Pearl's vLLM miner container on NVIDIA Hopper (inference is mining)",
        needs: ProviderNeeds {
            docker: true,
            device: MiningDevice::NvidiaGpu,
            serves_model: true,
        },
        detect,
        create,
        checks: Some(checks::checks),
        daemon: Some(sampler::run),
    });
}

fn create(home: &JarvisHome) -> Box<dyn MiningProvider> {
    Box::new(VllmPearlProvider::new(home.clone()))
}

/// Pure capability detection; the first failing rule wins.
pub fn detect(hw: &HardwareInfo, engine_id: &str, model: &str) -> MiningCapabilities {
    if engine_id != ENGINE {
        return MiningCapabilities::unsupported(format!(
            "engine '{engine_id}' has no Pearl plugin; use vllm"
        ));
    }
    let Some(gpu) = best_nvidia_gpu(hw) else {
        return match hw.gpus.first() {
            None => MiningCapabilities::unsupported("no GPU detected"),
            Some(other) => MiningCapabilities::unsupported(format!(
                "vllm-pearl requires NVIDIA Hopper; detected '{}'; use cpu-pearl on this host",
                other.vendor.as_str()
            )),
        };
    };
    let cc = gpu.compute_capability.as_deref().unwrap_or("unknown");
    if !is_hopper(cc) {
        return MiningCapabilities::unsupported(format!(
            "needs compute_capability 9.0 (sm_90a / H100/H200); detected '{cc}' ({})",
            gpu.name
        ));
    }
    let lookup = models::lookup(model);
    let required = match lookup {
        ModelLookup::Pearl(m) | ModelLookup::RawBase(m) => m.min_vram_gb,
        ModelLookup::Unknown => models::UNKNOWN_MODEL_MIN_VRAM_GB,
    };
    if gpu.vram_gb < f64::from(required) {
        return MiningCapabilities::unsupported(format!(
            "needs ≥{required} GB VRAM for {model}; detected {:.0} GB",
            gpu.vram_gb
        ));
    }
    match lookup {
        ModelLookup::RawBase(m) => MiningCapabilities::unsupported(format!(
            "model '{model}' is a raw base model; use '{}'",
            m.id
        )),
        ModelLookup::Unknown => MiningCapabilities::unsupported(format!(
            "model '{model}' is not in jarvis' Pearl model registry; see `jarvis mine models`"
        )),
        ModelLookup::Pearl(m) if m.status != ModelStatus::Validated => {
            MiningCapabilities::unsupported(format!(
                "model '{model}' is {}; it needs Pearl quantization and H100/H200 validation before mining is enabled",
                m.status.as_str()
            ))
        }
        ModelLookup::Pearl(_) => MiningCapabilities::supported(),
    }
}

/// Whether a CUDA compute capability is Hopper's 9.0 (sm_90a), the only one Pearl's kernels run on.
pub(crate) fn is_hopper(compute_capability: &str) -> bool {
    compute_capability.starts_with("9.0")
}

/// The NVIDIA GPU to judge the host by: a Hopper one with the most memory, else the first NVIDIA.
fn best_nvidia_gpu(hw: &HardwareInfo) -> Option<&GpuInfo> {
    let nvidia = || hw.gpus.iter().filter(|g| g.vendor == GpuVendor::Nvidia);
    nvidia()
        .filter(|g| g.compute_capability.as_deref().is_some_and(is_hopper))
        .max_by(|a, b| a.vram_gb.total_cmp(&b.vram_gb))
        .or_else(|| nvidia().next())
}
