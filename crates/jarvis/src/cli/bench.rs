//! The flags of `jarvis mine bench`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// `jarvis mine bench` flags.
#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    /// Seconds of mining.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub(crate) seconds: u64,
    /// Miner threads (default: `[mining.extra].threads`, else all cores).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub(crate) threads: Option<u32>,
    /// GEMM kernel.
    #[arg(long, value_enum, default_value = "auto")]
    pub(crate) kernel: KernelArg,
    /// Difficulty (compact nbits, hex) for the time-to-block estimate; default: the node's
    /// current template when pearld is configured and answers, else an assumed 0x1a010000
    /// (said so in the output).
    #[arg(long, value_parser = parse_nbits)]
    pub(crate) nbits: Option<u32>,
    /// Write each found proof as a JSON line `{"mining_job": ..., "plain_proof": "..."}`.
    #[arg(long)]
    pub(crate) emit_proofs: Option<PathBuf>,
    /// Print machine-readable JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `--kernel` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum KernelArg {
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

/// Parses a compact nbits value in hex, with or without `0x`.
fn parse_nbits(text: &str) -> Result<u32, String> {
    let hex = text
        .trim()
        .trim_start_matches("0x")
        .trim_start_matches("0X");
    u32::from_str_radix(hex, 16)
        .map_err(|_| format!("'{text}' is not a hex nbits value like 0x1a010000"))
}
