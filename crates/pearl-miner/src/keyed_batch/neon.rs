//! NEON backend: 4 lanes.
#![allow(unsafe_code)]

use std::arch::aarch64::{
    uint32x4_t, vaddq_u32, vdupq_n_u32, veorq_u32, vld1q_u32, vreinterpretq_u16_u32,
    vreinterpretq_u32_u16, vrev32q_u16, vshlq_n_u32, vsriq_n_u32, vst1q_u32,
};

use super::rounds::{self, Lanes};
use super::{Block, untranspose};
use crate::commit::Hash32;

#[derive(Clone, Copy)]
struct Q(uint32x4_t);

impl Q {
    #[inline(always)]
    fn rotr<const N: i32, const L: i32>(self) -> Self {
        // SAFETY (all methods): only reached from `batch4`, which requires neon.
        Self(unsafe { vsriq_n_u32::<N>(vshlq_n_u32::<L>(self.0), self.0) })
    }
}

impl Lanes for Q {
    #[inline(always)]
    fn splat(value: u32) -> Self {
        Self(unsafe { vdupq_n_u32(value) })
    }
    #[inline(always)]
    fn add(self, other: Self) -> Self {
        Self(unsafe { vaddq_u32(self.0, other.0) })
    }
    #[inline(always)]
    fn xor(self, other: Self) -> Self {
        Self(unsafe { veorq_u32(self.0, other.0) })
    }
    #[inline(always)]
    fn rotr16(self) -> Self {
        Self(unsafe { vreinterpretq_u32_u16(vrev32q_u16(vreinterpretq_u16_u32(self.0))) })
    }
    #[inline(always)]
    fn rotr12(self) -> Self {
        self.rotr::<12, 20>()
    }
    #[inline(always)]
    fn rotr8(self) -> Self {
        self.rotr::<8, 24>()
    }
    #[inline(always)]
    fn rotr7(self) -> Self {
        self.rotr::<7, 25>()
    }
}

#[target_feature(enable = "neon")]
fn batch4(key: &[u32; 8], messages: &[Block; 4]) -> [[u32; 4]; 8] {
    let m: [Q; 16] = std::array::from_fn(|w| {
        let lanes = [
            messages[0][w],
            messages[1][w],
            messages[2][w],
            messages[3][w],
        ];
        // SAFETY: a 16-byte load from a [u32; 4].
        Q(unsafe { vld1q_u32(lanes.as_ptr()) })
    });
    let h = rounds::compress(key, &m);
    let mut out = [[0u32; 4]; 8];
    for (row, word) in out.iter_mut().zip(h) {
        // SAFETY: a 16-byte store into a [u32; 4].
        unsafe { vst1q_u32(row.as_mut_ptr(), word.0) };
    }
    out
}

/// Hashes all of `messages` with NEON (0 when this CPU lacks it).
pub(super) fn hash_neon(key: &[u32; 8], messages: &[Block], out: &mut [Hash32]) -> usize {
    if !std::arch::is_aarch64_feature_detected!("neon") {
        return 0;
    }
    for (group, hashes) in messages.chunks(4).zip(out.chunks_mut(4)) {
        let mut padded = [[0u32; 16]; 4];
        padded[..group.len()].copy_from_slice(group);
        // SAFETY: neon was detected.
        let words = unsafe { batch4(key, &padded) };
        untranspose(&words, hashes);
    }
    messages.len()
}

/// Counting messages (see [`super::keyed_hashes_counting`]) with NEON (0 when this CPU
/// lacks it).
pub(super) fn counting_neon(
    key: &[u32; 8],
    template: &Block,
    slot: usize,
    first: u32,
    out: &mut [Hash32],
) -> usize {
    if !std::arch::is_aarch64_feature_detected!("neon") {
        return 0;
    }
    for (i, hashes) in out.chunks_mut(4).enumerate() {
        let at = first.wrapping_add((i * 4) as u32);
        let mut group = [*template; 4];
        for (lane, message) in group.iter_mut().enumerate() {
            message[slot] = at.wrapping_add(lane as u32);
        }
        // SAFETY: neon was detected.
        let words = unsafe { batch4(key, &group) };
        untranspose(&words, hashes);
    }
    out.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyed_batch::backend_checks;

    // These call the backend itself (see `backend_checks`) and require every message hashed
    // where the CPU has NEON. (`scripts/mutants.sh --neon` runs them under qemu-aarch64 on
    // x86_64.)

    #[test]
    fn hashes_every_message_where_the_cpu_has_neon_and_none_elsewhere() {
        let has = std::arch::is_aarch64_feature_detected!("neon");
        backend_checks::batch("neon", has, hash_neon, &[0, 1, 3, 4, 5, 8, 9, 40]);
    }

    #[test]
    fn hashes_every_counting_message_where_the_cpu_has_neon_and_none_elsewhere() {
        // Every tail length of a 4-lane vector.
        let has = std::arch::is_aarch64_feature_detected!("neon");
        backend_checks::counting("neon", has, counting_neon, &[0, 1, 4, 5, 6, 7, 8, 17]);
    }
}
