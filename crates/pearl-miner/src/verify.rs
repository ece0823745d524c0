//! The independent plain-proof verifier: recomputes roots, noise, transcript and bound from
//! the proof alone, and names the check that failed.

use num_bigint::BigUint;
use pearl_protocol::pattern::{PatternError, PeriodicPattern};
use pearl_protocol::public_data::proof_commitment;
use pearl_protocol::target::nbits_to_target;
use pearl_protocol::{
    IncompleteBlockHeader, MatrixMerkleProof, MiningConfiguration, PlainProof, PublicData,
};

use crate::commit::{self, Hash32, NoiseSeeds, SeedDerivation};
use crate::jackpot::{self, PENALTY_BASE_RANK};
use crate::merkle::{self, MerkleError};
use crate::noise::SideNoise;
use crate::shape::{ShapeError, consensus_limits};

/// Which committed matrix a check is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operand {
    /// A (m×k).
    A,
    /// Bᵀ (n×k).
    Bt,
}

impl std::fmt::Display for Operand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Operand::A => "A",
            Operand::Bt => "Bᵀ",
        })
    }
}

/// A proof that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The recomputed jackpot hash (little-endian 256-bit value).
    pub hash_jackpot: Hash32,
    /// The public data a ZK certificate for this proof commits to.
    pub public_data: PublicData,
    /// `SHA256d(cert_version LE || public_data)`, the header's proof commitment.
    pub proof_commitment: Hash32,
    /// `blake3(header76 || config52)`, the key of both matrix commitments.
    pub job_key: Hash32,
    /// The noise seeds derived from the roots (per the certificate's seed derivation).
    pub noise_seeds: NoiseSeeds,
    /// The consensus bound `target·h·w·dot_len` the hash was judged against.
    pub consensus_bound: BigUint,
    /// The rank-penalised bound `target·h·w·(dot_len/r)·128` the hash was judged against.
    pub penalized_bound: BigUint,
}

/// The check a proof failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// Only int7 certificates (1, 2, 3) are plain-verifiable here.
    #[error(
        "certificate version {0} is not an int7 certificate (1, 2 or 3); versions 4 (FP8) and 5 (FP16) are not supported"
    )]
    UnsupportedCertVersion(u32),
    /// A declared dimension does not fit Pearl's field width.
    #[error("proof field {field}={value} does not fit {bits} bits")]
    FieldOverflow {
        /// Field name.
        field: &'static str,
        /// Declared value.
        value: u64,
        /// Allowed width.
        bits: u32,
    },
    /// A Merkle tree's declared leaf count disagrees with the declared dimensions.
    #[error(
        "{operand} Merkle tree declares {declared} leaves but the proof's dimensions imply {expected}"
    )]
    TreeSize {
        /// Which matrix.
        operand: Operand,
        /// `total_leaves` in the proof.
        declared: u64,
        /// ⌈dim·k/1024⌉.
        expected: u64,
    },
    /// A row index lies outside the matrix.
    #[error("{operand} row index {index} is out of range for {dim} rows")]
    RowOutOfRange {
        /// Which matrix.
        operand: Operand,
        /// The index.
        index: u64,
        /// m or n.
        dim: u64,
    },
    /// The row indices do not form a valid tile pattern at a valid offset.
    #[error("{operand} row indices are not a valid tile pattern: {reason}")]
    Pattern {
        /// Which matrix.
        operand: Operand,
        /// Why (a detail of the proof, not a cause: it is part of the message).
        reason: PatternError,
    },
    /// A consensus limit (§4.5) is broken.
    #[error("consensus limit broken: {0}")]
    Consensus(ShapeError),
    /// Rank below 128, refused since the rank-penalty fork (a separate consensus check).
    #[error("Rank must be >= {PENALTY_BASE_RANK}: this proof uses rank {rank}")]
    RankPenalty {
        /// The rank.
        rank: u64,
    },
    /// The Merkle opening is malformed or misses bytes.
    #[error("{operand} Merkle opening is invalid: {reason}")]
    Merkle {
        /// Which matrix.
        operand: Operand,
        /// Why (a detail of the proof, not a cause: it is part of the message).
        reason: MerkleError,
    },
    /// The opening does not hash to the declared root.
    #[error("{operand} Merkle opening does not reproduce the declared root")]
    RootMismatch {
        /// Which matrix.
        operand: Operand,
    },
    /// A signal value lies outside [-64, 64].
    #[error("{operand} holds value {value}, outside the signal range [-64, 64]")]
    SignalRange {
        /// Which matrix.
        operand: Operand,
        /// The value.
        value: i8,
    },
    /// The jackpot hash is above `target·h·w·dot_len`.
    #[error("jackpot hash is above the difficulty bound: the proof does not win at this target")]
    JackpotAboveBound,
    /// The jackpot hash is above the rank-penalised bound.
    #[error("jackpot hash is above the rank-penalized difficulty bound")]
    JackpotAbovePenalizedBound,
}

fn narrow(field: &'static str, value: u64, bits: u32) -> Result<u64, VerifyError> {
    // `checked_shr` rather than a `bits < 64` guard: the guard's `<` and `<=` would be the same
    // for every width used here (a mutant no test could tell apart).
    if value.checked_shr(bits).is_some_and(|high| high != 0) {
        return Err(VerifyError::FieldOverflow { field, value, bits });
    }
    Ok(value)
}

fn pattern_of(
    operand: Operand,
    matrix: &MatrixMerkleProof,
    dim: u64,
) -> Result<(PeriodicPattern, u32), VerifyError> {
    let mut indices = Vec::with_capacity(matrix.row_indices.len());
    for &index in &matrix.row_indices {
        if index >= dim {
            return Err(VerifyError::RowOutOfRange {
                operand,
                index,
                dim,
            });
        }
        // dim <= 2^32 here (checked by narrow), so the index fits u32.
        indices.push(index as u32);
    }
    PeriodicPattern::split_offset(&indices)
        .map_err(|reason| VerifyError::Pattern { operand, reason })
}

fn check_tree(
    operand: Operand,
    matrix: &MatrixMerkleProof,
    dim: u64,
    k: u64,
) -> Result<(), VerifyError> {
    // dim and k are below 2^32 here; their product may not fit u64 arithmetic checks.
    let expected_wide = (u128::from(dim) * u128::from(k)).div_ceil(crate::MERKLE_CHUNK_LEN as u128);
    let expected = u64::try_from(expected_wide).unwrap_or(u64::MAX);
    if u128::from(matrix.proof.total_leaves) != expected_wide {
        return Err(VerifyError::TreeSize {
            operand,
            declared: matrix.proof.total_leaves,
            expected,
        });
    }
    Ok(())
}

/// Opens and range-checks the first `dot_len` bytes of every tile row of one matrix.
fn strips(
    operand: Operand,
    matrix: &MatrixMerkleProof,
    job_key: &Hash32,
    k: u64,
    dot_len: u64,
) -> Result<Vec<Vec<u8>>, VerifyError> {
    let opening = &matrix.proof;
    let mut out = Vec::with_capacity(matrix.row_indices.len());
    for &row in &matrix.row_indices {
        let strip = merkle::extract_bytes(opening, row * k, dot_len)
            .map_err(|reason| VerifyError::Merkle { operand, reason })?;
        if let Some(&bad) = strip.iter().find(|&&b| !(-64..=64).contains(&(b as i8))) {
            return Err(VerifyError::SignalRange {
                operand,
                value: bad as i8,
            });
        }
        out.push(strip);
    }
    let root = merkle::recompute_root(job_key, opening)
        .map_err(|reason| VerifyError::Merkle { operand, reason })?;
    if root != opening.root {
        return Err(VerifyError::RootMismatch { operand });
    }
    Ok(out)
}

fn noised(noise: &SideNoise, indices: &[u64], strips: &[Vec<u8>]) -> Vec<Vec<i8>> {
    let mut dense = Vec::new();
    indices
        .iter()
        .zip(strips)
        .map(|(&index, strip)| {
            let mut line = vec![0i8; strip.len()];
            noise.noised(index as usize, strip, &mut dense, &mut line);
            line
        })
        .collect()
}

/// Verifies against the target encoded in `header.nbits`.
pub fn verify_plain_proof(
    header: &IncompleteBlockHeader,
    proof: &PlainProof,
    cert_version: u32,
) -> Result<Verified, VerifyError> {
    verify_plain_proof_with_target(header, proof, cert_version, &nbits_to_target(header.nbits))
}

/// Verifies against an explicit full target (e.g. the gateway job's `target` or a share
/// target): shape and consensus limits, rank penalty, pattern recovery, Merkle openings,
/// signal range, noise, transcript, and both jackpot bounds.
pub fn verify_plain_proof_with_target(
    header: &IncompleteBlockHeader,
    proof: &PlainProof,
    cert_version: u32,
    target: &BigUint,
) -> Result<Verified, VerifyError> {
    let derivation = SeedDerivation::for_cert_version(cert_version)
        .ok_or(VerifyError::UnsupportedCertVersion(cert_version))?;
    let m = narrow("m", proof.m, 32)?;
    let n = narrow("n", proof.n, 32)?;
    let k = narrow("k", proof.k, 32)?;
    let rank = narrow("noise_rank", proof.noise_rank, 16)?;
    check_tree(Operand::A, &proof.a, m, k)?;
    check_tree(Operand::Bt, &proof.bt, n, k)?;
    let (rows, t_rows) = pattern_of(Operand::A, &proof.a, m)?;
    let (cols, t_cols) = pattern_of(Operand::Bt, &proof.bt, n)?;
    let (k, rank) = (k as u32, rank as u32);
    consensus_limits(m, n, k, rank, &rows, &cols, t_rows, t_cols)
        .map_err(VerifyError::Consensus)?;
    if rank < PENALTY_BASE_RANK {
        return Err(VerifyError::RankPenalty {
            rank: u64::from(rank),
        });
    }
    let dot_len = jackpot::dot_len(k, rank);

    // rank <= 1024 after consensus_limits, so it fits u16.
    let config = MiningConfiguration::dense(k, rank as u16, rows, cols);
    let job_key = commit::job_key(&header.to_bytes(), &config.to_bytes());
    let a_strips = strips(
        Operand::A,
        &proof.a,
        &job_key,
        u64::from(k),
        u64::from(dot_len),
    )?;
    let b_strips = strips(
        Operand::Bt,
        &proof.bt,
        &job_key,
        u64::from(k),
        u64::from(dot_len),
    )?;

    let hash_a = proof.a.proof.root;
    let hash_b = proof.bt.proof.root;
    // m, n <= 2^24 after consensus_limits.
    let seeds = commit::noise_seeds(derivation, &job_key, &hash_a, &hash_b, m as u32, n as u32);
    let a_noise = SideNoise::for_a(&seeds.a, dot_len as usize, rank);
    let b_noise = SideNoise::for_b(&seeds.b, dot_len as usize, rank);
    let a_rows = noised(&a_noise, &proof.a.row_indices, &a_strips);
    let b_rows = noised(&b_noise, &proof.bt.row_indices, &b_strips);
    let transcript = jackpot::tile_jackpot(&a_rows, &b_rows, rank as usize, dot_len as usize);
    let hash_jackpot = jackpot::jackpot_hash(&transcript, &seeds.a);

    let (h, w) = (rows.len() as u32, cols.len() as u32);
    let (consensus_bound, penalized_bound) =
        check_jackpot_bounds(&hash_jackpot, target, h, w, dot_len, rank)?;

    let public_data = PublicData {
        config,
        hash_a,
        hash_b,
        hash_jackpot,
        m: m as u32,
        n: n as u32,
        t_rows,
        t_cols,
    };
    let proof_commitment = proof_commitment(cert_version, &public_data.to_bytes());
    Ok(Verified {
        hash_jackpot,
        public_data,
        proof_commitment,
        job_key,
        noise_seeds: seeds,
        consensus_bound,
        penalized_bound,
    })
}

/// Pearl's two win checks on a jackpot hash read as a little-endian integer: at most the
/// consensus bound `target·h·w·dot_len`, then at most the rank-penalised bound
/// `target·h·w·(dot_len/r)·128` (both inclusive). Returns the two bounds.
pub fn check_jackpot_bounds(
    hash_jackpot: &Hash32,
    target: &BigUint,
    h: u32,
    w: u32,
    dot_len: u32,
    rank: u32,
) -> Result<(BigUint, BigUint), VerifyError> {
    let value = jackpot::hash_value(hash_jackpot);
    let consensus = jackpot::consensus_bound(target, h, w, dot_len);
    if value > consensus {
        return Err(VerifyError::JackpotAboveBound);
    }
    let penalized = target * BigUint::from(jackpot::penalty_factor(h, w, dot_len, rank));
    if value > penalized {
        return Err(VerifyError::JackpotAbovePenalizedBound);
    }
    Ok((consensus, penalized))
}
