//! `jarvis mine bench`: mine a built-in job offline and report rates against the SIMD peaks.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use jarvis_mining::config::{MiningExtra, pearld_endpoint};
use jarvis_mining::supervisor::shape_from_extra;
use pearl_miner::KernelChoice;
use pearl_miner::bench::{
    BenchOptions, BenchProgress, BenchReport, expected_seconds_per_block, run_bench,
};
use pearl_protocol::target::MAINNET_LIKE_NBITS;
use pearl_rpc::pearld::PearldClient;
use serde::Serialize;

use super::Ctx;
use crate::render;

#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    /// Seconds of mining.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    seconds: u64,
    /// Miner threads (default: `[mining.extra].threads`, else all cores).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=4096))]
    threads: Option<u32>,
    /// GEMM kernel.
    #[arg(long, value_enum, default_value = "auto")]
    kernel: KernelArg,
    /// Difficulty (compact nbits, hex) for the time-to-block estimate; default: the node's
    /// current template when pearld is configured and answers, else a mainnet-like 0x1a010000.
    #[arg(long, value_parser = parse_nbits)]
    nbits: Option<u32>,
    /// Write each found proof as a JSON line `{"mining_job": ..., "plain_proof": "..."}`.
    #[arg(long)]
    emit_proofs: Option<PathBuf>,
    /// Print machine-readable JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum KernelArg {
    Auto,
    Portable,
    Avx2,
    #[value(name = "avx512-vnni")]
    Avx512Vnni,
}

fn parse_nbits(text: &str) -> Result<u32, String> {
    let hex = text
        .trim()
        .trim_start_matches("0x")
        .trim_start_matches("0X");
    u32::from_str_radix(hex, 16)
        .map_err(|_| format!("'{text}' is not a hex nbits value like 0x1a010000"))
}

#[derive(Serialize)]
struct BenchOutput<'a> {
    #[serde(flatten)]
    report: &'a BenchReport,
    nbits_source: String,
    portable_mac_per_s: Option<f64>,
}

pub(crate) async fn run(ctx: &Ctx, args: &BenchArgs) -> anyhow::Result<ExitCode> {
    let section = ctx.load_config().ok().flatten().and_then(|c| c.mining);
    let extra = section
        .as_ref()
        .map(|s| s.extra.clone())
        .unwrap_or_default();
    // The same shape the cpu-pearl supervisor mines, checked against the consensus limits.
    let shape = shape_from_extra(&extra)?;
    let threads = args.threads.or(extra.threads).map_or_else(
        || std::thread::available_parallelism().map_or(1, usize::from),
        |t| t as usize,
    );
    let kernel = match args.kernel {
        KernelArg::Auto => KernelChoice::Auto,
        KernelArg::Portable => KernelChoice::Portable,
        KernelArg::Avx2 => KernelChoice::Avx2,
        KernelArg::Avx512Vnni => KernelChoice::Avx512Vnni,
    };
    let (nbits, nbits_source) = match args.nbits {
        Some(n) => (n, "--nbits".to_owned()),
        None => match section.as_ref() {
            Some(s) => template_nbits(&s.extra).await,
            None => (
                MAINNET_LIKE_NBITS,
                "mainnet-like default (no [mining] config)".to_owned(),
            ),
        },
    };

    if let Some(path) = &args.emit_proofs {
        ensure_writable(path)?;
    }
    let show = !args.json && std::io::stderr().is_terminal();
    let options = BenchOptions {
        seconds: args.seconds,
        threads,
        kernel,
        shape: shape.clone(),
        measure_peaks: true,
    };
    if !args.json {
        render::note(&format!(
            "mining a built-in job for {} s on {threads} thread(s)...",
            args.seconds
        ));
    }
    let mut report = tokio::task::spawn_blocking(move || {
        run_bench(options, &mut |p: &BenchProgress| {
            if show {
                progress_line(p);
            }
        })
    })
    .await??;
    if show {
        render::note("");
    }
    report.expected_seconds_per_block =
        expected_seconds_per_block(report.mac_per_s, nbits, shape.rank);
    report.expected_for_nbits = nbits;

    let portable_mac_per_s = if report.kernel == "portable" {
        None
    } else {
        let seconds = (args.seconds / 3).clamp(1, 3);
        let options = BenchOptions {
            seconds,
            threads,
            kernel: KernelChoice::Portable,
            shape,
            measure_peaks: false,
        };
        let portable =
            tokio::task::spawn_blocking(move || run_bench(options, &mut |_| {})).await??;
        Some(portable.mac_per_s)
    };

    if let Some(path) = &args.emit_proofs {
        write_proofs(path, &report)?;
    }
    if report.proofs_verified != report.proofs_found {
        render::warn(&format!(
            "{} of {} proofs failed verification: this build or CPU computes wrong results",
            report.proofs_found - report.proofs_verified,
            report.proofs_found
        ));
    }
    let output = BenchOutput {
        report: &report,
        nbits_source,
        portable_mac_per_s,
    };
    if args.json {
        render::json(&output)?;
    } else {
        print_report(&output);
    }
    Ok(super::verdict(
        report.proofs_verified == report.proofs_found,
    ))
}

async fn template_nbits(extra: &MiningExtra) -> (u32, String) {
    let fallback = |why: String| (MAINNET_LIKE_NBITS, format!("mainnet-like default ({why})"));
    let password = std::env::var(&extra.pearld_rpc_password_env).unwrap_or_default();
    let endpoint = pearld_endpoint(extra, password, Duration::from_secs(2));
    let client = match PearldClient::new(endpoint) {
        Ok(c) => c,
        Err(e) => return fallback(format!("pearld: {e}")),
    };
    let params = serde_json::json!([{"capabilities": ["coinbasevalue"], "rules": ["segwit"]}]);
    match client.call("getblocktemplate", params).await {
        Ok(t) => {
            let bits = t
                .get("bits")
                .and_then(|b| b.as_str())
                .and_then(|b| u32::from_str_radix(b, 16).ok());
            let height = t.get("height").and_then(serde_json::Value::as_u64);
            match (bits, height) {
                (Some(bits), Some(h)) => (bits, format!("pearld template at height {h}")),
                (Some(bits), None) => (bits, "pearld template".to_owned()),
                _ => fallback("pearld's template has no bits".to_owned()),
            }
        }
        Err(_) => fallback("pearld did not answer getblocktemplate".to_owned()),
    }
}

fn progress_line(p: &BenchProgress) {
    let rate = if p.elapsed_s > 0.0 {
        p.mac_total as f64 / p.elapsed_s
    } else {
        0.0
    };
    let mut err = std::io::stderr().lock();
    let _ = write!(
        err,
        "\r  {:>5.1} s  {}  {} tiles  {} proofs   ",
        p.elapsed_s,
        rate_text(rate),
        p.tiles_total,
        p.proofs_found
    );
    let _ = err.flush();
}

fn write_proofs(path: &std::path::Path, report: &BenchReport) -> anyhow::Result<()> {
    let mut text = String::new();
    for found in &report.proofs {
        let proof = serde_json::to_string(&found.proof.to_base64())?;
        text.push_str(&format!(
            "{{\"mining_job\":{},\"plain_proof\":{proof}}}\n",
            found.job.raw_json()
        ));
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(path, text)
        .with_context(|| format!("cannot write --emit-proofs {}", path.display()))?;
    Ok(())
}

/// `123.4 GMAC/s`.
pub(crate) fn rate_text(mac_per_s: f64) -> String {
    let units = [
        (1e12, "TMAC/s"),
        (1e9, "GMAC/s"),
        (1e6, "MMAC/s"),
        (1e3, "kMAC/s"),
    ];
    for (scale, unit) in units {
        if mac_per_s >= scale {
            return format!("{:.1} {unit}", mac_per_s / scale);
        }
    }
    format!("{mac_per_s:.0} MAC/s")
}

fn duration_text(seconds: f64) -> String {
    if !seconds.is_finite() {
        return "never (zero rate)".to_owned();
    }
    let units = [
        (365.25 * 86400.0, "years"),
        (86400.0, "days"),
        (3600.0, "hours"),
        (60.0, "minutes"),
    ];
    for (scale, unit) in units {
        if seconds >= scale {
            return format!("{:.1} {unit}", seconds / scale);
        }
    }
    format!("{seconds:.1} seconds")
}

fn print_report(out: &BenchOutput<'_>) {
    let r = out.report;
    let s = &r.shape;
    let pct = |ratio: Option<f64>| {
        ratio.map_or("n/a".to_owned(), |x| format!("{:.0}% of peak", x * 100.0))
    };
    let peak = |p: Option<f64>| p.map_or("not measured on this CPU".to_owned(), rate_text);
    render::line(&format!(
        "Pearl NoisyGEMM bench: {:.1} s, {} thread(s), kernel {}",
        r.seconds, r.threads, r.kernel
    ));
    let rows = [
        (
            "shape",
            format!(
                "m={} n={} k={} r={}, tile {}x{}, memory ≤ {:.1} MiB",
                s.m,
                s.n,
                s.k,
                s.rank,
                s.h,
                s.w,
                r.memory_bytes as f64 / (1024.0 * 1024.0)
            ),
        ),
        (
            "rate",
            format!("{} ({:.3e} MAC/s)", rate_text(r.mac_per_s), r.mac_per_s),
        ),
        ("tiles", format!("{:.0} tiles/s", r.tiles_per_s)),
        (
            "proofs",
            format!("{} found, {} verified", r.proofs_found, r.proofs_verified),
        ),
        (
            "int8 peak",
            format!(
                "{} (this run: {})",
                peak(r.peak_int8_mac_per_s),
                pct(r.ratio_int8)
            ),
        ),
        (
            "int16 peak",
            format!(
                "{} (this run: {})",
                peak(r.peak_int16_mac_per_s),
                pct(r.ratio_int16)
            ),
        ),
        (
            "vnni peak",
            format!(
                "{} (this run: {})",
                peak(r.peak_vnni_mac_per_s),
                pct(r.ratio_vnni)
            ),
        ),
    ];
    for (name, value) in rows {
        render::line(&format!("  {name:<16} {value}"));
    }
    if let Some(p) = out.portable_mac_per_s {
        render::line(&format!(
            "  {:<16} {} (speed-up {:.1}x)",
            "portable kernel",
            rate_text(p),
            r.mac_per_s / p.max(1.0)
        ));
    }
    render::line(&format!(
        "  {:<16} one block every {} at nbits {:#010x} ({})",
        "expected",
        duration_text(r.expected_seconds_per_block),
        r.expected_for_nbits,
        out.nbits_source
    ));
}

/// Checks a plain file target before running for long.
fn ensure_writable(path: &std::path::Path) -> anyhow::Result<()> {
    if path.is_dir() {
        bail!(
            "--emit-proofs {} is a directory; give a file path",
            path.display()
        );
    }
    Ok(())
}
