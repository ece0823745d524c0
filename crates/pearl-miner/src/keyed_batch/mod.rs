//! Many keyed BLAKE3 hashes of one-block (64-byte) messages under one key, several at once:
//! the jackpot hashes (one per tile) and the noise PRF digests are all such hashes.
//!
//! A one-block message is one compression with the flags CHUNK_START | CHUNK_END | ROOT |
//! KEYED_HASH, counter 0 and block length 64; its hash is the first 8 output words. The SIMD
//! paths hold word `w` of N messages in one vector (16 lanes with AVX-512, 8 with AVX2, 4
//! with NEON) and run the 7 rounds on vectors; elsewhere each message goes through
//! `blake3::keyed_hash`, which is also the oracle the tests compare every path against.
//! (`blake3::platform::Platform::hash_many` does the same but is documented as unstable,
//! for benchmarks only.)

use crate::commit::Hash32;

#[cfg(target_arch = "aarch64")]
mod neon;
mod rounds;
#[cfg(target_arch = "x86_64")]
mod x86;

/// One 64-byte message as 16 little-endian words.
pub type Block = [u32; 16];

/// Which implementation hashes the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `blake3::keyed_hash` per message.
    Scalar,
    /// 8 lanes of AVX2.
    Avx2,
    /// 16 lanes of AVX-512F.
    Avx512,
    /// 4 lanes of NEON.
    Neon,
}

impl Backend {
    /// The widest backend this CPU runs.
    pub fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                return Self::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                return Self::Avx2;
            }
        }
        #[cfg(target_arch = "aarch64")]
        {
            if std::arch::is_aarch64_feature_detected!("neon") {
                return Self::Neon;
            }
        }
        Self::Scalar
    }

    /// Every backend this CPU runs, the scalar one first.
    pub fn available() -> Vec<Self> {
        let mut all = vec![Self::Scalar];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                all.push(Self::Avx2);
            }
            if std::arch::is_x86_feature_detected!("avx512f") {
                all.push(Self::Avx512);
            }
        }
        #[cfg(target_arch = "aarch64")]
        {
            if std::arch::is_aarch64_feature_detected!("neon") {
                all.push(Self::Neon);
            }
        }
        all
    }
}

/// `out[i] = blake3_keyed(key, messages[i] as 64 LE bytes)` with the widest backend.
///
/// # Panics
/// When `out` is shorter than `messages`.
pub fn keyed_hashes(key: &Hash32, messages: &[Block], out: &mut [Hash32]) {
    keyed_hashes_with(Backend::detect(), key, messages, out);
}

/// Like [`keyed_hashes`] with a chosen backend; one this CPU lacks falls back to the scalar
/// path.
///
/// # Panics
/// When `out` is shorter than `messages`.
pub fn keyed_hashes_with(backend: Backend, key: &Hash32, messages: &[Block], out: &mut [Hash32]) {
    assert!(out.len() >= messages.len(), "one output per message");
    let out = &mut out[..messages.len()];
    let key_words = words(key);
    let done = match backend {
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512 => x86::hash_avx512(&key_words, messages, out),
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2 => x86::hash_avx2(&key_words, messages, out),
        #[cfg(target_arch = "aarch64")]
        Backend::Neon => neon::hash_neon(&key_words, messages, out),
        _ => 0,
    };
    for (message, hash) in messages[done..].iter().zip(&mut out[done..]) {
        *hash = scalar(key, message);
    }
}

/// `out[i] = blake3_keyed(key, message i)` where message i is `template` with word `slot`
/// set to `first + i` (wrapping): the noise PRF's messages, built in registers.
///
/// # Panics
/// When `slot >= 16`.
pub fn keyed_hashes_counting(
    key: &Hash32,
    template: &Block,
    slot: usize,
    first: u32,
    out: &mut [Hash32],
) {
    keyed_hashes_counting_with(Backend::detect(), key, template, slot, first, out);
}

/// Like [`keyed_hashes_counting`] with a chosen backend (scalar where this CPU lacks it).
///
/// # Panics
/// When `slot >= 16`.
pub fn keyed_hashes_counting_with(
    backend: Backend,
    key: &Hash32,
    template: &Block,
    slot: usize,
    first: u32,
    out: &mut [Hash32],
) {
    assert!(slot < 16, "a message has 16 words");
    let key_words = words(key);
    let done = match backend {
        #[cfg(target_arch = "x86_64")]
        Backend::Avx512 => x86::counting_avx512(&key_words, template, slot, first, out),
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2 => x86::counting_avx2(&key_words, template, slot, first, out),
        #[cfg(target_arch = "aarch64")]
        Backend::Neon => neon::counting_neon(&key_words, template, slot, first, out),
        _ => 0,
    };
    for (i, hash) in out.iter_mut().enumerate().skip(done) {
        let mut message = *template;
        message[slot] = first.wrapping_add(i as u32);
        *hash = scalar(key, &message);
    }
}

/// One message through `blake3::keyed_hash`: the verifier's [`crate::jackpot::jackpot_hash`].
pub fn scalar(key: &Hash32, message: &Block) -> Hash32 {
    crate::jackpot::jackpot_hash(message, key)
}

fn words(key: &Hash32) -> [u32; 8] {
    let mut out = [0u32; 8];
    for (word, chunk) in out.iter_mut().zip(key.chunks_exact(4)) {
        *word = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
    }
    out
}

/// Writes lane `lane` of the 8 transposed output words as a 32-byte hash.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn untranspose<const N: usize>(words: &[[u32; N]; 8], out: &mut [Hash32]) {
    for (lane, hash) in out.iter_mut().enumerate().take(N) {
        for (chunk, word) in hash.chunks_exact_mut(4).zip(words) {
            chunk.copy_from_slice(&word[lane].to_le_bytes());
        }
    }
}

/// Checks one SIMD backend called directly, not through the dispatch (which hands to the
/// scalar path whatever a backend leaves undone, so it cannot tell a backend that hashes
/// nothing from one that hashes everything): where the CPU has the backend's feature (`has`)
/// it hashes every message as [`scalar`] does, elsewhere none. Shared by each ISA's tests.
#[cfg(all(test, any(target_arch = "x86_64", target_arch = "aarch64")))]
pub(super) mod backend_checks {
    use super::{Block, Hash32, scalar, words};

    /// A batch hasher: hashes `messages` under the key words, returns how many it did.
    pub(in crate::keyed_batch) type Hasher = fn(&[u32; 8], &[Block], &mut [Hash32]) -> usize;
    /// A counting hasher: `template` with `first + i` in word `slot` for each output.
    pub(in crate::keyed_batch) type Counter =
        fn(&[u32; 8], &Block, usize, u32, &mut [Hash32]) -> usize;

    /// `hash` over `counts` messages each (tail lengths of the backend's lanes).
    pub(in crate::keyed_batch) fn batch(name: &str, has: bool, hash: Hasher, counts: &[usize]) {
        let key: Hash32 = std::array::from_fn(|i| (i * 5 + 1) as u8);
        for &count in counts {
            let messages: Vec<Block> = (0..count)
                .map(|i| std::array::from_fn(|w| ((i * 16 + w) as u32).wrapping_mul(0x85eb_ca6b)))
                .collect();
            let expected: Vec<Hash32> = messages.iter().map(|m| scalar(&key, m)).collect();
            let mut out = vec![[0u8; 32]; count];
            let done = hash(&words(&key), &messages, &mut out);
            if has {
                assert_eq!((done, &out), (count, &expected), "{name}, {count}");
            } else {
                assert_eq!(done, 0, "{name} without the CPU feature");
            }
        }
    }

    /// `counting` over `counts` messages each, from a first count of 1 and from one that
    /// wraps past `u32::MAX`.
    pub(in crate::keyed_batch) fn counting(
        name: &str,
        has: bool,
        counting: Counter,
        counts: &[usize],
    ) {
        let key = [0xa7u8; 32];
        let template: Block = std::array::from_fn(|w| 0x0101_0101u32.wrapping_mul(w as u32 + 1));
        for (slot, first) in [(3usize, 1u32), (14, u32::MAX - 9)] {
            for &count in counts {
                let expected: Vec<Hash32> = (0..count)
                    .map(|i| {
                        let mut message = template;
                        message[slot] = first.wrapping_add(i as u32);
                        scalar(&key, &message)
                    })
                    .collect();
                let mut out = vec![[0u8; 32]; count];
                let done = counting(&words(&key), &template, slot, first, &mut out);
                if has {
                    assert_eq!(
                        (done, &out),
                        (count, &expected),
                        "{name}, slot {slot}, {count}"
                    );
                } else {
                    assert_eq!(done, 0, "{name} without the CPU feature");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check_all_backends(key: &Hash32, messages: &[Block]) {
        let expected: Vec<Hash32> = messages.iter().map(|m| scalar(key, m)).collect();
        for backend in Backend::available() {
            let mut out = vec![[0u8; 32]; messages.len()];
            keyed_hashes_with(backend, key, messages, &mut out);
            assert_eq!(out, expected, "{backend:?}, {} messages", messages.len());
        }
    }

    #[test]
    fn available_lists_the_scalar_path_first_and_every_detected_backend() {
        let all = Backend::available();
        assert_eq!(all[0], Backend::Scalar);
        assert_eq!(Some(&Backend::detect()), all.last());
        #[cfg(target_arch = "x86_64")]
        {
            let has = |backend| all.contains(&backend);
            assert_eq!(
                has(Backend::Avx2),
                std::arch::is_x86_feature_detected!("avx2")
            );
            assert_eq!(
                has(Backend::Avx512),
                std::arch::is_x86_feature_detected!("avx512f")
            );
        }
    }

    #[test]
    fn scalar_path_is_blake3_keyed_hash_of_the_le_bytes() {
        let key = [0x5au8; 32];
        let mut message = [0u32; 16];
        message[0] = 0x0403_0201;
        message[15] = 0xffee_ddcc;
        let mut bytes = [0u8; 64];
        bytes[..4].copy_from_slice(&[1, 2, 3, 4]);
        bytes[60..].copy_from_slice(&[0xcc, 0xdd, 0xee, 0xff]);
        assert_eq!(
            scalar(&key, &message),
            *blake3::keyed_hash(&key, &bytes).as_bytes()
        );
    }

    #[test]
    fn every_lane_position_and_tail_length_matches() {
        // 0..=40 messages: empty, partial and whole vector batches plus every tail.
        for count in 0..=40usize {
            let messages: Vec<Block> = (0..count)
                .map(|i| std::array::from_fn(|w| ((i * 16 + w) as u32).wrapping_mul(0x9e37_79b9)))
                .collect();
            check_all_backends(&[count as u8; 32], &messages);
        }
    }

    #[test]
    fn a_change_in_one_lane_changes_only_that_hash() {
        let messages = vec![[7u32; 16]; 16];
        for lane in 0..16 {
            let mut changed = messages.clone();
            changed[lane][lane] ^= 1;
            let (mut a, mut b) = (vec![[0u8; 32]; 16], vec![[0u8; 32]; 16]);
            keyed_hashes(&[1; 32], &messages, &mut a);
            keyed_hashes(&[1; 32], &changed, &mut b);
            for i in 0..16 {
                assert_eq!(a[i] == b[i], i != lane, "lane {lane}, message {i}");
            }
        }
    }

    #[test]
    fn counting_messages_match_their_built_out_batch() {
        let template: Block = std::array::from_fn(|w| 0x1000_0001u32.wrapping_mul(w as u32 + 3));
        // Word 15 and 0, every tail length, and a count that wraps past u32::MAX.
        for (slot, first) in [(0usize, 1u32), (15, 77), (1, u32::MAX - 20)] {
            for count in [0usize, 1, 5, 16, 17, 33, 40] {
                let messages: Vec<Block> = (0..count)
                    .map(|i| {
                        let mut m = template;
                        m[slot] = first.wrapping_add(i as u32);
                        m
                    })
                    .collect();
                let expected: Vec<Hash32> = messages.iter().map(|m| scalar(&[9; 32], m)).collect();
                for backend in Backend::available() {
                    let mut out = vec![[0u8; 32]; count];
                    keyed_hashes_counting_with(backend, &[9; 32], &template, slot, first, &mut out);
                    assert_eq!(out, expected, "{backend:?} slot {slot} count {count}");
                }
            }
        }
    }

    proptest! {
        #[test]
        fn random_keys_and_messages_match_blake3(
            key in any::<[u8; 32]>(),
            messages in proptest::collection::vec(any::<[u32; 16]>(), 0..70),
        ) {
            check_all_backends(&key, &messages);
        }
    }
}
