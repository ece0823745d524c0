//! Header byte layouts, built by hand.

use pearl_protocol::WireError;
use pearl_protocol::header::{BlockHeader, IncompleteBlockHeader, sha256d};

use crate::{hex, to_hex};

fn sample() -> IncompleteBlockHeader {
    let mut prev_block = [0u8; 32];
    let mut merkle_root = [0u8; 32];
    for i in 0..32 {
        prev_block[i] = i as u8;
        merkle_root[i] = 0xa0 ^ i as u8;
    }
    IncompleteBlockHeader {
        version: 0x2000_0001,
        prev_block,
        merkle_root,
        timestamp: 0x6655_4433,
        nbits: 0x1d2f_ffff,
    }
}

#[test]
fn incomplete_header_layout_is_le_with_reversed_hashes() {
    let h = sample();
    let mut expected = vec![0x01, 0x00, 0x00, 0x20];
    expected.extend((0..32u8).rev());
    expected.extend((0..32u8).rev().map(|i| 0xa0 ^ i));
    expected.extend([0x33, 0x44, 0x55, 0x66]);
    expected.extend([0xff, 0xff, 0x2f, 0x1d]);
    assert_eq!(expected.len(), IncompleteBlockHeader::SIZE);
    assert_eq!(h.to_bytes().to_vec(), expected);
    assert_eq!(IncompleteBlockHeader::from_bytes(&expected).unwrap(), h);
}

#[test]
fn incomplete_header_rejects_wrong_lengths() {
    let bytes = sample().to_bytes();
    for len in [0, 75, 77] {
        let mut v = bytes.to_vec();
        v.resize(len, 0);
        let err = IncompleteBlockHeader::from_bytes(&v).unwrap_err();
        assert_eq!(
            err,
            WireError::WrongLength {
                what: "IncompleteBlockHeader",
                expected: 76,
                got: len
            }
        );
        assert!(err.to_string().contains("exactly 76 bytes, got"));
    }
}

#[test]
fn full_header_appends_the_commitment_and_hashes_with_sha256d() {
    let header = BlockHeader {
        incomplete: sample(),
        proof_commitment: [0x5a; 32],
    };
    let bytes = header.to_bytes();
    assert_eq!(&bytes[..76], &sample().to_bytes());
    assert_eq!(&bytes[76..], &[0x5a; 32]);
    assert_eq!(BlockHeader::from_bytes(&bytes).unwrap(), header);
    assert_eq!(header.block_hash(), sha256d(&bytes));
    assert_eq!(
        BlockHeader::from_bytes(&bytes[..107]),
        Err(WireError::WrongLength {
            what: "BlockHeader",
            expected: 108,
            got: 107
        })
    );
}

#[test]
fn sha256d_matches_known_vectors() {
    assert_eq!(
        to_hex(&sha256d(b"")),
        "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456"
    );
    // Bitcoin's genesis header: its hash, reversed, is the famous 000000000019d6...
    let genesis = hex(
        "01000000 0000000000000000000000000000000000000000000000000000000000000000
         3ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a
         29ab5f49 ffff001d 1dac2b7c",
    );
    let mut hash = sha256d(&genesis);
    hash.reverse();
    assert_eq!(
        to_hex(&hash),
        "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"
    );
}
