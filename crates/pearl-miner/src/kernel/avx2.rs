//! AVX2 kernel: `vpmaddubsw` on |a| (u8) × (b·sign a) (i8), then `vpmaddwd` by ones into
//! i32. With |a|, |b| <= 127 a pair sum is at most 2·127² = 32258 < 32767: no i16
//! saturation. A's 4 values of a k-quad are broadcast; B's quad-interleaved panel puts 8
//! columns in a vector, so 4 rows × 16 columns stay in 8 registers with no reductions.
#![allow(unsafe_code)]

use std::arch::x86_64::{
    __m256i, _mm256_add_epi32, _mm256_loadu_si256, _mm256_madd_epi16, _mm256_maddubs_epi16,
    _mm256_set1_epi8, _mm256_set1_epi16, _mm256_set1_epi32, _mm256_setzero_si256, _mm256_sign_epi8,
    _mm256_storeu_si256, _mm256_xor_si256,
};
use std::hint::black_box;
use std::time::Instant;

use super::PanelDims;

/// Columns per register block (two vectors of 8 i32 lanes).
const COLS: usize = 16;

/// See [`super::Kernel::accumulate`]: 4×16 register blocks, scalar code for ragged edges.
pub(super) fn accumulate(a: &[i8], a_abs: &[i8], b: &[i8], d: PanelDims, acc: &mut [i32]) {
    // `Kernel::Avx2` can be built without `Kernel::resolve`, so check here (a cached test).
    if !std::arch::is_x86_feature_detected!("avx2") {
        super::portable::accumulate(a, b, d, acc);
        return;
    }
    let cols16 = d.cols - d.cols % COLS;
    let mut i = 0;
    while i < d.rows {
        let rows_here = (d.rows - i).min(4);
        for j in (0..cols16).step_by(COLS) {
            // SAFETY: AVX2 was detected at the top of this function; Kernel::accumulate
            // asserted a, a_abs hold rows·r values, b holds cols·r and acc rows·cols, so rows
            // i..i+rows_here and columns j..j+16 are in bounds for every access `block` makes.
            unsafe {
                match rows_here {
                    4 => block::<4>(a, a_abs, b, d, i, j, acc),
                    3 => block::<3>(a, a_abs, b, d, i, j, acc),
                    2 => block::<2>(a, a_abs, b, d, i, j, acc),
                    _ => block::<1>(a, a_abs, b, d, i, j, acc),
                }
            }
        }
        i += rows_here;
    }
    if cols16 < d.cols {
        super::portable::accumulate_rows(a, b, d, 0..d.rows, cols16..d.cols, acc);
    }
}

/// [`accumulate`] with the tile XORs fused in: after adding, `lanes[16·s + l]` is XORed with
/// every updated `acc[i][j]` whose `row_slots[i] = s` and `j ≡ l (mod 16)`, while the block
/// is still in L1 (see [`super::Kernel::accumulate_lanes`]).
pub(super) fn accumulate_lanes(
    a: &[i8],
    a_abs: &[i8],
    b: &[i8],
    d: PanelDims,
    acc: &mut [i32],
    row_slots: &[u32],
    lanes: &mut [u32],
) {
    if !std::arch::is_x86_feature_detected!("avx2") || !d.cols.is_multiple_of(COLS) {
        accumulate(a, a_abs, b, d, acc);
        super::lanes_from_acc(acc, d, row_slots, lanes);
        return;
    }
    let mut i = 0;
    while i < d.rows {
        let rows_here = (d.rows - i).min(4);
        let s = |row: usize| row_slots[i + row.min(rows_here - 1)] as usize;
        for j in (0..d.cols).step_by(COLS) {
            // SAFETY: AVX2 was detected above; Kernel::accumulate_lanes asserted that a,
            // a_abs hold rows·r values, b cols·r, acc rows·cols, that row_slots holds rows
            // values and that every slot is below lanes.len()/16; i + rows_here <= rows and
            // j + 16 <= cols.
            unsafe {
                match rows_here {
                    4 => {
                        lane_block::<4>(a, a_abs, b, d, i, j, acc, [s(0), s(1), s(2), s(3)], lanes)
                    }
                    3 => lane_block::<3>(a, a_abs, b, d, i, j, acc, [s(0), s(1), s(2)], lanes),
                    2 => lane_block::<2>(a, a_abs, b, d, i, j, acc, [s(0), s(1)], lanes),
                    _ => lane_block::<1>(a, a_abs, b, d, i, j, acc, [s(0)], lanes),
                }
            }
        }
        i += rows_here;
    }
}

/// [`block`], then each row's 16 updated sums XORed into its slot of `lanes`.
///
/// # Safety
/// As [`block`], and every `slots[x]` is below `lanes.len() / 16`.
#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "avx2")]
unsafe fn lane_block<const R: usize>(
    a: &[i8],
    a_abs: &[i8],
    b: &[i8],
    d: PanelDims,
    i0: usize,
    j0: usize,
    acc: &mut [i32],
    slots: [usize; R],
    lanes: &mut [u32],
) {
    // SAFETY: the contract above is block's.
    unsafe { block::<R>(a, a_abs, b, d, i0, j0, acc) };
    for (row, &slot) in slots.iter().enumerate() {
        let start = (i0 + row) * d.cols + j0;
        // SAFETY: start + 16 <= rows·cols (contract) and slot·16 + 16 <= lanes.len(); the
        // 16 sums were just stored, so these loads hit L1.
        unsafe {
            let p = acc.as_ptr().add(start);
            let q = lanes.as_mut_ptr().add(16 * slot);
            let lo = _mm256_xor_si256(_mm256_loadu_si256(q.cast()), _mm256_loadu_si256(p.cast()));
            let hi = _mm256_xor_si256(
                _mm256_loadu_si256(q.add(8).cast()),
                _mm256_loadu_si256(p.add(8).cast()),
            );
            _mm256_storeu_si256(q.cast(), lo);
            _mm256_storeu_si256(q.add(8).cast(), hi);
        }
    }
}

#[inline]
#[target_feature(enable = "avx2")]
fn mac(accum: __m256i, abs_a: __m256i, a: __m256i, b: __m256i, ones: __m256i) -> __m256i {
    let products = _mm256_maddubs_epi16(abs_a, _mm256_sign_epi8(b, a));
    _mm256_add_epi32(accum, _mm256_madd_epi16(products, ones))
}

/// Rows `i0..i0+R`, columns `j0..j0+16` of the panel product, added into `acc`.
///
/// # Safety
/// The CPU supports AVX2; `i0 + R <= rows`, `j0 + 16 <= cols`, and the slices hold at least
/// the lengths `Kernel::accumulate` asserts.
#[target_feature(enable = "avx2")]
unsafe fn block<const R: usize>(
    a: &[i8],
    a_abs: &[i8],
    b: &[i8],
    d: PanelDims,
    i0: usize,
    j0: usize,
    acc: &mut [i32],
) {
    let ones = _mm256_set1_epi16(1);
    let mut c = [[_mm256_setzero_si256(); 2]; R];
    for q in 0..d.r / 4 {
        let at = (q * d.cols + j0) * 4;
        // SAFETY: at + 64 <= cols·r because j0 + 16 <= cols and q < r/4 (function contract).
        let (b0, b1) = unsafe {
            let p = b.as_ptr().add(at);
            (
                _mm256_loadu_si256(p.cast()),
                _mm256_loadu_si256(p.add(32).cast()),
            )
        };
        for (row, cr) in c.iter_mut().enumerate() {
            let offset = (i0 + row) * d.r + 4 * q;
            // SAFETY: offset + 4 <= rows·r because i0 + row < rows and q < r/4.
            let (av, aa) = unsafe {
                (
                    _mm256_set1_epi32(a.as_ptr().add(offset).cast::<i32>().read_unaligned()),
                    _mm256_set1_epi32(a_abs.as_ptr().add(offset).cast::<i32>().read_unaligned()),
                )
            };
            cr[0] = mac(cr[0], aa, av, b0, ones);
            cr[1] = mac(cr[1], aa, av, b1, ones);
        }
    }
    for (row, cr) in c.iter().enumerate() {
        let start = (i0 + row) * d.cols + j0;
        let out = &mut acc[start..start + COLS];
        // SAFETY: `out` is exactly 16 i32 values; unaligned loads/stores are allowed.
        unsafe {
            let p = out.as_mut_ptr();
            let lo = _mm256_add_epi32(_mm256_loadu_si256(p.cast()), cr[0]);
            let hi = _mm256_add_epi32(_mm256_loadu_si256(p.add(8).cast()), cr[1]);
            _mm256_storeu_si256(p.cast(), lo);
            _mm256_storeu_si256(p.add(8).cast(), hi);
        }
    }
}

/// Runs `vpmaddubsw`+`vpmaddwd` for about `seconds`; returns (MACs done, seconds taken).
pub(crate) fn probe_int8_macs(seconds: f64) -> (u64, f64) {
    if !std::arch::is_x86_feature_detected!("avx2") {
        return (0, 0.0);
    }
    // SAFETY: AVX2 was detected just above.
    unsafe { probe(seconds, true) }
}

/// Runs `vpmaddwd` for about `seconds`; returns (MACs done, seconds taken).
pub(crate) fn probe_int16_macs(seconds: f64) -> (u64, f64) {
    if !std::arch::is_x86_feature_detected!("avx2") {
        return (0, 0.0);
    }
    // SAFETY: AVX2 was detected just above.
    unsafe { probe(seconds, false) }
}

/// # Safety
/// The CPU supports AVX2.
#[target_feature(enable = "avx2")]
unsafe fn probe(seconds: f64, int8: bool) -> (u64, f64) {
    const ROUND: u64 = 1 << 12;
    const CHAINS: usize = 12;
    let y = black_box(_mm256_set1_epi8(-2));
    let ones = _mm256_set1_epi16(1);
    // Each chain feeds its result back in, so nothing can be hoisted out of the loop.
    let mut c = [black_box(_mm256_set1_epi8(3)); CHAINS];
    let start = Instant::now();
    let mut rounds = 0u64;
    loop {
        for _ in 0..ROUND {
            for slot in c.iter_mut() {
                *slot = if int8 {
                    _mm256_madd_epi16(_mm256_maddubs_epi16(*slot, y), ones)
                } else {
                    _mm256_madd_epi16(*slot, y)
                };
            }
        }
        rounds += 1;
        let elapsed = start.elapsed().as_secs_f64();
        if elapsed >= seconds {
            black_box(c);
            let per_op: u64 = if int8 { 32 } else { 16 };
            return (rounds * ROUND * CHAINS as u64 * per_op, elapsed);
        }
    }
}
