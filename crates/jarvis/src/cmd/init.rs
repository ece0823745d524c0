//! `jarvis mine init`: validate everything, then write `[mining]` with toml_edit.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, anyhow, bail};
use jarvis_core::hardware::HardwareInfo;
use jarvis_mining::config::{MiningSection, Network, VllmArgs, write_mining_section};
use jarvis_mining::models;
use jarvis_mining::registry::DEFAULT_ENGINE;
use jarvis_mining::registry::MinerRegistry;
use pearl_protocol::address::validate_taproot_address;
use serde::Serialize;

use super::Ctx;
use crate::cli::{AUTO_PROVIDER, InitArgs};
use crate::output::prompt::Prompter;
use crate::views;

#[derive(Serialize)]
struct InitReport<'a> {
    config_path: PathBuf,
    changed: bool,
    mining: &'a MiningSection,
}

pub(crate) fn run(ctx: &Ctx, args: &InitArgs) -> anyhow::Result<ExitCode> {
    let config_path = ctx.home.config_path();
    let existing = ctx
        .load_config()
        .with_context(|| "fix config.toml before running `jarvis mine init`".to_owned())?
        .and_then(|c| c.mining);
    let out = ctx.out.json_if(args.json);
    let mut prompt = out.prompter();
    let hardware = HardwareInfo::detect();

    let model = args
        .model
        .clone()
        .or_else(|| existing.as_ref().map(|s| s.extra.model.clone()))
        .unwrap_or_else(|| models::DEFAULT_MODEL.to_owned());
    let provider = match (args.provider.as_deref(), &existing) {
        (Some(AUTO_PROVIDER), _) | (None, None) => pick_provider(&ctx.registry, hardware, &model)?,
        (Some(id), _) => id.to_owned(),
        (None, Some(old)) => old.provider.clone(),
    };
    let descriptor = ctx.registry.require(&provider)?;

    let mut section = existing
        .clone()
        .unwrap_or_else(|| MiningSection::new(provider.clone(), ""));
    section.provider = provider.clone();
    let extra = &mut section.extra;
    extra.model = model.clone();
    if let Some(name) = &args.network {
        extra.network = name.parse::<Network>().ok().ok_or_else(|| {
            anyhow!("--network '{name}' is not a Pearl network; use mainnet, testnet, testnet2, signet, regtest or simnet")
        })?;
    }

    let wallet = match &args.wallet {
        Some(w) => w.trim().to_owned(),
        None => {
            let current = existing
                .as_ref()
                .map(|s| s.wallet_address.clone())
                .filter(|w| !w.is_empty());
            prompt.ask(
                "Pearl wallet address (prl1p...)",
                current.as_deref(),
                "--wallet",
            )?
        }
    };
    let network = extra.network;
    validate_taproot_address(&wallet, network)
        .map_err(|e| anyhow::Error::new(e).context("Invalid wallet address"))?;
    section.wallet_address = wallet;

    let extra = &mut section.extra;
    extra.pearld_rpc_url = value(
        &mut prompt,
        args.pearld_url.as_deref(),
        "pearld RPC URL",
        &extra.pearld_rpc_url,
        "--pearld-url",
    )?;
    validate_http_url(&extra.pearld_rpc_url).map_err(|e| anyhow!("--pearld-url: {e}"))?;
    extra.pearld_rpc_user = value(
        &mut prompt,
        args.pearld_user.as_deref(),
        "pearld RPC user",
        &extra.pearld_rpc_user,
        "--pearld-user",
    )?;
    extra.pearld_rpc_password_env = value(
        &mut prompt,
        args.pearld_password_env.as_deref(),
        "env var holding the pearld password",
        &extra.pearld_rpc_password_env,
        "--pearld-password-env",
    )?;
    validate_env_name(&extra.pearld_rpc_password_env)?;
    if let Some(cert) = &args.pearld_rpc_cert {
        extra.pearld_rpc_cert = Some(existing_file(cert, "--pearld-rpc-cert")?);
    }
    if extra.pearld_rpc_url.starts_with("https://") {
        out.warn(
            "pearl-gateway reaches pearld over plain HTTP only: run pearld with --notls and use an http:// URL (jarvis' own checks can use https with --pearld-rpc-cert ~/.pearld/rpc.cert)",
        );
    }
    if let Some(path) = &args.local_model_path {
        extra.local_model_path = Some(existing_dir(path)?);
    }
    if !args.vllm_args.is_empty() {
        extra.vllm_args = Some(VllmArgs::List(args.vllm_args.clone()));
    }
    if let Some(image) = &args.image {
        extra.docker_image_tag = image.clone();
    }
    if let Some(devices) = &args.cuda_visible_devices {
        extra.cuda_visible_devices = validate_cuda_devices(devices)?;
    }
    if let Some(m) = models::PEARL_MODELS.iter().find(|m| m.id == model) {
        extra.max_model_len = m.max_model_len;
        extra.gpu_memory_utilization = m.gpu_memory_utilization;
    }
    let ports = [
        (args.vllm_port, &mut extra.vllm_port),
        (args.gateway_port, &mut extra.gateway_port),
        (args.gateway_metrics_port, &mut extra.gateway_metrics_port),
        (args.metrics_port, &mut extra.metrics_port),
    ];
    for (flag, slot) in ports {
        if let Some(port) = flag {
            *slot = port;
        }
    }
    if let Some(host) = &args.gateway_host {
        extra.gateway_host = host.clone();
    }
    if let Some(threads) = args.threads {
        extra.threads = Some(threads);
    }

    super::hardware_gate(
        &out,
        descriptor,
        &model,
        args.skip_hardware_check,
        "writing the config anyway",
    )?;
    if std::env::var_os(&section.extra.pearld_rpc_password_env).is_none() {
        out.warn(&format!(
            "${} is not set. Set it before `jarvis mine start`.",
            section.extra.pearld_rpc_password_env
        ));
    }

    if let Some(old) = &existing {
        let replaced: Vec<&str> = [
            ("provider", old.provider != section.provider),
            (
                "wallet_address",
                old.wallet_address != section.wallet_address,
            ),
        ]
        .into_iter()
        .filter_map(|(k, differs)| differs.then_some(k))
        .collect();
        if !replaced.is_empty() && !args.force {
            bail!(
                "{} already mines with provider {} to {}; re-run with --force to replace its {}",
                config_path.display(),
                old.provider,
                old.wallet_address,
                replaced.join(" and ")
            );
        }
    }
    let changed = existing.as_ref() != Some(&section);
    if changed {
        write_mining_section(&config_path, &section, true)?;
    }
    let report = InitReport {
        config_path,
        changed,
        mining: &section,
    };
    out.emit(&report, || {
        views::init::written(&report.config_path, &provider, changed)
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `--provider auto`: the first registered provider this host supports.
fn pick_provider(
    registry: &MinerRegistry,
    hardware: &HardwareInfo,
    model: &str,
) -> anyhow::Result<String> {
    let mut reasons = Vec::new();
    for d in registry.descriptors() {
        let caps = (d.detect)(hardware, DEFAULT_ENGINE, model);
        if caps.supported {
            return Ok(d.id.to_owned());
        }
        reasons.push(format!("{}: {}", d.id, caps.reason.unwrap_or_default()));
    }
    bail!(
        "no mining provider supports this host:\n  {}",
        reasons.join("\n  ")
    )
}

fn value(
    prompt: &mut Prompter,
    flag: Option<&str>,
    question: &str,
    current: &str,
    flag_name: &str,
) -> anyhow::Result<String> {
    match flag {
        Some(v) => Ok(v.trim().to_owned()),
        None if prompt.is_interactive() => prompt.ask(question, Some(current), flag_name),
        None => Ok(current.to_owned()),
    }
}

/// Accepts `http(s)://host[:port][/path]` with a port in 1-65535.
fn validate_http_url(url: &str) -> Result<(), String> {
    // Refuse credentials before anything quotes the URL back.
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    if after_scheme
        .split('/')
        .next()
        .unwrap_or_default()
        .contains('@')
    {
        return Err(
            "put the user in --pearld-user and the password in an env var, not in the URL"
                .to_owned(),
        );
    }
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| format!("'{url}' must start with http:// or https://"))?;
    let authority = rest.split('/').next().unwrap_or_default();
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => (h, Some(p)),
        _ => (authority, None),
    };
    if host.is_empty() {
        return Err(format!("'{url}' has no host"));
    }
    if let Some(p) = port {
        match p.parse::<u16>() {
            Ok(n) if n > 0 => {}
            _ => return Err(format!("'{url}' has an invalid port '{p}' (1-65535)")),
        }
    }
    Ok(())
}

fn validate_env_name(name: &str) -> anyhow::Result<()> {
    if jarvis_core::config::is_env_var_name(name) {
        Ok(())
    } else {
        // The value is not echoed: a user who passed the password itself would leak it.
        bail!(
            "--pearld-password-env is not an environment variable name (letters, digits, _); pass the variable's NAME (e.g. PEARLD_RPC_PASSWORD), never the password"
        )
    }
}

/// `0,1` or GPU UUIDs; blanks dropped; returns the normalised list.
fn validate_cuda_devices(devices: &str) -> anyhow::Result<String> {
    let ids: Vec<&str> = devices
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .collect();
    for id in &ids {
        let numeric = id.parse::<u32>().is_ok();
        let uuid = id.starts_with("GPU-") || id.starts_with("MIG-");
        if !numeric && !uuid {
            bail!(
                "--cuda-visible-devices: '{id}' is not a GPU index (0, 1, ...) or a GPU-/MIG- UUID"
            );
        }
    }
    Ok(ids.join(","))
}

fn existing_file(path: &Path, flag: &str) -> anyhow::Result<PathBuf> {
    let meta = std::fs::metadata(path).with_context(|| format!("{flag} {}", path.display()))?;
    if !meta.is_file() {
        bail!("{flag} {} is not a file", path.display());
    }
    Ok(std::fs::canonicalize(path)?)
}

fn existing_dir(path: &Path) -> anyhow::Result<PathBuf> {
    match std::fs::metadata(path) {
        Err(_) => bail!("local Pearl model path does not exist: {}", path.display()),
        Ok(m) if !m.is_dir() => bail!(
            "local Pearl model path must be a directory: {}",
            path.display()
        ),
        Ok(_) => Ok(std::fs::canonicalize(path)?),
    }
}

#[cfg(test)]
mod tests {
    use super::{validate_cuda_devices, validate_env_name, validate_http_url};

    #[test]
    fn urls() {
        for ok in [
            "http://localhost:44107",
            "https://127.0.0.1:44107/",
            "http://[::1]:44107",
            "http://node",
        ] {
            assert!(validate_http_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "localhost:44107",
            "ftp://x",
            "http://",
            "http://h:0",
            "http://h:99999",
            "http://u:p@h:1",
        ] {
            assert!(validate_http_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn env_names_and_devices() {
        assert!(validate_env_name("PEARLD_RPC_PASSWORD").is_ok());
        assert!(validate_env_name("hunter2!").is_err());
        assert!(validate_env_name("").is_err());
        assert_eq!(validate_cuda_devices(" 0, 1,,").expect("ok"), "0,1");
        assert!(validate_cuda_devices("GPU-8f6a,1").is_ok());
        assert!(validate_cuda_devices("zero").is_err());
    }
}
