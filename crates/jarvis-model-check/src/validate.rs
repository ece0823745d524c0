//! `jarvis mine validate-model`: probes the running miner as the validation runbook asks and
//! records every probe with its evidence in a versioned, secret-free JSON artifact.
//!
//! Probes (all required): model registry, sidecar present and fresh, sidecar model, vLLM
//! `/v1/models` lists the model, a chat completion through `vllm-pearl-mining`, vLLM `/metrics`,
//! pearld reachable and synced, and the container log (Pearl plugin registered, no submission
//! errors), read through the sidecar provider's `logs`.

use std::time::Duration;

use jarvis_core::paths::JarvisHome;
use jarvis_core::time::unix_now;
use jarvis_doctor::pearl_node_rows;
use jarvis_engines::{
    ChatRequest, EngineConfig, Health, MINING_ENGINE_ID, MiningEndpoint, chat, discover, probe,
    server_base,
};
use jarvis_http::http_client;
use jarvis_mining::MinerRegistry;
use jarvis_mining::check::{CheckRow, Group, Status};
use jarvis_mining::config::MiningSection;
use jarvis_mining::models::DEFAULT_MODEL;
use jarvis_mining::provider::{LogLine, LogRequest};
use jarvis_mining::session::{Session, SessionState};
use jarvis_mining::sidecar::Sidecar;
use jarvis_telemetry::parse_prometheus;
use serde::Serialize;
use serde_json::{Value, json};

use crate::inspect::registry_row;

/// Schema of the validation artifact.
pub const VALIDATION_SCHEMA_VERSION: u32 = 1;

/// Prompt used when the caller gives none.
pub const DEFAULT_PROMPT: &str = "Reply with one short sentence about Pearl.";

/// Container log lines scanned.
pub const LOG_TAIL: usize = 2000;

/// Facts about the host the caller gathered (GPU names, driver).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HostFacts {
    /// Host name.
    pub hostname: String,
    /// GPU names, one per device.
    pub gpus: Vec<String>,
    /// NVIDIA driver version, when known.
    pub driver: Option<String>,
}

/// What validate-model needs.
pub struct ValidateInputs<'a> {
    /// jarvis home (sidecar location).
    pub home: &'a JarvisHome,
    /// Provider registry (to read the sidecar provider's logs).
    pub registry: &'a MinerRegistry,
    /// `[mining]`, for pearld's URL and credentials' env var name.
    pub mining: Option<&'a MiningSection>,
    /// Environment lookup (pearld password); values are never recorded.
    pub env: &'a (dyn Fn(&str) -> Option<String> + Sync),
    /// Model to validate; `None`: the sidecar's model, else the default Pearl model.
    pub model: Option<String>,
    /// Accept planned models.
    pub allow_planned: bool,
    /// Prompt for the chat probe; `None`: [`DEFAULT_PROMPT`].
    pub prompt: Option<String>,
    /// Per-probe timeout (the chat probe gets four times as long).
    pub timeout: Duration,
    /// Host facts for the artifact.
    pub host: HostFacts,
}

/// One probe, its verdict and what it saw.
#[derive(Debug, Clone, Serialize)]
pub struct ValidationProbe {
    /// The verdict row.
    #[serde(flatten)]
    pub row: CheckRow,
    /// Whether a failure fails the validation.
    pub required: bool,
    /// What was observed (ids, latencies, matched log lines); never secrets.
    pub evidence: Value,
}

/// The validation artifact.
#[derive(Debug, Clone, Serialize)]
pub struct ValidationReport {
    /// [`VALIDATION_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// `passed` or `failed`.
    pub status: &'static str,
    /// The model validated.
    pub model: String,
    /// Whether planned models were accepted.
    pub allow_planned: bool,
    /// The host.
    pub host: HostFacts,
    /// Image the miner runs, when the sidecar or config names one.
    pub image_ref: Option<String>,
    /// Provider named by the sidecar.
    pub provider: Option<String>,
    /// The mining endpoint probed.
    pub vllm_endpoint: Option<String>,
    /// Unix seconds when probing began.
    pub started_at: f64,
    /// Unix seconds when probing ended.
    pub finished_at: f64,
    /// Every probe in order.
    pub probes: Vec<ValidationProbe>,
}

impl ValidationReport {
    /// True when every required probe passed.
    pub fn passed(&self) -> bool {
        self.status == "passed"
    }
}

const G: Group = Group::Validation;

fn probe_row(name: &str, ok: bool, info: impl Into<String>, evidence: Value) -> ValidationProbe {
    let status = if ok { Status::Ok } else { Status::Fail };
    ValidationProbe {
        row: CheckRow::new(G, name, status, info),
        required: true,
        evidence,
    }
}

/// Runs every probe.
pub async fn validate_model(inputs: ValidateInputs<'_>) -> ValidationReport {
    let started_at = unix_now();
    let mut probes = Vec::new();
    let session = Session::read(inputs.home);
    let sidecar = sidecar_probe(&session, &mut probes);
    let model = inputs
        .model
        .clone()
        .or_else(|| sidecar.and_then(|s| s.model.clone()))
        .unwrap_or_else(|| DEFAULT_MODEL.to_owned());
    probes.insert(
        0,
        ValidationProbe {
            row: registry_row(&model, inputs.allow_planned),
            required: true,
            evidence: json!({"model": model}),
        },
    );
    let endpoint = sidecar.and_then(|s| s.vllm_endpoint.clone());
    if let Some(s) = sidecar {
        let found = s.model.as_deref().unwrap_or("missing");
        probes.push(probe_row(
            "Sidecar model",
            s.model.as_deref() == Some(model.as_str()),
            found,
            json!({"sidecar_model": s.model, "expected": model}),
        ));
    }
    match &endpoint {
        None => probes.push(with_fix(
            probe_row(
                "vLLM endpoint",
                false,
                "the sidecar has no vllm_endpoint",
                Value::Null,
            ),
            "validate-model needs a provider that serves inference (e.g. vllm-pearl)",
        )),
        Some(url) => endpoint_probes(&inputs, url, &model, &mut probes).await,
    }
    pearld_probes(&inputs, &mut probes).await;
    if let Some(s) = sidecar {
        probes.push(log_probe(&inputs, s).await);
    }
    let failed = probes
        .iter()
        .any(|p| p.required && p.row.status == Status::Fail);
    let image_ref = sidecar
        .and_then(|s| s.image.clone())
        .or_else(|| inputs.mining.map(|m| m.extra.docker_image_tag.clone()));
    ValidationReport {
        schema_version: VALIDATION_SCHEMA_VERSION,
        status: if failed { "failed" } else { "passed" },
        model,
        allow_planned: inputs.allow_planned,
        host: inputs.host.clone(),
        image_ref,
        provider: sidecar.map(|s| s.provider.clone()),
        vllm_endpoint: endpoint,
        started_at,
        finished_at: unix_now(),
        probes,
    }
}

fn with_fix(mut p: ValidationProbe, fix: &str) -> ValidationProbe {
    p.row = p.row.fix(fix);
    p
}

fn sidecar_probe<'s>(
    session: &'s Session,
    probes: &mut Vec<ValidationProbe>,
) -> Option<&'s Sidecar> {
    let path = session.path.display().to_string();
    let (info, fix) = match &session.state {
        SessionState::Running(s) | SessionState::Unverified(s) => {
            probes.push(probe_row(
                "Sidecar",
                true,
                format!("present and fresh ({path}), provider {}", s.provider),
                json!({"path": path, "provider": s.provider, "vllm_endpoint": s.vllm_endpoint,
                    "model": s.model, "container_id": s.container_id, "started_at": s.started_at}),
            ));
            return Some(s);
        }
        SessionState::Absent => (
            format!("absent ({path})"),
            "start the miner first: `jarvis mine start`",
        ),
        SessionState::Stale { reason, .. } => (
            format!("stale: {reason}"),
            "the miner died: `jarvis mine stop`, then `jarvis mine start`",
        ),
        SessionState::Corrupt { detail } => (
            format!("corrupt: {detail}"),
            "`jarvis mine stop` clears it; then `jarvis mine start`",
        ),
    };
    probes.push(with_fix(
        probe_row("Sidecar", false, info, json!({"path": path})),
        fix,
    ));
    None
}

async fn endpoint_probes(
    inputs: &ValidateInputs<'_>,
    url: &str,
    model: &str,
    probes: &mut Vec<ValidationProbe>,
) {
    let mining = MiningEndpoint {
        url: url.to_owned(),
        model: Some(model.to_owned()),
    };
    let discovery = discover(&EngineConfig::default(), Some(&mining));
    let Some(engine) = discovery.get(MINING_ENGINE_ID) else {
        probes.push(probe_row(
            "vLLM /v1/models",
            false,
            "mining engine not discovered",
            Value::Null,
        ));
        return;
    };
    let client = match http_client(inputs.timeout, Some(inputs.timeout)) {
        Ok(c) => c,
        Err(e) => {
            probes.push(probe_row(
                "vLLM /v1/models",
                false,
                e.to_string(),
                Value::Null,
            ));
            return;
        }
    };
    let listing = probe(&client, engine).await;
    probes.push(match &listing.health {
        Health::Up { models } if models.iter().any(|m| m == model) => probe_row(
            "vLLM /v1/models",
            true,
            format!("lists {model}"),
            json!({"url": listing.url, "models": models, "latency_ms": listing.latency_ms}),
        ),
        Health::Up { models } => with_fix(
            probe_row(
                "vLLM /v1/models",
                false,
                format!(
                    "{model} not listed ({} ids: {})",
                    models.len(),
                    models.join(", ")
                ),
                json!({"url": listing.url, "models": models}),
            ),
            "the miner serves another model: set [mining.extra] model and restart",
        ),
        Health::Down { detail } => probe_row(
            "vLLM /v1/models",
            false,
            detail.clone(),
            json!({"url": listing.url}),
        ),
    });
    let prompt = inputs
        .prompt
        .clone()
        .unwrap_or_else(|| DEFAULT_PROMPT.to_owned());
    let request = ChatRequest {
        prompt: prompt.clone(),
        model: model.to_owned(),
        stream: false,
        max_tokens: Some(16),
        idle_timeout: inputs.timeout * 4,
    };
    let mut ignore = |_: &str| {};
    probes.push(match chat(&client, engine, &request, &mut ignore).await {
        Ok(out) => {
            let text: String = out.text.chars().take(200).collect();
            probe_row(
                "Chat completion",
                !out.text.is_empty(),
                format!(
                    "{} ms, {} completion tokens via {}",
                    out.latency_ms, out.completion_tokens, out.engine
                ),
                json!({"engine": out.engine, "prompt": prompt, "latency_ms": out.latency_ms,
                    "prompt_tokens": out.prompt_tokens, "completion_tokens": out.completion_tokens,
                    "finish_reason": out.finish_reason, "text": text}),
            )
        }
        Err(e) => probe_row(
            "Chat completion",
            false,
            e.to_string(),
            json!({"prompt": prompt}),
        ),
    });
    probes.push(metrics_probe(&client, url).await);
}

/// Metric names whose values are kept as evidence.
const METRICS_KEPT: &[&str] = &[
    "vllm:num_requests_running",
    "vllm:num_requests_waiting",
    "vllm:generation_tokens_total",
    "vllm:prompt_tokens_total",
    "process_start_time_seconds",
];

async fn metrics_probe(client: &reqwest::Client, endpoint: &str) -> ValidationProbe {
    let url = format!("{}/metrics", server_base(endpoint));
    let response = match client.get(&url).send().await {
        Ok(r) => r,
        Err(e) => {
            let why = if e.is_timeout() {
                "timed out"
            } else {
                "unreachable"
            };
            return probe_row("vLLM /metrics", false, why, json!({"url": url}));
        }
    };
    let status = response.status().as_u16();
    let text = if status == 200 {
        response.text().await.unwrap_or_default()
    } else {
        String::new()
    };
    let prom = parse_prometheus(&text);
    let kept: serde_json::Map<String, Value> = METRICS_KEPT
        .iter()
        .filter_map(|name| Some(((*name).to_owned(), json!(prom.value(name)?))))
        .collect();
    let has_vllm = prom.samples.iter().any(|s| s.name.starts_with("vllm:"));
    let info = match (status, has_vllm) {
        (200, true) => format!("{} vLLM metrics read", kept.len()),
        (200, false) => "reachable, but no vllm: metrics".to_owned(),
        (code, _) => format!("HTTP {code}"),
    };
    probe_row(
        "vLLM /metrics",
        status == 200 && has_vllm,
        info,
        json!({"url": url, "metrics": kept}),
    )
}

async fn pearld_probes(inputs: &ValidateInputs<'_>, probes: &mut Vec<ValidationProbe>) {
    for row in pearl_node_rows(inputs.mining, inputs.env, inputs.timeout).await {
        // validate-model wants a synced node: a doctor WARN (syncing, no peers) fails here.
        let status = if row.status == Status::Ok {
            Status::Ok
        } else {
            Status::Fail
        };
        let mut row = CheckRow {
            group: G,
            name: format!("pearld {}", row.name),
            status,
            ..row
        };
        if status == Status::Fail && row.fix.is_none() {
            row.fix = Some("check pearld with `jarvis mine doctor`".to_owned());
        }
        let evidence = json!({"info": row.info});
        probes.push(ValidationProbe {
            row,
            required: true,
            evidence,
        });
    }
}

/// A log line that shows the Pearl vLLM plugin loaded.
fn plugin_line(line: &str) -> bool {
    let l = line.to_ascii_lowercase();
    l.contains("register_pearl_miner_layer") || l.contains("quantization=pearl")
}

/// A log line that reports a failed share or block submission.
fn submission_error(line: &str) -> bool {
    let l = line.to_ascii_lowercase();
    (l.contains("submit") || l.contains("share"))
        && (l.contains("error") || l.contains("failed") || l.contains("rejected"))
}

async fn log_probe(inputs: &ValidateInputs<'_>, sidecar: &Sidecar) -> ValidationProbe {
    let Some(descriptor) = inputs.registry.get(&sidecar.provider) else {
        return probe_row(
            "Container log",
            false,
            format!("provider '{}' is not in this build", sidecar.provider),
            Value::Null,
        );
    };
    let provider = (descriptor.create)(inputs.home);
    let mut lines: Vec<String> = Vec::new();
    let mut sink = |line: LogLine| lines.push(line.line);
    let request = LogRequest {
        tail: LOG_TAIL,
        follow: false,
    };
    let result = tokio::time::timeout(inputs.timeout * 3, provider.logs(request, &mut sink)).await;
    let failure = match result {
        Err(_) => Some("reading the logs timed out".to_owned()),
        Ok(Err(e)) => Some(e.to_string()),
        Ok(Ok(())) => None,
    };
    if let Some(why) = failure {
        return probe_row(
            "Container log",
            false,
            why,
            json!({"lines_scanned": lines.len()}),
        );
    }
    let plugin: Vec<&String> = lines.iter().filter(|l| plugin_line(l)).take(3).collect();
    let errors: Vec<&String> = lines
        .iter()
        .filter(|l| submission_error(l))
        .take(5)
        .collect();
    let evidence = json!({"lines_scanned": lines.len(), "plugin_lines": plugin,
        "submission_error_lines": errors});
    let (ok, info, fix) = match (plugin.is_empty(), errors.is_empty()) {
        (false, true) => (
            true,
            "Pearl plugin registered, no submission errors".to_owned(),
            None,
        ),
        (true, _) => (
            false,
            format!(
                "no Pearl plugin registration in the last {} lines",
                lines.len()
            ),
            Some("the image may lack Pearl's vLLM plugin; check `jarvis mine logs`"),
        ),
        (false, false) => (
            false,
            format!("{} submission error line(s)", errors.len()),
            Some("see `jarvis mine logs` and check pearld and the gateway"),
        ),
    };
    let p = probe_row("Container log", ok, info, evidence);
    match fix {
        Some(f) => with_fix(p, f),
        None => p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_heuristics() {
        assert!(plugin_line(
            "INFO 11-25 [__init__.py:44] - pearl_miner -> vllm_miner.register:register_pearl_miner_layer"
        ));
        assert!(plugin_line(
            "Initializing a V1 LLM engine with config: quantization=pearl, ..."
        ));
        assert!(!plugin_line("INFO Loading weights took 12.3 seconds"));
        assert!(submission_error(
            "ERROR gateway: submit block failed: connection refused"
        ));
        assert!(submission_error("share rejected: low difficulty"));
        assert!(!submission_error("INFO share accepted"));
    }
}
