//! Public data layout and the proof commitment.

use pearl_protocol::header::sha256d;
use pearl_protocol::public_data::{PUBLIC_DATA_SIZE, PublicData, proof_commitment};

use crate::mining_config::sample_config;

fn sample() -> PublicData {
    PublicData {
        config: sample_config(),
        hash_a: [0x11; 32],
        hash_b: [0x22; 32],
        hash_jackpot: [0x33; 32],
        m: 0x0102_0304,
        n: 256,
        t_rows: 16,
        t_cols: 64,
    }
}

#[test]
fn layout_is_config_then_hashes_then_four_le_u32s() {
    let data = sample();
    let bytes = data.to_bytes();
    let mut expected = sample_config().to_bytes().to_vec();
    expected.extend([0x11; 32]);
    expected.extend([0x22; 32]);
    expected.extend([0x33; 32]);
    expected.extend([0x04, 0x03, 0x02, 0x01]);
    expected.extend([0x00, 0x01, 0x00, 0x00]);
    expected.extend([16, 0, 0, 0]);
    expected.extend([64, 0, 0, 0]);
    assert_eq!(expected.len(), PUBLIC_DATA_SIZE);
    assert_eq!(bytes.to_vec(), expected);
    assert_eq!(PublicData::from_bytes(&bytes).unwrap(), data);
    assert_eq!(
        PublicData::from_bytes(&bytes[..163]),
        Err(pearl_protocol::WireError::WrongLength {
            what: "PublicData",
            expected: PUBLIC_DATA_SIZE,
            got: 163
        })
    );
}

#[test]
fn proof_commitment_is_sha256d_of_version_le_then_public_data() {
    let bytes = sample().to_bytes();
    let mut message = vec![3, 0, 0, 0];
    message.extend_from_slice(&bytes);
    assert_eq!(proof_commitment(3, &bytes), sha256d(&message));
    assert_ne!(proof_commitment(1, &bytes), proof_commitment(3, &bytes));
}

#[test]
fn statement_derived_from_a_plain_proof() {
    let proof = crate::proof::sample();
    let data = PublicData::from_plain_proof(&proof, [0x77; 32]).unwrap();
    assert_eq!((data.m, data.n, data.t_rows, data.t_cols), (256, 128, 2, 0));
    assert_eq!(data.config.common_dim, 2048);
    assert_eq!(data.config.rank, 128);
    assert_eq!(data.config.rows_pattern.to_list(), vec![0, 8]);
    assert_eq!(data.config.cols_pattern.to_list(), vec![0]);
    assert!(data.config.is_dense());
    assert_eq!(data.hash_a, [0xaa; 32]);
    assert_eq!(data.hash_b, [0xbb; 32]);
    assert_eq!(data.hash_jackpot, [0x77; 32]);
}

#[test]
fn statement_rejects_inconsistent_proofs() {
    use pearl_protocol::WireError;
    use pearl_protocol::pattern::PatternError;

    let mut p = crate::proof::sample();
    p.a.proof.total_leaves = 513;
    let err = PublicData::from_plain_proof(&p, [0; 32]).unwrap_err();
    assert!(
        err.to_string()
            .contains("declares 513 leaves but m=256 k=2048 imply 512"),
        "{err}"
    );

    let mut p = crate::proof::sample();
    p.m = 1 << 32;
    let err = PublicData::from_plain_proof(&p, [0; 32]).unwrap_err();
    assert!(
        matches!(err, WireError::ProofField { field: "m", .. }),
        "{err:?}"
    );

    let mut p = crate::proof::sample();
    p.a.row_indices = vec![2, 256];
    let err = PublicData::from_plain_proof(&p, [0; 32]).unwrap_err();
    assert!(err.to_string().contains("out of range for m=256"), "{err}");

    let mut p = crate::proof::sample();
    p.bt.row_indices = vec![8, 16];
    let err = PublicData::from_plain_proof(&p, [0; 32]).unwrap_err();
    assert_eq!(
        err,
        WireError::ProofIndices {
            field: "bt.row_indices",
            reason: PatternError::InvalidOffset { offset: 8 }
        }
    );

    let mut p = crate::proof::sample();
    p.a.row_indices = vec![0, 1, 4, 5, 16, 17, 20, 21, 64, 65, 68, 69, 80, 81, 84, 85];
    let err = PublicData::from_plain_proof(&p, [0; 32]).unwrap_err();
    assert!(matches!(
        err,
        WireError::ProofIndices {
            reason: PatternError::TooManyDimensions { dims: 4 },
            ..
        }
    ));
}
