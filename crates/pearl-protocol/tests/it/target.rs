//! Compact nbits <-> target vectors.

use num_bigint::BigUint;
use pearl_protocol::target::{MAINNET_LIKE_NBITS, nbits_to_target, target_to_nbits};

fn big_hex(text: &str) -> BigUint {
    BigUint::parse_bytes(text.as_bytes(), 16).unwrap()
}

fn pow2(bits: u32) -> BigUint {
    BigUint::from(1u8) << bits
}

#[test]
fn known_vectors() {
    assert_eq!(
        nbits_to_target(0x1d00ffff),
        big_hex("00000000ffff0000000000000000000000000000000000000000000000000000")
    );
    assert_eq!(
        nbits_to_target(0x1b0404cb),
        big_hex("00000000000404cb000000000000000000000000000000000000000000000000")
    );
    // Mainnet's PowLimitBits.
    assert_eq!(
        nbits_to_target(0x1b00ffff),
        BigUint::from(0xffffu32) << (8 * 24)
    );
    // The nbits Pearl's Python tests use.
    assert_eq!(
        nbits_to_target(0x1D2FFFFF),
        BigUint::from(0x2fffffu32) << (8 * 26)
    );
    assert_eq!(nbits_to_target(0x03123456), BigUint::from(0x123456u32));
    assert_eq!(nbits_to_target(0x02123456), BigUint::from(0x1234u32));
    assert_eq!(nbits_to_target(0x01123456), BigUint::from(0x12u32));
    assert_eq!(
        nbits_to_target(0x2077ffff),
        BigUint::from(0x77ffffu32) << (29 * 8)
    );
}

#[test]
fn zero_and_negative_mantissas_give_zero() {
    for nbits in [
        0x1d000000, 0x00123456, 0x1d800000, 0x1d8fffff, 0x04800001, 0,
    ] {
        assert_eq!(nbits_to_target(nbits), BigUint::ZERO, "{nbits:#x}");
    }
}

#[test]
fn oversized_exponents_wrap_mod_2_256_like_pearls_u256() {
    // 0x7fffff << 8*(0x22-3) = 0x7fffff << 248: only the low byte 0xff survives at bit 248.
    assert_eq!(nbits_to_target(0x227fffff), BigUint::from(0xffu32) << 248);
    assert_eq!(nbits_to_target(0xff7fffff), BigUint::ZERO);
}

#[test]
fn mainnet_like_nbits_is_two_to_the_200() {
    assert_eq!(nbits_to_target(MAINNET_LIKE_NBITS), pow2(200));
    assert_eq!(target_to_nbits(&pow2(200)), MAINNET_LIKE_NBITS);
}

#[test]
fn target_to_nbits_vectors() {
    assert_eq!(target_to_nbits(&BigUint::ZERO), 0);
    assert_eq!(target_to_nbits(&big_hex("ffff").clone()), 0x0300ffff);
    assert_eq!(target_to_nbits(&BigUint::from(0x12u32)), 0x01120000);
    assert_eq!(target_to_nbits(&BigUint::from(0x80u32)), 0x02008000);
    assert_eq!(target_to_nbits(&BigUint::from(0x123456u32)), 0x03123456);
    // Rounds down to three significant bytes.
    assert_eq!(target_to_nbits(&big_hex("123456789a")), 0x05123456);
    // A mantissa with its top bit set moves one byte out.
    assert_eq!(
        target_to_nbits(&(BigUint::from(0x80u32) << 200)),
        0x1b008000
    );
}

#[test]
fn canonical_nbits_round_trip() {
    for nbits in [
        0x1d00ffffu32,
        0x1b00ffff,
        0x1d2fffff,
        0x1b0404cb,
        0x2077ffff,
        0x03123456,
        0x207fffff,
    ] {
        assert_eq!(
            target_to_nbits(&nbits_to_target(nbits)),
            nbits,
            "{nbits:#x}"
        );
    }
}

/// The largest exponent byte: a 255-byte target still encodes, a 256-byte one (also after the
/// sign-bit shift) saturates to 0xff7fffff.
#[test]
fn target_to_nbits_saturates_only_past_exponent_0xff() {
    let size_255 = pow2(8 * 254);
    assert_eq!(target_to_nbits(&size_255), 0xff01_0000);
    assert_eq!(target_to_nbits(&pow2(8 * 255)), 0xff7f_ffff);
    // 255 bytes whose top byte has its high bit set: one more byte after the shift.
    assert_eq!(target_to_nbits(&(pow2(8 * 255) - 1u8)), 0xff7f_ffff);
    // 254 bytes with the high bit set shift into exactly 255.
    assert_eq!(target_to_nbits(&pow2(8 * 254 - 1)), 0xff00_8000);
}

/// Exponents 0 to 3 shift the mantissa right; 0 leaves nothing of it.
#[test]
fn small_exponents_shift_the_mantissa_out() {
    assert_eq!(nbits_to_target(0x0012_3456), BigUint::ZERO);
    assert_eq!(nbits_to_target(0x0112_3456), BigUint::from(0x12u32));
    assert_eq!(nbits_to_target(0x0312_3456), BigUint::from(0x12_3456u32));
    assert_eq!(nbits_to_target(0x2000_0000), BigUint::ZERO);
    assert_eq!(nbits_to_target(0x2080_0001), BigUint::ZERO);
}
