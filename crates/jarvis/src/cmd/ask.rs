//! `jarvis ask`: one prompt to the preferred (or named) engine, streamed as it arrives.

use std::process::ExitCode;

use anyhow::{Context as _, bail};
use jarvis_engines::{ChatRequest, Engine, Health, ProbeResult, chat, probe_all};
use jarvis_http::http_client;
use serde::Serialize;

use super::Ctx;
use super::engines::{discover_engines, seconds};
use crate::cli::AskArgs;
use crate::views;

/// Seconds an engine gets to answer the pre-flight probe.
const PROBE_SECONDS: f64 = 2.0;

#[derive(Serialize)]
struct AskReport<'a> {
    #[serde(flatten)]
    outcome: &'a jarvis_engines::ChatOutcome,
    stream: bool,
}

/// Runs `jarvis ask`.
pub(crate) async fn run(ctx: &Ctx, args: &AskArgs) -> anyhow::Result<ExitCode> {
    let discovery = discover_engines(ctx, true)?;
    let candidates: Vec<Engine> = discovery
        .candidates(args.engine.as_deref())?
        .into_iter()
        .cloned()
        .collect();
    let probes = probe_all(&candidates, seconds(PROBE_SECONDS)).await;
    let Some((engine, probe)) = candidates.iter().zip(&probes).find(|(_, p)| p.is_up()) else {
        bail!("{}", nobody_answers(&probes, args.engine.is_some()));
    };
    if let Some(first) = probes.first().filter(|p| p.id != probe.id)
        && let Health::Down { detail } = &first.health
    {
        ctx.out.warn(&format!(
            "preferred engine {} does not answer ({detail}); using {}",
            first.id, engine.id
        ));
    }
    let listed = match &probe.health {
        Health::Up { models } => models.first().cloned(),
        Health::Down { .. } => None,
    };
    let Some(model) = args
        .model
        .clone()
        .or_else(|| engine.model.clone())
        .or(listed)
    else {
        return Err(jarvis_engines::EngineError::NoModel {
            engine: engine.id.clone(),
        }
        .into());
    };
    ctx.out.note(&views::engines::asking(engine, &model));
    let request = ChatRequest {
        prompt: args.prompt.clone(),
        model,
        stream: !args.no_stream,
        max_tokens: args.max_tokens,
        idle_timeout: seconds(args.timeout),
    };
    let client = http_client(seconds(PROBE_SECONDS), None)?;
    let print = !args.json;
    let out = &ctx.out;
    let mut on_text = move |text: &str| {
        if print {
            out.text(text);
        }
    };
    let outcome = chat(&client, engine, &request, &mut on_text)
        .await
        .with_context(|| format!("asking engine '{}' failed", engine.id))?;
    if args.json {
        ctx.out.json(&AskReport {
            outcome: &outcome,
            stream: request.stream,
        })?;
    } else {
        ctx.out.text("\n");
    }
    Ok(ExitCode::SUCCESS)
}

fn nobody_answers(probes: &[ProbeResult], named: bool) -> String {
    let tried: Vec<String> = probes
        .iter()
        .map(|p| match &p.health {
            Health::Down { detail } => format!("{} ({}): {detail}", p.id, p.url),
            Health::Up { .. } => format!("{} ({}): up", p.id, p.url),
        })
        .collect();
    let fix = if named {
        "start it, or drop --engine to use any engine that answers"
    } else {
        "start an engine (`jarvis mine start` for the mining vLLM, or vLLM/Ollama) or set its \
         URL under [engine] in config.toml; `jarvis engines` shows what was tried"
    };
    format!(
        "no inference engine answers (tried {}); {fix}",
        tried.join("; ")
    )
}
