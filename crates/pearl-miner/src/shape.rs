//! The GEMM shape a miner commits to, and Pearl's consensus limits on it (§4.5).

use pearl_protocol::pattern::{PatternError, PeriodicPattern};

use crate::jackpot::{PENALTY_BASE_RANK, dot_len};

/// Largest m or n a proof may declare.
pub const MAX_DIM: u64 = 1 << 24;
/// Largest (h + w)·dot_len, in bytes, a proof's worker input may take.
pub const MAX_WORKER_INPUT: u64 = 1 << 22;
/// `dot_len` must be a multiple of this (Pearl's BLAKE-program DWORD size).
pub const DWORD_SIZE: u32 = 8;
/// Tile sides must be multiples of this.
pub const TILE_H: usize = 2;
/// Largest rows-period × cols-period block this miner keeps accumulators for.
pub const MAX_BLOCK_ELEMENTS: u64 = 1 << 20;

/// Which side of the tile a pattern describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    /// Rows of A (`rows_pattern`).
    Rows,
    /// Columns of B, i.e. rows of Bᵀ (`cols_pattern`).
    Cols,
}

impl std::fmt::Display for Axis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Axis::Rows => "rows_pattern",
            Axis::Cols => "cols_pattern",
        })
    }
}

/// A consensus limit a shape (or a proof's recovered shape) breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    /// A pattern list is not a canonical periodic pattern.
    #[error("{axis} is not a valid periodic pattern: {reason}")]
    Pattern {
        /// Which pattern.
        axis: Axis,
        /// Pearl's reason (part of the message, not a chained cause).
        reason: PatternError,
    },
    /// Rank must be a power of two in 32..=1024.
    #[error("rank {rank} must be a power of two between 32 and 1024 (use 128)")]
    Rank {
        /// The rank.
        rank: u32,
    },
    /// Rank below 128 is refused since the rank-penalty fork.
    #[error(
        "rank {rank} is below {PENALTY_BASE_RANK}, which the node refuses since the rank-penalty fork (use 128)"
    )]
    RankBelowPenaltyBase {
        /// The rank.
        rank: u32,
    },
    /// k must be a multiple of 64 in 1024..=65536.
    #[error("k={k} must be a multiple of 64 between 1024 and 65536")]
    K {
        /// The common dimension.
        k: u32,
    },
    /// 16r <= k <= 4r² must hold.
    #[error("k={k} must lie between 16·rank and 4·rank² (rank {rank})")]
    KForRank {
        /// The common dimension.
        k: u32,
        /// The rank.
        rank: u32,
    },
    /// h and w must be multiples of 2.
    #[error(
        "tile sides h={h} and w={w} must both be multiples of 2 (fix rows_pattern/cols_pattern)"
    )]
    TileSideOdd {
        /// Rows per tile.
        h: usize,
        /// Columns per tile.
        w: usize,
    },
    /// 32 <= h·w <= 256 must hold.
    #[error("tile size h·w = {h}·{w} must be between 32 and 256")]
    TileSize {
        /// Rows per tile.
        h: usize,
        /// Columns per tile.
        w: usize,
    },
    /// dot_len must be a multiple of 8.
    #[error("dot_len={dot_len} (k minus k mod rank) must be a multiple of {DWORD_SIZE}")]
    DotLen {
        /// k − k mod r.
        dot_len: u32,
    },
    /// m or n above 2^24.
    #[error("{name}={value} exceeds 2^24")]
    DimTooLarge {
        /// "m" or "n".
        name: &'static str,
        /// The value.
        value: u64,
    },
    /// (h+w)·dot_len above 4 MiB.
    #[error("worker input (h+w)·dot_len = {bytes} bytes exceeds 4 MiB; shrink the tile or k")]
    WorkerInput {
        /// The size.
        bytes: u64,
    },
    /// The tile does not fit the matrix: offset + pattern max >= dimension.
    #[error("{axis} offset {offset} + pattern max {max} must be below {dim}")]
    TileOutside {
        /// Which pattern.
        axis: Axis,
        /// Tile offset.
        offset: u32,
        /// Largest pattern element.
        max: u32,
        /// m or n.
        dim: u64,
    },
    /// The miner needs m (n) to be a multiple of the rows (cols) pattern period.
    #[error("{axis} has period {period}, which must divide {dim} so that every tile fits")]
    NotMultipleOfPeriod {
        /// Which pattern.
        axis: Axis,
        /// Pattern period.
        period: u32,
        /// m or n.
        dim: u32,
    },
    /// The period block is too big for this miner's accumulators.
    #[error(
        "rows period {rows} × cols period {cols} exceeds this miner's block limit of 2^20 accumulators"
    )]
    BlockTooLarge {
        /// Rows period.
        rows: u32,
        /// Cols period.
        cols: u32,
    },
}

/// Pearl's `public_params_sanity_check` for a dense proof (without the rank penalty).
#[allow(clippy::too_many_arguments)]
pub(crate) fn consensus_limits(
    m: u64,
    n: u64,
    k: u32,
    rank: u32,
    rows: &PeriodicPattern,
    cols: &PeriodicPattern,
    t_rows: u32,
    t_cols: u32,
) -> Result<(), ShapeError> {
    let (h, w) = (rows.len(), cols.len());
    if !rank.is_power_of_two() || !(32..=1024).contains(&rank) {
        return Err(ShapeError::Rank { rank });
    }
    if k > 1 << 16 || !k.is_multiple_of(64) || k < 1024 {
        return Err(ShapeError::K { k });
    }
    if u64::from(k) > 4 * u64::from(rank) * u64::from(rank) || k < 16 * rank {
        return Err(ShapeError::KForRank { k, rank });
    }
    if h % TILE_H != 0 || w % TILE_H != 0 {
        return Err(ShapeError::TileSideOdd { h, w });
    }
    if !(32..=256).contains(&(h * w)) {
        return Err(ShapeError::TileSize { h, w });
    }
    let dot_len = dot_len(k, rank);
    if !dot_len.is_multiple_of(DWORD_SIZE) {
        return Err(ShapeError::DotLen { dot_len });
    }
    for (name, value) in [("m", m), ("n", n)] {
        if value > MAX_DIM {
            return Err(ShapeError::DimTooLarge { name, value });
        }
    }
    let bytes = (h + w) as u64 * u64::from(dot_len);
    if bytes > MAX_WORKER_INPUT {
        return Err(ShapeError::WorkerInput { bytes });
    }
    for (axis, offset, pattern, dim) in
        [(Axis::Rows, t_rows, rows, m), (Axis::Cols, t_cols, cols, n)]
    {
        let max = pattern.max_value();
        if u64::from(offset) + u64::from(max) >= dim {
            return Err(ShapeError::TileOutside {
                axis,
                offset,
                max,
                dim,
            });
        }
    }
    Ok(())
}

/// The GEMM shape: A is m×k, B is k×n, noise rank r, tile rows/cols patterns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    /// Rows of A.
    pub m: u32,
    /// Columns of B.
    pub n: u32,
    /// Common dimension.
    pub k: u32,
    /// Noise rank r.
    pub rank: u32,
    /// Tile row offsets, starting at 0.
    pub rows_pattern: Vec<u32>,
    /// Tile column offsets, starting at 0.
    pub cols_pattern: Vec<u32>,
}

/// A validated shape with its parsed patterns.
#[derive(Debug, Clone)]
pub(crate) struct ParsedShape {
    pub(crate) shape: Shape,
    pub(crate) rows: PeriodicPattern,
    pub(crate) cols: PeriodicPattern,
}

impl Shape {
    /// The CPU default: r=128, k=2048, rows [0,8], 64 columns 0,1,8,9,…,248,249 (h·w=128,
    /// like Pearl's reference GPU miner), m=256, n=2048: one GEMM is 2^30 MACs and 4096
    /// tiles. n=2048 rather than 1024 halves the share of the per-attempt work that scales
    /// with m·k and not with m·n·k (A's signal, commitment and noise) against the GEMM; the
    /// consensus limits (§4.5: m, n <= 2^24, (h+w)·dot_len <= 4 MiB) do not involve n beyond
    /// that. Memory: Bᵀ raw + noised 8 MiB shared (L2/L3-resident per 256-column block of
    /// 512 KiB), plus about 1 MiB per thread (A raw and noised; a 16×256 i32 block of
    /// 16 KiB that stays in L1).
    pub fn default_for_cpu() -> Self {
        let cols_pattern = (0..32u32)
            .flat_map(|pair| [pair * 8, pair * 8 + 1])
            .collect();
        Self {
            m: 256,
            n: 2048,
            k: 2048,
            rank: 128,
            rows_pattern: vec![0, 8],
            cols_pattern,
        }
    }

    /// Checks every consensus limit (§4.5, rank >= 128 included) and this miner's
    /// tiling needs (m, n multiples of the pattern periods) before any mining.
    pub fn validate(&self) -> Result<(), ShapeError> {
        self.parse().map(|_| ())
    }

    pub(crate) fn parse(&self) -> Result<ParsedShape, ShapeError> {
        let rows = PeriodicPattern::from_list(&self.rows_pattern).map_err(|reason| {
            ShapeError::Pattern {
                axis: Axis::Rows,
                reason,
            }
        })?;
        let cols = PeriodicPattern::from_list(&self.cols_pattern).map_err(|reason| {
            ShapeError::Pattern {
                axis: Axis::Cols,
                reason,
            }
        })?;
        consensus_limits(
            u64::from(self.m),
            u64::from(self.n),
            self.k,
            self.rank,
            &rows,
            &cols,
            0,
            0,
        )?;
        if self.rank < PENALTY_BASE_RANK {
            return Err(ShapeError::RankBelowPenaltyBase { rank: self.rank });
        }
        for (axis, pattern, dim) in [(Axis::Rows, &rows, self.m), (Axis::Cols, &cols, self.n)] {
            let period = pattern.period();
            if !dim.is_multiple_of(period) {
                return Err(ShapeError::NotMultipleOfPeriod { axis, period, dim });
            }
        }
        if u64::from(rows.period()) * u64::from(cols.period()) > MAX_BLOCK_ELEMENTS {
            return Err(ShapeError::BlockTooLarge {
                rows: rows.period(),
                cols: cols.period(),
            });
        }
        Ok(ParsedShape {
            shape: self.clone(),
            rows,
            cols,
        })
    }

    /// Tile height h (rows per tile).
    pub fn h(&self) -> usize {
        self.rows_pattern.len()
    }

    /// Tile width w (columns per tile).
    pub fn w(&self) -> usize {
        self.cols_pattern.len()
    }

    /// Multiply-accumulates of one full GEMM, m·n·k (the hashrate unit).
    pub fn macs_per_gemm(&self) -> u64 {
        u64::from(self.m) * u64::from(self.n) * u64::from(self.k)
    }

    /// Upper bound of the memory the miner holds for this shape with `threads` workers.
    pub fn memory_bytes(&self, threads: usize) -> u64 {
        let m = u64::from(self.m);
        let n = u64::from(self.n);
        let k = u64::from(self.k);
        let rows_period = self.rows_pattern.last().map_or(1, |&v| u64::from(v) + 1);
        let cols_period = self.cols_pattern.last().map_or(1, |&v| u64::from(v) + 1);
        // The period is at most 2 × (max + 1) for any pattern; take that bound.
        let block = 4 * (2 * rows_period) * (2 * cols_period);
        // Shared: Bᵀ raw and noised, Bᵀ's commitment tree (at most two 32-byte nodes per
        // 1024-byte chunk) and, while a job starts, B's dense noise factor and its digests.
        // Per thread: A raw and noised, the block's accumulators (+ row
        // scratch), noise pairs and one line, A's dense noise factor and its digests, A's
        // commitment tree (at most two 32-byte nodes per 1024-byte chunk), and every row
        // block's tile lanes (16 u32 per row group and r-chunk: at most 64·m·k/r bytes).
        let r = u64::from(self.rank);
        let shared = 2 * n * k + n * k / 16 + 4 * k + 2 * n * r;
        let lanes = 64 * m * (k / r.max(1));
        let per_thread = 2 * m * k + block * 2 + 8 * k + 2 * m * r + m * k / 16 + lanes;
        shared + threads as u64 * per_thread
    }
}
