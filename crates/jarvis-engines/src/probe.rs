//! Health probes: `GET <url>/models` for OpenAI-compatible engines, `GET <url>/api/tags` for
//! Ollama, all engines at once with a short timeout.

use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use crate::discovery::Engine;
use crate::registry::Protocol;
use jarvis_http::{describe, http_client};

/// Whether an engine answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Health {
    /// It answered its model listing.
    Up {
        /// Model ids it lists.
        models: Vec<String>,
    },
    /// It did not answer, or not as its protocol says.
    Down {
        /// One line: why.
        detail: String,
    },
}

/// One engine's probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeResult {
    /// The engine id.
    pub id: String,
    /// The URL probed.
    pub url: String,
    /// The outcome.
    pub health: Health,
    /// Time taken, milliseconds.
    pub latency_ms: u64,
}

impl ProbeResult {
    /// True when the engine answered.
    pub fn is_up(&self) -> bool {
        matches!(self.health, Health::Up { .. })
    }
}

/// Adds `Authorization: Bearer` from the engine's key env var when it is set.
pub(crate) fn authorize(req: reqwest::RequestBuilder, engine: &Engine) -> reqwest::RequestBuilder {
    match engine
        .api_key_env
        .as_deref()
        .and_then(|name| std::env::var(name).ok())
        .filter(|k| !k.is_empty())
    {
        Some(key) => req.bearer_auth(key),
        None => req,
    }
}

/// The model-listing URL of an engine.
pub(crate) fn listing_url(engine: &Engine) -> String {
    match engine.protocol {
        Protocol::OpenAi => format!("{}/models", engine.url),
        Protocol::Ollama => format!("{}/api/tags", engine.url),
    }
}

/// The server root of an OpenAI base URL (`http://h:p/v1` -> `http://h:p`), where vLLM serves
/// `/health` and `/metrics`.
pub fn server_base(openai_url: &str) -> String {
    let trimmed = openai_url.trim_end_matches('/');
    trimmed.strip_suffix("/v1").unwrap_or(trimmed).to_owned()
}

/// Probes one engine with `client`.
pub async fn probe(client: &reqwest::Client, engine: &Engine) -> ProbeResult {
    let url = listing_url(engine);
    let started = Instant::now();
    let health = match authorize(client.get(&url), engine).send().await {
        Err(e) => Health::Down {
            detail: describe(&e),
        },
        Ok(r) if !r.status().is_success() => Health::Down {
            detail: format!("HTTP {}", r.status().as_u16()),
        },
        Ok(r) => match r.json::<Value>().await {
            Err(e) => Health::Down {
                detail: format!(
                    "not a {} model listing ({})",
                    engine.protocol.name(),
                    describe(&e)
                ),
            },
            Ok(body) => match model_ids(engine.protocol, &body) {
                Some(models) => Health::Up { models },
                None => Health::Down {
                    detail: format!("not a {} model listing", engine.protocol.name()),
                },
            },
        },
    };
    ProbeResult {
        id: engine.id.clone(),
        url,
        health,
        latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }
}

/// Model ids in a listing: OpenAI `data[].id` (or plain strings), Ollama `models[].name`.
pub fn model_ids(protocol: Protocol, body: &Value) -> Option<Vec<String>> {
    let (list, key) = match protocol {
        Protocol::OpenAi => (body.get("data")?.as_array()?, "id"),
        Protocol::Ollama => (body.get("models")?.as_array()?, "name"),
    };
    Some(
        list.iter()
            .filter_map(|m| m.as_str().or_else(|| m.get(key).and_then(Value::as_str)))
            .map(str::to_owned)
            .collect(),
    )
}

/// Probes every engine concurrently, each bounded by `timeout`; results in `engines` order.
pub async fn probe_all(engines: &[Engine], timeout: Duration) -> Vec<ProbeResult> {
    let down = |engine: &Engine, detail: String| ProbeResult {
        id: engine.id.clone(),
        url: listing_url(engine),
        health: Health::Down { detail },
        latency_ms: 0,
    };
    let client = match http_client(timeout, Some(timeout)) {
        Ok(c) => c,
        Err(err) => return engines.iter().map(|e| down(e, err.to_string())).collect(),
    };
    let mut set = tokio::task::JoinSet::new();
    for (index, engine) in engines.iter().cloned().enumerate() {
        let client = client.clone();
        set.spawn(async move { (index, probe(&client, &engine).await) });
    }
    let mut results: Vec<Option<ProbeResult>> = vec![None; engines.len()];
    while let Some(joined) = set.join_next().await {
        if let Ok((index, result)) = joined
            && let Some(slot) = results.get_mut(index)
        {
            *slot = Some(result);
        }
    }
    results
        .into_iter()
        .zip(engines)
        .map(|(r, engine)| r.unwrap_or_else(|| down(engine, "probe task failed".to_owned())))
        .collect()
}
