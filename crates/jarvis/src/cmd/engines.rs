//! `jarvis engines`: the discovered inference engines, which one is preferred, and whether each
//! answers. Also the discovery every inference command shares.

use std::process::ExitCode;
use std::time::Duration;

use jarvis_engines::{Discovery, EngineConfig, Health, MiningEndpoint, ProbeResult, discover};
use jarvis_mining::session::{Session, SessionState};
use serde::Serialize;

use super::Ctx;
use crate::cli::EnginesArgs;
use crate::views;

/// A `--timeout` in seconds as a duration (clamped to 0.05 s .. 1 h).
pub(crate) fn seconds(value: f64) -> Duration {
    let clamped = if value.is_finite() {
        value.clamp(0.05, 3600.0)
    } else {
        2.0
    };
    Duration::from_secs_f64(clamped)
}

/// Reads `[engine]` and the mining sidecar and discovers engines. A stale or corrupt sidecar
/// is ignored with a warning; a sidecar without `vllm_endpoint` is ignored silently.
pub(crate) fn discover_engines(ctx: &Ctx, warn: bool) -> anyhow::Result<Discovery> {
    let config = ctx.load_config()?;
    let engine_config = EngineConfig::from_section(config.as_ref().and_then(|c| c.engine.as_ref()));
    if warn {
        for key in config
            .iter()
            .filter_map(|c| c.engine.as_ref())
            .flat_map(|e| e.unknown_keys.iter())
        {
            ctx.out
                .warn(&format!("config.toml: unknown key {key} ignored"));
        }
    }
    let session = Session::read(&ctx.home);
    let sidecar = match &session.state {
        SessionState::Running(s) | SessionState::Unverified(s) => Some(s),
        SessionState::Absent => None,
        SessionState::Stale { reason, .. } => {
            if warn {
                ctx.out.warn(&format!(
                    "ignoring the stale mining sidecar {} ({reason}); run `jarvis mine stop` to \
                     clear it",
                    session.path.display()
                ));
            }
            None
        }
        SessionState::Corrupt { detail } => {
            if warn {
                ctx.out.warn(&format!(
                    "ignoring the unreadable mining sidecar {} ({detail}); run `jarvis mine \
                     stop` to clear it",
                    session.path.display()
                ));
            }
            None
        }
    };
    let mining = sidecar.and_then(|s| {
        s.vllm_endpoint.as_ref().map(|url| MiningEndpoint {
            url: url.clone(),
            model: s.model.clone(),
        })
    });
    Ok(discover(&engine_config, mining.as_ref()))
}

#[derive(Serialize)]
struct EngineRow<'a> {
    id: &'a str,
    preferred: bool,
    protocol: jarvis_engines::Protocol,
    url: &'a str,
    origin: jarvis_engines::Origin,
    model: Option<&'a str>,
    probe_url: &'a str,
    health: &'a Health,
    latency_ms: u64,
}

#[derive(Serialize)]
struct EnginesReport<'a> {
    preferred: Option<&'a str>,
    engines: Vec<EngineRow<'a>>,
}

/// Runs `jarvis engines`.
pub(crate) async fn run(ctx: &Ctx, args: &EnginesArgs) -> anyhow::Result<ExitCode> {
    let discovery = discover_engines(ctx, true)?;
    let probes = jarvis_engines::probe_all(&discovery.engines, seconds(args.timeout)).await;
    let preferred = discovery.preferred.as_deref();
    let rows: Vec<EngineRow<'_>> = discovery
        .engines
        .iter()
        .zip(&probes)
        .map(|(e, p)| EngineRow {
            id: &e.id,
            preferred: Some(e.id.as_str()) == preferred,
            protocol: e.protocol,
            url: &e.url,
            origin: e.origin,
            model: e.model.as_deref(),
            probe_url: &p.url,
            health: &p.health,
            latency_ms: p.latency_ms,
        })
        .collect();
    let out = ctx.out.json_if(args.json);
    let report = EnginesReport {
        preferred,
        engines: rows,
    };
    out.emit(&report, || {
        views::engines::list(&discovery.engines, &probes, preferred)
    })?;
    if !args.json && !probes.iter().any(ProbeResult::is_up) {
        out.note(
            "no engine answers: start one (vLLM, Ollama, or `jarvis mine start` for the mining \
             vLLM) or set its URL under [engine] in config.toml",
        );
    }
    Ok(ExitCode::SUCCESS)
}
