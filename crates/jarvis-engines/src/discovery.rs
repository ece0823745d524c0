//! Data-driven discovery: the registry's engines at their configured or default URLs, plus the
//! mining engine when the caller passes the endpoint a mining sidecar announced.

use serde::Serialize;

use crate::config::EngineConfig;
use crate::error::EngineError;
use crate::registry::{MINING_ENGINE_ID, Protocol, engine_kinds};

/// An inference endpoint announced by a running mining session (the sidecar's `vllm_endpoint`
/// and `model`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MiningEndpoint {
    /// OpenAI base URL, e.g. `http://127.0.0.1:8000/v1`.
    pub url: String,
    /// The model the miner serves, when the sidecar names it.
    pub model: Option<String>,
}

/// Where an engine's URL came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// The registry's default URL.
    Default,
    /// `[engine]` in config.toml.
    Config,
    /// The mining sidecar.
    MiningSidecar,
}

/// One discovered engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Engine {
    /// Registry id.
    pub id: String,
    /// Protocol spoken.
    pub protocol: Protocol,
    /// Base URL (OpenAI: ends in `/v1`; Ollama: the server root), no trailing `/`.
    pub url: String,
    /// Model to ask when the caller names none.
    pub model: Option<String>,
    /// NAME of the env var holding a Bearer key (never the key).
    pub api_key_env: Option<String>,
    /// Where the URL came from.
    pub origin: Origin,
}

/// The discovered engines and which one is preferred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Discovery {
    /// Engines in registry order.
    pub engines: Vec<Engine>,
    /// Id of the preferred engine.
    pub preferred: Option<String>,
}

/// Discovers engines. A mining endpoint registers `vllm-pearl-mining` there and makes it the
/// preferred engine (the user's prompts become mining work); otherwise `[engine] default` is
/// preferred when that engine exists, else the first engine.
pub fn discover(config: &EngineConfig, mining: Option<&MiningEndpoint>) -> Discovery {
    let mut engines = Vec::new();
    for (id, kind) in engine_kinds().iter() {
        let (url, origin, model, api_key_env) =
            if let Some((url, model, key)) = configured(config, id) {
                (url, Origin::Config, model, key)
            } else if let Some(m) = mining.filter(|_| id == MINING_ENGINE_ID) {
                (m.url.clone(), Origin::MiningSidecar, m.model.clone(), None)
            } else if let Some(url) = kind.default_url {
                (url.to_owned(), Origin::Default, None, None)
            } else {
                continue;
            };
        engines.push(Engine {
            id: id.to_owned(),
            protocol: kind.protocol,
            url: url.trim_end_matches('/').to_owned(),
            model,
            api_key_env,
            origin,
        });
    }
    let has = |id: &str| engines.iter().any(|e| e.id == id);
    let preferred = if mining.is_some() && has(MINING_ENGINE_ID) {
        Some(MINING_ENGINE_ID.to_owned())
    } else if let Some(d) = config.default.as_deref().filter(|d| has(d)) {
        Some(d.to_owned())
    } else {
        engines.first().map(|e| e.id.clone())
    };
    Discovery { engines, preferred }
}

/// What `[engine]` sets for engine `id`: URL, default model, key env var name.
fn configured(config: &EngineConfig, id: &str) -> Option<(String, Option<String>, Option<String>)> {
    let plain = |url: &Option<String>| url.clone().map(|u| (u, None, None));
    let table = [
        ("vllm", plain(&config.vllm_url)),
        ("ollama", plain(&config.ollama_url)),
        (
            "openai-compatible",
            config
                .openai_compatible
                .as_ref()
                .map(|o| (o.url.clone(), o.model.clone(), o.api_key_env.clone())),
        ),
    ];
    table
        .into_iter()
        .find(|(key, _)| *key == id)
        .and_then(|(_, found)| found)
}

impl Discovery {
    /// The engine with this id.
    pub fn get(&self, id: &str) -> Option<&Engine> {
        self.engines.iter().find(|e| e.id == id)
    }

    /// Engines in the order `ask` tries them: the preferred one first, then the rest.
    pub fn ordered(&self) -> Vec<&Engine> {
        let preferred = self.preferred.as_deref();
        let mut out: Vec<&Engine> = self
            .engines
            .iter()
            .filter(|e| Some(e.id.as_str()) == preferred)
            .collect();
        out.extend(
            self.engines
                .iter()
                .filter(|e| Some(e.id.as_str()) != preferred),
        );
        out
    }

    /// The candidates for a request: exactly `id` when given, else [`Discovery::ordered`].
    pub fn candidates(&self, id: Option<&str>) -> Result<Vec<&Engine>, EngineError> {
        match id {
            None => Ok(self.ordered()),
            Some(id) => self
                .get(id)
                .map(|e| vec![e])
                .ok_or_else(|| EngineError::UnknownEngine {
                    id: id.to_owned(),
                    known: self.engines.iter().map(|e| e.id.clone()).collect(),
                }),
        }
    }
}
