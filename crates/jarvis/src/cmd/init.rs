//! `jarvis mine init`: validate everything, then write `[mining]` with toml_edit.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, anyhow, bail};
use jarvis_core::hardware::HardwareInfo;
use jarvis_doctor::{DoctorInputs, run_doctor};
use jarvis_mining::check::{CheckRow, DoctorTimeouts, Status};
use jarvis_mining::config::{MiningSection, Network, VllmArgs, write_mining_section};
use jarvis_mining::models;
use jarvis_mining::registry::{DEFAULT_ENGINE, MinerRegistry, MiningDevice};
use pearl_protocol::address::validate_taproot_address;
use serde::Serialize;

use super::Ctx;
use crate::cli::{AUTO_PROVIDER, InitArgs};
use crate::output::prompt::Prompter;
use crate::output::{Doc, Mode};
use crate::views;

#[derive(Serialize)]
struct InitReport<'a> {
    config_path: PathBuf,
    changed: bool,
    mining: &'a MiningSection,
}

/// Environment lookup, passed in so tests control it.
type Env<'a> = &'a (dyn Fn(&str) -> Option<String> + Sync);

pub(crate) fn run(ctx: &Ctx, args: &InitArgs) -> anyhow::Result<ExitCode> {
    let out = ctx.out.json_if(args.json);
    let mut prompt = out.prompter();
    let env = |key: &str| std::env::var(key).ok();
    run_with(ctx, args, &mut prompt, HardwareInfo::detect(), &env)
}

/// `init` with its questions, hardware and environment given: asks what no flag gave (again
/// after an invalid answer, saying why), writes `[mining]`, then guides to the start.
fn run_with(
    ctx: &Ctx,
    args: &InitArgs,
    prompt: &mut Prompter,
    hardware: &HardwareInfo,
    env: Env<'_>,
) -> anyhow::Result<ExitCode> {
    let config_path = ctx.home.config_path();
    let existing = ctx
        .load_config()
        .with_context(|| "fix config.toml before running `jarvis mine init`".to_owned())?
        .and_then(|c| c.mining);
    let out = ctx.out.json_if(args.json);
    let interactive = prompt.is_interactive();

    let model = args
        .model
        .clone()
        .or_else(|| existing.as_ref().map(|s| s.extra.model.clone()))
        .unwrap_or_else(|| models::DEFAULT_MODEL.to_owned());
    let provider = match (args.provider.as_deref(), &existing) {
        (None, None) if interactive => ask_provider(
            prompt,
            &ctx.registry,
            hardware,
            &model,
            args.skip_hardware_check,
        )?,
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
    match &args.network {
        Some(name) => {
            extra.network = name.parse::<Network>().ok().ok_or_else(|| {
                anyhow!("--network '{name}' is not a Pearl network; use mainnet, testnet, testnet2, signet, regtest or simnet")
            })?;
        }
        None if interactive => {
            let names: Vec<&str> = Network::ALL.iter().map(|n| n.as_str()).collect();
            let chosen =
                prompt.choose("Pearl network", &names, extra.network.as_str(), "--network")?;
            extra.network = chosen.parse::<Network>().unwrap_or(extra.network);
        }
        None => {}
    }

    let network = extra.network;
    let current_wallet = existing
        .as_ref()
        .map(|s| s.wallet_address.clone())
        .filter(|w| !w.is_empty());
    let wallet = match &args.wallet {
        None if interactive => prompt.ask_valid(
            "Pearl wallet address (prl1p...)",
            current_wallet.as_deref(),
            "--wallet",
            |answer| wallet_reason(answer, network).map(|()| answer.to_owned()),
        )?,
        given => {
            let wallet = match given {
                Some(w) => w.trim().to_owned(),
                None => prompt.ask(
                    "Pearl wallet address (prl1p...)",
                    current_wallet.as_deref(),
                    "--wallet",
                )?,
            };
            validate_taproot_address(&wallet, network)
                .map_err(|e| anyhow::Error::new(e).context("Invalid wallet address"))?;
            wallet
        }
    };
    section.wallet_address = wallet;

    let extra = &mut section.extra;
    extra.pearld_rpc_url = match args.pearld_url.as_deref() {
        None if interactive => prompt.ask_valid(
            "pearld RPC URL",
            Some(&extra.pearld_rpc_url),
            "--pearld-url",
            |answer| validate_http_url(answer).map(|()| answer.to_owned()),
        )?,
        given => {
            let url = given.map_or_else(|| extra.pearld_rpc_url.clone(), |v| v.trim().to_owned());
            validate_http_url(&url).map_err(|e| anyhow!("--pearld-url: {e}"))?;
            url
        }
    };
    extra.pearld_rpc_user = value(
        prompt,
        args.pearld_user.as_deref(),
        "pearld RPC user",
        &extra.pearld_rpc_user,
        "--pearld-user",
    )?;
    extra.pearld_rpc_password_env = match args.pearld_password_env.as_deref() {
        None if interactive => prompt.ask_valid(
            "env var holding the pearld password",
            Some(&extra.pearld_rpc_password_env),
            "--pearld-password-env",
            |answer| {
                // The answer is not echoed: a user who typed the password itself would leak it.
                jarvis_core::config::is_env_var_name(answer)
                    .then(|| answer.to_owned())
                    .ok_or_else(|| {
                        "that is not an environment variable name (letters, digits, _): type the variable's NAME, e.g. PEARLD_RPC_PASSWORD, never the password".to_owned()
                    })
            },
        )?,
        given => {
            let name = given.map_or_else(|| extra.pearld_rpc_password_env.clone(), |v| v.trim().to_owned());
            validate_env_name(&name)?;
            name
        }
    };
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
    match args.threads {
        Some(threads) => extra.threads = Some(threads),
        // Only a provider mining on CPU cores has threads to set.
        None if interactive && descriptor.needs.device == MiningDevice::Cpu => {
            let current = extra
                .threads
                .map_or_else(|| "all".to_owned(), |n| n.to_string());
            extra.threads =
                prompt.ask_valid("Miner threads", Some(&current), "--threads", parse_threads)?;
        }
        None => {}
    }

    super::hardware_gate(
        &out,
        descriptor,
        &model,
        args.skip_hardware_check,
        "writing the config anyway",
    )?;

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
    if out.mode() != Mode::Human {
        if env(&section.extra.pearld_rpc_password_env).is_none() {
            out.warn(&format!(
                "${} is not set. Set it before `jarvis mine start`.",
                section.extra.pearld_rpc_password_env
            ));
        }
        out.emit(&report, Doc::new)?;
        return Ok(ExitCode::SUCCESS);
    }
    // What doctor still finds missing for this config, each with its fix, then the start.
    let doctor = guide_rows(ctx, &section, hardware, env)?;
    out.doc(&views::init::guide(
        &report.config_path,
        &provider,
        changed,
        &doctor,
    ));
    Ok(ExitCode::SUCCESS)
}

/// Doctor's rows for `section` that still stand between this config and mining: failures,
/// and warnings that come with a fix.
fn guide_rows(
    ctx: &Ctx,
    section: &MiningSection,
    hardware: &HardwareInfo,
    env: Env<'_>,
) -> anyhow::Result<Vec<CheckRow>> {
    let config_path = ctx.home.config_path();
    let config = Ok(Some(section.clone()));
    let report = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(run_doctor(DoctorInputs {
            home: &ctx.home,
            config_path: &config_path,
            config: &config,
            hardware,
            registry: &ctx.registry,
            env,
            timeouts: DoctorTimeouts::default(),
        }));
    Ok(report
        .rows
        .into_iter()
        .filter(|r| r.status == Status::Fail || (r.status == Status::Warn && r.fix.is_some()))
        .collect())
}

/// Why `answer` is not a payout address on `network`, with jarvis' advice.
fn wallet_reason(answer: &str, network: Network) -> Result<(), String> {
    validate_taproot_address(answer, network)
        .map(|_| ())
        .map_err(|e| match jarvis_mining::hint::for_address(&e) {
            Some(hint) => format!("{e}; {hint}"),
            None => e.to_string(),
        })
}

/// `all` (every core) or a number of threads, 1 or more.
fn parse_threads(answer: &str) -> Result<Option<u32>, String> {
    if answer.eq_ignore_ascii_case("all") {
        return Ok(None);
    }
    match answer.parse::<u32>() {
        Ok(n) if n > 0 => Ok(Some(n)),
        _ => Err(format!(
            "'{answer}' is not a number of threads: type 1 or more, or `all` for every core"
        )),
    }
}

/// The provider, asked on a terminal: the first this host supports is the default; one it
/// does not support is refused with its reason (unless `--skip-hardware-check`).
fn ask_provider(
    prompt: &mut Prompter,
    registry: &MinerRegistry,
    hardware: &HardwareInfo,
    model: &str,
    skip_hardware_check: bool,
) -> anyhow::Result<String> {
    let ids: Vec<&str> = registry.descriptors().map(|d| d.id).collect();
    let default = pick_provider(registry, hardware, model)
        .ok()
        .or_else(|| ids.first().map(|id| (*id).to_owned()))
        .ok_or_else(|| anyhow!("this jarvis was built without mining providers"))?;
    let listed = ids.join(", ");
    prompt.ask_valid(
        &format!("Mining provider ({listed})"),
        Some(&default),
        "--provider",
        |answer| {
            let descriptor = registry
                .descriptors()
                .find(|d| d.id.eq_ignore_ascii_case(answer))
                .ok_or_else(|| format!("'{answer}' is not one of {listed}"))?;
            let caps = (descriptor.detect)(hardware, DEFAULT_ENGINE, model);
            if caps.supported || skip_hardware_check {
                Ok(descriptor.id.to_owned())
            } else {
                Err(format!(
                    "{} cannot mine on this host: {}",
                    descriptor.id,
                    caps.reason.unwrap_or_default()
                ))
            }
        },
    )
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
    use clap::Parser as _;
    use jarvis_core::paths::JarvisHome;

    use super::*;
    use crate::cli::{Cli, Command, MineCommand};
    use crate::output::Printer;

    const WALLET: &str = "prl1pqqqsyqcyq5rqwzqfpg9scrgwpugpzysnzs23v9ccrydpk8qarc0ss8729k";
    const TESTNET_WALLET: &str = "tprl1pqqqsyqcyq5rqwzqfpg9scrgwpugpzysnzs23v9ccrydpk8qarc0smg656r";
    const V0_WALLET: &str = "prl1qqqqsyqcyq5rqwzqfpg9scrgwpugpzysng7t7yx";

    fn init_args(flags: &[&str]) -> InitArgs {
        let argv = ["jarvis", "mine", "init"].iter().chain(flags);
        match Cli::try_parse_from(argv).expect("parses").command {
            Command::Mine(MineCommand::Init(args)) => *args,
            other => panic!("parsed as {other:?}"),
        }
    }

    /// A terminal user who mistypes every kind of answer once is asked again with the reason,
    /// the config gets the corrected values, and the guide lists what is still missing.
    #[test]
    fn interactive_init_asks_again_after_invalid_answers_then_guides() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let (out, seen) = Printer::memory(Mode::Human);
        let ctx = Ctx {
            home: JarvisHome::at(tmp.path().join("oj")),
            registry: jarvis_providers::builtin(),
            out,
        };
        let mut prompt = Prompter::scripted(&[
            "gpu-miner",          // provider: no such provider
            "vllm-pearl",         // provider: no NVIDIA H100/H200 here
            "",                   // provider: the default (cpu-pearl)
            "moon",               // network: no such network
            "",                   // network: mainnet
            V0_WALLET,            // wallet: not Taproot
            TESTNET_WALLET,       // wallet: another network
            WALLET,               // wallet
            "localhost:44107",    // URL without a scheme
            "http://127.0.0.1:1", // URL (nothing listens: doctor says so)
            "",                   // user: rpcuser
            "hunter2!",           // the password itself, not a variable name
            "",                   // PEARLD_RPC_PASSWORD
            "zero",               // threads
            "2",                  // threads
        ]);
        let env = |_: &str| None;
        let hardware = jarvis_testkit::hw::plain_linux();
        let code = run_with(&ctx, &init_args(&[]), &mut prompt, &hardware, &env).expect("init");
        assert_eq!(code, ExitCode::SUCCESS);
        let transcript: Vec<&str> = prompt.asked().iter().map(|a| a.trim_end()).collect();
        insta::assert_snapshot!(transcript.join("\n"));
        assert!(
            !prompt.asked().concat().contains("hunter2"),
            "a password typed by mistake is never repeated"
        );

        let config = std::fs::read_to_string(ctx.home.config_path()).expect("written");
        for line in [
            "provider = \"cpu-pearl\"",
            &format!("wallet_address = \"{WALLET}\""),
            "pearld_rpc_url = \"http://127.0.0.1:1\"",
            "threads = 2",
        ] {
            assert!(config.contains(line), "{line} in {config}");
        }

        let guide = seen.stdout();
        let words = guide.split_whitespace().collect::<Vec<_>>().join(" ");
        for expected in [
            "Still missing before mining",
            "fix: run `jarvis pearl install-gateway`",
            "fix: export PEARLD_RPC_PASSWORD=<pearld rpcpass> before `jarvis mine start`",
            "fix: start pearld (`jarvis pearl node --notls`",
        ] {
            assert!(words.contains(expected), "{expected:?} in\n{guide}");
        }
        assert!(
            guide.ends_with("Then start mining:\n  jarvis mine start\n"),
            "{guide}"
        );
        assert!(
            !words.contains("Metrics port: 127.0.0.1:9109 free"),
            "only what is missing is listed:\n{guide}"
        );
    }

    #[test]
    fn the_end_of_input_aborts_without_writing() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let (out, _) = Printer::memory(Mode::Human);
        let ctx = Ctx {
            home: JarvisHome::at(tmp.path().join("oj")),
            registry: jarvis_providers::builtin(),
            out,
        };
        let mut prompt = Prompter::scripted(&["", "", "not-an-address"]);
        let env = |_: &str| None;
        let hardware = jarvis_testkit::hw::plain_linux();
        let err = run_with(&ctx, &init_args(&[]), &mut prompt, &hardware, &env).unwrap_err();
        assert_eq!(err.to_string(), "aborted: no answer for --wallet");
        assert!(!ctx.home.config_path().exists());
    }

    #[test]
    fn thread_answers() {
        assert_eq!(parse_threads("all"), Ok(None));
        assert_eq!(parse_threads("8"), Ok(Some(8)));
        assert!(parse_threads("0").is_err());
        assert!(parse_threads("-1").is_err());
    }

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
