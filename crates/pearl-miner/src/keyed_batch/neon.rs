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
    use crate::keyed_batch::{scalar, words};

    // The dispatch in `keyed_batch` hands to the scalar path whatever a backend leaves undone,
    // so its tests cannot tell a backend that hashes nothing from one that hashes everything:
    // these call the backend itself and require every message hashed where the CPU has NEON.
    // (`scripts/mutants.sh --neon` runs them under qemu-aarch64 on x86_64.)

    #[test]
    fn hashes_every_message_where_the_cpu_has_neon_and_none_elsewhere() {
        let has = std::arch::is_aarch64_feature_detected!("neon");
        let key: Hash32 = std::array::from_fn(|i| (i * 5 + 1) as u8);
        for count in [0usize, 1, 3, 4, 5, 8, 9, 40] {
            let messages: Vec<Block> = (0..count)
                .map(|i| std::array::from_fn(|w| ((i * 16 + w) as u32).wrapping_mul(0x85eb_ca6b)))
                .collect();
            let expected: Vec<Hash32> = messages.iter().map(|m| scalar(&key, m)).collect();
            let mut out = vec![[0u8; 32]; count];
            let done = hash_neon(&words(&key), &messages, &mut out);
            if has {
                assert_eq!((done, &out), (count, &expected), "{count} messages");
            } else {
                assert_eq!(done, 0, "neon without the CPU feature");
            }
        }
    }

    #[test]
    fn hashes_every_counting_message_where_the_cpu_has_neon_and_none_elsewhere() {
        let has = std::arch::is_aarch64_feature_detected!("neon");
        let key = [0xa7u8; 32];
        let template: Block = std::array::from_fn(|w| 0x0101_0101u32.wrapping_mul(w as u32 + 1));
        // A count that wraps past u32::MAX, and every tail length of a 4-lane vector.
        for (slot, first) in [(3usize, 1u32), (14, u32::MAX - 9)] {
            for count in [0usize, 1, 4, 5, 6, 7, 8, 17] {
                let expected: Vec<Hash32> = (0..count)
                    .map(|i| {
                        let mut message = template;
                        message[slot] = first.wrapping_add(i as u32);
                        scalar(&key, &message)
                    })
                    .collect();
                let mut out = vec![[0u8; 32]; count];
                let done = counting_neon(&words(&key), &template, slot, first, &mut out);
                if has {
                    assert_eq!((done, &out), (count, &expected), "slot {slot}, {count}");
                } else {
                    assert_eq!(done, 0, "neon without the CPU feature");
                }
            }
        }
    }
}
