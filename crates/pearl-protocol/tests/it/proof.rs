//! PlainProof bincode: hand-built layout, a cross-check against real bincode 1 with Pearl's
//! struct shapes, round trips and every kind of corrupt input.

use pearl_protocol::WireError;
use pearl_protocol::proof::{MERKLE_LEAF_SIZE, MatrixMerkleProof, MerkleProof, PlainProof};
use serde::Serialize;

fn leaf(seed: u8) -> Vec<u8> {
    (0..MERKLE_LEAF_SIZE)
        .map(|i| (i as u8).wrapping_mul(31) ^ seed)
        .collect()
}

pub(crate) fn sample() -> PlainProof {
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

fn u64le(v: u64) -> [u8; 8] {
    v.to_le_bytes()
}

#[test]
fn layout_matches_hand_built_bytes() {
    let p = sample();
    let mut e = Vec::new();
    for v in [256, 128, 2048, 128] {
        e.extend(u64le(v));
    }
    // a.proof
    e.extend(u64le(2));
    for seed in [1, 2] {
        e.extend(u64le(1024));
        e.extend(leaf(seed));
    }
    e.extend(u64le(2));
    e.extend(u64le(4));
    e.extend(u64le(9));
    e.extend(u64le(512));
    e.extend([0xaa; 32]);
    e.extend(u64le(3));
    for s in 1..=3u8 {
        e.extend([s; 32]);
    }
    e.extend(u64le(2));
    e.extend(u64le(2));
    e.extend(u64le(10));
    // bt.proof
    e.extend(u64le(1));
    e.extend(u64le(1024));
    e.extend(leaf(3));
    e.extend(u64le(1));
    e.extend(u64le(0));
    e.extend(u64le(256));
    e.extend([0xbb; 32]);
    e.extend(u64le(1));
    e.extend([4; 32]);
    e.extend(u64le(1));
    e.extend(u64le(0));
    // moe: None
    e.push(0);
    assert_eq!(p.to_bincode(), e);
    assert_eq!(PlainProof::from_bincode(&e).unwrap(), p);
}

/// Pearl's structs as serde sees them: field order of `ffi/plain_proof.rs` and
/// `pearl-blake3/src/merkle.rs` (leaves serialized as byte sequences, `usize` fields).
mod pearl_shape {
    use serde::Serialize;

    #[derive(Serialize)]
    pub(super) struct MerkleProof {
        pub(super) leaf_data: Vec<Vec<u8>>,
        pub(super) leaf_indices: Vec<usize>,
        pub(super) total_leaves: usize,
        pub(super) root: [u8; 32],
        pub(super) siblings: Vec<[u8; 32]>,
    }

    #[derive(Serialize)]
    pub(super) struct MatrixMerkleProof {
        pub(super) proof: MerkleProof,
        pub(super) row_indices: Vec<usize>,
    }

    #[derive(Serialize)]
    pub(super) struct MoEProofParams {
        pub(super) e: usize,
    }

    #[derive(Serialize)]
    pub(super) struct PlainProof {
        pub(super) m: usize,
        pub(super) n: usize,
        pub(super) k: usize,
        pub(super) noise_rank: usize,
        pub(super) a: MatrixMerkleProof,
        pub(super) bt: MatrixMerkleProof,
        pub(super) moe: Option<MoEProofParams>,
    }
}

fn to_pearl(p: &PlainProof, moe: bool) -> pearl_shape::PlainProof {
    let matrix = |m: &MatrixMerkleProof| pearl_shape::MatrixMerkleProof {
        proof: pearl_shape::MerkleProof {
            leaf_data: m.proof.leaf_data.clone(),
            leaf_indices: m.proof.leaf_indices.iter().map(|&i| i as usize).collect(),
            total_leaves: m.proof.total_leaves as usize,
            root: m.proof.root,
            siblings: m.proof.siblings.clone(),
        },
        row_indices: m.row_indices.iter().map(|&i| i as usize).collect(),
    };
    pearl_shape::PlainProof {
        m: p.m as usize,
        n: p.n as usize,
        k: p.k as usize,
        noise_rank: p.noise_rank as usize,
        a: matrix(&p.a),
        bt: matrix(&p.bt),
        moe: moe.then_some(pearl_shape::MoEProofParams { e: 8 }),
    }
}

fn bincode1_fixint<T: Serialize>(value: &T) -> Vec<u8> {
    use bincode::Options as _;
    bincode::options()
        .with_fixint_encoding()
        .serialize(value)
        .unwrap()
}

#[test]
fn bytes_equal_real_bincode1_of_pearls_struct_shapes() {
    let p = sample();
    assert_eq!(p.to_bincode(), bincode1_fixint(&to_pearl(&p, false)));
    // The plain `bincode::serialize` Pearl's to_base64 calls gives the same bytes.
    assert_eq!(
        p.to_bincode(),
        bincode::serialize(&to_pearl(&p, false)).unwrap()
    );
    let empty = PlainProof::default();
    assert_eq!(
        empty.to_bincode(),
        bincode1_fixint(&to_pearl(&empty, false))
    );
}

#[test]
fn moe_proof_from_pearl_is_rejected_clearly() {
    let bytes = bincode1_fixint(&to_pearl(&sample(), true));
    let err = PlainProof::from_bincode(&bytes).unwrap_err();
    assert_eq!(err, WireError::MoeNotSupported);
    assert!(err.to_string().contains("dense-only"));
}

#[test]
fn round_trips_through_base64() {
    let p = sample();
    let text = p.to_base64();
    assert!(text.ends_with('='), "standard padded base64 expected");
    assert_eq!(PlainProof::from_base64(&text).unwrap(), p);
}

#[test]
fn every_truncation_fails_cleanly() {
    let bytes = sample().to_bincode();
    for len in 0..bytes.len() {
        match PlainProof::from_bincode(&bytes[..len]) {
            Err(WireError::Truncated { .. }) | Err(WireError::LengthPrefixTooLarge { .. }) => {}
            other => panic!("truncation to {len} bytes gave {other:?}"),
        }
    }
}

#[test]
fn trailing_byte_fails() {
    let mut bytes = sample().to_bincode();
    bytes.push(0);
    assert_eq!(
        PlainProof::from_bincode(&bytes).unwrap_err(),
        WireError::TrailingBytes {
            what: "PlainProof",
            count: 1
        }
    );
}

/// Offset of `a.proof.leaf_data`'s count.
const A_LEAF_COUNT: usize = 32;

#[test]
fn huge_length_prefix_fails_before_allocating() {
    let mut bytes = sample().to_bincode();
    bytes[A_LEAF_COUNT..A_LEAF_COUNT + 8].copy_from_slice(&u64::MAX.to_le_bytes());
    let err = PlainProof::from_bincode(&bytes).unwrap_err();
    assert!(
        matches!(&err, WireError::LengthPrefixTooLarge { field, count: u64::MAX, .. } if field == "a.proof.leaf_data"),
        "{err:?}"
    );
    assert!(err.to_string().contains("a.proof.leaf_data"));
}

#[test]
fn flipped_length_prefixes_fail() {
    let good = sample().to_bincode();
    // Every u64 length prefix in the proof, found by walking the layout above.
    let a_leaf_len = A_LEAF_COUNT + 8;
    let a_indices = A_LEAF_COUNT + 8 + 2 * (8 + 1024);
    let a_siblings = a_indices + 8 + 16 + 8 + 32;
    let a_rows = a_siblings + 8 + 3 * 32;
    for (offset, flip) in [
        (A_LEAF_COUNT, 1u8),
        (A_LEAF_COUNT, 0x80),
        (a_leaf_len, 1),
        (a_indices, 2),
        (a_siblings, 0x40),
        (a_rows, 0x10),
    ] {
        let mut bytes = good.clone();
        bytes[offset] ^= flip;
        let result = PlainProof::from_bincode(&bytes);
        assert!(
            result.is_err(),
            "flip {flip:#x} at {offset} decoded: {result:?}"
        );
    }
}

#[test]
fn leaf_of_wrong_size_is_named() {
    let mut bytes = sample().to_bincode();
    let second_leaf_len = A_LEAF_COUNT + 8 + 8 + 1024;
    bytes[second_leaf_len..second_leaf_len + 8].copy_from_slice(&1023u64.to_le_bytes());
    let err = PlainProof::from_bincode(&bytes).unwrap_err();
    assert_eq!(
        err,
        WireError::LeafSize {
            field: "a.proof.leaf_data".into(),
            index: 1,
            got: 1023
        }
    );
}

#[test]
fn bad_option_tag_fails() {
    let mut bytes = sample().to_bincode();
    *bytes.last_mut().unwrap() = 2;
    assert_eq!(
        PlainProof::from_bincode(&bytes).unwrap_err(),
        WireError::InvalidOptionTag { tag: 2 }
    );
}

#[test]
fn base64_errors_are_reported() {
    for text in ["not base64!", "AAAA=", "AA", "QUJD\n"] {
        let err = PlainProof::from_base64(text).unwrap_err();
        assert!(matches!(err, WireError::Base64 { .. }), "{text:?}: {err:?}");
    }
    // Valid base64 of a too-short proof is a wire error, not a base64 one.
    assert!(matches!(
        PlainProof::from_base64("AAAA").unwrap_err(),
        WireError::Truncated { .. }
    ));
}

#[test]
fn encoding_allocates_the_exact_size_once() {
    // `Vec::with_capacity(n)` gives exactly n: a size computed wrong shows as spare capacity
    // (too large) or as a regrown buffer (too small).
    let mut other = sample();
    other.a.proof.leaf_data.push(leaf(7));
    other.a.proof.leaf_indices.push(11);
    other.bt.proof.siblings.clear();
    other.bt.row_indices = vec![0, 1, 2, 3, 4];
    for p in [sample(), other, PlainProof::default()] {
        let bytes = p.to_bincode();
        assert_eq!(bytes.capacity(), bytes.len(), "{} bytes", bytes.len());
    }
}
