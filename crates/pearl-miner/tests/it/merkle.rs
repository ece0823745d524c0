//! Merkle openings: round trips, Pearl's sibling counts, extra-sibling acceptance,
//! missing-sibling rejection, byte extraction.

use pearl_miner::commit::commit_matrix;
use pearl_miner::merkle::{
    MerkleError, MerkleTree, extract_bytes, leaf_indices_for_rows, recompute_root,
};

const KEY: [u8; 32] = *b"0123456789abcdef0123456789abcdef";

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

#[test]
fn root_is_the_keyed_hash_of_the_padded_data() {
    for len in [1024, 2048, 3000, 5 * 1024, 7777, 16 * 1024] {
        let bytes = data(len);
        let tree = MerkleTree::build(&KEY, &bytes);
        assert_eq!(tree.root(), commit_matrix(&KEY, &bytes), "len {len}");
        assert_eq!(tree.num_leaves(), len.div_ceil(1024) as u64);
        assert_eq!(tree.key(), KEY);
    }
}

#[test]
fn openings_round_trip_for_many_index_sets() {
    for leaves in [1usize, 2, 3, 4, 5, 7, 8, 13, 16, 33] {
        let bytes = data(leaves * 1024);
        let tree = MerkleTree::build(&KEY, &bytes);
        let sets: Vec<Vec<u64>> = vec![
            vec![0],
            vec![(leaves - 1) as u64],
            (0..leaves as u64).collect(),
            (0..leaves as u64).step_by(3).collect(),
            vec![(leaves / 2) as u64],
        ];
        for set in sets {
            let opening = tree.open(&bytes, &set);
            assert_eq!(
                recompute_root(&KEY, &opening),
                Ok(tree.root()),
                "{leaves} leaves, {set:?}"
            );
        }
    }
}

#[test]
fn sibling_counts_match_pearls_four_leaf_cases() {
    let bytes = data(4 * 1024);
    let tree = MerkleTree::build(&KEY, &bytes);
    assert_eq!(tree.open(&bytes, &[0, 1]).siblings.len(), 1);
    assert_eq!(tree.open(&bytes, &[0, 2]).siblings.len(), 2);
    assert_eq!(tree.open(&bytes, &[0, 1, 2, 3]).siblings.len(), 0);
    assert_eq!(tree.open(&bytes, &[5, 3, 4, 3]).leaf_indices, vec![3]);
}

#[test]
fn every_emitted_sibling_is_needed() {
    let bytes = data(13 * 1024);
    let tree = MerkleTree::build(&KEY, &bytes);
    for set in [vec![0u64, 5, 6], vec![12], vec![1, 2, 9]] {
        let opening = tree.open(&bytes, &set);
        assert!(!opening.siblings.is_empty());
        for drop in 0..opening.siblings.len() {
            let mut short = opening.clone();
            short.siblings.remove(drop);
            assert_ne!(
                recompute_root(&KEY, &short),
                Ok(tree.root()),
                "sibling {drop} of {set:?} unneeded"
            );
        }
    }
}

#[test]
fn unneeded_siblings_are_accepted_like_pearl() {
    let bytes = data(8 * 1024);
    let tree = MerkleTree::build(&KEY, &bytes);
    let mut opening = tree.open(&bytes, &[0, 2, 5]);
    opening.siblings.push([0; 32]);
    opening.siblings.push([0xBB; 32]);
    assert_eq!(recompute_root(&KEY, &opening), Ok(tree.root()));
}

#[test]
fn missing_siblings_are_rejected() {
    let bytes = data(8 * 1024);
    let tree = MerkleTree::build(&KEY, &bytes);
    let mut opening = tree.open(&bytes, &[3]);
    opening.siblings.pop();
    assert!(matches!(
        recompute_root(&KEY, &opening),
        Err(MerkleError::MissingSibling { .. })
    ));
}

#[test]
fn tampered_openings_do_not_reproduce_the_root() {
    let bytes = data(8 * 1024);
    let tree = MerkleTree::build(&KEY, &bytes);
    let opening = tree.open(&bytes, &[2, 3]);
    let mut leaf = opening.clone();
    leaf.leaf_data[0][17] ^= 1;
    assert_ne!(recompute_root(&KEY, &leaf), Ok(tree.root()));
    let mut moved = opening.clone();
    moved.leaf_indices = vec![3, 4];
    assert_ne!(recompute_root(&KEY, &moved), Ok(tree.root()));
    let mut out_of_range = opening.clone();
    out_of_range.leaf_indices = vec![2, 8];
    assert!(matches!(
        recompute_root(&KEY, &out_of_range),
        Err(MerkleError::LeafOutOfRange { .. })
    ));
    let mut unsorted = opening;
    unsorted.leaf_indices = vec![3, 2];
    assert_eq!(
        recompute_root(&KEY, &unsorted),
        Err(MerkleError::UnsortedLeaves)
    );
}

#[test]
fn rows_map_to_leaves_and_bytes_come_back() {
    // 6 rows of 700 bytes: row 2 spans bytes 1400..2100, leaves 1 and 2.
    assert_eq!(leaf_indices_for_rows(&[2], 700), vec![1, 2]);
    assert_eq!(leaf_indices_for_rows(&[0, 1], 2048), vec![0, 1, 2, 3]);
    let bytes = data(6 * 700);
    let tree = MerkleTree::build(&KEY, &bytes);
    let opening = tree.open(&bytes, &leaf_indices_for_rows(&[2], 700));
    assert_eq!(
        extract_bytes(&opening, 1400, 700).expect("covered"),
        bytes[1400..2100]
    );
    assert!(matches!(
        extract_bytes(&opening, 0, 10),
        Err(MerkleError::BytesNotCovered { .. })
    ));
    assert!(matches!(
        extract_bytes(&opening, u64::MAX, 2),
        Err(MerkleError::BytesNotCovered { .. })
    ));
}

proptest::proptest! {
    /// The tree kept and updated in place (the miner's A, one row rewritten per attempt)
    /// keeps the root equal to the keyed hash of the whole matrix.
    #[test]
    fn update_follows_every_rewrite(
        len in 1usize..9000,
        seed in proptest::prelude::any::<u8>(),
        edits in proptest::collection::vec(
            (proptest::prelude::any::<usize>(), 0usize..3000, proptest::prelude::any::<u8>()),
            1..6,
        ),
    ) {
        let key = [seed; 32];
        let mut data: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(seed | 1)).collect();
        let mut tree = MerkleTree::build(&key, &data);
        proptest::prop_assert_eq!(tree.root(), commit_matrix(&key, &data));
        for (at, span, value) in edits {
            let start = at % len;
            let end = (start + span).min(len);
            data[start..end].fill(value);
            let root = tree.update(&data, start..end);
            proptest::prop_assert_eq!(root, commit_matrix(&key, &data));
        }
    }
}

#[test]
fn update_of_the_last_byte_matches_for_power_of_two_and_odd_leaf_counts() {
    for chunks in [1usize, 2, 3, 4, 5, 7, 8, 9, 16, 31, 512] {
        let bytes = data(chunks * 1024);
        let mut tree = MerkleTree::build(&[4; 32], &bytes);
        assert_eq!(tree.root(), commit_matrix(&[4; 32], &bytes), "{chunks}");
        let mut changed = bytes.clone();
        let last = changed.len() - 1;
        changed[last] ^= 1;
        assert_eq!(
            tree.update(&changed, last..last + 1),
            commit_matrix(&[4; 32], &changed),
            "{chunks}"
        );
    }
}
