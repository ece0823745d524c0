//! Kernels agree with each other and with a plain i32 reference on random inputs. Each runs
//! where this CPU has it; elsewhere its test prints one line saying it skipped it and why.

use pearl_miner::kernel::{
    Kernel, KernelChoice, NARROW_A, NARROW_B, PanelDims, avx2_available, avx512vnni_available,
    pack_b_panel,
};

use crate::common::kernel_or_skip;

fn lcg(state: &mut u64) -> u64 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *state >> 33
}

/// Values in [-127, 127], with the extremes planted regularly.
fn random_operand(len: usize, state: &mut u64) -> Vec<i8> {
    (0..len)
        .map(|i| match i % 97 {
            0 => 127,
            1 => -127,
            _ => (lcg(state) % 255) as i16 as i8,
        })
        .map(|v: i8| v.max(-127))
        .collect()
}

/// Values in [`NARROW_B`] (the miner's B), with its extremes planted regularly.
fn narrow_operand(len: usize, state: &mut u64) -> Vec<i8> {
    (0..len)
        .map(|i| match i % 89 {
            0 => *NARROW_B.end(),
            1 => *NARROW_B.start(),
            _ => ((lcg(state) % 129) as i16 - 64) as i8,
        })
        .collect()
}

/// Values in [`NARROW_A`] (the miner's A), with its extremes planted regularly.
fn narrow_a_operand(len: usize, state: &mut u64) -> Vec<i8> {
    (0..len)
        .map(|i| match i % 83 {
            0 => *NARROW_A.end(),
            1 => *NARROW_A.start(),
            _ => ((lcg(state) % 128) as i16 - 64) as i8,
        })
        .collect()
}

/// B for `kernel`: narrow for the AVX2 kernel (its own form needs it), [-127, 127] for the
/// others.
fn b_operand(kernel: Kernel, len: usize, state: &mut u64) -> Vec<i8> {
    if kernel == Kernel::Avx2 {
        narrow_operand(len, state)
    } else {
        random_operand(len, state)
    }
}

/// The largest |b| `kernel` takes through its own B form.
fn b_limit(kernel: Kernel) -> i8 {
    if kernel == Kernel::Avx2 {
        *NARROW_B.end()
    } else {
        127
    }
}

/// Runs `kernel` on A (rows × r, row-major) and B lines (cols lines of `ldb`, chunk at k0).
fn run(
    kernel: Kernel,
    a: &[i8],
    b: &[i8],
    ldb: usize,
    k0: usize,
    dims: PanelDims,
    acc: &mut [i32],
) {
    let mut panel = vec![0i8; dims.cols * dims.r];
    pack_b_panel(b, ldb, k0, dims, &mut panel);
    kernel.accumulate(a, &panel, dims, acc);
}

fn reference(a: &[i8], b: &[i8], ldb: usize, k0: usize, d: PanelDims) -> Vec<i32> {
    let mut out = vec![0i32; d.rows * d.cols];
    for i in 0..d.rows {
        for j in 0..d.cols {
            out[i * d.cols + j] = (0..d.r)
                .map(|l| i32::from(a[i * d.r + l]) * i32::from(b[j * ldb + k0 + l]))
                .sum();
        }
    }
    out
}

fn check(kernel: Kernel) {
    let mut state = 7u64;
    for (rows, cols, r, k0) in [
        (16, 256, 128, 128),
        (2, 16, 128, 0),
        (3, 7, 64, 32),
        (5, 40, 32, 8),
        (1, 1, 4, 0),
        (7, 33, 256, 0),
    ] {
        let ldb = k0 + r + 12;
        let a = random_operand(rows * r, &mut state);
        let b = b_operand(kernel, cols * ldb, &mut state);
        let d = PanelDims { rows, cols, r };
        let mut acc = vec![5i32; rows * cols];
        run(kernel, &a, &b, ldb, k0, d, &mut acc);
        let want: Vec<i32> = reference(&a, &b, ldb, k0, d)
            .iter()
            .map(|v| v + 5)
            .collect();
        assert_eq!(acc, want, "{kernel:?} on {d:?}");
    }
    // Extremes: ±127 in A and B's largest magnitude everywhere, the worst case for i16
    // pair sums.
    let top = b_limit(kernel);
    for (x, y) in [(127i8, top), (-127, top), (-127, -top), (0, -top)] {
        let d = PanelDims {
            rows: 4,
            cols: 16,
            r: 256,
        };
        let mut acc = vec![0i32; 64];
        run(
            kernel,
            &vec![x; 4 * 256],
            &vec![y; 16 * 256],
            256,
            0,
            d,
            &mut acc,
        );
        assert!(
            acc.iter().all(|&v| v == 256 * i32::from(x) * i32::from(y)),
            "{kernel:?} {x}·{y}"
        );
    }
}

#[test]
fn portable_kernel_matches_reference() {
    check(Kernel::Portable);
}

#[test]
fn avx2_kernel_matches_reference() {
    let Some(kernel) = kernel_or_skip("avx2_kernel_matches_reference", KernelChoice::Avx2) else {
        return;
    };
    assert_eq!(kernel, Kernel::Avx2);
    check(kernel);
    check_against_portable(kernel);
}

/// A panel with a B value outside [`NARROW_B`] still gives exact sums through the AVX2
/// kernel's shared-form entry point, which hands it to the portable kernel.
#[test]
fn avx2_kernel_is_exact_for_b_outside_the_narrow_range() {
    let Some(kernel) = kernel_or_skip(
        "avx2_kernel_is_exact_for_b_outside_the_narrow_range",
        KernelChoice::Avx2,
    ) else {
        return;
    };
    let mut state = 11u64;
    let d = PanelDims {
        rows: 6,
        cols: 40,
        r: 64,
    };
    let a = random_operand(d.rows * d.r, &mut state);
    let mut b = narrow_operand(d.cols * d.r, &mut state);
    b[77] = 65;
    let mut acc = vec![3i32; d.rows * d.cols];
    run(kernel, &a, &b, d.r, 0, d, &mut acc);
    let want: Vec<i32> = reference(&a, &b, d.r, 0, d).iter().map(|v| v + 3).collect();
    assert_eq!(acc, want);
}

/// With A in [`NARROW_A`] the AVX2 kernel adds two k-quads' pair sums in i16: exact at the
/// extremes (four products of 128·(−64) make −32768, i16's least value; of 128·63, 32256),
/// on random narrow panels, for r not a multiple of 8 (one quad at a time), and when one A
/// value leaves the range (the panel takes the one-quad path).
#[test]
fn avx2_two_quad_path_is_exact_for_narrow_a() {
    let Some(kernel) = kernel_or_skip(
        "avx2_two_quad_path_is_exact_for_narrow_a",
        KernelChoice::Avx2,
    ) else {
        return;
    };
    let mut state = 19u64;
    for r in [8, 12, 64, 128] {
        let d = PanelDims {
            rows: 5,
            cols: 72,
            r,
        };
        let extremes = [
            (*NARROW_A.start(), *NARROW_B.end()),
            (*NARROW_A.end(), *NARROW_B.end()),
            (*NARROW_A.start(), *NARROW_B.start()),
            // Just outside: two quads would make −33280, which i16 cannot hold.
            (*NARROW_A.start() - 1, *NARROW_B.end()),
        ];
        let mut cases: Vec<(Vec<i8>, Vec<i8>)> = extremes
            .iter()
            .map(|&(a, b)| (vec![a; d.rows * r], vec![b; d.cols * r]))
            .collect();
        let random = narrow_a_operand(d.rows * r, &mut state);
        let mut outside = random.clone();
        outside[d.rows * r / 2] = -65;
        cases.push((random, narrow_operand(d.cols * r, &mut state)));
        cases.push((outside, narrow_operand(d.cols * r, &mut state)));
        for (a, b) in cases {
            let mut acc = vec![-5i32; d.rows * d.cols];
            run(kernel, &a, &b, r, 0, d, &mut acc);
            let want: Vec<i32> = reference(&a, &b, r, 0, d).iter().map(|v| v - 5).collect();
            assert_eq!(acc, want, "r = {r}, a[0] = {}, b[0] = {}", a[0], b[0]);
        }
    }
}

/// The AVX2 kernel's own B form refuses a value outside [`NARROW_B`] (b+64 would
/// saturate its i16 pair sums) rather than give wrong sums later.
#[test]
fn avx2_own_b_form_refuses_values_outside_the_narrow_range() {
    let Some(kernel) = kernel_or_skip(
        "avx2_own_b_form_refuses_values_outside_the_narrow_range",
        KernelChoice::Avx2,
    ) else {
        return;
    };
    let d = PanelDims {
        rows: 2,
        cols: 32,
        r: 8,
    };
    for bad in [65i8, -65, 127, -128] {
        let mut quad = vec![64i8; d.cols * d.r];
        quad[100] = bad;
        let mut out = vec![0i8; quad.len()];
        let refused = std::panic::catch_unwind(move || kernel.own_b_panel(&quad, d, &mut out));
        assert!(refused.is_err(), "{bad} was accepted");
    }
    let mut out = vec![0i8; d.cols * d.r];
    kernel.own_b_panel(&vec![-64i8; d.cols * d.r], d, &mut out);
}

/// Any i8 value, -128 included (the VNNI kernel is exact for the whole range).
fn full_range_operand(len: usize, state: &mut u64) -> Vec<i8> {
    (0..len).map(|_| lcg(state) as u8 as i8).collect()
}

/// `kernel` equals the portable kernel on panels whose column counts cover 64-wide blocks,
/// 16-wide blocks and scalar edges, from accumulators that wrap past i32::MAX and i32::MIN.
/// A spans the whole i8 range; B the range the kernel takes.
fn check_against_portable(kernel: Kernel) {
    let mut state = 99u64;
    for (rows, cols, r) in [
        (16, 256, 128),
        (5, 80, 64),
        (6, 95, 32),
        (3, 130, 256),
        (1, 15, 8),
        (9, 64, 4),
        (2, 48, 96),
        (4, 16, 1024),
    ] {
        let d = PanelDims { rows, cols, r };
        for operand in [random_operand, full_range_operand] {
            let a = operand(rows * r, &mut state);
            let b = if kernel == Kernel::Avx2 {
                narrow_operand(cols * r, &mut state)
            } else {
                operand(cols * r, &mut state)
            };
            let start: Vec<i32> = (0..rows * cols)
                .map(|x| match x % 3 {
                    0 => i32::MAX - (lcg(&mut state) % 1000) as i32,
                    1 => i32::MIN + (lcg(&mut state) % 1000) as i32,
                    _ => lcg(&mut state) as i32,
                })
                .collect();
            let mut want = start.clone();
            let mut got = start.clone();
            run(Kernel::Portable, &a, &b, r, 0, d, &mut want);
            run(kernel, &a, &b, r, 0, d, &mut got);
            assert_eq!(got, want, "{kernel:?} vs portable on {d:?}");
            // Cumulative calls keep wrapping the same way.
            run(Kernel::Portable, &a, &b, r, 0, d, &mut want);
            run(kernel, &a, &b, r, 0, d, &mut got);
            assert_eq!(got, want, "{kernel:?} vs portable, second call on {d:?}");
        }
    }
    // ±127 in A and B's largest magnitude everywhere, with sums that wrap: 1024·127·top
    // added to i32::MAX - 5.
    let top = b_limit(kernel);
    for (x, y) in [
        (127i8, top),
        (-127, top),
        (127, -top),
        (-127, -top),
        (-128, top),
    ] {
        let d = PanelDims {
            rows: 5,
            cols: 90,
            r: 1024,
        };
        let mut acc = vec![i32::MAX - 5; d.rows * d.cols];
        let a = vec![x; d.rows * d.r];
        let b = vec![y; d.cols * d.r];
        run(kernel, &a, &b, d.r, 0, d, &mut acc);
        let product = 1024 * i32::from(x) * i32::from(y);
        assert!(
            acc.iter()
                .all(|&v| v == (i32::MAX - 5).wrapping_add(product)),
            "{kernel:?} {x}·{y}"
        );
    }
}

#[test]
fn avx512vnni_kernel_matches_portable() {
    let Some(kernel) = kernel_or_skip(
        "avx512vnni_kernel_matches_portable",
        KernelChoice::Avx512Vnni,
    ) else {
        return;
    };
    assert_eq!(kernel, Kernel::Avx512Vnni);
    assert_eq!(kernel.name(), "avx512-vnni");
    check(kernel);
    check_against_portable(kernel);
}

/// The miner's own entry point: B's panel in each kernel's form (`b XOR 0x80` for VNNI,
/// b+64 strips for AVX2) gives the portable kernel's sums, bit for bit, over the whole i8
/// range of A and the range of B each kernel takes.
#[test]
fn packed_b_path_matches_portable_for_every_kernel() {
    let mut state = 7u64;
    for choice in [
        KernelChoice::Portable,
        KernelChoice::Avx2,
        KernelChoice::Avx512Vnni,
    ] {
        let Some(kernel) =
            kernel_or_skip("packed_b_path_matches_portable_for_every_kernel", choice)
        else {
            continue;
        };
        for (rows, cols, r) in [(16, 256, 128), (5, 80, 64), (3, 130, 256), (1, 15, 8)] {
            let d = PanelDims { rows, cols, r };
            let a = full_range_operand(rows * r, &mut state);
            let a: Vec<i8> = a.iter().map(|v| v.max(&-127)).copied().collect();
            let lines = full_range_operand(cols * r, &mut state);
            let limit = b_limit(kernel);
            let lines: Vec<i8> = lines.iter().map(|&v| v.clamp(-limit, limit)).collect();
            let mut b = vec![0i8; cols * r];
            pack_b_panel(&lines, r, 0, d, &mut b);
            let mut packed = vec![0i8; cols * r];
            kernel.own_b_panel(&b, d, &mut packed);
            let start: Vec<i32> = (0..rows * cols).map(|_| lcg(&mut state) as i32).collect();
            let mut want = start.clone();
            let mut got = start;
            Kernel::Portable.accumulate(&a, &b, d, &mut want);
            kernel.accumulate_packed(&a, &packed, d, &mut got);
            assert_eq!(got, want, "{kernel:?} packed vs portable on {d:?}");
        }
    }
}

#[test]
fn auto_resolves_to_the_fastest_kernel_this_cpu_runs_and_refuses_what_it_lacks() {
    let want = if avx512vnni_available() {
        Kernel::Avx512Vnni
    } else if avx2_available() {
        Kernel::Avx2
    } else if pearl_miner::kernel::neon_available() {
        pearl_miner::kernel::aarch64_auto_kernel(
            pearl_miner::kernel::neon_dotprod_available(),
            pearl_miner::kernel::neon_i8mm_available(),
        )
    } else {
        Kernel::Portable
    };
    assert_eq!(Kernel::resolve(KernelChoice::Auto), Ok(want));
    assert_eq!(
        Kernel::resolve(KernelChoice::Avx2).is_ok(),
        avx2_available()
    );
    assert_eq!(
        Kernel::resolve(KernelChoice::Avx512Vnni).is_ok(),
        avx512vnni_available()
    );
}

#[test]
fn unavailable_kernel_error_names_the_kernel_and_the_fix() {
    let err = pearl_miner::kernel::KernelUnavailable {
        requested: "avx512-vnni",
        reason: "not an x86_64 CPU",
    };
    let text = err.to_string();
    assert!(text.contains("avx512-vnni") && text.contains("auto or portable"));
}

/// Lanes computed from a finished accumulator block: the definition of
/// `Kernel::accumulate_lanes`'s second output.
fn reference_lanes(acc: &[i32], d: PanelDims, row_slots: &[u32], slots: usize) -> Vec<u32> {
    let mut lanes = vec![0u32; 16 * slots];
    for i in 0..d.rows {
        for j in 0..d.cols {
            lanes[16 * row_slots[i] as usize + j % 16] ^= acc[i * d.cols + j] as u32;
        }
    }
    lanes
}

/// Every kernel's fused path (`row_terms` + `accumulate_lanes`, B in the kernel's own
/// form) gives, for each chunk, the lanes of the XOR definition on the portable kernel's
/// accumulators (from zero) after that chunk: one and several chunks per call, for 64-wide,
/// 16-wide and ragged column counts and row counts that are and are not multiples of 4,
/// XORed into stale values in `lanes`, whatever the scratch `acc` held before.
#[test]
fn fused_lane_path_matches_portable_for_every_kernel() {
    let mut state = 3u64;
    for choice in [
        KernelChoice::Portable,
        KernelChoice::Avx2,
        KernelChoice::Avx512Vnni,
    ] {
        let Some(kernel) =
            kernel_or_skip("fused_lane_path_matches_portable_for_every_kernel", choice)
        else {
            continue;
        };
        for (rows, cols, r, slots) in [
            (16, 256, 128, 8),
            (2, 16, 128, 1),
            (6, 80, 64, 3),
            (7, 96, 32, 7),
            (3, 40, 8, 2),
            (1, 15, 4, 1),
        ] {
            let d = PanelDims { rows, cols, r };
            // Row i goes to slot i mod slots, as rows of one tile share a slot.
            let row_slots: Vec<u32> = (0..rows).map(|i| (i % slots) as u32).collect();
            for (chunks, narrow_a) in [(1, false), (3, false), (3, true)] {
                let mut want = vec![0i32; rows * cols];
                // Scratch: its values must not leak into the sums.
                let mut scratch: Vec<i32> =
                    (0..rows * cols).map(|_| lcg(&mut state) as i32).collect();
                let mut a = Vec::new();
                let mut packed = Vec::new();
                let mut terms = Vec::new();
                let mut want_lanes = Vec::new();
                for _ in 0..chunks {
                    let a_chunk = if narrow_a {
                        narrow_a_operand(rows * r, &mut state)
                    } else {
                        random_operand(rows * r, &mut state)
                    };
                    let lines = b_operand(kernel, cols * r, &mut state);
                    let mut b = vec![0i8; cols * r];
                    pack_b_panel(&lines, r, 0, d, &mut b);
                    let mut own = vec![0i8; cols * r];
                    kernel.own_b_panel(&b, d, &mut own);
                    let mut chunk_terms = vec![0i32; rows];
                    kernel.row_terms(&a_chunk, d, &mut chunk_terms);
                    Kernel::Portable.accumulate(&a_chunk, &b, d, &mut want);
                    want_lanes.extend(reference_lanes(&want, d, &row_slots, slots));
                    a.extend(a_chunk);
                    packed.extend(own);
                    terms.extend(chunk_terms);
                }
                // Lanes are XORed into: stale values stay XORed in.
                let stale = 0xdead_beef_u32;
                let mut lanes = vec![stale; 16 * slots * chunks];
                let want_lanes: Vec<u32> = want_lanes.iter().map(|&l| l ^ stale).collect();
                kernel.accumulate_lanes(
                    &a,
                    &terms,
                    &packed,
                    d,
                    chunks,
                    &mut scratch,
                    &row_slots,
                    &mut lanes,
                );
                assert_eq!(lanes, want_lanes, "{kernel:?} lanes on {d:?} x {chunks}");
            }
        }
    }
}

/// The row terms are −(B's offset)·Σ row, wrapping, whatever the row length (64-byte
/// strips and a tail) and row count (VNNI sums 16 rows at a time, then the rest one by one):
/// −128 for VNNI, −64 for AVX2, 0 for the kernels without an offset.
#[test]
fn row_terms_undo_each_kernels_offset_of_b() {
    let mut state = 5u64;
    for choice in [
        KernelChoice::Portable,
        KernelChoice::Avx2,
        KernelChoice::Avx512Vnni,
    ] {
        let Some(kernel) = kernel_or_skip("row_terms_undo_each_kernels_offset_of_b", choice) else {
            continue;
        };
        for (rows, r) in [4, 36, 128, 1024]
            .into_iter()
            .flat_map(|r| [3, 16, 21, 32].map(|rows| (rows, r)))
        {
            let d = PanelDims { rows, cols: 16, r };
            let mut a = full_range_operand(rows * r, &mut state);
            // One line at the most negative sum, one at the most positive.
            a[..r].fill(i8::MIN);
            a[r..2 * r].fill(i8::MAX);
            let mut terms = vec![7i32; rows];
            kernel.row_terms(&a, d, &mut terms);
            let want: Vec<i32> = a
                .chunks_exact(r)
                .map(|line| {
                    let offset = match kernel {
                        Kernel::Avx512Vnni => 128,
                        Kernel::Avx2 => 64,
                        _ => 0,
                    };
                    line.iter().map(|&v| i32::from(v)).sum::<i32>() * -offset
                })
                .collect();
            assert_eq!(terms, want, "{kernel:?} rows={rows} r={r}");
        }
    }
}
