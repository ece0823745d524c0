//! The flags of `jarvis mine inspect-model | validate-model`.

use std::path::PathBuf;

use clap::Args;

/// `jarvis mine inspect-model` flags.
#[derive(Debug, Args)]
pub(crate) struct InspectModelArgs {
    /// A local model directory or a Hugging Face id (pearl-ai/...).
    #[arg(long)]
    pub(crate) model: String,
    /// Accept planned (not yet validated) or unregistered models.
    #[arg(long)]
    pub(crate) allow_planned: bool,
    /// Name of the env var holding a Hugging Face token (never the token).
    #[arg(long, default_value = "HF_TOKEN")]
    pub(crate) hf_token_env: String,
    /// Seconds per Hub request.
    #[arg(long, default_value_t = 10.0)]
    pub(crate) timeout: f64,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    pub(crate) output: Option<PathBuf>,
    /// Print machine-readable JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `jarvis mine validate-model` flags.
#[derive(Debug, Args)]
pub(crate) struct ValidateModelArgs {
    /// Model to validate (default: the running miner's model).
    #[arg(long)]
    pub(crate) model: Option<String>,
    /// Accept a planned (not yet validated) model.
    #[arg(long)]
    pub(crate) allow_planned: bool,
    /// Prompt for the chat-completion probe.
    #[arg(long)]
    pub(crate) prompt: Option<String>,
    /// Write the validation artifact (JSON) to this file.
    #[arg(long)]
    pub(crate) output: Option<PathBuf>,
    /// Seconds per probe (the chat probe gets four times as long).
    #[arg(long, default_value_t = 10.0)]
    pub(crate) timeout: f64,
    /// Print the artifact as JSON on stdout.
    #[arg(long)]
    pub(crate) json: bool,
}
