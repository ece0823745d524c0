//! The search loop: threads, cancellation, live counters, and self-verification of every
//! proof before it is returned.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use num_bigint::BigUint;
use pearl_protocol::{IncompleteBlockHeader, MiningJob, PlainProof};

use crate::commit::SeedDerivation;
use crate::engine::{self, JobContext, Worker};
use crate::jackpot::{self, FastBound};
use crate::kernel::{Kernel, KernelChoice, KernelUnavailable};
use crate::layout::BlockLayout;
use crate::rng::SignalRng;
use crate::shape::{Shape, ShapeError};
use crate::verify::{Verified, VerifyError, verify_plain_proof_with_target};

/// What to mine: the gateway job's header, full target and certificate version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// The 76-byte incomplete header.
    pub header: IncompleteBlockHeader,
    /// The full target (not yet scaled for tile or rank).
    pub target: BigUint,
    /// Required certificate version (int7: 1, 2, 3).
    pub cert_version: u32,
}

impl From<&MiningJob> for Job {
    fn from(job: &MiningJob) -> Self {
        Self {
            header: job.header,
            target: job.target.clone(),
            cert_version: job.cert_version,
        }
    }
}

/// A winning proof, already accepted by [`crate::verify_plain_proof_with_target`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The plain proof to submit.
    pub proof: PlainProof,
    /// What the verifier recomputed (jackpot hash, public data, proof commitment).
    pub verified: Verified,
}

/// Why mining could not run or ended in error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MineError {
    /// The shape breaks a consensus limit (the limit is part of the message, not a cause).
    #[error("invalid mining shape: {0}")]
    Shape(ShapeError),
    /// The certificate version is not an int7 one.
    #[error(
        "the job requires certificate version {0}; this miner produces only int7 certificates 1, 2 and 3 (version 4 is FP8, 5 is FP16); use the GPU miner for those"
    )]
    UnsupportedCertVersion(u32),
    /// The requested kernel cannot run here.
    #[error(transparent)]
    Kernel(#[from] KernelUnavailable),
    /// The target is zero or too easy for a 256-bit bound at this shape.
    #[error(
        "target is unusable for this shape: target·h·w·(dot_len/r)·128 is zero or exceeds 2^256 (check the job's target)"
    )]
    TargetUnusable,
    /// The valid tile offsets do not partition a period block.
    #[error(
        "the tile patterns do not partition their period; choose standard patterns such as rows [0,8]"
    )]
    PatternDoesNotTile,
    /// `threads` was zero.
    #[error("threads must be at least 1")]
    NoThreads,
    /// Our own verifier rejected a proof we built (a miner bug; nothing was returned).
    #[error("internal error: a mined proof failed self-verification ({0}); please report this bug")]
    SelfCheck(VerifyError),
}

impl From<ShapeError> for MineError {
    fn from(error: ShapeError) -> Self {
        MineError::Shape(error)
    }
}

/// Options of a [`Miner`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinerOptions {
    /// Worker threads (each owns its own A).
    pub threads: usize,
    /// Kernel selection.
    pub kernel: KernelChoice,
}

/// A flag that stops mining at the next block boundary.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks every miner holding this token to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`Self::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Live counters, readable from other threads while mining.
#[derive(Debug, Default)]
pub struct Counters {
    /// Multiply-accumulates done (m·n·k per full GEMM, counted per block).
    pub mac_total: AtomicU64,
    /// Tiles (tickets) scanned.
    pub tiles_total: AtomicU64,
    /// Full GEMMs completed.
    pub gemms_total: AtomicU64,
    /// Proofs found and self-verified.
    pub proofs_found: AtomicU64,
    /// Winning tiles found but not turned into a proof, because the header already had one:
    /// further winners in the block where the first win was found, and a second thread's
    /// win in the same round. Pearl's gateway keeps one block per header, so these are not
    /// lost blocks.
    pub wins_skipped: AtomicU64,
    /// Nanoseconds spent per phase, summed over threads.
    pub phases: PhaseTimes,
}

/// Where mining time goes: nanoseconds per phase, summed over worker threads.
#[derive(Debug, Default)]
pub struct PhaseTimes {
    /// Drawing A's random signal.
    pub signal_ns: AtomicU64,
    /// Committing A (keyed BLAKE3 over A) and deriving its noise seed.
    pub commit_ns: AtomicU64,
    /// A's noise: the sparse factor, the dense rows, A + noise into panels.
    pub noise_ns: AtomicU64,
    /// The GEMM kernel calls, with the tile XORs fused into them (see
    /// [`crate::bench::Breakdown::gemm_s`]).
    pub gemm_ns: AtomicU64,
    /// The transcript folds (and the per-tile XORs where they are not fused) and the
    /// jackpot hashes.
    pub jackpot_ns: AtomicU64,
    /// Building a won proof (Merkle openings) and verifying it.
    pub proof_ns: AtomicU64,
}

impl PhaseTimes {
    pub(crate) fn add(slot: &AtomicU64, since: std::time::Instant) -> std::time::Instant {
        let now = std::time::Instant::now();
        slot.fetch_add(
            u64::try_from((now - since).as_nanos()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        now
    }
}

impl Counters {
    pub(crate) fn add_block(&self, macs: u64, tiles: u64) {
        self.mac_total.fetch_add(macs, Ordering::Relaxed);
        self.tiles_total.fetch_add(tiles, Ordering::Relaxed);
    }

    pub(crate) fn add_gemm(&self) {
        self.gemms_total.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn add_skipped(&self, wins: u64) {
        if wins > 0 {
            self.wins_skipped.fetch_add(wins, Ordering::Relaxed);
        }
    }
}

/// The native int7 NoisyGEMM miner for one shape.
#[derive(Debug, Clone)]
pub struct Miner {
    shape: Shape,
    threads: usize,
    kernel: Kernel,
    seed: Option<u64>,
    last_job: LastJob<JobContext>,
}

/// The last job mined and its context (B, its tree, noise and panels), so that mining the
/// same job again, as after a win, starts at once instead of rebuilding B (tens of
/// milliseconds, during which the workers would wait). Another job replaces it. A clone of
/// the miner starts without one.
struct LastJob<T>(Mutex<Option<(Job, Arc<T>)>>);

impl<T> Default for LastJob<T> {
    fn default() -> Self {
        Self(Mutex::new(None))
    }
}

impl<T> LastJob<T> {
    /// The context for `job`: the kept one if it is for the same job, else `build()`'s,
    /// which is then kept.
    fn context(&self, job: &Job, build: impl FnOnce() -> T) -> Arc<T> {
        let mut slot = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match &*slot {
            Some((kept, ctx)) if kept == job => Arc::clone(ctx),
            _ => {
                // Drop the old context first: two jobs' B need not be held at once.
                *slot = None;
                let ctx = Arc::new(build());
                *slot = Some((job.clone(), Arc::clone(&ctx)));
                ctx
            }
        }
    }
}

impl<T> Clone for LastJob<T> {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl<T> std::fmt::Debug for LastJob<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LastJob")
    }
}

impl Miner {
    /// Validates the shape (§4.5) and resolves the kernel.
    pub fn new(shape: Shape, options: MinerOptions) -> Result<Self, MineError> {
        shape.validate()?;
        if options.threads == 0 {
            return Err(MineError::NoThreads);
        }
        let kernel = Kernel::resolve(options.kernel)?;
        Ok(Self {
            shape,
            threads: options.threads,
            kernel,
            seed: None,
            last_job: LastJob::default(),
        })
    }

    /// Makes B and every A reproducible from `seed` (tests, benches); default: fresh.
    pub fn with_rng_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// The kernel in use.
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }

    /// The shape mined.
    pub fn shape(&self) -> &Shape {
        &self.shape
    }

    /// Worker threads.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// The win bound `target·h·w·(dot_len/r)·128` for `target` at this shape, if usable.
    pub fn win_bound(&self, target: &BigUint) -> Option<BigUint> {
        let s = &self.shape;
        jackpot::penalized_target_bound(
            target,
            s.h() as u32,
            s.w() as u32,
            jackpot::dot_len(s.k, s.rank),
            s.rank,
        )
    }

    /// Mines until a proof wins (`Ok(Some)`), or `cancel` fires (`Ok(None)`). Fresh random
    /// A per attempt per thread, B fixed for the job (and kept for the next call if it mines
    /// the same job); every tile is scanned.
    pub fn mine(
        &self,
        job: &Job,
        cancel: &CancelToken,
        counters: &Counters,
    ) -> Result<Option<Found>, MineError> {
        let derivation = SeedDerivation::for_cert_version(job.cert_version)
            .ok_or(MineError::UnsupportedCertVersion(job.cert_version))?;
        // Pearl's bound for a zero target is Some(0): valid, but no miner could ever win it.
        let bound = self
            .win_bound(&job.target)
            .filter(|b| *b != BigUint::ZERO)
            .ok_or(MineError::TargetUnusable)?;
        let parsed = self.shape.parse()?;
        let layout = BlockLayout::new(&parsed).ok_or(MineError::PatternDoesNotTile)?;
        let seed = self.seed.unwrap_or_else(SignalRng::fresh_seed);
        let ctx = self.last_job.context(job, || {
            let mut b_rng = SignalRng::from_seed(seed, u64::MAX);
            JobContext::new(
                parsed,
                layout,
                job.header,
                derivation,
                job.cert_version,
                job.target.clone(),
                FastBound::new(&bound),
                &mut b_rng,
                self.kernel,
            )
        });
        let ctx = &*ctx;
        let stop = AtomicBool::new(false);
        let outcome: Mutex<Option<Result<Found, MineError>>> = Mutex::new(None);
        std::thread::scope(|scope| {
            for index in 0..self.threads {
                let (stop, outcome) = (&stop, &outcome);
                let kernel = self.kernel;
                scope.spawn(move || {
                    let mut worker = Worker::new(ctx, SignalRng::from_seed(seed, index as u64));
                    while !stop.load(Ordering::Relaxed) && !cancel.is_cancelled() {
                        let Some(win) = worker.attempt(ctx, kernel, stop, cancel, counters) else {
                            continue;
                        };
                        if stop.swap(true, Ordering::SeqCst) {
                            // Another thread's win already ended this round.
                            counters.add_skipped(1);
                            return;
                        }
                        let started = std::time::Instant::now();
                        let result = self_check(ctx, &win);
                        PhaseTimes::add(&counters.phases.proof_ns, started);
                        if result.is_ok() {
                            counters.proofs_found.fetch_add(1, Ordering::Relaxed);
                        }
                        if let Ok(mut slot) = outcome.lock() {
                            *slot = Some(result);
                        }
                        return;
                    }
                });
            }
        });
        let result = outcome.into_inner().ok().flatten();
        result.transpose()
    }
}

fn self_check(ctx: &JobContext, win: &engine::Win) -> Result<Found, MineError> {
    let proof = engine::build_proof(ctx, win);
    let verified =
        verify_plain_proof_with_target(&ctx.header, &proof, ctx.cert_version, &ctx.target)
            .map_err(MineError::SelfCheck)?;
    Ok(Found { proof, verified })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(nbits: u32, cert_version: u32) -> Job {
        Job {
            header: IncompleteBlockHeader {
                version: 0x2000_0000,
                prev_block: [1; 32],
                merkle_root: [2; 32],
                timestamp: 1_760_000_000,
                nbits,
            },
            target: BigUint::from(nbits),
            cert_version,
        }
    }

    #[test]
    fn the_same_job_reuses_its_context_and_another_job_replaces_it() {
        let last = LastJob::default();
        let mut builds = 0;
        let mut context = |job: &Job| {
            *last.context(job, || {
                builds += 1;
                builds
            })
        };
        assert_eq!(context(&job(7, 3)), 1);
        assert_eq!(context(&job(7, 3)), 1, "same job: kept");
        assert_eq!(context(&job(8, 3)), 2, "another header and target: rebuilt");
        assert_eq!(
            context(&job(8, 2)),
            3,
            "another certificate version: rebuilt"
        );
        assert_eq!(context(&job(7, 3)), 4, "only the last job is kept");
        assert_eq!(context(&job(7, 3)), 4);
        // A clone of the miner starts without a kept job.
        assert!(last.clone().0.lock().unwrap().is_none());
    }
}
