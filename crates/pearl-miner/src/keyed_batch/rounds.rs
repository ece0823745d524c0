//! The BLAKE3 compression on vectors of lanes (one message per lane), generic over the
//! vector type so every SIMD backend shares one copy of the rounds.
#![cfg_attr(
    not(any(target_arch = "x86_64", target_arch = "aarch64")),
    allow(dead_code)
)]

/// BLAKE3's IV (SHA-256's).
const IV: [u32; 4] = [0x6A09_E667, 0xBB67_AE85, 0x3C6E_F372, 0xA54F_F53A];
/// CHUNK_START (1) | CHUNK_END (2) | ROOT (8) | KEYED_HASH (16), written as one literal: the
/// flags are distinct bits, so `^` in place of `|` would be the same constant.
const ONE_BLOCK_KEYED_ROOT: u32 = 0b1_1011;
/// Bytes in the (only) block.
const BLOCK_LEN: u32 = 64;
/// BLAKE3's message word permutation, applied between rounds.
const PERMUTATION: [usize; 16] = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8];

/// Message word order of each of the 7 rounds: round r uses the permutation applied r times.
const SCHEDULE: [[usize; 16]; 7] = {
    let mut schedule = [[0usize; 16]; 7];
    let mut i = 0;
    while i < 16 {
        schedule[0][i] = i;
        i += 1;
    }
    let mut round = 1;
    while round < 7 {
        let mut i = 0;
        while i < 16 {
            schedule[round][i] = schedule[round - 1][PERMUTATION[i]];
            i += 1;
        }
        round += 1;
    }
    schedule
};

/// Lane-wise u32 operations of one SIMD vector. Implementations are `#[inline(always)]` so
/// that they inline into the `#[target_feature]` function that calls [`compress`].
pub(super) trait Lanes: Copy {
    fn splat(value: u32) -> Self;
    fn add(self, other: Self) -> Self;
    fn xor(self, other: Self) -> Self;
    fn rotr16(self) -> Self;
    fn rotr12(self) -> Self;
    fn rotr8(self) -> Self;
    fn rotr7(self) -> Self;
}

/// Four G functions side by side: (a, b, c, d) are state indices, `x`/`y` message vectors.
#[inline(always)]
fn quad<V: Lanes>(v: &mut [V; 16], idx: [[usize; 4]; 4], x: [V; 4], y: [V; 4]) {
    let [a, b, c, d] = idx;
    for i in 0..4 {
        v[a[i]] = v[a[i]].add(v[b[i]]).add(x[i]);
    }
    for i in 0..4 {
        v[d[i]] = v[d[i]].xor(v[a[i]]).rotr16();
    }
    for i in 0..4 {
        v[c[i]] = v[c[i]].add(v[d[i]]);
    }
    for i in 0..4 {
        v[b[i]] = v[b[i]].xor(v[c[i]]).rotr12();
    }
    for i in 0..4 {
        v[a[i]] = v[a[i]].add(v[b[i]]).add(y[i]);
    }
    for i in 0..4 {
        v[d[i]] = v[d[i]].xor(v[a[i]]).rotr8();
    }
    for i in 0..4 {
        v[c[i]] = v[c[i]].add(v[d[i]]);
    }
    for i in 0..4 {
        v[b[i]] = v[b[i]].xor(v[c[i]]).rotr7();
    }
}

#[inline(always)]
fn round<V: Lanes>(v: &mut [V; 16], m: &[V; 16], s: &[usize; 16]) {
    const COLUMNS: [[usize; 4]; 4] = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15]];
    const DIAGONALS: [[usize; 4]; 4] =
        [[0, 1, 2, 3], [5, 6, 7, 4], [10, 11, 8, 9], [15, 12, 13, 14]];
    quad(
        v,
        COLUMNS,
        [m[s[0]], m[s[2]], m[s[4]], m[s[6]]],
        [m[s[1]], m[s[3]], m[s[5]], m[s[7]]],
    );
    quad(
        v,
        DIAGONALS,
        [m[s[8]], m[s[10]], m[s[12]], m[s[14]]],
        [m[s[9]], m[s[11]], m[s[13]], m[s[15]]],
    );
}

/// The 8 hash words of each lane's one-block keyed message (`m[w]` holds word `w`).
#[inline(always)]
pub(super) fn compress<V: Lanes>(key: &[u32; 8], m: &[V; 16]) -> [V; 8] {
    let mut v = [
        V::splat(key[0]),
        V::splat(key[1]),
        V::splat(key[2]),
        V::splat(key[3]),
        V::splat(key[4]),
        V::splat(key[5]),
        V::splat(key[6]),
        V::splat(key[7]),
        V::splat(IV[0]),
        V::splat(IV[1]),
        V::splat(IV[2]),
        V::splat(IV[3]),
        V::splat(0),
        V::splat(0),
        V::splat(BLOCK_LEN),
        V::splat(ONE_BLOCK_KEYED_ROOT),
    ];
    round(&mut v, m, &SCHEDULE[0]);
    round(&mut v, m, &SCHEDULE[1]);
    round(&mut v, m, &SCHEDULE[2]);
    round(&mut v, m, &SCHEDULE[3]);
    round(&mut v, m, &SCHEDULE[4]);
    round(&mut v, m, &SCHEDULE[5]);
    round(&mut v, m, &SCHEDULE[6]);
    std::array::from_fn(|i| v[i].xor(v[i + 8]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One lane in plain u32s: checks the rounds themselves on any target.
    #[derive(Clone, Copy)]
    struct One(u32);

    impl Lanes for One {
        fn splat(value: u32) -> Self {
            Self(value)
        }
        fn add(self, other: Self) -> Self {
            Self(self.0.wrapping_add(other.0))
        }
        fn xor(self, other: Self) -> Self {
            Self(self.0 ^ other.0)
        }
        fn rotr16(self) -> Self {
            Self(self.0.rotate_right(16))
        }
        fn rotr12(self) -> Self {
            Self(self.0.rotate_right(12))
        }
        fn rotr8(self) -> Self {
            Self(self.0.rotate_right(8))
        }
        fn rotr7(self) -> Self {
            Self(self.0.rotate_right(7))
        }
    }

    #[test]
    fn schedule_matches_blake3s_published_rows() {
        assert_eq!(SCHEDULE[1], PERMUTATION);
        assert_eq!(
            SCHEDULE[6],
            [11, 15, 5, 0, 1, 9, 8, 6, 14, 10, 2, 12, 3, 4, 7, 13]
        );
    }

    #[test]
    fn one_lane_rounds_equal_blake3_keyed_hash() {
        let key: [u8; 32] = std::array::from_fn(|i| (i * 7 + 3) as u8);
        let message: [u32; 16] = std::array::from_fn(|i| (i as u32).wrapping_mul(0x0101_0101));
        let out = compress(&super::super::words(&key), &message.map(One));
        let mut hash = [0u8; 32];
        for (chunk, word) in hash.chunks_exact_mut(4).zip(out) {
            chunk.copy_from_slice(&word.0.to_le_bytes());
        }
        assert_eq!(hash, super::super::scalar(&key, &message));
    }
}
