//! `jarvis mine bench`: the rate against the CPU's peaks, and the expected time to a block.

use pearl_miner::bench::{BenchProgress, BenchReport};

use crate::output::format::{bytes, count, duration, mac_rate, ratio};
use crate::output::{Doc, Pairs};

/// The progress bar's text while the bench runs.
pub(crate) fn progress(p: &BenchProgress) -> String {
    let rate = (p.elapsed_s > 0.0).then(|| p.mac_total as f64 / p.elapsed_s);
    format!(
        "{:.1} s  {}  {} tiles  {} proofs",
        p.elapsed_s,
        mac_rate(rate),
        count(Some(p.tiles_total)),
        count(Some(p.proofs_found))
    )
}

/// What the bench found. `nbits_source` says where the difficulty came from; `portable` is
/// the portable kernel's rate when another kernel ran.
pub(crate) fn report(r: &BenchReport, nbits_source: &str, portable: Option<f64>) -> Doc {
    let s = &r.shape;
    let peak = |p: Option<f64>, of_peak: Option<f64>| match p {
        Some(p) => format!(
            "{} (this run: {} of peak)",
            mac_rate(Some(p)),
            ratio(of_peak)
        ),
        None => "not measured on this CPU".to_owned(),
    };
    let mut rows = Pairs::new(2)
        .min_column(18)
        .row(
            "shape",
            format!(
                "m={} n={} k={} r={}, tile {}x{}, memory at most {}",
                s.m,
                s.n,
                s.k,
                s.rank,
                s.h,
                s.w,
                bytes(r.memory_bytes)
            ),
        )
        .row("rate", mac_rate(Some(r.mac_per_s)))
        .row(
            "tiles",
            format!(
                "{} tiles/s",
                count(Some(r.tiles_per_s.max(0.0).round() as u64))
            ),
        )
        .row(
            "proofs",
            format!(
                "{} found, {} verified",
                count(Some(r.proofs_found)),
                count(Some(r.proofs_verified))
            ),
        )
        .row("int8 peak", peak(r.peak_int8_mac_per_s, r.ratio_int8))
        .row("int16 peak", peak(r.peak_int16_mac_per_s, r.ratio_int16))
        .row("vnni peak", peak(r.peak_vnni_mac_per_s, r.ratio_vnni));
    // The aarch64 dot-product peaks, only where this CPU has the instruction.
    for (label, p, of_peak) in [
        ("sdot peak", r.peak_dot_mac_per_s, r.ratio_dot),
        ("smmla peak", r.peak_mmla_mac_per_s, r.ratio_mmla),
    ] {
        if p.is_some() {
            rows.push(label, peak(p, of_peak));
        }
    }
    if let Some(p) = portable {
        rows.push(
            "portable kernel",
            format!(
                "{} (speed-up {:.1}x)",
                mac_rate(Some(p)),
                r.mac_per_s / p.max(1.0)
            ),
        );
    }
    let every = if r.expected_seconds_per_block.is_finite() {
        format!("one block every {}", duration(r.expected_seconds_per_block))
    } else {
        "no block at a zero rate".to_owned()
    };
    rows.push(
        "expected",
        format!(
            "{every} at nbits {:#010x} ({nbits_source})",
            r.expected_for_nbits
        ),
    );
    let mut doc = Doc::new();
    doc.heading(format!(
        "Pearl NoisyGEMM bench: {:.1} s, {} thread(s), kernel {}",
        r.seconds, r.threads, r.kernel
    ))
    .pairs(rows);
    doc
}

#[cfg(test)]
mod tests {
    use pearl_miner::bench::ShapeSummary;

    use super::*;
    use crate::views::plain;

    /// A bench on a made-up AVX-512 machine.
    fn fixture() -> BenchReport {
        BenchReport {
            kernel: "avx512-vnni",
            threads: 16,
            seconds: 10.02,
            mac_per_s: 2.414e11,
            tiles_per_s: 1843.0,
            proofs_found: 3,
            proofs_verified: 3,
            peak_int8_mac_per_s: Some(9.1e11),
            peak_int16_mac_per_s: Some(4.6e11),
            peak_vnni_mac_per_s: Some(1.82e12),
            ratio_int8: Some(2.414e11 / 9.1e11),
            ratio_int16: Some(2.414e11 / 4.6e11),
            ratio_vnni: Some(2.414e11 / 1.82e12),
            peak_dot_mac_per_s: None,
            peak_mmla_mac_per_s: None,
            ratio_dot: None,
            ratio_mmla: None,
            expected_seconds_per_block: 4.2e6,
            expected_for_nbits: 0x1a01_0000,
            memory_bytes: 201_326_592,
            shape: ShapeSummary {
                m: 256,
                n: 256,
                k: 4096,
                rank: 64,
                h: 16,
                w: 16,
            },
            proofs: Vec::new(),
        }
    }

    #[test]
    fn fast_kernel_against_its_peaks() {
        let doc = report(&fixture(), "pearld template at height 4242", Some(1.9e10));
        insta::assert_snapshot!(plain(&doc));
    }

    #[test]
    fn portable_cpu_without_peaks_and_no_rate() {
        let mut r = fixture();
        r.kernel = "portable";
        r.mac_per_s = 0.0;
        (
            r.peak_int8_mac_per_s,
            r.peak_int16_mac_per_s,
            r.peak_vnni_mac_per_s,
        ) = (None, None, None);
        (r.ratio_int8, r.ratio_int16, r.ratio_vnni) = (None, None, None);
        r.expected_seconds_per_block = f64::INFINITY;
        let doc = report(&r, "mainnet-like default (no [mining] config)", None);
        insta::assert_snapshot!(plain(&doc));
    }

    #[test]
    fn neon_i8mm_kernel_against_the_aarch64_peaks() {
        // A made-up 8-core Graviton-class machine: sdot and smmla peaks are shown, vnni is not
        // measured there.
        let mut r = fixture();
        r.kernel = "neon-i8mm";
        r.threads = 8;
        r.mac_per_s = 6.0e11;
        (r.peak_int8_mac_per_s, r.ratio_int8) = (Some(2.6e11), Some(6.0e11 / 2.6e11));
        (r.peak_int16_mac_per_s, r.ratio_int16) = (Some(1.3e11), Some(6.0e11 / 1.3e11));
        (r.peak_vnni_mac_per_s, r.ratio_vnni) = (None, None);
        (r.peak_dot_mac_per_s, r.ratio_dot) = (Some(1.67e12), Some(6.0e11 / 1.67e12));
        (r.peak_mmla_mac_per_s, r.ratio_mmla) = (Some(3.3e12), Some(6.0e11 / 3.3e12));
        let doc = report(&r, "--nbits", Some(1.2e10));
        let text = plain(&doc);
        assert!(text.contains("kernel neon-i8mm"), "{text}");
        insta::assert_snapshot!(text);
    }

    #[test]
    fn progress_text() {
        let p = BenchProgress {
            elapsed_s: 4.0,
            mac_total: 965_600_000_000,
            tiles_total: 7372,
            proofs_found: 1,
        };
        assert_eq!(progress(&p), "4.0 s  241.4 GMAC/s  7 372 tiles  1 proofs");
        let start = BenchProgress {
            elapsed_s: 0.0,
            ..p
        };
        assert!(
            progress(&start).contains("unknown"),
            "no rate before time passes"
        );
    }
}
