//! `jarvis mine bench`: the rate against the CPU's peaks, and the expected time to a block.

use pearl_miner::bench::{BenchProgress, BenchReport, Peaks};

use crate::cmd::bench::{Difficulty, DifficultySource};
use crate::output::format::UNKNOWN;
use crate::output::format::{bytes, count, duration, in_unit_of, mac_rate, ratio};
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

/// Where the estimate's difficulty came from, plainly: the node's (and which network), the
/// user's, or an assumption with its input and why.
fn difficulty_line(d: &Difficulty) -> String {
    match d.source {
        DifficultySource::Node => format!(
            "nbits {:#010x}, the current difficulty of pearld's {} (template at height {})",
            d.nbits,
            d.network.as_deref().map_or_else(
                || "network (name unknown)".to_owned(),
                |n| format!("{n} network")
            ),
            d.height
                .map_or_else(|| UNKNOWN.to_owned(), |h| h.to_string())
        ),
        DifficultySource::Flag => format!("nbits {:#010x}, as given with --nbits", d.nbits),
        DifficultySource::Assumed => format!(
            "ASSUMED nbits {:#010x} (target 2^{}), not any network's difficulty: {}; configure pearld or pass --nbits",
            d.nbits,
            target_bits(d.nbits),
            d.why_assumed.as_deref().unwrap_or("no node answered")
        ),
    }
}

/// log2 of the target of `nbits`, rounded down (for the assumed difficulty's input).
fn target_bits(nbits: u32) -> u64 {
    pearl_protocol::target::nbits_to_target(nbits)
        .bits()
        .saturating_sub(1)
}

/// One instruction's rate in a [`Peaks`] sample.
type PeakOf = fn(&Peaks) -> Option<f64>;

/// What the bench found. `difficulty` is the estimate's input and its source; `portable` is
/// the portable kernel's rate when another kernel ran.
pub(crate) fn report(r: &BenchReport, difficulty: &Difficulty, portable: Option<f64>) -> Doc {
    let s = &r.shape;
    // A peak, the run's share of it, and the two probes it is the larger of.
    let peak = |p: Option<f64>, of_peak: Option<f64>, field: PeakOf| match p {
        Some(p) => {
            let probes = match (
                r.peaks_before.as_ref().and_then(field),
                r.peaks_after.as_ref().and_then(field),
            ) {
                (Some(before), Some(after)) => format!(
                    "; before {}, after {}",
                    in_unit_of(before, p),
                    in_unit_of(after, p)
                ),
                _ => String::new(),
            };
            format!(
                "{} (this run: {} of peak{probes})",
                mac_rate(Some(p)),
                ratio(of_peak)
            )
        }
        None => "not measured on this CPU".to_owned(),
    };
    let rate = match &r.window_mac_per_s {
        Some(w) => format!(
            "{} ({}-s windows {}-{}, median {})",
            mac_rate(Some(r.mac_per_s)),
            w.window_s,
            in_unit_of(w.min, r.mac_per_s),
            in_unit_of(w.max, r.mac_per_s),
            in_unit_of(w.median, r.mac_per_s)
        ),
        None => mac_rate(Some(r.mac_per_s)),
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
        .row("rate", rate)
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
        .row(
            "int8 peak",
            peak(r.peak_int8_mac_per_s, r.ratio_int8, |p| p.int8_mac_per_s),
        )
        .row(
            "int16 peak",
            peak(r.peak_int16_mac_per_s, r.ratio_int16, |p| p.int16_mac_per_s),
        )
        .row(
            "vnni peak",
            peak(r.peak_vnni_mac_per_s, r.ratio_vnni, |p| p.vnni_mac_per_s),
        );
    // The aarch64 dot-product peaks, only where this CPU has the instruction.
    let aarch64: [(&str, Option<f64>, Option<f64>, PeakOf); 2] = [
        ("sdot peak", r.peak_dot_mac_per_s, r.ratio_dot, |p| {
            p.dot_mac_per_s
        }),
        ("smmla peak", r.peak_mmla_mac_per_s, r.ratio_mmla, |p| {
            p.mmla_mac_per_s
        }),
    ];
    for (label, p, of_peak, field) in aarch64 {
        if p.is_some() {
            rows.push(label, peak(p, of_peak, field));
        }
    }
    let own = match r.kernel {
        "avx512-vnni" => Some("vpdpbusd"),
        "avx2" => Some("vpmaddubsw+vpmaddwd"),
        "neon-i8mm" => Some("smmla"),
        "neon-dotprod" => Some("sdot"),
        "neon" => Some("smull/smlal"),
        _ => None,
    };
    if let (Some(instruction), Some(share)) = (own, r.ratio_own_peak) {
        let which = if r.peaks_before.is_some() && r.peaks_after.is_some() {
            " (the larger of the two probes)"
        } else {
            ""
        };
        rows.push(
            "own peak",
            format!("{} of the {instruction} peak{which}", ratio(Some(share))),
        );
    }
    let b = &r.breakdown;
    let total = b.total_s();
    if total > 0.0 {
        // No space before % here: a wrapped row must not split a number from its unit.
        let part = |name: &str, s: f64| format!("{name} {:.1}%", 100.0 * s / total);
        rows.push(
            "time",
            [
                part("gemm", b.gemm_s),
                part("noise", b.noise_s),
                part("commit", b.commit_s),
                part("signal", b.signal_s),
                part("jackpot", b.jackpot_s),
                part("proof", b.proof_s),
                part("other", b.other_s),
            ]
            .join(", "),
        );
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
    rows.push("difficulty", difficulty_line(difficulty));
    let expected = match difficulty.source {
        DifficultySource::Assumed => format!("{every}, if the difficulty were the assumed one"),
        _ => every,
    };
    rows.push("expected", expected);
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
    use pearl_miner::bench::{RateSpread, ShapeSummary};

    use super::*;
    use crate::views::plain;

    /// A bench on a made-up AVX-512 machine.
    fn fixture() -> BenchReport {
        BenchReport {
            kernel: "avx512-vnni",
            threads: 16,
            seconds: 10.02,
            mac_per_s: 2.414e11,
            window_mac_per_s: Some(RateSpread {
                min: 2.288e11,
                median: 2.421e11,
                max: 2.503e11,
                windows: 10,
                window_s: 1.0,
            }),
            tiles_per_s: 1843.0,
            proofs_found: 3,
            proofs_verified: 3,
            peak_int8_mac_per_s: Some(9.1e11),
            peak_int16_mac_per_s: Some(4.6e11),
            peak_vnni_mac_per_s: Some(1.82e12),
            peaks_before: Some(Peaks {
                int8_mac_per_s: Some(8.84e11),
                int16_mac_per_s: Some(4.6e11),
                vnni_mac_per_s: Some(1.82e12),
                dot_mac_per_s: None,
                mmla_mac_per_s: None,
                threads: 16,
            }),
            peaks_after: Some(Peaks {
                int8_mac_per_s: Some(9.1e11),
                int16_mac_per_s: Some(4.47e11),
                vnni_mac_per_s: Some(1.71e12),
                dot_mac_per_s: None,
                mmla_mac_per_s: None,
                threads: 16,
            }),
            ratio_int8: Some(2.414e11 / 9.1e11),
            ratio_int16: Some(2.414e11 / 4.6e11),
            ratio_vnni: Some(2.414e11 / 1.82e12),
            ratio_own_peak: Some(2.414e11 / 1.82e12),
            breakdown: pearl_miner::bench::Breakdown {
                gemm_s: 140.0,
                noise_s: 6.0,
                commit_s: 3.0,
                signal_s: 2.0,
                jackpot_s: 8.0,
                proof_s: 0.2,
                other_s: 1.1,
            },
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
        let node = Difficulty {
            nbits: 0x1a01_0000,
            source: DifficultySource::Node,
            network: Some("mainnet".to_owned()),
            height: Some(4242),
            why_assumed: None,
        };
        let doc = report(&fixture(), &node, Some(1.9e10));
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
        r.ratio_own_peak = None;
        (r.peaks_before, r.peaks_after) = (None, None);
        r.window_mac_per_s = None;
        r.expected_seconds_per_block = f64::INFINITY;
        let assumed = Difficulty {
            nbits: 0x1a01_0000,
            source: DifficultySource::Assumed,
            network: None,
            height: None,
            why_assumed: Some("no [mining] config names a pearld".to_owned()),
        };
        let doc = report(&r, &assumed, None);
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
        r.ratio_own_peak = r.ratio_mmla;
        let neon = Peaks {
            int8_mac_per_s: Some(2.6e11),
            int16_mac_per_s: Some(1.3e11),
            vnni_mac_per_s: None,
            dot_mac_per_s: Some(1.67e12),
            mmla_mac_per_s: Some(3.3e12),
            threads: 8,
        };
        r.peaks_before = Some(neon);
        r.peaks_after = Some(Peaks {
            mmla_mac_per_s: Some(3.1e12),
            ..neon
        });
        r.window_mac_per_s = Some(RateSpread {
            min: 5.9e11,
            median: 6.0e11,
            max: 6.05e11,
            windows: 3,
            window_s: 1.0,
        });
        let flag = Difficulty {
            nbits: 0x1a01_0000,
            source: DifficultySource::Flag,
            network: None,
            height: None,
            why_assumed: None,
        };
        let doc = report(&r, &flag, Some(1.2e10));
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
