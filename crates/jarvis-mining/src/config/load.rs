//! Reading `[mining]` and `[mining.extra]` from `config.toml`, every error pointing at the
//! offending value.

use std::path::{Path, PathBuf};

use jarvis_core::config::{
    ConfigError, ConfigFile, TableReader, is_env_var_name, range_text, value_type_name,
};
use toml_edit::Value;

use super::section::{LogFormat, MiningExtra, MiningSection, Network, SubmitTargetSpec, VllmArgs};

/// Keys of `[mining]` that jarvis understands.
pub const MINING_KEYS: &[&str] = &[
    "provider",
    "wallet_address",
    "submit_target",
    "fee_bps",
    "fee_payout_address",
    "extra",
];

/// Keys of `[mining.extra]` that jarvis understands.
pub const EXTRA_KEYS: &[&str] = &[
    "docker_image_tag",
    "model",
    "local_model_path",
    "vllm_args",
    "cuda_visible_devices",
    "vllm_port",
    "gateway_port",
    "gateway_metrics_port",
    "gpu_memory_utilization",
    "max_model_len",
    "pearld_rpc_url",
    "pearld_rpc_user",
    "pearld_rpc_password_env",
    "hf_token_env",
    "gateway_host",
    "metrics_port",
    "network",
    "pearld_rpc_cert",
    "threads",
    "sample_interval_s",
    "history_retention_days",
    "max_restarts_per_hour",
    "pearl_ref",
    "m",
    "n",
    "k",
    "rank",
    "rows_pattern",
    "cols_pattern",
    "log_format",
];

/// Highest accepted `fee_bps` (100 %).
const MAX_FEE_BPS: i64 = 10_000;

/// Loads `[mining]` from `path`; `Ok(None)` when the file or the table does not exist.
///
/// `known_providers` are the registered provider ids; an empty slice skips the provider check.
pub fn load(path: &Path, known_providers: &[&str]) -> Result<Option<MiningSection>, ConfigError> {
    match ConfigFile::load(path)? {
        Some(file) => mining_section(&file, known_providers),
        None => Ok(None),
    }
}

/// Parses config text and reads its `[mining]`; `path` is only used in error messages.
pub fn parse(
    text: &str,
    path: &Path,
    known_providers: &[&str],
) -> Result<Option<MiningSection>, ConfigError> {
    mining_section(&ConfigFile::parse(text, path)?, known_providers)
}

/// `[mining]` of a parsed file; `Ok(None)` when the file has no such table.
pub fn mining_section(
    file: &ConfigFile,
    known_providers: &[&str],
) -> Result<Option<MiningSection>, ConfigError> {
    match file.table("mining")? {
        None => Ok(None),
        Some(t) => read_mining(&t, known_providers).map(Some),
    }
}

fn read_mining(
    t: &TableReader<'_>,
    known_providers: &[&str],
) -> Result<MiningSection, ConfigError> {
    let provider = t.required_string("provider", "<provider id>")?;
    if !known_providers.is_empty() && !known_providers.contains(&provider.0.as_str()) {
        return Err(t.err(
            provider.1,
            format!(
                "mining.provider '{}' is not a known mining provider",
                provider.0
            ),
            format!("use one of: {}", known_providers.join(", ")),
        ));
    }
    let wallet = t.required_string("wallet_address", "prl1...")?;
    let submit_target = match t.string("submit_target")? {
        None => SubmitTargetSpec::Solo,
        Some((raw, span)) => SubmitTargetSpec::parse(&raw).ok_or_else(|| {
            t.err(
                span,
                format!("mining.submit_target must be 'solo' or 'pool:<url>', got '{raw}'"),
                "use submit_target = \"solo\" (pool mining is not supported yet)",
            )
        })?,
    };
    let fee_bps = t.int(
        "fee_bps",
        0,
        MAX_FEE_BPS,
        "use 0 (no fee) or a basis-point value",
    )?;
    let fee_payout_address = t.string("fee_payout_address")?.map(|s| s.0);
    let mut unknown = t.unknown_keys(MINING_KEYS);
    let extra = match t.sub_table("extra", "mining.extra")? {
        None => MiningExtra::default(),
        Some(et) => {
            let mut extra = read_extra(&et)?;
            unknown.append(&mut extra.unknown_keys);
            extra
        }
    };
    Ok(MiningSection {
        provider: provider.0,
        wallet_address: wallet.0,
        submit_target,
        fee_bps: fee_bps.map_or(0, |v| v as u32),
        fee_payout_address: fee_payout_address.unwrap_or_default(),
        extra: MiningExtra {
            unknown_keys: unknown,
            ..extra
        },
    })
}

/// A key that names an environment variable (the secret stays in the environment): an empty
/// or malformed name is refused here, at its position, instead of a later "variable  is not
/// set". The value is not echoed: a user who put the secret itself here would leak it.
fn env_name(t: &TableReader<'_>, key: &str, default: &str) -> Result<String, ConfigError> {
    match t.string(key)? {
        None => Ok(default.to_owned()),
        Some((name, _)) if is_env_var_name(&name) => Ok(name),
        Some((_, span)) => Err(t.err(
            span,
            format!(
                "mining.extra.{key} must be the NAME of an environment variable (letters, digits, _), and it is empty or is not one"
            ),
            format!("write {key} = \"{default}\" and export {default}=... in the shell that runs jarvis; never put the secret itself in config.toml"),
        )),
    }
}

fn read_extra(t: &TableReader<'_>) -> Result<MiningExtra, ConfigError> {
    let d = MiningExtra::default();
    let s = |key: &str, default: &str| -> Result<String, ConfigError> {
        Ok(t.string(key)?.map_or_else(|| default.to_string(), |v| v.0))
    };
    let port = |key: &str, default: u16| -> Result<u16, ConfigError> {
        let fix = format!("pick a free TCP port (the default is {default})");
        Ok(t.int(key, 1, 65535, &fix)?.map_or(default, |v| v as u16))
    };
    let count = |key: &str, min: i64| -> Result<Option<u32>, ConfigError> {
        let fix = format!(
            "use a whole number {}",
            range_text(min, i64::from(u32::MAX))
        );
        Ok(t.int(key, min, i64::from(u32::MAX), &fix)?
            .map(|v| v as u32))
    };
    let network = match t.string("network")? {
        None => d.network,
        Some((raw, span)) => raw.parse::<Network>().ok().ok_or_else(|| {
            let all: Vec<&str> = Network::ALL.iter().map(|n| n.as_str()).collect();
            t.err(
                span,
                format!(
                    "mining.extra.network must be one of {}, got '{raw}'",
                    all.join(", ")
                ),
                "set it to the network your pearld runs on",
            )
        })?,
    };
    let log_format = match t.string("log_format")? {
        None => d.log_format,
        Some((raw, span)) => match raw.as_str() {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            _ => {
                return Err(t.err(
                    span,
                    format!("mining.extra.log_format must be 'text' or 'json', got '{raw}'"),
                    "remove it for text lines, or set log_format = \"json\" for JSON lines",
                ));
            }
        },
    };
    Ok(MiningExtra {
        docker_image_tag: s("docker_image_tag", &d.docker_image_tag)?,
        model: s("model", &d.model)?,
        local_model_path: t.string("local_model_path")?.map(|v| PathBuf::from(v.0)),
        vllm_args: vllm_args(t)?,
        cuda_visible_devices: s("cuda_visible_devices", &d.cuda_visible_devices)?,
        vllm_port: port("vllm_port", d.vllm_port)?,
        gateway_port: port("gateway_port", d.gateway_port)?,
        gateway_metrics_port: port("gateway_metrics_port", d.gateway_metrics_port)?,
        gpu_memory_utilization: t
            .fraction(
                "gpu_memory_utilization",
                "use a fraction of GPU memory such as 0.96",
            )?
            .unwrap_or(d.gpu_memory_utilization),
        max_model_len: count("max_model_len", 1)?.unwrap_or(d.max_model_len),
        pearld_rpc_url: s("pearld_rpc_url", &d.pearld_rpc_url)?,
        pearld_rpc_user: s("pearld_rpc_user", &d.pearld_rpc_user)?,
        pearld_rpc_password_env: env_name(
            t,
            "pearld_rpc_password_env",
            &d.pearld_rpc_password_env,
        )?,
        hf_token_env: env_name(t, "hf_token_env", &d.hf_token_env)?,
        gateway_host: s("gateway_host", &d.gateway_host)?,
        metrics_port: port("metrics_port", d.metrics_port)?,
        network,
        pearld_rpc_cert: t.string("pearld_rpc_cert")?.map(|v| PathBuf::from(v.0)),
        threads: count("threads", 1)?,
        sample_interval_s: count("sample_interval_s", 1)?.unwrap_or(d.sample_interval_s),
        history_retention_days: count("history_retention_days", 1)?
            .unwrap_or(d.history_retention_days),
        max_restarts_per_hour: count("max_restarts_per_hour", 0)?
            .unwrap_or(d.max_restarts_per_hour),
        pearl_ref: t.string("pearl_ref")?.map(|v| v.0),
        m: count("m", 1)?,
        n: count("n", 1)?,
        k: count("k", 1)?.unwrap_or(d.k),
        rank: count("rank", 1)?.unwrap_or(d.rank),
        rows_pattern: t.int_list("rows_pattern")?.unwrap_or(d.rows_pattern),
        cols_pattern: t.int_list("cols_pattern")?,
        log_format,
        unknown_keys: t.unknown_keys(EXTRA_KEYS),
    })
}

fn vllm_args(t: &TableReader<'_>) -> Result<Option<VllmArgs>, ConfigError> {
    let expected = "a string or a list of strings";
    let Some(v) = t.value("vllm_args", expected)? else {
        return Ok(None);
    };
    let bad = |v: &Value| {
        t.err(
            v.span(),
            format!(
                "mining.extra.vllm_args must be {expected}, got {}",
                value_type_name(v)
            ),
            "write it like vllm_args = [\"--enforce-eager\", \"--max-num-seqs\", \"8\"]",
        )
    };
    match v {
        Value::String(s) => Ok(Some(VllmArgs::Line(s.value().clone()))),
        Value::Array(items) => items
            .iter()
            .map(|e| e.as_str().map(str::to_string).ok_or_else(|| bad(e)))
            .collect::<Result<Vec<_>, _>>()
            .map(|list| Some(VllmArgs::List(list))),
        other => Err(bad(other)),
    }
}
