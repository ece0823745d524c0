//! Native int7 NoisyGEMM miner and independent verifier for Pearl certificates 1–3.
//!
//! The algorithm follows Pearl's `zk-pow` v2 reference (see `/work/shared/reference/
//! pearl-protocol.md` §4): keyed-BLAKE3 commitments of A and Bᵀ, (salted) noise seeds, a
//! rank-r noise PRF, cumulative i32 tile accumulators folded every r columns into a
//! 16-word transcript, its keyed hash, and the rank-penalised win bound.

pub mod bench;
pub mod commit;
mod engine;
pub mod jackpot;
pub mod kernel;
pub mod keyed_batch;
mod layout;
pub mod merkle;
mod miner;
pub mod noise;
pub mod noise_batch;
mod rng;
pub mod shape;
mod transpose;
mod verify;

/// Merkle leaf (BLAKE3 chunk) size in bytes.
pub const MERKLE_CHUNK_LEN: usize = 1024;

pub use kernel::{Kernel, KernelChoice};
pub use miner::{CancelToken, Counters, Found, Job, MineError, Miner, MinerOptions, PhaseTimes};
pub use shape::{Shape, ShapeError};
pub use verify::{
    Operand, Verified, VerifyError, check_jackpot_bounds, verify_plain_proof,
    verify_plain_proof_with_target,
};
