//! The flags of `jarvis ask`.

use clap::Args;

/// `jarvis ask` arguments.
#[derive(Debug, Args)]
pub(crate) struct AskArgs {
    /// The prompt.
    pub(crate) prompt: String,
    /// Engine id to use (see `jarvis engines`); default: the preferred engine that answers.
    #[arg(long)]
    pub(crate) engine: Option<String>,
    /// Model id; default: the engine's model, else the first it lists.
    #[arg(long)]
    pub(crate) model: Option<String>,
    /// Wait for the whole reply instead of streaming tokens.
    #[arg(long)]
    pub(crate) no_stream: bool,
    /// Cap on generated tokens.
    #[arg(long)]
    pub(crate) max_tokens: Option<u32>,
    /// Seconds to wait for the engine's reply to start and between streamed pieces.
    #[arg(long, default_value_t = 120.0)]
    pub(crate) timeout: f64,
    /// Print one JSON object (text, engine, model, latency, tokens) at the end.
    #[arg(long)]
    pub(crate) json: bool,
}
