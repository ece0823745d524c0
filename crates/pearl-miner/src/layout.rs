//! Where tiles sit inside a rows-period × cols-period block, how their accumulators fold
//! into one XOR per tile, and the panel layout of the noised operands.

use crate::jackpot::{JACKPOT_ROTATION, JACKPOT_WORDS, Jackpot};
use crate::shape::ParsedShape;
use crate::transpose::xor_columns;

/// Where each element of a rows-period × cols-period block belongs.
#[derive(Debug, Clone)]
pub(crate) struct BlockLayout {
    pub(crate) rows_period: usize,
    pub(crate) cols_period: usize,
    pub(crate) row_offsets: Vec<u32>,
    pub(crate) col_offsets: Vec<u32>,
    /// Local rows of each row group (tile rows at one valid offset).
    row_groups: Vec<Vec<usize>>,
    /// Column group of every local column.
    col_group: Vec<u32>,
    /// Per column group, an all-ones mask on its columns (when few groups make masked XOR
    /// reductions cheaper than a scatter).
    col_masks: Option<Vec<Vec<u32>>>,
    /// Column groups of columns 0..8 when the group map repeats every 8 columns (as for
    /// Pearl's standard patterns): then a tile XOR is an 8-lane fold plus 8 scalar steps.
    col_group8: Option<[u32; 8]>,
    /// Row group of every local row (the lane slots of [`crate::Kernel::accumulate_lanes`]).
    pub(crate) row_slots: Vec<u32>,
    /// Per column group, its lanes among columns 0..16, when the group map repeats every 16
    /// columns: then a tile's XOR is the XOR of those lanes of its row group.
    group_lanes: Option<Vec<Vec<usize>>>,
}

/// Masked reductions cost groups × period per row group; use them up to this many groups.
const MAX_MASKED_GROUPS: usize = 16;

fn groups(pattern: &pearl_protocol::PeriodicPattern) -> Option<(Vec<u32>, Vec<u32>)> {
    let period = pattern.period();
    let list = pattern.to_list();
    let offsets: Vec<u32> = (0..period)
        .filter(|&o| pattern.offset_is_valid(o))
        .collect();
    let mut group = vec![u32::MAX; period as usize];
    for (g, &offset) in offsets.iter().enumerate() {
        for &element in &list {
            let slot = group.get_mut((offset + element) as usize)?;
            if *slot != u32::MAX {
                return None;
            }
            *slot = g as u32;
        }
    }
    group
        .iter()
        .all(|&g| g != u32::MAX)
        .then_some((offsets, group))
}

impl BlockLayout {
    /// `None` when the valid offsets do not partition one period (no such canonical
    /// pattern is known; checked rather than assumed).
    pub(crate) fn new(parsed: &ParsedShape) -> Option<Self> {
        let (row_offsets, row_group) = groups(&parsed.rows)?;
        let (col_offsets, col_group) = groups(&parsed.cols)?;
        let mut row_groups = vec![Vec::new(); row_offsets.len()];
        for (row, &g) in row_group.iter().enumerate() {
            row_groups[g as usize].push(row);
        }
        let col_masks = (col_offsets.len() <= MAX_MASKED_GROUPS).then(|| {
            (0..col_offsets.len() as u32)
                .map(|g| {
                    col_group
                        .iter()
                        .map(|&cg| if cg == g { u32::MAX } else { 0 })
                        .collect()
                })
                .collect()
        });
        let repeats_every_8 = col_group.len().is_multiple_of(8)
            && col_group
                .iter()
                .enumerate()
                .all(|(c, &g)| g == col_group[c % 8]);
        let col_group8 = if repeats_every_8 {
            let mut first = [0u32; 8];
            first.copy_from_slice(&col_group[..8]);
            Some(first)
        } else {
            None
        };
        let repeats_every_16 = col_group.len().is_multiple_of(16)
            && col_group
                .iter()
                .enumerate()
                .all(|(c, &g)| g == col_group[c % 16]);
        let group_lanes = repeats_every_16.then(|| {
            (0..col_offsets.len() as u32)
                .map(|g| (0..16).filter(|&l| col_group[l] == g).collect())
                .collect()
        });
        Some(Self {
            rows_period: row_group.len(),
            cols_period: col_group.len(),
            row_offsets,
            col_offsets,
            row_groups,
            col_group,
            col_masks,
            col_group8,
            row_slots: row_group,
            group_lanes,
        })
    }

    /// XOR of every tile's accumulators into `xors` (one value per tile).
    /// `row_xor` is scratch of one block row.
    pub(crate) fn tile_xors(&self, acc: &[i32], row_xor: &mut [u32], xors: &mut [u32]) {
        let cp = self.cols_period;
        let groups_per_row = self.col_offsets.len();
        if let Some(groups8) = self.col_group8 {
            for (rg, rows) in self.row_groups.iter().enumerate() {
                // Fold each row in 64-wide strips first (eight independent 8-lane
                // accumulators the compiler keeps in vector registers), then to 8 lanes.
                let mut wide = [0u32; 64];
                let mut lanes = [0u32; 8];
                for &row in rows {
                    let line = &acc[row * cp..(row + 1) * cp];
                    let mut strips = line.chunks_exact(64);
                    for strip in &mut strips {
                        for (w, &v) in wide.iter_mut().zip(strip) {
                            *w ^= v as u32;
                        }
                    }
                    for chunk in strips.remainder().chunks_exact(8) {
                        for (lane, &v) in lanes.iter_mut().zip(chunk) {
                            *lane ^= v as u32;
                        }
                    }
                }
                for chunk in wide.chunks_exact(8) {
                    for (lane, &v) in lanes.iter_mut().zip(chunk) {
                        *lane ^= v;
                    }
                }
                let out = &mut xors[rg * groups_per_row..(rg + 1) * groups_per_row];
                out.fill(0);
                for (&g, &lane) in groups8.iter().zip(&lanes) {
                    out[g as usize] ^= lane;
                }
            }
            return;
        }
        for (rg, rows) in self.row_groups.iter().enumerate() {
            row_xor.fill(0);
            for &row in rows {
                for (x, &v) in row_xor.iter_mut().zip(&acc[row * cp..(row + 1) * cp]) {
                    *x ^= v as u32;
                }
            }
            let out = &mut xors[rg * groups_per_row..(rg + 1) * groups_per_row];
            match &self.col_masks {
                Some(masks) => {
                    for (slot, mask) in out.iter_mut().zip(masks) {
                        *slot = row_xor
                            .iter()
                            .zip(mask)
                            .fold(0u32, |x, (&v, &m)| x ^ (v & m));
                    }
                }
                None => {
                    out.fill(0);
                    for (&g, &v) in self.col_group.iter().zip(row_xor.iter()) {
                        out[g as usize] ^= v;
                    }
                }
            }
        }
    }

    /// Whether [`Self::jackpots_from_lanes`] applies (the column-group map repeats every 16
    /// columns, as for Pearl's standard patterns).
    pub(crate) fn has_lanes(&self) -> bool {
        self.group_lanes.is_some()
    }

    /// Slots of 16 lanes [`crate::Kernel::accumulate_lanes`] writes for this layout.
    pub(crate) fn lane_len(&self) -> usize {
        16 * self.row_offsets.len()
    }

    /// Every tile's jackpot after `chunks` r-chunks, from the lanes of
    /// [`crate::Kernel::accumulate_lanes`] (called with [`Self::row_slots`]; part c holds
    /// the lanes after chunk c): the same as folding each chunk's tile XORs with
    /// [`jackpot::fold`]. Rotation and XOR are linear, so the chunks are folded lane by lane
    /// first, in place (part c into part c mod 16; nothing to do for at most 16 chunks), and
    /// each tile's words are then the XOR of its column group's lanes in its row group's
    /// slot: a few XORs per word, instead of a fold per chunk and tile. Does nothing
    /// without [`Self::has_lanes`].
    pub(crate) fn jackpots_from_lanes(
        &self,
        lanes: &mut [u32],
        chunks: usize,
        jackpots: &mut [Jackpot],
    ) {
        let Some(group_lanes) = &self.group_lanes else {
            return;
        };
        let part = self.lane_len();
        for chunk in JACKPOT_WORDS..chunks {
            let (words, later) = lanes.split_at_mut(chunk * part);
            let word = &mut words[chunk % JACKPOT_WORDS * part..][..part];
            for (w, &x) in word.iter_mut().zip(&later[..part]) {
                *w = w.rotate_left(JACKPOT_ROTATION) ^ x;
            }
        }
        let groups_per_row = self.col_offsets.len();
        let words = chunks.min(JACKPOT_WORDS);
        const ZERO: [u32; 16] = [0; 16];
        for (slot, tiles) in jackpots.chunks_exact_mut(groups_per_row).enumerate() {
            // The slot's lanes by word; turned to words by lane, each tile's 16 words are
            // the XOR of its group's lanes.
            let mut rows = [&ZERO; 16];
            for (row, word) in rows.iter_mut().zip(lanes.chunks_exact(part)).take(words) {
                *row = word[16 * slot..16 * slot + 16]
                    .try_into()
                    .expect("a slot holds 16 lanes");
            }
            xor_columns(&rows, group_lanes, tiles);
        }
    }

    pub(crate) fn tiles(&self) -> usize {
        self.row_offsets.len() * self.col_offsets.len()
    }
}

/// A zero-filled buffer whose first element sits on a 64-byte boundary (a cache line), so
/// that the kernels' 64-byte loads of panels and accumulators never straddle two lines
/// (a split load costs a second load-port cycle: about a sixth of the VNNI kernel's rate).
/// The Vec is never resized, so its heap block, and the alignment, stay put when it moves.
#[derive(Debug, Clone)]
pub(crate) struct CacheAligned<T> {
    buf: Vec<T>,
    start: usize,
    len: usize,
}

impl<T: Copy + Default> CacheAligned<T> {
    pub(crate) fn new(len: usize) -> Self {
        let slack = 64 / std::mem::size_of::<T>().max(1);
        let buf = vec![T::default(); len + slack];
        // align_offset may answer usize::MAX ("cannot align"); fall back to unaligned.
        let start = buf.as_ptr().align_offset(64).min(slack);
        Self { buf, start, len }
    }
}

impl<T> std::ops::Deref for CacheAligned<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.buf[self.start..self.start + self.len]
    }
}

impl<T> std::ops::DerefMut for CacheAligned<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.buf[self.start..self.start + self.len]
    }
}

impl<'a, T> IntoIterator for &'a CacheAligned<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Panel layout of noised operands: for each block of `period` lines and each r-chunk of
/// the dot product, the block's `period × r` values are contiguous (no cache-set conflicts
/// from the k stride, and one panel per kernel call). Only `dot_len` columns are kept.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Panels {
    period: usize,
    rank: usize,
    chunks: usize,
    /// B panels use the kernels' quad-interleaved layout; A panels are row-major.
    quads: bool,
}

impl Panels {
    pub(crate) fn new(period: usize, rank: usize, dot_len: usize, quads: bool) -> Self {
        Self {
            period,
            rank,
            chunks: dot_len / rank.max(1),
            quads,
        }
    }

    /// Values held for `lines` lines.
    pub(crate) fn len(&self, lines: usize) -> usize {
        lines * self.chunks * self.rank
    }

    /// Stores consecutive noised lines `first..first + count` (`lines` holds them one after
    /// another, `line_len >= dot_len` values each; they may not cross a line block), panel by
    /// panel: each panel's part is written in one pass instead of one piece per line, which
    /// kept A's noise waiting on scattered stores (about a sixth of its time on Zen 4).
    pub(crate) fn store_lines(
        &self,
        packed: &mut [i8],
        first: usize,
        lines: &[i8],
        line_len: usize,
    ) {
        let count = lines.len() / line_len.max(1);
        let (block, within) = (first / self.period, first % self.period);
        assert!(
            within + count <= self.period && line_len >= self.chunks * self.rank,
            "lines {first}..{} do not fit one panel block of {} lines",
            first + count,
            self.period
        );
        let size = self.period * self.rank;
        for chunk in 0..self.chunks {
            let panel = &mut packed[(block * self.chunks + chunk) * size..][..size];
            let pieces = lines
                .chunks_exact(line_len)
                .map(|line| &line[chunk * self.rank..(chunk + 1) * self.rank]);
            for (j, piece) in (within..).zip(pieces) {
                if self.quads {
                    crate::kernel::store_b_line(piece, j, self.period, panel);
                } else {
                    panel[j * self.rank..(j + 1) * self.rank].copy_from_slice(piece);
                }
            }
        }
    }

    /// Every chunk's panel of line block `block`, chunk by chunk (`chunks · period · r`
    /// values), as [`crate::Kernel::accumulate_lanes`] reads them.
    pub(crate) fn block<'a>(&self, packed: &'a [i8], block: usize) -> &'a [i8] {
        let size = self.chunks * self.period * self.rank;
        &packed[block * size..(block + 1) * size]
    }

    /// The `period × r` panel of line block `block`, chunk `chunk`.
    pub(crate) fn panel<'a>(&self, packed: &'a [i8], block: usize, chunk: usize) -> &'a [i8] {
        let size = self.period * self.rank;
        let start = (block * self.chunks + chunk) * size;
        &packed[start..start + size]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_aligned_buffers_start_on_a_line_and_keep_their_length() {
        for len in [0usize, 1, 63, 4096] {
            let mut bytes = CacheAligned::<i8>::new(len);
            let words = CacheAligned::<i32>::new(len);
            assert_eq!((bytes.len(), words.len()), (len, len));
            assert_eq!(bytes.as_ptr() as usize % 64, 0);
            assert_eq!(words.as_ptr() as usize % 64, 0);
            assert!(bytes.iter().all(|&v| v == 0) && words.iter().all(|&v| v == 0));
            bytes.fill(3);
            let moved = bytes;
            assert_eq!(moved.as_ptr() as usize % 64, 0);
            assert!(moved.iter().all(|&v| v == 3));
        }
    }
    use crate::shape::Shape;

    fn layout(rows: Vec<u32>, cols: Vec<u32>) -> BlockLayout {
        let period = pearl_protocol::PeriodicPattern::from_list(&cols)
            .expect("pattern")
            .period();
        let shape = Shape {
            m: 256,
            n: 2048 - 2048 % period,
            k: 2048,
            rank: 128,
            rows_pattern: rows,
            cols_pattern: cols,
        };
        BlockLayout::new(&shape.parse().expect("valid shape")).expect("tiles")
    }

    /// Lanes folded per row group and lane, as `Kernel::accumulate_lanes` writes them.
    fn lanes_of(layout: &BlockLayout, acc: &[i32]) -> Vec<u32> {
        let mut lanes = vec![0u32; layout.lane_len()];
        for (row, line) in acc.chunks_exact(layout.cols_period).enumerate() {
            let slot = layout.row_slots[row] as usize;
            for (col, &v) in line.iter().enumerate() {
                lanes[16 * slot + col % 16] ^= v as u32;
            }
        }
        lanes
    }

    /// A panel block's lines stored in one call land where storing them one by one puts
    /// them, in both panel forms, and a value lands where the layout says.
    #[test]
    fn lines_stored_together_or_one_by_one_land_in_the_same_panels() {
        let (period, rank, chunks, k) = (4, 8, 3, 28);
        for quads in [false, true] {
            let panels = Panels::new(period, rank, chunks * rank, quads);
            let lines: Vec<i8> = (0..2 * period * k).map(|v| (v % 251) as i8).collect();
            let (mut together, mut one_by_one) = (vec![0; panels.len(8)], vec![0; panels.len(8)]);
            for block in 0..2 {
                let first = block * period;
                panels.store_lines(
                    &mut together,
                    first,
                    &lines[first * k..(first + period) * k],
                    k,
                );
            }
            for (line, values) in lines.chunks_exact(k).enumerate() {
                panels.store_lines(&mut one_by_one, line, values, k);
            }
            assert_eq!(together, one_by_one, "quads: {quads}");
            // Line 5 (block 1, row j = 1), chunk 2, value l = 6: row-major A panels (row j,
            // value l), quad-interleaved B (k-quad l / 4, column j, byte l % 4).
            let (j, l) = (1, 6);
            let value = lines[5 * k + 2 * rank + l];
            let panel = &together[(chunks + 2) * period * rank..][..period * rank];
            let at = if quads {
                (l / 4 * period + j) * 4 + l % 4
            } else {
                j * rank + l
            };
            assert_eq!(panel[at], value, "quads: {quads}");
        }
    }

    /// Lines that would run past their panel block are a caller bug: refused, not wrapped.
    #[test]
    #[should_panic(expected = "do not fit one panel block")]
    fn lines_crossing_a_panel_block_are_refused() {
        let panels = Panels::new(4, 8, 16, false);
        let mut packed = vec![0; panels.len(8)];
        panels.store_lines(&mut packed, 3, &[0; 2 * 16], 16);
    }

    /// Jackpots from lanes equal the direct path (each chunk's tile XORs folded with
    /// `jackpot::fold`) for three column patterns and 1, 16 and 40 chunks (more chunks than
    /// jackpot words: words folded twice and three times).
    #[test]
    fn jackpots_from_lanes_equal_the_direct_fold() {
        let cases = [
            // The CPU default: pairs every 8 columns, rows [0,8].
            (
                vec![0, 8],
                (0..32u32).flat_map(|p| [p * 8, p * 8 + 1]).collect(),
            ),
            // 16 consecutive columns, rows [0,1].
            (vec![0, 1], (0..16).collect()),
            // Columns every 4th, 4 groups in 16.
            (vec![0, 4], (0..32u32).map(|c| c * 4).collect::<Vec<_>>()),
        ];
        let mut state = 1u32;
        for (rows, cols) in cases {
            let layout = layout(rows, cols);
            assert!(layout.has_lanes());
            for chunks in [1, 16, 40] {
                let mut want = vec![[0u32; JACKPOT_WORDS]; layout.tiles()];
                let mut lanes = Vec::new();
                let mut xors = vec![0u32; layout.tiles()];
                let mut row_xor = vec![0u32; layout.cols_period];
                for chunk in 0..chunks {
                    let acc: Vec<i32> = (0..layout.rows_period * layout.cols_period)
                        .map(|_| {
                            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                            state as i32
                        })
                        .collect();
                    layout.tile_xors(&acc, &mut row_xor, &mut xors);
                    for (j, &x) in want.iter_mut().zip(&xors) {
                        crate::jackpot::fold(j, chunk, x);
                    }
                    lanes.extend(lanes_of(&layout, &acc));
                }
                let mut got = vec![[u32::MAX; JACKPOT_WORDS]; layout.tiles()];
                layout.jackpots_from_lanes(&mut lanes, chunks, &mut got);
                assert_eq!(got, want, "{chunks} chunks");
            }
        }
    }

    #[test]
    fn a_group_map_that_does_not_repeat_every_16_columns_has_no_lanes() {
        // 24 consecutive columns: period 24, not a multiple of 16.
        let layout = layout(vec![0, 8], (0..24).collect());
        assert!(!layout.has_lanes());
    }
}
