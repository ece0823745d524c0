//! Pearl's low-rank noise PRF: dense factors in [-32, 31] and sparse ±1 factors.
//!
//! Every PRF output is `blake3_keyed(seed, slots(32) || label(32))` where the eight i32
//! slots are zero except slot `p`, which holds `index + 1`.

use crate::commit::Hash32;

/// Label of A's noise messages ("A_tensor", zero-padded to 32 bytes).
pub const LABEL_A: [u8; 32] = padded_label(*b"A_tensor");
/// Label of B's noise messages ("B_tensor", zero-padded to 32 bytes).
pub const LABEL_B: [u8; 32] = padded_label(*b"B_tensor");

pub(crate) const DENSE_SLOT: usize = 0;
pub(crate) const SPARSE_SLOT: usize = 1;
const LINES_PER_DIGEST: usize = 8;

const fn padded_label(label: [u8; 8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < label.len() {
        out[i] = label[i];
        i += 1;
    }
    out
}

fn prf(seed: &Hash32, label: &[u8; 32], slot: usize, index: usize) -> [u8; 32] {
    let mut message = [0u8; 64];
    // Pearl writes `(index + 1) as i32`; indices here stay far below 2^31.
    let value = (index as u32).wrapping_add(1);
    message[slot * 4..slot * 4 + 4].copy_from_slice(&value.to_le_bytes());
    message[32..].copy_from_slice(label);
    *blake3::keyed_hash(seed, &message).as_bytes()
}

/// Maps one PRF byte to a dense-factor value in [-32, 31].
pub fn dense_value(byte: u8) -> i8 {
    (byte & 63) as i8 - 32
}

/// Row `row` of a dense factor (m×r for A, n×r for Bᵀ) into `out` (length = rank).
pub fn dense_row(seed: &Hash32, label: &[u8; 32], row: usize, out: &mut [i8]) {
    let rank = out.len();
    let start = row * rank;
    let first_digest = start / 32;
    let last_digest = (start + rank).div_ceil(32);
    let mut pos = 0;
    for digest_index in first_digest..last_digest {
        let digest = prf(seed, label, DENSE_SLOT, digest_index);
        for (byte_index, &byte) in digest.iter().enumerate() {
            let idx = digest_index * 32 + byte_index;
            if idx >= start && idx < start + rank {
                out[pos] = dense_value(byte);
                pos += 1;
            }
        }
    }
}

/// The sparse ±1 factor: for each of the k lines, the (+1, −1) column pair.
pub fn sparse_pairs(seed: &Hash32, label: &[u8; 32], k: usize, rank: u32) -> Vec<[u16; 2]> {
    let mask = rank.wrapping_sub(1);
    let mut pairs = Vec::with_capacity(k);
    for digest_index in 0..k.div_ceil(LINES_PER_DIGEST) {
        let digest = prf(seed, label, SPARSE_SLOT, digest_index);
        for word in digest.chunks_exact(4) {
            if pairs.len() == k {
                break;
            }
            let u = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
            pairs.push(sparse_pair(u, mask));
        }
    }
    pairs
}

/// The (+1, −1) columns of one sparse line from its PRF word `u`, with `mask = rank − 1`.
pub fn sparse_pair(u: u32, mask: u32) -> [u16; 2] {
    let first = u & mask;
    let mulhi = ((u64::from(mask) * u64::from(u)) >> 32) as u32;
    let second = first ^ (1 + mulhi);
    // rank <= 1024 (Shape::validate), so both fit u16.
    [first as u16, second as u16]
}

/// One noise line: `out[l] = dense[first_l] − dense[second_l]`, in [-63, 63].
pub fn noise_line(dense: &[i8], pairs: &[[u16; 2]], out: &mut [i8]) {
    for (slot, pair) in out.iter_mut().zip(pairs) {
        let plus = dense.get(usize::from(pair[0])).copied().unwrap_or(0);
        let minus = dense.get(usize::from(pair[1])).copied().unwrap_or(0);
        *slot = plus - minus;
    }
}

/// Adds a noise line to a signal line (two's-complement bytes):
/// `out[l] = signal[l] + noise[l]`, in [-127, 127] for signals in [-64, 64].
pub fn noised_line(signal: &[u8], dense: &[i8], pairs: &[[u16; 2]], out: &mut [i8]) {
    for ((slot, &s), pair) in out.iter_mut().zip(signal).zip(pairs) {
        let plus = dense.get(usize::from(pair[0])).copied().unwrap_or(0);
        let minus = dense.get(usize::from(pair[1])).copied().unwrap_or(0);
        *slot = (s as i8).wrapping_add(plus - minus);
    }
}

/// Noise generator of one side (A or Bᵀ) for a fixed seed: holds the sparse factor.
#[derive(Debug, Clone)]
pub struct SideNoise {
    seed: Hash32,
    label: [u8; 32],
    rank: usize,
    pairs: Vec<[u16; 2]>,
}

impl SideNoise {
    /// A's noise for `a_noise_seed`.
    pub fn for_a(a_noise_seed: &Hash32, k: usize, rank: u32) -> Self {
        Self::new(a_noise_seed, LABEL_A, k, rank)
    }

    /// Bᵀ's noise for `b_noise_seed`.
    pub fn for_b(b_noise_seed: &Hash32, k: usize, rank: u32) -> Self {
        Self::new(b_noise_seed, LABEL_B, k, rank)
    }

    fn new(seed: &Hash32, label: [u8; 32], k: usize, rank: u32) -> Self {
        Self {
            seed: *seed,
            label,
            rank: rank as usize,
            pairs: sparse_pairs(seed, &label, k, rank),
        }
    }

    /// The sparse factor's (+1, −1) pairs, one per line of k.
    pub fn pairs(&self) -> &[[u16; 2]] {
        &self.pairs
    }

    /// Row `index` of the dense factor, in `scratch`.
    fn dense<'s>(&self, index: usize, scratch: &'s mut Vec<i8>) -> &'s [i8] {
        scratch.resize(self.rank, 0);
        dense_row(&self.seed, &self.label, index, scratch);
        scratch
    }

    /// Noise of line `index` (a row of A or a row of Bᵀ) into `out` (length k).
    pub fn line(&self, index: usize, dense_scratch: &mut Vec<i8>, out: &mut [i8]) {
        noise_line(self.dense(index, dense_scratch), &self.pairs, out);
    }

    /// `signal + noise` of line `index` into `out` (length k).
    pub fn noised(&self, index: usize, signal: &[u8], dense_scratch: &mut Vec<i8>, out: &mut [i8]) {
        noised_line(signal, self.dense(index, dense_scratch), &self.pairs, out);
    }
}
