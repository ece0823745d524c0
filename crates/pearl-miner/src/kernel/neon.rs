//! aarch64 kernels, chosen at run time with `is_aarch64_feature_detected!` like the x86 ones.
//! All three read the same quad-interleaved B panel as the portable kernel: one 16-byte load
//! holds the k-quad of 4 consecutive columns.
//!
//! - `neon-i8mm`: `SMMLA` multiplies a 2×8 block of A (two rows, 8 k) by an 8×2 block of B
//!   (two columns, 8 k) into a 2×2 block of i32 sums: 32 MACs per instruction. The B operand
//!   of two columns is one `ZIP1`/`ZIP2` of two consecutive k-quads; A's row pairs are packed
//!   once per call into a stack buffer. 8 rows × 8 columns stay in 16 registers.
//! - `neon-dotprod`: indexed `SDOT` adds four i8·i8 products into each i32 lane: A's 16 bytes
//!   (4 k-quads of one row) stay in a register and each quad is picked by the lane index, so
//!   A needs no broadcast. 4 rows × 16 columns stay in 16 registers.
//! - `neon`: `SMULL`/`SMLAL` (i8·i8 → i16, two k-quads summed per i16 lane: at most
//!   2·127² = 32258, so no i16 overflow for operands in [-127, 127]), then `SADALP` into i32
//!   pairs, which one `ADDP` per block folds into columns at the end.
//!
//! `SDOT` and `SMMLA` sum exactly in i32, so the dotprod and i8mm kernels are exact modulo 2^32
//! for every i8 input (-128 included), as the portable kernel's wrapping sums are.
//!
//! Their intrinsics (`vdotq_laneq_s32`, `vmmlaq_s32`) are still unstable in Rust, so each is one
//! `asm!` instruction on registers (pure, no memory): the compiler still allocates the
//! registers and schedules around it. `SMULL2`/`SMLAL2` are `asm!` too (see [`smull2`]).
#![allow(unsafe_code)]

use std::arch::aarch64::{
    int8x16_t, int16x8_t, int32x4_t, vaddq_s32, vdupq_n_s8, vdupq_n_s32, vget_low_s8, vld1q_s8,
    vld1q_s32, vmlal_s8, vmull_s8, vpadalq_s16, vpaddq_s32, vreinterpretq_s8_s32,
    vreinterpretq_s32_s8, vreinterpretq_s32_s64, vreinterpretq_s64_s32, vst1q_s32, vzip1q_s32,
    vzip1q_s64, vzip2q_s32, vzip2q_s64,
};
use std::arch::asm;
use std::hint::black_box;
use std::time::Instant;

use super::PanelDims;

/// Columns per B vector (4 i32 lanes).
const LANES: usize = 4;
/// k values of A packed per i8mm chunk (a multiple of 8): 8 rows × 256 = 2 KiB of stack.
const KC: usize = 256;

/// Whether this CPU has Advanced SIMD (every aarch64 Linux or macOS CPU has).
pub(super) fn neon_available() -> bool {
    std::arch::is_aarch64_feature_detected!("neon")
}

/// Whether this CPU has the dot-product extension (`SDOT`/`UDOT`).
pub(super) fn dotprod_available() -> bool {
    neon_available() && std::arch::is_aarch64_feature_detected!("dotprod")
}

/// Whether this CPU has the int8 matrix-multiply extension (`SMMLA`). The i8mm kernel hands
/// nothing to the dotprod kernel, but every i8mm CPU has dotprod (Armv8.6 requires both), and
/// requiring both keeps the order of the fallbacks simple.
pub(super) fn i8mm_available() -> bool {
    dotprod_available() && std::arch::is_aarch64_feature_detected!("i8mm")
}

/// One `SDOT` by element: lane x of `acc` += Σ_t b[4x + t] · a[4L + t].
#[inline]
#[target_feature(enable = "neon,dotprod")]
fn sdot_lane<const L: i32>(acc: int32x4_t, b: int8x16_t, a: int8x16_t) -> int32x4_t {
    let mut acc = acc;
    // SAFETY: one register-only instruction of the dotprod extension, which this function's
    // target feature (checked by every caller at run time) provides.
    unsafe {
        asm!(
            "sdot {acc:v}.4s, {b:v}.16b, {a:v}.4b[{lane}]",
            acc = inout(vreg) acc,
            b = in(vreg) b,
            a = in(vreg) a,
            lane = const L,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    acc
}

/// One `SDOT` (vector form), for the peak probe.
#[inline]
#[target_feature(enable = "neon,dotprod")]
fn sdot(acc: int32x4_t, x: int8x16_t, y: int8x16_t) -> int32x4_t {
    let mut acc = acc;
    // SAFETY: as in `sdot_lane`.
    unsafe {
        asm!(
            "sdot {acc:v}.4s, {x:v}.16b, {y:v}.16b",
            acc = inout(vreg) acc,
            x = in(vreg) x,
            y = in(vreg) y,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    acc
}

/// One `SMMLA`: `acc` (2×2, row-major) += A (2×8: `a` bytes 0..8, 8..16) · B (8×2: `b`
/// bytes 0..8 are column 0, 8..16 column 1).
#[inline]
#[target_feature(enable = "neon,i8mm")]
fn smmla(acc: int32x4_t, a: int8x16_t, b: int8x16_t) -> int32x4_t {
    let mut acc = acc;
    // SAFETY: one register-only instruction of the i8mm extension, which this function's
    // target feature (checked by every caller at run time) provides.
    unsafe {
        asm!(
            "smmla {acc:v}.4s, {a:v}.16b, {b:v}.16b",
            acc = inout(vreg) acc,
            a = in(vreg) a,
            b = in(vreg) b,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    acc
}

/// `SMULL2`: the high 8 bytes of `a` times those of `b`, widened to i16. In `asm!` because LLVM
/// sees that A's broadcast quad has equal halves and turns the intrinsic into `EXT` + `SMULL`,
/// one extra vector instruction per 8 MACs.
#[inline]
#[target_feature(enable = "neon")]
fn smull2(a: int8x16_t, b: int8x16_t) -> int16x8_t {
    let out: int16x8_t;
    // SAFETY: one register-only Advanced SIMD instruction (this function's target feature).
    unsafe {
        asm!(
            "smull2 {out:v}.8h, {a:v}.16b, {b:v}.16b",
            out = lateout(vreg) out,
            a = in(vreg) a,
            b = in(vreg) b,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    out
}

/// `SMLAL2`: `acc` += the high 8 bytes of `a` times those of `b` (see [`smull2`]).
#[inline]
#[target_feature(enable = "neon")]
fn smlal2(acc: int16x8_t, a: int8x16_t, b: int8x16_t) -> int16x8_t {
    let mut acc = acc;
    // SAFETY: one register-only Advanced SIMD instruction (this function's target feature).
    unsafe {
        asm!(
            "smlal2 {acc:v}.8h, {a:v}.16b, {b:v}.16b",
            acc = inout(vreg) acc,
            a = in(vreg) a,
            b = in(vreg) b,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    acc
}

/// `SMULL` + `SMLAL` on the low halves (the probe's copy, opaque so that LLVM cannot merge the
/// two products when they share operands).
#[inline]
#[target_feature(enable = "neon")]
fn smull_smlal(a0: int8x16_t, b0: int8x16_t, a1: int8x16_t, b1: int8x16_t) -> int16x8_t {
    let out: int16x8_t;
    // SAFETY: two register-only Advanced SIMD instructions (this function's target feature).
    unsafe {
        asm!(
            "smull {out:v}.8h, {a0:v}.8b, {b0:v}.8b",
            "smlal {out:v}.8h, {a1:v}.8b, {b1:v}.8b",
            out = out(vreg) out,
            a0 = in(vreg) a0,
            b0 = in(vreg) b0,
            a1 = in(vreg) a1,
            b1 = in(vreg) b1,
            options(pure, nomem, nostack, preserves_flags),
        );
    }
    out
}

/// A's k-quad at `offset` broadcast to all four lanes.
///
/// # Safety
/// `offset + 4 <= a.len()`.
#[inline]
#[target_feature(enable = "neon")]
unsafe fn broadcast_quad(a: &[i8], offset: usize) -> int8x16_t {
    // SAFETY: the caller guarantees 4 readable bytes at `offset`.
    let quad = unsafe { a.as_ptr().add(offset).cast::<i32>().read_unaligned() };
    vreinterpretq_s8_s32(vdupq_n_s32(quad))
}

/// `acc[row][j0 + 4v .. j0 + 4v + 4] += sums[row][v]` for the first `rows` rows.
///
/// # Safety
/// `(i0 + rows - 1)·cols + j0 + 4V <= acc.len()`.
#[inline]
#[target_feature(enable = "neon")]
unsafe fn add_into<const R: usize, const V: usize>(
    sums: &[[int32x4_t; V]; R],
    rows: usize,
    d: PanelDims,
    i0: usize,
    j0: usize,
    acc: &mut [i32],
) {
    for (row, vectors) in sums.iter().enumerate().take(rows) {
        let start = (i0 + row) * d.cols + j0;
        for (v, &sum) in vectors.iter().enumerate() {
            // SAFETY: start + 4v + 4 <= acc.len() by the caller's contract.
            unsafe {
                let p = acc.as_mut_ptr().add(start + LANES * v);
                vst1q_s32(p, vaddq_s32(vld1q_s32(p), sum));
            }
        }
    }
}

/// Calls `block::<R, V>` for every row block (at most `R_MAX` rows, R a const) and every
/// 16- then 4-column block, then the portable kernel for the last `cols % 4` columns.
macro_rules! tile_calls {
    ($block:ident, $a:expr, $b:expr, $d:expr, $acc:expr, $rmax:literal, [$($r:literal),+]) => {{
        let (a, b, d, acc) = ($a, $b, $d, $acc);
        let cols16 = d.cols - d.cols % (4 * LANES);
        let cols4 = d.cols - d.cols % LANES;
        let mut i = 0;
        while i < d.rows {
            let rows_here = (d.rows - i).min($rmax);
            for j in (0..cols16).step_by(4 * LANES) {
                // SAFETY: the CPU feature was checked by the caller; Kernel::accumulate
                // asserted a holds rows·r values, b cols·r and acc rows·cols, and
                // i + rows_here <= rows, j + 16 <= cols.
                unsafe {
                    match rows_here {
                        $($r => $block::<$r, 4>(a, b, d, i, j, acc),)+
                        _ => unreachable!("row blocks hold 1..={} rows", $rmax),
                    }
                }
            }
            for j in (cols16..cols4).step_by(LANES) {
                // SAFETY: as above, with j + 4 <= cols.
                unsafe {
                    match rows_here {
                        $($r => $block::<$r, 1>(a, b, d, i, j, acc),)+
                        _ => unreachable!("row blocks hold 1..={} rows", $rmax),
                    }
                }
            }
            i += rows_here;
        }
        if cols4 < d.cols {
            super::portable::accumulate_rows(a, b, d, 0..d.rows, cols4..d.cols, acc);
        }
    }};
}

// ---------------------------------------------------------------------------------------------
// neon: SMULL/SMLAL + SADALP

/// See [`super::Kernel::accumulate`]; operands in [-127, 127] (the i16 pair sums).
pub(super) fn accumulate_neon(a: &[i8], b: &[i8], d: PanelDims, acc: &mut [i32]) {
    // `Kernel::Neon` can be built without `Kernel::resolve`, so check here (a cached test).
    if !neon_available() {
        super::portable::accumulate(a, b, d, acc);
        return;
    }
    tile_calls!(widen_block, a, b, d, acc, 2, [1, 2]);
}

/// Rows `i0..i0+R`, columns `j0..j0+4V` of the panel product, added into `acc`.
///
/// # Safety
/// The CPU has NEON; `i0 + R <= rows`, `j0 + 4V <= cols`, and the slices hold at least the
/// lengths `Kernel::accumulate` asserts.
#[target_feature(enable = "neon")]
unsafe fn widen_block<const R: usize, const V: usize>(
    a: &[i8],
    b: &[i8],
    d: PanelDims,
    i0: usize,
    j0: usize,
    acc: &mut [i32],
) {
    // Lane pairs: lo[v] holds (column 4v, k even/odd halves), (column 4v+1, ...); hi[v] the
    // same for columns 4v+2 and 4v+3.
    let mut lo = [[vdupq_n_s32(0); V]; R];
    let mut hi = [[vdupq_n_s32(0); V]; R];
    let quads = d.r / 4;
    let load_b = |q: usize| -> [int8x16_t; V] {
        let at = (q * d.cols + j0) * 4;
        // SAFETY: at + 16V <= cols·r because j0 + 4V <= cols and q < r/4 (contract).
        std::array::from_fn(|v| unsafe { vld1q_s8(b.as_ptr().add(at + 16 * v)) })
    };
    let mut q = 0;
    while q + 2 <= quads {
        let (b0, b1) = (load_b(q), load_b(q + 1));
        for row in 0..R {
            let offset = (i0 + row) * d.r + 4 * q;
            // SAFETY: offset + 8 <= rows·r because i0 + row < rows and q + 2 <= r/4.
            let (a0, a1) = unsafe { (broadcast_quad(a, offset), broadcast_quad(a, offset + 4)) };
            for v in 0..V {
                let low = vmlal_s8(
                    vmull_s8(vget_low_s8(a0), vget_low_s8(b0[v])),
                    vget_low_s8(a1),
                    vget_low_s8(b1[v]),
                );
                let high = smlal2(smull2(a0, b0[v]), a1, b1[v]);
                lo[row][v] = vpadalq_s16(lo[row][v], low);
                hi[row][v] = vpadalq_s16(hi[row][v], high);
            }
        }
        q += 2;
    }
    if q < quads {
        let b0 = load_b(q);
        for row in 0..R {
            // SAFETY: offset + 4 <= rows·r because i0 + row < rows and q < r/4.
            let a0 = unsafe { broadcast_quad(a, (i0 + row) * d.r + 4 * q) };
            for v in 0..V {
                let low = vmull_s8(vget_low_s8(a0), vget_low_s8(b0[v]));
                let high = smull2(a0, b0[v]);
                lo[row][v] = vpadalq_s16(lo[row][v], low);
                hi[row][v] = vpadalq_s16(hi[row][v], high);
            }
        }
    }
    let mut sums = [[vdupq_n_s32(0); V]; R];
    for row in 0..R {
        for v in 0..V {
            sums[row][v] = vpaddq_s32(lo[row][v], hi[row][v]);
        }
    }
    // SAFETY: rows i0..i0+R, columns j0..j0+4V are in bounds (contract).
    unsafe { add_into(&sums, R, d, i0, j0, acc) };
}

// ---------------------------------------------------------------------------------------------
// neon-dotprod: SDOT by element

/// See [`super::Kernel::accumulate`].
pub(super) fn accumulate_dotprod(a: &[i8], b: &[i8], d: PanelDims, acc: &mut [i32]) {
    if !dotprod_available() {
        super::portable::accumulate(a, b, d, acc);
        return;
    }
    tile_calls!(dot_block, a, b, d, acc, 4, [1, 2, 3, 4]);
}

/// One k-quad (`L`, the lane of A's registers) of a dotprod block.
#[inline]
#[target_feature(enable = "neon,dotprod")]
fn dot_step<const R: usize, const V: usize, const L: i32>(
    c: &mut [[int32x4_t; V]; R],
    av: &[int8x16_t; R],
    bv: &[int8x16_t; V],
) {
    for (cr, &a) in c.iter_mut().zip(av) {
        for (slot, &b) in cr.iter_mut().zip(bv) {
            *slot = sdot_lane::<L>(*slot, b, a);
        }
    }
}

/// Rows `i0..i0+R`, columns `j0..j0+4V` of the panel product, added into `acc`.
///
/// # Safety
/// The CPU has dotprod; `i0 + R <= rows`, `j0 + 4V <= cols`, and the slices hold at least the
/// lengths `Kernel::accumulate` asserts.
#[target_feature(enable = "neon,dotprod")]
unsafe fn dot_block<const R: usize, const V: usize>(
    a: &[i8],
    b: &[i8],
    d: PanelDims,
    i0: usize,
    j0: usize,
    acc: &mut [i32],
) {
    let mut c = [[vdupq_n_s32(0); V]; R];
    let quads = d.r / 4;
    let load_b = |q: usize| -> [int8x16_t; V] {
        let at = (q * d.cols + j0) * 4;
        // SAFETY: at + 16V <= cols·r because j0 + 4V <= cols and q < r/4 (contract).
        std::array::from_fn(|v| unsafe { vld1q_s8(b.as_ptr().add(at + 16 * v)) })
    };
    let mut q = 0;
    while q + 4 <= quads {
        // SAFETY: (i0 + row)·r + 4q + 16 <= rows·r because i0 + row < rows, q + 4 <= r/4.
        let av: [int8x16_t; R] = std::array::from_fn(|row| unsafe {
            vld1q_s8(a.as_ptr().add((i0 + row) * d.r + 4 * q))
        });
        dot_step::<R, V, 0>(&mut c, &av, &load_b(q));
        dot_step::<R, V, 1>(&mut c, &av, &load_b(q + 1));
        dot_step::<R, V, 2>(&mut c, &av, &load_b(q + 2));
        dot_step::<R, V, 3>(&mut c, &av, &load_b(q + 3));
        q += 4;
    }
    while q < quads {
        // SAFETY: (i0 + row)·r + 4q + 4 <= rows·r because i0 + row < rows and q < r/4.
        let av: [int8x16_t; R] =
            std::array::from_fn(|row| unsafe { broadcast_quad(a, (i0 + row) * d.r + 4 * q) });
        dot_step::<R, V, 0>(&mut c, &av, &load_b(q));
        q += 1;
    }
    // SAFETY: rows i0..i0+R, columns j0..j0+4V are in bounds (contract).
    unsafe { add_into(&c, R, d, i0, j0, acc) };
}

// ---------------------------------------------------------------------------------------------
// neon-i8mm: SMMLA

/// See [`super::Kernel::accumulate`].
pub(super) fn accumulate_i8mm(a: &[i8], b: &[i8], d: PanelDims, acc: &mut [i32]) {
    if !i8mm_available() {
        super::portable::accumulate(a, b, d, acc);
        return;
    }
    let cols8 = d.cols - d.cols % (2 * LANES);
    let cols4 = d.cols - d.cols % LANES;
    let mut packed = [0i8; 8 * KC];
    let mut i = 0;
    while i < d.rows {
        let rows_here = (d.rows - i).min(8);
        let mut k0 = 0;
        while k0 < d.r {
            let chunk = Chunk {
                k0,
                quads: (d.r - k0).min(KC) / 4,
                i0: i,
                rows: rows_here,
            };
            chunk.pack(a, d, &mut packed);
            for j in (0..cols8).step_by(2 * LANES) {
                // SAFETY: i8mm was detected above; Kernel::accumulate asserted a holds rows·r
                // values, b cols·r and acc rows·cols; the chunk's rows and k lie inside them
                // and j + 8 <= cols.
                unsafe { chunk.run::<2>(&packed, b, d, j, acc) };
            }
            for j in (cols8..cols4).step_by(LANES) {
                // SAFETY: as above, with j + 4 <= cols.
                unsafe { chunk.run::<1>(&packed, b, d, j, acc) };
            }
            k0 += KC;
        }
        i += rows_here;
    }
    if cols4 < d.cols {
        super::portable::accumulate_rows(a, b, d, 0..d.rows, cols4..d.cols, acc);
    }
}

/// Rows `i0..i0+rows` (at most 8) and k `k0..k0+4·quads` (at most [`KC`]) of one i8mm call.
#[derive(Clone, Copy)]
struct Chunk {
    k0: usize,
    quads: usize,
    i0: usize,
    rows: usize,
}

impl Chunk {
    /// 16-byte A operands (rows 2p and 2p+1, 8 k each) per row pair and k-octet.
    fn octets(&self) -> usize {
        self.quads.div_ceil(2)
    }

    fn pairs(&self) -> usize {
        self.rows.div_ceil(2)
    }

    /// Packs A as `[pair][octet][row 2p: 8 k | row 2p+1: 8 k]`, zeros past the last row and
    /// the last k (so an odd row count or an odd quad count adds nothing).
    fn pack(&self, a: &[i8], d: PanelDims, out: &mut [i8; 8 * KC]) {
        let octets = self.octets();
        let len = self.quads * 4;
        for p in 0..self.pairs() {
            for half in 0..2 {
                let row = 2 * p + half;
                for o in 0..octets {
                    let at = (p * octets + o) * 16 + 8 * half;
                    let dst = &mut out[at..at + 8];
                    let from = 8 * o;
                    let n = (len - from).min(8);
                    if row < self.rows {
                        let src = (self.i0 + row) * d.r + self.k0 + from;
                        dst[..n].copy_from_slice(&a[src..src + n]);
                        dst[n..].fill(0);
                    } else {
                        dst.fill(0);
                    }
                }
            }
        }
    }

    /// Dispatches on the row-pair count.
    ///
    /// # Safety
    /// The CPU has i8mm; `j0 + 4V <= cols`; rows `i0..i0+rows` and k `k0..k0+4·quads` are
    /// inside the panel; `acc` holds rows·cols values and `b` cols·r.
    unsafe fn run<const V: usize>(
        &self,
        packed: &[i8; 8 * KC],
        b: &[i8],
        d: PanelDims,
        j0: usize,
        acc: &mut [i32],
    ) {
        // SAFETY: forwarded contract.
        unsafe {
            match self.pairs() {
                4 => mm_block::<4, V>(self, packed, b, d, j0, acc),
                3 => mm_block::<3, V>(self, packed, b, d, j0, acc),
                2 => mm_block::<2, V>(self, packed, b, d, j0, acc),
                _ => mm_block::<1, V>(self, packed, b, d, j0, acc),
            }
        }
    }
}

/// One k-octet: B's two quads `x` (k 0..4) and `y` (k 4..8) of 4V columns, zipped into
/// column pairs, times each row pair's A operand.
#[inline]
#[target_feature(enable = "neon,i8mm")]
fn mm_step<const P: usize, const V: usize>(
    c: &mut [[[int32x4_t; 2]; V]; P],
    av: &[int8x16_t; P],
    x: &[int8x16_t; V],
    y: &[int8x16_t; V],
) {
    let mut pairs = [[vdupq_n_s8(0); 2]; V];
    for (slot, (&x, &y)) in pairs.iter_mut().zip(x.iter().zip(y)) {
        let (x, y) = (vreinterpretq_s32_s8(x), vreinterpretq_s32_s8(y));
        *slot = [
            vreinterpretq_s8_s32(vzip1q_s32(x, y)),
            vreinterpretq_s8_s32(vzip2q_s32(x, y)),
        ];
    }
    for (cp, &a) in c.iter_mut().zip(av) {
        for (cv, pair) in cp.iter_mut().zip(&pairs) {
            cv[0] = smmla(cv[0], a, pair[0]);
            cv[1] = smmla(cv[1], a, pair[1]);
        }
    }
}

/// Row pairs `0..P` of the chunk, columns `j0..j0+4V`, added into `acc`.
///
/// # Safety
/// As [`Chunk::run`], with `P == chunk.pairs()`.
#[target_feature(enable = "neon,i8mm")]
unsafe fn mm_block<const P: usize, const V: usize>(
    chunk: &Chunk,
    packed: &[i8; 8 * KC],
    b: &[i8],
    d: PanelDims,
    j0: usize,
    acc: &mut [i32],
) {
    let octets = chunk.octets();
    let mut c = [[[vdupq_n_s32(0); 2]; V]; P];
    let load_b = |q: usize| -> [int8x16_t; V] {
        let at = (q * d.cols + j0) * 4;
        // SAFETY: at + 16V <= cols·r because j0 + 4V <= cols and q < r/4 (contract).
        std::array::from_fn(|v| unsafe { vld1q_s8(b.as_ptr().add(at + 16 * v)) })
    };
    let load_a = |o: usize| -> [int8x16_t; P] {
        // SAFETY: (p·octets + o)·16 + 16 <= pairs·octets·16 <= 8·KC (octets <= KC/8).
        std::array::from_fn(|p| unsafe { vld1q_s8(packed.as_ptr().add((p * octets + o) * 16)) })
    };
    let q0 = chunk.k0 / 4;
    let full = chunk.quads / 2;
    for o in 0..full {
        let q = q0 + 2 * o;
        mm_step(&mut c, &load_a(o), &load_b(q), &load_b(q + 1));
    }
    if full < octets {
        // An odd quad count: the octet's second quad is zero on both sides.
        mm_step(
            &mut c,
            &load_a(full),
            &load_b(q0 + 2 * full),
            &[vdupq_n_s8(0); V],
        );
    }
    // c[p][v] = [r0c0 r0c1 r1c0 r1c1] for columns (4v, 4v+1) and (4v+2, 4v+3): zip the
    // 64-bit halves back into rows.
    let mut sums = [[[vdupq_n_s32(0); V]; 2]; P];
    for (sp, cp) in sums.iter_mut().zip(&c) {
        for (v, cv) in cp.iter().enumerate() {
            let (lo, hi) = (vreinterpretq_s64_s32(cv[0]), vreinterpretq_s64_s32(cv[1]));
            sp[0][v] = vreinterpretq_s32_s64(vzip1q_s64(lo, hi));
            sp[1][v] = vreinterpretq_s32_s64(vzip2q_s64(lo, hi));
        }
    }
    for (p, sp) in sums.iter().enumerate() {
        let rows = chunk.rows.saturating_sub(2 * p).min(2);
        // SAFETY: rows i0+2p .. i0+2p+rows are < i0 + chunk.rows <= rows of the panel, and
        // columns j0..j0+4V are in bounds (contract).
        unsafe { add_into(sp, rows, d, chunk.i0 + 2 * p, j0, acc) };
    }
}

// ---------------------------------------------------------------------------------------------
// Peak probes

/// Which instruction sequence a probe times.
#[derive(Clone, Copy)]
enum Probe {
    /// The neon kernel's `SMULL`+`SMLAL`+`SADALP` sequence (32 MACs per 6 instructions).
    Widen8,
    /// `SMLAL`/`SMLAL2` i16·i16 → i32 (8 MACs per 2 instructions).
    Widen16,
    /// `SDOT` (16 MACs per instruction).
    Dot,
    /// `SMMLA` (32 MACs per instruction).
    Mmla,
}

/// The neon kernel's widening int8 sequence for about `seconds`: (MACs done, seconds taken).
pub(crate) fn probe_int8_macs(seconds: f64) -> (u64, f64) {
    probe_if(neon_available(), seconds, Probe::Widen8)
}

/// `SMLAL` i16 → i32 for about `seconds`: (MACs done, seconds taken).
pub(crate) fn probe_int16_macs(seconds: f64) -> (u64, f64) {
    probe_if(neon_available(), seconds, Probe::Widen16)
}

/// `SDOT` for about `seconds`: (MACs done, seconds taken); (0, 0) without dotprod.
pub(crate) fn probe_dot_macs(seconds: f64) -> (u64, f64) {
    probe_if(dotprod_available(), seconds, Probe::Dot)
}

/// `SMMLA` for about `seconds`: (MACs done, seconds taken); (0, 0) without i8mm.
pub(crate) fn probe_mmla_macs(seconds: f64) -> (u64, f64) {
    probe_if(i8mm_available(), seconds, Probe::Mmla)
}

fn probe_if(available: bool, seconds: f64, which: Probe) -> (u64, f64) {
    if !available {
        return (0, 0.0);
    }
    // SAFETY: each probe's features were detected just above.
    unsafe {
        match which {
            Probe::Widen8 | Probe::Widen16 => probe_neon(seconds, which),
            Probe::Dot => probe_dot(seconds),
            Probe::Mmla => probe_mmla(seconds),
        }
    }
}

const ROUND: u64 = 1 << 12;
const CHAINS: usize = 12;

/// Runs `step` on 12 independent chains until `seconds` pass; returns (rounds, seconds).
/// Each chain feeds its result back in, so nothing can be hoisted out of the loop.
#[inline]
#[target_feature(enable = "neon")]
fn run_chains(seconds: f64, mut step: impl FnMut(&mut [int32x4_t; CHAINS])) -> (u64, f64) {
    let mut c = [black_box(vdupq_n_s32(1)); CHAINS];
    let start = Instant::now();
    let mut rounds = 0u64;
    loop {
        for _ in 0..ROUND {
            step(&mut c);
        }
        rounds += 1;
        let elapsed = start.elapsed().as_secs_f64();
        if elapsed >= seconds {
            black_box(c);
            return (rounds * ROUND * CHAINS as u64, elapsed);
        }
    }
}

/// # Safety
/// The CPU has NEON.
#[target_feature(enable = "neon")]
unsafe fn probe_neon(seconds: f64, which: Probe) -> (u64, f64) {
    use std::arch::aarch64::{vget_low_s16, vmlal_high_s16, vmlal_s16, vreinterpretq_s16_s32};
    let y = black_box(vdupq_n_s8(-2));
    let (steps, secs) = match which {
        Probe::Widen8 => run_chains(seconds, |c| {
            // The kernel's sequence per 2 k-quads × 4 columns: SMULL, SMLAL, SMULL2, SMLAL2,
            // two SADALP (32 MACs), fed back through the accumulator.
            for slot in c.iter_mut() {
                let x = vreinterpretq_s8_s32(*slot);
                let low = smull_smlal(x, y, y, x);
                let high = smlal2(smull2(x, y), y, x);
                *slot = vpadalq_s16(vpadalq_s16(*slot, low), high);
            }
        }),
        _ => run_chains(seconds, |c| {
            // Not splats to LLVM, which would otherwise trade SMLAL2 for EXT + SMLAL.
            let x16 = black_box(vreinterpretq_s16_s32(vdupq_n_s32(0x0003_fffd)));
            let y16 = black_box(vreinterpretq_s16_s32(vreinterpretq_s32_s8(y)));
            for slot in c.iter_mut() {
                *slot = vmlal_high_s16(
                    vmlal_s16(*slot, vget_low_s16(x16), vget_low_s16(y16)),
                    x16,
                    y16,
                );
            }
        }),
    };
    let per_step = match which {
        Probe::Widen8 => 32,
        _ => 8,
    };
    (steps * per_step, secs)
}

/// # Safety
/// The CPU has dotprod.
#[target_feature(enable = "neon,dotprod")]
unsafe fn probe_dot(seconds: f64) -> (u64, f64) {
    // Each chain's accumulator carries the dependency; the asm cannot be hoisted.
    let (x, y) = (black_box(vdupq_n_s8(3)), black_box(vdupq_n_s8(-2)));
    let (steps, secs) = run_chains(seconds, |c| {
        for slot in c.iter_mut() {
            *slot = sdot(*slot, x, y);
        }
    });
    (steps * 16, secs)
}

/// # Safety
/// The CPU has i8mm.
#[target_feature(enable = "neon,i8mm")]
unsafe fn probe_mmla(seconds: f64) -> (u64, f64) {
    // As in `probe_dot`.
    let (x, y) = (black_box(vdupq_n_s8(3)), black_box(vdupq_n_s8(-2)));
    let (steps, secs) = run_chains(seconds, |c| {
        for slot in c.iter_mut() {
            *slot = smmla(*slot, x, y);
        }
    });
    (steps * 32, secs)
}
