//! Kernels agree with each other and with a plain i32 reference on random inputs.

use pearl_miner::kernel::{BlockDims, Kernel, KernelChoice, avx2_available};

fn lcg(state: &mut u64) -> u64 {
    *state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    *state >> 33
}

fn random_operand(len: usize, state: &mut u64) -> Vec<i8> {
    (0..len)
        .map(|i| match i % 97 {
            0 => 127,
            1 => -127,
            _ => (lcg(state) % 255) as i8 as i16 as i8,
        })
        .map(|v| v.clamp(-127, 127))
        .collect()
}

fn reference(a: &[i8], b: &[i8], d: BlockDims) -> Vec<i32> {
    let mut out = vec![0i32; d.rows * d.cols];
    for i in 0..d.rows {
        for j in 0..d.cols {
            out[i * d.cols + j] = (d.k0..d.k0 + d.len)
                .map(|l| i32::from(a[i * d.lda + l]) * i32::from(b[j * d.ldb + l]))
                .sum();
        }
    }
    out
}

fn check(kernel: Kernel) {
    let mut state = 7u64;
    for (rows, cols, len, k0) in [(16, 256, 128, 128), (2, 16, 128, 0), (3, 7, 64, 32), (4, 10, 40, 8), (1, 1, 32, 0)] {
        let lda = k0 + len + 32;
        let ldb = k0 + len + 64;
        let a = random_operand(rows * lda, &mut state);
        let b = random_operand(cols * ldb, &mut state);
        let d = BlockDims { rows, cols, lda, ldb, k0, len };
        let mut acc = vec![5i32; rows * cols];
        kernel.accumulate(&a, &b, d, &mut acc);
        let want: Vec<i32> = reference(&a, &b, d).iter().map(|v| v + 5).collect();
        assert_eq!(acc, want, "{kernel:?} on {d:?}");
    }
    // Extremes: ±127 everywhere, the worst case for i16 pair sums.
    for (x, y) in [(127i8, 127i8), (-127, 127), (-127, -127)] {
        let d = BlockDims { rows: 2, cols: 4, lda: 256, ldb: 256, k0: 0, len: 256 };
        let mut acc = vec![0i32; 8];
        kernel.accumulate(&vec![x; 512], &vec![y; 1024], d, &mut acc);
        assert!(acc.iter().all(|&v| v == 256 * i32::from(x) * i32::from(y)), "{kernel:?} {x}·{y}");
    }
}

#[test]
fn portable_kernel_matches_reference() {
    check(Kernel::Portable);
}

#[test]
fn avx2_kernel_matches_reference_and_this_machine_has_avx2() {
    #[cfg(target_arch = "x86_64")]
    assert!(avx2_available(), "the CI machine is expected to support AVX2");
    if !avx2_available() {
        assert!(Kernel::resolve(KernelChoice::Avx2).is_err());
        return;
    }
    let kernel = Kernel::resolve(KernelChoice::Avx2).expect("avx2 available");
    assert_eq!(kernel, Kernel::Avx2);
    assert_eq!(Kernel::resolve(KernelChoice::Auto), Ok(Kernel::Avx2));
    check(kernel);
}
