//! Shared fixtures: a tiny shape that satisfies every consensus limit, an easy job, and the
//! kernels this CPU runs (a kernel it lacks is skipped with one line saying so).

use std::io::Write as _;

use num_bigint::BigUint;
use pearl_miner::{Job, Kernel, KernelChoice, Shape};
use pearl_protocol::IncompleteBlockHeader;
use pearl_protocol::target::target_to_nbits;

/// 4×32 outputs over k=2048, r=128: rows [0,1] (h=2), 16 consecutive columns (w=16),
/// so h·w = 32 and there are 4 tiles per GEMM.
pub(crate) fn tiny_shape() -> Shape {
    Shape {
        m: 4,
        n: 32,
        k: 2048,
        rank: 128,
        rows_pattern: vec![0, 1],
        cols_pattern: (0..16).collect(),
    }
}

/// Target 2^234: the tiny shape's bound is 2^234·32·16·128 = 2^250, a win every 64 tiles.
pub(crate) fn easy_target() -> BigUint {
    BigUint::from(1u8) << 234u32
}

/// A job whose header nbits encodes `easy_target` exactly.
pub(crate) fn easy_job(cert_version: u32) -> Job {
    let target = easy_target();
    let header = IncompleteBlockHeader {
        version: 0x2000_0000,
        prev_block: [0x42; 32],
        merkle_root: [0x17; 32],
        timestamp: 1_760_000_000,
        nbits: target_to_nbits(&target),
    };
    Job {
        header,
        target,
        cert_version,
    }
}

/// A 32-byte value from 64 hex digits (test vectors).
pub(crate) fn hash32(text: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).expect("hex in a test vector");
    }
    out
}

/// Prints one line saying `test` skipped `what` and why, straight to stderr (libtest captures
/// `eprintln!`, and a skip must be seen).
pub(crate) fn say_skipped(test: &str, what: &str, why: &str) {
    let _ = writeln!(std::io::stderr(), "skipped {test} for {what}: {why}");
}

/// The kernel `choice` names when this CPU can run it; otherwise prints which test skipped
/// it and why, and returns `None`.
pub(crate) fn kernel_or_skip(test: &str, choice: KernelChoice) -> Option<Kernel> {
    match Kernel::resolve(choice) {
        Ok(kernel) => Some(kernel),
        Err(unavailable) => {
            say_skipped(
                test,
                &format!("the {} kernel", unavailable.requested),
                &format!("this CPU cannot run it ({})", unavailable.reason),
            );
            None
        }
    }
}

/// Every kernel this CPU runs (portable always), each missing one skipped with a line.
pub(crate) fn kernels_or_skip(test: &str) -> Vec<Kernel> {
    [
        KernelChoice::Portable,
        KernelChoice::Avx2,
        KernelChoice::Avx512Vnni,
    ]
    .into_iter()
    .filter_map(|choice| kernel_or_skip(test, choice))
    .collect()
}
