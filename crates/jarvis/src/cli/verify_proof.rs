//! The flags of `jarvis mine verify-proof`.

use std::path::PathBuf;

use clap::Args;

/// `jarvis mine verify-proof` flags.
#[derive(Debug, Args)]
pub(crate) struct VerifyProofArgs {
    /// The gateway's `mining_job` object as JSON, or a line written by `mine bench --emit-proofs`.
    #[arg(long)]
    pub(crate) job: PathBuf,
    /// The proof as base64, or `@FILE` holding it; optional when the job file carries `plain_proof`.
    #[arg(long)]
    pub(crate) proof: Option<String>,
    /// Print machine-readable JSON.
    #[arg(long)]
    pub(crate) json: bool,
}
