//! Integration tests for pearl-rpc: one binary, one module per topic.

mod gateway;

use pearl_protocol::proof::{MERKLE_LEAF_SIZE, MatrixMerkleProof, MerkleProof, PlainProof};

fn leaf(seed: u8) -> Vec<u8> {
    (0..MERKLE_LEAF_SIZE)
        .map(|i| (i as u8).wrapping_mul(31) ^ seed)
        .collect()
}

/// A small, well-formed proof to submit (its contents are never verified by these tests).
pub(crate) fn sample_proof() -> PlainProof {
    PlainProof {
        m: 256,
        n: 128,
        k: 2048,
        noise_rank: 128,
        a: MatrixMerkleProof {
            proof: MerkleProof {
                leaf_data: vec![leaf(1), leaf(2)],
                leaf_indices: vec![4, 9],
                total_leaves: 512,
                root: [0xaa; 32],
                siblings: vec![[1; 32], [2; 32], [3; 32]],
            },
            row_indices: vec![2, 10],
        },
        bt: MatrixMerkleProof {
            proof: MerkleProof {
                leaf_data: vec![leaf(3)],
                leaf_indices: vec![0],
                total_leaves: 256,
                root: [0xbb; 32],
                siblings: vec![[4; 32]],
            },
            row_indices: vec![0],
        },
    }
}
