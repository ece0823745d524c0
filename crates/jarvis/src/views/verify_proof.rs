//! `jarvis mine verify-proof`: each verifier check in order, then the verdict.

use serde::Serialize;

use crate::output::style::Mark;
use crate::output::{Doc, Pairs};

/// One verifier check.
#[derive(Serialize)]
pub(crate) struct Check {
    /// The check.
    pub(crate) name: &'static str,
    /// `ok`, `fail` or `not reached`.
    pub(crate) status: &'static str,
    /// Why it failed.
    pub(crate) info: String,
}

/// The verdict on one proof (`--json` prints it as is).
#[derive(Serialize)]
pub(crate) struct Verdict {
    pub(crate) valid: bool,
    pub(crate) cert_version: u32,
    pub(crate) nbits: String,
    pub(crate) checks: Vec<Check>,
    pub(crate) hash_jackpot: Option<String>,
    pub(crate) proof_commitment: Option<String>,
    /// What the verdict should be read with (e.g. a job target that disagrees with its header).
    pub(crate) warnings: Vec<String>,
}

/// The warning when a job's `target` field is not its header's nbits target.
pub(crate) fn target_mismatch(mismatch: &pearl_protocol::TargetMismatch) -> String {
    format!("{mismatch}: the verdict below uses the header's bound and ignores the job's target")
}

/// The checks and the verdict.
pub(crate) fn verdict(v: &Verdict) -> Doc {
    let mut doc = Doc::new();
    doc.heading(format!(
        "PlainProof verification (cert v{}, nbits {})",
        v.cert_version, v.nbits
    ));
    for check in &v.checks {
        let (mark, info) = match check.status {
            "ok" => (Mark::Ok, check.info.as_str()),
            "fail" => (Mark::Fail, check.info.as_str()),
            _ => (Mark::NotReached, "not reached: an earlier check failed"),
        };
        doc.check(check.name, mark, info, None);
    }
    if let (Some(h), Some(c)) = (&v.hash_jackpot, &v.proof_commitment) {
        doc.pairs(
            Pairs::new(2)
                .row("jackpot hash", h.as_str())
                .row("proof commitment", c.as_str()),
        );
    }
    doc.line(if v.valid {
        "Valid proof."
    } else {
        "Invalid proof."
    });
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::plain;

    fn checks(failed_at: Option<usize>, why: &str) -> Vec<Check> {
        crate::cmd::verify_proof::CHECKS
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let (status, info) = match failed_at {
                    Some(at) if at == i => ("fail", why),
                    Some(at) if i > at => ("not reached", ""),
                    _ => ("ok", ""),
                };
                Check {
                    name,
                    status,
                    info: info.to_owned(),
                }
            })
            .collect()
    }

    #[test]
    fn valid() {
        let v = Verdict {
            valid: true,
            cert_version: 3,
            nbits: "0x1d2fffff".to_owned(),
            checks: checks(None, ""),
            hash_jackpot: Some(
                "00000000a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbcc".to_owned(),
            ),
            proof_commitment: Some(
                "5e0c2b7a9d4f1e3c8b6a5d4c3b2a19081726354453627180f9e8d7c6b5a49382".to_owned(),
            ),
            warnings: Vec::new(),
        };
        insta::assert_snapshot!(plain(&verdict(&v)));
    }

    #[test]
    fn target_that_disagrees_with_the_header() {
        let mismatch = pearl_protocol::TargetMismatch {
            nbits: 0x1c10_0000,
            header_target: num_bigint::BigUint::from(1u8) << 220u32,
            job_target: num_bigint::BigUint::from(1u8),
        };
        insta::assert_snapshot!(target_mismatch(&mismatch));
    }

    #[test]
    fn invalid_at_the_merkle_opening() {
        let v = Verdict {
            valid: false,
            cert_version: 3,
            nbits: "0x1d2fffff".to_owned(),
            checks: checks(
                Some(4),
                "the opening of row 17 does not hash to the committed root",
            ),
            hash_jackpot: None,
            proof_commitment: None,
            warnings: Vec::new(),
        };
        insta::assert_snapshot!(plain(&verdict(&v)));
    }
}
