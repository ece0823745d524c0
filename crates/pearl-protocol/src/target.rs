//! Bitcoin-style compact difficulty (`nbits`) to and from the full target, as arbitrary-size
//! integers.

use num_bigint::BigUint;

/// A mainnet-like `nbits`: target exactly 2^200, the order of the targets the gateway hands out on
/// mainnet (pearl-protocol.md §1.3: "≈2^200 on mainnet"). Exponent 0x1a, mantissa 0x010000.
pub const MAINNET_LIKE_NBITS: u32 = 0x1a01_0000;

/// The full target for compact `nbits`, as Pearl's `nbits_to_difficulty`: a zero exponent, a
/// zero mantissa or a set sign bit (0x00800000) give 0; the result is reduced mod 2^256, as
/// Pearl's U256 arithmetic does.
pub fn nbits_to_target(nbits: u32) -> BigUint {
    let exponent = nbits >> 24;
    let mantissa = nbits & 0x00ff_ffff;
    // A zero exponent shifts every mantissa bit out and a zero mantissa is zero: only the sign
    // bit needs its own check.
    if mantissa & 0x0080_0000 != 0 {
        return BigUint::ZERO;
    }
    let mantissa = BigUint::from(mantissa);
    let target = if exponent <= 3 {
        mantissa >> (8 * (3 - exponent))
    } else {
        mantissa << (8 * (exponent - 3))
    };
    target & ((BigUint::from(1u8) << 256u32) - 1u8)
}

/// The compact form of `target` (Bitcoin's `GetCompact`): rounds down to 3 significant bytes.
/// Zero gives 0; a target too large for a one-byte exponent saturates to `0xff7fffff`.
pub fn target_to_nbits(target: &BigUint) -> u32 {
    let mut size = target.bits().div_ceil(8);
    if size == 0 {
        return 0;
    }
    let mut compact: u64 = if size <= 3 {
        low_u64(target) << (8 * (3 - size))
    } else {
        low_u64(&(target >> (8 * (size - 3))))
    };
    // The mantissa's top bit is a sign bit: shift one byte out rather than go negative.
    if compact & 0x0080_0000 != 0 {
        compact >>= 8;
        size += 1;
    }
    if size > 0xff {
        return 0xff7f_ffff;
    }
    // compact < 2^24 here: the exponent byte is added above it.
    ((size as u32) << 24) + compact as u32
}

fn low_u64(value: &BigUint) -> u64 {
    value.iter_u64_digits().next().unwrap_or(0)
}
