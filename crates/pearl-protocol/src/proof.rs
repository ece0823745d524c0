//! `PlainProof`: what a miner submits, in Pearl's bincode-1 wire layout.
//!
//! Layout (fixint, little-endian, `usize` = u64), in Pearl's serde field order:
//! `m, n, k, noise_rank` (u64 each), then `a` and `bt`, each a `MatrixMerkleProof` =
//! `MerkleProof` then `row_indices: Vec<u64>`; `MerkleProof` = `leaf_data` (u64 count, then per
//! leaf a u64 length that must be 1024 and the bytes), `leaf_indices: Vec<u64>`,
//! `total_leaves: u64`, `root: [u8; 32]` (no prefix), `siblings` (u64 count, 32 bytes each).
//! Last comes `moe: Option<_>`: one 0x00 byte for a dense proof. Pearl's `from_base64` also
//! accepts legacy V1 blobs without that byte; this decoder does not (it treats them as truncated).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::error::WireError;
use crate::reader::Reader;

/// Size of every Merkle leaf (one BLAKE3 chunk).
pub const MERKLE_LEAF_SIZE: usize = 1024;

const WHAT: &str = "PlainProof";

/// A multi-leaf keyed-BLAKE3 Merkle proof.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct MerkleProof {
    /// The opened leaves, each exactly 1024 bytes (a short last chunk is zero-padded).
    pub leaf_data: Vec<Vec<u8>>,
    /// The opened leaves' indices, sorted and unique.
    pub leaf_indices: Vec<u64>,
    /// Leaves in the whole tree.
    pub total_leaves: u64,
    /// The tree's root (the keyed BLAKE3 hash of the padded matrix).
    pub root: [u8; 32],
    /// Sibling hashes, in Pearl's level-by-level order.
    pub siblings: Vec<[u8; 32]>,
}

/// A Merkle proof that opens whole rows of a row-major matrix.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct MatrixMerkleProof {
    /// The Merkle proof over the matrix bytes.
    pub proof: MerkleProof,
    /// The matrix rows the tile uses.
    pub row_indices: Vec<u64>,
}

/// A dense plain proof: GEMM shape, noise rank and the openings of A and Bᵀ (`moe` is always
/// None and is encoded as one 0x00 byte).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct PlainProof {
    /// Rows of A.
    pub m: u64,
    /// Columns of B.
    pub n: u64,
    /// Common dimension.
    pub k: u64,
    /// Noise rank r.
    pub noise_rank: u64,
    /// Opening of A (m×k).
    pub a: MatrixMerkleProof,
    /// Opening of Bᵀ (n×k).
    pub bt: MatrixMerkleProof,
}

impl PlainProof {
    /// The bincode-1 wire bytes. Leaves are written with their actual length; a leaf that is
    /// not 1024 bytes produces bytes that `from_bincode` (and Pearl) reject.
    pub fn to_bincode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        for v in [self.m, self.n, self.k, self.noise_rank] {
            put_u64(&mut out, v);
        }
        encode_matrix(&mut out, &self.a);
        encode_matrix(&mut out, &self.bt);
        out.push(0); // moe: None
        out
    }

    /// Decodes the bincode-1 wire bytes: rejects truncation, length prefixes larger than the
    /// input, leaves other than 1024 bytes, MoE proofs and trailing bytes.
    pub fn from_bincode(bytes: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(bytes, WHAT);
        let m = r.u64("m")?;
        let n = r.u64("n")?;
        let k = r.u64("k")?;
        let noise_rank = r.u64("noise_rank")?;
        r.set_prefix("a.");
        let a = decode_matrix(&mut r)?;
        r.set_prefix("bt.");
        let bt = decode_matrix(&mut r)?;
        r.set_prefix("");
        match r.u8("moe")? {
            0 => {}
            1 => return Err(WireError::MoeNotSupported),
            tag => return Err(WireError::InvalidOptionTag { tag }),
        }
        r.finish()?;
        Ok(Self {
            m,
            n,
            k,
            noise_rank,
            a,
            bt,
        })
    }

    /// Standard, padded base64 of the bincode bytes (the `plain_proof` RPC parameter).
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.to_bincode())
    }

    /// Decodes the `plain_proof` RPC parameter.
    pub fn from_base64(text: &str) -> Result<Self, WireError> {
        let bytes = STANDARD.decode(text).map_err(|e| WireError::Base64 {
            what: WHAT,
            detail: e.to_string(),
        })?;
        Self::from_bincode(&bytes)
    }

    fn encoded_len(&self) -> usize {
        let matrix = |p: &MatrixMerkleProof| {
            let leaves: usize = p.proof.leaf_data.iter().map(|l| 8 + l.len()).sum();
            8 + leaves
                + 8
                + 8 * p.proof.leaf_indices.len()
                + 8
                + 32
                + 8
                + 32 * p.proof.siblings.len()
                + 8
                + 8 * p.row_indices.len()
        };
        32 + matrix(&self.a) + matrix(&self.bt) + 1
    }
}

fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_len(out: &mut Vec<u8>, len: usize) {
    put_u64(out, len as u64);
}

fn encode_matrix(out: &mut Vec<u8>, matrix: &MatrixMerkleProof) {
    let proof = &matrix.proof;
    put_len(out, proof.leaf_data.len());
    for leaf in &proof.leaf_data {
        put_len(out, leaf.len());
        out.extend_from_slice(leaf);
    }
    put_len(out, proof.leaf_indices.len());
    for &i in &proof.leaf_indices {
        put_u64(out, i);
    }
    put_u64(out, proof.total_leaves);
    out.extend_from_slice(&proof.root);
    put_len(out, proof.siblings.len());
    for sibling in &proof.siblings {
        out.extend_from_slice(sibling);
    }
    put_len(out, matrix.row_indices.len());
    for &i in &matrix.row_indices {
        put_u64(out, i);
    }
}

fn decode_matrix(r: &mut Reader<'_>) -> Result<MatrixMerkleProof, WireError> {
    let leaf_count = r.seq_len("proof.leaf_data", 8 + MERKLE_LEAF_SIZE)?;
    let mut leaf_data = Vec::with_capacity(leaf_count);
    for index in 0..leaf_count {
        let len = r.u64("proof.leaf_data[].len")?;
        if len != MERKLE_LEAF_SIZE as u64 {
            return Err(WireError::LeafSize {
                field: leaf_field(r),
                index,
                got: len,
            });
        }
        leaf_data.push(r.take(MERKLE_LEAF_SIZE, "proof.leaf_data[]")?.to_vec());
    }
    let leaf_indices = decode_u64s(r, "proof.leaf_indices")?;
    let total_leaves = r.u64("proof.total_leaves")?;
    let root = r.array("proof.root")?;
    let sibling_count = r.seq_len("proof.siblings", 32)?;
    let mut siblings = Vec::with_capacity(sibling_count);
    for _ in 0..sibling_count {
        siblings.push(r.array("proof.siblings[]")?);
    }
    let row_indices = decode_u64s(r, "row_indices")?;
    Ok(MatrixMerkleProof {
        proof: MerkleProof {
            leaf_data,
            leaf_indices,
            total_leaves,
            root,
            siblings,
        },
        row_indices,
    })
}

fn decode_u64s(r: &mut Reader<'_>, field: &str) -> Result<Vec<u64>, WireError> {
    let count = r.seq_len(field, 8)?;
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        out.push(r.u64(field)?);
    }
    Ok(out)
}

fn leaf_field(r: &Reader<'_>) -> String {
    format!("{}proof.leaf_data", r.prefix())
}
