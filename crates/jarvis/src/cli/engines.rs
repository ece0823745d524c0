//! The flags of `jarvis engines`.

use clap::Args;

/// `jarvis engines` flags.
#[derive(Debug, Args)]
pub(crate) struct EnginesArgs {
    /// Seconds each engine gets to answer its probe.
    #[arg(long, default_value_t = 2.0)]
    pub(crate) timeout: f64,
    /// Print machine-readable JSON.
    #[arg(long)]
    pub(crate) json: bool,
}
