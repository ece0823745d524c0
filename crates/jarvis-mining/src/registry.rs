//! `MinerRegistry`: provider id -> descriptor (pure detect + factory), in registration order.

use jarvis_core::hardware::{GpuVendor, HardwareInfo};
use jarvis_core::paths::JarvisHome;
use jarvis_core::registry::{Registry, RegistryError};

use crate::capabilities::MiningCapabilities;
use crate::check::{CheckRow, ProviderCheckContext};
use crate::daemon::DaemonFn;
use crate::provider::BoxFuture;
use crate::provider::MiningProvider;

/// The engine providers are asked about until `[engine]` config exists.
pub const DEFAULT_ENGINE: &str = "vllm";

/// Pure capability detection: no subprocess, network, Docker or mutation.
pub type DetectFn = fn(hw: &HardwareInfo, engine_id: &str, model: &str) -> MiningCapabilities;

/// Builds a provider bound to a jarvis home.
pub type CreateFn = fn(home: &JarvisHome) -> Box<dyn MiningProvider>;

/// What a provider needs from the host, so generic code asks the registry instead of
/// branching on provider ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderNeeds {
    /// Runs in a container through the Docker Engine API.
    pub docker: bool,
    /// What does the multiply-accumulates.
    pub device: MiningDevice,
    /// Serves a Pearl model (the model registry applies).
    pub serves_model: bool,
}

/// The hardware a provider mines on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MiningDevice {
    /// CPU cores.
    Cpu,
    /// An NVIDIA GPU.
    NvidiaGpu,
    /// The Apple GPU.
    AppleGpu,
}

impl MiningDevice {
    /// The GPU vendor it needs, if any.
    pub fn gpu_vendor(self) -> Option<GpuVendor> {
        match self {
            Self::Cpu => None,
            Self::NvidiaGpu => Some(GpuVendor::Nvidia),
            Self::AppleGpu => Some(GpuVendor::Apple),
        }
    }
}

/// A provider's own doctor rows (Docker engine, image, gateway binary, ...), run concurrently
/// with the generic checks when it is the configured provider.
pub type ChecksFn = for<'a> fn(&'a ProviderCheckContext<'a>) -> BoxFuture<'a, Vec<CheckRow>>;

/// One registered provider.
#[derive(Clone, Copy)]
pub struct ProviderDescriptor {
    /// Registry id, e.g. `vllm-pearl`.
    pub id: &'static str,
    /// One line for listings.
    pub summary: &'static str,
    /// What it needs from the host.
    pub needs: ProviderNeeds,
    /// The provider's pure detect.
    pub detect: DetectFn,
    /// The provider's factory.
    pub create: CreateFn,
    /// Its own doctor checks, if any.
    pub checks: Option<ChecksFn>,
    /// Its background process, if it has one: what `jarvis mine supervise --provider <id>`
    /// runs (cpu-pearl's supervisor, vllm-pearl's history sampler).
    pub daemon: Option<DaemonFn>,
}

impl std::fmt::Debug for ProviderDescriptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderDescriptor")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// The registry of mining providers. Generic code iterates it; it never branches on an id.
pub struct MinerRegistry {
    entries: Registry<ProviderDescriptor>,
}

impl Default for MinerRegistry {
    fn default() -> Self {
        Self::new()
    }
}

impl MinerRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self {
            entries: Registry::new("MinerRegistry"),
        }
    }

    /// Adds a provider; a duplicate id is an error.
    pub fn register(&mut self, descriptor: ProviderDescriptor) -> Result<(), RegistryError> {
        self.entries.register(descriptor.id, descriptor)
    }

    /// Adds a provider unless its id is present (what `ensure_registered` uses).
    pub fn register_if_absent(&mut self, descriptor: ProviderDescriptor) {
        self.entries
            .register_if_absent(descriptor.id, || descriptor);
    }

    /// Whether `id` is registered.
    pub fn contains(&self, id: &str) -> bool {
        self.entries.contains(id)
    }

    /// The descriptor for `id`.
    pub fn get(&self, id: &str) -> Option<&ProviderDescriptor> {
        self.entries.get(id)
    }

    /// The descriptor for `id`, or an error listing the known ids.
    pub fn require(&self, id: &str) -> Result<&ProviderDescriptor, RegistryError> {
        self.entries.require(id)
    }

    /// Registered ids in registration order.
    pub fn keys(&self) -> Vec<&str> {
        self.entries.keys()
    }

    /// Descriptors in registration order.
    pub fn descriptors(&self) -> impl Iterator<Item = &ProviderDescriptor> {
        self.entries.iter().map(|(_, d)| d)
    }

    /// Empties the registry (tests).
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}
