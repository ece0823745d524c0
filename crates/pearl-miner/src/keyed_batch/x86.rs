//! AVX-512F (16 lanes) and AVX2 (8 lanes) backends. AVX-512 loads 16 messages and transposes
//! them in registers so that each vector holds one word of every message, and transposes the
//! 8 output words back the same way; AVX2 gathers word `w` of 8 messages (stride 64 bytes)
//! and its output words go back to per-lane hashes through a small store.
#![allow(unsafe_code)]

use std::arch::x86_64::{
    __m256i, __m512i, _mm256_add_epi32, _mm256_i32gather_epi32, _mm256_or_si256, _mm256_set1_epi32,
    _mm256_setr_epi8, _mm256_setr_epi32, _mm256_shuffle_epi8, _mm256_slli_epi32, _mm256_srli_epi32,
    _mm256_storeu_si256, _mm256_xor_si256, _mm512_add_epi32, _mm512_castsi512_si256,
    _mm512_loadu_si512, _mm512_ror_epi32, _mm512_set1_epi32, _mm512_setr_epi32,
    _mm512_setzero_si512, _mm512_xor_si512,
};

use super::rounds::{self, Lanes};
use super::{Block, untranspose};
use crate::commit::Hash32;
use crate::transpose::x86::transpose_registers;

#[derive(Clone, Copy)]
struct Zmm(__m512i);

impl Lanes for Zmm {
    #[inline(always)]
    fn splat(value: u32) -> Self {
        // SAFETY (all methods): only reached from `batch16`, which requires avx512f.
        Self(unsafe { _mm512_set1_epi32(value as i32) })
    }
    #[inline(always)]
    fn add(self, other: Self) -> Self {
        Self(unsafe { _mm512_add_epi32(self.0, other.0) })
    }
    #[inline(always)]
    fn xor(self, other: Self) -> Self {
        Self(unsafe { _mm512_xor_si512(self.0, other.0) })
    }
    #[inline(always)]
    fn rotr16(self) -> Self {
        Self(unsafe { _mm512_ror_epi32::<16>(self.0) })
    }
    #[inline(always)]
    fn rotr12(self) -> Self {
        Self(unsafe { _mm512_ror_epi32::<12>(self.0) })
    }
    #[inline(always)]
    fn rotr8(self) -> Self {
        Self(unsafe { _mm512_ror_epi32::<8>(self.0) })
    }
    #[inline(always)]
    fn rotr7(self) -> Self {
        Self(unsafe { _mm512_ror_epi32::<7>(self.0) })
    }
}

#[derive(Clone, Copy)]
struct Ymm(__m256i);

impl Ymm {
    #[inline(always)]
    fn shuffle_bytes(self, order: [i8; 16]) -> Self {
        let o = order;
        // SAFETY: only reached from `batch8`, which requires avx2.
        unsafe {
            let mask = _mm256_setr_epi8(
                o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7], o[8], o[9], o[10], o[11], o[12],
                o[13], o[14], o[15], o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7], o[8], o[9],
                o[10], o[11], o[12], o[13], o[14], o[15],
            );
            Self(_mm256_shuffle_epi8(self.0, mask))
        }
    }
}

impl Lanes for Ymm {
    #[inline(always)]
    fn splat(value: u32) -> Self {
        // SAFETY (all methods): only reached from `batch8`, which requires avx2.
        Self(unsafe { _mm256_set1_epi32(value as i32) })
    }
    #[inline(always)]
    fn add(self, other: Self) -> Self {
        Self(unsafe { _mm256_add_epi32(self.0, other.0) })
    }
    #[inline(always)]
    fn xor(self, other: Self) -> Self {
        Self(unsafe { _mm256_xor_si256(self.0, other.0) })
    }
    #[inline(always)]
    fn rotr16(self) -> Self {
        self.shuffle_bytes([2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13])
    }
    #[inline(always)]
    fn rotr12(self) -> Self {
        Self(unsafe {
            _mm256_or_si256(
                _mm256_srli_epi32::<12>(self.0),
                _mm256_slli_epi32::<20>(self.0),
            )
        })
    }
    #[inline(always)]
    fn rotr8(self) -> Self {
        self.shuffle_bytes([1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12])
    }
    #[inline(always)]
    fn rotr7(self) -> Self {
        Self(unsafe {
            _mm256_or_si256(
                _mm256_srli_epi32::<7>(self.0),
                _mm256_slli_epi32::<25>(self.0),
            )
        })
    }
}

/// Compresses the 16 lanes and writes the first `out.len()` (at most 16) hashes: the 8
/// output words turned in registers so that each vector holds one lane's hash.
#[inline]
#[target_feature(enable = "avx512f")]
fn finish16(key: &[u32; 8], m: &[Zmm; 16], out: &mut [Hash32]) {
    let h = rounds::compress(key, m);
    let mut rows = [_mm512_setzero_si512(); 16];
    for (row, word) in rows.iter_mut().zip(h) {
        *row = word.0;
    }
    transpose_registers(&mut rows);
    for (hash, row) in out.iter_mut().zip(rows) {
        // SAFETY: a 32-byte store into a Hash32: the row's words 0..8, little-endian.
        unsafe { _mm256_storeu_si256(hash.as_mut_ptr().cast(), _mm512_castsi512_si256(row)) };
    }
}

#[target_feature(enable = "avx512f")]
fn batch16(key: &[u32; 8], messages: &[Block; 16], out: &mut [Hash32]) {
    // The 16 messages as rows, turned so that row w holds word w of every message (64
    // permutes in registers: cheaper than 16 gathers).
    let mut rows = [_mm512_setzero_si512(); 16];
    for (row, message) in rows.iter_mut().zip(messages) {
        // SAFETY: a message is 16 u32 = 64 bytes; unaligned loads are allowed.
        *row = unsafe { _mm512_loadu_si512(message.as_ptr().cast()) };
    }
    transpose_registers(&mut rows);
    finish16(key, &rows.map(Zmm), out);
}

/// 16 messages equal to `template` except word `slot`, which counts up from `first`.
#[target_feature(enable = "avx512f")]
fn counting16(key: &[u32; 8], template: &Block, slot: usize, first: u32, out: &mut [Hash32]) {
    let lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    let m: [Zmm; 16] = std::array::from_fn(|w| {
        if w == slot {
            Zmm(_mm512_add_epi32(_mm512_set1_epi32(first as i32), lanes))
        } else {
            Zmm(_mm512_set1_epi32(template[w] as i32))
        }
    });
    finish16(key, &m, out);
}

#[inline]
#[target_feature(enable = "avx2")]
fn finish8(key: &[u32; 8], m: &[Ymm; 16]) -> [[u32; 8]; 8] {
    let h = rounds::compress(key, m);
    let mut out = [[0u32; 8]; 8];
    for (row, word) in out.iter_mut().zip(h) {
        // SAFETY: a 32-byte store into a [u32; 8].
        unsafe { _mm256_storeu_si256(row.as_mut_ptr().cast(), word.0) };
    }
    out
}

#[target_feature(enable = "avx2")]
fn batch8(key: &[u32; 8], messages: &[Block; 8]) -> [[u32; 8]; 8] {
    let offsets = _mm256_setr_epi32(0, 16, 32, 48, 64, 80, 96, 112);
    let base = messages.as_ptr().cast::<i32>();
    let m: [Ymm; 16] = std::array::from_fn(|w| {
        // SAFETY: lane l reads word w of message l, inside `messages`.
        Ymm(unsafe { _mm256_i32gather_epi32::<4>(base.add(w), offsets) })
    });
    finish8(key, &m)
}

/// 8 messages equal to `template` except word `slot`, which counts up from `first`.
#[target_feature(enable = "avx2")]
fn counting8(key: &[u32; 8], template: &Block, slot: usize, first: u32) -> [[u32; 8]; 8] {
    let lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    let m: [Ymm; 16] = std::array::from_fn(|w| {
        if w == slot {
            Ymm(_mm256_add_epi32(_mm256_set1_epi32(first as i32), lanes))
        } else {
            Ymm(_mm256_set1_epi32(template[w] as i32))
        }
    });
    finish8(key, &m)
}

/// Hashes every message with `batch`, N at a time (a short tail zero-padded); returns how
/// many were hashed.
/// `batch` writes the hashes of N messages (as many as its output slice holds).
fn hash_in_batches<const N: usize>(
    messages: &[Block],
    out: &mut [Hash32],
    batch: impl Fn(&[Block; N], &mut [Hash32]),
) -> usize {
    for (group, hashes) in messages.chunks(N).zip(out.chunks_mut(N)) {
        match <&[Block; N]>::try_from(group) {
            Ok(full) => batch(full, hashes),
            Err(_) => {
                let mut padded = [[0u32; 16]; N];
                padded[..group.len()].copy_from_slice(group);
                batch(&padded, hashes);
            }
        }
    }
    messages.len()
}

/// Hashes all of `messages` with AVX-512F (0 when this CPU lacks it).
pub(super) fn hash_avx512(key: &[u32; 8], messages: &[Block], out: &mut [Hash32]) -> usize {
    if !std::arch::is_x86_feature_detected!("avx512f") {
        return 0;
    }
    // SAFETY: avx512f was detected.
    hash_in_batches::<16>(messages, out, |group, hashes| unsafe {
        batch16(key, group, hashes)
    })
}

/// Hashes all of `messages` with AVX2 (0 when this CPU lacks it).
pub(super) fn hash_avx2(key: &[u32; 8], messages: &[Block], out: &mut [Hash32]) -> usize {
    if !std::arch::is_x86_feature_detected!("avx2") {
        return 0;
    }
    // SAFETY: avx2 was detected.
    hash_in_batches::<8>(messages, out, |group, hashes| {
        untranspose(&unsafe { batch8(key, group) }, hashes)
    })
}

/// Hashes `out.len()` counting messages (see [`super::keyed_hashes_counting`]) N at a time.
fn counting_in_batches<const N: usize>(
    first: u32,
    out: &mut [Hash32],
    batch: impl Fn(u32, &mut [Hash32]),
) -> usize {
    for (i, hashes) in out.chunks_mut(N).enumerate() {
        batch(first.wrapping_add((i * N) as u32), hashes);
    }
    out.len()
}

/// Counting messages with AVX-512F (0 when this CPU lacks it).
pub(super) fn counting_avx512(
    key: &[u32; 8],
    template: &Block,
    slot: usize,
    first: u32,
    out: &mut [Hash32],
) -> usize {
    if !std::arch::is_x86_feature_detected!("avx512f") {
        return 0;
    }
    // SAFETY: avx512f was detected.
    counting_in_batches::<16>(first, out, |at, hashes| unsafe {
        counting16(key, template, slot, at, hashes)
    })
}

/// Counting messages with AVX2 (0 when this CPU lacks it).
pub(super) fn counting_avx2(
    key: &[u32; 8],
    template: &Block,
    slot: usize,
    first: u32,
    out: &mut [Hash32],
) -> usize {
    if !std::arch::is_x86_feature_detected!("avx2") {
        return 0;
    }
    // SAFETY: avx2 was detected.
    counting_in_batches::<8>(first, out, |at, hashes| {
        untranspose(&unsafe { counting8(key, template, slot, at) }, hashes)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyed_batch::backend_checks::{self, Counter, Hasher};

    /// (name, CPU feature, batch hasher, counting hasher) of each backend.
    fn backends() -> [(&'static str, bool, Hasher, Counter); 2] {
        [
            (
                "avx512",
                std::arch::is_x86_feature_detected!("avx512f"),
                hash_avx512,
                counting_avx512,
            ),
            (
                "avx2",
                std::arch::is_x86_feature_detected!("avx2"),
                hash_avx2,
                counting_avx2,
            ),
        ]
    }

    #[test]
    fn each_backend_hashes_every_message_where_the_cpu_has_it_and_none_elsewhere() {
        for (name, has, hash, _) in backends() {
            backend_checks::batch(name, has, hash, &[0, 1, 7, 8, 9, 15, 16, 17, 40]);
        }
    }

    #[test]
    fn each_backend_hashes_every_counting_message_where_the_cpu_has_it_and_none_elsewhere() {
        for (name, has, _, counting) in backends() {
            backend_checks::counting(name, has, counting, &[0, 1, 8, 9, 16, 17, 40]);
        }
    }
}
