//! Int8 GEMM panel kernels. One call adds a `rows × cols` block of dot products over one
//! r-chunk into cumulative i32 accumulators. Operands are noised values in [-127, 127]; the
//! miner's B lies in [`NARROW_B`], which the AVX2 kernel's own B form needs.
//!
//! Layouts (one r-chunk): the A panel is row-major `rows × r`; the B panel is
//! "quad-interleaved": for each group of 4 consecutive k indices q and each column j, the 4
//! values `b[j][4q..4q+4]` are contiguous at `(q·cols + j)·4`. Eight columns then fill one
//! 32-byte vector, so sums land in lanes with no horizontal reduction. Each kernel may
//! keep B in its own form derived from that one ([`Kernel::own_b_panel`]).

mod portable;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512vnni;
#[cfg(target_arch = "aarch64")]
mod neon;

/// The range of the miner's noised B: its signal is drawn from {-1, 0, 1} (any value in
/// [-64, 64] is valid signal, §4.2) and the noise lies in [-63, 63]. The AVX2 kernel's own B
/// form ([`Kernel::own_b_panel`]) holds b+64 as an unsigned byte, which only this range
/// keeps free of i16 saturation.
pub const NARROW_B: std::ops::RangeInclusive<i8> = -64..=64;

/// The range of the miner's noised A: its signal is drawn from {-1, 0} and the noise lies in
/// [-63, 63]. Where a whole A panel lies in it, the AVX2 kernel adds two k-quads' `vpmaddubsw`
/// results in i16 before one `vpmaddwd` (four products lie in [−4·128·64, 4·128·63] =
/// [−32768, 32256], which i16 holds); other panels take its one-quad path.
pub const NARROW_A: std::ops::RangeInclusive<i8> = -64..=63;

/// Which kernel the caller asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KernelChoice {
    /// The fastest kernel this CPU supports.
    #[default]
    Auto,
    /// The portable reference kernel.
    Portable,
    /// The x86_64 AVX2 kernel (refused where the CPU lacks AVX2).
    Avx2,
    /// The x86_64 AVX-512 VNNI kernel (refused where the CPU lacks avx512f/bw/vl/vnni).
    Avx512Vnni,
    /// The aarch64 NEON widening kernel (refused off aarch64).
    Neon,
    /// The aarch64 `SDOT` kernel (refused where the CPU lacks dotprod).
    NeonDotprod,
    /// The aarch64 `SMMLA` kernel (refused where the CPU lacks i8mm or dotprod).
    NeonI8mm,
}

/// A kernel that this CPU can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    /// Portable Rust.
    Portable,
    /// AVX2 `vpmaddubsw` with B offset by 64 (x86_64 only, checked at run time).
    Avx2,
    /// AVX-512 VNNI `vpdpbusd` with an unsigned offset on B (x86_64 only, checked at run time).
    Avx512Vnni,
    /// NEON `SMULL`/`SMLAL`/`SADALP` widening multiplies (aarch64 only, checked at run time).
    Neon,
    /// NEON `SDOT` by element (aarch64 dotprod, checked at run time).
    NeonDotprod,
    /// NEON `SMMLA` 2×8·8×2 blocks (aarch64 i8mm, checked at run time).
    NeonI8mm,
}

/// The requested kernel cannot run on this machine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the {requested} kernel is not available on this CPU ({reason}); use kernel auto or portable"
)]
pub struct KernelUnavailable {
    /// Kernel name.
    pub requested: &'static str,
    /// Why.
    pub reason: &'static str,
}

/// Whether this CPU can run the AVX2 kernel.
pub fn avx2_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Whether this CPU can run the AVX-512 VNNI kernel (avx512f, avx512bw, avx512vl and
/// avx512vnni all detected).
pub fn avx512vnni_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        avx512vnni::available()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Whether this CPU can run the NEON widening kernel (any aarch64 Linux or macOS CPU).
pub fn neon_available() -> bool {
    #[cfg(target_arch = "aarch64")]
    {
        neon::neon_available()
    }
    #[cfg(not(target_arch = "aarch64"))]
    {
        false
    }
}

/// Whether this CPU can run the NEON `SDOT` kernel (aarch64 with dotprod).
pub fn neon_dotprod_available() -> bool {
    #[cfg(target_arch = "aarch64")]
    {
        neon::dotprod_available()
    }
    #[cfg(not(target_arch = "aarch64"))]
    {
        false
    }
}

/// Whether this CPU can run the NEON `SMMLA` kernel (aarch64 with i8mm and dotprod).
pub fn neon_i8mm_available() -> bool {
    #[cfg(target_arch = "aarch64")]
    {
        neon::i8mm_available()
    }
    #[cfg(not(target_arch = "aarch64"))]
    {
        false
    }
}

/// The kernel [`KernelChoice::Auto`] picks on an aarch64 CPU with or without the dotprod and
/// i8mm extensions (also for describing a host from its detected feature names).
pub fn aarch64_auto_kernel(dotprod: bool, i8mm: bool) -> Kernel {
    match (dotprod, i8mm) {
        (true, true) => Kernel::NeonI8mm,
        (true, false) => Kernel::NeonDotprod,
        (false, _) => Kernel::Neon,
    }
}

/// Shape of one panel call; see [`Kernel::accumulate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PanelDims {
    /// Rows of the A panel.
    pub rows: usize,
    /// Columns of the B panel.
    pub cols: usize,
    /// Length of the chunk (a multiple of 4).
    pub r: usize,
}

impl PanelDims {
    fn fits(&self, a: &[i8], b: &[i8], acc: &[i32]) -> bool {
        self.r.is_multiple_of(4)
            && a.len() >= self.rows * self.r
            && b.len() >= self.cols * self.r
            && acc.len() >= self.rows * self.cols
    }
}

/// Writes one r-chunk of B lines (`cols` lines, k-contiguous with stride `ldb`, starting at
/// `k0`) into the quad-interleaved panel layout.
pub fn pack_b_panel(b: &[i8], ldb: usize, k0: usize, dims: PanelDims, out: &mut [i8]) {
    for j in 0..dims.cols {
        let line = &b[j * ldb + k0..j * ldb + k0 + dims.r];
        store_b_line(line, j, dims.cols, out);
    }
}

/// Stores one B line's chunk (`r` values) as column `j` of a quad-interleaved panel.
pub(crate) fn store_b_line(chunk: &[i8], j: usize, cols: usize, out: &mut [i8]) {
    for (q, quad) in chunk.chunks_exact(4).enumerate() {
        let at = (q * cols + j) * 4;
        out[at..at + 4].copy_from_slice(quad);
    }
}

/// The row terms and slots of [`Kernel::accumulate_lanes`] cover `dims.rows` and every slot
/// fits `lanes`.
fn check_slots(terms: &[i32], row_slots: &[u32], lanes: &[u32], dims: PanelDims) {
    assert!(
        terms.len() >= dims.rows
            && row_slots.len() >= dims.rows
            && row_slots[..dims.rows]
                .iter()
                .all(|&s| (s as usize) < lanes.len() / 16),
        "row terms or slots do not fit {dims:?}"
    );
}

/// XORs every `acc[i][j]` (a `dims.rows × dims.cols` block) into `lanes[16·row_slots[i] + j % 16]`.
pub(crate) fn lanes_from_acc(acc: &[i32], dims: PanelDims, row_slots: &[u32], lanes: &mut [u32]) {
    for (line, &slot) in acc.chunks_exact(dims.cols).zip(row_slots).take(dims.rows) {
        let out = &mut lanes[16 * slot as usize..16 * slot as usize + 16];
        let mut strips = line.chunks_exact(16);
        for strip in &mut strips {
            for (x, &v) in out.iter_mut().zip(strip) {
                *x ^= v as u32;
            }
        }
        for (x, &v) in out.iter_mut().zip(strips.remainder()) {
            *x ^= v as u32;
        }
    }
}

impl Kernel {
    /// Resolves a choice against this CPU.
    pub fn resolve(choice: KernelChoice) -> Result<Self, KernelUnavailable> {
        match choice {
            KernelChoice::Portable => Ok(Self::Portable),
            KernelChoice::Auto => Ok(if avx512vnni_available() {
                Self::Avx512Vnni
            } else if avx2_available() {
                Self::Avx2
            } else if neon_available() {
                aarch64_auto_kernel(neon_dotprod_available(), neon_i8mm_available())
            } else {
                Self::Portable
            }),
            KernelChoice::Avx2 if avx2_available() => Ok(Self::Avx2),
            KernelChoice::Avx2 => Err(KernelUnavailable {
                requested: "avx2",
                reason: if cfg!(target_arch = "x86_64") {
                    "no AVX2 support detected"
                } else {
                    "not an x86_64 CPU"
                },
            }),
            KernelChoice::Avx512Vnni if avx512vnni_available() => Ok(Self::Avx512Vnni),
            KernelChoice::Avx512Vnni => Err(KernelUnavailable {
                requested: "avx512-vnni",
                reason: if cfg!(target_arch = "x86_64") {
                    "avx512f, avx512bw, avx512vl and avx512vnni are not all detected"
                } else {
                    "not an x86_64 CPU"
                },
            }),
            KernelChoice::Neon if neon_available() => Ok(Self::Neon),
            KernelChoice::Neon => Err(KernelUnavailable {
                requested: "neon",
                reason: if cfg!(target_arch = "aarch64") {
                    "no Advanced SIMD support detected"
                } else {
                    "not an aarch64 CPU"
                },
            }),
            KernelChoice::NeonDotprod if neon_dotprod_available() => Ok(Self::NeonDotprod),
            KernelChoice::NeonDotprod => Err(KernelUnavailable {
                requested: "neon-dotprod",
                reason: if cfg!(target_arch = "aarch64") {
                    "no dotprod (SDOT) support detected"
                } else {
                    "not an aarch64 CPU"
                },
            }),
            KernelChoice::NeonI8mm if neon_i8mm_available() => Ok(Self::NeonI8mm),
            KernelChoice::NeonI8mm => Err(KernelUnavailable {
                requested: "neon-i8mm",
                reason: if cfg!(target_arch = "aarch64") {
                    "i8mm (SMMLA) and dotprod are not both detected"
                } else {
                    "not an aarch64 CPU"
                },
            }),
        }
    }

    /// Short name for reports ("portable", "avx2", "avx512-vnni", "neon", "neon-dotprod",
    /// "neon-i8mm").
    pub fn name(&self) -> &'static str {
        match self {
            Self::Portable => "portable",
            Self::Avx2 => "avx2",
            Self::Avx512Vnni => "avx512-vnni",
            Self::Neon => "neon",
            Self::NeonDotprod => "neon-dotprod",
            Self::NeonI8mm => "neon-i8mm",
        }
    }

    /// Writes the quad-interleaved B panel `quad` (`dims.cols × dims.r`, as
    /// [`pack_b_panel`] makes it) into `out` in this kernel's own form, the one
    /// [`Self::accumulate_packed`] and [`Self::accumulate_lanes`] read: `b XOR 0x80` (the
    /// u8 b+128 `vpdpbusd` multiplies) for the AVX-512 VNNI kernel, 32-column strips of b+64
    /// for the AVX2 kernel, the same panel for the others. The miner does this once per job.
    ///
    /// # Panics
    /// When `quad` or `out` holds fewer than `cols·r` values or r is not a multiple of 4,
    /// and, for the AVX2 kernel, when a value lies outside [`NARROW_B`].
    pub fn own_b_panel(&self, quad: &[i8], dims: PanelDims, out: &mut [i8]) {
        let len = dims.cols * dims.r;
        assert!(
            dims.r.is_multiple_of(4) && quad.len() >= len && out.len() >= len,
            "B panel {dims:?} does not fit its buffers"
        );
        match self {
            Self::Avx512Vnni => {
                for (o, &v) in out[..len].iter_mut().zip(&quad[..len]) {
                    *o = v ^ i8::MIN;
                }
            }
            #[cfg(target_arch = "x86_64")]
            Self::Avx2 => avx2::strip_b_panel(quad, dims, out),
            _ => out[..len].copy_from_slice(&quad[..len]),
        }
    }

    /// [`Self::accumulate`] with B's panel in this kernel's own form ([`Self::own_b_panel`]).
    /// The miner stores B so once per job.
    ///
    /// # Panics
    /// As [`Self::accumulate`].
    pub fn accumulate_packed(&self, a: &[i8], b: &[i8], dims: PanelDims, acc: &mut [i32]) {
        match self {
            Self::Avx512Vnni => {
                assert!(
                    dims.fits(a, b, acc),
                    "kernel panel {dims:?} does not fit its buffers"
                );
                #[cfg(target_arch = "x86_64")]
                avx512vnni::accumulate_offset(a, b, dims, acc);
                #[cfg(not(target_arch = "x86_64"))]
                {
                    let signed: Vec<i8> = b.iter().map(|&v| v ^ i8::MIN).collect();
                    portable::accumulate(a, &signed, dims, acc);
                }
            }
            #[cfg(target_arch = "x86_64")]
            Self::Avx2 => {
                assert!(
                    dims.fits(a, b, acc),
                    "kernel panel {dims:?} does not fit its buffers"
                );
                avx2::accumulate_packed(a, b, dims, acc);
            }
            _ => self.accumulate(a, b, dims, acc),
        }
    }

    /// The per-row terms [`Self::accumulate_lanes`] adds for the A panel `a` (`dims.rows`
    /// rows of `dims.r`): −128·Σ row for the AVX-512 VNNI kernel (its B is offset by 128),
    /// −64·Σ row for the AVX2 kernel (offset by 64), 0 for the others. They depend on A alone, so the miner computes them once per
    /// attempt rather than once per column block.
    pub fn row_terms(&self, a: &[i8], dims: PanelDims, out: &mut [i32]) {
        assert!(
            a.len() >= dims.rows * dims.r && out.len() >= dims.rows,
            "row terms of {dims:?} do not fit their buffers"
        );
        match self {
            #[cfg(target_arch = "x86_64")]
            Self::Avx512Vnni => avx512vnni::row_terms(a, dims, out),
            #[cfg(target_arch = "x86_64")]
            Self::Avx2 => avx2::row_terms(a, dims, out),
            // Elsewhere (a VNNI value never resolves off x86_64) accumulate_lanes goes
            // through accumulate_packed, which undoes B's offset itself and reads no terms.
            _ => out[..dims.rows].fill(0),
        }
    }

    /// `chunks` consecutive r-chunks of one block at once: accumulators `acc[i][j]`
    /// start at zero; for c in 0..chunks, [`Self::accumulate_packed`] of A panel c
    /// (`a[c·rows·r..]`) and B panel c (`b[c·cols·r..]`, this kernel's own form) is added
    /// into them, then for every row slot s and lane l < 16: `lanes[c·L + 16·s + l]`
    /// (L = `lanes.len() / chunks`) ^= XOR of the updated `acc[i][j]` over rows i with
    /// `row_slots[i] = s` and columns j ≡ l (mod 16). The lanes are XORed into, not
    /// overwritten, so calls on column strips of one block collect the block's lanes. `acc`
    /// (rows × cols) is scratch: the kernels that keep the accumulators in memory between
    /// chunks use it, the VNNI kernel keeps them in registers; its contents afterwards are
    /// unspecified. With rows grouped by tile and a column-group map that repeats every 16
    /// columns, a tile's XOR after chunk c is the XOR of some lanes of its slot in part c.
    /// `terms[c·rows..]` comes from [`Self::row_terms`] on A panel c.
    ///
    /// # Panics
    /// As [`Self::accumulate`] for each chunk's panels, and when `terms` or `row_slots` hold
    /// too few values, `lanes` does not split into `chunks` parts or a slot does not fit
    /// one part.
    #[allow(clippy::too_many_arguments)]
    pub fn accumulate_lanes(
        &self,
        a: &[i8],
        terms: &[i32],
        b: &[i8],
        dims: PanelDims,
        chunks: usize,
        acc: &mut [i32],
        row_slots: &[u32],
        lanes: &mut [u32],
    ) {
        let (a_len, b_len) = (dims.rows * dims.r, dims.cols * dims.r);
        assert!(
            chunks > 0
                && a.len() >= chunks * a_len
                && b.len() >= chunks * b_len
                && dims.fits(a, b, acc)
                && terms.len() >= chunks * dims.rows
                && lanes.len().is_multiple_of(chunks),
            "kernel panels {dims:?} x {chunks} chunks do not fit their buffers"
        );
        let part = lanes.len() / chunks;
        check_slots(terms, row_slots, &lanes[..part], dims);
        match self {
            #[cfg(target_arch = "x86_64")]
            Self::Avx512Vnni if avx512vnni::fuses_chunks(dims) => {
                avx512vnni::accumulate_lanes(a, b, dims, chunks, terms, row_slots, lanes);
            }
            // Chunk by chunk: the AVX2 kernel's fused path, or the packed kernel and a fold.
            _ => {
                acc[..dims.rows * dims.cols].fill(0);
                for (c, lanes) in lanes.chunks_exact_mut(part).enumerate() {
                    let a = &a[c * a_len..(c + 1) * a_len];
                    let b = &b[c * b_len..(c + 1) * b_len];
                    match self {
                        #[cfg(target_arch = "x86_64")]
                        Self::Avx2 => {
                            let terms = &terms[c * dims.rows..(c + 1) * dims.rows];
                            avx2::accumulate_lanes(a, terms, b, dims, acc, row_slots, lanes);
                        }
                        _ => {
                            self.accumulate_packed(a, b, dims, acc);
                            lanes_from_acc(acc, dims, row_slots, lanes);
                        }
                    }
                }
            }
        }
    }

    /// `acc[i·cols + j] += Σ_{l<r} a[i·r + l] · b[j][l]` (wrapping i32), with `b` in the
    /// quad-interleaved layout. The AVX2 kernel hands a panel with a B value outside
    /// [`NARROW_B`] to the portable kernel.
    ///
    /// # Panics
    /// When a slice is too short for `dims` or r is not a multiple of 4 (a caller bug,
    /// never outside data).
    pub fn accumulate(&self, a: &[i8], b: &[i8], dims: PanelDims, acc: &mut [i32]) {
        assert!(
            dims.fits(a, b, acc),
            "kernel panel {dims:?} does not fit its buffers"
        );
        match self {
            Self::Portable => portable::accumulate(a, b, dims, acc),
            Self::Avx2 => {
                #[cfg(target_arch = "x86_64")]
                avx2::accumulate(a, b, dims, acc);
                #[cfg(not(target_arch = "x86_64"))]
                portable::accumulate(a, b, dims, acc);
            }
            Self::Avx512Vnni => {
                #[cfg(target_arch = "x86_64")]
                avx512vnni::accumulate(a, b, dims, acc);
                #[cfg(not(target_arch = "x86_64"))]
                portable::accumulate(a, b, dims, acc);
            }
            Self::Neon => {
                #[cfg(target_arch = "aarch64")]
                neon::accumulate_neon(a, b, dims, acc);
                #[cfg(not(target_arch = "aarch64"))]
                portable::accumulate(a, b, dims, acc);
            }
            Self::NeonDotprod => {
                #[cfg(target_arch = "aarch64")]
                neon::accumulate_dotprod(a, b, dims, acc);
                #[cfg(not(target_arch = "aarch64"))]
                portable::accumulate(a, b, dims, acc);
            }
            Self::NeonI8mm => {
                #[cfg(target_arch = "aarch64")]
                neon::accumulate_i8mm(a, b, dims, acc);
                #[cfg(not(target_arch = "aarch64"))]
                portable::accumulate(a, b, dims, acc);
            }
        }
    }
}

/// The x86 peak probes' timing loop: calls `round` (which does `macs_per_round`
/// multiply-accumulates) until `seconds` have passed; returns (MACs done, seconds taken).
/// A closure written inside a `#[target_feature]` function keeps its features; inlined,
/// so the probe's registers stay registers.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn timed_rounds(seconds: f64, macs_per_round: u64, mut round: impl FnMut()) -> (u64, f64) {
    let start = std::time::Instant::now();
    let mut rounds = 0u64;
    loop {
        round();
        rounds += 1;
        let elapsed = start.elapsed().as_secs_f64();
        if elapsed >= seconds {
            return (rounds * macs_per_round, elapsed);
        }
    }
}

/// Throughput probes for the bench (x86_64 only).
#[cfg(target_arch = "x86_64")]
pub(crate) use avx2::{probe_int8_macs, probe_int16_macs};
#[cfg(target_arch = "x86_64")]
pub(crate) use avx512vnni::probe_vnni_macs;
/// Throughput probes for the bench (aarch64 only).
#[cfg(target_arch = "aarch64")]
pub(crate) use neon::{
    probe_dot_macs, probe_int8_macs as probe_neon_int8_macs,
    probe_int16_macs as probe_neon_int16_macs, probe_mmla_macs,
};
