//! Synthetic hosts for detect and doctor tests.

use jarvis_core::hardware::{CpuInfo, GpuInfo, GpuVendor, HardwareInfo, Platform};

pub(crate) fn host(platform: Platform, gpus: Vec<GpuInfo>) -> HardwareInfo {
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

pub(crate) fn gpu(vendor: GpuVendor, name: &str, vram_gb: f64, cc: Option<&str>) -> GpuInfo {
    GpuInfo {
        vendor,
        name: name.to_owned(),
        vram_gb,
        compute_capability: cc.map(str::to_owned),
        index: 0,
    }
}

pub(crate) fn h100() -> HardwareInfo {
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

pub(crate) fn rtx4090() -> HardwareInfo {
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

pub(crate) fn mac(chip: &str) -> HardwareInfo {
    let mut hw = host(
        Platform::Darwin,
        vec![gpu(GpuVendor::Apple, chip, 64.0, None)],
    );
    hw.arch = "aarch64".to_owned();
    hw.cpu.features = vec!["neon".to_owned()];
    hw
}

pub(crate) fn plain_linux() -> HardwareInfo {
    host(Platform::Linux, vec![])
}
