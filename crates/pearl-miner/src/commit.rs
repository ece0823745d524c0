//! Commitments (job key, keyed-BLAKE3 matrix roots) and noise-seed derivation.

use crate::MERKLE_CHUNK_LEN;

/// Size of every digest, key and seed in this crate.
pub type Hash32 = [u8; 32];

/// `blake3("pearl/cert-v3/noise-seed/A")`, the v3 salt key for A's root.
pub const SEED_SALT_A: Hash32 = [
    0x82, 0x49, 0x40, 0x6c, 0xa0, 0xed, 0x15, 0x16, 0x96, 0x16, 0xf6, 0x92, 0xfc, 0xf0, 0x76, 0xf8,
    0x92, 0xdb, 0xdb, 0x2a, 0x70, 0x23, 0xb8, 0x52, 0xf0, 0xd4, 0x77, 0x19, 0xc3, 0x90, 0x01, 0x7b,
];

/// `blake3("pearl/cert-v3/noise-seed/B")`, the v3 salt key for B's root.
pub const SEED_SALT_B: Hash32 = [
    0x11, 0x30, 0x06, 0x32, 0xec, 0x63, 0x01, 0xca, 0x2b, 0xe2, 0xaf, 0x71, 0x8b, 0x3f, 0x4d, 0x4f,
    0x1a, 0xe9, 0xc6, 0x39, 0x88, 0xe8, 0xcc, 0x04, 0x48, 0x44, 0x30, 0x1d, 0x71, 0xb8, 0x9a, 0xa9,
];

/// `job_key = blake3(header76 || config52)`: the key of both matrix commitments.
pub fn job_key(header: &[u8; 76], config: &[u8; 52]) -> Hash32 {
    let mut hasher = blake3::Hasher::new();
    hasher.update(header);
    hasher.update(config);
    *hasher.finalize().as_bytes()
}

/// Length of `len` bytes once zero-padded to a whole number of 1024-byte chunks.
pub fn padded_len(len: usize) -> usize {
    len.div_ceil(MERKLE_CHUNK_LEN) * MERKLE_CHUNK_LEN
}

/// Keyed BLAKE3 of `data` zero-padded to a 1024 multiple; equals the Merkle root.
pub fn commit_matrix(job_key: &Hash32, data: &[u8]) -> Hash32 {
    const ZEROS: [u8; MERKLE_CHUNK_LEN] = [0; MERKLE_CHUNK_LEN];
    let mut hasher = blake3::Hasher::new_keyed(job_key);
    hasher.update(data);
    let pad = padded_len(data.len()) - data.len();
    hasher.update(&ZEROS[..pad]);
    *hasher.finalize().as_bytes()
}

/// How the noise seeds are derived from the raw roots; chosen by certificate version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedDerivation {
    /// Certificates 1 and 2: the raw roots feed the seed chain directly.
    Legacy,
    /// Certificate 3: each root is first salted with its dimension (m or n).
    Salted,
}

impl SeedDerivation {
    /// The derivation for an int7 certificate version (1, 2, 3); `None` for any other.
    pub fn for_cert_version(cert_version: u32) -> Option<Self> {
        match cert_version {
            1 | 2 => Some(Self::Legacy),
            3 => Some(Self::Salted),
            _ => None,
        }
    }
}

/// The two noise seeds of one (A, B) pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoiseSeeds {
    /// Keys A's noise and the jackpot hash.
    pub a: Hash32,
    /// Keys B's noise.
    pub b: Hash32,
}

fn salt_root(salt: &Hash32, root: &Hash32, dim: u32) -> Hash32 {
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(root);
    block[32..36].copy_from_slice(&dim.to_le_bytes());
    *blake3::keyed_hash(salt, &block).as_bytes()
}

/// `b_noise_seed`: depends only on the job and B, so it is fixed for a whole job.
pub fn b_noise_seed(
    derivation: SeedDerivation,
    job_key: &Hash32,
    hash_b: &Hash32,
    n: u32,
) -> Hash32 {
    let bound_b = match derivation {
        SeedDerivation::Legacy => *hash_b,
        SeedDerivation::Salted => salt_root(&SEED_SALT_B, hash_b, n),
    };
    let mut hasher = blake3::Hasher::new();
    hasher.update(job_key);
    hasher.update(&bound_b);
    *hasher.finalize().as_bytes()
}

/// `a_noise_seed = blake3(b_noise_seed || bound hash_a)`.
pub fn a_noise_seed(
    derivation: SeedDerivation,
    b_seed: &Hash32,
    hash_a: &Hash32,
    m: u32,
) -> Hash32 {
    let bound_a = match derivation {
        SeedDerivation::Legacy => *hash_a,
        SeedDerivation::Salted => salt_root(&SEED_SALT_A, hash_a, m),
    };
    let mut hasher = blake3::Hasher::new();
    hasher.update(b_seed);
    hasher.update(&bound_a);
    *hasher.finalize().as_bytes()
}

/// Both noise seeds from the raw (unsalted) roots, as the verifier derives them.
pub fn noise_seeds(
    derivation: SeedDerivation,
    job_key: &Hash32,
    hash_a: &Hash32,
    hash_b: &Hash32,
    m: u32,
    n: u32,
) -> NoiseSeeds {
    let b = b_noise_seed(derivation, job_key, hash_b, n);
    let a = a_noise_seed(derivation, &b, hash_a, m);
    NoiseSeeds { a, b }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salts_are_the_hashes_of_their_context_strings() {
        assert_eq!(
            SEED_SALT_A,
            *blake3::hash(b"pearl/cert-v3/noise-seed/A").as_bytes()
        );
        assert_eq!(
            SEED_SALT_B,
            *blake3::hash(b"pearl/cert-v3/noise-seed/B").as_bytes()
        );
    }

    #[test]
    fn commitment_pads_with_zeros() {
        let key = [7u8; 32];
        let data = vec![3u8; 1500];
        let mut padded = data.clone();
        padded.resize(2048, 0);
        assert_eq!(
            commit_matrix(&key, &data),
            *blake3::keyed_hash(&key, &padded).as_bytes()
        );
        assert_eq!(
            commit_matrix(&key, &padded),
            *blake3::keyed_hash(&key, &padded).as_bytes()
        );
    }
}
