//! `jarvis mine bench`: mine a built-in job offline and report rates against the SIMD peaks.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use jarvis_core::error::one_line;
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
use crate::cli::{BenchArgs, KernelArg};
use crate::output::Mode;
use crate::views;

/// Where the difficulty of the time-to-block estimate came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum DifficultySource {
    /// The configured pearld's current block template.
    Node,
    /// `--nbits`.
    Flag,
    /// Neither: [`MAINNET_LIKE_NBITS`], an assumption, not the network's difficulty.
    Assumed,
}

/// The difficulty the estimate uses, and what is known about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Difficulty {
    /// The compact target.
    pub(crate) nbits: u32,
    /// Where it came from.
    pub(crate) source: DifficultySource,
    /// The node's network (`getblockchaininfo.chain`), when the node said.
    pub(crate) network: Option<String>,
    /// The template's height, when the node gave one.
    pub(crate) height: Option<u64>,
    /// Why no node difficulty was used (`Assumed`), in one line.
    pub(crate) why_assumed: Option<String>,
}

impl Difficulty {
    fn assumed(why: String) -> Self {
        Self {
            nbits: MAINNET_LIKE_NBITS,
            source: DifficultySource::Assumed,
            network: None,
            height: None,
            why_assumed: Some(why),
        }
    }

    /// One line for `nbits_source` (kept for scripts written against earlier output).
    fn source_line(&self) -> String {
        match self.source {
            DifficultySource::Node => format!(
                "pearld {} template{}",
                self.network.as_deref().unwrap_or("(network unknown)"),
                self.height
                    .map(|h| format!(" at height {h}"))
                    .unwrap_or_default()
            ),
            DifficultySource::Flag => "--nbits".to_owned(),
            DifficultySource::Assumed => format!(
                "assumed, not the network's difficulty ({})",
                self.why_assumed.as_deref().unwrap_or("no node")
            ),
        }
    }
}

#[derive(Serialize)]
struct BenchOutput<'a> {
    #[serde(flatten)]
    report: &'a BenchReport,
    nbits_source: String,
    difficulty_source: DifficultySource,
    difficulty_assumed: bool,
    network: Option<&'a str>,
    template_height: Option<u64>,
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
    let difficulty = match args.nbits {
        Some(nbits) => Difficulty {
            nbits,
            source: DifficultySource::Flag,
            network: None,
            height: None,
            why_assumed: None,
        },
        None => match section.as_ref() {
            Some(s) => node_difficulty(&s.extra).await,
            None => Difficulty::assumed("no [mining] config names a pearld".to_owned()),
        },
    };
    let nbits = difficulty.nbits;

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
        nbits_source: difficulty.source_line(),
        difficulty_source: difficulty.source,
        difficulty_assumed: difficulty.source == DifficultySource::Assumed,
        network: difficulty.network.as_deref(),
        template_height: difficulty.height,
        portable_mac_per_s,
    };
    out.emit(&output, || {
        views::bench::report(&report, &difficulty, portable_mac_per_s)
    })?;
    Ok(super::verdict(
        report.proofs_verified == report.proofs_found,
    ))
}

/// The current difficulty from the configured pearld: its block template's `bits` (the
/// target the next block must meet) and its network from `getblockchaininfo`.
async fn node_difficulty(extra: &MiningExtra) -> Difficulty {
    let password = std::env::var(&extra.pearld_rpc_password_env).unwrap_or_default();
    let endpoint = pearld_endpoint(extra, password, Duration::from_secs(2));
    let client = match PearldClient::new(endpoint) {
        Ok(c) => c,
        Err(e) => return Difficulty::assumed(format!("pearld: {}", one_line(&e))),
    };
    let params = serde_json::json!([{"capabilities": ["coinbasevalue"], "rules": ["segwit"]}]);
    let (template, chain) = tokio::join!(
        client.call("getblocktemplate", params),
        client.get_blockchain_info()
    );
    let template = match template {
        Ok(t) => t,
        Err(e) => {
            return Difficulty::assumed(format!(
                "pearld at {} gave no block template: {}",
                client.url(),
                one_line(&e)
            ));
        }
    };
    let bits = template
        .get("bits")
        .and_then(|b| b.as_str())
        .and_then(|b| u32::from_str_radix(b, 16).ok());
    let Some(nbits) = bits else {
        return Difficulty::assumed(format!(
            "pearld at {}: the block template has no hex bits",
            client.url()
        ));
    };
    Difficulty {
        nbits,
        source: DifficultySource::Node,
        network: chain.ok().map(|c| c.chain),
        height: template.get("height").and_then(serde_json::Value::as_u64),
        why_assumed: None,
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
