//! The portable reference kernel.

use super::BlockDims;

/// See [`super::Kernel::accumulate`].
pub(super) fn accumulate(a: &[i8], b: &[i8], d: BlockDims, acc: &mut [i32]) {
    let range = d.k0..d.k0 + d.len;
    for i in 0..d.rows {
        let a_line = &a[i * d.lda..][range.clone()];
        let out = &mut acc[i * d.cols..(i + 1) * d.cols];
        for (j, slot) in out.iter_mut().enumerate() {
            let b_line = &b[j * d.ldb..][range.clone()];
            let dot = a_line
                .iter()
                .zip(b_line)
                .fold(0i32, |sum, (&x, &y)| sum.wrapping_add(i32::from(x) * i32::from(y)));
            *slot = slot.wrapping_add(dot);
        }
    }
}
