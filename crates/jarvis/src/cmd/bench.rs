//! `jarvis mine bench`: mine a built-in job offline and report rates against the SIMD peaks.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use jarvis_cpu_pearl::supervisor::shape_from_extra;
use jarvis_mining::config::{MiningExtra, pearld_endpoint};
use pearl_miner::KernelChoice;
use pearl_miner::bench::{
    BenchOptions, BenchProgress, BenchReport, expected_seconds_per_block, run_bench,
};
use pearl_protocol::target::MAINNET_LIKE_NBITS;
use pearl_rpc::pearld::PearldClient;
use serde::Serialize;

use super::Ctx;
use crate::output::Mode;
use crate::views;

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
    Neon,
    #[value(name = "neon-dotprod")]
    NeonDotprod,
    #[value(name = "neon-i8mm")]
    NeonI8mm,
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
    let out = ctx.out.json_if(args.json);
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
        KernelArg::Neon => KernelChoice::Neon,
        KernelArg::NeonDotprod => KernelChoice::NeonDotprod,
        KernelArg::NeonI8mm => KernelChoice::NeonI8mm,
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
    let options = BenchOptions {
        seconds: args.seconds,
        threads,
        kernel,
        shape: shape.clone(),
        measure_peaks: true,
    };
    if out.mode() == Mode::Human {
        out.note(&format!(
            "mining a built-in job for {} s on {threads} thread(s)...",
            args.seconds
        ));
    }
    let bar = out.timed(args.seconds);
    let mut report = tokio::task::spawn_blocking(move || {
        let result = run_bench(options, &mut |p: &BenchProgress| {
            bar.update(p.elapsed_s, views::bench::progress(p));
        });
        bar.finish();
        result
    })
    .await??;
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
        out.warn(&format!(
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
    out.emit(&output, || {
        views::bench::report(&report, &output.nbits_source, portable_mac_per_s)
    })?;
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
