//! Criterion benches: noise generation, GEMM kernels, jackpot hashing, commitment hashing,
//! Merkle openings.

use criterion::{Criterion, criterion_group, criterion_main};
use pearl_miner::commit::commit_matrix;
use pearl_miner::jackpot::jackpot_hash;
use pearl_miner::kernel::{Kernel, KernelChoice, NARROW_A, PanelDims, pack_b_panel};
use pearl_miner::keyed_batch::{Backend, keyed_hashes_with};
use pearl_miner::merkle::{MerkleTree, leaf_indices_for_rows, recompute_root};
use pearl_miner::noise::{LABEL_A, SideNoise};
use pearl_miner::noise_batch::{Gather, NoiseBatch};
use std::hint::black_box;

const K: usize = 2048;
const M: usize = 256;

fn noise(c: &mut Criterion) {
    let mut dense = Vec::new();
    let mut line = vec![0i8; K];
    let signal = vec![3u8; K];
    c.bench_function("noise/sparse_factor_k2048_r128", |b| {
        b.iter(|| SideNoise::for_a(black_box(&[7; 32]), K, 128))
    });
    let side = SideNoise::for_a(&[7; 32], K, 128);
    c.bench_function("noise/noised_line_k2048_r128", |b| {
        b.iter(|| side.noised(black_box(5), &signal, &mut dense, &mut line))
    });
    // One attempt's A noise at the default shape (m=256 rows of k=2048, r=128): the scalar
    // reference against the batched digests with each gather this CPU runs.
    let signal = vec![3u8; M * K];
    c.bench_function("noise/attempt_a_m256_reference", |b| {
        b.iter(|| {
            let side = SideNoise::for_a(black_box(&[7; 32]), K, 128);
            for (row, raw) in signal.chunks_exact(K).enumerate() {
                side.noised(row, raw, &mut dense, &mut line);
            }
        })
    });
    for gather in Gather::available(128) {
        let mut batch = NoiseBatch::with_gather(LABEL_A, K, 128, gather);
        c.bench_function(&format!("noise/attempt_a_m256_{gather:?}"), |b| {
            b.iter(|| {
                batch.reseed(black_box(&[7; 32]));
                batch.fill_dense(M);
                for (row, raw) in signal.chunks_exact(K).enumerate() {
                    batch.noised(row, raw, &mut line);
                }
            })
        });
        c.bench_function(&format!("noise/sparse_factor_k2048_{gather:?}"), |b| {
            b.iter(|| batch.reseed(black_box(&[7; 32])))
        });
        c.bench_function(&format!("noise/dense_factor_m256_{gather:?}"), |b| {
            b.iter(|| batch.fill_dense(black_box(M)))
        });
        batch.reseed(&[7; 32]);
        batch.fill_dense(M);
        c.bench_function(&format!("noise/gather_m256_{gather:?}"), |b| {
            b.iter(|| {
                for (row, raw) in signal.chunks_exact(K).enumerate() {
                    batch.noised(black_box(row), raw, &mut line);
                }
            })
        });
    }
}

fn gemm(c: &mut Criterion) {
    const R: usize = 128;
    // A as the miner draws it: noised values in NARROW_A (the AVX2 kernel's two-quad path;
    // a value outside would send it to the one-quad path).
    let a: Vec<i8> = (0..16 * R).map(|i| ((i * 37) % 128) as i8 - 64).collect();
    assert!(a.iter().all(|v| NARROW_A.contains(v)));
    // B as the miner draws it: noised values in NARROW_B.
    let lines: Vec<i8> = (0..256 * R).map(|i| ((i * 91) % 129) as i8 - 64).collect();
    let mut acc = vec![0i32; 16 * 256];
    for choice in [
        KernelChoice::Portable,
        KernelChoice::Avx2,
        KernelChoice::Avx512Vnni,
    ] {
        let Ok(kernel) = Kernel::resolve(choice) else {
            continue;
        };
        // 256 columns, and 64: the miner's call, one strip of B (engine::STRIP_COLS).
        for cols in [256, 64] {
            let dims = PanelDims {
                rows: 16,
                cols,
                r: R,
            };
            let mut b = vec![0i8; cols * R];
            pack_b_panel(&lines, R, 0, dims, &mut b);
            // B in the kernel's own form, as the miner keeps it.
            let mut own = vec![0i8; b.len()];
            kernel.own_b_panel(&b, dims, &mut own);
            if cols == 256 {
                c.bench_function(&format!("gemm/{}_16x256x128", kernel.name()), |bench| {
                    bench.iter(|| {
                        kernel.accumulate_packed(black_box(&a), black_box(&own), dims, &mut acc)
                    })
                });
            }
            // One block's 16 chunks (k = 2048) with the tile lanes of each, as the miner
            // calls the kernel.
            let chunks = K / R;
            let a_all: Vec<i8> = a.iter().copied().cycle().take(chunks * a.len()).collect();
            let b_all: Vec<i8> = own
                .iter()
                .copied()
                .cycle()
                .take(chunks * own.len())
                .collect();
            let mut terms = vec![0i32; chunks * 16];
            for (chunk, out) in terms.chunks_exact_mut(16).enumerate() {
                kernel.row_terms(&a_all[chunk * a.len()..], dims, out);
            }
            let row_slots: Vec<u32> = (0..16).map(|i| i % 8).collect();
            let mut lanes = vec![0u32; chunks * 8 * 16];
            c.bench_function(
                &format!("gemm/{}_lanes_16x{cols}x2048", kernel.name()),
                |bench| {
                    bench.iter(|| {
                        kernel.accumulate_lanes(
                            black_box(&a_all),
                            &terms,
                            black_box(&b_all),
                            dims,
                            chunks,
                            &mut acc,
                            &row_slots,
                            &mut lanes,
                        )
                    })
                },
            );
        }
    }
}

/// One attempt's jackpot hashes at the default shape (4096 tiles): the scalar reference
/// against each batched backend this CPU runs.
fn jackpot_hashes(c: &mut Criterion) {
    const TILES: usize = 4096;
    let key = [3u8; 32];
    let jackpots: Vec<[u32; 16]> = (0..TILES)
        .map(|t| std::array::from_fn(|w| ((t * 16 + w) as u32).wrapping_mul(0x9e37_79b9)))
        .collect();
    let mut out = vec![[0u8; 32]; TILES];
    c.bench_function("jackpot/hash_4096_reference", |b| {
        b.iter(|| {
            for (hash, j) in out.iter_mut().zip(&jackpots) {
                *hash = jackpot_hash(black_box(j), &key);
            }
        })
    });
    for backend in Backend::available() {
        c.bench_function(&format!("jackpot/hash_4096_{backend:?}"), |b| {
            b.iter(|| keyed_hashes_with(backend, &key, black_box(&jackpots), &mut out))
        });
    }
}

fn commitment(c: &mut Criterion) {
    let data = vec![5u8; 256 * K];
    c.bench_function("commit/keyed_blake3_512KiB", |b| {
        b.iter(|| commit_matrix(black_box(&[1; 32]), &data))
    });
}

fn merkle(c: &mut Criterion) {
    let data: Vec<u8> = (0..1024 * K).map(|i| (i % 251) as u8).collect();
    let key = [9u8; 32];
    let tree = MerkleTree::build(&key, &data);
    let leaves = leaf_indices_for_rows(&(0..64).map(|i| i * 8).collect::<Vec<u64>>(), K as u64);
    c.bench_function("merkle/build_2MiB", |b| {
        b.iter(|| MerkleTree::build(&key, black_box(&data)))
    });
    c.bench_function("merkle/open_64_rows", |b| {
        b.iter(|| tree.open(&data, black_box(&leaves)))
    });
    let opening = tree.open(&data, &leaves);
    c.bench_function("merkle/recompute_root_64_rows", |b| {
        b.iter(|| recompute_root(&key, &opening))
    });
}

criterion_group!(benches, noise, gemm, jackpot_hashes, commitment, merkle);
criterion_main!(benches);
