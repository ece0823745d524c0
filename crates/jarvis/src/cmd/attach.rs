//! `jarvis mine attach | detach`: a sidecar for a Pearl vLLM miner started by hand.

use std::process::ExitCode;
use std::time::Duration;

use jarvis_vllm_pearl::{AttachRequest, attach, detach};

use super::Ctx;
use crate::cli::{AttachArgs, DetachArgs};
use crate::views;

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
