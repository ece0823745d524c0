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

impl Peaks {
    /// Per instruction, the larger of two samples (the one present where only one has it);
    /// `threads` is this sample's. The bench reports the larger of its probes before and
    /// after the mining, the most the instruction gave in either moment.
    pub fn larger(&self, other: &Peaks) -> Peaks {
        let max = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, None) => a,
            (None, b) => b,
        };
        Peaks {
            int8_mac_per_s: max(self.int8_mac_per_s, other.int8_mac_per_s),
            int16_mac_per_s: max(self.int16_mac_per_s, other.int16_mac_per_s),
            vnni_mac_per_s: max(self.vnni_mac_per_s, other.vnni_mac_per_s),
            dot_mac_per_s: max(self.dot_mac_per_s, other.dot_mac_per_s),
            mmla_mac_per_s: max(self.mmla_mac_per_s, other.mmla_mac_per_s),
            threads: self.threads,
        }
    }
}

/// Seconds each peak probe runs in [`run_bench`], once before and once after the mining (the
/// two halves of the one second a single probe before the mining used to take).
pub const PEAK_PROBE_S: f64 = 0.5;

/// Length of the windows of [`BenchReport::window_mac_per_s`], seconds.
pub const RATE_WINDOW_S: f64 = 1.0;

/// The most windows [`rate_spread`] looks at (12 days of 1-s windows): bounds its work on
/// absurd input.
const MAX_WINDOWS: usize = 1 << 20;

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
    /// Whether to run the peak probes ([`PEAK_PROBE_S`] each before and again after the
    /// mining, on `threads` threads, so that the ratios compare like with like).
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

/// How a rate varied over a run: the min, median and max of its rates over consecutive,
/// non-overlapping windows of `window_s` (a partial last window is left out).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RateSpread {
    /// The slowest window's rate, per second.
    pub min: f64,
    /// The median window rate (the mean of the middle two for an even count).
    pub median: f64,
    /// The fastest window's rate.
    pub max: f64,
    /// Whole windows counted.
    pub windows: usize,
    /// Window length, seconds.
    pub window_s: f64,
}

/// The spread of a counter's rate over whole windows of `window_s` from `samples`
/// (`(seconds, count)` in time order; the first is the origin, e.g. `(0.0, 0)` at the start).
/// The count at a window's edge is interpolated linearly between the samples around it.
/// `None` with fewer than two whole windows or a window length that is not positive.
/// Malformed input never panics: samples that do not move time forward (earlier, equal or
/// not finite) are skipped, and a count lower than an earlier one counts as no progress.
pub fn rate_spread(samples: &[(f64, u64)], window_s: f64) -> Option<RateSpread> {
    let mut rates = window_rates(samples, window_s);
    if rates.len() < 2 {
        return None;
    }
    rates.sort_by(f64::total_cmp);
    let n = rates.len();
    let median = if n % 2 == 1 {
        rates[n / 2]
    } else {
        (rates[n / 2 - 1] + rates[n / 2]) / 2.0
    };
    Some(RateSpread {
        min: rates[0],
        median,
        max: rates[n - 1],
        windows: n,
        window_s,
    })
}

/// The rate in each whole window of `window_s`, in time order (see [`rate_spread`]).
fn window_rates(samples: &[(f64, u64)], window_s: f64) -> Vec<f64> {
    if !(window_s.is_finite() && window_s > 0.0) {
        return Vec::new();
    }
    // Time strictly increasing and finite, counts never falling; times relative to the first.
    let mut points: Vec<(f64, f64)> = Vec::with_capacity(samples.len());
    for &(t, count) in samples {
        match points.last() {
            None if t.is_finite() => points.push((t, count as f64)),
            Some(&(last_t, last_c)) if t.is_finite() && t > last_t => {
                points.push((t, (count as f64).max(last_c)));
            }
            _ => {}
        }
    }
    let (Some(&(t0, _)), Some(&(t_end, _))) = (points.first(), points.last()) else {
        return Vec::new();
    };
    let whole = ((t_end - t0) / window_s).floor().min(MAX_WINDOWS as f64) as usize;
    let mut rates = Vec::with_capacity(whole);
    // points[seg] is the last point at or before the edge being interpolated.
    let mut seg = 0;
    let mut previous = points[0].1;
    for i in 1..=whole {
        let edge = t0 + i as f64 * window_s;
        while seg + 1 < points.len() && points[seg + 1].0 <= edge {
            seg += 1;
        }
        let (ta, ca) = points[seg];
        let count = match points.get(seg + 1) {
            Some(&(tb, cb)) => ca + (cb - ca) * ((edge - ta) / (tb - ta)),
            None => ca,
        };
        rates.push((count - previous) / window_s);
        previous = count;
    }
    rates
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
    /// How the MAC rate varied: min, median and max over the run's whole
    /// [`RATE_WINDOW_S`] windows (None with fewer than two).
    pub window_mac_per_s: Option<RateSpread>,
    /// Tiles (tickets) per second.
    pub tiles_per_s: f64,
    /// Proofs found at the easy bench target.
    pub proofs_found: u64,
    /// Proofs that passed a second, independent verification.
    pub proofs_verified: u64,
    /// Peak int8 MAC/s, see [`Peaks::int8_mac_per_s`] (None: not measured, or neither x86_64
    /// AVX2 nor aarch64). Every `peak_*` is the larger of the probes before and after the
    /// mining ([`Self::peaks_before`], [`Self::peaks_after`]), and every `ratio_*` divides by
    /// it: the host may change state during a run (another tenant on the sibling hardware
    /// thread), and the larger sample is the most the instruction gave, so the ratio is the
    /// conservative one.
    pub peak_int8_mac_per_s: Option<f64>,
    /// Peak int16 MAC/s, see [`Peaks::int16_mac_per_s`] (None: as for int8).
    pub peak_int16_mac_per_s: Option<f64>,
    /// Peak `vpdpbusd` MAC/s (None: not measured or no AVX-512 VNNI).
    pub peak_vnni_mac_per_s: Option<f64>,
    /// Peak `SDOT` MAC/s (None: not measured or no aarch64 dotprod).
    pub peak_dot_mac_per_s: Option<f64>,
    /// Peak `SMMLA` MAC/s (None: not measured or no aarch64 i8mm).
    pub peak_mmla_mac_per_s: Option<f64>,
    /// The peak probes run just before the mining ([`PEAK_PROBE_S`] each; None: not measured).
    pub peaks_before: Option<Peaks>,
    /// The peak probes run just after the mining (None: not measured).
    pub peaks_after: Option<Peaks>,
    /// mac_per_s / peak_int8_mac_per_s.
    pub ratio_int8: Option<f64>,
    /// mac_per_s / peak_int16_mac_per_s.
    pub ratio_int16: Option<f64>,
    /// mac_per_s / peak_vnni_mac_per_s.
    pub ratio_vnni: Option<f64>,
    /// mac_per_s / the peak of the kernel's own instruction (`vpdpbusd` for avx512-vnni,
    /// `vpmaddubsw`+`vpmaddwd` for avx2; None for portable or unmeasured), the larger of its
    /// probes before and after the mining.
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
    /// The GEMM kernel, with the per-r-chunk tile XORs fused into it (for layouts whose
    /// column groups repeat every 16 columns, Pearl's standard patterns included; other
    /// layouts count them under `jackpot_s`).
    pub gemm_s: f64,
    /// A's noise (sparse factor, dense rows, A + noise into panels).
    pub noise_s: f64,
    /// A's commitment (keyed BLAKE3) and noise seed.
    pub commit_s: f64,
    /// Drawing A's random signal.
    pub signal_s: f64,
    /// The transcript folds (jackpots from the tile XORs) and the jackpot hashes.
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
    let peaks_before = opts
        .measure_peaks
        .then(|| measure_peaks_on(PEAK_PROBE_S, opts.threads));
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
    // (seconds, MACs) at the start and at every tick, for the rate's spread.
    let mut samples: Vec<(f64, u64)> = vec![(0.0, 0)];
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
            let now = snapshot(&counters, elapsed);
            samples.push((now.elapsed_s, now.mac_total));
            on_progress(&now);
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
    samples.push((last.elapsed_s, last.mac_total));
    let peaks_after = opts
        .measure_peaks
        .then(|| measure_peaks_on(PEAK_PROBE_S, opts.threads));
    let peaks = match (&peaks_before, &peaks_after) {
        (Some(before), Some(after)) => Some(before.larger(after)),
        _ => None,
    };
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
        window_mac_per_s: rate_spread(&samples, RATE_WINDOW_S),
        tiles_per_s: last.tiles_total as f64 / seconds.max(1e-9),
        proofs_found: last.proofs_found,
        proofs_verified: proofs.len() as u64,
        peak_int8_mac_per_s: peak_int8,
        peak_int16_mac_per_s: peak_int16,
        peak_vnni_mac_per_s: peak_vnni,
        peak_dot_mac_per_s: peak_dot,
        peak_mmla_mac_per_s: peak_mmla,
        peaks_before,
        peaks_after,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Samples every `step` seconds up to `end`, the count following `macs_at`.
    fn ticks(step: f64, end: f64, macs_at: impl Fn(f64) -> u64) -> Vec<(f64, u64)> {
        let n = (end / step).round() as usize;
        (0..=n)
            .map(|i| {
                let t = i as f64 * step;
                (t, macs_at(t))
            })
            .collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
    }

    #[test]
    fn windows_follow_one_second_boundaries() {
        // 100/s in the first second, 300/s in the second, 200/s in the third, sampled every
        // 0.2 s: each window sees its own second only.
        let macs = |t: f64| {
            let part = |from: f64, to: f64, rate: f64| (t.clamp(from, to) - from) * rate;
            (part(0.0, 1.0, 100.0) + part(1.0, 2.0, 300.0) + part(2.0, 3.0, 200.0)).round() as u64
        };
        let samples = ticks(0.2, 3.0, macs);
        let rates = window_rates(&samples, 1.0);
        assert_eq!(rates.len(), 3, "{rates:?}");
        for (got, want) in rates.iter().zip([100.0, 300.0, 200.0]) {
            assert!(close(*got, want), "{rates:?}");
        }
        let spread = rate_spread(&samples, 1.0).expect("three windows");
        assert_eq!(
            spread,
            RateSpread {
                min: rates[0],
                median: rates[2],
                max: rates[1],
                windows: 3,
                window_s: 1.0
            }
        );
    }

    #[test]
    fn an_edge_between_samples_is_interpolated() {
        // Samples at 0, 0.8, 1.2 and 2.1 s: the count at 1 s is halfway from 80 to 200 (140),
        // at 2 s eight ninths of the way from 200 to 290 (280).
        let samples = [(0.0, 0), (0.8, 80), (1.2, 200), (2.1, 290)];
        let rates = window_rates(&samples, 1.0);
        assert_eq!(rates.len(), 2);
        assert!(
            close(rates[0], 140.0) && close(rates[1], 140.0),
            "{rates:?}"
        );
        // Half-second windows of the same samples: counts 50, 140, 230 and 280 at their edges.
        let halves = window_rates(&samples, 0.5);
        for (got, want) in halves.iter().zip([100.0, 180.0, 180.0, 100.0]) {
            assert!(close(*got, want), "{halves:?}");
        }
        assert_eq!(halves.len(), 4);
    }

    #[test]
    fn a_partial_last_window_is_left_out() {
        // Two whole seconds at 100/s, then 0.9 s at 10 000/s: the tail counts nowhere.
        let macs = |t: f64| {
            if t <= 2.0 {
                (t * 100.0).round() as u64
            } else {
                200 + ((t - 2.0) * 10_000.0).round() as u64
            }
        };
        let samples = ticks(0.1, 2.9, macs);
        let spread = rate_spread(&samples, 1.0).expect("two windows");
        assert_eq!(spread.windows, 2);
        assert!(close(spread.max, 100.0), "{spread:?}");
        assert!(close(spread.min, 100.0), "{spread:?}");
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        let samples = [(0.0, 0), (1.0, 10), (2.0, 50), (3.0, 70), (4.0, 150)];
        let spread = rate_spread(&samples, 1.0).expect("four windows");
        assert_eq!((spread.min, spread.max, spread.windows), (10.0, 80.0, 4));
        assert!(close(spread.median, 30.0), "{spread:?}");
    }

    #[test]
    fn fewer_than_two_whole_windows_give_none() {
        assert_eq!(rate_spread(&[], 1.0), None);
        assert_eq!(rate_spread(&[(0.0, 0)], 1.0), None);
        assert_eq!(rate_spread(&[(0.0, 0), (1.0, 100)], 1.0), None);
        assert_eq!(
            rate_spread(&ticks(0.2, 1.8, |t| (t * 1e3) as u64), 1.0),
            None
        );
        assert!(rate_spread(&ticks(0.2, 2.0, |t| (t * 1e3) as u64), 1.0).is_some());
    }

    #[test]
    fn malformed_input_never_panics() {
        // Time going back, a NaN, a repeated time and a falling count: skipped or held.
        let samples = [
            (0.0, 0),
            (1.0, 100),
            (0.5, 50),
            (f64::NAN, 7),
            (1.0, 900),
            (2.0, 40),
            (3.0, 400),
        ];
        let rates = window_rates(&samples, 1.0);
        assert_eq!(rates, [100.0, 0.0, 300.0]);
        let spread = rate_spread(&samples, 1.0).expect("three windows");
        assert_eq!((spread.min, spread.median, spread.max), (0.0, 100.0, 300.0));
        // A zero, negative or not-finite window, a start that is not finite, a huge span.
        for window in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(rate_spread(&samples, window), None, "{window}");
        }
        assert_eq!(rate_spread(&[(f64::NAN, 0), (f64::INFINITY, 1)], 1.0), None);
        assert_eq!(rate_spread(&[(f64::NEG_INFINITY, 0), (1.0, 1)], 1.0), None);
        let huge = window_rates(&[(0.0, 0), (1e300, u64::MAX)], 1.0);
        assert_eq!(huge.len(), MAX_WINDOWS);
        assert!(huge.iter().all(|r| r.is_finite() && *r >= 0.0));
        let tiny = window_rates(&[(0.0, 0), (1.0, 5)], f64::MIN_POSITIVE);
        assert_eq!(tiny.len(), MAX_WINDOWS);
    }

    #[test]
    fn larger_peaks_take_each_instruction_on_its_own() {
        let before = Peaks {
            int8_mac_per_s: Some(90.0),
            int16_mac_per_s: Some(50.0),
            vnni_mac_per_s: Some(400.0),
            dot_mac_per_s: None,
            mmla_mac_per_s: Some(7.0),
            threads: 2,
        };
        let after = Peaks {
            int8_mac_per_s: Some(95.0),
            int16_mac_per_s: Some(45.0),
            vnni_mac_per_s: None,
            dot_mac_per_s: Some(3.0),
            mmla_mac_per_s: None,
            threads: 2,
        };
        let larger = before.larger(&after);
        assert_eq!(larger.int8_mac_per_s, Some(95.0));
        assert_eq!(larger.int16_mac_per_s, Some(50.0));
        assert_eq!(larger.vnni_mac_per_s, Some(400.0));
        assert_eq!(larger.dot_mac_per_s, Some(3.0));
        assert_eq!(larger.mmla_mac_per_s, Some(7.0));
        assert_eq!(larger, after.larger(&before));
    }
}
