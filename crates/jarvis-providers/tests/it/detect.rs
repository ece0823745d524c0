//! detect() matrices for every provider, on synthetic hosts.

use jarvis_core::hardware::{GpuVendor, Platform};
use jarvis_mining::models::DEFAULT_MODEL;
use jarvis_providers::apple_mps_pearl;
use jarvis_providers::cpu_pearl;
use jarvis_providers::vllm_pearl;
use jarvis_testkit::hw::{gpu, h100, host, mac, plain_linux, rtx4090};

fn reason(caps: &jarvis_mining::MiningCapabilities) -> String {
    assert!(!caps.supported, "expected unsupported, got {caps:?}");
    caps.reason
        .clone()
        .expect("unsupported answers carry a reason")
}

#[test]
fn vllm_supported_on_h100_with_default_model() {
    let caps = vllm_pearl::detect(&h100(), "vllm", DEFAULT_MODEL);
    assert!(caps.supported, "{caps:?}");
    assert_eq!(caps.reason, None);
}

#[test]
fn vllm_rejects_other_engines() {
    for engine in ["ollama", "mlx", "llamacpp", ""] {
        let r = reason(&vllm_pearl::detect(&h100(), engine, DEFAULT_MODEL));
        assert!(
            r.contains(&format!("engine '{engine}'")) && r.contains("use vllm"),
            "{r}"
        );
    }
}

#[test]
fn vllm_needs_a_gpu() {
    assert_eq!(
        reason(&vllm_pearl::detect(&plain_linux(), "vllm", DEFAULT_MODEL)),
        "no GPU detected"
    );
}

#[test]
fn vllm_needs_nvidia() {
    let r = reason(&vllm_pearl::detect(
        &mac("Apple M3 Max"),
        "vllm",
        DEFAULT_MODEL,
    ));
    assert!(r.contains("NVIDIA Hopper") && r.contains("'apple'"), "{r}");
}

#[test]
fn vllm_needs_hopper_compute_capability() {
    let r = reason(&vllm_pearl::detect(&rtx4090(), "vllm", DEFAULT_MODEL));
    assert!(
        r.contains("compute_capability 9.0") && r.contains("'8.9'") && r.contains("RTX 4090"),
        "{r}"
    );
}

#[test]
fn vllm_needs_model_aware_vram() {
    let small = host(
        Platform::Linux,
        vec![gpu(
            GpuVendor::Nvidia,
            "NVIDIA H100 PCIe",
            40.0,
            Some("9.0"),
        )],
    );
    let r = reason(&vllm_pearl::detect(&small, "vllm", DEFAULT_MODEL));
    assert!(
        r.contains("≥70 GB VRAM") && r.contains("detected 40 GB"),
        "{r}"
    );
    // The 8B model needs 24 GB: the VRAM rule passes and the planned-status rule answers.
    let r = reason(&vllm_pearl::detect(
        &small,
        "vllm",
        "pearl-ai/Llama-3.1-8B-Instruct-pearl",
    ));
    assert!(r.contains("is planned"), "{r}");
}

#[test]
fn vllm_picks_the_hopper_gpu_on_mixed_hosts() {
    let mixed = host(
        Platform::Linux,
        vec![
            gpu(
                GpuVendor::Nvidia,
                "NVIDIA GeForce RTX 4090",
                24.0,
                Some("8.9"),
            ),
            gpu(GpuVendor::Nvidia, "NVIDIA H200", 139.8, Some("9.0")),
        ],
    );
    assert!(vllm_pearl::detect(&mixed, "vllm", DEFAULT_MODEL).supported);
}

#[test]
fn vllm_reports_raw_base_models_with_their_pearl_id() {
    let r = reason(&vllm_pearl::detect(
        &h100(),
        "vllm",
        "meta-llama/Llama-3.3-70B-Instruct",
    ));
    assert!(
        r.contains("raw base model") && r.contains("pearl-ai/Llama-3.3-70B-Instruct-pearl"),
        "{r}"
    );
    let big = host(
        Platform::Linux,
        vec![gpu(GpuVendor::Nvidia, "NVIDIA H200", 139.8, Some("9.0"))],
    );
    let r = reason(&vllm_pearl::detect(&big, "vllm", "google/gemma-4-31B-it"));
    assert!(r.contains("pearl-ai/Gemma-4-31B-it-pearl"), "{r}");
}

#[test]
fn vllm_rejects_unknown_and_planned_models() {
    let r = reason(&vllm_pearl::detect(&h100(), "vllm", "Qwen/Qwen3.5-9B"));
    assert!(r.contains("not in jarvis' Pearl model registry"), "{r}");
    let big = host(
        Platform::Linux,
        vec![gpu(GpuVendor::Nvidia, "NVIDIA H200", 139.8, Some("9.0"))],
    );
    let r = reason(&vllm_pearl::detect(
        &big,
        "vllm",
        "pearl-ai/Gemma-4-31B-it-pearl",
    ));
    assert!(r.contains("planned") && r.contains("validation"), "{r}");
}

#[test]
fn cpu_supported_on_linux_and_macos_for_any_engine() {
    for hw in [plain_linux(), h100(), mac("Apple M2 Max")] {
        for engine in ["vllm", "ollama", "mlx", "llamacpp", "anthropic-cloud", ""] {
            assert!(cpu_pearl::detect(&hw, engine, "anything").supported);
        }
    }
}

#[test]
fn cpu_rejects_windows() {
    let r = reason(&cpu_pearl::detect(
        &host(Platform::Windows, vec![]),
        "vllm",
        DEFAULT_MODEL,
    ));
    assert!(r.contains("'windows'") && r.contains("WSL2"), "{r}");
}

#[test]
fn apple_requires_macos_then_an_apple_gpu() {
    let r = reason(&apple_mps_pearl::detect(&h100(), "vllm", DEFAULT_MODEL));
    assert!(r.contains("requires macOS") && r.contains("'linux'"), "{r}");
    let no_gpu = host(Platform::Darwin, vec![]);
    assert_eq!(
        reason(&apple_mps_pearl::detect(&no_gpu, "vllm", DEFAULT_MODEL)),
        "apple-mps-pearl requires an Apple GPU"
    );
}

#[test]
fn apple_on_every_apple_chip_says_the_metal_miner_is_missing() {
    for chip in [
        "Apple M2 Max",
        "Apple M3 Max",
        "Apple M4 Max",
        "Apple M5 Max",
    ] {
        let r = reason(&apple_mps_pearl::detect(&mac(chip), "mlx", DEFAULT_MODEL));
        assert!(
            r.contains("Metal miner") && r.contains("cpu-pearl"),
            "{chip}: {r}"
        );
    }
}

#[test]
fn apple_names_the_neon_kernel_cpu_pearl_runs_and_auto_picks_cpu_pearl() {
    // M1: dotprod; M2 and later: dotprod and i8mm (as LLVM's apple-m1/m2 CPUs); a VM may
    // report neither.
    for (features, kernel) in [
        (&["neon", "dotprod"][..], "neon-dotprod kernel"),
        (&["neon", "dotprod", "i8mm"][..], "neon-i8mm kernel"),
        (&["neon"][..], "neon kernel"),
    ] {
        let mut hw = mac("Apple M4 Max");
        hw.cpu.features = features.iter().map(|f| (*f).to_owned()).collect();
        let r = reason(&apple_mps_pearl::detect(&hw, "mlx", DEFAULT_MODEL));
        assert!(
            r.contains(&format!("its {kernel} on this CPU")) && r.contains("--provider auto"),
            "{features:?}: {r}"
        );
        // `init --provider auto` takes the first supported provider in registry order.
        let registry = jarvis_providers::builtin();
        let first = registry
            .descriptors()
            .find(|d| (d.detect)(&hw, "mlx", DEFAULT_MODEL).supported)
            .map(|d| d.id);
        assert_eq!(first, Some(cpu_pearl::ID), "{features:?}");
    }
    // Off aarch64 there is no NEON kernel to name.
    assert_eq!(cpu_pearl::aarch64_kernel(&plain_linux()), None);
}
