//! Synthetic hosts for detect and doctor tests: hardware as `HardwareInfo::detect` would
//! report it, without touching the machine.

use jarvis_core::hardware::{CpuInfo, GpuInfo, GpuVendor, HardwareInfo, Platform};

/// A host with an 8-core AVX2 x86_64 CPU, 64 GB and `gpus`.
pub fn host(platform: Platform, gpus: Vec<GpuInfo>) -> HardwareInfo {
    HardwareInfo {
        platform,
        arch: "x86_64".to_owned(),
        cpu: CpuInfo {
            brand: "Test CPU".to_owned(),
            cores: 8,
            features: vec!["avx2".to_owned()],
        },
        memory_gb: 64.0,
        gpus,
    }
}

/// One GPU.
pub fn gpu(vendor: GpuVendor, name: &str, vram_gb: f64, cc: Option<&str>) -> GpuInfo {
    GpuInfo {
        vendor,
        name: name.to_owned(),
        vram_gb,
        compute_capability: cc.map(str::to_owned),
        index: 0,
    }
}

/// Linux with one H100 80GB (compute capability 9.0).
pub fn h100() -> HardwareInfo {
    host(
        Platform::Linux,
        vec![gpu(
            GpuVendor::Nvidia,
            "NVIDIA H100 80GB HBM3",
            79.6,
            Some("9.0"),
        )],
    )
}

/// Linux with an RTX 4090 (compute capability 8.9).
pub fn rtx4090() -> HardwareInfo {
    host(
        Platform::Linux,
        vec![gpu(
            GpuVendor::Nvidia,
            "NVIDIA GeForce RTX 4090",
            24.0,
            Some("8.9"),
        )],
    )
}

/// An Apple Silicon Mac with `chip`.
pub fn mac(chip: &str) -> HardwareInfo {
    let mut hw = host(
        Platform::Darwin,
        vec![gpu(GpuVendor::Apple, chip, 64.0, None)],
    );
    hw.arch = "aarch64".to_owned();
    hw.cpu.features = vec!["neon".to_owned()];
    hw
}

/// Linux without a GPU.
pub fn plain_linux() -> HardwareInfo {
    host(Platform::Linux, vec![])
}
