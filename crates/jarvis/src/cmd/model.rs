//! `jarvis mine inspect-model` and `jarvis mine validate-model`.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use jarvis_core::hardware::HardwareInfo;
use jarvis_model_check::inspect::{DEFAULT_HF_ENDPOINT, HfToken, InspectOptions, inspect_model};
use jarvis_model_check::validate::{HostFacts, ValidateInputs, validate_model};
use serde::Serialize;

use super::engines::seconds;
use super::{Ctx, verdict};
use crate::cli::{InspectModelArgs, ValidateModelArgs};
use crate::output::Printer;
use crate::views;
use crate::views::model::Check;

/// Writes pretty JSON with a trailing newline, creating parent directories.
fn write_json<T: Serialize>(path: &Path, value: &T) -> anyhow::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    jarvis_core::write_atomic(path, text.as_bytes(), 0o644)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Runs `jarvis mine inspect-model`.
pub(crate) async fn inspect(out: &Printer, args: &InspectModelArgs) -> anyhow::Result<ExitCode> {
    let hf_endpoint = std::env::var("HF_ENDPOINT")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_HF_ENDPOINT.to_owned());
    let hf_token = std::env::var(&args.hf_token_env)
        .ok()
        .filter(|v| !v.is_empty())
        .map(HfToken::new);
    let report = inspect_model(&InspectOptions {
        model: args.model.clone(),
        allow_planned: args.allow_planned,
        hf_endpoint,
        hf_token,
        hf_token_env: args.hf_token_env.clone(),
        timeout: seconds(args.timeout),
    })
    .await;
    if let Some(path) = &args.output {
        write_json(path, &report)?;
    }
    out.json_if(args.json).emit(&report, || {
        views::model::report(
            Check::Inspection,
            &report.model,
            report.checks.iter(),
            report.passed(),
            args.output.as_deref(),
        )
    })?;
    Ok(verdict(report.passed()))
}

/// Runs `jarvis mine validate-model`.
pub(crate) async fn validate(ctx: &Ctx, args: &ValidateModelArgs) -> anyhow::Result<ExitCode> {
    let config = ctx.load_config()?;
    let mining = config.as_ref().and_then(|c| c.mining.as_ref());
    let host = host_facts().await;
    let env = |key: &str| std::env::var(key).ok();
    let report = validate_model(ValidateInputs {
        home: &ctx.home,
        registry: &ctx.registry,
        mining,
        env: &env,
        model: args.model.clone(),
        allow_planned: args.allow_planned,
        prompt: args.prompt.clone(),
        timeout: seconds(args.timeout),
        host,
    })
    .await;
    if let Some(path) = &args.output {
        write_json(path, &report)?;
    }
    ctx.out.json_if(args.json).emit(&report, || {
        views::model::report(
            Check::Validation,
            &report.model,
            report.probes.iter().map(|p| &p.row),
            report.passed(),
            args.output.as_deref(),
        )
    })?;
    Ok(verdict(report.passed()))
}

async fn host_facts() -> HostFacts {
    let hardware = tokio::task::spawn_blocking(HardwareInfo::detect).await.ok();
    let gpus = hardware
        .map(|h| h.gpus.iter().map(|g| g.name.clone()).collect())
        .unwrap_or_default();
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".to_owned());
    HostFacts {
        hostname,
        gpus,
        driver: nvidia_driver().await,
    }
}

/// The NVIDIA driver version from `nvidia-smi`, when it answers within 5 s.
async fn nvidia_driver() -> Option<String> {
    let output = tokio::process::Command::new("nvidia-smi")
        .args(["--query-gpu=driver_version", "--format=csv,noheader"])
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(5), output)
        .await
        .ok()?
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let first = text.lines().next()?.trim();
    (output.status.success() && !first.is_empty()).then(|| first.to_owned())
}
