//! The turn from lanes to jackpot words in
//! [`crate::layout::BlockLayout::jackpots_from_lanes`]: a 16 × 16 transpose of u32 words
//! and XORs of its rows by column group. AVX-512 where the CPU has it (64 two-source
//! permutes in registers), element swaps elsewhere.
#![allow(unsafe_code)]

/// A 16 × 16 matrix of words, row by row.
type Square = [[u32; 16]; 16];

/// For each group, the XOR of the columns of `rows` (16 rows of 16 words) named by the
/// group's members, written to `out[g]`: `out[g][i] = XOR over l in groups[g] of
/// rows[i][l]`. That is the transpose of `rows` with the group's transposed rows XORed.
pub(crate) fn xor_columns(rows: &[&[u32; 16]; 16], groups: &[Vec<usize>], out: &mut [[u32; 16]]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: avx512f was detected just above.
        unsafe { x86::xor_columns(rows, groups, out) };
        return;
    }
    portable_xor_columns(rows, groups, out);
}

/// [`xor_columns`] without SIMD.
fn portable_xor_columns(rows: &[&[u32; 16]; 16], groups: &[Vec<usize>], out: &mut [[u32; 16]]) {
    let mut square: Square = [[0; 16]; 16];
    for (line, row) in square.iter_mut().zip(rows) {
        *line = **row;
    }
    transpose_portable(&mut square);
    xor_rows(&square, groups, out);
}

/// `out[g]` = XOR of the rows of `square` named by `groups[g]`.
fn xor_rows(square: &Square, groups: &[Vec<usize>], out: &mut [[u32; 16]]) {
    for (words, members) in out.iter_mut().zip(groups) {
        *words = [0; 16];
        for &lane in members {
            for (w, &v) in words.iter_mut().zip(&square[lane]) {
                *w ^= v;
            }
        }
    }
}

/// Transposes `m` in place through [`xor_columns`] (one lane per group): afterwards
/// `m[i][j]` is the old `m[j][i]`.
#[cfg(test)]
fn transpose16(m: &mut Square) {
    let rows: [&[u32; 16]; 16] = std::array::from_fn(|i| &m[i]);
    let groups: Vec<Vec<usize>> = (0..16).map(|l| vec![l]).collect();
    let mut out = [[0u32; 16]; 16];
    xor_columns(&rows, &groups, &mut out);
    *m = out;
}

/// Transposes `m` in place with element moves.
fn transpose_portable(m: &mut Square) {
    let old = *m;
    for (i, row) in m.iter_mut().enumerate() {
        for (v, line) in row.iter_mut().zip(&old) {
            *v = line[i];
        }
    }
}

#[cfg(target_arch = "x86_64")]
pub(crate) mod x86 {
    use std::arch::x86_64::{
        __m512i, _mm512_loadu_si512, _mm512_permutex2var_epi32, _mm512_setzero_si512,
        _mm512_storeu_si512, _mm512_xor_si512,
    };

    /// Index vectors of the stage that swaps bit `d` of the row index with bit `d` of the
    /// lane index, for the row with that bit clear (`low`) and set (`high`); in
    /// `permutex2var(a, idx, b)` an index of 16 + x names lane x of b. Row i (bit d clear)
    /// keeps its lanes with bit d clear and takes row i + d's lanes l − d into the others;
    /// row i + d takes row i's lanes l + d and keeps its own.
    fn stage_indexes(d: usize, high: bool) -> [i32; 16] {
        std::array::from_fn(|l| {
            let set = l & d != 0;
            let index = match (high, set) {
                (false, false) => l,
                (false, true) => 16 + l - d,
                (true, false) => l + d,
                (true, true) => 16 + l,
            };
            index as i32
        })
    }

    /// One stage on all 16 rows, in registers (the loop has a constant trip count and is
    /// unrolled).
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn stage<const D: usize>(rows: &mut [__m512i; 16]) {
        let (low, high) = (stage_indexes(D, false), stage_indexes(D, true));
        // SAFETY: each array holds 16 i32 = 64 bytes; unaligned loads are allowed.
        let (low, high) = unsafe {
            (
                _mm512_loadu_si512(low.as_ptr().cast()),
                _mm512_loadu_si512(high.as_ptr().cast()),
            )
        };
        for i in 0..16 {
            if i & D == 0 {
                let (a, b) = (rows[i], rows[i + D]);
                rows[i] = _mm512_permutex2var_epi32(a, low, b);
                rows[i + D] = _mm512_permutex2var_epi32(a, high, b);
            }
        }
    }

    /// Transposes 16 rows of 16 words held in registers: afterwards `rows[i]` lane l is the
    /// old `rows[l]` lane i.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(crate) fn transpose_registers(rows: &mut [__m512i; 16]) {
        // The four stages swap the four bits of (row, lane) one at a time; together they
        // turn (i, l) into (l, i).
        stage::<8>(rows);
        stage::<4>(rows);
        stage::<2>(rows);
        stage::<1>(rows);
    }

    /// See [`super::xor_columns`].
    ///
    /// # Safety
    /// The CPU supports avx512f.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn xor_columns(
        rows: &[&[u32; 16]; 16],
        groups: &[Vec<usize>],
        out: &mut [[u32; 16]],
    ) {
        let mut regs = [_mm512_setzero_si512(); 16];
        for (reg, row) in regs.iter_mut().zip(rows) {
            // SAFETY: each row is 16 u32 = 64 bytes; unaligned loads are allowed.
            *reg = unsafe { _mm512_loadu_si512(row.as_ptr().cast()) };
        }
        transpose_registers(&mut regs);
        for (words, members) in out.iter_mut().zip(groups) {
            let x = members
                .iter()
                .fold(_mm512_setzero_si512(), |x, &l| _mm512_xor_si512(x, regs[l]));
            // SAFETY: `words` holds 16 u32 = 64 bytes.
            unsafe { _mm512_storeu_si512(words.as_mut_ptr().cast(), x) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xor_columns_xors_the_named_columns_on_this_cpu_and_portably() {
        let m: Square = std::array::from_fn(|i| {
            std::array::from_fn(|j| ((i * 16 + j) as u32).wrapping_mul(0x9e37_79b9))
        });
        let rows: [&[u32; 16]; 16] = std::array::from_fn(|i| &m[i]);
        let groups = vec![vec![0, 1, 8, 9], vec![15], vec![], vec![2, 3, 4, 5, 6, 7]];
        type XorColumns = fn(&[&[u32; 16]; 16], &[Vec<usize>], &mut [[u32; 16]]);
        for (name, f) in [
            ("dispatch", xor_columns as XorColumns),
            ("portable", portable_xor_columns),
        ] {
            let mut out = vec![[u32::MAX; 16]; groups.len()];
            f(&rows, &groups, &mut out);
            for (g, members) in groups.iter().enumerate() {
                for i in 0..16 {
                    let want = members.iter().fold(0, |x, &l| x ^ m[i][l]);
                    assert_eq!(out[g][i], want, "{name}: group {g}, word {i}");
                }
            }
        }
    }

    #[test]
    fn transposes_every_element_on_this_cpu_and_portably() {
        let original: Square =
            std::array::from_fn(|i| std::array::from_fn(|j| (i * 100 + j) as u32));
        for transpose in [transpose16 as fn(&mut Square), transpose_portable] {
            let mut m = original;
            transpose(&mut m);
            for i in 0..16 {
                for j in 0..16 {
                    assert_eq!(m[i][j], original[j][i], "({i}, {j})");
                }
            }
        }
    }
}
