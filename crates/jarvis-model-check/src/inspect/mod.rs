//! `jarvis mine inspect-model`: checks a Pearl model artifact (local directory or Hugging Face
//! id) before anyone spends GPU time, one row per check. Reads only headers, never tensors;
//! hostile files (huge header lengths, truncated JSON, `..` paths) fail their row cleanly.

mod layers;
pub mod safetensors;
mod store;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jarvis_mining::check::{CheckRow, Group, Status};
use jarvis_mining::models::{ModelLookup, ModelStatus, lookup};
use safetensors::TensorInfo;
use serde::Serialize;
use serde_json::Value;
pub use store::HfToken;
use store::{Hub, Store, check_rel_path};

/// Schema of the inspection report.
pub const INSPECT_SCHEMA_VERSION: u32 = 1;

/// Default Hub when `HF_ENDPOINT` is not set.
pub const DEFAULT_HF_ENDPOINT: &str = "https://huggingface.co";

/// Architectures Pearl's vLLM plugin serves.
pub const KNOWN_ARCHITECTURES: &[&str] = &[
    "LlamaForCausalLM",
    "MistralForCausalLM",
    "Qwen2ForCausalLM",
    "Qwen3ForCausalLM",
    "Gemma3ForCausalLM",
    "Gemma3ForConditionalGeneration",
    "Gemma4ForCausalLM",
    "Gemma4ForConditionalGeneration",
];

/// What to inspect and how.
#[derive(Debug, Clone)]
pub struct InspectOptions {
    /// A local directory or a Hugging Face id.
    pub model: String,
    /// Accept planned (not yet validated) and unregistered models.
    pub allow_planned: bool,
    /// Hub base URL (`HF_ENDPOINT`), no trailing `/`.
    pub hf_endpoint: String,
    /// Token for gated/private repositories.
    pub hf_token: Option<HfToken>,
    /// Name of the env var the token came from (for messages).
    pub hf_token_env: String,
    /// Per-request timeout for the Hub.
    pub timeout: Duration,
}

/// Where the artifact lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ArtifactSource {
    /// A local directory.
    Local,
    /// The Hugging Face Hub.
    Hub,
}

/// The inspection result.
#[derive(Debug, Clone, Serialize)]
pub struct InspectReport {
    /// [`INSPECT_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The model as given.
    pub model: String,
    /// Local or Hub.
    pub source: ArtifactSource,
    /// `passed` or `failed`.
    pub status: &'static str,
    /// Whether planned models were accepted.
    pub allow_planned: bool,
    /// Env var consulted for the Hub token.
    pub hf_token_env: String,
    /// One row per check.
    pub checks: Vec<CheckRow>,
}

impl InspectReport {
    /// True when no check failed.
    pub fn passed(&self) -> bool {
        self.status == "passed"
    }
}

/// A Hugging Face id: `org/name` of `[A-Za-z0-9._-]`.
pub fn is_hub_id(id: &str) -> bool {
    let ok = |part: &str| {
        !part.is_empty()
            && part != "."
            && part != ".."
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    matches!(id.split_once('/'), Some((org, name)) if ok(org) && ok(name))
}

const G: Group = Group::ModelArtifact;

fn row(name: &str, ok: bool, info: impl Into<String>) -> CheckRow {
    let status = if ok { Status::Ok } else { Status::Fail };
    CheckRow::new(G, name, status, info)
}

/// The `Model registry` row (shared with validate-model).
pub fn registry_row(model: &str, allow_planned: bool) -> CheckRow {
    let name = "Model registry";
    match lookup(model) {
        ModelLookup::Pearl(m) if m.status == ModelStatus::Validated => {
            row(name, true, format!("validated: {}", m.id))
        }
        ModelLookup::Pearl(m) if allow_planned => CheckRow::new(
            G,
            name,
            Status::Warn,
            format!("planned: {} (accepted with --allow-planned)", m.id),
        ),
        ModelLookup::Pearl(m) => row(name, false, format!("planned: {}", m.id))
            .fix("pass --allow-planned to check a model that is not validated yet"),
        ModelLookup::RawBase(m) => row(name, false, format!("raw base model; use {}", m.id))
            .fix(format!("inspect the Pearl artifact: --model {}", m.id)),
        ModelLookup::Unknown if allow_planned => CheckRow::new(
            G,
            name,
            Status::Warn,
            "not registered (accepted with --allow-planned)",
        ),
        ModelLookup::Unknown => row(name, false, format!("unknown model '{model}'"))
            .fix("see `jarvis mine models`; to promote a new model follow docs/model-enablement.md and pass --allow-planned"),
    }
}

/// Runs every check.
pub async fn inspect_model(options: &InspectOptions) -> InspectReport {
    let mut checks = Vec::new();
    let local = Path::new(&options.model);
    let (source, store) = if local.exists() {
        checks.push(CheckRow::new(
            G,
            "Model registry",
            Status::Info,
            "local artifact (not registered)",
        ));
        (ArtifactSource::Local, local_store(local, &mut checks))
    } else {
        checks.push(registry_row(&options.model, options.allow_planned));
        (ArtifactSource::Hub, hub_store(options, &mut checks).await)
    };
    if let Some(store) = store {
        artifact_rows(&store, &mut checks).await;
    }
    let auth_fix = auth_fix(options);
    for row in checks
        .iter_mut()
        .filter(|r| r.status == Status::Fail && r.fix.is_none())
    {
        if row.info.contains("HTTP 401") || row.info.contains("HTTP 403") {
            row.fix = Some(auth_fix.clone());
        }
    }
    let failed = checks.iter().any(|r| r.status == Status::Fail);
    InspectReport {
        schema_version: INSPECT_SCHEMA_VERSION,
        model: options.model.clone(),
        source,
        status: if failed { "failed" } else { "passed" },
        allow_planned: options.allow_planned,
        hf_token_env: options.hf_token_env.clone(),
        checks,
    }
}

/// What to do about an HTTP 401/403 from the Hub.
fn auth_fix(options: &InspectOptions) -> String {
    let env = &options.hf_token_env;
    if options.hf_token.is_none() {
        format!("set ${env} to a token with access for gated/private models")
    } else {
        format!("the token in ${env} has no access; accept the model's terms on the Hub")
    }
}

fn local_store(path: &Path, checks: &mut Vec<CheckRow>) -> Option<Store> {
    let name = "Local artifact";
    if !path.is_dir() {
        checks.push(
            row(
                name,
                false,
                format!("{} is not a directory", path.display()),
            )
            .fix("pass the directory that holds config.json"),
        );
        return None;
    }
    let root = path.canonicalize().unwrap_or_else(|_| PathBuf::from(path));
    checks.push(row(name, true, root.display().to_string()));
    Some(Store::Local(root))
}

async fn hub_store(options: &InspectOptions, checks: &mut Vec<CheckRow>) -> Option<Store> {
    let name = "HF model";
    if !is_hub_id(&options.model) {
        checks.push(
            row(
                name,
                false,
                format!(
                    "'{}' is neither a directory nor an org/name id",
                    options.model
                ),
            )
            .fix("pass a local model directory or a Hugging Face id like pearl-ai/<model>"),
        );
        return None;
    }
    let client = match jarvis_http::http_client(options.timeout, Some(options.timeout)) {
        Ok(c) => c,
        Err(e) => {
            checks.push(row(name, false, e.to_string()));
            return None;
        }
    };
    let hub = Hub {
        client,
        base: options.hf_endpoint.trim_end_matches('/').to_owned(),
        id: options.model.clone(),
        token: options.hf_token.clone(),
    };
    match hub.model_info().await {
        Ok(info) => {
            let gated = info
                .get("gated")
                .filter(|g| g.as_bool() != Some(false) && !g.is_null())
                .map(|g| format!(", gated: {}", g.as_str().unwrap_or("yes")))
                .unwrap_or_default();
            checks.push(row(
                name,
                true,
                format!("accessible at {}{gated}", hub.base),
            ));
            Some(Store::Hub(hub))
        }
        Err(e) => {
            checks.push(row(name, false, e.describe()));
            None
        }
    }
}

/// The checks every artifact gets, whatever its store.
async fn artifact_rows(store: &Store, checks: &mut Vec<CheckRow>) {
    let files = match store.files().await {
        Ok(f) => f,
        Err(e) => {
            checks.push(row("File list", false, e));
            return;
        }
    };
    checks.push(row(
        "File list",
        !files.is_empty(),
        format!("{} files", files.len()),
    ));
    let has = |p: &str| files.iter().any(|(f, _)| f == p);
    let config = match store.read_json("config.json").await {
        Ok(Some(c)) if c.is_object() => {
            checks.push(row("config.json", true, "present and parses"));
            c
        }
        Ok(Some(_)) => {
            checks.push(row("config.json", false, "not a JSON object"));
            return;
        }
        Ok(None) => {
            checks.push(
                row("config.json", false, "missing").fix("a Pearl artifact needs config.json"),
            );
            return;
        }
        Err(e) => {
            checks.push(row("config.json", false, e));
            return;
        }
    };
    let quant = config
        .get("quantization_config")
        .cloned()
        .unwrap_or(Value::Null);
    let method = quant.get("quant_method").and_then(Value::as_str);
    checks.push(match method {
        Some("pearl") => row("Pearl quantization", true, "quant_method = pearl"),
        Some(other) => row(
            "Pearl quantization",
            false,
            format!("quant_method = {other}, expected pearl"),
        )
        .fix("convert the model with Pearl's quantizer (docs/model-enablement.md)"),
        None => row(
            "Pearl quantization",
            false,
            "missing quantization_config.quant_method",
        )
        .fix("convert the model with Pearl's quantizer (docs/model-enablement.md)"),
    });
    let archs: Vec<&str> = config
        .get("architectures")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let known = archs.iter().any(|a| KNOWN_ARCHITECTURES.contains(a));
    checks.push(if known {
        row("Architectures", true, archs.join(", "))
    } else {
        row(
            "Architectures",
            false,
            if archs.is_empty() {
                "none listed".to_owned()
            } else {
                archs.join(", ")
            },
        )
        .fix(format!(
            "Pearl's vLLM serves: {}",
            KNOWN_ARCHITECTURES.join(", ")
        ))
    });
    let tokenizer = has("tokenizer.json") || has("tokenizer_config.json");
    checks.push(row(
        "Tokenizer",
        tokenizer,
        if tokenizer {
            "present"
        } else {
            "missing tokenizer.json/tokenizer_config.json"
        },
    ));
    if archs.iter().any(|a| a.contains("Gemma4")) {
        let missing: Vec<&str> = ["processor_config.json", "preprocessor_config.json"]
            .into_iter()
            .filter(|f| !has(f))
            .collect();
        checks.push(row(
            "Processor metadata",
            missing.is_empty(),
            if missing.is_empty() {
                "present".to_owned()
            } else {
                format!("missing {}", missing.join(", "))
            },
        ));
    }
    let Some(shards) = weight_rows(store, &files, checks).await else {
        return;
    };
    let Some(tensors) = header_rows(store, &files, &shards, checks).await else {
        return;
    };
    layer_rows(&quant, &tensors, checks);
}

/// The shard list and, when sharded, the index's tensor → shard map.
struct Shards {
    names: Vec<String>,
    weight_map: Option<BTreeMap<String, String>>,
}

async fn weight_rows(
    store: &Store,
    files: &[(String, u64)],
    checks: &mut Vec<CheckRow>,
) -> Option<Shards> {
    let name = "Weights";
    let has = |p: &str| files.iter().any(|(f, _)| f == p);
    if has("model.safetensors.index.json") {
        let index = match store.read_json("model.safetensors.index.json").await {
            Ok(Some(i)) => i,
            Ok(None) => {
                checks.push(row(name, false, "model.safetensors.index.json vanished"));
                return None;
            }
            Err(e) => {
                checks.push(row(name, false, e));
                return None;
            }
        };
        let Some(map) = index.get("weight_map").and_then(Value::as_object) else {
            checks.push(row(
                name,
                false,
                "model.safetensors.index.json has no weight_map",
            ));
            return None;
        };
        let mut weight_map = BTreeMap::new();
        for (tensor, shard) in map {
            let Some(shard) = shard.as_str() else {
                checks.push(row(
                    name,
                    false,
                    format!("weight_map entry for {tensor} is not a file name"),
                ));
                return None;
            };
            if let Err(e) = check_rel_path(shard) {
                checks.push(
                    row(name, false, format!("model.safetensors.index.json: {e}"))
                        .fix("the index must name shards inside the model directory"),
                );
                return None;
            }
            weight_map.insert(tensor.clone(), shard.to_owned());
        }
        let mut names: Vec<String> = weight_map.values().cloned().collect();
        names.sort();
        names.dedup();
        let missing: Vec<&String> = names.iter().filter(|s| !has(s)).collect();
        if !missing.is_empty() {
            let list: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
            checks.push(
                row(name, false, format!("missing shard {}", list.join(", ")))
                    .fix("download the artifact again; every shard in the index must be present"),
            );
            return None;
        }
        checks.push(row(
            name,
            true,
            format!(
                "{} shards, all present ({} tensors indexed)",
                names.len(),
                weight_map.len()
            ),
        ));
        return Some(Shards {
            names,
            weight_map: Some(weight_map),
        });
    }
    let singles: Vec<String> = files
        .iter()
        .filter(|(f, _)| f.ends_with(".safetensors") && !f.contains('/'))
        .map(|(f, _)| f.clone())
        .collect();
    if singles.is_empty() {
        let other = files
            .iter()
            .any(|(f, _)| f.ends_with(".bin") || f.ends_with(".gguf"));
        let info = if other {
            "no .safetensors weights (only .bin/.gguf)"
        } else {
            "no weight files"
        };
        checks.push(row(name, false, info).fix("Pearl's vLLM loads safetensors weights"));
        return None;
    }
    checks.push(row(
        name,
        true,
        format!("{} unsharded safetensors file(s)", singles.len()),
    ));
    Some(Shards {
        names: singles,
        weight_map: None,
    })
}

async fn header_rows(
    store: &Store,
    files: &[(String, u64)],
    shards: &Shards,
    checks: &mut Vec<CheckRow>,
) -> Option<BTreeMap<String, TensorInfo>> {
    let name = "Safetensors headers";
    let mut tensors: BTreeMap<String, TensorInfo> = BTreeMap::new();
    let mut owner: BTreeMap<String, String> = BTreeMap::new();
    for shard in &shards.names {
        let size = files
            .iter()
            .find(|(f, _)| f == shard)
            .map_or(0, |(_, s)| *s);
        let header = match store.header(shard, size).await {
            Ok(h) => h,
            Err(e) => {
                checks.push(
                    row(name, false, format!("{shard}: {e}"))
                        .fix("re-download or re-convert this shard"),
                );
                return None;
            }
        };
        for (tensor, info) in header.tensors {
            owner.insert(tensor.clone(), shard.clone());
            tensors.insert(tensor, info);
        }
    }
    checks.push(row(
        name,
        true,
        format!(
            "{} tensors in {} file(s), headers only",
            tensors.len(),
            shards.names.len()
        ),
    ));
    if let Some(map) = &shards.weight_map {
        let mut problems = Vec::new();
        for (tensor, shard) in map {
            match owner.get(tensor) {
                Some(found) if found == shard => {}
                Some(found) => problems.push(format!("{tensor} is in {found}, index says {shard}")),
                None => problems.push(format!("{tensor} is not in {shard}")),
            }
        }
        problems.extend(
            owner
                .keys()
                .filter(|t| !map.contains_key(*t))
                .map(|t| format!("{t} is not in the index")),
        );
        checks.push(if problems.is_empty() {
            row(
                "Index consistency",
                true,
                "every indexed tensor is in its shard",
            )
        } else {
            row("Index consistency", false, layers::summarize(&problems))
                .fix("the index and the shards disagree: re-download the artifact")
        });
    }
    Some(tensors)
}

fn layer_rows(quant: &Value, tensors: &BTreeMap<String, TensorInfo>, checks: &mut Vec<CheckRow>) {
    let groups = layers::config_groups(quant);
    let summary = layers::classify(tensors, &layers::ignore_fragments(quant));
    let group_with = |bits: u64| groups.iter().find(|(_, b)| *b == bits).map(|(n, _)| n);
    let verdict = |label: &str, bits: u64, count: usize, problems: &[String], what: &str| {
        let row_name = format!("{label} layers");
        match group_with(bits) {
            None => row(
                &row_name,
                false,
                format!("quantization_config.config_groups has no {bits}-bit group"),
            ),
            Some(_) if count == 0 => row(&row_name, false, format!("no {what} weights found")),
            Some(_) if !problems.is_empty() => row(&row_name, false, layers::summarize(problems)),
            Some(group) => row(
                &row_name,
                true,
                format!("{count} int{bits} {what} weights ({group})"),
            ),
        }
    };
    checks.push(verdict(
        "Mining",
        7,
        summary.mining,
        &summary.mining_problems,
        "mining",
    ));
    checks.push(verdict(
        "Non-mining",
        8,
        summary.non_mining,
        &summary.non_mining_problems,
        "q/k/v/down_proj",
    ));
}
