//! AVX-512 VNNI kernel: `vpdpbusd` adds four u8·i8 products into each i32 lane in one uop,
//! with no saturation. The offset goes on B: `b + 128` (= `b XOR 0x80` per byte) lies in
//! [0, 255], and Σ (b+128)·a = Σ a·b + 128·Σ a. The 128·Σ a term is one scalar per row,
//! computed once per row block and preloaded negated into the accumulators, so every lane is
//! exact modulo 2^32 for all i8 inputs, as the portable kernel's wrapping sums are. (Offsetting
//! A instead would need per-column sums of B and an XOR per broadcast.) A's quad is the signed
//! operand, broadcast to all 16 lanes; B's quad-interleaved panel puts 16 columns in a zmm, so
//! 4 rows × 64 columns stay in 16 registers with no horizontal reductions.
#![allow(unsafe_code)]

use std::arch::x86_64::{
    __m512i, _mm512_add_epi32, _mm512_dpbusd_epi32, _mm512_loadu_si512, _mm512_reduce_add_epi32,
    _mm512_set1_epi8, _mm512_set1_epi32, _mm512_setzero_si512, _mm512_shuffle_i32x4,
    _mm512_slli_epi32, _mm512_storeu_si512, _mm512_sub_epi32, _mm512_unpackhi_epi32,
    _mm512_unpackhi_epi64, _mm512_unpacklo_epi32, _mm512_unpacklo_epi64, _mm512_xor_si512,
};
use std::hint::black_box;

use super::PanelDims;

/// Columns per zmm vector (16 i32 lanes).
const LANES: usize = 16;
/// Vectors per wide register block (64 columns).
const WIDE: usize = 4;

/// Whether this CPU has every feature the kernel is compiled with.
pub(super) fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
        && std::arch::is_x86_feature_detected!("avx512bw")
        && std::arch::is_x86_feature_detected!("avx512vl")
        && std::arch::is_x86_feature_detected!("avx512vnni")
}

/// See [`super::Kernel::accumulate`]: B is offset into a scratch copy, then
/// [`accumulate_offset`] runs. The miner keeps B offset once per job instead.
pub(super) fn accumulate(a: &[i8], b: &[i8], d: PanelDims, acc: &mut [i32]) {
    let offset: Vec<i8> = b[..d.cols * d.r].iter().map(|&v| v ^ i8::MIN).collect();
    accumulate_offset(a, &offset, d, acc);
}

/// Like [`accumulate`] with `b_offset[x] = b[x] XOR 0x80` (the u8 `b + 128`), as the miner
/// stores B's panels for this kernel: no per-load fix-up in the inner loop. 4×64 and 4×16
/// register blocks, portable code for ragged column edges (and for a whole call on a CPU
/// without VNNI, since `Kernel` values can be built without [`super::Kernel::resolve`]).
pub(super) fn accumulate_offset(a: &[i8], b_offset: &[i8], d: PanelDims, acc: &mut [i32]) {
    if !available() {
        let b: Vec<i8> = b_offset[..d.cols * d.r]
            .iter()
            .map(|&v| v ^ i8::MIN)
            .collect();
        super::portable::accumulate(a, &b, d, acc);
        return;
    }
    let b = b_offset;
    let cols16 = d.cols - d.cols % LANES;
    if d.rows.is_multiple_of(4) && d.rows <= MAX_COLUMN_MAJOR_ROWS && cols16 == d.cols {
        // SAFETY: `available()` confirmed the features; Kernel::accumulate_packed asserted
        // the lengths; rows is a multiple of 4 within the offsets array, cols of 16.
        unsafe { column_blocks_outer(a, b, d, acc) };
        return;
    }
    let mut i = 0;
    while i < d.rows {
        let rows_here = (d.rows - i).min(4);
        // SAFETY: `available()` confirmed avx512f/bw/vl/vnni just above; Kernel::accumulate
        // asserted that a holds rows·r values, b cols·r and acc rows·cols; i + rows_here <= rows.
        unsafe {
            match rows_here {
                4 => row_block::<4>(a, b, d, i, cols16, acc),
                3 => row_block::<3>(a, b, d, i, cols16, acc),
                2 => row_block::<2>(a, b, d, i, cols16, acc),
                _ => row_block::<1>(a, b, d, i, cols16, acc),
            }
        }
        i += rows_here;
    }
    if cols16 < d.cols {
        let signed: Vec<i8> = b[..d.cols * d.r].iter().map(|&v| v ^ i8::MIN).collect();
        super::portable::accumulate_rows(a, &signed, d, 0..d.rows, cols16..d.cols, acc);
    }
}

/// -128·Σ line, wrapping like the accumulators.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
fn row_offset(line: &[i8]) -> i32 {
    let tail = line
        .chunks_exact(64)
        .remainder()
        .iter()
        .fold(0i32, |s, &v| s.wrapping_add(i32::from(v)));
    _mm512_reduce_add_epi32(partial_sums(line))
        .wrapping_add(tail)
        .wrapping_mul(-128)
}

/// Σ of `line`'s whole 64-byte pieces, in 16 partial sums (`vpdpbusd` by ones); a tail
/// shorter than 64 bytes is left out.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
fn partial_sums(line: &[i8]) -> __m512i {
    let ones = _mm512_set1_epi8(1);
    let mut sums = _mm512_setzero_si512();
    for piece in line.chunks_exact(64) {
        // SAFETY: `piece` holds exactly 64 bytes; unaligned loads are allowed.
        let v = unsafe { _mm512_loadu_si512(piece.as_ptr().cast()) };
        sums = _mm512_dpbusd_epi32(sums, ones, v);
    }
    sums
}

/// Rows `i0..i0+R`, columns `0..cols16` (a multiple of 16).
///
/// Most rows the column-major order handles (its row offsets live on the stack).
const MAX_COLUMN_MAJOR_ROWS: usize = 64;

/// The whole panel with column blocks outermost: one 64-column slice of B (64·r bytes, 8 KiB
/// at r=128) stays in L1 while every 4-row group of A passes over it, instead of the whole
/// B panel (cols·r) being re-read from L2 for each row group.
///
/// # Safety
/// The CPU supports avx512f/bw/vl/vnni; `rows` is a multiple of 4 and at most
/// [`MAX_COLUMN_MAJOR_ROWS`], `cols` a multiple of 16, and the slices hold at least the
/// lengths `Kernel::accumulate` asserts.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
unsafe fn column_blocks_outer(a: &[i8], b: &[i8], d: PanelDims, acc: &mut [i32]) {
    let mut offsets = [0i32; MAX_COLUMN_MAJOR_ROWS];
    for (row, slot) in offsets.iter_mut().take(d.rows).enumerate() {
        *slot = row_offset(&a[row * d.r..(row + 1) * d.r]);
    }
    let wide = d.cols - d.cols % (WIDE * LANES);
    for j in (0..wide).step_by(WIDE * LANES) {
        for i in (0..d.rows).step_by(4) {
            let o = [offsets[i], offsets[i + 1], offsets[i + 2], offsets[i + 3]];
            // SAFETY: same features; i + 4 <= rows and j + 64 <= cols (contract).
            unsafe { block::<4, WIDE>(a, b, d, i, j, o, acc) };
        }
    }
    for j in (wide..d.cols).step_by(LANES) {
        for i in (0..d.rows).step_by(4) {
            let o = [offsets[i], offsets[i + 1], offsets[i + 2], offsets[i + 3]];
            // SAFETY: as above, with j + 16 <= cols.
            unsafe { block::<4, 1>(a, b, d, i, j, o, acc) };
        }
    }
}

/// # Safety
/// The CPU supports avx512f/bw/vl/vnni; `i0 + R <= rows`, `cols16 <= cols`, and the slices
/// hold at least the lengths `Kernel::accumulate` asserts.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
unsafe fn row_block<const R: usize>(
    a: &[i8],
    b: &[i8],
    d: PanelDims,
    i0: usize,
    cols16: usize,
    acc: &mut [i32],
) {
    let mut offsets = [0i32; R];
    for (row, slot) in offsets.iter_mut().enumerate() {
        *slot = row_offset(&a[(i0 + row) * d.r..(i0 + row + 1) * d.r]);
    }
    let wide = cols16 - cols16 % (WIDE * LANES);
    for j in (0..wide).step_by(WIDE * LANES) {
        // SAFETY: same features as this function; the slices hold the asserted lengths,
        // i0 + R <= rows and j + 64 <= cols16 <= cols.
        unsafe { block::<R, WIDE>(a, b, d, i0, j, offsets, acc) };
    }
    for j in (wide..cols16).step_by(LANES) {
        // SAFETY: as above, with j + 16 <= cols16 <= cols.
        unsafe { block::<R, 1>(a, b, d, i0, j, offsets, acc) };
    }
}

/// Rows `i0..i0+R`, columns `j0..j0+16·V` of the panel product, added into `acc`.
///
/// # Safety
/// The CPU supports avx512f/bw/vl/vnni; `i0 + R <= rows`, `j0 + 16·V <= cols`, and the
/// slices hold at least the lengths `Kernel::accumulate` asserts.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
unsafe fn block<const R: usize, const V: usize>(
    a: &[i8],
    b: &[i8],
    d: PanelDims,
    i0: usize,
    j0: usize,
    offsets: [i32; R],
    acc: &mut [i32],
) {
    let mut c = [[_mm512_set1_epi32(0); V]; R];
    for (cr, &offset) in c.iter_mut().zip(&offsets) {
        *cr = [_mm512_set1_epi32(offset); V];
    }
    for q in 0..d.r / 4 {
        let at = (q * d.cols + j0) * 4;
        let mut bu = [_mm512_setzero_si512(); V];
        for (v, slot) in bu.iter_mut().enumerate() {
            // SAFETY: at + 64·V <= cols·r because j0 + 16·V <= cols and q < r/4 (contract).
            // B is stored offset (u8 b + 128): loaded as is.
            *slot = unsafe { _mm512_loadu_si512(b.as_ptr().add(at + 64 * v).cast()) };
        }
        for (row, cr) in c.iter_mut().enumerate() {
            let offset = (i0 + row) * d.r + 4 * q;
            // SAFETY: offset + 4 <= rows·r because i0 + row < rows and q < r/4.
            let quad = unsafe { a.as_ptr().add(offset).cast::<i32>().read_unaligned() };
            let av = _mm512_set1_epi32(quad);
            for (slot, &bv) in cr.iter_mut().zip(&bu) {
                *slot = _mm512_dpbusd_epi32(*slot, bv, av);
            }
        }
    }
    for (row, cr) in c.iter().enumerate() {
        let start = (i0 + row) * d.cols + j0;
        let out = &mut acc[start..start + LANES * V];
        for (v, &sum) in cr.iter().enumerate() {
            // SAFETY: `out` holds 16·V i32 values, so lanes 16v..16v+16 are in bounds;
            // unaligned loads/stores are allowed.
            unsafe {
                let p = out.as_mut_ptr().add(LANES * v);
                let total = _mm512_add_epi32(_mm512_loadu_si512(p.cast()), sum);
                _mm512_storeu_si512(p.cast(), total);
            }
        }
    }
}

/// −128·Σ of each row of an A panel (`d.rows` rows of `d.r` values): the term that turns
/// `vpdpbusd`'s Σ (b+128)·a back into Σ a·b, for [`accumulate_lanes`].
pub(super) fn row_terms(a: &[i8], d: PanelDims, out: &mut [i32]) {
    if !available() {
        for (row, slot) in out.iter_mut().take(d.rows).enumerate() {
            *slot = a[row * d.r..(row + 1) * d.r]
                .iter()
                .fold(0i32, |s, &v| s.wrapping_add(i32::from(v)))
                .wrapping_mul(-128);
        }
        return;
    }
    let mut row = 0;
    if d.r.is_multiple_of(64) {
        while row + LANES <= d.rows {
            let (lines, terms) = (
                &a[row * d.r..(row + LANES) * d.r],
                &mut out[row..row + LANES],
            );
            // SAFETY: the features were detected above.
            unsafe { sixteen_row_offsets(lines, d.r, terms) };
            row += LANES;
        }
    }
    for (row, slot) in out.iter_mut().enumerate().take(d.rows).skip(row) {
        // SAFETY: the features were detected above.
        *slot = unsafe { row_offset(&a[row * d.r..(row + 1) * d.r]) };
    }
}

/// [`row_offset`] of 16 lines of `r` values (a multiple of 64) at once: each line's
/// `vpdpbusd` partial sums, then one reduction tree for all 16 (unpacks and 128-bit lane
/// shuffles), where a reduction per line cost about as much as the sums themselves.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
fn sixteen_row_offsets(lines: &[i8], r: usize, out: &mut [i32]) {
    assert!(lines.len() >= LANES * r && r.is_multiple_of(64) && out.len() >= LANES);
    let sums: [__m512i; LANES] =
        std::array::from_fn(|row| partial_sums(&lines[row * r..(row + 1) * r]));
    // Pairs of lines: per 128-bit lane (x0+x2, y0+y2, x1+x3, y1+y3).
    let pairs: [__m512i; 8] = std::array::from_fn(|i| {
        let (x, y) = (sums[2 * i], sums[2 * i + 1]);
        _mm512_add_epi32(_mm512_unpacklo_epi32(x, y), _mm512_unpackhi_epi32(x, y))
    });
    // Quads: per 128-bit lane, that lane's sum of each of 4 lines, in order.
    let quads: [__m512i; 4] = std::array::from_fn(|i| {
        let (x, y) = (pairs[2 * i], pairs[2 * i + 1]);
        _mm512_add_epi32(_mm512_unpacklo_epi64(x, y), _mm512_unpackhi_epi64(x, y))
    });
    // Across the four 128-bit lanes: [a0+a1, a2+a3, b0+b1, b2+b3], then whole sums with
    // 128-bit lane i holding lines 4i..4i+4.
    let across = |x: __m512i, y: __m512i| {
        _mm512_add_epi32(
            _mm512_shuffle_i32x4::<0b10_00_10_00>(x, y),
            _mm512_shuffle_i32x4::<0b11_01_11_01>(x, y),
        )
    };
    let halves = [across(quads[0], quads[1]), across(quads[2], quads[3])];
    let totals = across(halves[0], halves[1]);
    let terms = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_slli_epi32::<7>(totals));
    // SAFETY: `out` holds at least 16 values (asserted); unaligned stores are allowed.
    unsafe { _mm512_storeu_si512(out.as_mut_ptr().cast(), terms) };
}

/// [`super::Kernel::accumulate_lanes`] for this kernel (B offset): `chunks` consecutive
/// A and B panels, the row terms of each (`terms[c·rows..]`, from [`row_terms`]), and the
/// tile XORs fused into the register blocks: after chunk c, `lanes[c·L + 16·s + l]`
/// (L = `lanes.len() / chunks`) is XORed with every updated accumulator `[i][j]` with
/// `row_slots[i] = s` and `j ≡ l (mod 16)` (the caller checks that terms and slots
/// fit). Each register block starts at zero and runs through every chunk with its
/// accumulators in registers: no accumulator is read from or written to memory. Only where
/// [`fuses_chunks`] holds; the caller takes its per-chunk path elsewhere.
pub(super) fn accumulate_lanes(
    a: &[i8],
    b_offset: &[i8],
    d: PanelDims,
    chunks: usize,
    terms: &[i32],
    row_slots: &[u32],
    lanes: &mut [u32],
) {
    assert!(
        fuses_chunks(d),
        "VNNI register blocks need the features and 16-column panels"
    );
    let part = lanes.len() / chunks;
    let at = Chunks {
        a,
        b: b_offset,
        d,
        chunks,
        terms,
        row_slots,
        part,
    };
    let wide = d.cols - d.cols % (WIDE * LANES);
    // Column slices outermost: the A panels (rows·r per chunk) stay in L1 while each slice
    // of B streams through once per row group.
    for j in (0..wide).step_by(WIDE * LANES) {
        // SAFETY: `available()` confirmed the features; Kernel::accumulate_lanes asserted
        // that a and b fit `d` for `chunks` chunks, that terms holds chunks·rows values
        // and row_slots rows, each below part/16; j + 64 <= wide <= cols.
        unsafe { lane_slice::<WIDE>(at, j, lanes) };
    }
    for j in (wide..d.cols).step_by(LANES) {
        // SAFETY: as above, with j + 16 <= cols (a multiple of 16).
        unsafe { lane_slice::<1>(at, j, lanes) };
    }
}

/// Whether [`accumulate_lanes`] runs here: the CPU has the features and the panel's columns
/// fill whole 16-lane vectors.
pub(super) fn fuses_chunks(d: PanelDims) -> bool {
    available() && d.cols.is_multiple_of(LANES)
}

/// The operands of one [`accumulate_lanes`] call.
#[derive(Clone, Copy)]
struct Chunks<'a> {
    a: &'a [i8],
    b: &'a [i8],
    d: PanelDims,
    chunks: usize,
    terms: &'a [i32],
    row_slots: &'a [u32],
    /// Lanes per chunk.
    part: usize,
}

/// Rows per register block of [`accumulate_lanes`]: 6 rows × 64 columns are 24
/// accumulators, with 4 B vectors and a broadcast 29 of the 32 zmm registers, and each B
/// vector loaded serves 6 rows instead of 4: a third less of the strip streamed from L2
/// (Zen 5: the kernel alone 80-92 % -> 93-97 % of the peak).
const LANE_ROWS: usize = 6;

/// Columns `j..j+16·V` of [`accumulate_lanes`], every row, in blocks of up to
/// [`LANE_ROWS`] rows.
///
/// # Safety
/// As [`accumulate_lanes`] after its checks: features present, `j + 16·V <= cols`, slices
/// long enough, slots below `part / 16`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
unsafe fn lane_slice<const V: usize>(at: Chunks<'_>, j: usize, lanes: &mut [u32]) {
    let mut i = 0;
    while i < at.d.rows {
        let rows = (at.d.rows - i).min(LANE_ROWS);
        // SAFETY: the contract above; i + rows <= rows of the panel in each arm.
        unsafe {
            match rows {
                1 => lane_block::<1, V>(at, i, j, lanes),
                2 => lane_block::<2, V>(at, i, j, lanes),
                3 => lane_block::<3, V>(at, i, j, lanes),
                4 => lane_block::<4, V>(at, i, j, lanes),
                5 => lane_block::<5, V>(at, i, j, lanes),
                _ => lane_block::<LANE_ROWS, V>(at, i, j, lanes),
            }
        }
        i += rows;
    }
}

/// Rows `i0..i0+R`, columns `j0..j0+16·V`, through every chunk c: accumulators (from zero)
/// `+= terms_c + Σ (b+128)·a` in registers, then each row's XOR over its V vectors into the
/// lanes of chunk c at the row's slot.
///
/// # Safety
/// The CPU supports avx512f/bw/vl/vnni; `i0 + R <= rows`, `j0 + 16·V <= cols`; a holds
/// chunks·rows·r values, b chunks·cols·r, terms chunks·rows; every row slot
/// is below `part / 16` and lanes holds chunks·part values.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
unsafe fn lane_block<const R: usize, const V: usize>(
    at: Chunks<'_>,
    i0: usize,
    j0: usize,
    lanes: &mut [u32],
) {
    let d = at.d;
    let mut c = [[_mm512_setzero_si512(); V]; R];
    let mut slots = [0usize; R];
    for (row, slot) in slots.iter_mut().enumerate() {
        *slot = at.row_slots[i0 + row] as usize;
    }
    let lanes_ptr = lanes.as_mut_ptr();
    for chunk in 0..at.chunks {
        let terms = &at.terms[chunk * d.rows + i0..][..R];
        for (cr, &term) in c.iter_mut().zip(terms) {
            let term = _mm512_set1_epi32(term);
            for slot in cr.iter_mut() {
                *slot = _mm512_add_epi32(*slot, term);
            }
        }
        // SAFETY: chunk < chunks, so both panels lie inside a and b (contract).
        let (a_ptr, b_ptr) = unsafe {
            (
                at.a.as_ptr().add(chunk * d.rows * d.r),
                at.b.as_ptr().add(chunk * d.cols * d.r),
            )
        };
        for q in 0..d.r / 4 {
            let at_b = (q * d.cols + j0) * 4;
            let mut bu = [_mm512_setzero_si512(); V];
            for (v, slot) in bu.iter_mut().enumerate() {
                // SAFETY: at_b + 64·V <= cols·r because j0 + 16·V <= cols and q < r/4.
                *slot = unsafe { _mm512_loadu_si512(b_ptr.add(at_b + 64 * v).cast()) };
            }
            for (row, cr) in c.iter_mut().enumerate() {
                // SAFETY: (i0 + row)·r + 4q + 4 <= rows·r because i0 + row < rows, q < r/4.
                let quad = unsafe {
                    a_ptr
                        .add((i0 + row) * d.r + 4 * q)
                        .cast::<i32>()
                        .read_unaligned()
                };
                let av = _mm512_set1_epi32(quad);
                for (slot, &bv) in cr.iter_mut().zip(&bu) {
                    *slot = _mm512_dpbusd_epi32(*slot, bv, av);
                }
            }
        }
        for (cr, &slot) in c.iter().zip(&slots) {
            let mut x = cr[0];
            for &sum in &cr[1..] {
                x = _mm512_xor_si512(x, sum);
            }
            // SAFETY: chunk·part + 16·slot + 16 <= chunks·part since slot < part/16.
            unsafe {
                let p = lanes_ptr.add(chunk * at.part + slot * LANES).cast();
                _mm512_storeu_si512(p, _mm512_xor_si512(_mm512_loadu_si512(p), x));
            }
        }
    }
}

/// Runs `vpdpbusd` (zmm) for about `seconds`; returns (MACs done, seconds taken).
pub(crate) fn probe_vnni_macs(seconds: f64) -> (u64, f64) {
    if !available() {
        return (0, 0.0);
    }
    // SAFETY: the required AVX-512 features were detected just above.
    unsafe { probe(seconds) }
}

/// # Safety
/// The CPU supports avx512f/bw/vl/vnni.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
unsafe fn probe(seconds: f64) -> (u64, f64) {
    const ROUND: u64 = 1 << 12;
    const CHAINS: usize = 12;
    let x = black_box(_mm512_set1_epi8(3));
    let y = black_box(_mm512_set1_epi8(-2));
    // Each chain feeds its result back in, so nothing can be hoisted out of the loop.
    let mut c = [black_box(_mm512_set1_epi32(1)); CHAINS];
    // 16 lanes × 4 products per instruction.
    let done = super::timed_rounds(seconds, ROUND * CHAINS as u64 * 64, || {
        for _ in 0..ROUND {
            for slot in c.iter_mut() {
                *slot = _mm512_dpbusd_epi32(*slot, x, y);
            }
        }
    });
    black_box(c);
    done
}
