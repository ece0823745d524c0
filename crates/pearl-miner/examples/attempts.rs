//! Runs a fixed number of mining attempts (full GEMMs) at a target no tile can win, for
//! instruction-count profiles: `valgrind --tool=callgrind target/debug/examples/attempts
//! [attempts] [kernel] [n] [threads] [peaks]`. Prints the attempts done, the seconds taken,
//! the process's CPU seconds (Linux; B's set-up per job included, so difference two attempt
//! counts for a per-attempt figure on a loaded machine) and the time per phase (and, with
//! `peaks`, the SIMD peaks on that many threads).
#![allow(clippy::print_stdout)]

use std::sync::atomic::Ordering;
use std::time::Instant;

use pearl_miner::{CancelToken, Counters, Job, KernelChoice, Miner, MinerOptions, Shape};
use pearl_protocol::IncompleteBlockHeader;
use pearl_protocol::target::nbits_to_target;

/// This process's user + system CPU seconds, all threads (exited ones too), from
/// /proc/self/stat (Linux; 0 elsewhere). Assumes 100 clock ticks per second.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

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
        let (wall, cpu) = (Instant::now(), cpu_seconds());
        let peaks = pearl_miner::bench::measure_peaks_on(1.0, threads);
        // Each probe ran about as long on every thread: scale the wall-clock rates by the
        // share of the wall time the threads were on a CPU.
        let on_cpu = (cpu_seconds() - cpu) / (wall.elapsed().as_secs_f64() * threads as f64);
        let show = |rate: Option<f64>| rate.map(|v| (v / 1e9).round());
        println!(
            "peaks on {threads} thread(s): vpmaddubsw+vpmaddwd {:?} vpdpbusd {:?} GMAC/s (wall); on CPU {:.0} % of the time, so per CPU-second {:?} and {:?}",
            show(peaks.int8_mac_per_s),
            show(peaks.vnni_mac_per_s),
            on_cpu * 100.0,
            show(peaks.int8_mac_per_s.map(|v| v / on_cpu)),
            show(peaks.vnni_mac_per_s.map(|v| v / on_cpu)),
        );
    }
    let cpu_start = cpu_seconds();
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
    let cpu = cpu_seconds() - cpu_start;
    let macs = counters.mac_total.load(Ordering::Relaxed);
    let p = &counters.phases;
    let ms = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed) as f64 / 1e6;
    println!(
        "kernel {} n {} attempts {} seconds {secs:.3} GMAC/s {:.2} cpu_s {cpu:.2} GMAC/cpu-s {:.1} | ms: gemm {:.1} noise {:.1} commit {:.1} signal {:.1} jackpot {:.1}",
        miner.kernel().name(),
        miner.shape().n,
        counters.gemms_total.load(Ordering::Relaxed),
        macs as f64 / secs / 1e9,
        macs as f64 / cpu.max(1e-9) / 1e9,
        ms(&p.gemm_ns),
        ms(&p.noise_ns),
        ms(&p.commit_ns),
        ms(&p.signal_ns),
        ms(&p.jackpot_ns),
    );
}
