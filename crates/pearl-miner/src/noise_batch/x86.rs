//! The noise gather on x86_64.
//!
//! - AVX-512 VBMI: `vpermi2b` picks 64 bytes at once from a 128-byte table (two zmm), one
//!   table per 128-column segment of the dense row; with several segments a byte-compare
//!   mask keeps each lane's own segment.
//! - AVX2, rank 128 only: `vpshufb` looks up 16-byte tables; lane index `i` minus `16·s` has
//!   its sign bit set (so `vpshufb` yields 0) exactly when `i` lies below segment `s`, so
//!   XOR-ing the lookups of the tables `T_s XOR T_(s−1)` telescopes to `T_(i/16)[i mod 16]`.
#![allow(unsafe_code)]

use std::arch::x86_64::{
    __m256i, __m512i, _mm_loadu_si128, _mm256_add_epi8, _mm256_broadcastsi128_si256,
    _mm256_loadu_si256, _mm256_set1_epi8, _mm256_shuffle_epi8, _mm256_storeu_si256,
    _mm256_sub_epi8, _mm256_xor_si256, _mm512_add_epi8, _mm512_cmpeq_epi8_mask, _mm512_loadu_si512,
    _mm512_mask_mov_epi8, _mm512_permutex2var_epi8, _mm512_set1_epi8, _mm512_setzero_si512,
    _mm512_storeu_si512, _mm512_sub_epi8,
};

use super::SEGMENT;

/// Bytes per zmm.
const LANES: usize = 64;

/// Whether this CPU has what [`noised_avx2`] is compiled with.
pub(super) fn avx2_available() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
}

/// Whether this CPU has what [`noised`] is compiled with.
pub(super) fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512bw")
        && std::arch::is_x86_feature_detected!("avx512vbmi")
}

/// `out[l] = signal[l] + dense[first_l] − dense[second_l]` where an index is
/// `segment·128 + low` (`first = [low, segment]`, likewise `second`).
///
/// # Panics
/// When [`available`] is false, the dense row is not a whole number of segments, or a line
/// is shorter than `out`.
pub(super) fn noised(
    dense: &[i8],
    first: [&[u8]; 2],
    second: [&[u8]; 2],
    signal: &[u8],
    out: &mut [i8],
) {
    assert!(available(), "AVX-512 VBMI");
    assert!(dense.len().is_multiple_of(SEGMENT) && !dense.is_empty());
    let k = out.len();
    assert!(
        [first[0], first[1], second[0], second[1], signal]
            .iter()
            .all(|v| v.len() >= k)
    );
    let whole = k - k % LANES;
    // SAFETY: the features were checked; every slice is at least `whole` long.
    unsafe { noised_vbmi(dense, first, second, signal, &mut out[..whole]) };
    for l in whole..k {
        let index = |pair: [&[u8]; 2]| usize::from(pair[1][l]) * SEGMENT + usize::from(pair[0][l]);
        let noise = dense[index(first)] - dense[index(second)];
        out[l] = (signal[l] as i8).wrapping_add(noise);
    }
}

/// Lane-wise `table[segment·128 + low]` over every 128-byte segment of `dense`.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
unsafe fn lookup(dense: &[i8], low: __m512i, segment: __m512i) -> __m512i {
    let table = |s: usize, half: usize| {
        // SAFETY: s·128 + half·64 + 64 <= dense.len() (whole segments).
        unsafe { _mm512_loadu_si512(dense.as_ptr().add(s * SEGMENT + half * LANES).cast()) }
    };
    let segments = dense.len() / SEGMENT;
    if segments == 1 {
        return _mm512_permutex2var_epi8(table(0, 0), low, table(0, 1));
    }
    let mut result = _mm512_setzero_si512();
    for s in 0..segments {
        let picked = _mm512_permutex2var_epi8(table(s, 0), low, table(s, 1));
        let mine = _mm512_cmpeq_epi8_mask(segment, _mm512_set1_epi8(s as i8));
        result = _mm512_mask_mov_epi8(result, mine, picked);
    }
    result
}

/// The vector part: `out.len()` is a multiple of 64 and no longer than any input line.
#[target_feature(enable = "avx512f,avx512bw,avx512vbmi")]
unsafe fn noised_vbmi(
    dense: &[i8],
    first: [&[u8]; 2],
    second: [&[u8]; 2],
    signal: &[u8],
    out: &mut [i8],
) {
    let load = |v: &[u8], at: usize| {
        // SAFETY: at + 64 <= out.len() <= v.len().
        unsafe { _mm512_loadu_si512(v.as_ptr().add(at).cast()) }
    };
    for at in (0..out.len()).step_by(LANES) {
        // SAFETY: the features are enabled here; `dense` holds whole segments.
        let (plus, minus) = unsafe {
            (
                lookup(dense, load(first[0], at), load(first[1], at)),
                lookup(dense, load(second[0], at), load(second[1], at)),
            )
        };
        let value = _mm512_add_epi8(load(signal, at), _mm512_sub_epi8(plus, minus));
        // SAFETY: at + 64 <= out.len().
        unsafe { _mm512_storeu_si512(out.as_mut_ptr().add(at).cast(), value) };
    }
}

/// 16-byte segments of a rank-128 dense row.
const AVX2_SEGMENTS: usize = SEGMENT / 16;

/// `out[l] = signal[l] + dense[first[l]] − dense[second[l]]` for a 128-value dense row
/// (indices < 128).
///
/// # Panics
/// When AVX2 is missing, the dense row is not 128 long, or a line is shorter than `out`.
pub(super) fn noised_avx2(
    dense: &[i8],
    first: &[u8],
    second: &[u8],
    signal: &[u8],
    out: &mut [i8],
) {
    assert!(avx2_available(), "AVX2");
    assert_eq!(dense.len(), SEGMENT, "rank 128");
    let k = out.len();
    assert!([first, second, signal].iter().all(|v| v.len() >= k));
    let whole = k - k % 32;
    // SAFETY: the feature was checked; every slice is at least `whole` long.
    unsafe { noised_pshufb(dense, first, second, signal, &mut out[..whole]) };
    for l in whole..k {
        let noise = dense[usize::from(first[l])] - dense[usize::from(second[l])];
        out[l] = (signal[l] as i8).wrapping_add(noise);
    }
}

#[inline]
#[target_feature(enable = "avx2")]
fn lookup_pshufb(tables: &[__m256i; AVX2_SEGMENTS], index: __m256i) -> __m256i {
    let sixteen = _mm256_set1_epi8(16);
    let mut index = index;
    let mut value = _mm256_shuffle_epi8(tables[0], index);
    for table in &tables[1..] {
        index = _mm256_sub_epi8(index, sixteen);
        value = _mm256_xor_si256(value, _mm256_shuffle_epi8(*table, index));
    }
    value
}

/// The vector part: `out.len()` is a multiple of 32 and no longer than any input line.
#[target_feature(enable = "avx2")]
unsafe fn noised_pshufb(dense: &[i8], first: &[u8], second: &[u8], signal: &[u8], out: &mut [i8]) {
    let segment = |s: usize| {
        // SAFETY: 16·s + 16 <= 128 = dense.len().
        _mm256_broadcastsi128_si256(unsafe { _mm_loadu_si128(dense.as_ptr().add(16 * s).cast()) })
    };
    let tables: [__m256i; AVX2_SEGMENTS] = std::array::from_fn(|s| {
        if s == 0 {
            segment(0)
        } else {
            _mm256_xor_si256(segment(s), segment(s - 1))
        }
    });
    let load = |v: &[u8], at: usize| {
        // SAFETY: at + 32 <= out.len() <= v.len().
        unsafe { _mm256_loadu_si256(v.as_ptr().add(at).cast()) }
    };
    for at in (0..out.len()).step_by(32) {
        let plus = lookup_pshufb(&tables, load(first, at));
        let minus = lookup_pshufb(&tables, load(second, at));
        let value = _mm256_add_epi8(load(signal, at), _mm256_sub_epi8(plus, minus));
        // SAFETY: at + 32 <= out.len().
        unsafe { _mm256_storeu_si256(out.as_mut_ptr().add(at).cast(), value) };
    }
}
