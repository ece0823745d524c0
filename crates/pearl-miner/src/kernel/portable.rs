//! The portable reference kernel (quad-interleaved B panel). For each row and each k-quad,
//! the panel's columns are contiguous, so the inner loop over columns vectorizes.

use std::ops::Range;

use super::PanelDims;

/// Adds rows `rows` × columns `cols` of the panel product into `acc`.
pub(super) fn accumulate_rows(
    a: &[i8],
    b: &[i8],
    d: PanelDims,
    rows: Range<usize>,
    cols: Range<usize>,
    acc: &mut [i32],
) {
    for i in rows {
        let a_line = &a[i * d.r..(i + 1) * d.r];
        let out = &mut acc[i * d.cols + cols.start..i * d.cols + cols.end];
        for (q, a_quad) in a_line.chunks_exact(4).enumerate() {
            let [a0, a1, a2, a3] = [a_quad[0], a_quad[1], a_quad[2], a_quad[3]].map(i32::from);
            let b_quads = &b[(q * d.cols + cols.start) * 4..(q * d.cols + cols.end) * 4];
            for (slot, b4) in out.iter_mut().zip(b_quads.chunks_exact(4)) {
                let dot = a0 * i32::from(b4[0])
                    + a1 * i32::from(b4[1])
                    + a2 * i32::from(b4[2])
                    + a3 * i32::from(b4[3]);
                *slot = slot.wrapping_add(dot);
            }
        }
    }
}

/// See [`super::Kernel::accumulate`].
pub(super) fn accumulate(a: &[i8], b: &[i8], d: PanelDims, acc: &mut [i32]) {
    accumulate_rows(a, b, d, 0..d.rows, 0..d.cols, acc);
}
