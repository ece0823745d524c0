//! MiningConfiguration byte layout and Pearl's decode checks.

use pearl_protocol::WireError;
use pearl_protocol::mining_config::{MiningConfiguration, MmaType};
use pearl_protocol::pattern::PeriodicPattern;

use crate::hex;

pub(crate) fn sample_config() -> MiningConfiguration {
    MiningConfiguration::dense(
        2048,
        128,
        PeriodicPattern::from_list(&[0, 8]).unwrap(),
        PeriodicPattern::from_list(&[0, 1, 8, 9, 32, 33, 40, 41]).unwrap(),
    )
}

fn sample_bytes() -> Vec<u8> {
    let mut bytes = hex("00080000 8000 0000 070100000000 000103010101");
    bytes.extend([0u8; 32]);
    bytes
}

#[test]
fn layout_matches_hand_built_bytes() {
    let config = sample_config();
    assert_eq!(config.to_bytes().to_vec(), sample_bytes());
    assert_eq!(
        MiningConfiguration::from_bytes(&sample_bytes()).unwrap(),
        config
    );
    assert_eq!(config.mma_type, MmaType::Int7xInt7ToInt32);
    assert!(config.is_dense());
    assert_eq!(config.moe_trailer(), (0, 0));
    assert_eq!(config.dot_len(), Some(2048));
}

#[test]
fn dot_len_drops_the_partial_rank_block_and_survives_rank_zero() {
    let mut config = sample_config();
    config.common_dim = 2100;
    assert_eq!(config.dot_len(), Some(2048));
    config.rank = 0;
    assert_eq!(config.dot_len(), None);
}

#[test]
fn rejects_what_pearl_rejects() {
    let mut bytes = sample_bytes();
    bytes[6] = 1;
    assert_eq!(
        MiningConfiguration::from_bytes(&bytes).unwrap_err(),
        WireError::UnknownMmaType(1)
    );

    let mut bytes = sample_bytes();
    bytes[20 + 5] = 9;
    assert_eq!(
        MiningConfiguration::from_bytes(&bytes).unwrap_err(),
        WireError::ReservedNotZero { index: 5, value: 9 }
    );

    let mut bytes = sample_bytes();
    bytes[22] = 2; // top_k = 2 with e = 0
    assert_eq!(
        MiningConfiguration::from_bytes(&bytes).unwrap_err(),
        WireError::TopKWithoutExperts { top_k: 2 }
    );

    let mut bytes = sample_bytes();
    bytes[8..14].copy_from_slice(&[0, 1, 0, 1, 0, 0]);
    let err = MiningConfiguration::from_bytes(&bytes).unwrap_err();
    assert!(
        matches!(
            err,
            WireError::Pattern {
                field: "rows_pattern",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("rows_pattern"));

    assert!(matches!(
        MiningConfiguration::from_bytes(&sample_bytes()[..51]).unwrap_err(),
        WireError::WrongLength {
            expected: 52,
            got: 51,
            ..
        }
    ));
}

#[test]
fn moe_trailer_decodes_but_is_not_dense() {
    let mut bytes = sample_bytes();
    bytes[20] = 8; // e = 8
    bytes[22] = 2; // top_k = 2
    let config = MiningConfiguration::from_bytes(&bytes).unwrap();
    assert_eq!(config.moe_trailer(), (8, 2));
    assert!(!config.is_dense());
    assert_eq!(config.to_bytes().to_vec(), bytes);
}
