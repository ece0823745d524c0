//! Runs a fixed number of mining attempts (full GEMMs) at a target no tile can win, for
//! instruction-count profiles: `valgrind --tool=callgrind target/debug/examples/attempts
//! [attempts] [kernel] [n] [threads] [peaks]`. Prints the attempts done, the seconds taken
//! and the time per phase (and, with `peaks`, the SIMD peaks on that many threads).
#![allow(clippy::print_stdout)]

use std::sync::atomic::Ordering;
use std::time::Instant;

use pearl_miner::{CancelToken, Counters, Job, KernelChoice, Miner, MinerOptions, Shape};
use pearl_protocol::IncompleteBlockHeader;
use pearl_protocol::target::nbits_to_target;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let attempts: u64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(4);
    let kernel = match args.get(1).map(String::as_str) {
        Some("portable") => KernelChoice::Portable,
        Some("avx2") => KernelChoice::Avx2,
        Some("avx512-vnni") => KernelChoice::Avx512Vnni,
        _ => KernelChoice::Auto,
    };
    let mut shape = Shape::default_for_cpu();
    if let Some(n) = args.get(2).and_then(|a| a.parse().ok()) {
        shape.n = n;
    }
    let threads: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(1);
    if args.get(4).is_some_and(|a| a == "peaks") {
        let peaks = pearl_miner::bench::measure_peaks_on(1.0, threads);
        println!(
            "peaks on {threads} thread(s): vpmaddubsw+vpmaddwd {:?} vpdpbusd {:?} GMAC/s",
            peaks.int8_mac_per_s.map(|v| (v / 1e9).round()),
            peaks.vnni_mac_per_s.map(|v| (v / 1e9).round())
        );
    }
    let miner = Miner::new(shape, MinerOptions { threads, kernel })
        .expect("shape")
        .with_rng_seed(1);
    let nbits = 0x0301_0000;
    let job = Job {
        header: IncompleteBlockHeader {
            version: 0x2000_0000,
            prev_block: [1; 32],
            merkle_root: [2; 32],
            timestamp: 1_760_000_000,
            nbits,
        },
        target: nbits_to_target(nbits),
        cert_version: 3,
    };
    let counters = Counters::default();
    let cancel = CancelToken::new();
    let start = Instant::now();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            while counters.gemms_total.load(Ordering::Relaxed) < attempts {
                std::thread::sleep(std::time::Duration::from_micros(200));
            }
            cancel.cancel();
        });
        let _ = miner.mine(&job, &cancel, &counters);
    });
    let secs = start.elapsed().as_secs_f64();
    let macs = counters.mac_total.load(Ordering::Relaxed);
    let p = &counters.phases;
    let ms = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed) as f64 / 1e6;
    println!(
        "kernel {} n {} attempts {} seconds {secs:.3} GMAC/s {:.2} | ms: gemm {:.1} noise {:.1} commit {:.1} signal {:.1} jackpot {:.1}",
        miner.kernel().name(),
        miner.shape().n,
        counters.gemms_total.load(Ordering::Relaxed),
        macs as f64 / secs / 1e9,
        ms(&p.gemm_ns),
        ms(&p.noise_ns),
        ms(&p.commit_ns),
        ms(&p.signal_ns),
        ms(&p.jackpot_ns),
    );
}
