//! The per-tile transcript ("jackpot"): rotl-13 fold of 16 words, its keyed hash, and the
//! win bounds (Pearl's `penalized_target_bound`, in `BigUint`, never saturating).

use num_bigint::BigUint;

use crate::commit::Hash32;

/// Words in the jackpot transcript.
pub const JACKPOT_WORDS: usize = 16;
/// Left rotation applied to a word before each fold into it.
pub const JACKPOT_ROTATION: u32 = 13;
/// Minimum rank after the rank-penalty fork, and the penalty's normalisation point.
pub const PENALTY_BASE_RANK: u32 = 128;

/// The 16-word transcript of one tile.
pub type Jackpot = [u32; JACKPOT_WORDS];

/// Folds the XOR of a tile's accumulators after the `block`-th block of r columns (0-based).
#[inline]
pub fn fold(jackpot: &mut Jackpot, block: usize, xor_of_tile: u32) {
    let word = &mut jackpot[block % JACKPOT_WORDS];
    *word = word.rotate_left(JACKPOT_ROTATION) ^ xor_of_tile;
}

/// `blake3_keyed(a_noise_seed, jackpot as 64 LE bytes)`.
pub fn jackpot_hash(jackpot: &Jackpot, a_noise_seed: &Hash32) -> Hash32 {
    let mut message = [0u8; 64];
    for (bytes, word) in message.chunks_exact_mut(4).zip(jackpot) {
        bytes.copy_from_slice(&word.to_le_bytes());
    }
    *blake3::keyed_hash(a_noise_seed, &message).as_bytes()
}

/// Reference transcript of one tile from its noised rows of A and rows of Bᵀ (each ≥ dot_len
/// long). Scalar and slow: the verifier's path and the kernels' oracle.
pub fn tile_jackpot(
    a_rows: &[Vec<i8>],
    b_rows: &[Vec<i8>],
    rank: usize,
    dot_len: usize,
) -> Jackpot {
    let mut acc = vec![0i32; a_rows.len() * b_rows.len()];
    let mut jackpot = [0u32; JACKPOT_WORDS];
    if rank == 0 {
        return jackpot;
    }
    for block in 0..dot_len / rank {
        let range = block * rank..(block + 1) * rank;
        let mut x = 0u32;
        for (u, a) in a_rows.iter().enumerate() {
            for (v, b) in b_rows.iter().enumerate() {
                let slot = &mut acc[u * b_rows.len() + v];
                for l in range.clone() {
                    let product = i32::from(a.get(l).copied().unwrap_or(0))
                        * i32::from(b.get(l).copied().unwrap_or(0));
                    *slot = slot.wrapping_add(product);
                }
                x ^= *slot as u32;
            }
        }
        fold(&mut jackpot, block, x);
    }
    jackpot
}

/// `dot_len = k − k mod r`: the part of k that feeds the transcript.
pub fn dot_len(k: u32, rank: u32) -> u32 {
    if rank == 0 { 0 } else { k - k % rank }
}

/// `h·w·(dot_len/r)·128`: what the rank-penalised bound multiplies the target by (0 when
/// the rank is 0).
pub fn penalty_factor(h: u32, w: u32, dot_len: u32, rank: u32) -> u64 {
    if rank == 0 {
        return 0;
    }
    u64::from(h) * u64::from(w) * u64::from(dot_len / rank) * u64::from(PENALTY_BASE_RANK)
}

fn u256_max() -> BigUint {
    (BigUint::from(1u8) << 256u32) - 1u8
}

/// Pearl's `penalized_target_bound`: `target · h·w·(dot_len/r)·128`, or `None` when that
/// factor is zero or the product does not fit 256 bits (an unusable target).
pub fn penalized_target_bound(
    target: &BigUint,
    h: u32,
    w: u32,
    dot_len: u32,
    rank: u32,
) -> Option<BigUint> {
    let factor = penalty_factor(h, w, dot_len, rank);
    if factor == 0 {
        return None;
    }
    let bound = target * BigUint::from(factor);
    (bound <= u256_max()).then_some(bound)
}

/// The consensus bound `target · h·w·dot_len` (unsaturated: a 256-bit hash compares the
/// same against it as against Pearl's saturated value).
pub fn consensus_bound(target: &BigUint, h: u32, w: u32, dot_len: u32) -> BigUint {
    target * BigUint::from(u64::from(h) * u64::from(w) * u64::from(dot_len))
}

/// The hash read as a little-endian 256-bit integer.
pub fn hash_value(hash: &Hash32) -> BigUint {
    BigUint::from_bytes_le(hash)
}

/// A bound prepared for fast comparison against little-endian hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FastBound {
    /// Limbs, most significant first; every hash is `<=` an all-ones bound.
    limbs: [u64; 4],
}

impl FastBound {
    /// From a bound that fits 256 bits; larger bounds accept every hash.
    pub fn new(bound: &BigUint) -> Self {
        if bound > &u256_max() {
            return Self {
                limbs: [u64::MAX; 4],
            };
        }
        let digits = bound.to_u64_digits();
        let mut limbs = [0u64; 4];
        for (i, d) in digits.iter().enumerate().take(4) {
            limbs[3 - i] = *d;
        }
        Self { limbs }
    }

    /// Whether `hash` (little-endian) is `<=` the bound.
    #[inline]
    pub fn accepts(&self, hash: &Hash32) -> bool {
        let mut value = [0u64; 4];
        for (i, chunk) in hash.chunks_exact(8).enumerate() {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(chunk);
            value[3 - i] = u64::from_le_bytes(bytes);
        }
        value <= self.limbs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn penalty_is_neutral_at_rank_128_and_halves_at_256() {
        let target = BigUint::from(1u8) << 200u32;
        let at_128 = penalized_target_bound(&target, 2, 64, 2048, 128).expect("fits");
        assert_eq!(at_128, consensus_bound(&target, 2, 64, 2048));
        let at_256 = penalized_target_bound(&target, 2, 64, 2048, 256).expect("fits");
        assert_eq!(at_256 * 2u8, at_128);
    }

    #[test]
    fn penalized_bound_refuses_overflow_and_zero_factor() {
        let factor = 2u64 * 64 * 16 * 128;
        let largest = u256_max() / BigUint::from(factor);
        assert!(penalized_target_bound(&largest, 2, 64, 2048, 128).is_some());
        assert!(penalized_target_bound(&(largest + 1u8), 2, 64, 2048, 128).is_none());
        assert!(penalized_target_bound(&BigUint::from(5u8), 2, 64, 64, 128).is_none());
    }

    #[test]
    fn fast_bound_matches_biguint_comparison() {
        let bound = (BigUint::from(1u8) << 250u32) + 12345u32;
        let fast = FastBound::new(&bound);
        let mut below = [0u8; 32];
        below[31] = 0x03; // 3 << 248 < 2^250
        let mut above = [0u8; 32];
        above[31] = 0x05; // 5 << 248 > 2^250 + 12345
        let mut exact = [0u8; 32];
        exact.copy_from_slice(&{
            let mut b = bound.to_bytes_le();
            b.resize(32, 0);
            b
        });
        for hash in [below, above, exact] {
            assert_eq!(fast.accepts(&hash), hash_value(&hash) <= bound);
        }
        assert!(fast.accepts(&exact));
        assert!(!fast.accepts(&above));
    }
}
