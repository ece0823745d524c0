//! Full mine-then-verify runs at an easy target, tampering, seed-derivation mismatch and
//! refused certificate versions.

use pearl_miner::{
    CancelToken, Counters, Found, KernelChoice, MineError, Miner, MinerOptions, VerifyError,
    verify_plain_proof, verify_plain_proof_with_target,
};
use pearl_protocol::PlainProof;
use std::sync::atomic::Ordering;

use crate::common::{easy_job, easy_target, kernel_or_skip, tiny_shape};

fn mine(cert_version: u32, seed: u64, kernel: KernelChoice, threads: usize) -> (Found, Counters) {
    let miner = Miner::new(tiny_shape(), MinerOptions { threads, kernel })
        .expect("valid shape")
        .with_rng_seed(seed);
    let counters = Counters::default();
    let found = miner
        .mine(&easy_job(cert_version), &CancelToken::new(), &counters)
        .expect("mining runs")
        .expect("not cancelled, so a proof is found");
    (found, counters)
}

#[test]
fn mined_v3_proof_verifies_and_counters_move() {
    let job = easy_job(3);
    let (found, counters) = mine(3, 11, KernelChoice::Auto, 2);
    let verified = verify_plain_proof(&job.header, &found.proof, 3).expect("verifies from nbits");
    assert_eq!(verified, found.verified);
    assert_eq!(verified.public_data.m, 4);
    assert_eq!(verified.public_data.n, 32);
    assert_eq!(found.proof.a.row_indices.len(), 2);
    assert_eq!(found.proof.bt.row_indices.len(), 16);
    assert_eq!(counters.proofs_found.load(Ordering::Relaxed), 1);
    let tiles = counters.tiles_total.load(Ordering::Relaxed);
    assert!(tiles >= 1);
    // mac_total counts m·n·k per block of (rows period × cols period × k): 2·16·2048 per tile.
    assert_eq!(
        counters.mac_total.load(Ordering::Relaxed),
        tiles * 2 * 16 * 2048
    );
    // Round trip through the wire form still verifies.
    let decoded = PlainProof::from_bincode(&found.proof.to_bincode()).expect("decodes");
    assert!(verify_plain_proof(&job.header, &decoded, 3).is_ok());
}

/// B's signal is ternary (so noised B fits the AVX2 kernel's offset form, `NARROW_B`) and
/// A's is -1 or 0 (so noised A lies in `NARROW_A`, where the AVX2 kernel takes two k-quads a
/// step). The proof's opened rows show both, and it verifies.
#[test]
fn opened_b_rows_are_ternary_and_a_rows_binary() {
    let job = easy_job(3);
    let (found, _) = mine(3, 23, KernelChoice::Auto, 1);
    assert!(verify_plain_proof(&job.header, &found.proof, 3).is_ok());
    let bytes = |leaves: &[Vec<u8>]| {
        leaves
            .concat()
            .into_iter()
            .map(|b| b as i8)
            .collect::<Vec<_>>()
    };
    let b = bytes(&found.proof.bt.proof.leaf_data);
    assert!(
        !b.is_empty() && b.iter().all(|v| (-1..=1).contains(v)),
        "B is not ternary"
    );
    for v in [-1, 0, 1] {
        assert!(b.contains(&v), "B never holds {v}");
    }
    let a = bytes(&found.proof.a.proof.leaf_data);
    assert!(
        !a.is_empty() && a.iter().all(|v| (-1..=0).contains(v)),
        "A is not -1 or 0"
    );
    for v in [-1, 0] {
        assert!(a.contains(&v), "A never holds {v}");
    }
}

#[test]
fn portable_and_auto_kernels_find_the_same_proof() {
    let (portable, _) = mine(3, 5, KernelChoice::Portable, 1);
    let (auto, _) = mine(3, 5, KernelChoice::Auto, 1);
    assert_eq!(portable.proof, auto.proof);
}

#[test]
fn avx2_and_portable_kernels_find_the_same_proof() {
    // Auto picks VNNI where it can, so the AVX2 path (the only one offsetting B by 64) needs
    // its own run.
    if kernel_or_skip(
        "avx2_and_portable_kernels_find_the_same_proof",
        KernelChoice::Avx2,
    )
    .is_none()
    {
        return;
    }
    let (portable, _) = mine(3, 5, KernelChoice::Portable, 1);
    let (avx2, _) = mine(3, 5, KernelChoice::Avx2, 1);
    assert_eq!(portable.proof, avx2.proof);
}

#[test]
fn vnni_and_portable_kernels_find_the_same_proof() {
    if kernel_or_skip(
        "vnni_and_portable_kernels_find_the_same_proof",
        KernelChoice::Avx512Vnni,
    )
    .is_none()
    {
        return;
    }
    for seed in [5, 11] {
        let (portable, _) = mine(3, seed, KernelChoice::Portable, 1);
        let (vnni, _) = mine(3, seed, KernelChoice::Avx512Vnni, 1);
        assert_eq!(portable.proof, vnni.proof, "seed {seed}");
        assert_eq!(portable.verified, vnni.verified, "seed {seed}");
    }
}

#[test]
fn legacy_versions_mine_and_verify_too() {
    for version in [1, 2] {
        let (found, _) = mine(version, 3, KernelChoice::Auto, 1);
        assert!(verify_plain_proof(&easy_job(version).header, &found.proof, version).is_ok());
    }
}

#[test]
fn v3_proof_fails_under_legacy_seeds() {
    // Seed 11 gives a v3 proof whose legacy-derived jackpot hash misses the bound.
    let job = easy_job(3);
    let (found, _) = mine(3, 11, KernelChoice::Auto, 1);
    let legacy =
        verify_plain_proof_with_target(&job.header, &found.proof, 2, &(easy_target() >> 20u32));
    let salted = verify_plain_proof_with_target(&job.header, &found.proof, 3, &easy_target());
    assert!(salted.is_ok());
    assert_eq!(legacy, Err(VerifyError::JackpotAboveBound));
    assert_eq!(
        verify_plain_proof(&job.header, &found.proof, 2),
        Err(VerifyError::JackpotAboveBound)
    );
}

#[test]
fn tampering_any_byte_breaks_decoding_or_verification() {
    let job = easy_job(3);
    let (found, _) = mine(3, 11, KernelChoice::Auto, 1);
    let bytes = found.proof.to_bincode();
    let mut accepted = Vec::new();
    for index in 0..bytes.len() {
        let mut tampered = bytes.clone();
        tampered[index] ^= 0x01;
        if let Ok(proof) = PlainProof::from_bincode(&tampered)
            && verify_plain_proof(&job.header, &proof, 3).is_ok()
        {
            accepted.push(index);
        }
    }
    assert!(
        accepted.is_empty(),
        "tampered bytes still verify at offsets {accepted:?}"
    );
}

#[test]
fn tampered_header_fails() {
    let mut job = easy_job(3);
    let (found, _) = mine(3, 11, KernelChoice::Auto, 1);
    job.header.timestamp += 1;
    assert!(verify_plain_proof(&job.header, &found.proof, 3).is_err());
}

#[test]
fn cert_versions_4_and_5_and_unknown_are_refused() {
    let miner = Miner::new(
        tiny_shape(),
        MinerOptions {
            threads: 1,
            kernel: KernelChoice::Portable,
        },
    )
    .expect("valid");
    let (found, _) = mine(3, 11, KernelChoice::Auto, 1);
    for version in [0, 4, 5, 9] {
        let err = miner.mine(
            &easy_job(version),
            &CancelToken::new(),
            &Counters::default(),
        );
        assert_eq!(err, Err(MineError::UnsupportedCertVersion(version)));
        assert_eq!(
            verify_plain_proof(&easy_job(3).header, &found.proof, version),
            Err(VerifyError::UnsupportedCertVersion(version))
        );
    }
}

#[test]
fn cancelled_mining_returns_none() {
    let miner = Miner::new(
        tiny_shape(),
        MinerOptions {
            threads: 2,
            kernel: KernelChoice::Auto,
        },
    )
    .expect("valid");
    let mut job = easy_job(3);
    job.target = num_bigint::BigUint::from(1u8); // practically never wins
    let cancel = CancelToken::new();
    cancel.cancel();
    assert_eq!(miner.mine(&job, &cancel, &Counters::default()), Ok(None));
}

#[test]
fn unusable_targets_are_refused() {
    let miner = Miner::new(
        tiny_shape(),
        MinerOptions {
            threads: 1,
            kernel: KernelChoice::Portable,
        },
    )
    .expect("valid");
    let mut job = easy_job(3);
    job.target = num_bigint::BigUint::from(1u8) << 250u32;
    assert_eq!(
        miner.mine(&job, &CancelToken::new(), &Counters::default()),
        Err(MineError::TargetUnusable)
    );
    job.target = num_bigint::BigUint::ZERO;
    assert_eq!(
        miner.mine(&job, &CancelToken::new(), &Counters::default()),
        Err(MineError::TargetUnusable)
    );
}

fn mine_shape_and_verify(shape: pearl_miner::Shape, target_log2: u32) {
    let miner = Miner::new(
        shape,
        MinerOptions {
            threads: 2,
            kernel: KernelChoice::Auto,
        },
    )
    .expect("valid")
    .with_rng_seed(1);
    let mut job = easy_job(3);
    job.target = num_bigint::BigUint::from(1u8) << target_log2;
    job.header.nbits = pearl_protocol::target::target_to_nbits(&job.target);
    let found = miner
        .mine(&job, &CancelToken::new(), &Counters::default())
        .expect("runs")
        .expect("found");
    assert!(verify_plain_proof(&job.header, &found.proof, 3).is_ok());
}

#[test]
fn default_cpu_shape_mines_a_verifiable_proof() {
    // Bound factor 2·64·16·128 = 2^18: target 2^232 gives a win every 64 tiles.
    mine_shape_and_verify(pearl_miner::Shape::default_for_cpu(), 232);
}

#[test]
fn sixteen_column_groups_use_the_masked_fold_and_still_verify() {
    // cols [0, 16]: 16 valid offsets per period of 32, a group map that repeats every 16.
    let shape = pearl_miner::Shape {
        m: 16,
        n: 32,
        k: 2048,
        rank: 128,
        rows_pattern: (0..16).collect(),
        cols_pattern: vec![0, 16],
    };
    mine_shape_and_verify(shape, 234);
}

#[test]
fn many_column_groups_use_the_scatter_fold_and_still_verify() {
    // cols [0, 64] has 64 valid offsets per period of 128: more groups than masked folds take.
    let shape = pearl_miner::Shape {
        m: 16,
        n: 128,
        k: 2048,
        rank: 128,
        rows_pattern: (0..16).collect(),
        cols_pattern: vec![0, 64],
    };
    mine_shape_and_verify(shape, 234);
}

#[test]
fn gateway_jobs_convert_and_mine() {
    let job = easy_job(3);
    let gateway = pearl_protocol::MiningJob::from_parts(job.header, job.target.clone(), 3);
    let converted = pearl_miner::Job::from(&gateway);
    assert_eq!(converted, job);
    let miner = Miner::new(
        tiny_shape(),
        MinerOptions {
            threads: 1,
            kernel: KernelChoice::Auto,
        },
    )
    .expect("valid")
    .with_rng_seed(11);
    assert_eq!(
        miner.win_bound(&job.target),
        Some(num_bigint::BigUint::from(1u8) << 250u32)
    );
    let found = miner
        .mine(&converted, &CancelToken::new(), &Counters::default())
        .expect("runs")
        .expect("found");
    assert!(
        verify_plain_proof_with_target(
            &gateway.header,
            &found.proof,
            gateway.cert_version,
            &gateway.target
        )
        .is_ok()
    );
}

#[test]
fn further_winners_of_the_winning_block_are_counted_as_skipped() {
    // rows [0,8] × 16 columns on 16×16: eight tiles in one block. At 2^239 the bound is
    // 2^239·2·16·16·128 = 2^255, so half the tiles win and a winning block holds more.
    let shape = pearl_miner::Shape {
        m: 16,
        n: 16,
        k: 2048,
        rank: 128,
        rows_pattern: vec![0, 8],
        cols_pattern: (0..16).collect(),
    };
    let mut job = easy_job(3);
    job.target = num_bigint::BigUint::from(1u8) << 239u32;
    job.header.nbits = pearl_protocol::target::target_to_nbits(&job.target);
    let mut skipped = 0;
    for seed in 0..4 {
        let miner = Miner::new(
            shape.clone(),
            MinerOptions {
                threads: 1,
                kernel: KernelChoice::Auto,
            },
        )
        .expect("valid shape")
        .with_rng_seed(seed);
        let counters = Counters::default();
        let found = miner
            .mine(&job, &CancelToken::new(), &counters)
            .expect("mining runs")
            .expect("a proof");
        verify_plain_proof_with_target(&job.header, &found.proof, 3, &job.target)
            .expect("the first winner verifies");
        assert_eq!(counters.proofs_found.load(Ordering::Relaxed), 1);
        skipped += counters.wins_skipped.load(Ordering::Relaxed);
    }
    // Four rounds each end in a block of eight tiles where half win: at least one more
    // winner (the chance of none in all four rounds is about 1e-6, and the seeds are fixed).
    assert!(skipped >= 1, "further winners are counted");
}
