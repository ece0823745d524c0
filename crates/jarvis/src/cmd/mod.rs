//! Command implementations: gather data from the libraries, render it, choose the exit code.

pub(crate) mod ask;
pub(crate) mod attach;
pub(crate) mod bench;
pub(crate) mod completions;
mod config;
pub(crate) mod deploy;
mod doctor;
pub(crate) mod engines;
pub(crate) mod fleet;
pub(crate) mod history;
mod init;
pub(crate) mod model;
mod models;
pub(crate) mod pearl;
pub(crate) mod service;
mod session;
pub(crate) mod supervise;
pub(crate) mod verify_proof;
mod watch;

use std::process::ExitCode;

use anyhow::Context as _;
use jarvis_core::config::ConfigError;
use jarvis_core::hardware::HardwareInfo;
use jarvis_core::paths::JarvisHome;
use jarvis_mining::MinerRegistry;
use jarvis_mining::error::MiningError;
use jarvis_mining::registry::DEFAULT_ENGINE;
use jarvis_mining::registry::ProviderDescriptor;

use self::config::LoadedConfig;
use crate::cli::{Cli, Command, MineCommand};
use crate::output::Printer;

/// What every command starts from.
pub(crate) struct Ctx {
    pub(crate) home: JarvisHome,
    pub(crate) registry: MinerRegistry,
    /// Where the command prints; `out.json_if(args.json)` for commands with `--json`.
    pub(crate) out: Printer,
}

impl Ctx {
    fn from_env(out: &Printer) -> anyhow::Result<Self> {
        let home = JarvisHome::from_env()?;
        Ok(Self {
            home,
            registry: jarvis_providers::builtin(),
            out: out.clone(),
        })
    }

    /// Loads config.toml, checking provider ids against this build's registry.
    pub(crate) fn load_config(&self) -> Result<Option<LoadedConfig>, ConfigError> {
        let known = self.registry.keys();
        LoadedConfig::load(&self.home.config_path(), &known)
    }
}

/// Runs a parsed command line.
pub(crate) fn run(cli: Cli, out: &Printer) -> anyhow::Result<ExitCode> {
    let ctx = Ctx::from_env(out)?;
    match cli.command {
        Command::Mine(command) => match command {
            MineCommand::Models(flags) => models::run(&ctx.out.json_if(flags.json)),
            MineCommand::Doctor(flags) => block_on(doctor::run(&ctx, flags.json)),
            MineCommand::Init(args) => init::run(&ctx, &args),
            MineCommand::Start(args) => block_on(session::start(&ctx, &args)),
            MineCommand::Stop(args) => block_on(session::stop(&ctx, &args)),
            MineCommand::Status(args) if args.watch => block_on(watch::run(&ctx, &args)),
            MineCommand::Status(args) => block_on(session::status(&ctx, &args)),
            MineCommand::Logs(args) => block_on(session::logs(&ctx, &args)),
            MineCommand::Bench(args) => block_on(bench::run(&ctx, &args)),
            MineCommand::VerifyProof(args) => verify_proof::run(&ctx.out, &args),
            MineCommand::History(args) => history::history(&ctx, &args),
            MineCommand::Report(args) => history::report(&ctx, &args),
            MineCommand::Service(command) => service::run(&ctx, &command),
            MineCommand::Supervise(args) => block_on(supervise::run(&ctx, &args)),
            MineCommand::InspectModel(args) => block_on(model::inspect(&ctx.out, &args)),
            MineCommand::ValidateModel(args) => block_on(model::validate(&ctx, &args)),
            MineCommand::Attach(args) => block_on(attach::run_attach(&ctx, &args)),
            MineCommand::Detach(args) => attach::run_detach(&ctx, &args),
            MineCommand::Deploy(command) => deploy::run(&ctx, &command),
        },
        Command::Pearl(args) => pearl::run(&ctx.out, &args),
        Command::Completions(args) => completions::run(&ctx.out, &args),
        Command::Engines(args) => block_on(engines::run(&ctx, &args)),
        Command::Ask(args) => block_on(ask::run(&ctx, &args)),
        Command::Fleet(command) => block_on(fleet::run(&ctx, &command)),
    }
}

fn block_on<F: std::future::Future<Output = anyhow::Result<ExitCode>>>(
    future: F,
) -> anyhow::Result<ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(future)
}

/// Refuses a provider whose `detect` says no on this host, or only warns under
/// `--skip-hardware-check` (`anyway` says what happens regardless).
pub(crate) fn hardware_gate(
    out: &Printer,
    descriptor: &ProviderDescriptor,
    model: &str,
    skip_hardware_check: bool,
    anyway: &str,
) -> anyhow::Result<()> {
    let caps = (descriptor.detect)(HardwareInfo::detect(), DEFAULT_ENGINE, model);
    if caps.supported {
        return Ok(());
    }
    let err = MiningError::Unsupported {
        provider: descriptor.id.to_owned(),
        reason: caps.reason.unwrap_or_default(),
    };
    if !skip_hardware_check {
        return Err(err.into());
    }
    out.warn(&format!("--skip-hardware-check: {anyway}. {err}"));
    Ok(())
}

/// Exit code for a pass/fail verdict.
pub(crate) fn verdict(passed: bool) -> ExitCode {
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
