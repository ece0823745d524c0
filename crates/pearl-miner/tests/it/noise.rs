//! Noise factor ranges and structure.

use pearl_miner::noise::{LABEL_A, LABEL_B, SideNoise, dense_row, dense_value, sparse_pairs};

#[test]
fn dense_values_span_minus_32_to_31() {
    let values: Vec<i8> = (0..=255u8).map(dense_value).collect();
    assert_eq!(values.iter().copied().min(), Some(-32));
    assert_eq!(values.iter().copied().max(), Some(31));
    let mut row = vec![0i8; 1024];
    dense_row(&[5; 32], &LABEL_A, 3, &mut row);
    assert!(row.iter().all(|v| (-32..=31).contains(v)));
    assert!(row.iter().any(|&v| v < -16) && row.iter().any(|&v| v > 16));
}

#[test]
fn dense_rows_are_consecutive_slices_of_one_stream() {
    // Row r of a rank-32 factor is digest r; of a rank-64 factor, digests 2r and 2r+1.
    let seed = [9u8; 32];
    let mut r64 = vec![0i8; 64];
    dense_row(&seed, &LABEL_A, 1, &mut r64);
    let mut r32_2 = vec![0i8; 32];
    let mut r32_3 = vec![0i8; 32];
    dense_row(&seed, &LABEL_A, 2, &mut r32_2);
    dense_row(&seed, &LABEL_A, 3, &mut r32_3);
    assert_eq!(&r64[..32], &r32_2[..]);
    assert_eq!(&r64[32..], &r32_3[..]);
}

#[test]
fn sparse_pairs_are_distinct_and_below_rank() {
    for rank in [32u32, 128, 1024] {
        let pairs = sparse_pairs(&[1; 32], &LABEL_A, 1000, rank);
        assert_eq!(pairs.len(), 1000);
        for [first, second] in pairs {
            assert!(u32::from(first) < rank && u32::from(second) < rank);
            assert_ne!(first, second);
        }
    }
}

#[test]
fn noise_lines_stay_in_minus_63_to_63_and_noised_operands_in_127() {
    let noise = SideNoise::for_a(&[3; 32], 2048, 128);
    let mut dense = Vec::new();
    let mut line = vec![0i8; 2048];
    let mut lo = 0i8;
    let mut hi = 0i8;
    for row in 0..16 {
        noise.line(row, &mut dense, &mut line);
        lo = lo.min(*line.iter().min().expect("non-empty"));
        hi = hi.max(*line.iter().max().expect("non-empty"));
    }
    assert!((-63..=-50).contains(&lo), "min noise {lo}");
    assert!((50..=63).contains(&hi), "max noise {hi}");
    let signal = vec![64i8 as u8; 2048];
    let mut noised = vec![0i8; 2048];
    noise.noised(0, &signal, &mut dense, &mut noised);
    noise.line(0, &mut dense, &mut line);
    for (n, l) in noised.iter().zip(&line) {
        assert_eq!(i16::from(*n), 64 + i16::from(*l));
    }
}

/// Pearl's dense factor stream straight from its definition (reference §4.3): element `idx`
/// is byte `idx % 32` of digest `idx / 32`, the keyed hash of slot 0 = `idx / 32 + 1` (i32 LE)
/// and the zero-padded label, mapped to `(byte & 63) - 32`.
fn dense_stream(seed: &[u8; 32], label: &[u8; 8], len: usize) -> Vec<i8> {
    let mut stream = Vec::with_capacity(len);
    for digest_index in 0..len.div_ceil(32) {
        let mut message = [0u8; 64];
        let slot0 = i32::try_from(digest_index + 1).expect("small index");
        message[..4].copy_from_slice(&slot0.to_le_bytes());
        message[32..40].copy_from_slice(label);
        let digest = blake3::keyed_hash(seed, &message);
        stream.extend(digest.as_bytes().iter().map(|&b| (b % 64) as i8 - 32));
    }
    stream.truncate(len);
    stream
}

#[test]
fn dense_rows_are_pearls_stream_computed_from_its_definition() {
    let seed = [0x5a; 32];
    // Valid ranks are multiples of 32, so a row is whole digests; 24 and 40 also check that a
    // row starting or ending inside a digest takes exactly its own bytes of the stream.
    for rank in [32usize, 128, 24, 40] {
        let rows = 7;
        let stream = dense_stream(&seed, b"B_tensor", rows * rank);
        let mut row = vec![0i8; rank];
        for r in 0..rows {
            dense_row(&seed, &LABEL_B, r, &mut row);
            assert_eq!(
                row,
                stream[r * rank..(r + 1) * rank],
                "rank {rank}, row {r}"
            );
        }
    }
}

#[test]
fn each_side_holds_its_own_labels_sparse_pairs() {
    let (seed, k, rank) = ([0x11; 32], 100, 256);
    let a = SideNoise::for_a(&seed, k, rank);
    let b = SideNoise::for_b(&seed, k, rank);
    assert_eq!(a.pairs(), sparse_pairs(&seed, &LABEL_A, k, rank));
    assert_eq!(b.pairs(), sparse_pairs(&seed, &LABEL_B, k, rank));
    assert_ne!(a.pairs(), b.pairs());
    assert_eq!(a.pairs().len(), k);
}
