//! Expected values and rules published in Pearl's repository (pearl-research-labs/pearl), and
//! one set of intermediate values from third-party code, checked against our miner. Only the
//! data is taken; each test cites its source file and the commit it was read at.

use num_bigint::BigUint;
use pearl_miner::commit::{SeedDerivation, noise_seeds};
use pearl_miner::jackpot::{
    FastBound, Jackpot, consensus_bound, dot_len, fold, hash_value, jackpot_hash,
    penalized_target_bound,
};
use pearl_miner::merkle::{
    MerkleTree, extract_bytes, leaf_count, leaf_indices_for_rows, recompute_root,
};
use pearl_miner::noise::{LABEL_A, LABEL_B, dense_row, dense_value};
use pearl_protocol::target::nbits_to_target;

use crate::common::hash32;

/// h·w of the patterns these Pearl tests use: rows [0, 8, 64, 72], cols [0, 1, 8, 9, 32, 33,
/// 40, 41].
const H: u32 = 4;
const W: u32 = 8;

fn pow2(bits: u32) -> BigUint {
    BigUint::from(1u8) << bits
}

fn u256_max() -> BigUint {
    pow2(256) - 1u8
}

/// miner/pearl-gateway/tests/test_comm_dataclasses.py `TestAdjustTarget`
/// (commit 4a356c318fcbe735e3bb46c1b726a36cd329b99d): block target 2^64, common_dim 8192.
#[test]
fn gateway_adjust_target_vectors() {
    let k = 8192;
    let base = penalized_target_bound(&pow2(64), H, W, dot_len(k, 128), 128).expect("usable");
    assert_eq!(base, pow2(64) * BigUint::from(H * W * 8192));
    for multiple in [2u32, 4] {
        let rank = 128 * multiple;
        let adjusted = penalized_target_bound(&pow2(64), H, W, dot_len(k, rank), rank);
        assert_eq!(adjusted, Some(&base / multiple), "rank {rank}");
    }
    // common_dim below the rank: a zero factor, "degenerate".
    assert_eq!(
        penalized_target_bound(&pow2(64), H, W, dot_len(64, 128), 128),
        None
    );
    // 2^240 · 32 · 8192 needs 258 bits: "too easy".
    assert_eq!(
        penalized_target_bound(&pow2(240), H, W, dot_len(k, 128), 128),
        None
    );
}

/// zk-pow/src/v2/api/sanity_checks.rs `rank_penalty_tests`
/// (commit 19ad19bd7b2026c58e1d219bddc241588d29730b), nbits 0x1d00ffff.
#[test]
fn zk_pow_rank_penalty_vectors() {
    let target = nbits_to_target(0x1d00_ffff);
    // Neutral at the base rank.
    let k = 4096;
    assert_eq!(
        penalized_target_bound(&target, H, W, dot_len(k, 128), 128),
        Some(consensus_bound(&target, H, W, dot_len(k, 128)))
    );
    // Divides in proportion to the rank at k = 65536.
    for multiple in [2u32, 4, 8] {
        let rank = 128 * multiple;
        let k = 65536;
        assert_eq!(
            penalized_target_bound(&target, H, W, dot_len(k, rank), rank),
            Some(consensus_bound(&target, H, W, dot_len(k, rank)) / multiple),
            "rank {rank}"
        );
    }
    // penalized_target_bound_scales_the_target: 2^200 at k = 4096.
    let at_128 = penalized_target_bound(&pow2(200), H, W, dot_len(4096, 128), 128).expect("fits");
    assert_eq!(at_128, pow2(200) * BigUint::from(H * W * 4096));
    let at_256 = penalized_target_bound(&pow2(200), H, W, dot_len(4096, 256), 256).expect("fits");
    assert_eq!(at_256, &at_128 / 2u8);
    // penalized_target_bound_rejects_unusable_inputs.
    assert_eq!(
        penalized_target_bound(&pow2(200), H, W, dot_len(64, 128), 128),
        None
    );
    let factor = BigUint::from(H * W * (4096 / 128) * 128);
    let largest = u256_max() / &factor;
    let bound = |t: &BigUint| penalized_target_bound(t, H, W, dot_len(4096, 128), 128);
    assert!(bound(&largest).is_some());
    assert_eq!(bound(&(largest + 1u8)), None);
    assert_eq!(bound(&u256_max()), None);
}

/// node/zkpow/rank_penalty_test.go `TestCheckRankPenaltyBound`
/// (commit b1e6cfa43c7fa1d8a1282c03a976590c5887e4da) with `DefaultNBits` = 0x1E01FFFF from
/// node/zkpow/miner.go (commit 51a6e11bef44302e573c14db67cee42380c41d51): the bound is
/// target·h·w·(k/rank)·128, the jackpot is read little-endian, a jackpot at the bound wins and
/// one above loses.
#[test]
fn go_rank_penalty_bound_is_inclusive_and_little_endian() {
    let target = nbits_to_target(0x1e01_ffff);
    assert_eq!(target, BigUint::from(0x01ffffu32) << (8 * (0x1e - 3)));
    let k = 8192u32;
    for rank in [128u32, 256, 512] {
        let expected = &target * BigUint::from(u64::from(H * W) * u64::from(k / rank) * 128);
        let bound = penalized_target_bound(&target, H, W, dot_len(k, rank), rank).expect("fits");
        assert_eq!(bound, expected, "rank {rank}");
        let fast = FastBound::new(&bound);
        let at = little_endian(&bound);
        let above = little_endian(&(&bound + 1u8));
        assert_eq!(hash_value(&at), bound);
        assert!(
            fast.accepts(&at),
            "rank {rank}: a jackpot at the bound wins"
        );
        assert!(
            !fast.accepts(&above),
            "rank {rank}: a jackpot above it loses"
        );
    }
}

fn little_endian(value: &BigUint) -> [u8; 32] {
    let mut bytes = value.to_bytes_le();
    assert!(bytes.len() <= 32, "value fits 256 bits");
    bytes.resize(32, 0);
    bytes.try_into().expect("32 bytes")
}

/// Weaker evidence (third-party): a C++ XDNA miner's self-test (found by code search; the index
/// did not name its repository) pins the salted roots bind_root_a(0xAA…, 192) and
/// bind_root_b(0xBB…, 320). Feeding them to the legacy chain must give Pearl's salted seeds
/// (zk-pow/src/api/seed.rs, commit 19ad19bd7b2026c58e1d219bddc241588d29730b), as Pearl's
/// `test_salted_moe_fold_order` (miner/miner-base/tests/test_commitment_hash.py, commit
/// 146ae0f3369acc86504d49fd31a2b7d8a55695a6) states: salting first, then the unchanged chain.
#[test]
fn third_party_bound_roots_feed_the_legacy_chain_to_the_salted_seeds() {
    let job_key = [0x11u8; 32];
    let bound_a = hash32("8310b848ff095c9af7256f6a52557cce1dec3f51cd48eb63d494036de6f5e56a");
    let bound_b = hash32("36fd9f94a38303d8b0a8bc2a6b71ac89c8337505afbd6e118f6868e06fc1d48d");
    let via_bound = noise_seeds(SeedDerivation::Legacy, &job_key, &bound_a, &bound_b, 0, 0);
    let salted = noise_seeds(
        SeedDerivation::Salted,
        &job_key,
        &[0xAA; 32],
        &[0xBB; 32],
        192,
        320,
    );
    assert_eq!(via_bound, salted);
    assert_eq!(
        salted.b,
        hash32("60ed9b73c5a9599b200b6cd563e7f0d5d9a67d2402d85fd4ef966c580080d0e5")
    );
    assert_eq!(
        salted.a,
        hash32("301784168005ec833ab0aa60006f7fe7faaa95307d8c1fc6819b2ffdd717eccf")
    );
}

/// miner/vulkan-miner/tests/integration_test.rs `test_glsl_noise_gen_message_layout`
/// (commit 6c17d1436bd1cc8548caac90cf87cd997401ec19) and zk-pow/src/v2/circuit/pearl_noise.rs
/// `get_random_hash` (commit ea22469064aec529bd2ff277e048a20b91905164): a dense-noise digest is
/// keyed BLAKE3 (key = noise seed) of 64 bytes, `index + 1` as u32 LE in bytes 0..4 and the
/// zero-padded label ("A_tensor"/"B_tensor") in bytes 32..64; each byte maps to
/// `(byte & 63) − 32`.
#[test]
fn dense_noise_uses_pearls_prf_message_layout() {
    let seed = *blake3::hash(b"noise_test_key").as_bytes();
    let mut label_a = [0u8; 32];
    label_a[..8].copy_from_slice(b"A_tensor");
    let mut label_b = [0u8; 32];
    label_b[..8].copy_from_slice(b"B_tensor");
    assert_eq!(LABEL_A, label_a);
    assert_eq!(LABEL_B, label_b);
    for index in [0u32, 1, 42, 127, 255] {
        let mut message = [0u8; 64];
        message[0..4].copy_from_slice(&(index + 1).to_le_bytes());
        message[32..].copy_from_slice(&label_a);
        let digest = blake3::keyed_hash(&seed, &message);
        let expected: Vec<i8> = digest
            .as_bytes()
            .iter()
            .map(|&b| (b & 63) as i8 - 32)
            .collect();
        // Rank 32: row `index` is exactly digest `index`.
        let mut row = vec![0i8; 32];
        dense_row(&seed, &LABEL_A, index as usize, &mut row);
        assert_eq!(row, expected, "row {index}");
    }
    assert_eq!(dense_value(0), -32);
    assert_eq!(dense_value(0x3f), 31);
    assert_eq!(dense_value(0xff), 31);
}

/// zk-pow/src/v2/mine.rs `try_mine_one` (commit 19ad19bd7b2026c58e1d219bddc241588d29730b) and
/// miner/vulkan-miner/tests/integration_test.rs `test_jackpot_hash_glsl_style_vs_blake3_crate`
/// (commit 6c17d1436bd1cc8548caac90cf87cd997401ec19): block `b` folds into word `b mod 16` as
/// `rotl(word, 13) ^ xor`, and the jackpot hash is keyed BLAKE3 (key = a_noise_seed) of the 16
/// words as 64 little-endian bytes.
#[test]
fn jackpot_fold_and_hash_follow_pearls_definition() {
    let mut jackpot: Jackpot = [0; 16];
    fold(&mut jackpot, 0, 0x8000_0001);
    fold(&mut jackpot, 16, 0x0000_3003);
    // Block 16 folds into word 0 again: rotl(0x80000001, 13) = 0x00003000, then XOR 0x3003.
    // The bits overlap, so an OR or an AND would give 0x3003 or 0x3000: every word of the
    // known-answer proofs is folded once from 0 (k/r = 16), where OR and XOR agree, so this is
    // the test that tells them apart.
    assert_eq!(jackpot[0], 0x8000_0001u32.rotate_left(13) ^ 0x3003);
    assert_eq!(jackpot[0], 0x0000_0003);
    assert!(jackpot[1..].iter().all(|&w| w == 0));
    // A third fold into the same word, and one into word 1 (block 17).
    fold(&mut jackpot, 32, 0xffff_0000);
    fold(&mut jackpot, 17, 0x0000_0005);
    assert_eq!(jackpot[0], 0xffff_6000);
    assert_eq!(jackpot[1], 5);
    let key = *blake3::hash(b"jackpot_test_key").as_bytes();
    let words: Jackpot = std::array::from_fn(|i| (i as u32).wrapping_mul(0x9E37_79B9));
    let mut message = [0u8; 64];
    for (i, word) in words.iter().enumerate() {
        message[4 * i..4 * i + 4].copy_from_slice(&word.to_le_bytes());
    }
    assert_eq!(
        jackpot_hash(&words, &key),
        *blake3::keyed_hash(&key, &message).as_bytes()
    );
}

const KEY: [u8; 32] = *b"0123456789abcdef0123456789abcdef";

fn test_data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 256) as u8).collect()
}

/// pearl-blake3/src/merkle.rs tests (commit 36dba3887fa5c5ed9a7e78d5ce56a420441eec20):
/// `test_root_matches_blake3_hash`, `test_leaf_count`, `test_4_leaf_proof_lengths`,
/// `test_proof_dedup_and_ordering`, `test_full_tree_proof`, `test_single_chunk_tree_proof_roundtrip`.
#[test]
fn merkle_tree_matches_pearl_blake3_tests() {
    for chunks in [1usize, 2, 3, 5, 7, 10] {
        let data = test_data(chunks * 1024);
        let tree = MerkleTree::build(&KEY, &data);
        assert_eq!(
            tree.root(),
            *blake3::keyed_hash(&KEY, &data).as_bytes(),
            "{chunks} chunks"
        );
    }
    for (size, leaves) in [(1024, 1), (2048, 2), (3072, 3), (1025, 2), (100, 1)] {
        assert_eq!(leaf_count(size), leaves, "size {size}");
        assert_eq!(
            MerkleTree::build(&KEY, &test_data(size)).num_leaves(),
            leaves
        );
    }
    let four = test_data(4 * 1024);
    let tree = MerkleTree::build(&KEY, &four);
    for (indices, siblings) in [(vec![0, 1], 1), (vec![0, 2], 2), (vec![0, 1, 2, 3], 0)] {
        assert_eq!(
            tree.open(&four, &indices).siblings.len(),
            siblings,
            "{indices:?}"
        );
    }
    let eight = test_data(8 * 1024);
    let tree = MerkleTree::build(&KEY, &eight);
    let shuffled = tree.open(&eight, &[5, 3, 4, 3]);
    let sorted = tree.open(&eight, &[3, 4, 5]);
    assert_eq!(shuffled, sorted);
    assert_eq!(recompute_root(&KEY, &sorted), Ok(tree.root()));
    let all: Vec<u64> = (0..8).collect();
    assert!(tree.open(&eight, &all).siblings.is_empty());
    for indices in [
        vec![0, 2],
        vec![0, 3],
        vec![1, 3, 5],
        vec![0, 1, 4, 5],
        vec![0, 2, 3, 7],
    ] {
        let opening = tree.open(&eight, &indices);
        assert_eq!(
            recompute_root(&KEY, &opening),
            Ok(tree.root()),
            "{indices:?}"
        );
    }
    // A one-chunk tree's root is the ROOT-finalized keyed hash of the chunk.
    let one = test_data(1024);
    let tree = MerkleTree::build(&KEY, &one);
    let opening = tree.open(&one, &[0]);
    assert_eq!(opening.total_leaves, 1);
    assert_eq!(recompute_root(&KEY, &opening), Ok(tree.root()));
    let mut tampered = opening.clone();
    tampered.leaf_data[0][0] ^= 1;
    assert_ne!(recompute_root(&KEY, &tampered), Ok(tree.root()));
}

/// pearl-blake3/src/merkle.rs `test_reject_wrong_leaf_data`, `test_reject_wrong_indices`,
/// `test_reject_out_of_range_leaf_indices` (commit 36dba3887fa5c5ed9a7e78d5ce56a420441eec20).
#[test]
fn merkle_rejections_match_pearl_blake3_tests() {
    let data = test_data(8 * 1024);
    let tree = MerkleTree::build(&KEY, &data);
    let mut wrong_data = tree.open(&data, &[2, 3]);
    wrong_data.leaf_data[0] = vec![0xFF; 1024];
    assert_ne!(recompute_root(&KEY, &wrong_data), Ok(tree.root()));
    let mut wrong_indices = tree.open(&data, &[2, 3]);
    wrong_indices.leaf_indices = vec![3, 4];
    assert_ne!(recompute_root(&KEY, &wrong_indices), Ok(tree.root()));

    // Index 2 in a 2-leaf tree, with both real leaf CVs offered as siblings: must not verify.
    let two = test_data(2 * 1024);
    let tree = MerkleTree::build(&KEY, &two);
    let both = tree.open(&two, &[0, 1]);
    let mut forged = tree.open(&two, &[0]);
    forged.leaf_data = vec![vec![0xEE; 1024]];
    forged.leaf_indices = vec![2];
    forged.siblings = leaf_cvs(&both.leaf_data);
    assert!(recompute_root(&KEY, &forged).is_err());
}

fn leaf_cvs(leaves: &[Vec<u8>]) -> Vec<[u8; 32]> {
    use blake3::hazmat::HasherExt;
    leaves
        .iter()
        .enumerate()
        .map(|(i, leaf)| {
            let mut hasher = blake3::Hasher::new_keyed(&KEY);
            hasher.set_input_offset(i as u64 * 1024);
            hasher.update(leaf);
            hasher.finalize_non_root()
        })
        .collect()
}

/// pearl-blake3/src/merkle.rs `test_leaf_indices_from_rows`, `test_extract_bytes`,
/// `test_extract_bytes_fails_for_missing_leaves`
/// (commit 36dba3887fa5c5ed9a7e78d5ce56a420441eec20).
#[test]
fn leaf_indices_and_byte_extraction_match_pearl_blake3_tests() {
    assert_eq!(leaf_indices_for_rows(&[0, 2], 1024), vec![0, 2]);
    assert_eq!(leaf_indices_for_rows(&[0, 2], 512), vec![0, 1]);
    assert_eq!(leaf_indices_for_rows(&[0], 1500), vec![0, 1]);

    let data = test_data(4 * 1024);
    let tree = MerkleTree::build(&KEY, &data);
    let opening = tree.open(&data, &[1, 2]);
    assert_eq!(
        extract_bytes(&opening, 1024, 64),
        Ok(data[1024..1088].to_vec())
    );
    assert_eq!(
        extract_bytes(&opening, 2048 - 32, 64),
        Ok(data[2048 - 32..2048 + 32].to_vec())
    );
    let only_one = tree.open(&data, &[1]);
    assert!(extract_bytes(&only_one, 0, 64).is_err());
}
