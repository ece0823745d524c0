//! PeriodicPattern: Pearl's canonical table, every rejection, offsets and the byte form.

use pearl_protocol::pattern::{PatternError, PeriodicPattern};

use crate::to_hex;

fn pattern(list: &[u32]) -> PeriodicPattern {
    PeriodicPattern::from_list(list).unwrap()
}

#[test]
fn canonical_bytes_match_pearls_table() {
    let table: [(&[u32], &str); 6] = [
        (&[0, 8], "070100000000"),
        (&[0, 8, 64, 72], "070103010000"),
        (&[0, 1, 8, 9, 32, 33, 40, 41], "000103010101"),
        (&[0, 1, 2, 3], "000300000000"),
        (&[0, 256], "ff0100000000"),
        (&[0], "000000000000"),
    ];
    for (list, expected) in table {
        let p = pattern(list);
        assert_eq!(to_hex(&p.to_bytes()), expected, "bytes of {list:?}");
        assert_eq!(p.to_list(), list, "to_list of {list:?}");
        assert_eq!(PeriodicPattern::from_bytes(p.to_bytes()).unwrap(), p);
    }
}

#[test]
fn dims_are_peeled_outermost_first_then_reversed() {
    assert_eq!(pattern(&[0, 8, 64, 72]).dims(), [(8, 2), (64, 2), (128, 1)]);
    assert_eq!(
        pattern(&[0, 1, 8, 9, 32, 33, 40, 41]).dims(),
        [(1, 2), (8, 2), (32, 2)]
    );
    assert_eq!(pattern(&[0]).dims(), [(1, 1), (1, 1), (1, 1)]);
}

#[test]
fn size_max_and_period() {
    let p = pattern(&[0, 8, 64, 72]);
    assert_eq!((p.len(), p.max_value(), p.period()), (4, 72, 128));
    let p = pattern(&[0, 8]);
    assert_eq!((p.len(), p.max_value(), p.period()), (2, 8, 16));
    let cols: Vec<u32> = (0..64).collect();
    let p = pattern(&cols);
    assert_eq!((p.len(), p.max_value(), p.period()), (64, 63, 64));
    assert!(!p.is_empty());
    // Three used dimensions: the outermost one's stride × length.
    let p = pattern(&[0, 1, 8, 9, 32, 33, 40, 41]);
    assert_eq!((p.len(), p.max_value(), p.period()), (8, 41, 64));
}

fn rejected(list: &[u32]) -> PatternError {
    PeriodicPattern::from_list(list).unwrap_err()
}

#[test]
fn rejections_carry_pearls_messages() {
    let cases: [(&[u32], &str); 8] = [
        (&[0, 1, 3], "Pattern is not periodic"),
        (&[1, 2], "Pattern must start at 0"),
        (&[], "Pattern cannot be empty"),
        (&[0, 2, 1], "Pattern must be sorted and have no duplicates"),
        (&[0, 1, 1], "Pattern must be sorted and have no duplicates"),
        (&[0, 1, 2, 4, 5, 6], "Constructed pattern is not valid"),
        (&[0, 300], "Constructed pattern is not valid"),
        (&[0, 3, 4, 7], "Constructed pattern is not valid"),
    ];
    for (list, message) in cases {
        let err = rejected(list).to_string();
        assert!(err.starts_with(message), "{list:?}: got {err:?}");
    }
}

#[test]
fn sorted_check_comes_before_start_check_as_in_pearl() {
    assert!(matches!(rejected(&[2, 1]), PatternError::NotSorted { .. }));
    assert!(matches!(
        rejected(&[3, 5]),
        PatternError::NotStartingAtZero { first: 3 }
    ));
}

#[test]
fn four_dimensional_list_is_an_error_not_a_panic() {
    let list = [0, 1, 4, 5, 16, 17, 20, 21, 64, 65, 68, 69, 80, 81, 84, 85];
    assert_eq!(rejected(&list), PatternError::TooManyDimensions { dims: 4 });
}

#[test]
fn offsets_follow_the_per_dimension_rule() {
    let rows = pattern(&[0, 8]);
    assert!(rows.offset_is_valid(0));
    assert!(rows.offset_is_valid(4));
    assert!(rows.offset_is_valid(16));
    assert!(!rows.offset_is_valid(8));
    assert!(!rows.offset_is_valid(12));
}

#[test]
fn valid_offsets_partition_the_rows() {
    for list in [
        &[0u32, 8][..],
        &[0, 8, 64, 72],
        &[0, 1, 8, 9, 32, 33, 40, 41],
    ] {
        let p = pattern(list);
        let total = 4 * p.period();
        let mut hits = vec![0u32; total as usize];
        for offset in (0..total).filter(|&o| p.offset_is_valid(o)) {
            for i in p.to_list() {
                hits[(offset + i) as usize] += 1;
            }
        }
        assert!(
            hits.iter().all(|&h| h == 1),
            "{list:?} does not tile 0..{total}"
        );
    }
}

#[test]
fn split_offset_mirrors_pearls_list_to_pattern() {
    let (p, offset) = PeriodicPattern::split_offset(&[4, 12]).unwrap();
    assert_eq!((p.to_list(), offset), (vec![0, 8], 4));
    let (p, offset) = PeriodicPattern::split_offset(&[16, 24, 80, 88]).unwrap();
    assert_eq!((p.to_list(), offset), (vec![0, 8, 64, 72], 16));
    let err = PeriodicPattern::split_offset(&[8, 16]).unwrap_err();
    assert_eq!(err, PatternError::InvalidOffset { offset: 8 });
    assert!(
        err.to_string()
            .contains("offset 8 is not valid for pattern")
    );
    assert_eq!(
        PeriodicPattern::split_offset(&[]).unwrap_err(),
        PatternError::EmptyIndices
    );
    assert!(matches!(
        PeriodicPattern::split_offset(&[5, 5]).unwrap_err(),
        PatternError::IndicesNotIncreasing { .. }
    ));
}

#[test]
fn from_bytes_rejects_non_canonical_forms() {
    // An unused dimension followed by a used one.
    let err = PeriodicPattern::from_bytes([0, 0, 1, 1, 0, 0]).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Using non-canonical representation"),
        "{err}"
    );
    // Length 1 with a factor other than 1.
    let err = PeriodicPattern::from_bytes([5, 0, 0, 0, 0, 0]).unwrap_err();
    assert!(matches!(err, PatternError::NonCanonical { dim: 0, .. }));
    // Factor 1 continuing the previous dimension: (1,2)(2,2) is really (1,4).
    let err = PeriodicPattern::from_bytes([0, 1, 0, 1, 0, 0]).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("A single stride must not be broken"),
        "{err}"
    );
    // 256*256 then 256*256 again: period 2^32.
    let err = PeriodicPattern::from_bytes([0xff, 0xff, 0xff, 0xff, 0, 0]).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Pattern must have period <= 2^24"),
        "{err}"
    );
}

#[test]
fn every_two_dimension_byte_form_round_trips_through_the_list() {
    // Exhaustive over the first two dimensions with small factors and lengths.
    for f0 in 0..8u8 {
        for l0 in 0..8u8 {
            for f1 in 0..8u8 {
                for l1 in 0..8u8 {
                    let bytes = [f0, l0, f1, l1, 0, 0];
                    let Ok(p) = PeriodicPattern::from_bytes(bytes) else {
                        continue;
                    };
                    assert_eq!(p.to_bytes(), bytes);
                    assert_eq!(p.len(), p.to_list().len());
                    assert_eq!(
                        PeriodicPattern::from_list(&p.to_list()).unwrap(),
                        p,
                        "{bytes:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn unrepresentable_lists_name_their_three_dimensions() {
    // Peeled dims innermost first, padded with (period, 1) to the wire form's three.
    assert_eq!(
        rejected(&[0, 300]),
        PatternError::NotRepresentable {
            dims: vec![(300, 2), (600, 1), (600, 1)]
        }
    );
    assert_eq!(
        rejected(&[0, 1, 2, 4, 5, 6]),
        PatternError::NotRepresentable {
            dims: vec![(1, 3), (4, 2), (8, 1)]
        }
    );
}

#[test]
fn a_period_of_exactly_2_pow_24_is_the_largest_accepted() {
    // (256 × 256) then (factor 2, length 128): period 65536 · 256 = 2^24.
    let p = PeriodicPattern::from_bytes([0xff, 0xff, 0x01, 0x7f, 0, 0]).unwrap();
    assert_eq!(p.period(), 1 << 24);
    assert_eq!(p.dims(), [(256, 256), (131_072, 128), (1 << 24, 1)]);
    // Factor 3 instead: 65536 · 3 · 128 = 25165824 > 2^24.
    assert_eq!(
        PeriodicPattern::from_bytes([0xff, 0xff, 0x02, 0x7f, 0, 0]).unwrap_err(),
        PatternError::PeriodTooLarge {
            dim: 1,
            period: 25_165_824
        }
    );
}

#[test]
fn order_errors_name_the_offending_element() {
    assert_eq!(
        rejected(&[0, 2, 4, 3]),
        PatternError::NotSorted {
            index: 3,
            value: 3,
            previous: 4
        }
    );
    assert_eq!(
        PeriodicPattern::split_offset(&[7, 9, 9]).unwrap_err(),
        PatternError::IndicesNotIncreasing {
            index: 2,
            value: 9,
            previous: 9
        }
    );
}
