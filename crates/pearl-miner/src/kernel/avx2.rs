//! AVX2 kernel: `vpmaddubsw` on b+64 (u8) × a (i8), then `vpmaddwd` by ones into i32, then
//! one add: three vector µops per 32 MACs, two of them the multiplies the peak probe times.
//!
//! The offset needs narrow B: the miner draws B's signal from {-1, 0, 1}, so noised B lies
//! in [-64, 64] ([`super::NARROW_B`]) and b+64 in [0, 128]. A pair sum then lies in
//! [2·128·(−128), 2·128·127] = [−32768, 32512]: no i16 saturation, whatever A holds. The
//! offset adds 64·Σa to every dot product; each row's −64·Σa over the chunk
//! ([`row_terms`]) is where its accumulators start, so undoing it costs nothing.
//!
//! A's 4 values of a k-quad are broadcast; B is read in its own strip form
//! ([`strip_b_panel`]), so 2 rows × 32 columns stay in 8 registers and each k-quad of a
//! strip is one 128-byte line pair read in order. A strip keeps the B values one register
//! block reads contiguous, where the shared quad-interleaved panel puts its next k-quad a
//! whole panel row (1 KiB at 256 columns) further: a block's 64 lines then fill 8 of a
//! 64-set L1 to all 8 ways, and A's and the accumulators' lines evict them.
#![allow(unsafe_code)]

use std::arch::x86_64::{
    __m256i, _mm256_add_epi16, _mm256_add_epi32, _mm256_loadu_si256, _mm256_madd_epi16,
    _mm256_maddubs_epi16, _mm256_set1_epi8, _mm256_set1_epi16, _mm256_set1_epi32,
    _mm256_setzero_si256, _mm256_storeu_si256, _mm256_xor_si256,
};
use std::hint::black_box;

use super::{NARROW_A, NARROW_B, PanelDims};

/// Columns per strip of B's own form (four vectors of 8 i32 lanes).
const STRIP: usize = 32;

/// What the own form adds to each B value (u8 b+64 in [0, 128] for b in [`NARROW_B`]).
const B_OFFSET: i32 = 64;

/// Rewrites a quad-interleaved B panel (see the module docs of `kernel`) in this kernel's
/// strip form, each value stored as the byte b+64: columns in strips of 32 (the last one
/// narrower when `cols` is not a multiple of 32); strip `s0..s0+w` starts at `s0·r`, and its
/// k-quad q holds the quads of its w columns, in order, at `s0·r + q·4w`.
///
/// # Panics
/// When a value lies outside [`NARROW_B`] (b+64 would not fit the i16 pair sums).
pub(super) fn strip_b_panel(quad: &[i8], d: PanelDims, out: &mut [i8]) {
    assert!(
        is_narrow(&quad[..d.cols * d.r]),
        "the AVX2 kernel's B form needs values in [{}, {}]",
        NARROW_B.start(),
        NARROW_B.end()
    );
    for s0 in (0..d.cols).step_by(STRIP) {
        let w = (d.cols - s0).min(STRIP);
        for q in 0..d.r / 4 {
            let from = (q * d.cols + s0) * 4;
            let to = s0 * d.r + q * w * 4;
            for (o, &v) in out[to..to + 4 * w]
                .iter_mut()
                .zip(&quad[from..from + 4 * w])
            {
                // In [0, 128]: 128 is stored as the byte 0x80, read back as u8.
                *o = v.wrapping_add(B_OFFSET as i8);
            }
        }
    }
}

/// Whether every value lies in [`NARROW_B`].
fn is_narrow(values: &[i8]) -> bool {
    within(values, &NARROW_B)
}

/// Whether every value lies in `range` (a min/max pass, which vectorizes where an early-exit
/// `all` does not: this runs over each job's whole B and each A panel).
fn within(values: &[i8], range: &std::ops::RangeInclusive<i8>) -> bool {
    // Element-wise over 32-byte pieces, on v XOR 0x80 as u8 (order-preserving), so it
    // compiles to vector min/max even at the baseline x86_64 level (SSE2 has unsigned byte
    // min/max only); a fold of one (min, max) pair compiled to scalar code.
    let (mut lo, mut hi) = ([u8::MAX; 32], [0u8; 32]);
    let mut pieces = values.chunks_exact(32);
    for piece in &mut pieces {
        for ((l, h), &v) in lo.iter_mut().zip(hi.iter_mut()).zip(piece) {
            let u = v as u8 ^ 0x80;
            *l = (*l).min(u);
            *h = (*h).max(u);
        }
    }
    for &v in pieces.remainder() {
        let u = v as u8 ^ 0x80;
        lo[0] = lo[0].min(u);
        hi[0] = hi[0].max(u);
    }
    let signed = |u: u8| (u ^ 0x80) as i8;
    let (lo, hi) = (lo.iter().min(), hi.iter().max());
    values.is_empty()
        || lo
            .zip(hi)
            .is_some_and(|(&lo, &hi)| range.contains(&signed(lo)) && range.contains(&signed(hi)))
}

/// −64·Σ of each row of an A panel (`d.rows` rows of `d.r` values), wrapping: where each
/// row's accumulators start, undoing B's offset of 64.
pub(super) fn row_terms(a: &[i8], d: PanelDims, out: &mut [i32]) {
    for (row, slot) in out.iter_mut().take(d.rows).enumerate() {
        *slot = a[row * d.r..(row + 1) * d.r]
            .iter()
            .fold(0i32, |s, &v| s.wrapping_add(i32::from(v)))
            .wrapping_mul(-B_OFFSET);
    }
}

/// See [`super::Kernel::accumulate`]: B in the shared quad-interleaved form, rewritten into
/// strips first (tests and one-off calls; the miner keeps B in strips). A panel with a
/// value outside [`NARROW_B`] goes to the portable kernel.
pub(super) fn accumulate(a: &[i8], b: &[i8], d: PanelDims, acc: &mut [i32]) {
    if !is_narrow(&b[..d.cols * d.r]) {
        return super::portable::accumulate(a, b, d, acc);
    }
    let mut strips = vec![0i8; d.cols * d.r];
    strip_b_panel(b, d, &mut strips);
    accumulate_packed(a, &strips, d, acc);
}

/// See [`super::Kernel::accumulate_packed`]: B in strips ([`strip_b_panel`]).
pub(super) fn accumulate_packed(a: &[i8], b: &[i8], d: PanelDims, acc: &mut [i32]) {
    let mut terms = vec![0i32; d.rows];
    row_terms(a, d, &mut terms);
    run::<false>(a, &terms, b, d, acc, &[], &mut []);
}

/// [`accumulate_packed`] with the row terms given and the tile XORs fused in: after
/// adding, `lanes[16·s + l]` is XORed with every updated `acc[i][j]` whose
/// `row_slots[i] = s` and `j ≡ l (mod 16)`, while the block is still in registers (see
/// [`super::Kernel::accumulate_lanes`]).
pub(super) fn accumulate_lanes(
    a: &[i8],
    terms: &[i32],
    b: &[i8],
    d: PanelDims,
    acc: &mut [i32],
    row_slots: &[u32],
    lanes: &mut [u32],
) {
    run::<true>(a, terms, b, d, acc, row_slots, lanes);
}

/// Strip by strip (B's strip stays in L1 while every row pair reads it), 2 × 32 register
/// blocks (narrower strips use 1 to 3 vectors), scalar code for the last `w mod 8` columns.
fn run<const LANES: bool>(
    a: &[i8],
    terms: &[i32],
    b: &[i8],
    d: PanelDims,
    acc: &mut [i32],
    row_slots: &[u32],
    lanes: &mut [u32],
) {
    // `Kernel::Avx2` can be built without `Kernel::resolve`, so check here (a cached test).
    let avx2 = std::arch::is_x86_feature_detected!("avx2");
    let quad_pairs = d.r.is_multiple_of(8) && within(&a[..d.rows * d.r], &NARROW_A);
    for s0 in (0..d.cols).step_by(STRIP) {
        let w = (d.cols - s0).min(STRIP);
        let vectors = if avx2 { w / 8 } else { 0 };
        let at = Strip {
            a,
            terms,
            b,
            d,
            s0,
            w,
            quad_pairs,
        };
        // SAFETY: AVX2 was detected (vectors is 0 otherwise); Kernel's entry points asserted
        // that a holds rows·r values, b cols·r, acc rows·cols, terms rows, and (with LANES)
        // that row_slots holds rows values, each below lanes.len()/16; the strip s0..s0+w
        // lies in the panel, holds 8·vectors <= w columns, and s0 is a multiple of 32.
        unsafe {
            match vectors {
                4 => strip_rows::<4, LANES>(at, acc, row_slots, lanes),
                3 => strip_rows::<3, LANES>(at, acc, row_slots, lanes),
                2 => strip_rows::<2, LANES>(at, acc, row_slots, lanes),
                1 => strip_rows::<1, LANES>(at, acc, row_slots, lanes),
                _ => {}
            }
        }
        if 8 * vectors < w {
            scalar_columns::<LANES>(at, s0 + 8 * vectors..s0 + w, acc, row_slots, lanes);
        }
    }
}

/// One strip of B's own form and the A panel (with its row terms) it meets.
#[derive(Clone, Copy)]
struct Strip<'a> {
    a: &'a [i8],
    terms: &'a [i32],
    b: &'a [i8],
    d: PanelDims,
    /// First column of the strip.
    s0: usize,
    /// Width of the strip.
    w: usize,
    /// A lies in [`NARROW_A`] and r is a multiple of 8: two k-quads per `vpmaddwd`.
    quad_pairs: bool,
}

/// Columns `cols` (inside the strip) of every row, one dot product at a time (B's offset
/// taken off each value, so the row terms are not needed).
fn scalar_columns<const LANES: bool>(
    at: Strip<'_>,
    cols: std::ops::Range<usize>,
    acc: &mut [i32],
    row_slots: &[u32],
    lanes: &mut [u32],
) {
    let (d, strip) = (at.d, &at.b[at.s0 * at.d.r..]);
    for i in 0..d.rows {
        let a_line = &at.a[i * d.r..(i + 1) * d.r];
        for j in cols.clone() {
            let mut dot = 0i32;
            for (q, a4) in a_line.chunks_exact(4).enumerate() {
                let b4 = &strip[(q * at.w + j - at.s0) * 4..][..4];
                dot += (0..4)
                    .map(|x| i32::from(a4[x]) * (i32::from(b4[x] as u8) - B_OFFSET))
                    .sum::<i32>();
            }
            let sum = &mut acc[i * d.cols + j];
            *sum = sum.wrapping_add(dot);
            if LANES {
                lanes[16 * row_slots[i] as usize + j % 16] ^= *sum as u32;
            }
        }
    }
}

/// The strip's first `8·V` columns for every row: row pairs, then a last single row.
///
/// # Safety
/// As [`block`], for every row of the panel.
#[target_feature(enable = "avx2")]
unsafe fn strip_rows<const V: usize, const LANES: bool>(
    at: Strip<'_>,
    acc: &mut [i32],
    row_slots: &[u32],
    lanes: &mut [u32],
) {
    let slot = |row: usize| if LANES { row_slots[row] as usize } else { 0 };
    let mut i = 0;
    // SAFETY: rows i..i+2 (then i..i+1) exist; the rest is this function's contract.
    while i + 2 <= at.d.rows {
        unsafe { block::<2, V, LANES>(at, i, [slot(i), slot(i + 1)], acc, lanes) };
        i += 2;
    }
    if i < at.d.rows {
        unsafe { block::<1, V, LANES>(at, i, [slot(i); 2], acc, lanes) };
    }
}

/// `accum + Σ pairs of (b+64)·a`: the u8 operand is B's own form, the i8 one A's broadcast.
#[inline]
#[target_feature(enable = "avx2")]
fn mac(accum: __m256i, a: __m256i, b_offset: __m256i, ones: __m256i) -> __m256i {
    let products = _mm256_maddubs_epi16(b_offset, a);
    _mm256_add_epi32(accum, _mm256_madd_epi16(products, ones))
}

/// Rows `i0..i0+R` × the strip's first `8·V` columns, added into `acc`; with `LANES`, each
/// row's sums XORed into its lane slot (`slots[0]` for the first row, `[1]` for the
/// second).
///
/// # Safety
/// The CPU supports AVX2; `i0 + R <= rows`; `8·V <= w`; the strip `s0..s0+w` lies inside
/// the panel; `s0` is a multiple of 16 (so vector v feeds lanes 8·(v mod 2)..+8); the slices
/// hold at least the lengths `Kernel::accumulate` asserts (terms: one per row), and with
/// `LANES` each slot is below `lanes.len() / 16`.
#[target_feature(enable = "avx2")]
unsafe fn block<const R: usize, const V: usize, const LANES: bool>(
    at: Strip<'_>,
    i0: usize,
    slots: [usize; 2],
    acc: &mut [i32],
    lanes: &mut [u32],
) {
    let d = at.d;
    let ones = _mm256_set1_epi16(1);
    // Each row starts at its term, which takes B's offset back out of the sums.
    let mut c: [[__m256i; V]; R] =
        std::array::from_fn(|row| [_mm256_set1_epi32(at.terms[i0 + row]); V]);
    // SAFETY (whole body): the strip holds r/4 quads of 4w bytes from s0·r, and 32·V <= 4w;
    // row offsets stay below rows·r; acc rows i0..i0+R, columns s0..s0+8V exist; lane slots
    // hold 16 values each (function contract).
    let strip = unsafe { at.b.as_ptr().add(at.s0 * d.r) };
    let quad = |row: usize, q: usize| unsafe {
        _mm256_set1_epi32(
            at.a.as_ptr()
                .add((i0 + row) * d.r + 4 * q)
                .cast::<i32>()
                .read_unaligned(),
        )
    };
    if at.quad_pairs {
        // Two k-quads a step: their `vpmaddubsw` pair sums, each in [2·128·(−64), 2·128·63],
        // add in i16 without overflow, so one `vpmaddwd` and one add serve both.
        for q in (0..d.r / 4).step_by(2) {
            let (p0, p1) = unsafe { (strip.add(q * at.w * 4), strip.add((q + 1) * at.w * 4)) };
            let a0: [__m256i; R] = std::array::from_fn(|row| quad(row, q));
            let a1: [__m256i; R] = std::array::from_fn(|row| quad(row, q + 1));
            for v in 0..V {
                let b0 = unsafe { _mm256_loadu_si256(p0.add(32 * v).cast()) };
                let b1 = unsafe { _mm256_loadu_si256(p1.add(32 * v).cast()) };
                for (row, cr) in c.iter_mut().enumerate() {
                    let pairs = _mm256_add_epi16(
                        _mm256_maddubs_epi16(b0, a0[row]),
                        _mm256_maddubs_epi16(b1, a1[row]),
                    );
                    cr[v] = _mm256_add_epi32(cr[v], _mm256_madd_epi16(pairs, ones));
                }
            }
        }
    } else {
        for q in 0..d.r / 4 {
            let p = unsafe { strip.add(q * at.w * 4) };
            let mut bv = [_mm256_setzero_si256(); V];
            for (v, reg) in bv.iter_mut().enumerate() {
                *reg = unsafe { _mm256_loadu_si256(p.add(32 * v).cast()) };
            }
            for (row, cr) in c.iter_mut().enumerate() {
                let av = quad(row, q);
                for (sum, &bq) in cr.iter_mut().zip(&bv) {
                    *sum = mac(*sum, av, bq, ones);
                }
            }
        }
    }
    for (row, cr) in c.iter().enumerate() {
        let out = unsafe { acc.as_mut_ptr().add((i0 + row) * d.cols + at.s0) };
        let mut halves = [_mm256_setzero_si256(); 2];
        for (v, &sum) in cr.iter().enumerate() {
            unsafe {
                let updated = _mm256_add_epi32(_mm256_loadu_si256(out.add(8 * v).cast()), sum);
                _mm256_storeu_si256(out.add(8 * v).cast(), updated);
                halves[v % 2] = _mm256_xor_si256(halves[v % 2], updated);
            }
        }
        if LANES {
            let slot = slots[row.min(1)];
            unsafe {
                let q = lanes.as_mut_ptr().add(16 * slot);
                for (h, &x) in halves.iter().enumerate() {
                    let old = _mm256_loadu_si256(q.add(8 * h).cast());
                    _mm256_storeu_si256(q.add(8 * h).cast(), _mm256_xor_si256(old, x));
                }
            }
        }
    }
}

/// Runs `vpmaddubsw`+`vpmaddwd` pairs for about `seconds`, half of it as independent pairs
/// and half as chains, and returns the faster half's (MACs done, seconds taken): the peak
/// is the most the pair gives in either arrangement, and CPUs differ in which one that is.
pub(crate) fn probe_int8_macs(seconds: f64) -> (u64, f64) {
    if !std::arch::is_x86_feature_detected!("avx2") {
        return (0, 0.0);
    }
    // SAFETY: AVX2 was detected just above.
    let (pairs, chains) = unsafe { (probe_pairs(seconds / 2.0), probe_chains(seconds / 2.0)) };
    let rate = |(macs, secs): (u64, f64)| macs as f64 / secs.max(f64::MIN_POSITIVE);
    if rate(pairs) >= rate(chains) {
        pairs
    } else {
        chains
    }
}

/// Runs `vpmaddwd` for about `seconds`; returns (MACs done, seconds taken).
pub(crate) fn probe_int16_macs(seconds: f64) -> (u64, f64) {
    if !std::arch::is_x86_feature_detected!("avx2") {
        return (0, 0.0);
    }
    // SAFETY: AVX2 was detected just above.
    unsafe { probe_int16(seconds) }
}

/// Independent pairs: the inputs pass through an empty `asm!` every iteration (so nothing
/// can be hoisted, at no cost), and each result is XORed into an accumulator (`vpxor`
/// runs on the pipes the multiplies leave free). On AMD Zen 3 (a quiet 2-vCPU EPYC) these
/// ran at 93-97 GMAC/s per thread where 12 or 14 chains ([`probe_chains`]) read 75-77.
///
/// # Safety
/// The CPU supports AVX2.
#[target_feature(enable = "avx2")]
unsafe fn probe_pairs(seconds: f64) -> (u64, f64) {
    const ROUND: u64 = 1 << 12;
    const PAIRS: usize = 6;
    let y = black_box(_mm256_set1_epi8(-2));
    let ones = _mm256_set1_epi16(1);
    let mut x = [black_box(_mm256_set1_epi8(3)); PAIRS];
    let mut folded = [_mm256_setzero_si256(); PAIRS];
    let done = super::timed_rounds(seconds, ROUND * PAIRS as u64 * 32, || {
        for _ in 0..ROUND {
            // SAFETY: an empty template; the registers only become opaque to the compiler.
            unsafe {
                std::arch::asm!(
                    "/* {0} {1} {2} {3} {4} {5} */",
                    inout(ymm_reg) x[0], inout(ymm_reg) x[1], inout(ymm_reg) x[2],
                    inout(ymm_reg) x[3], inout(ymm_reg) x[4], inout(ymm_reg) x[5],
                    options(nomem, nostack),
                );
            }
            for (f, &xi) in folded.iter_mut().zip(&x) {
                *f = _mm256_xor_si256(*f, _mm256_madd_epi16(_mm256_maddubs_epi16(xi, y), ones));
            }
        }
    });
    black_box(folded);
    done
}

/// Twelve chains, each pair fed the previous pair's result.
///
/// # Safety
/// The CPU supports AVX2.
#[target_feature(enable = "avx2")]
unsafe fn probe_chains(seconds: f64) -> (u64, f64) {
    let y = black_box(_mm256_set1_epi8(-2));
    let ones = _mm256_set1_epi16(1);
    run_chains(seconds, 32, |c| {
        _mm256_madd_epi16(_mm256_maddubs_epi16(c, y), ones)
    })
}

/// Twelve chains of `vpmaddwd`.
///
/// # Safety
/// The CPU supports AVX2.
#[target_feature(enable = "avx2")]
unsafe fn probe_int16(seconds: f64) -> (u64, f64) {
    let y = black_box(_mm256_set1_epi16(-2));
    run_chains(seconds, 16, |c| _mm256_madd_epi16(c, y))
}

/// Runs `link` on twelve chains, each fed its previous result (so nothing can be hoisted),
/// for about `seconds`; `macs` per link. Inlined into its AVX2 callers, whose closures
/// keep their target features.
#[inline(always)]
fn run_chains(seconds: f64, macs: u64, link: impl Fn(__m256i) -> __m256i) -> (u64, f64) {
    const ROUND: u64 = 1 << 12;
    const CHAINS: usize = 12;
    // SAFETY: `_mm256_set1_epi8` is reached only from the AVX2 probes above.
    let mut c = [black_box(unsafe { _mm256_set1_epi8(3) }); CHAINS];
    let done = super::timed_rounds(seconds, ROUND * CHAINS as u64 * macs, || {
        for _ in 0..ROUND {
            for slot in c.iter_mut() {
                *slot = link(*slot);
            }
        }
    });
    black_box(c);
    done
}
