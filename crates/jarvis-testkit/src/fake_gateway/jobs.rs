//! Easy-target jobs written the way the real gateway writes them.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use num_bigint::BigUint;
use pearl_protocol::target::target_to_nbits;
use pearl_protocol::{IncompleteBlockHeader, MiningJob};

/// 2^234: a tiny shape (h·w = 32, k/r = 16) wins about every 64 tiles; the CPU default
/// shape (h·w = 128) about every 16. Exactly representable in `nbits`.
pub fn easy_target() -> BigUint {
    BigUint::from(1u8) << 234u32
}

/// A certificate-v3 job at [`easy_target`], in the real gateway's JSON spacing.
pub fn easy_job() -> MiningJob {
    let target = easy_target();
    let header = IncompleteBlockHeader {
        version: 0x2000_0000,
        prev_block: [0x42; 32],
        merkle_root: [0x17; 32],
        timestamp: 1_760_000_000,
        nbits: target_to_nbits(&target),
    };
    job_from(&header, &target, 3)
}

/// The job JSON as Python's `json.dumps(MiningJob.to_dict())` writes it.
pub fn job_json_python_style(
    header: &IncompleteBlockHeader,
    target: &BigUint,
    cert_version: u32,
) -> String {
    format!(
        r#"{{"incomplete_header_bytes": "{}", "target": {}, "cert_version": {cert_version}, "ancestor_headers": []}}"#,
        STANDARD.encode(header.to_bytes()),
        target.to_str_radix(10)
    )
}

/// The next block's job: previous hash and timestamp move on, target and version stay.
pub(crate) fn next_block(job: &MiningJob) -> MiningJob {
    let mut header = job.header;
    header.prev_block = header.prev_block.map(|b| b.wrapping_add(1));
    header.timestamp = header.timestamp.wrapping_add(60);
    job_from(&header, &job.target, job.cert_version)
}

fn job_from(header: &IncompleteBlockHeader, target: &BigUint, cert_version: u32) -> MiningJob {
    let json = job_json_python_style(header, target, cert_version);
    // A 76-byte header in base64 and a decimal target always parse; fall back to the
    // canonical form rather than panic if that ever changes.
    MiningJob::from_json(&json)
        .unwrap_or_else(|_| MiningJob::from_parts(*header, target.clone(), cert_version))
}
