use jarvis_core::hardware::{disk_free_bytes, parse_nvidia_smi, parse_system_profiler_displays};
use jarvis_core::{CpuInfo, GpuInfo, GpuVendor, HardwareInfo, Platform};
use proptest::prelude::*;

#[test]
fn nvidia_smi_two_h100s() {
    let text = "0, NVIDIA H100 80GB HBM3, 81559, 9.0\n1, NVIDIA H100 80GB HBM3, 81559, 9.0\n";
    let gpus = parse_nvidia_smi(text);
    assert_eq!(gpus.len(), 2);
    assert_eq!(
        gpus[1],
        GpuInfo {
            vendor: GpuVendor::Nvidia,
            name: "NVIDIA H100 80GB HBM3".to_string(),
            vram_gb: 79.6,
            compute_capability: Some("9.0".to_string()),
            index: 1,
        }
    );
    assert_eq!(gpus[0].index, 0);
}

#[test]
fn nvidia_smi_rtx_4090_and_garbage() {
    let text = "NVIDIA-SMI has failed because it couldn't communicate with the driver\n\
                \n\
                0, NVIDIA GeForce RTX 4090, 24564, 8.9\n\
                x, broken, line, 1.0\n\
                1, Tesla, weird, [N/A]\n\
                2, Old GPU, 4096, [N/A]\r\n";
    let gpus = parse_nvidia_smi(text);
    assert_eq!(gpus.len(), 2, "{gpus:?}");
    assert_eq!(gpus[0].name, "NVIDIA GeForce RTX 4090");
    assert_eq!(gpus[0].vram_gb, 24.0);
    assert_eq!(gpus[0].compute_capability.as_deref(), Some("8.9"));
    assert_eq!(gpus[1].index, 2);
    assert_eq!(gpus[1].vram_gb, 4.0);
    assert_eq!(gpus[1].compute_capability, None);
}

#[test]
fn nvidia_smi_empty() {
    assert!(parse_nvidia_smi("").is_empty());
    assert!(parse_nvidia_smi("\n\n").is_empty());
}

#[test]
fn nvidia_smi_name_with_commas() {
    let gpus = parse_nvidia_smi("3, GPU, rev. A, 1024, 7.5");
    assert_eq!(gpus.len(), 1);
    assert_eq!(gpus[0].name, "GPU, rev. A");
    assert_eq!(gpus[0].vram_gb, 1.0);
}

const SYSTEM_PROFILER_M3: &str = "Graphics/Displays:

    Apple M3 Max:

      Chipset Model: Apple M3 Max
      Type: GPU
      Bus: Built-In
      Total Number of Cores: 40
      Vendor: Apple (0x106b)
      Metal Support: Metal 3
";

#[test]
fn system_profiler_apple_silicon() {
    let gpus = parse_system_profiler_displays(SYSTEM_PROFILER_M3, 128.0);
    assert_eq!(
        gpus,
        [GpuInfo {
            vendor: GpuVendor::Apple,
            name: "Apple M3 Max".to_string(),
            vram_gb: 128.0,
            compute_capability: None,
            index: 0,
        }]
    );
    let intel_mac = "      Chipset Model: Intel Iris Plus Graphics\n      Vendor: Intel\n";
    assert!(parse_system_profiler_displays(intel_mac, 16.0).is_empty());
    assert!(parse_system_profiler_displays("", 16.0).is_empty());
}

#[test]
fn detect_is_cached_and_sane() {
    let hw = HardwareInfo::detect();
    assert!(std::ptr::eq(hw, HardwareInfo::detect()));
    assert_eq!(hw.platform, Platform::current());
    assert_eq!(hw.arch, std::env::consts::ARCH);
    assert!(hw.cpu.cores >= 1);
    assert!(!hw.cpu.brand.is_empty());
    assert!(hw.memory_gb > 0.0);
    assert_eq!(hw.primary_gpu(), hw.gpus.first());
    #[cfg(target_arch = "x86_64")]
    assert_eq!(
        hw.cpu.features.iter().any(|f| f == "avx2"),
        std::arch::is_x86_feature_detected!("avx2")
    );
}

#[test]
fn serializes_platform_and_vendor_as_strings() {
    let hw = HardwareInfo {
        platform: Platform::Darwin,
        arch: "aarch64".to_string(),
        cpu: CpuInfo {
            brand: "Apple M3 Max".to_string(),
            cores: 16,
            features: vec!["neon".to_string()],
        },
        memory_gb: 128.0,
        gpus: vec![GpuInfo {
            vendor: GpuVendor::Apple,
            name: "Apple M3 Max".to_string(),
            vram_gb: 128.0,
            compute_capability: None,
            index: 0,
        }],
    };
    let json = serde_json::to_value(&hw).unwrap();
    assert_eq!(json["platform"], "darwin");
    assert_eq!(json["gpus"][0]["vendor"], "apple");
    let back: HardwareInfo = serde_json::from_value(json).unwrap();
    assert_eq!(back, hw);
    assert_eq!(Platform::from("Linux").as_str(), "linux");
    assert_eq!(
        Platform::from("freebsd"),
        Platform::Other("freebsd".to_string())
    );
    assert_eq!(GpuVendor::from("NVIDIA"), GpuVendor::Nvidia);
    assert_eq!(GpuVendor::Other("intel".to_string()).as_str(), "intel");
}

#[test]
fn disk_free_walks_up_to_an_existing_ancestor() {
    let dir = tempfile::tempdir().unwrap();
    let here = disk_free_bytes(dir.path()).unwrap();
    assert!(here > 0);
    let deeper = disk_free_bytes(&dir.path().join("not/yet/created")).unwrap();
    assert!(deeper > 0);
}

proptest! {
    #[test]
    fn parsers_never_panic(text in any::<String>()) {
        let _ = parse_nvidia_smi(&text);
        let _ = parse_system_profiler_displays(&text, 8.0);
    }
}
