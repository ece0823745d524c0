//! Benchmarks of this machine: peak int8/int16/VNNI throughput probes and a timed run of the
//! real miner on a built-in job, returned as data for a caller to render.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use num_bigint::BigUint;
use pearl_protocol::target::{nbits_to_target, target_to_nbits};
use pearl_protocol::{IncompleteBlockHeader, MiningJob, PlainProof};
use serde::Serialize;

use crate::jackpot::{self, PENALTY_BASE_RANK};
use crate::kernel::KernelChoice;
use crate::miner::{CancelToken, Counters, Job, MineError, Miner, MinerOptions};
use crate::shape::Shape;
use crate::verify::{Verified, verify_plain_proof_with_target};

/// Peak multiply-accumulate rates of this CPU, summed over all hardware threads. Each is the
/// rate of one kernel's instruction sequence, `None` where this CPU has no such kernel.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Peaks {
    /// x86_64: `vpmaddubsw`+`vpmaddwd` (AVX2); aarch64: `SMULL`+`SMLAL`+`SADALP` (the neon
    /// kernel's widening sequence). MAC/s.
    pub int8_mac_per_s: Option<f64>,
    /// x86_64: `vpmaddwd` (AVX2); aarch64: `SMLAL` i16 → i32. MAC/s.
    pub int16_mac_per_s: Option<f64>,
    /// `vpdpbusd` (zmm) MAC/s; `None` where not measured (no AVX-512 VNNI).
    pub vnni_mac_per_s: Option<f64>,
    /// aarch64 `SDOT` MAC/s; `None` where not measured (no dotprod).
    pub dot_mac_per_s: Option<f64>,
    /// aarch64 `SMMLA` MAC/s; `None` where not measured (no i8mm).
    pub mmla_mac_per_s: Option<f64>,
    /// Threads the probes ran on.
    pub threads: usize,
}

/// Runs each probe for about `seconds_per_probe` on every hardware thread at once.
pub fn measure_peaks(seconds_per_probe: f64) -> Peaks {
    measure_peaks_on(
        seconds_per_probe,
        std::thread::available_parallelism().map_or(1, usize::from),
    )
}

/// Runs `probe` on `threads` threads at once; the summed MAC/s.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn run_probe(probe: fn(f64) -> (u64, f64), seconds: f64, threads: usize) -> f64 {
    let rates: Vec<f64> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(move || {
                    let (macs, secs) = probe(seconds.max(0.001));
                    if secs > 0.0 { macs as f64 / secs } else { 0.0 }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(0.0))
            .collect()
    });
    rates.iter().sum()
}

/// Like [`measure_peaks`] on `threads` threads (compare a miner with its own thread count).
pub fn measure_peaks_on(seconds_per_probe: f64, threads: usize) -> Peaks {
    let threads = threads.max(1);
    #[cfg(target_arch = "x86_64")]
    {
        let run = |probe| run_probe(probe, seconds_per_probe, threads);
        let avx2 = crate::kernel::avx2_available();
        let vnni = crate::kernel::avx512vnni_available();
        Peaks {
            int8_mac_per_s: avx2.then(|| run(crate::kernel::probe_int8_macs)),
            int16_mac_per_s: avx2.then(|| run(crate::kernel::probe_int16_macs)),
            vnni_mac_per_s: vnni.then(|| run(crate::kernel::probe_vnni_macs)),
            dot_mac_per_s: None,
            mmla_mac_per_s: None,
            threads,
        }
    }
    #[cfg(target_arch = "aarch64")]
    {
        let run = |probe| run_probe(probe, seconds_per_probe, threads);
        let neon = crate::kernel::neon_available();
        let dot = crate::kernel::neon_dotprod_available();
        let mmla = crate::kernel::neon_i8mm_available();
        Peaks {
            int8_mac_per_s: neon.then(|| run(crate::kernel::probe_neon_int8_macs)),
            int16_mac_per_s: neon.then(|| run(crate::kernel::probe_neon_int16_macs)),
            vnni_mac_per_s: None,
            dot_mac_per_s: dot.then(|| run(crate::kernel::probe_dot_macs)),
            mmla_mac_per_s: mmla.then(|| run(crate::kernel::probe_mmla_macs)),
            threads,
        }
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        let _ = seconds_per_probe;
        Peaks {
            int8_mac_per_s: None,
            int16_mac_per_s: None,
            vnni_mac_per_s: None,
            dot_mac_per_s: None,
            mmla_mac_per_s: None,
            threads,
        }
    }
}

/// What to benchmark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchOptions {
    /// Wall-clock seconds of mining.
    pub seconds: u64,
    /// Worker threads.
    pub threads: usize,
    /// Kernel selection.
    pub kernel: KernelChoice,
    /// Shape to mine (default: [`Shape::default_for_cpu`]).
    pub shape: Shape,
    /// Whether to run the peak probes (about one second each, on `threads` threads, so
    /// that the ratios compare like with like).
    pub measure_peaks: bool,
}

impl Default for BenchOptions {
    fn default() -> Self {
        Self {
            seconds: 10,
            threads: std::thread::available_parallelism().map_or(1, usize::from),
            kernel: KernelChoice::Auto,
            shape: Shape::default_for_cpu(),
            measure_peaks: true,
        }
    }
}

/// A snapshot handed to the progress callback about five times a second.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BenchProgress {
    /// Seconds since mining started.
    pub elapsed_s: f64,
    /// MACs so far.
    pub mac_total: u64,
    /// Tiles so far.
    pub tiles_total: u64,
    /// Proofs found so far.
    pub proofs_found: u64,
}

/// A proof found during the bench, with the job it answers (for `--emit-proofs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchProof {
    /// The built-in job.
    pub job: MiningJob,
    /// The proof.
    pub proof: PlainProof,
    /// Its verification.
    pub verified: Verified,
}

/// The bench result (serde keys are the CLI's JSON contract).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchReport {
    /// Kernel name ("avx512-vnni", "avx2", "neon-i8mm", "neon-dotprod", "neon", "portable").
    pub kernel: &'static str,
    /// Worker threads.
    pub threads: usize,
    /// Measured mining seconds.
    pub seconds: f64,
    /// Multiply-accumulates per second (m·n·k per GEMM).
    pub mac_per_s: f64,
    /// Tiles (tickets) per second.
    pub tiles_per_s: f64,
    /// Proofs found at the easy bench target.
    pub proofs_found: u64,
    /// Proofs that passed a second, independent verification.
    pub proofs_verified: u64,
    /// Peak int8 MAC/s, see [`Peaks::int8_mac_per_s`] (None: not measured, or neither x86_64
    /// AVX2 nor aarch64).
    pub peak_int8_mac_per_s: Option<f64>,
    /// Peak int16 MAC/s, see [`Peaks::int16_mac_per_s`] (None: as for int8).
    pub peak_int16_mac_per_s: Option<f64>,
    /// Peak `vpdpbusd` MAC/s (None: not measured or no AVX-512 VNNI).
    pub peak_vnni_mac_per_s: Option<f64>,
    /// Peak `SDOT` MAC/s (None: not measured or no aarch64 dotprod).
    pub peak_dot_mac_per_s: Option<f64>,
    /// Peak `SMMLA` MAC/s (None: not measured or no aarch64 i8mm).
    pub peak_mmla_mac_per_s: Option<f64>,
    /// mac_per_s / peak_int8_mac_per_s.
    pub ratio_int8: Option<f64>,
    /// mac_per_s / peak_int16_mac_per_s.
    pub ratio_int16: Option<f64>,
    /// mac_per_s / peak_vnni_mac_per_s.
    pub ratio_vnni: Option<f64>,
    /// mac_per_s / the peak of the kernel's own instruction (`vpdpbusd` for avx512-vnni,
    /// `vpmaddubsw`+`vpmaddwd` for avx2; None for portable or unmeasured).
    pub ratio_own_peak: Option<f64>,
    /// Where the mining threads' time went.
    pub breakdown: Breakdown,
    /// mac_per_s / peak_dot_mac_per_s.
    pub ratio_dot: Option<f64>,
    /// mac_per_s / peak_mmla_mac_per_s.
    pub ratio_mmla: Option<f64>,
    /// Expected seconds per block at [`pearl_protocol::target::MAINNET_LIKE_NBITS`].
    pub expected_seconds_per_block: f64,
    /// The nbits that estimate uses.
    pub expected_for_nbits: u32,
    /// Upper bound of the memory the miner held, in bytes.
    pub memory_bytes: u64,
    /// The shape mined.
    pub shape: ShapeSummary,
    /// Found proofs (not serialized; the CLI writes them with `--emit-proofs`).
    #[serde(skip)]
    pub proofs: Vec<BenchProof>,
}

/// Thread-seconds per mining phase (summed over threads; `other_s` is the rest of
/// threads × seconds: B's set-up per job, waiting, scheduling).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Breakdown {
    /// The GEMM kernel, with the per-r-chunk tile XORs and transcript folds fused into it
    /// (for layouts whose column groups repeat every 16 columns, Pearl's standard patterns
    /// included; other layouts count their folds under `jackpot_s`).
    pub gemm_s: f64,
    /// A's noise (sparse factor, dense rows, A + noise into panels).
    pub noise_s: f64,
    /// A's commitment (keyed BLAKE3) and noise seed.
    pub commit_s: f64,
    /// Drawing A's random signal.
    pub signal_s: f64,
    /// Jackpot hashes (and the transcript folds where they are not fused into the GEMM).
    pub jackpot_s: f64,
    /// Building and verifying won proofs.
    pub proof_s: f64,
    /// Everything else.
    pub other_s: f64,
}

impl Breakdown {
    fn from_counters(counters: &Counters, thread_seconds: f64) -> Self {
        use std::sync::atomic::Ordering::Relaxed;
        let p = &counters.phases;
        let s = |a: &std::sync::atomic::AtomicU64| a.load(Relaxed) as f64 / 1e9;
        let mut b = Self {
            gemm_s: s(&p.gemm_ns),
            noise_s: s(&p.noise_ns),
            commit_s: s(&p.commit_ns),
            signal_s: s(&p.signal_ns),
            jackpot_s: s(&p.jackpot_ns),
            proof_s: s(&p.proof_ns),
            other_s: 0.0,
        };
        let known = b.gemm_s + b.noise_s + b.commit_s + b.signal_s + b.jackpot_s + b.proof_s;
        b.other_s = (thread_seconds - known).max(0.0);
        b
    }

    /// Total thread-seconds.
    pub fn total_s(&self) -> f64 {
        self.gemm_s
            + self.noise_s
            + self.commit_s
            + self.signal_s
            + self.jackpot_s
            + self.proof_s
            + self.other_s
    }
}

/// Shape fields reported by the bench.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ShapeSummary {
    /// Rows of A.
    pub m: u32,
    /// Columns of B.
    pub n: u32,
    /// Common dimension.
    pub k: u32,
    /// Noise rank.
    pub rank: u32,
    /// Tile height.
    pub h: usize,
    /// Tile width.
    pub w: usize,
}

fn to_f64(value: &BigUint) -> f64 {
    let bits = value.bits();
    if bits <= 64 {
        return value.iter_u64_digits().next().unwrap_or(0) as f64;
    }
    let top = (value >> (bits - 64)).iter_u64_digits().next().unwrap_or(0) as f64;
    top * 2f64.powi((bits - 64) as i32)
}

/// ≈ 2^256/target · (rank/128) MACs per block, divided by `mac_per_s` (infinite when the
/// rate or the target is zero).
pub fn expected_seconds_per_block(mac_per_s: f64, nbits: u32, rank: u32) -> f64 {
    let target = to_f64(&nbits_to_target(nbits));
    if target <= 0.0 || mac_per_s <= 0.0 {
        return f64::INFINITY;
    }
    2f64.powi(256) / target * (f64::from(rank) / f64::from(PENALTY_BASE_RANK)) / mac_per_s
}

/// The bench target: one winning tile in about 2^20·threads, whatever the shape, so that a
/// run finds a few proofs without spending its time restarting jobs (each win restarts the
/// search, B's set-up included: at 2^18 tiles per win that took about 6 % of a VNNI run,
/// counted as `other`; real targets are far harder).
fn bench_target(shape: &Shape, threads: usize) -> BigUint {
    let factor = jackpot::penalty_factor(
        shape.h() as u32,
        shape.w() as u32,
        jackpot::dot_len(shape.k, shape.rank),
        shape.rank,
    );
    let thread_bits = usize::BITS - threads.max(1).saturating_sub(1).leading_zeros();
    let raw = (BigUint::from(1u8) << (236 - thread_bits)) / BigUint::from(factor.max(1));
    // Round through nbits so that the header and the job's target agree.
    nbits_to_target(target_to_nbits(&raw))
}

/// Mines a built-in job at an easy target for `opts.seconds`, verifying every proof.
pub fn run_bench(
    opts: BenchOptions,
    on_progress: &mut dyn FnMut(&BenchProgress),
) -> Result<BenchReport, MineError> {
    let miner = Miner::new(
        opts.shape.clone(),
        MinerOptions {
            threads: opts.threads,
            kernel: opts.kernel,
        },
    )?;
    let peaks = if opts.measure_peaks {
        Some(measure_peaks_on(1.0, opts.threads))
    } else {
        None
    };
    let target = bench_target(&opts.shape, opts.threads);
    let header = IncompleteBlockHeader {
        version: 0x2000_0000,
        prev_block: [0x5a; 32],
        merkle_root: [0xa5; 32],
        timestamp: 1_760_000_000,
        nbits: target_to_nbits(&target),
    };
    let job = Job {
        header,
        target: target.clone(),
        cert_version: 3,
    };
    let mining_job = MiningJob::from_parts(header, target.clone(), 3);
    let counters = Counters::default();
    let cancel = CancelToken::new();
    let found = Mutex::new(Vec::new());
    let failure: Mutex<Option<MineError>> = Mutex::new(None);
    let start = Instant::now();
    let deadline = Duration::from_secs(opts.seconds);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            while !cancel.is_cancelled() {
                match miner.mine(&job, &cancel, &counters) {
                    Ok(Some(hit)) => {
                        if let Ok(mut list) = found.lock() {
                            list.push(hit);
                        }
                    }
                    Ok(None) => break,
                    Err(err) => {
                        if let Ok(mut slot) = failure.lock() {
                            *slot = Some(err);
                        }
                        cancel.cancel();
                    }
                }
            }
        });
        loop {
            std::thread::sleep(Duration::from_millis(200));
            let elapsed = start.elapsed();
            on_progress(&snapshot(&counters, elapsed));
            if elapsed >= deadline || cancel.is_cancelled() {
                cancel.cancel();
                break;
            }
        }
    });
    if let Some(err) = failure.into_inner().ok().flatten() {
        return Err(err);
    }
    let seconds = start.elapsed().as_secs_f64();
    let last = snapshot(&counters, start.elapsed());
    let hits = found.into_inner().unwrap_or_default();
    let proofs: Vec<BenchProof> = hits
        .into_iter()
        .filter_map(|hit| {
            let verified = verify_plain_proof_with_target(&header, &hit.proof, 3, &target).ok()?;
            Some(BenchProof {
                job: mining_job.clone(),
                proof: hit.proof,
                verified,
            })
        })
        .collect();
    let mac_per_s = last.mac_total as f64 / seconds.max(1e-9);
    let nbits = pearl_protocol::target::MAINNET_LIKE_NBITS;
    let ratio = |peak: Option<f64>| peak.filter(|p| *p > 0.0).map(|p| mac_per_s / p);
    let peak_int8 = peaks.and_then(|p| p.int8_mac_per_s);
    let peak_int16 = peaks.and_then(|p| p.int16_mac_per_s);
    let peak_vnni = peaks.and_then(|p| p.vnni_mac_per_s);
    let peak_dot = peaks.and_then(|p| p.dot_mac_per_s);
    let peak_mmla = peaks.and_then(|p| p.mmla_mac_per_s);
    let own_peak = match miner.kernel() {
        crate::Kernel::Avx512Vnni => peak_vnni,
        crate::Kernel::Avx2 => peak_int8,
        crate::Kernel::NeonI8mm => peak_mmla,
        crate::Kernel::NeonDotprod => peak_dot,
        crate::Kernel::Neon => peak_int8,
        crate::Kernel::Portable => None,
    };
    let shape = &opts.shape;
    Ok(BenchReport {
        kernel: miner.kernel().name(),
        threads: opts.threads,
        seconds,
        mac_per_s,
        tiles_per_s: last.tiles_total as f64 / seconds.max(1e-9),
        proofs_found: last.proofs_found,
        proofs_verified: proofs.len() as u64,
        peak_int8_mac_per_s: peak_int8,
        peak_int16_mac_per_s: peak_int16,
        peak_vnni_mac_per_s: peak_vnni,
        peak_dot_mac_per_s: peak_dot,
        peak_mmla_mac_per_s: peak_mmla,
        ratio_int8: ratio(peak_int8),
        ratio_int16: ratio(peak_int16),
        ratio_vnni: ratio(peak_vnni),
        ratio_own_peak: ratio(own_peak),
        breakdown: Breakdown::from_counters(&counters, seconds * opts.threads as f64),
        ratio_dot: ratio(peak_dot),
        ratio_mmla: ratio(peak_mmla),
        expected_seconds_per_block: expected_seconds_per_block(mac_per_s, nbits, shape.rank),
        expected_for_nbits: nbits,
        memory_bytes: shape.memory_bytes(opts.threads),
        shape: ShapeSummary {
            m: shape.m,
            n: shape.n,
            k: shape.k,
            rank: shape.rank,
            h: shape.h(),
            w: shape.w(),
        },
        proofs,
    })
}

fn snapshot(counters: &Counters, elapsed: Duration) -> BenchProgress {
    use std::sync::atomic::Ordering::Relaxed;
    BenchProgress {
        elapsed_s: elapsed.as_secs_f64(),
        mac_total: counters.mac_total.load(Relaxed),
        tiles_total: counters.tiles_total.load(Relaxed),
        proofs_found: counters.proofs_found.load(Relaxed),
    }
}
