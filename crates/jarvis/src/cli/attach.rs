//! The flags of `jarvis mine attach | detach`.

use clap::Args;
use jarvis_mining::models::DEFAULT_MODEL;

/// `jarvis mine attach` (the Python tool's flags).
#[derive(Debug, Args)]
pub(crate) struct AttachArgs {
    /// The miner's OpenAI endpoint, e.g. http://127.0.0.1:8000/v1.
    #[arg(long)]
    pub(crate) vllm_endpoint: String,
    /// The model it serves.
    #[arg(long, default_value = DEFAULT_MODEL)]
    pub(crate) model: String,
    /// pearl-gateway URL [default: http://<endpoint host>:8337].
    #[arg(long)]
    pub(crate) gateway_url: Option<String>,
    /// Gateway metrics base URL [default: http://<endpoint host>:8339].
    #[arg(long)]
    pub(crate) gateway_metrics_url: Option<String>,
    /// The miner's container id [default: external].
    #[arg(long)]
    pub(crate) container_id: Option<String>,
    /// Payout address the miner uses.
    #[arg(long, default_value = "")]
    pub(crate) wallet: String,
    /// Seconds to wait for the endpoint's /v1/models.
    #[arg(long, default_value_t = 5)]
    pub(crate) timeout: u64,
    /// Print machine-readable JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

/// `jarvis mine detach`.
#[derive(Debug, Args)]
pub(crate) struct DetachArgs {
    /// Print machine-readable JSON.
    #[arg(long)]
    pub(crate) json: bool,
}
