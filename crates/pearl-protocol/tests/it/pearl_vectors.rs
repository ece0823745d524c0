//! Expected values published in Pearl's own repository (pearl-research-labs/pearl), checked
//! against our wire formats. Only the data is taken from Pearl; each test cites its source file
//! and the commit the value was read at.

use num_bigint::BigUint;
use pearl_protocol::MiningConfiguration;
use pearl_protocol::header::{BlockHeader, IncompleteBlockHeader, sha256d};
use pearl_protocol::pattern::{PatternError, PeriodicPattern};
use pearl_protocol::public_data::{PUBLIC_DATA_SIZE, PublicData, proof_commitment};
use pearl_protocol::target::nbits_to_target;

use crate::{hex, to_hex};

fn hash32(text: &str) -> [u8; 32] {
    hex(text).try_into().expect("32-byte hex in a test vector")
}

/// node/wire/blockheader_test.go `TestIncompleteHeaderBytesGolden`
/// (commit 57d95a2b5f5f6f6f58ac0208d1bae99f52367a7c): the 76-byte `sigma_delta` prefix.
/// Pearl's `PrevBlock`/`MerkleRoot` hold internal byte order; ours hold display order.
#[test]
fn incomplete_header_matches_go_golden_bytes() {
    let golden = hex("04030201
         000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
         808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f
         14131211 24232221");
    let header = IncompleteBlockHeader::from_bytes(&golden).expect("golden header decodes");
    assert_eq!(header.version, 0x0102_0304);
    assert_eq!(header.timestamp, 0x1112_1314);
    assert_eq!(header.nbits, 0x2122_2324);
    let internal_prev: Vec<u8> = (0..32u8).collect();
    let internal_merkle: Vec<u8> = (0x80..0xa0u8).collect();
    let display = |internal: &[u8]| internal.iter().rev().copied().collect::<Vec<u8>>();
    assert_eq!(header.prev_block.to_vec(), display(&internal_prev));
    assert_eq!(header.merkle_root.to_vec(), display(&internal_merkle));
    assert_eq!(header.to_bytes().to_vec(), golden);
}

/// node/wire/blockheader_test.go `TestBlockHeaderWire` / `TestBlockHeaderSerialize`
/// (commit 57d95a2b5f5f6f6f58ac0208d1bae99f52367a7c): the 108-byte header with a zero
/// proof commitment.
#[test]
fn full_header_matches_go_wire_encoding() {
    let encoded = hex("01000000
         6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000
         3ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a
         29ab5f49 ffff001d
         0000000000000000000000000000000000000000000000000000000000000000");
    let header = BlockHeader::from_bytes(&encoded).expect("Go wire header decodes");
    assert_eq!(header.incomplete.version, 1);
    assert_eq!(header.incomplete.timestamp, 0x495f_ab29);
    assert_eq!(header.incomplete.nbits, 0x1d00_ffff);
    assert_eq!(
        to_hex(&header.incomplete.prev_block),
        "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"
    );
    assert_eq!(
        to_hex(&header.incomplete.merkle_root),
        "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
    );
    assert_eq!(header.proof_commitment, [0u8; 32]);
    assert_eq!(header.to_bytes().to_vec(), encoded);
}

/// node/chaincfg/genesis.go (commit 5fde4cb79d863cf9db827b05548dbb1dcfa97668): every network's
/// genesis header (version 1, zero prev block, zero proof commitment) and its hash, as Pearl
/// stores it (internal byte order). The merkle roots are the display-order hex of that file's
/// comments, so this also pins our display-order convention.
#[test]
fn genesis_headers_hash_to_pearls_genesis_hashes() {
    const MAIN_MERKLE: &str = "302f59c6f1239648bd38eddf16b22acc8c8df3c96de2e4f552bd2f38371675c1";
    const TEST_MERKLE: &str = "7aa0a7ae1e223414cb807e40cd57e667b718e42aaf9306db9102fe28912b7b4e";
    let cases = [
        // (network, merkle root, timestamp, nbits, genesis hash in internal order)
        (
            "mainnet",
            MAIN_MERKLE,
            1_777_280_400,
            0x1b00_ffff,
            "d7ad8dc5415fb548ff53efe75f10e0e27403d1a33f07dd0c8f61ffb793308da1",
        ),
        (
            "regtest/simnet",
            MAIN_MERKLE,
            1_776_675_600,
            0x1e01_0000,
            "32587e2447b0432f2cce83b08c81b3bebb1ecaffefbddbe9a8516adf27abd078",
        ),
        (
            "signet",
            MAIN_MERKLE,
            1_776_675_600,
            0x1d0f_ffff,
            "340fb0930e9d8dd22ccf1f11044d53ddc9782f9e56fbc952744625611e23ef2f",
        ),
        (
            "testnet",
            TEST_MERKLE,
            1_782_810_515,
            0x1b00_ffff,
            "183db4649867614eb7953c6fd4c441251e9d98627c0f1d02740f95e97bbef010",
        ),
        (
            "testnet2",
            TEST_MERKLE,
            1_776_675_600,
            0x1b00_ffff,
            "966f33a02e2e5f2bd8d5113841ceee2904476fe42d0d26724d5f82d80c6dc8b0",
        ),
    ];
    for (network, merkle, timestamp, nbits, hash) in cases {
        let header = BlockHeader {
            incomplete: IncompleteBlockHeader {
                version: 1,
                prev_block: [0; 32],
                merkle_root: hash32(merkle),
                timestamp,
                nbits,
            },
            proof_commitment: [0; 32],
        };
        assert_eq!(to_hex(&header.block_hash()), hash, "{network} genesis hash");
    }
}

/// py-pearl-mining/tests/test_python_api.py `TestBlockHeader::test_wire_round_trip_and_hash`
/// (commit 4a356c318fcbe735e3bb46c1b726a36cd329b99d): bytes 0..108 round-trip, split 76/32, and
/// hash with SHA256d (Python compares the reversed, display-order form).
#[test]
fn header_of_bytes_0_to_107_round_trips_and_hashes() {
    let raw: Vec<u8> = (0..108u8).collect();
    let header = BlockHeader::from_bytes(&raw).expect("108 bytes decode");
    assert_eq!(header.to_bytes().to_vec(), raw);
    assert_eq!(header.incomplete.to_bytes().to_vec(), raw[..76].to_vec());
    assert_eq!(header.proof_commitment.to_vec(), raw[76..].to_vec());
    assert_eq!(header.block_hash(), sha256d(&raw));
}

/// zk-pow/src/v2/api/proof_utils.rs `difficulty_tests::test_difficulty_conversion`
/// (commit 6a8868ac3ba3987dbd0d30d6a5631267296533ed): `nbits_to_difficulty`.
#[test]
fn nbits_conversion_matches_pearl_difficulty_tests() {
    let big = |text: &str| BigUint::parse_bytes(text.as_bytes(), 16).expect("hex target");
    assert_eq!(
        nbits_to_target(0x1d00_ffff),
        big("00000000ffff0000000000000000000000000000000000000000000000000000")
    );
    assert_eq!(
        nbits_to_target(0x1b04_04cb),
        big("00000000000404cb000000000000000000000000000000000000000000000000")
    );
    assert_eq!(nbits_to_target(0x0312_3456), BigUint::from(0x0012_3456u32));
    assert_eq!(nbits_to_target(0x1d00_0000), BigUint::ZERO);
    assert_eq!(
        nbits_to_target(0x2077_ffff),
        BigUint::from(0x0077_ffffu32) << (29 * 8)
    );
    assert_eq!(nbits_to_target(0x1d80_0000), BigUint::ZERO);
}

/// zk-pow/src/v2/api/proof_utils.rs `tests::test_periodic_pattern_*`
/// (commit 6a8868ac3ba3987dbd0d30d6a5631267296533ed): list and byte round trips, period, size
/// and the three rejected lists.
#[test]
fn periodic_patterns_match_pearl_pattern_tests() {
    let lists: [&[u32]; 8] = [
        &[0, 1, 2, 3],
        &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
        &[0, 8, 64, 72],
        &[0, 1, 8, 9, 32, 33, 40, 41, 64, 65, 72, 73, 96, 97, 104, 105],
        &[0, 8],
        &[0, 2, 4, 6],
        &[0, 1, 4, 5, 8, 9, 12, 13],
        &[0],
    ];
    for list in lists {
        let pattern = PeriodicPattern::from_list(list).expect("Pearl accepts this list");
        let mut back = pattern.to_list();
        back.sort_unstable();
        assert_eq!(back, list, "list round trip");
        let restored = PeriodicPattern::from_bytes(pattern.to_bytes()).expect("bytes decode");
        assert_eq!(restored, pattern, "byte round trip of {list:?}");
    }
    let period = |list: &[u32]| PeriodicPattern::from_list(list).map(|p| p.period());
    assert_eq!(period(&[0, 1, 2, 3]), Ok(4));
    assert_eq!(period(&[0, 1, 8, 9]), Ok(16));
    let size = |list: &[u32]| PeriodicPattern::from_list(list).map(|p| p.len());
    assert_eq!(size(&[0, 1, 2, 3]), Ok(4));
    assert_eq!(size(&[0, 1, 8, 9]), Ok(4));
    assert_eq!(size(lists[1]), Ok(16));
    assert!(matches!(
        PeriodicPattern::from_list(&[0, 1, 3]),
        Err(PatternError::NotPeriodic { .. })
    ));
    assert!(matches!(
        PeriodicPattern::from_list(&[1, 2, 3, 4]),
        Err(PatternError::NotStartingAtZero { first: 1 })
    ));
    assert_eq!(PeriodicPattern::from_list(&[]), Err(PatternError::Empty));
}

/// The dense public-data layout as Pearl reads it: node/zkpow/rank_penalty_test.go (commit
/// b1e6cfa43c7fa1d8a1282c03a976590c5887e4da: size 164, common_dim at 0, rank at 4, jackpot at
/// 116..148) and zk-pow/src/v2/api/proof_utils.rs `from_wire_bytes` / `HASH_*_RANGE` (commit
/// 6a8868ac3ba3987dbd0d30d6a5631267296533ed: hash_a 52..84, hash_b 84..116, m, n, t_rows, t_cols
/// at 148, 152, 156, 160).
#[test]
fn public_data_offsets_match_pearls_parsers() {
    assert_eq!(PUBLIC_DATA_SIZE, 164);
    let rows = PeriodicPattern::from_list(&[0, 8, 64, 72]).expect("pattern");
    let cols = PeriodicPattern::from_list(&[0, 1, 8, 9, 32, 33, 40, 41]).expect("pattern");
    let data = PublicData {
        config: MiningConfiguration::dense(8192, 256, rows, cols),
        hash_a: [0xa1; 32],
        hash_b: [0xb2; 32],
        hash_jackpot: [0xc3; 32],
        m: 0x0102_0304,
        n: 0x0506_0708,
        t_rows: 0x090a_0b0c,
        t_cols: 0x0d0e_0f10,
    };
    let bytes = data.to_bytes();
    assert_eq!(bytes[0..4], 8192u32.to_le_bytes());
    assert_eq!(bytes[4..6], 256u16.to_le_bytes());
    assert_eq!(bytes[52..84], [0xa1; 32]);
    assert_eq!(bytes[84..116], [0xb2; 32]);
    assert_eq!(bytes[116..148], [0xc3; 32]);
    assert_eq!(bytes[148..152], 0x0102_0304u32.to_le_bytes());
    assert_eq!(bytes[152..156], 0x0506_0708u32.to_le_bytes());
    assert_eq!(bytes[156..160], 0x090a_0b0cu32.to_le_bytes());
    assert_eq!(bytes[160..164], 0x0d0e_0f10u32.to_le_bytes());
    assert_eq!(PublicData::from_bytes(&bytes), Ok(data));
}

/// node/wire/certificate_v2.go `proofCommitment` and certificate_test.go
/// `TestCertificateV3MineVerifyRoundTrip` / `TestCertificateV4ProofCommitment` (commits
/// 19ad19bd7b2026c58e1d219bddc241588d29730b, 3c56424ddf4fbb028ece81e23d145b0f96da18af):
/// SHA256d(version u32 LE ‖ public data), so V3 is domain-separated from V2.
#[test]
fn proof_commitment_hashes_the_version_then_the_public_data() {
    let public_data: [u8; PUBLIC_DATA_SIZE] = std::array::from_fn(|i| i as u8);
    for version in [1u32, 2, 3] {
        let mut message = version.to_le_bytes().to_vec();
        message.extend_from_slice(&public_data);
        assert_eq!(
            proof_commitment(version, &public_data),
            sha256d(&message),
            "cert v{version}"
        );
    }
    assert_ne!(
        proof_commitment(2, &public_data),
        proof_commitment(3, &public_data)
    );
}
