//! A small, fast, non-cryptographic generator for the signal matrices (xoshiro256**).
//! The operands only need to be fresh, not secret: every value in [-64, 64] is valid.

use std::time::{SystemTime, UNIX_EPOCH};

/// xoshiro256** state.
#[derive(Debug, Clone)]
pub(crate) struct SignalRng {
    s: [u64; 4],
}

impl SignalRng {
    /// Seeds from a 64-bit value and a stream number (e.g. the thread index).
    pub(crate) fn from_seed(seed: u64, stream: u64) -> Self {
        let mut material = [0u8; 16];
        material[..8].copy_from_slice(&seed.to_le_bytes());
        material[8..].copy_from_slice(&stream.to_le_bytes());
        let digest = blake3::hash(&material);
        let mut s = [0u64; 4];
        for (word, chunk) in s.iter_mut().zip(digest.as_bytes().chunks_exact(8)) {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(chunk);
            *word = u64::from_le_bytes(bytes);
        }
        if s == [0; 4] {
            s[0] = 1;
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

    #[inline]
    pub(crate) fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Fills `out` with signal values in [-64, 64] as two's-complement bytes.
    pub(crate) fn fill_signal(&mut self, out: &mut [u8]) {
        for chunk in out.chunks_mut(8) {
            let word = self.next_u64().to_le_bytes();
            for (slot, &byte) in chunk.iter_mut().zip(&word) {
                // (byte·129) >> 8 spans 0..=128, so the value spans -64..=64.
                let value = ((u16::from(byte) * 129) >> 8) as i16 - 64;
                *slot = value as i8 as u8;
            }
        }
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
}
