//! The typed view of `[mining]` and `[mining.extra]`, defaults applied.

use std::path::PathBuf;

use serde::{Serialize, Serializer};

use crate::models::DEFAULT_MODEL;

/// Default `docker_image_tag`.
pub const DEFAULT_DOCKER_IMAGE_TAG: &str = "openjarvis/pearl-miner:master";
/// Default `pearld_rpc_url`.
pub const DEFAULT_PEARLD_RPC_URL: &str = "http://localhost:44107";

/// `[mining.extra].log_format`: the supervisor's log lines as text or as JSON objects.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// `<time>  INFO <message>` lines (the default).
    #[default]
    Text,
    /// One JSON object per line: `timestamp`, `level`, `message`.
    Json,
}

impl LogFormat {
    /// The config value.
    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        }
    }
}

/// `[mining]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MiningSection {
    /// Mining provider id (a registry key such as `cpu-pearl`).
    pub provider: String,
    /// Pearl wallet address that receives rewards.
    pub wallet_address: String,
    /// Where shares/blocks go.
    pub submit_target: SubmitTargetSpec,
    /// Fee in basis points (v1: 0).
    pub fee_bps: u32,
    /// Fee payout address (`""` = none).
    pub fee_payout_address: String,
    /// `[mining.extra]`.
    pub extra: MiningExtra,
}

/// `submit_target`: `"solo"` or `"pool:<url>"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitTargetSpec {
    /// Submit to our own pearld.
    Solo,
    /// Submit to a pool (not supported yet by any provider).
    Pool {
        /// Pool URL (after `pool:`).
        url: String,
    },
}

impl SubmitTargetSpec {
    /// Parses `"solo"` or `"pool:<url>"` (non-empty url).
    pub fn parse(s: &str) -> Option<SubmitTargetSpec> {
        match s.strip_prefix("pool:") {
            Some(url) if !url.trim().is_empty() => Some(SubmitTargetSpec::Pool {
                url: url.trim().to_string(),
            }),
            Some(_) => None,
            None => (s == "solo").then_some(SubmitTargetSpec::Solo),
        }
    }

    /// The config-file spelling.
    pub fn to_config_string(&self) -> String {
        match self {
            SubmitTargetSpec::Solo => "solo".to_string(),
            SubmitTargetSpec::Pool { url } => format!("pool:{url}"),
        }
    }
}

impl Serialize for SubmitTargetSpec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_config_string())
    }
}

/// `vllm_args`: one string (split shell-style by the caller) or a list of arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum VllmArgs {
    /// `vllm_args = "--a --b"`.
    Line(String),
    /// `vllm_args = ["--a", "--b"]`.
    List(Vec<String>),
}

/// Pearl network the node and wallet belong to (the protocol crate's own type).
pub use pearl_protocol::address::Network;

/// `[mining.extra]`, one typed field per key, defaults applied.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MiningExtra {
    /// Docker image for `vllm-pearl`.
    pub docker_image_tag: String,
    /// Pearl model id served by vLLM.
    pub model: String,
    /// Local model directory (bind-mounted read-only).
    pub local_model_path: Option<PathBuf>,
    /// Extra vLLM arguments.
    pub vllm_args: Option<VllmArgs>,
    /// `CUDA_VISIBLE_DEVICES` (`""` = all GPUs).
    pub cuda_visible_devices: String,
    /// vLLM OpenAI port.
    pub vllm_port: u16,
    /// pearl-gateway miner RPC port.
    pub gateway_port: u16,
    /// pearl-gateway metrics port (vllm-pearl).
    pub gateway_metrics_port: u16,
    /// vLLM `--gpu-memory-utilization`, in (0, 1].
    pub gpu_memory_utilization: f64,
    /// vLLM `--max-model-len`.
    pub max_model_len: u32,
    /// pearld JSON-RPC URL.
    pub pearld_rpc_url: String,
    /// pearld RPC user.
    pub pearld_rpc_user: String,
    /// NAME of the env var holding the pearld RPC password.
    pub pearld_rpc_password_env: String,
    /// NAME of the env var holding the Hugging Face token.
    pub hf_token_env: String,
    /// Host the gateway binds (loopback by default).
    pub gateway_host: String,
    /// Our own Prometheus `/metrics` port (cpu/mps supervisor).
    pub metrics_port: u16,
    /// Pearl network.
    pub network: Network,
    /// pearld's `rpc.cert` for TLS RPC.
    pub pearld_rpc_cert: Option<PathBuf>,
    /// Miner threads (`None` = all cores).
    pub threads: Option<u32>,
    /// Telemetry sample interval, seconds.
    pub sample_interval_s: u32,
    /// Telemetry history retention, days.
    pub history_retention_days: u32,
    /// Supervisor restart budget per child per hour.
    pub max_restarts_per_hour: u32,
    /// Pinned Pearl git ref (tag or commit).
    pub pearl_ref: Option<String>,
    /// GEMM shape: rows of A (`None` = provider default).
    pub m: Option<u32>,
    /// GEMM shape: columns of B (`None` = provider default).
    pub n: Option<u32>,
    /// GEMM shape: inner dimension.
    pub k: u32,
    /// Noise rank.
    pub rank: u32,
    /// Periodic row pattern.
    pub rows_pattern: Vec<u32>,
    /// Periodic column pattern (`None` = provider default).
    pub cols_pattern: Option<Vec<u32>>,
    /// How the supervisor writes its log files.
    pub log_format: LogFormat,
    /// Keys present in the file that jarvis does not know, dotted (`mining.extra.foo`,
    /// `mining.bar`); they stay in the file and should be shown as warnings.
    #[serde(skip)]
    pub unknown_keys: Vec<String>,
}

impl Default for MiningExtra {
    fn default() -> Self {
        MiningExtra {
            docker_image_tag: DEFAULT_DOCKER_IMAGE_TAG.to_string(),
            model: DEFAULT_MODEL.to_string(),
            local_model_path: None,
            vllm_args: None,
            cuda_visible_devices: String::new(),
            vllm_port: 8000,
            gateway_port: 8337,
            gateway_metrics_port: 8339,
            gpu_memory_utilization: 0.96,
            max_model_len: 8192,
            pearld_rpc_url: DEFAULT_PEARLD_RPC_URL.to_string(),
            pearld_rpc_user: "rpcuser".to_string(),
            pearld_rpc_password_env: "PEARLD_RPC_PASSWORD".to_string(),
            hf_token_env: "HF_TOKEN".to_string(),
            gateway_host: "127.0.0.1".to_string(),
            metrics_port: 9109,
            network: Network::Mainnet,
            pearld_rpc_cert: None,
            threads: None,
            sample_interval_s: 30,
            history_retention_days: 30,
            max_restarts_per_hour: 10,
            pearl_ref: None,
            m: None,
            n: None,
            k: 2048,
            rank: 128,
            rows_pattern: vec![0, 8],
            cols_pattern: None,
            log_format: LogFormat::Text,
            unknown_keys: Vec::new(),
        }
    }
}

impl MiningSection {
    /// A section with the required values and every default.
    pub fn new(provider: impl Into<String>, wallet_address: impl Into<String>) -> MiningSection {
        MiningSection {
            provider: provider.into(),
            wallet_address: wallet_address.into(),
            submit_target: SubmitTargetSpec::Solo,
            fee_bps: 0,
            fee_payout_address: String::new(),
            extra: MiningExtra::default(),
        }
    }
}
