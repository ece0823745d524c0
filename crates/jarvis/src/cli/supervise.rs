//! The flags of `jarvis mine supervise` (hidden).

/// Arguments of `mine supervise`; everything else comes from config.toml.
#[derive(Debug, clap::Args)]
pub(crate) struct SuperviseArgs {
    /// The provider whose background process runs (default: the configured one).
    #[arg(long)]
    pub(crate) provider: Option<String>,
}
