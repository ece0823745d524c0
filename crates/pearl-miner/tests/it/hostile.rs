//! Attacker-shaped proofs never panic the verifier; each is rejected with a named check.

use pearl_miner::{
    CancelToken, Counters, KernelChoice, Miner, MinerOptions, VerifyError, verify_plain_proof,
};
use pearl_protocol::PlainProof;
use proptest::prelude::*;
use std::sync::OnceLock;

use crate::common::{easy_job, tiny_shape};

fn valid_proof() -> &'static PlainProof {
    static PROOF: OnceLock<PlainProof> = OnceLock::new();
    PROOF.get_or_init(|| {
        let miner = Miner::new(
            tiny_shape(),
            MinerOptions {
                threads: 1,
                kernel: KernelChoice::Auto,
            },
        )
        .expect("valid")
        .with_rng_seed(11);
        miner
            .mine(&easy_job(3), &CancelToken::new(), &Counters::default())
            .expect("runs")
            .expect("found")
            .proof
    })
}

#[test]
fn four_dimensional_row_lists_are_rejected_not_panicking() {
    let mut proof = valid_proof().clone();
    proof.m = 128;
    proof.a.proof.total_leaves = 256;
    proof.a.row_indices = vec![0, 1, 4, 5, 16, 17, 20, 21, 64, 65, 68, 69, 80, 81, 84, 85];
    let err = verify_plain_proof(&easy_job(3).header, &proof, 3).expect_err("invalid");
    assert!(matches!(err, VerifyError::Pattern { .. }), "{err}");
}

#[test]
fn declared_leaf_count_must_match_dimensions() {
    let mut proof = valid_proof().clone();
    proof.a.proof.total_leaves += 1;
    assert_eq!(
        verify_plain_proof(&easy_job(3).header, &proof, 3),
        Err(VerifyError::TreeSize {
            operand: pearl_miner::Operand::A,
            declared: 9,
            expected: 8
        })
    );
}

#[test]
fn rank_below_128_is_its_own_verdict() {
    let mut proof = valid_proof().clone();
    proof.noise_rank = 64;
    assert_eq!(
        verify_plain_proof(&easy_job(3).header, &proof, 3),
        Err(VerifyError::RankPenalty { rank: 64 })
    );
}

#[test]
fn huge_dimensions_are_rejected() {
    let mut proof = valid_proof().clone();
    proof.m = u64::from(u32::MAX);
    proof.k = u64::from(u32::MAX);
    assert!(matches!(
        verify_plain_proof(&easy_job(3).header, &proof, 3),
        Err(VerifyError::TreeSize { .. })
    ));
    proof.m = 1 << 40;
    assert!(matches!(
        verify_plain_proof(&easy_job(3).header, &proof, 3),
        Err(VerifyError::FieldOverflow { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(proof) = PlainProof::from_bincode(&bytes) {
            let _ = verify_plain_proof(&easy_job(3).header, &proof, 3);
        }
    }

    /// Arbitrary bytes almost never decode, so this also edits a valid proof's wire form:
    /// whatever still decodes reaches the verifier, which must refuse it without panicking.
    #[test]
    fn edited_valid_proofs_never_panic_and_are_rejected(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let original = valid_proof().to_bincode();
        let mut bytes = original.clone();
        for (at, value) in edits {
            let index = at.index(bytes.len());
            bytes[index] = value;
        }
        if let Ok(proof) = PlainProof::from_bincode(&bytes) {
            let verdict = verify_plain_proof(&easy_job(3).header, &proof, 3);
            prop_assert!(bytes == original || verdict.is_err(), "edited proof verified");
        }
    }

    #[test]
    fn arbitrary_index_lists_never_panic(
        a_rows in proptest::collection::vec(0u64..64, 0..24),
        b_rows in proptest::collection::vec(any::<u64>(), 0..24),
        leaves in proptest::collection::vec(0u64..16, 0..6),
        m in 0u64..300,
        drop_siblings in 0usize..4,
    ) {
        let mut proof = valid_proof().clone();
        proof.a.row_indices = a_rows;
        proof.bt.row_indices = b_rows;
        proof.m = m;
        proof.a.proof.leaf_indices = leaves;
        let keep = proof.bt.proof.siblings.len().saturating_sub(drop_siblings);
        proof.bt.proof.siblings.truncate(keep);
        prop_assert!(verify_plain_proof(&easy_job(3).header, &proof, 3).is_err());
    }
}
