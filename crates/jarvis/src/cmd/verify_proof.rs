//! `jarvis mine verify-proof`: check a PlainProof against a gateway job, offline.

use std::process::ExitCode;

use anyhow::{Context as _, bail};
use pearl_miner::{VerifyError, verify_plain_proof};
use pearl_protocol::job::MiningJob;
use pearl_protocol::proof::PlainProof;
use serde_json::value::RawValue;

use crate::cli::VerifyProofArgs;
use crate::output::Printer;
use crate::views;
use crate::views::verify_proof::{Check, Verdict};

/// The checks in the order the verifier runs them.
pub(crate) const CHECKS: [&str; 6] = [
    "Decode",
    "Certificate version",
    "Shape limits",
    "Tile pattern",
    "Merkle opening",
    "Target",
];

pub(crate) fn run(out: &Printer, args: &VerifyProofArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.job)
        .with_context(|| format!("cannot read --job {}", args.job.display()))?;
    let (job_text, embedded_proof) = split_job_file(&text)?;
    let job = MiningJob::from_json(&job_text)
        .with_context(|| format!("--job {} is not a mining_job", args.job.display()))?;
    let proof_text = match (&args.proof, embedded_proof) {
        (Some(p), _) => read_proof_arg(p)?,
        (None, Some(p)) => p,
        (None, None) => bail!("--proof is required: the job file carries no plain_proof"),
    };

    // Pearl's gateway judges the bound by the header's nbits, not the job's `target` field:
    // so does this command, and it says so when the two disagree.
    let warnings: Vec<String> = job
        .check_target()
        .err()
        .map(|mismatch| views::verify_proof::target_mismatch(&mismatch))
        .into_iter()
        .collect();
    let mut verdict = Verdict {
        valid: false,
        cert_version: job.cert_version,
        nbits: format!("{:#010x}", job.header.nbits),
        checks: Vec::new(),
        hash_jackpot: None,
        proof_commitment: None,
        warnings,
    };
    let failed_at = match PlainProof::from_base64(proof_text.trim()) {
        Err(e) => Some((0, e.to_string())),
        Ok(proof) => match verify_plain_proof(&job.header, &proof, job.cert_version) {
            Ok(v) => {
                verdict.hash_jackpot = Some(hex(&v.hash_jackpot));
                verdict.proof_commitment = Some(hex(&v.proof_commitment));
                None
            }
            Err(e) => Some((check_index(&e), e.to_string())),
        },
    };
    for (i, name) in CHECKS.iter().enumerate() {
        let (status, info) = match &failed_at {
            None => ("ok", String::new()),
            Some((at, why)) if *at == i => ("fail", why.clone()),
            Some((at, _)) if i < *at => ("ok", String::new()),
            Some(_) => ("not reached", String::new()),
        };
        verdict.checks.push(Check { name, status, info });
    }
    verdict.valid = failed_at.is_none();

    for warning in &verdict.warnings {
        out.warn(warning);
    }
    out.json_if(args.json)
        .emit(&verdict, || views::verify_proof::verdict(&verdict))?;
    Ok(super::verdict(verdict.valid))
}

/// A bench line `{"mining_job": {...}, "plain_proof": "..."}` or a bare job object.
fn split_job_file(text: &str) -> anyhow::Result<(String, Option<String>)> {
    #[derive(serde::Deserialize)]
    struct Line<'a> {
        #[serde(borrow)]
        mining_job: &'a RawValue,
        plain_proof: Option<String>,
    }
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    match serde_json::from_str::<Line<'_>>(first) {
        Ok(line) => Ok((line.mining_job.get().to_owned(), line.plain_proof)),
        Err(_) => Ok((text.to_owned(), None)),
    }
}

fn read_proof_arg(arg: &str) -> anyhow::Result<String> {
    match arg.strip_prefix('@') {
        Some(path) => {
            std::fs::read_to_string(path).with_context(|| format!("cannot read --proof @{path}"))
        }
        None => Ok(arg.to_owned()),
    }
}

fn check_index(err: &VerifyError) -> usize {
    match err {
        VerifyError::UnsupportedCertVersion(_) => 1,
        VerifyError::FieldOverflow { .. }
        | VerifyError::TreeSize { .. }
        | VerifyError::RowOutOfRange { .. }
        | VerifyError::Consensus(_)
        | VerifyError::RankPenalty { .. } => 2,
        VerifyError::Pattern { .. } => 3,
        VerifyError::Merkle { .. }
        | VerifyError::RootMismatch { .. }
        | VerifyError::SignalRange { .. } => 4,
        VerifyError::JackpotAboveBound | VerifyError::JackpotAbovePenalizedBound => 5,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
