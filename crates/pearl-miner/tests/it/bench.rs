//! Bench library: the expected-time formula and a short run's bookkeeping.

use pearl_miner::KernelChoice;
use pearl_miner::bench::{BenchOptions, expected_seconds_per_block, measure_peaks_on, run_bench};

use crate::common::{say_skipped, tiny_shape};

#[test]
fn expected_seconds_follow_work_over_rate() {
    // nbits 0x1d00ffff: target 0xffff·2^208, so 2^256/target = 2^48/0xffff.
    let work = 2f64.powi(48) / 65535.0;
    let at_128 = expected_seconds_per_block(1e9, 0x1d00_ffff, 128);
    assert!((at_128 - work / 1e9).abs() / at_128 < 1e-9);
    let at_256 = expected_seconds_per_block(1e9, 0x1d00_ffff, 256);
    assert!((at_256 / at_128 - 2.0).abs() < 1e-9);
    assert!(expected_seconds_per_block(0.0, 0x1d00_ffff, 128).is_infinite());
    assert!(expected_seconds_per_block(1e9, 0, 128).is_infinite());
}

#[test]
fn short_bench_reports_consistent_counts() {
    let opts = BenchOptions {
        // One second, not zero: under emulation (qemu-aarch64 in .ci/run) the first block can
        // take longer than the bench's first 200 ms tick.
        seconds: 1,
        threads: 1,
        kernel: KernelChoice::Portable,
        shape: tiny_shape(),
        measure_peaks: false,
    };
    let mut ticks = 0;
    let report = run_bench(opts, &mut |_| ticks += 1).expect("bench runs");
    assert!(ticks >= 1);
    assert_eq!(report.kernel, "portable");
    assert_eq!(report.threads, 1);
    // No speed is asserted (a slow or emulated CPU may finish no tile in 200 ms): the counts
    // only have to agree. Every tile of the tiny shape is 2·16·2048 MACs.
    assert!(report.mac_per_s.is_finite() && report.mac_per_s >= 0.0);
    let per_tile = report.mac_per_s - report.tiles_per_s * f64::from(2 * 16 * 2048);
    assert!(
        per_tile.abs() <= 1e-9 * report.mac_per_s.max(1.0),
        "{report:?}"
    );
    assert_eq!(report.proofs_verified, report.proofs.len() as u64);
    assert_eq!(report.proofs_found, report.proofs_verified);
    assert_eq!(report.peak_int8_mac_per_s, None);
    assert_eq!(report.ratio_int8, None);
    assert_eq!(report.peak_vnni_mac_per_s, None);
    assert_eq!(report.ratio_vnni, None);
    assert_eq!((report.peaks_before, report.peaks_after), (None, None));
    if let Some(spread) = report.window_mac_per_s {
        assert!(spread.windows >= 2, "{spread:?}");
        assert!(spread.min <= spread.median && spread.median <= spread.max);
    }
    for found in &report.proofs {
        assert_eq!(found.job.cert_version, 3);
        assert!(
            pearl_miner::verify_plain_proof_with_target(
                &found.job.header,
                &found.proof,
                3,
                &found.job.target
            )
            .is_ok()
        );
    }
    let json = serde_json::to_value(&report).expect("serializes");
    for key in [
        "kernel",
        "threads",
        "seconds",
        "mac_per_s",
        "tiles_per_s",
        "proofs_found",
        "proofs_verified",
        "peak_int8_mac_per_s",
        "peak_int16_mac_per_s",
        "peak_vnni_mac_per_s",
        "ratio_vnni",
        "peak_dot_mac_per_s",
        "peak_mmla_mac_per_s",
        "ratio_dot",
        "ratio_mmla",
        "expected_seconds_per_block",
        "window_mac_per_s",
        "peaks_before",
        "peaks_after",
    ] {
        assert!(json.get(key).is_some(), "missing key {key}");
    }
}

#[test]
fn peaks_are_measured_where_the_cpu_has_the_probe_and_marked_absent_elsewhere() {
    const TEST: &str = "peaks_are_measured_where_the_cpu_has_the_probe_and_marked_absent_elsewhere";
    let peaks = measure_peaks_on(0.01, 1);
    assert_eq!(peaks.threads, 1);
    // x86_64: the AVX2 sequences; aarch64: the neon kernel's widening sequences.
    if pearl_miner::kernel::avx2_available() || pearl_miner::kernel::neon_available() {
        assert!(peaks.int8_mac_per_s.is_some_and(|v| v > 0.0));
        assert!(peaks.int16_mac_per_s.is_some_and(|v| v > 0.0));
    } else {
        assert_eq!(peaks.int8_mac_per_s, None);
        assert_eq!(peaks.int16_mac_per_s, None);
        say_skipped(
            TEST,
            "the int8/int16 peak probes",
            "this CPU has neither AVX2 nor NEON",
        );
    }
    assert_eq!(
        peaks.dot_mac_per_s.is_some_and(|v| v > 0.0),
        pearl_miner::kernel::neon_dotprod_available()
    );
    assert_eq!(
        peaks.mmla_mac_per_s.is_some_and(|v| v > 0.0),
        pearl_miner::kernel::neon_i8mm_available()
    );
    if pearl_miner::kernel::avx512vnni_available() {
        assert!(peaks.vnni_mac_per_s.is_some_and(|v| v > 0.0));
    } else {
        assert_eq!(peaks.vnni_mac_per_s, None);
        say_skipped(
            TEST,
            "the VNNI peak probe",
            "this CPU lacks one of avx512f/bw/vl/vnni",
        );
    }
}
