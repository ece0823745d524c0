//! `jarvis mine attach | detach`: a sidecar for a Pearl vLLM miner started by hand.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use jarvis_mining::models::DEFAULT_MODEL;
use jarvis_vllm_pearl::{AttachRequest, attach, detach};

use super::Ctx;
use crate::views;

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

pub(crate) async fn run_attach(ctx: &Ctx, args: &AttachArgs) -> anyhow::Result<ExitCode> {
    let request = AttachRequest {
        vllm_endpoint: args.vllm_endpoint.clone(),
        model: args.model.clone(),
        gateway_url: args.gateway_url.clone(),
        gateway_metrics_url: args.gateway_metrics_url.clone(),
        container_id: args.container_id.clone(),
        wallet: args.wallet.clone(),
    };
    let attached = attach(
        &ctx.home,
        &request,
        Duration::from_secs(args.timeout.max(1)),
    )
    .await?;
    let served = attached.model_served();
    let out = ctx.out.json_if(args.json);
    let report = serde_json::json!({
        "sidecar": attached.sidecar_path,
        "vllm_endpoint": attached.sidecar.vllm_endpoint,
        "model": attached.sidecar.model,
        "served_models": attached.served_models,
        "model_served": served,
    });
    out.emit(&report, || {
        views::attach::attached(
            &attached.sidecar_path,
            attached
                .sidecar
                .vllm_endpoint
                .as_deref()
                .unwrap_or(&args.vllm_endpoint),
            &attached.served_models,
        )
    })?;
    if !served {
        out.warn(&format!(
            "the endpoint does not list '{}'; pass the served name with --model",
            args.model
        ));
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run_detach(ctx: &Ctx, args: &DetachArgs) -> anyhow::Result<ExitCode> {
    let removed = detach(&ctx.home)?;
    let report = serde_json::json!({ "removed": removed, "sidecar": ctx.home.sidecar_path() });
    ctx.out
        .json_if(args.json)
        .emit(&report, || views::attach::detached(removed))?;
    Ok(ExitCode::SUCCESS)
}
