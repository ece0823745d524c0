//! Hardware detection: platform, CPU, memory and GPUs (NVIDIA via NVML or `nvidia-smi`, Apple).
//!
//! Detection never fails: anything that cannot be probed is simply absent.

mod cpu;
mod disk;
mod gpu;

use std::sync::OnceLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use disk::disk_free_bytes;
pub use gpu::{parse_nvidia_smi, parse_system_profiler_displays};

/// What this machine offers for mining and inference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HardwareInfo {
    /// Operating system family.
    pub platform: Platform,
    /// CPU architecture as Rust names it (`x86_64`, `aarch64`).
    pub arch: String,
    /// CPU model, logical core count and SIMD features.
    pub cpu: CpuInfo,
    /// Total RAM in GB (GiB), one decimal.
    pub memory_gb: f64,
    /// Every detected GPU, in index order.
    pub gpus: Vec<GpuInfo>,
}

/// Operating system family; serialized as [`Platform::as_str`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Platform {
    /// Linux.
    Linux,
    /// macOS.
    Darwin,
    /// Windows.
    Windows,
    /// Anything else, by its lower-case name.
    Other(String),
}

/// The CPU: brand string, logical cores and detected instruction-set features.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuInfo {
    /// Model name, e.g. `AMD EPYC 9654 96-Core Processor` (`unknown` if unreadable).
    pub brand: String,
    /// Logical cores available to this process.
    pub cores: usize,
    /// Detected features (`avx2`, `avx512f`, `neon`, ...).
    pub features: Vec<String>,
}

/// One GPU.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GpuInfo {
    /// Maker.
    pub vendor: GpuVendor,
    /// Marketing name, e.g. `NVIDIA H100 80GB HBM3`.
    pub name: String,
    /// Memory in GB (GiB), one decimal; total RAM for Apple unified memory.
    pub vram_gb: f64,
    /// CUDA compute capability such as `9.0` (NVIDIA only).
    pub compute_capability: Option<String>,
    /// Device index as the driver numbers it.
    pub index: u32,
}

/// GPU maker; serialized as [`GpuVendor::as_str`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GpuVendor {
    /// NVIDIA.
    Nvidia,
    /// Apple silicon.
    Apple,
    /// AMD.
    Amd,
    /// Anything else, lower-case.
    Other(String),
}

impl Platform {
    /// The platform of the running binary.
    pub fn current() -> Platform {
        Platform::from(std::env::consts::OS)
    }

    /// `linux`, `darwin`, `windows` or the other name.
    pub fn as_str(&self) -> &str {
        match self {
            Platform::Linux => "linux",
            Platform::Darwin => "darwin",
            Platform::Windows => "windows",
            Platform::Other(s) => s,
        }
    }
}

impl From<&str> for Platform {
    fn from(s: &str) -> Platform {
        match s.to_ascii_lowercase().as_str() {
            "linux" => Platform::Linux,
            "darwin" | "macos" => Platform::Darwin,
            "windows" => Platform::Windows,
            other => Platform::Other(other.to_string()),
        }
    }
}

impl GpuVendor {
    /// `nvidia`, `apple`, `amd` or the other name.
    pub fn as_str(&self) -> &str {
        match self {
            GpuVendor::Nvidia => "nvidia",
            GpuVendor::Apple => "apple",
            GpuVendor::Amd => "amd",
            GpuVendor::Other(s) => s,
        }
    }
}

impl From<&str> for GpuVendor {
    fn from(s: &str) -> GpuVendor {
        match s.to_ascii_lowercase().as_str() {
            "nvidia" => GpuVendor::Nvidia,
            "apple" => GpuVendor::Apple,
            "amd" => GpuVendor::Amd,
            other => GpuVendor::Other(other.to_string()),
        }
    }
}

macro_rules! string_serde {
    ($t:ty) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Ok(<$t>::from(s.as_str()))
            }
        }
    };
}
string_serde!(Platform);
string_serde!(GpuVendor);

impl HardwareInfo {
    /// Detects the hardware once per process and returns the cached result.
    pub fn detect() -> &'static HardwareInfo {
        static CACHE: OnceLock<HardwareInfo> = OnceLock::new();
        CACHE.get_or_init(Self::detect_uncached)
    }

    /// Runs detection now, without the cache.
    pub fn detect_uncached() -> HardwareInfo {
        let memory_gb = cpu::memory_gb();
        HardwareInfo {
            platform: Platform::current(),
            arch: std::env::consts::ARCH.to_string(),
            cpu: cpu::detect(),
            memory_gb,
            gpus: gpu::detect(memory_gb),
        }
    }

    /// The GPU mining would use: the first one (lowest index).
    pub fn primary_gpu(&self) -> Option<&GpuInfo> {
        self.gpus.first()
    }
}

/// Rounds to one decimal place.
fn one_decimal(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// `bytes` in GiB, one decimal (how every size in [`HardwareInfo`] is reported).
fn gib_one_decimal(bytes: u64) -> f64 {
    one_decimal(bytes as f64 / (1u64 << 30) as f64)
}
