//! The same noise as [`crate::noise`] (the scalar reference), made fast for the miner: every
//! PRF digest of a side comes from the batched keyed hasher ([`crate::keyed_batch`]), the
//! whole dense factor at once, and the per-element gather
//! `signal[l] + dense[first_l] − dense[second_l]` runs 64 lanes per step with AVX-512 VBMI
//! (`vpermi2b` looks up 64 bytes in a 128-byte table, one 128-column segment of the dense
//! row), 32 lanes with AVX2 at rank 128 (eight `vpshufb` of 16-byte tables per lookup), or as
//! a plain loop elsewhere.

use crate::commit::Hash32;
use crate::keyed_batch;
use crate::noise::{self, LABEL_A, LABEL_B};

#[cfg(target_arch = "x86_64")]
mod x86;

/// Dense-factor bytes per PRF digest.
const DENSE_PER_DIGEST: usize = 32;
/// Sparse lines per PRF digest (one u32 each).
const LINES_PER_DIGEST: usize = 8;
/// Dense-row columns one `vpermi2b` table holds.
pub(crate) const SEGMENT: usize = 128;

/// How the gather runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gather {
    /// One element at a time.
    Scalar,
    /// 32 elements per step with AVX2 `vpshufb` (rank 128 only).
    Avx2,
    /// 64 elements per step with AVX-512 VBMI `vpermi2b`.
    Vbmi,
}

impl Gather {
    /// The fastest gather this CPU runs at `rank`.
    pub fn detect(rank: u32) -> Self {
        Self::available(rank).pop().unwrap_or(Self::Scalar)
    }

    /// Every gather this CPU runs at `rank`, slowest (scalar) first.
    pub fn available(rank: u32) -> Vec<Self> {
        let mut all = vec![Self::Scalar];
        all.extend(simd_gathers(rank));
        all
    }
}

/// One function for every target, so that the mutation pass mutates only code this target runs.
fn simd_gathers(rank: u32) -> Vec<Gather> {
    #[cfg_attr(not(target_arch = "x86_64"), allow(unused_mut))]
    let mut all = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        if x86::avx2_available() && rank as usize == SEGMENT {
            all.push(Gather::Avx2);
        }
        if x86::available() {
            all.push(Gather::Vbmi);
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = rank;
    all
}

/// One side's noise (A or Bᵀ) for the current seed, with buffers reused across seeds.
#[derive(Debug, Clone)]
pub struct NoiseBatch {
    label: [u8; 32],
    k: usize,
    rank: usize,
    gather: Gather,
    seed: Hash32,
    /// Sparse columns: `first[l]`, `second[l]` (< rank).
    first: Vec<u16>,
    second: Vec<u16>,
    /// For the SIMD gathers: low 7 bits and 128-column segment of each index (at rank 128
    /// the low bits are the index).
    first_low: Vec<u8>,
    first_segment: Vec<u8>,
    second_low: Vec<u8>,
    second_segment: Vec<u8>,
    /// Dense factor rows filled by [`Self::fill_dense`], `rank` values each.
    dense: Vec<i8>,
    digests: Vec<Hash32>,
}

impl NoiseBatch {
    /// A's noise (label "A_tensor") for lines of `k` at `rank` (a power of two >= 128,
    /// as [`crate::Shape::validate`] ensures), with the fastest gather.
    pub fn for_a(k: usize, rank: u32) -> Self {
        Self::with_gather(LABEL_A, k, rank, Gather::detect(rank))
    }

    /// Bᵀ's noise (label "B_tensor"); see [`Self::for_a`].
    pub fn for_b(k: usize, rank: u32) -> Self {
        Self::with_gather(LABEL_B, k, rank, Gather::detect(rank))
    }

    /// With a chosen gather; one this CPU lacks runs the scalar loop.
    pub fn with_gather(label: [u8; 32], k: usize, rank: u32, gather: Gather) -> Self {
        let gather = if Gather::available(rank).contains(&gather) {
            gather
        } else {
            Gather::Scalar
        };
        Self {
            label,
            k,
            rank: rank as usize,
            gather,
            seed: [0; 32],
            first: Vec::new(),
            second: Vec::new(),
            first_low: Vec::new(),
            first_segment: Vec::new(),
            second_low: Vec::new(),
            second_segment: Vec::new(),
            dense: Vec::new(),
            digests: Vec::new(),
        }
    }

    /// PRF digests `0..count` of `slot` into `self.digests`.
    fn digests(&mut self, slot: usize, count: usize) {
        let mut template = [0u32; 16];
        for (word, bytes) in template[8..].iter_mut().zip(self.label.chunks_exact(4)) {
            *word = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        }
        self.digests.resize(count, [0; 32]);
        // Pearl writes `(index + 1) as i32` into the slot.
        keyed_batch::keyed_hashes_counting(&self.seed, &template, slot, 1, &mut self.digests);
    }

    /// Takes a new seed: derives its sparse factor (k lines) and forgets the dense rows.
    pub fn reseed(&mut self, seed: &Hash32) {
        self.seed = *seed;
        self.dense.clear();
        let mask = (self.rank as u32).wrapping_sub(1);
        self.digests(noise::SPARSE_SLOT, self.k.div_ceil(LINES_PER_DIGEST));
        self.first.clear();
        self.second.clear();
        for word in self
            .digests
            .iter()
            .flat_map(|d| d.chunks_exact(4))
            .take(self.k)
        {
            let u = u32::from_le_bytes([word[0], word[1], word[2], word[3]]);
            let [first, second] = noise::sparse_pair(u, mask);
            self.first.push(first);
            self.second.push(second);
        }
        if self.gather != Gather::Scalar {
            let low = |v: &[u16], out: &mut Vec<u8>| {
                out.clear();
                out.extend(v.iter().map(|&i| (usize::from(i) % SEGMENT) as u8));
            };
            let segment = |v: &[u16], out: &mut Vec<u8>| {
                out.clear();
                out.extend(v.iter().map(|&i| (usize::from(i) / SEGMENT) as u8));
            };
            low(&self.first, &mut self.first_low);
            low(&self.second, &mut self.second_low);
            segment(&self.first, &mut self.first_segment);
            segment(&self.second, &mut self.second_segment);
        }
    }

    /// The sparse factor's (+1, −1) columns, one pair per line.
    pub fn pairs(&self) -> impl Iterator<Item = [u16; 2]> + '_ {
        self.first.iter().zip(&self.second).map(|(&f, &s)| [f, s])
    }

    /// Computes dense rows `0..rows` of the current seed (all their digests in one batch).
    pub fn fill_dense(&mut self, rows: usize) {
        let values = rows * self.rank;
        self.digests(noise::DENSE_SLOT, values.div_ceil(DENSE_PER_DIGEST));
        // rank is a multiple of 32 (a power of two >= 128), so the digests fill whole rows;
        // fixed-size chunks keep the byte map vectorised.
        self.dense.resize(self.digests.len() * DENSE_PER_DIGEST, 0);
        for (values, digest) in self
            .dense
            .chunks_exact_mut(DENSE_PER_DIGEST)
            .zip(&self.digests)
        {
            for (value, &byte) in values.iter_mut().zip(digest) {
                *value = noise::dense_value(byte);
            }
        }
        self.dense.truncate(values);
    }

    /// Dense row `row` (after [`Self::fill_dense`] covered it).
    ///
    /// # Panics
    /// When `row` is beyond the rows filled.
    pub fn dense_row(&self, row: usize) -> &[i8] {
        &self.dense[row * self.rank..(row + 1) * self.rank]
    }

    /// `signal + noise` of line `row` into `out` (both of length k), as
    /// [`crate::noise::SideNoise::noised`] computes it.
    ///
    /// # Panics
    /// When `row` is beyond the dense rows filled or a line is not k long.
    pub fn noised(&self, row: usize, signal: &[u8], out: &mut [i8]) {
        assert!(
            signal.len() == self.k && out.len() == self.k,
            "lines are k long"
        );
        let dense = self.dense_row(row);
        match self.gather {
            #[cfg(target_arch = "x86_64")]
            Gather::Avx2 => x86::noised_avx2(dense, &self.first_low, &self.second_low, signal, out),
            #[cfg(target_arch = "x86_64")]
            Gather::Vbmi => x86::noised(
                dense,
                [&self.first_low, &self.first_segment],
                [&self.second_low, &self.second_segment],
                signal,
                out,
            ),
            _ => scalar_noised(dense, &self.first, &self.second, signal, out),
        }
    }
}

fn scalar_noised(dense: &[i8], first: &[u16], second: &[u16], signal: &[u8], out: &mut [i8]) {
    for (((slot, &s), &f), &m) in out.iter_mut().zip(signal).zip(first).zip(second) {
        let noise = dense[usize::from(f)] - dense[usize::from(m)];
        *slot = (s as i8).wrapping_add(noise);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::noise::SideNoise;

    fn signal_line(row: usize, k: usize) -> Vec<u8> {
        (0..k)
            .map(|l| (((row * 131 + l * 17) % 129) as i32 - 64) as i8 as u8)
            .collect()
    }

    #[test]
    fn matches_the_reference_for_every_rank_and_gather() {
        for rank in [128u32, 256, 512, 1024] {
            // k from 16·rank, plus a k that is not a multiple of 64 or of 8 lines per digest.
            for k in [16 * rank as usize, 16 * rank as usize + 37] {
                let seed: Hash32 = std::array::from_fn(|i| (i as u32 * 7 + rank) as u8);
                for (label, reference) in [
                    (LABEL_A, SideNoise::for_a(&seed, k, rank)),
                    (LABEL_B, SideNoise::for_b(&seed, k, rank)),
                ] {
                    for gather in Gather::available(rank) {
                        let mut fast = NoiseBatch::with_gather(label, k, rank, gather);
                        fast.reseed(&seed);
                        assert!(fast.pairs().eq(reference.pairs().iter().copied()));
                        let rows = 5;
                        fast.fill_dense(rows);
                        let (mut dense, mut want, mut got) =
                            (Vec::new(), vec![0i8; k], vec![0i8; k]);
                        for row in 0..rows {
                            let signal = signal_line(row, k);
                            reference.noised(row, &signal, &mut dense, &mut want);
                            fast.noised(row, &signal, &mut got);
                            assert_eq!(got, want, "rank {rank} k {k} row {row} {gather:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn available_lists_scalar_first_and_each_detected_gather_avx2_only_at_rank_128() {
        for rank in [128u32, 256, 1024] {
            let all = Gather::available(rank);
            assert_eq!(all[0], Gather::Scalar);
            assert_eq!(Some(&Gather::detect(rank)), all.last());
            #[cfg(target_arch = "x86_64")]
            {
                use std::arch::is_x86_feature_detected as has;
                let vbmi = has!("avx512f") && has!("avx512bw") && has!("avx512vbmi");
                assert_eq!(all.contains(&Gather::Vbmi), vbmi, "rank {rank}");
                let avx2 = has!("avx2") && rank == 128;
                assert_eq!(all.contains(&Gather::Avx2), avx2, "rank {rank}");
            }
        }
    }

    /// Lines shorter than a vector or with a tail: each gather writes its k bytes and nothing
    /// past them (the 64 bytes after `out` keep their sentinel).
    #[test]
    fn short_and_ragged_lines_match_the_reference_and_stay_in_bounds() {
        const SENTINEL: i8 = 0x55;
        for rank in [128u32, 256] {
            for k in [1usize, 31, 37, 63, 100, 130, 191] {
                let seed: Hash32 = std::array::from_fn(|i| (i as u32 * 3 + rank) as u8 ^ k as u8);
                let reference = SideNoise::for_b(&seed, k, rank);
                for gather in Gather::available(rank) {
                    let mut fast = NoiseBatch::with_gather(LABEL_B, k, rank, gather);
                    fast.reseed(&seed);
                    fast.fill_dense(2);
                    let (mut dense, mut want) = (Vec::new(), vec![0i8; k]);
                    let signal = signal_line(1, k + 64);
                    reference.noised(1, &signal[..k], &mut dense, &mut want);
                    let mut buffer = vec![SENTINEL; k + 64];
                    fast.noised(1, &signal[..k], &mut buffer[..k]);
                    assert_eq!(buffer[..k], want[..], "rank {rank} k {k} {gather:?}");
                    assert!(
                        buffer[k..].iter().all(|&b| b == SENTINEL),
                        "rank {rank} k {k} {gather:?} wrote past its line"
                    );
                }
            }
        }
    }

    #[test]
    fn reseeding_replaces_the_factors() {
        let (k, rank) = (2048, 128);
        let mut fast = NoiseBatch::for_a(k, rank);
        let mut got = vec![0i8; k];
        let mut dense = Vec::new();
        let mut want = vec![0i8; k];
        for seed in [[1u8; 32], [2u8; 32]] {
            fast.reseed(&seed);
            fast.fill_dense(3);
            let signal = signal_line(2, k);
            fast.noised(2, &signal, &mut got);
            SideNoise::for_a(&seed, k, rank).noised(2, &signal, &mut dense, &mut want);
            assert_eq!(got, want);
        }
    }
}
