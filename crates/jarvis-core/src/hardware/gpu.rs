//! GPU discovery: NVML, then `nvidia-smi`, then (macOS) `system_profiler`.

use std::time::Duration;

use super::{GpuInfo, GpuVendor, gib_one_decimal, one_decimal};

const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// All GPUs we can see; `ram_gb` is the unified-memory size reported for Apple GPUs.
pub(super) fn detect(ram_gb: f64) -> Vec<GpuInfo> {
    let nvidia = nvml_gpus()
        .filter(|g| !g.is_empty())
        .or_else(nvidia_smi_gpus);
    if let Some(gpus) = nvidia.filter(|g| !g.is_empty()) {
        return gpus;
    }
    apple_gpus(ram_gb)
}

/// Every device NVML reports; `None` when the NVML library is absent or fails to initialise.
fn nvml_gpus() -> Option<Vec<GpuInfo>> {
    let nvml = nvml_wrapper::Nvml::init().ok()?;
    let count = nvml.device_count().ok()?;
    let gpus = (0..count)
        .filter_map(|i| {
            let dev = nvml.device_by_index(i).ok()?;
            let total = dev.memory_info().map_or(0, |m| m.total);
            Some(GpuInfo {
                vendor: GpuVendor::Nvidia,
                name: dev.name().unwrap_or_else(|_| "NVIDIA GPU".to_string()),
                vram_gb: gib_one_decimal(total),
                compute_capability: dev
                    .cuda_compute_capability()
                    .ok()
                    .map(|c| format!("{}.{}", c.major, c.minor)),
                index: dev.index().unwrap_or(i),
            })
        })
        .collect();
    Some(gpus)
}

fn nvidia_smi_gpus() -> Option<Vec<GpuInfo>> {
    let out = crate::command::stdout_within(
        "nvidia-smi",
        &[
            "--query-gpu=index,name,memory.total,compute_cap",
            "--format=csv,noheader,nounits",
        ],
        PROBE_TIMEOUT,
    )?;
    Some(parse_nvidia_smi(&out))
}

/// Parses `nvidia-smi --query-gpu=index,name,memory.total,compute_cap
/// --format=csv,noheader,nounits` output: one GPU per well-formed line, others skipped.
pub fn parse_nvidia_smi(text: &str) -> Vec<GpuInfo> {
    text.lines().filter_map(parse_nvidia_smi_line).collect()
}

fn parse_nvidia_smi_line(line: &str) -> Option<GpuInfo> {
    // The name may contain commas, so take index from the left and mem/cc from the right.
    let (index, rest) = line.split_once(',')?;
    let (rest, cc) = rest.rsplit_once(',')?;
    let (name, mem) = rest.rsplit_once(',')?;
    let index: u32 = index.trim().parse().ok()?;
    let mib: f64 = mem.trim().parse().ok()?;
    let name = name.trim();
    if name.is_empty() || !mib.is_finite() || mib < 0.0 {
        return None;
    }
    let cc = cc.trim();
    let cc_valid = cc.split_once('.').is_some_and(|(a, b)| {
        !a.is_empty()
            && !b.is_empty()
            && a.bytes().all(|c| c.is_ascii_digit())
            && b.bytes().all(|c| c.is_ascii_digit())
    });
    Some(GpuInfo {
        vendor: GpuVendor::Nvidia,
        name: name.to_string(),
        vram_gb: one_decimal(mib / 1024.0),
        compute_capability: cc_valid.then(|| cc.to_string()),
        index,
    })
}

#[cfg(target_os = "macos")]
fn apple_gpus(ram_gb: f64) -> Vec<GpuInfo> {
    crate::command::stdout_within(
        "system_profiler",
        &["SPDisplaysDataType"],
        Duration::from_secs(10),
    )
    .map(|out| parse_system_profiler_displays(&out, ram_gb))
    .unwrap_or_default()
}

#[cfg(not(target_os = "macos"))]
fn apple_gpus(_ram_gb: f64) -> Vec<GpuInfo> {
    Vec::new()
}

/// Parses `system_profiler SPDisplaysDataType`: every `Chipset Model:` naming an Apple chip is
/// an Apple GPU with `ram_gb` of unified memory. Non-Apple chipsets are ignored.
pub fn parse_system_profiler_displays(text: &str, ram_gb: f64) -> Vec<GpuInfo> {
    text.lines()
        .filter_map(|line| {
            let (key, value) = line.split_once(':')?;
            let value = value.trim();
            (key.trim() == "Chipset Model" && value.contains("Apple")).then(|| value.to_string())
        })
        .zip(0u32..)
        .map(|(name, index)| GpuInfo {
            vendor: GpuVendor::Apple,
            name,
            vram_gb: ram_gb,
            compute_capability: None,
            index,
        })
        .collect()
}
