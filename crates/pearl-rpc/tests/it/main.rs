//! Integration tests for pearl-rpc: one binary, one module per topic.

mod gateway;

use pearl_protocol::proof::{MERKLE_LEAF_SIZE, MatrixMerkleProof, MerkleProof, PlainProof};

/// A small, well-formed proof to submit (the client never verifies what it sends).
pub(crate) fn sample_proof() -> PlainProof {
    let tree = |seed: u8| MatrixMerkleProof {
        proof: MerkleProof {
            leaf_data: vec![vec![seed; MERKLE_LEAF_SIZE]],
            leaf_indices: vec![u64::from(seed)],
            total_leaves: 512,
            root: [seed; 32],
            siblings: vec![[seed.wrapping_add(1); 32]; 9],
        },
        row_indices: vec![u64::from(seed) * 2],
    };
    PlainProof {
        m: 256,
        n: 128,
        k: 2048,
        noise_rank: 128,
        a: tree(0xaa),
        bt: tree(0x0b),
    }
}
