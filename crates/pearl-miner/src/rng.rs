//! A small, fast, non-cryptographic generator for the signal matrices: 8 independent
//! xoshiro256** streams side by side, so that one step makes 64 signal bytes with vector
//! instructions (the operands only need to be fresh, not secret: every value in [-64, 64]
//! is valid). The per-lane loops are plain Rust, compiled once more for AVX2 and AVX-512BW
//! and picked at run time.
#![allow(unsafe_code)]

use std::time::{SystemTime, UNIX_EPOCH};

/// Streams stepped together.
const LANES: usize = 8;
/// Signal bytes per step (8 bytes of each lane's u64).
const STEP_BYTES: usize = 8 * LANES;

/// Signal kinds of [`SignalRng::fill_lanes`]: any valid value (the tests'), B's, A's.
#[cfg(test)]
const WIDE: u8 = 0;
const TERNARY: u8 = 1;
const BINARY: u8 = 2;

/// xoshiro256** state of `LANES` streams: `s[i][lane]`.
#[derive(Debug, Clone)]
pub(crate) struct SignalRng {
    s: [[u64; LANES]; 4],
}

impl SignalRng {
    /// Seeds from a 64-bit value and a stream number (e.g. the thread index).
    pub(crate) fn from_seed(seed: u64, stream: u64) -> Self {
        let mut material = [0u8; 16];
        material[..8].copy_from_slice(&seed.to_le_bytes());
        material[8..].copy_from_slice(&stream.to_le_bytes());
        let mut bytes = [0u8; 4 * LANES * 8];
        blake3::Hasher::new()
            .update(&material)
            .finalize_xof()
            .fill(&mut bytes);
        let mut s = [[0u64; LANES]; 4];
        for (i, chunk) in bytes.chunks_exact(8).enumerate() {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            s[i / LANES][i % LANES] = u64::from_le_bytes(word);
        }
        let all_zero: [bool; LANES] = std::array::from_fn(|lane| s.iter().all(|w| w[lane] == 0));
        for (word, zero) in s[0].iter_mut().zip(all_zero) {
            if zero {
                *word = 1;
            }
        }
        Self { s }
    }

    /// A seed that differs between runs and processes.
    pub(crate) fn fresh_seed() -> u64 {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let mut material = [0u8; 24];
        material[..16].copy_from_slice(&nanos.to_le_bytes());
        material[16..20].copy_from_slice(&std::process::id().to_le_bytes());
        let local = 0u8;
        let address = std::ptr::addr_of!(local) as usize as u32;
        material[20..24].copy_from_slice(&address.to_le_bytes());
        let digest = blake3::hash(&material);
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&digest.as_bytes()[..8]);
        u64::from_le_bytes(bytes)
    }

    /// One xoshiro256** step of every lane; 8 bytes per lane, lane after lane.
    #[inline(always)]
    fn step(&mut self) -> [u8; STEP_BYTES] {
        let [s0, s1, s2, s3] = &mut self.s;
        let mut out = [0u8; STEP_BYTES];
        for lane in 0..LANES {
            let result = s1[lane].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
            let t = s1[lane] << 17;
            s2[lane] ^= s0[lane];
            s3[lane] ^= s1[lane];
            s1[lane] ^= s2[lane];
            s0[lane] ^= s3[lane];
            s2[lane] ^= t;
            s3[lane] = s3[lane].rotate_left(45);
            out[lane * 8..lane * 8 + 8].copy_from_slice(&result.to_le_bytes());
        }
        out
    }

    /// Every random byte mapped to a signal value of the kind `KIND`: [`TERNARY`] -1..=1,
    /// [`BINARY`] -1..=0, any other (`WIDE`) -64..=64.
    #[inline(always)]
    fn fill_lanes<const KIND: u8>(&mut self, out: &mut [u8]) {
        for chunk in out.chunks_mut(STEP_BYTES) {
            let bytes = self.step();
            for (slot, &byte) in chunk.iter_mut().zip(&bytes) {
                // (byte·129) >> 8 spans 0..=128, (byte·3) >> 8 spans 0..=2, byte >> 7 0..=1.
                let value = match KIND {
                    TERNARY => ((u16::from(byte) * 3) >> 8) as i16 - 1,
                    BINARY => i16::from(byte >> 7) - 1,
                    _ => ((u16::from(byte) * 129) >> 8) as i16 - 64,
                };
                *slot = value as i8 as u8;
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw")]
    fn fill_avx512<const KIND: u8>(&mut self, out: &mut [u8]) {
        self.fill_lanes::<KIND>(out);
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn fill_avx2<const KIND: u8>(&mut self, out: &mut [u8]) {
        self.fill_lanes::<KIND>(out);
    }

    /// [`Self::fill_lanes`] compiled for the widest vectors this CPU has.
    fn fill<const KIND: u8>(&mut self, out: &mut [u8]) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512bw")
            {
                // SAFETY: the features were detected.
                return unsafe { self.fill_avx512::<KIND>(out) };
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the feature was detected.
                return unsafe { self.fill_avx2::<KIND>(out) };
            }
        }
        self.fill_lanes::<KIND>(out);
    }

    /// Fills `out` with signal values in [-64, 64] as two's-complement bytes.
    #[cfg(test)]
    pub(crate) fn fill_signal(&mut self, out: &mut [u8]) {
        self.fill::<WIDE>(out);
    }

    /// Fills `out` with binary signal values, -1 and 0 (as two's-complement bytes), each half
    /// of the time: A's signal, so that noised A stays in [`crate::kernel::NARROW_A`].
    pub(crate) fn fill_binary(&mut self, out: &mut [u8]) {
        self.fill::<BINARY>(out);
    }

    /// Fills `out` with ternary signal values, -1, 0 and 1 (as two's-complement bytes), each
    /// about a third of the time: B's signal, so that noised B stays in
    /// [`crate::kernel::NARROW_B`].
    pub(crate) fn fill_ternary(&mut self, out: &mut [u8]) {
        self.fill::<TERNARY>(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_covers_exactly_minus_64_to_64() {
        let mut rng = SignalRng::from_seed(1, 2);
        let mut buf = vec![0u8; 1 << 16];
        rng.fill_signal(&mut buf);
        let values: Vec<i8> = buf.iter().map(|&b| b as i8).collect();
        assert_eq!(values.iter().copied().min(), Some(-64));
        assert_eq!(values.iter().copied().max(), Some(64));
    }

    #[test]
    fn ternary_signal_is_minus_one_zero_or_one_in_about_equal_shares() {
        let mut rng = SignalRng::from_seed(4, 1);
        let mut buf = vec![0u8; 3 << 14];
        rng.fill_ternary(&mut buf);
        let mut counts = [0usize; 3];
        for &b in &buf {
            let v = b as i8;
            assert!((-1..=1).contains(&v), "{v} is not ternary");
            counts[(v + 1) as usize] += 1;
        }
        // 85 byte values map to -1, 86 to 0 and 85 to 1: shares near a third each.
        for count in counts {
            assert!(count.abs_diff(1 << 14) < 1 << 10, "{counts:?}");
        }
    }

    #[test]
    fn binary_signal_is_minus_one_or_zero_in_about_equal_shares() {
        let mut rng = SignalRng::from_seed(7, 3);
        let mut buf = vec![0u8; 1 << 15];
        rng.fill_binary(&mut buf);
        let minus = buf.iter().filter(|&&b| b as i8 == -1).count();
        assert!(buf.iter().all(|&b| matches!(b as i8, -1 | 0)));
        assert!(minus.abs_diff(1 << 14) < 1 << 10, "{minus} of {}", 1 << 15);
    }

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let fill = |seed, stream, len| {
            let mut buf = vec![0u8; len];
            SignalRng::from_seed(seed, stream).fill_signal(&mut buf);
            buf
        };
        assert_eq!(fill(3, 0, 1000), fill(3, 0, 1000));
        assert_ne!(fill(3, 0, 1000), fill(3, 1, 1000));
        assert_ne!(fill(3, 0, 1000), fill(4, 0, 1000));
        // A shorter fill is a prefix of a longer one (the tail of a step is dropped).
        assert_eq!(fill(5, 2, 100)[..], fill(5, 2, 1000)[..100]);
        // Every lane contributes: no 8-byte group repeats in a short stretch.
        let long = fill(6, 0, 4096);
        let mut groups: Vec<&[u8]> = long.chunks_exact(8).collect();
        groups.sort_unstable();
        groups.dedup();
        assert_eq!(groups.len(), 512);
    }

    #[test]
    fn the_dispatched_fill_equals_the_plain_loop() {
        let mut a = SignalRng::from_seed(9, 9);
        let mut b = a.clone();
        let (mut x, mut y) = (vec![0u8; 777], vec![0u8; 777]);
        a.fill_signal(&mut x);
        b.fill_lanes::<WIDE>(&mut y);
        assert_eq!(x, y);
        a.fill_ternary(&mut x);
        b.fill_lanes::<TERNARY>(&mut y);
        assert_eq!(x, y);
        a.fill_binary(&mut x);
        b.fill_lanes::<BINARY>(&mut y);
        assert_eq!(x, y);
    }
}
