//! Hardware rows: CPU, memory, and the GPU rows of the configured provider's device.

use jarvis_core::hardware::{GpuVendor, HardwareInfo};
use jarvis_mining::check::{CheckRow, Group, Status};
use jarvis_mining::models;
use jarvis_mining::registry::{MiningDevice, ProviderNeeds};

pub(super) fn hardware_rows(
    hw: &HardwareInfo,
    provider: Option<&str>,
    needs: Option<ProviderNeeds>,
    model: &str,
) -> Vec<CheckRow> {
    let g = Group::Hardware;
    let features = if hw.cpu.features.is_empty() {
        "no SIMD extensions detected".to_owned()
    } else {
        hw.cpu.features.join(" ")
    };
    let cpu_info = format!("{}, {} threads; {features}", hw.cpu.brand, hw.cpu.cores);
    let simd = hw.cpu.features.iter().any(|f| f == "avx2" || f == "neon");
    let mut rows = vec![
        if needs.is_some_and(|n| n.device == MiningDevice::Cpu) && !simd {
            CheckRow::new(g, "CPU", Status::Warn, cpu_info)
                .fix("no AVX2/NEON: the native miner falls back to its portable kernel, which is about 20 times slower")
        } else {
            CheckRow::new(g, "CPU", Status::Info, cpu_info)
        },
        CheckRow::new(g, "Memory", Status::Info, format!("{:.1} GB", hw.memory_gb)),
    ];
    let gpu_list = if hw.gpus.is_empty() {
        "none".to_owned()
    } else {
        hw.gpus
            .iter()
            .map(|g| format!("{} {}", g.vendor.as_str(), g.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (provider, needs.and_then(|n| n.device.gpu_vendor())) {
        (Some(_), Some(GpuVendor::Nvidia)) => rows.extend(nvidia_rows(hw, model)),
        (Some(p), Some(vendor)) => {
            let found = hw.gpus.iter().find(|x| x.vendor == vendor);
            rows.push(match found {
                Some(gpu) => CheckRow::new(
                    g,
                    "GPU",
                    Status::Ok,
                    format!("{} {}", vendor.as_str(), gpu.name),
                ),
                None => CheckRow::new(
                    g,
                    "GPU",
                    Status::Fail,
                    format!("no {} GPU ({gpu_list})", vendor.as_str()),
                )
                .fix(format!(
                    "{p} mines on an {} GPU; use cpu-pearl on this host",
                    vendor.as_str()
                )),
            });
        }
        (Some(p), None) => {
            rows.push(CheckRow::not_applicable(g, "GPU vendor", p, &gpu_list));
            rows.push(CheckRow::not_applicable(
                g,
                "Compute capability",
                p,
                "CPU mining",
            ));
            rows.push(CheckRow::not_applicable(g, "VRAM", p, "CPU mining"));
        }
        (None, _) => rows.push(CheckRow::new(g, "GPUs", Status::Info, gpu_list)),
    }
    rows
}

fn nvidia_rows(hw: &HardwareInfo, model: &str) -> Vec<CheckRow> {
    let g = Group::Hardware;
    let gpu = hw
        .gpus
        .iter()
        .filter(|x| x.vendor == GpuVendor::Nvidia)
        .max_by(|a, b| a.vram_gb.total_cmp(&b.vram_gb));
    let Some(gpu) = gpu else {
        let found = hw
            .primary_gpu()
            .map_or("none".to_owned(), |x| x.vendor.as_str().to_owned());
        return vec![
            CheckRow::new(g, "GPU vendor", Status::Fail, found)
                .fix("vllm-pearl needs an NVIDIA H100/H200; on other hosts run `jarvis mine init --provider cpu-pearl`"),
        ];
    };
    let cc = gpu
        .compute_capability
        .clone()
        .unwrap_or_else(|| "unknown".to_owned());
    let required = models::min_vram_gb(model);
    let hopper = cc.starts_with("9.0");
    let enough = gpu.vram_gb >= f64::from(required);
    let count = hw
        .gpus
        .iter()
        .filter(|x| x.vendor == GpuVendor::Nvidia)
        .count();
    let mut rows = vec![
        CheckRow::new(
            g,
            "GPU vendor",
            Status::Ok,
            format!("nvidia: {count} x {}", gpu.name),
        ),
        CheckRow::new(
            g,
            "Compute capability",
            if hopper { Status::Ok } else { Status::Fail },
            cc,
        ),
        CheckRow::new(
            g,
            "VRAM",
            if enough { Status::Ok } else { Status::Fail },
            format!("{:.0} GB (needs ≥{required} GB for {model})", gpu.vram_gb),
        ),
    ];
    if !hopper {
        rows[1] = rows[1]
            .clone()
            .fix("Pearl's vLLM miner runs on sm_90a (H100/H200) only");
    }
    if !enough {
        rows[2] = rows[2]
            .clone()
            .fix("pick a smaller Pearl model (`jarvis mine models`) or a GPU with more memory");
    }
    rows
}
