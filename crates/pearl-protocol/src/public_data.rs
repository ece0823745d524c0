//! The 164-byte dense public data of a proof, and the header's proof commitment.

use crate::error::WireError;
use crate::header::sha256d;
use crate::mining_config::{MiningConfiguration, MmaType};
use crate::pattern::PeriodicPattern;
use crate::proof::{MERKLE_LEAF_SIZE, PlainProof};
use crate::reader::Reader;

/// Size of dense public data.
pub const PUBLIC_DATA_SIZE: usize = 164;

/// What a ZK certificate proves about: config ‖ hash_a ‖ hash_b ‖ hash_jackpot ‖ m ‖ n ‖
/// t_rows ‖ t_cols (u32 LE). The hashes are the raw (unsalted) Merkle roots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicData {
    /// The mining configuration.
    pub config: MiningConfiguration,
    /// Root of A (keyed BLAKE3 with the job key).
    pub hash_a: [u8; 32],
    /// Root of Bᵀ.
    pub hash_b: [u8; 32],
    /// The winning tile's jackpot hash.
    pub hash_jackpot: [u8; 32],
    /// Rows of A.
    pub m: u32,
    /// Columns of B.
    pub n: u32,
    /// First row of the tile.
    pub t_rows: u32,
    /// First column of the tile.
    pub t_cols: u32,
}

impl PublicData {
    /// The 164-byte wire form.
    pub fn to_bytes(&self) -> [u8; PUBLIC_DATA_SIZE] {
        let mut out = [0u8; PUBLIC_DATA_SIZE];
        out[0..52].copy_from_slice(&self.config.to_bytes());
        out[52..84].copy_from_slice(&self.hash_a);
        out[84..116].copy_from_slice(&self.hash_b);
        out[116..148].copy_from_slice(&self.hash_jackpot);
        out[148..152].copy_from_slice(&self.m.to_le_bytes());
        out[152..156].copy_from_slice(&self.n.to_le_bytes());
        out[156..160].copy_from_slice(&self.t_rows.to_le_bytes());
        out[160..164].copy_from_slice(&self.t_cols.to_le_bytes());
        out
    }

    /// Decodes exactly 164 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::exact(bytes, "PublicData", PUBLIC_DATA_SIZE)?;
        let data = Self {
            config: MiningConfiguration::from_bytes(r.take(MiningConfiguration::SIZE, "config")?)?,
            hash_a: r.array("hash_a")?,
            hash_b: r.array("hash_b")?,
            hash_jackpot: r.array("hash_jackpot")?,
            m: r.u32("m")?,
            n: r.u32("n")?,
            t_rows: r.u32("t_rows")?,
            t_cols: r.u32("t_cols")?,
        };
        r.finish()?;
        Ok(data)
    }
}

impl PublicData {
    /// The dense statement the gateway derives from a plain proof (Pearl's `parse_proof`, less
    /// the Merkle openings): m, n, k as u32 and the rank as u16; each tree's `total_leaves` equal
    /// to ⌈m·k/1024⌉ and ⌈n·k/1024⌉; A's rows below m; both index lists split into
    /// (pattern, offset). `hash_a`/`hash_b` are the raw roots; `hash_jackpot` is the verifier's.
    pub fn from_plain_proof(proof: &PlainProof, hash_jackpot: [u8; 32]) -> Result<Self, WireError> {
        let m = narrow::<u32>(proof.m, "m")?;
        let n = narrow::<u32>(proof.n, "n")?;
        let k = narrow::<u32>(proof.k, "k")?;
        let rank = narrow::<u16>(proof.noise_rank, "noise_rank")?;
        check_leaves(
            proof.a.proof.total_leaves,
            m,
            k,
            "a.proof.total_leaves",
            "m",
        )?;
        check_leaves(
            proof.bt.proof.total_leaves,
            n,
            k,
            "bt.proof.total_leaves",
            "n",
        )?;
        if let Some(&row) = proof.a.row_indices.iter().find(|&&row| row >= u64::from(m)) {
            return Err(WireError::ProofField {
                field: "a.row_indices",
                detail: format!("row {row} is out of range for m={m}"),
            });
        }
        let (rows_pattern, t_rows) = split(&proof.a.row_indices, "a.row_indices")?;
        let (cols_pattern, t_cols) = split(&proof.bt.row_indices, "bt.row_indices")?;
        Ok(Self {
            config: MiningConfiguration {
                common_dim: k,
                rank,
                mma_type: MmaType::Int7xInt7ToInt32,
                rows_pattern,
                cols_pattern,
                reserved: [0; 32],
            },
            hash_a: proof.a.proof.root,
            hash_b: proof.bt.proof.root,
            hash_jackpot,
            m,
            n,
            t_rows,
            t_cols,
        })
    }
}

fn narrow<T: TryFrom<u64>>(value: u64, field: &'static str) -> Result<T, WireError> {
    T::try_from(value).map_err(|_| WireError::ProofField {
        field,
        detail: format!("{value} does not fit in {}", std::any::type_name::<T>()),
    })
}

/// `declared` must equal ⌈rows·k/1024⌉.
fn check_leaves(
    declared: u64,
    rows: u32,
    k: u32,
    field: &'static str,
    rows_name: &str,
) -> Result<(), WireError> {
    let expected = (u64::from(rows) * u64::from(k)).div_ceil(MERKLE_LEAF_SIZE as u64);
    if declared == expected {
        return Ok(());
    }
    Err(WireError::ProofField {
        field,
        detail: format!(
            "the Merkle tree declares {declared} leaves but {rows_name}={rows} k={k} imply {expected}"
        ),
    })
}

fn split(indices: &[u64], field: &'static str) -> Result<(PeriodicPattern, u32), WireError> {
    let narrowed = indices
        .iter()
        .map(|&i| u32::try_from(i))
        .collect::<Result<Vec<u32>, _>>()
        .map_err(|_| WireError::ProofField {
            field,
            detail: "an index does not fit in u32".to_owned(),
        })?;
    PeriodicPattern::split_offset(&narrowed)
        .map_err(|reason| WireError::ProofIndices { field, reason })
}

/// The header's proof commitment: SHA256d(cert_version u32 LE ‖ public_data).
pub fn proof_commitment(cert_version: u32, public_data: &[u8; PUBLIC_DATA_SIZE]) -> [u8; 32] {
    let mut message = [0u8; 4 + PUBLIC_DATA_SIZE];
    message[..4].copy_from_slice(&cert_version.to_le_bytes());
    message[4..].copy_from_slice(public_data);
    sha256d(&message)
}
