//! CPU brand, core count, SIMD features and total memory.

use super::{CpuInfo, gib_one_decimal};

pub(super) fn detect() -> CpuInfo {
    CpuInfo {
        brand: brand().unwrap_or_else(|| "unknown".to_string()),
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        features: features(),
    }
}

#[cfg(target_os = "macos")]
fn brand() -> Option<String> {
    let out = crate::command::stdout_within(
        "sysctl",
        &["-n", "machdep.cpu.brand_string"],
        std::time::Duration::from_secs(5),
    )?;
    Some(out.trim().to_string()).filter(|s| !s.is_empty())
}

#[cfg(not(target_os = "macos"))]
fn brand() -> Option<String> {
    parse_cpuinfo_brand(&std::fs::read_to_string("/proc/cpuinfo").ok()?)
}

/// The first `model name` (x86) or `Model`/`Hardware` (ARM boards) value of /proc/cpuinfo.
#[cfg_attr(target_os = "macos", allow(dead_code))]
pub(super) fn parse_cpuinfo_brand(text: &str) -> Option<String> {
    ["model name", "Model", "Hardware"].iter().find_map(|key| {
        text.lines().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            (k.trim() == *key && !v.trim().is_empty()).then(|| v.trim().to_string())
        })
    })
}

#[cfg(target_arch = "x86_64")]
fn features() -> Vec<String> {
    let mut out = Vec::new();
    macro_rules! probe {
        ($($f:tt),*) => {$(
            if std::arch::is_x86_feature_detected!($f) {
                out.push($f.to_string());
            }
        )*};
    }
    probe!(
        "avx2",
        "fma",
        "avx512f",
        "avx512bw",
        "avx512vnni",
        "avxvnni",
        "sse4.2",
        "aes",
        "sha"
    );
    out
}

#[cfg(target_arch = "aarch64")]
fn features() -> Vec<String> {
    let mut out = vec!["neon".to_string()];
    macro_rules! probe {
        ($($f:tt),*) => {$(
            if std::arch::is_aarch64_feature_detected!($f) {
                out.push($f.to_string());
            }
        )*};
    }
    probe!("dotprod", "i8mm", "sha3");
    out
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
fn features() -> Vec<String> {
    Vec::new()
}

/// Total RAM in GB, one decimal; 0.0 when unreadable.
pub(super) fn memory_gb() -> f64 {
    total_memory_bytes().map_or(0.0, gib_one_decimal)
}

#[cfg(target_os = "macos")]
fn total_memory_bytes() -> Option<u64> {
    let out = crate::command::stdout_within(
        "sysctl",
        &["-n", "hw.memsize"],
        std::time::Duration::from_secs(5),
    )?;
    out.trim().parse().ok()
}

#[cfg(not(target_os = "macos"))]
fn total_memory_bytes() -> Option<u64> {
    parse_meminfo_total(&std::fs::read_to_string("/proc/meminfo").ok()?)
}

/// `MemTotal:` of /proc/meminfo, in bytes.
#[cfg_attr(target_os = "macos", allow(dead_code))]
pub(super) fn parse_meminfo_total(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kb.checked_mul(1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpuinfo_brand_and_meminfo() {
        let cpuinfo = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9654 96-Core Processor\n";
        assert_eq!(
            parse_cpuinfo_brand(cpuinfo).as_deref(),
            Some("AMD EPYC 9654 96-Core Processor")
        );
        assert_eq!(parse_cpuinfo_brand("processor : 0\n"), None);
        let meminfo = "MemTotal:       24576000 kB\nMemFree: 1 kB\n";
        assert_eq!(parse_meminfo_total(meminfo), Some(24_576_000 * 1024));
        assert_eq!(parse_meminfo_total("MemTotal: lots kB"), None);
    }

    #[test]
    fn detection_sees_this_machine() {
        let cpu = detect();
        assert!(cpu.cores >= 1);
        assert!(memory_gb() > 0.0);
    }
}
