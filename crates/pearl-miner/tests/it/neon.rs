//! The aarch64 kernels (neon, neon-dotprod, neon-i8mm) against the portable kernel, bit for
//! bit, and mined proofs that verify. On a CPU without a kernel's feature (any x86_64 CPU, or
//! an aarch64 one without dotprod/i8mm) each test says so in one line and skips, unless
//! `PEARL_MINER_REQUIRE_KERNELS` (a comma list of kernel names, set by `.ci/run` under qemu)
//! names the kernel: then the absence fails the test.

use std::io::Write;

use pearl_miner::bench::{BenchOptions, run_bench};
use pearl_miner::kernel::{
    Kernel, KernelChoice, PanelDims, neon_available, neon_dotprod_available, neon_i8mm_available,
    pack_b_panel,
};
use pearl_miner::{
    CancelToken, Counters, Miner, MinerOptions, verify_plain_proof, verify_plain_proof_with_target,
};

use crate::common::{easy_job, tiny_shape};

const REQUIRE: &str = "PEARL_MINER_REQUIRE_KERNELS";

/// The kernel for `choice` when this CPU has it; otherwise one line on stderr (or a failure
/// when `.ci/run` requires the kernel) and `None`.
fn kernel_or_skip(test: &str, choice: KernelChoice, available: bool) -> Option<Kernel> {
    match Kernel::resolve(choice) {
        Ok(kernel) => {
            assert!(available, "{choice:?} resolved but its probe says absent");
            Some(kernel)
        }
        Err(err) => {
            assert!(!available, "{choice:?} refused although available: {err}");
            let required = std::env::var(REQUIRE).unwrap_or_default();
            assert!(
                !required.split(',').any(|k| k.trim() == err.requested),
                "{REQUIRE} names {} but this CPU lacks it: {err}",
                err.requested
            );
            // Straight to stderr: libtest captures `eprintln!`, and a skip must be seen.
            let _ = writeln!(std::io::stderr(), "skipped pearl-miner neon::{test}: {err}");
            None
        }
    }
}

fn lcg(state: &mut u64) -> u64 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *state >> 33
}

/// Which values the operands take.
#[derive(Debug, Clone, Copy)]
enum Range {
    /// [-127, 127], the noised values, extremes planted.
    Noised,
    /// [-64, 63] (int7), extremes planted.
    Int7,
    /// Any i8, -128 included (exact for dotprod and i8mm only).
    Full,
}

fn operand(len: usize, range: Range, state: &mut u64) -> Vec<i8> {
    (0..len)
        .map(|i| {
            let x = lcg(state);
            match range {
                Range::Noised => match i % 61 {
                    0 => 127,
                    1 => -127,
                    _ => ((x % 255) as i16 - 127) as i8,
                },
                Range::Int7 => match i % 61 {
                    0 => 63,
                    1 => -64,
                    _ => ((x % 128) as i16 - 64) as i8,
                },
                Range::Full => x as u8 as i8,
            }
        })
        .collect()
}

/// `acc += A·Bᵀ` over one panel through `kernel` (B given as `cols` k-contiguous lines).
fn run(kernel: Kernel, a: &[i8], b: &[i8], d: PanelDims, acc: &mut [i32]) {
    let mut panel = vec![0i8; d.cols * d.r];
    pack_b_panel(b, d.r, 0, d, &mut panel);
    kernel.accumulate(a, &panel, d, acc);
}

/// Shapes that reach every block size and edge: rows 1..=9 (odd rows, partial row blocks of
/// 2, 4 and 8), columns with 16-, 8- and 4-wide blocks and a 1..3-column remainder, and r with
/// 1, 2 and 3 leftover quads, an odd quad count, and more than one 256-k i8mm chunk.
const SHAPES: [(usize, usize, usize); 14] = [
    (16, 256, 128),
    (1, 1, 4),
    (1, 4, 4),
    (2, 8, 8),
    (3, 12, 12),
    (5, 20, 20),
    (7, 36, 28),
    (9, 45, 132),
    (8, 64, 516),
    (4, 16, 1024),
    (6, 95, 32),
    (3, 130, 256),
    (9, 19, 260),
    (1, 300, 64),
];

/// `kernel` equals the portable kernel on every shape, from accumulators that wrap past
/// i32::MAX and i32::MIN, over two cumulative calls.
fn check_against_portable(kernel: Kernel, ranges: &[Range]) {
    let mut state = 0x5eed_u64;
    for (rows, cols, r) in SHAPES {
        let d = PanelDims { rows, cols, r };
        for &range in ranges {
            let a = operand(rows * r, range, &mut state);
            let b = operand(cols * r, range, &mut state);
            let start: Vec<i32> = (0..rows * cols)
                .map(|x| match x % 3 {
                    0 => i32::MAX - (lcg(&mut state) % 1000) as i32,
                    1 => i32::MIN + (lcg(&mut state) % 1000) as i32,
                    _ => lcg(&mut state) as i32,
                })
                .collect();
            let (mut want, mut got) = (start.clone(), start);
            for call in 0..2 {
                run(Kernel::Portable, &a, &b, d, &mut want);
                run(kernel, &a, &b, d, &mut got);
                assert_eq!(got, want, "{kernel:?} on {d:?}, {range:?}, call {call}");
            }
        }
    }
}

/// Constant operands at the edges of `range`, over a long r so that sums wrap.
fn check_extremes(kernel: Kernel, values: &[i8]) {
    let d = PanelDims {
        rows: 9,
        cols: 44,
        r: 1028,
    };
    for &x in values {
        for &y in values {
            let mut acc = vec![i32::MAX - 5; d.rows * d.cols];
            run(
                kernel,
                &vec![x; d.rows * d.r],
                &vec![y; d.cols * d.r],
                d,
                &mut acc,
            );
            let want = (i32::MAX - 5).wrapping_add(1028 * i32::from(x) * i32::from(y));
            assert!(acc.iter().all(|&v| v == want), "{kernel:?} {x}·{y}");
        }
    }
}

/// Mines with `kernel` and with the portable kernel: the same proof, and it verifies.
fn mine_and_verify(kernel: KernelChoice) {
    for seed in [5, 11] {
        let mine = |choice| {
            Miner::new(
                tiny_shape(),
                MinerOptions {
                    threads: 1,
                    kernel: choice,
                },
            )
            .expect("valid shape")
            .with_rng_seed(seed)
            .mine(&easy_job(3), &CancelToken::new(), &Counters::default())
            .expect("mining runs")
            .expect("not cancelled, so a proof is found")
        };
        let (portable, ours) = (mine(KernelChoice::Portable), mine(kernel));
        assert_eq!(portable.proof, ours.proof, "{kernel:?}, seed {seed}");
        assert!(
            verify_plain_proof(&easy_job(3).header, &ours.proof, 3).is_ok(),
            "{kernel:?}, seed {seed}"
        );
    }
}

#[test]
fn neon_widening_kernel_matches_portable_and_proofs_verify() {
    let Some(kernel) = kernel_or_skip(
        "neon_widening_kernel_matches_portable_and_proofs_verify",
        KernelChoice::Neon,
        neon_available(),
    ) else {
        return;
    };
    assert_eq!(kernel.name(), "neon");
    // Exact for operands in [-127, 127] (two products per i16 lane).
    check_against_portable(kernel, &[Range::Noised, Range::Int7]);
    check_extremes(kernel, &[127, -127, 63, -64, 0, 1]);
    mine_and_verify(KernelChoice::Neon);
}

#[test]
fn neon_dotprod_kernel_matches_portable_and_proofs_verify() {
    let Some(kernel) = kernel_or_skip(
        "neon_dotprod_kernel_matches_portable_and_proofs_verify",
        KernelChoice::NeonDotprod,
        neon_dotprod_available(),
    ) else {
        return;
    };
    assert_eq!(kernel.name(), "neon-dotprod");
    check_against_portable(kernel, &[Range::Noised, Range::Int7, Range::Full]);
    check_extremes(kernel, &[127, -127, -128, 63, -64]);
    mine_and_verify(KernelChoice::NeonDotprod);
}

#[test]
fn neon_i8mm_kernel_matches_portable_and_proofs_verify() {
    let Some(kernel) = kernel_or_skip(
        "neon_i8mm_kernel_matches_portable_and_proofs_verify",
        KernelChoice::NeonI8mm,
        neon_i8mm_available(),
    ) else {
        return;
    };
    assert_eq!(kernel.name(), "neon-i8mm");
    check_against_portable(kernel, &[Range::Noised, Range::Int7, Range::Full]);
    check_extremes(kernel, &[127, -127, -128, 63, -64]);
    mine_and_verify(KernelChoice::NeonI8mm);
}

#[test]
fn auto_picks_the_best_aarch64_kernel_this_cpu_has() {
    let auto = Kernel::resolve(KernelChoice::Auto).expect("auto always resolves");
    if neon_i8mm_available() {
        assert_eq!(auto, Kernel::NeonI8mm);
    } else if neon_dotprod_available() {
        assert_eq!(auto, Kernel::NeonDotprod);
    } else if neon_available() {
        assert_eq!(auto, Kernel::Neon);
    } else {
        assert!(!matches!(
            auto,
            Kernel::Neon | Kernel::NeonDotprod | Kernel::NeonI8mm
        ));
    }
}

#[test]
fn bench_names_the_auto_kernel_and_its_proofs_verify() {
    // On qemu -cpu max this is neon-i8mm, on cortex-a53 neon, on x86_64 an x86 kernel.
    let auto = Kernel::resolve(KernelChoice::Auto).expect("auto always resolves");
    let report = run_bench(
        BenchOptions {
            seconds: 0,
            threads: 1,
            kernel: KernelChoice::Auto,
            shape: tiny_shape(),
            measure_peaks: false,
        },
        &mut |_| {},
    )
    .expect("bench runs");
    assert_eq!(report.kernel, auto.name());
    assert_eq!(report.proofs_verified, report.proofs.len() as u64);
    assert_eq!(report.proofs_found, report.proofs_verified);
    for found in &report.proofs {
        let job = &found.job;
        assert!(verify_plain_proof_with_target(&job.header, &found.proof, 3, &job.target).is_ok());
    }
}

#[cfg(not(target_arch = "aarch64"))]
#[test]
fn aarch64_kernels_are_refused_off_aarch64_with_the_fix() {
    for choice in [
        KernelChoice::Neon,
        KernelChoice::NeonDotprod,
        KernelChoice::NeonI8mm,
    ] {
        let err = Kernel::resolve(choice).expect_err("not an aarch64 CPU");
        assert_eq!(err.reason, "not an aarch64 CPU");
        assert!(err.to_string().contains("use kernel auto or portable"));
    }
}
