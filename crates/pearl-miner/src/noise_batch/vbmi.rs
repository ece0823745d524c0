//! The noise gather with AVX-512 VBMI: `vpermi2b` picks 64 bytes at once from a 128-byte
//! table (two zmm), one table per 128-column segment of the dense row; with several
//! segments a byte-compare mask keeps each lane's own segment.
#![allow(unsafe_code)]

use std::arch::x86_64::{
    __m512i, _mm512_add_epi8, _mm512_cmpeq_epi8_mask, _mm512_loadu_si512, _mm512_mask_mov_epi8,
    _mm512_permutex2var_epi8, _mm512_set1_epi8, _mm512_setzero_si512, _mm512_storeu_si512,
    _mm512_sub_epi8,
};

use super::SEGMENT;

/// Bytes per zmm.
const LANES: usize = 64;

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
