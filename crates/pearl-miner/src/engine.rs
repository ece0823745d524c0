//! One job's fixed state (B, its noise, the tile layout) and one worker's attempt: fresh A,
//! its commitment and noise, the blocked GEMM with per-tile folds, and the win test.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use num_bigint::BigUint;
use pearl_protocol::pattern::PeriodicPattern;
use pearl_protocol::{IncompleteBlockHeader, MatrixMerkleProof, MiningConfiguration, PlainProof};

use crate::commit::{self, Hash32, SeedDerivation};
use crate::jackpot::{self, FastBound, Jackpot};
use crate::kernel::{Kernel, PanelDims};
use crate::keyed_batch;
use crate::layout::{BlockLayout, CacheAligned, Panels};
use crate::merkle::{self, MerkleTree};
use crate::miner::{CancelToken, Counters, PhaseTimes};
use crate::noise_batch::NoiseBatch;
use crate::rng::SignalRng;
use crate::shape::ParsedShape;

/// Everything fixed for one job: shape, keys, B and its noise.
pub(crate) struct JobContext {
    pub(crate) parsed: ParsedShape,
    pub(crate) layout: BlockLayout,
    pub(crate) header: IncompleteBlockHeader,
    pub(crate) derivation: SeedDerivation,
    pub(crate) cert_version: u32,
    pub(crate) target: BigUint,
    pub(crate) bound: FastBound,
    pub(crate) job_key: Hash32,
    /// `b_noise_seed`, fixed for the job.
    pub(crate) b_seed: Hash32,
    /// Bᵀ signal, n×k two's-complement bytes (committed, opened on a win).
    pub(crate) bt_raw: Vec<u8>,
    /// Bᵀ's commitment tree (its root is `hash_b`).
    pub(crate) bt_tree: MerkleTree,
    /// Bᵀ + noise in panels of `strip` lines, in the kernel's own form
    /// ([`Kernel::own_b_panel`]).
    pub(crate) bt_noised: CacheAligned<i8>,
    /// Bᵀ's panels: [`strip_cols`] lines each, all r-chunks of a strip back to back.
    pub(crate) b_panels: Panels,
    /// Columns per [`Kernel::accumulate_lanes`] call (a strip of a column block).
    pub(crate) strip: usize,
    pub(crate) a_panels: Panels,
}

impl JobContext {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        parsed: ParsedShape,
        layout: BlockLayout,
        header: IncompleteBlockHeader,
        derivation: SeedDerivation,
        cert_version: u32,
        target: BigUint,
        bound: FastBound,
        b_seed_rng: &mut SignalRng,
        kernel: Kernel,
    ) -> Self {
        let shape = &parsed.shape;
        let (n, k) = (shape.n as usize, shape.k as usize);
        // rank <= 1024 after validation.
        let config =
            MiningConfiguration::dense(shape.k, shape.rank as u16, parsed.rows, parsed.cols);
        let job_key = commit::job_key(&header.to_bytes(), &config.to_bytes());
        let mut bt_raw = vec![0u8; n * k];
        // Ternary signal, so noised B stays in kernel::NARROW_B (the AVX2 kernel's offset).
        b_seed_rng.fill_ternary(&mut bt_raw);
        // Kept for the job: its root is hash_b, and every win opens rows of it.
        let bt_tree = MerkleTree::build(&job_key, &bt_raw);
        let hash_b = bt_tree.root();
        let b_seed = commit::b_noise_seed(derivation, &job_key, &hash_b, shape.n);
        let mut noise = NoiseBatch::for_b(k, shape.rank);
        noise.reseed(&b_seed);
        noise.fill_dense(n);
        let dot_len = jackpot::dot_len(shape.k, shape.rank) as usize;
        let rank = shape.rank as usize;
        let strip = strip_cols(&layout);
        let b_panels = Panels::new(strip, rank, dot_len, true);
        let a_panels = Panels::new(layout.rows_period, rank, dot_len, false);
        let mut bt_noised = CacheAligned::new(b_panels.len(n));
        let mut line = vec![0i8; k];
        for (col, raw) in bt_raw.chunks_exact(k).enumerate() {
            noise.noised(col, raw, &mut line);
            b_panels.store_lines(&mut bt_noised, col, &line, k);
        }
        let dims = PanelDims {
            rows: layout.rows_period,
            cols: strip,
            r: rank,
        };
        let mut quad = vec![0i8; dims.cols * rank];
        for panel in bt_noised.chunks_exact_mut(dims.cols * rank) {
            quad.copy_from_slice(panel);
            kernel.own_b_panel(&quad, dims, panel);
        }
        Self {
            parsed,
            layout,
            header,
            derivation,
            cert_version,
            target,
            bound,
            job_key,
            b_seed,
            bt_raw,
            bt_tree,
            bt_noised,
            b_panels,
            strip,
            a_panels,
        }
    }
}

/// Columns of B per [`Kernel::accumulate_lanes`] call.
///
/// With fused lanes, a column block is split into strips of [`STRIP_COLS`]: one strip's B
/// over every r-chunk (128 KiB at the default shape) and A for all rows (512 KiB) stay in
/// a 1 MiB L2 together, where a whole 256-column block's B (512 KiB) and A did not.
/// Without lanes (or a period that does not split) the whole column block.
fn strip_cols(layout: &BlockLayout) -> usize {
    if layout.has_lanes() && layout.cols_period.is_multiple_of(STRIP_COLS) {
        STRIP_COLS
    } else {
        layout.cols_period
    }
}

/// See [`strip_cols`]: the VNNI kernel's register block is 64 columns wide.
const STRIP_COLS: usize = 64;

/// A winning tile found by a worker.
pub(crate) struct Win {
    pub(crate) a_raw: Vec<u8>,
    pub(crate) t_rows: u32,
    pub(crate) t_cols: u32,
}

/// One worker's reusable buffers (no allocation per tile or per block).
pub(crate) struct Worker {
    rng: SignalRng,
    a_raw: Vec<u8>,
    /// A's commitment tree: each attempt rewrites one row of A (the next in turn), which
    /// re-keys all of A's noise and the jackpot hashes, and re-hashes only that row's path.
    a_tree: MerkleTree,
    next_row: usize,
    a_noised: CacheAligned<i8>,
    /// One panel block of A's noised lines (`rows_period × k`).
    lines: Vec<i8>,
    noise: NoiseBatch,
    acc: CacheAligned<i32>,
    row_xor: Vec<u32>,
    xors: Vec<u32>,
    jackpots: Vec<Jackpot>,
    hashes: Vec<Hash32>,
    /// Per A panel (row block × r-chunk), each row's [`Kernel::row_terms`].
    a_terms: Vec<i32>,
    /// Per-row-group lanes of [`Kernel::accumulate_lanes`], one part per r-chunk.
    lanes: CacheAligned<u32>,
}

impl Worker {
    pub(crate) fn new(ctx: &JobContext, mut rng: SignalRng) -> Self {
        let shape = &ctx.parsed.shape;
        let a_len = shape.m as usize * shape.k as usize;
        let tiles = ctx.layout.tiles();
        let mut a_raw = vec![0; a_len];
        rng.fill_binary(&mut a_raw);
        let a_tree = MerkleTree::build(&ctx.job_key, &a_raw);
        Self {
            rng,
            a_raw,
            a_tree,
            next_row: 0,
            a_noised: CacheAligned::new(ctx.a_panels.len(shape.m as usize)),
            lines: vec![0; ctx.layout.rows_period * shape.k as usize],
            noise: NoiseBatch::for_a(shape.k as usize, shape.rank),
            acc: CacheAligned::new(ctx.layout.rows_period * ctx.strip),
            row_xor: vec![0; ctx.layout.cols_period],
            xors: vec![0; tiles],
            jackpots: vec![[0; jackpot::JACKPOT_WORDS]; tiles],
            hashes: vec![[0; 32]; tiles],
            a_terms: vec![
                0;
                shape.m as usize
                    * (jackpot::dot_len(shape.k, shape.rank) / shape.rank) as usize
            ],
            // Every row block's lanes: they collect the XORs of a column block's strips.
            lanes: CacheAligned::new(
                shape.m as usize / ctx.layout.rows_period
                    * ctx.layout.lane_len()
                    * (jackpot::dot_len(shape.k, shape.rank) / shape.rank) as usize,
            ),
        }
    }

    /// One GEMM with a fresh A; returns the first winning tile, or `None` (also when `stop`
    /// was raised or `cancel` fired part-way).
    pub(crate) fn attempt(
        &mut self,
        ctx: &JobContext,
        kernel: Kernel,
        stop: &AtomicBool,
        cancel: &CancelToken,
        counters: &Counters,
    ) -> Option<Win> {
        let shape = &ctx.parsed.shape;
        let (m, n, k, rank) = (
            shape.m as usize,
            shape.n as usize,
            shape.k as usize,
            shape.rank as usize,
        );
        let dot_len = jackpot::dot_len(shape.k, shape.rank) as usize;
        let phases = &counters.phases;
        let t = Instant::now();
        let row = self.next_row * k..(self.next_row + 1) * k;
        self.next_row = (self.next_row + 1) % m;
        self.rng.fill_binary(&mut self.a_raw[row.clone()]);
        let t = PhaseTimes::add(&phases.signal_ns, t);
        let hash_a = self.a_tree.update(&self.a_raw, row);
        let a_seed = commit::a_noise_seed(ctx.derivation, &ctx.b_seed, &hash_a, shape.m);
        let t = PhaseTimes::add(&phases.commit_ns, t);
        self.noise.reseed(&a_seed);
        self.noise.fill_dense(m);
        // A panel block's lines at a time, stored panel by panel.
        let rp = ctx.layout.rows_period;
        for (block, raws) in self.a_raw.chunks_exact(rp * k).enumerate() {
            for (within, (raw, line)) in raws
                .chunks_exact(k)
                .zip(self.lines.chunks_exact_mut(k))
                .enumerate()
            {
                self.noise.noised(block * rp + within, raw, line);
            }
            ctx.a_panels
                .store_lines(&mut self.a_noised, block * rp, &self.lines, k);
        }
        PhaseTimes::add(&phases.noise_ns, t);

        let layout = &ctx.layout;
        let (rp, cp) = (layout.rows_period, layout.cols_period);
        let chunks = dot_len / rank;
        if !layout.has_lanes() {
            for col_block in (0..n).step_by(cp) {
                for row_block in (0..m).step_by(rp) {
                    if stop.load(Ordering::Relaxed) || cancel.is_cancelled() {
                        return None;
                    }
                    let folds =
                        self.gemm_folded(ctx, kernel, counters, row_block / rp, col_block / cp);
                    if let Some(win) =
                        self.hash_block(ctx, &a_seed, counters, folds, row_block, col_block)
                    {
                        return Some(win);
                    }
                }
            }
            counters.add_gemm();
            return None;
        }
        // Fused tile XORs: the kernel XORs the accumulators per row group and lane while
        // they are in registers, so only 16 lanes per row group and chunk are left to fold.
        let dims = PanelDims {
            rows: rp,
            cols: ctx.strip,
            r: rank,
        };
        for (panel, terms) in self.a_terms.chunks_exact_mut(rp).enumerate() {
            let a = ctx
                .a_panels
                .panel(&self.a_noised, panel / chunks, panel % chunks);
            kernel.row_terms(a, dims, terms);
        }
        let part = chunks * layout.lane_len();
        let last_strip = cp - ctx.strip;
        for col_block in (0..n).step_by(cp) {
            // Strip outermost: one strip of B (strip·k bytes) stays in L2 while every row
            // block of A passes over it; each row block's lanes collect its strips' XORs
            // and are folded right after its last strip, while they are still in L1.
            for strip in (0..cp).step_by(ctx.strip) {
                if stop.load(Ordering::Relaxed) || cancel.is_cancelled() {
                    return None;
                }
                let b = ctx
                    .b_panels
                    .block(&ctx.bt_noised, (col_block + strip) / ctx.strip);
                let mut t0 = Instant::now();
                for row_block in (0..m).step_by(rp) {
                    let lanes = &mut self.lanes[row_block / rp * part..][..part];
                    if strip == 0 {
                        // Zeroed just before the kernel reads them, not all at once.
                        lanes.fill(0);
                    }
                    let panels = row_block / rp * chunks;
                    kernel.accumulate_lanes(
                        ctx.a_panels.block(&self.a_noised, row_block / rp),
                        &self.a_terms[panels * rp..(panels + chunks) * rp],
                        b,
                        dims,
                        chunks,
                        &mut self.acc,
                        &layout.row_slots,
                        lanes,
                    );
                    if strip != last_strip {
                        continue;
                    }
                    let t1 = Instant::now();
                    phases
                        .gemm_ns
                        .fetch_add((t1 - t0).as_nanos() as u64, Ordering::Relaxed);
                    layout.jackpots_from_lanes(lanes, chunks, &mut self.jackpots);
                    if let Some(win) =
                        self.hash_block(ctx, &a_seed, counters, t1.elapsed(), row_block, col_block)
                    {
                        return Some(win);
                    }
                    t0 = Instant::now();
                }
                if strip != last_strip {
                    phases
                        .gemm_ns
                        .fetch_add(t0.elapsed().as_nanos() as u64, Ordering::Relaxed);
                }
            }
        }
        counters.add_gemm();
        None
    }

    /// The non-fused path for one block: chunk by chunk, the packed kernel and a fold of the
    /// accumulators into the jackpots. Returns the time spent folding.
    fn gemm_folded(
        &mut self,
        ctx: &JobContext,
        kernel: Kernel,
        counters: &Counters,
        row_block: usize,
        col_block: usize,
    ) -> Duration {
        let layout = &ctx.layout;
        let rank = ctx.parsed.shape.rank as usize;
        let dims = PanelDims {
            rows: layout.rows_period,
            cols: layout.cols_period,
            r: rank,
        };
        let chunks = jackpot::dot_len(ctx.parsed.shape.k, ctx.parsed.shape.rank) as usize / rank;
        self.acc.fill(0);
        self.jackpots.fill([0; jackpot::JACKPOT_WORDS]);
        let (mut gemm, mut folds) = (Duration::ZERO, Duration::ZERO);
        for block in 0..chunks {
            let a = ctx.a_panels.panel(&self.a_noised, row_block, block);
            let b = ctx.b_panels.panel(&ctx.bt_noised, col_block, block);
            let t0 = Instant::now();
            kernel.accumulate_packed(a, b, dims, &mut self.acc);
            let t1 = Instant::now();
            layout.tile_xors(&self.acc, &mut self.row_xor, &mut self.xors);
            for (j, &x) in self.jackpots.iter_mut().zip(&self.xors) {
                jackpot::fold(j, block, x);
            }
            gemm += t1 - t0;
            folds += t1.elapsed();
        }
        counters
            .phases
            .gemm_ns
            .fetch_add(gemm.as_nanos() as u64, Ordering::Relaxed);
        folds
    }

    /// Hashes the jackpots of the block at (`row_block`, `col_block`) and tests them
    /// against the target; `folds` (time already spent folding) counts as jackpot time.
    fn hash_block(
        &mut self,
        ctx: &JobContext,
        a_seed: &Hash32,
        counters: &Counters,
        folds: Duration,
        row_block: usize,
        col_block: usize,
    ) -> Option<Win> {
        let layout = &ctx.layout;
        let hashing = Instant::now();
        let block_macs =
            (layout.rows_period * layout.cols_period) as u64 * u64::from(ctx.parsed.shape.k);
        counters.add_block(block_macs, layout.tiles() as u64);
        let mut first = None;
        let mut further = 0u64;
        // Equal to `jackpot::jackpot_hash` per tile, many tiles per SIMD pass.
        keyed_batch::keyed_hashes(a_seed, &self.jackpots, &mut self.hashes);
        for (tile, hash) in self.hashes.iter().enumerate() {
            if ctx.bound.accepts(hash) {
                if first.is_none() {
                    first = Some(tile);
                } else {
                    further += 1;
                }
            }
        }
        counters.phases.jackpot_ns.fetch_add(
            (folds + hashing.elapsed()).as_nanos() as u64,
            Ordering::Relaxed,
        );
        let tile = first?;
        counters.add_skipped(further);
        let groups_per_row = layout.col_offsets.len();
        Some(Win {
            a_raw: self.a_raw.clone(),
            t_rows: row_block as u32 + layout.row_offsets[tile / groups_per_row],
            t_cols: col_block as u32 + layout.col_offsets[tile % groups_per_row],
        })
    }
}

/// Opens the rows `offset + pattern` of one committed matrix (`k` bytes per row).
fn open_rows(
    tree: &MerkleTree,
    data: &[u8],
    pattern: &PeriodicPattern,
    offset: u32,
    k: u64,
) -> MatrixMerkleProof {
    let rows: Vec<u64> = pattern
        .to_list()
        .iter()
        .map(|&r| u64::from(offset + r))
        .collect();
    MatrixMerkleProof {
        proof: tree.open(data, &merkle::leaf_indices_for_rows(&rows, k)),
        row_indices: rows,
    }
}

/// Opens the winning tile's rows of A and Bᵀ.
pub(crate) fn build_proof(ctx: &JobContext, win: &Win) -> PlainProof {
    let shape = &ctx.parsed.shape;
    let k = u64::from(shape.k);
    PlainProof {
        m: u64::from(shape.m),
        n: u64::from(shape.n),
        k,
        noise_rank: u64::from(shape.rank),
        a: open_rows(
            &MerkleTree::build(&ctx.job_key, &win.a_raw),
            &win.a_raw,
            &ctx.parsed.rows,
            win.t_rows,
            k,
        ),
        bt: open_rows(&ctx.bt_tree, &ctx.bt_raw, &ctx.parsed.cols, win.t_cols, k),
    }
}
