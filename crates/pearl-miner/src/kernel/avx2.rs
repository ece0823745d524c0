//! AVX2 kernel: `vpmaddubsw` on |a| (u8) × (b·sign a) (i8), then `vpmaddwd` by ones into
//! i32. With |a|, |b| <= 127 a pair sum is at most 2·127² = 32258 < 32767: no i16
//! saturation. Blocks of 2 rows × 4 columns keep 8 vector accumulators in registers.
#![allow(unsafe_code)]

use std::arch::x86_64::{
    __m128i, __m256i, _mm_add_epi32, _mm_loadu_si128, _mm_storeu_si128, _mm256_abs_epi8,
    _mm256_add_epi32, _mm256_castsi256_si128, _mm256_extracti128_si256, _mm256_hadd_epi32,
    _mm256_loadu_si256, _mm256_madd_epi16, _mm256_maddubs_epi16, _mm256_set1_epi8,
    _mm256_set1_epi16, _mm256_setzero_si256, _mm256_sign_epi8,
};
use std::hint::black_box;
use std::time::Instant;

use super::BlockDims;

const LANES: usize = 32;

/// See [`super::Kernel::accumulate`]; falls back to scalar code for ragged edges.
pub(super) fn accumulate(a: &[i8], b: &[i8], d: BlockDims, acc: &mut [i32]) {
    // The caller (Kernel::accumulate) checked that every line range fits its slice and
    // that acc holds rows·cols values; Kernel::Avx2 exists only after AVX2 was detected.
    if d.len % LANES != 0 {
        super::portable::accumulate(a, b, d, acc);
        return;
    }
    let rows2 = d.rows - d.rows % 2;
    let cols4 = d.cols - d.cols % 4;
    // SAFETY: AVX2 is available (Kernel::Avx2 is only built after runtime detection), and
    // the bounds asserted by Kernel::accumulate cover every load/store `blocks` performs.
    unsafe { blocks(a, b, d, rows2, cols4, acc) };
    // Ragged edges (odd last row, columns beyond a multiple of 4) in scalar code.
    for i in 0..d.rows {
        let col_start = if i < rows2 { cols4 } else { 0 };
        for j in col_start..d.cols {
            let a_line = &a[i * d.lda + d.k0..i * d.lda + d.k0 + d.len];
            let b_line = &b[j * d.ldb + d.k0..j * d.ldb + d.k0 + d.len];
            let dot = a_line
                .iter()
                .zip(b_line)
                .fold(0i32, |s, (&x, &y)| s.wrapping_add(i32::from(x) * i32::from(y)));
            acc[i * d.cols + j] = acc[i * d.cols + j].wrapping_add(dot);
        }
    }
}

/// Horizontal sums of four i32x8 vectors, as one i32x4.
#[inline]
#[target_feature(enable = "avx2")]
fn sum4(x0: __m256i, x1: __m256i, x2: __m256i, x3: __m256i) -> __m128i {
    let h = _mm256_hadd_epi32(_mm256_hadd_epi32(x0, x1), _mm256_hadd_epi32(x2, x3));
    _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256::<1>(h))
}

#[inline]
#[target_feature(enable = "avx2")]
fn mac(accum: __m256i, abs_a: __m256i, a: __m256i, b: __m256i, ones: __m256i) -> __m256i {
    let products = _mm256_maddubs_epi16(abs_a, _mm256_sign_epi8(b, a));
    _mm256_add_epi32(accum, _mm256_madd_epi16(products, ones))
}

/// # Safety
/// The CPU supports AVX2; for every `i < rows2`, `j < cols4`, the ranges
/// `a[i·lda + k0 ..][..len]`, `b[j·ldb + k0 ..][..len]` and `acc[i·cols + j ..][..4]` are in bounds;
/// `len` is a multiple of 32.
#[target_feature(enable = "avx2")]
unsafe fn blocks(a: &[i8], b: &[i8], d: BlockDims, rows2: usize, cols4: usize, acc: &mut [i32]) {
    let ones = _mm256_set1_epi16(1);
    for j in (0..cols4).step_by(4) {
        let b_base = b.as_ptr().wrapping_add(j * d.ldb + d.k0);
        for i in (0..rows2).step_by(2) {
            let a_base = a.as_ptr().wrapping_add(i * d.lda + d.k0);
            let mut c = [_mm256_setzero_si256(); 8];
            for l in (0..d.len).step_by(LANES) {
                // SAFETY: l + 32 <= len and the line ranges are in bounds (function contract).
                let (a0, a1, bs) = unsafe {
                    let a0 = _mm256_loadu_si256(a_base.add(l).cast());
                    let a1 = _mm256_loadu_si256(a_base.add(d.lda + l).cast());
                    let bs = [
                        _mm256_loadu_si256(b_base.add(l).cast()),
                        _mm256_loadu_si256(b_base.add(d.ldb + l).cast()),
                        _mm256_loadu_si256(b_base.add(2 * d.ldb + l).cast()),
                        _mm256_loadu_si256(b_base.add(3 * d.ldb + l).cast()),
                    ];
                    (a0, a1, bs)
                };
                let (abs0, abs1) = (_mm256_abs_epi8(a0), _mm256_abs_epi8(a1));
                for (q, &bq) in bs.iter().enumerate() {
                    c[q] = mac(c[q], abs0, a0, bq, ones);
                    c[4 + q] = mac(c[4 + q], abs1, a1, bq, ones);
                }
            }
            for (row, sums) in [sum4(c[0], c[1], c[2], c[3]), sum4(c[4], c[5], c[6], c[7])].into_iter().enumerate() {
                let out = acc.as_mut_ptr().wrapping_add((i + row) * d.cols + j);
                // SAFETY: acc[(i+row)·cols + j ..][..4] is in bounds (function contract).
                unsafe {
                    let old = _mm_loadu_si128(out.cast());
                    _mm_storeu_si128(out.cast(), _mm_add_epi32(old, sums));
                }
            }
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
