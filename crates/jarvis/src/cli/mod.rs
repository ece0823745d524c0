//! The command line, as clap types: every subcommand, flag and environment variable of
//! `jarvis` is defined under this module (one file per command family); `cmd` runs them.

mod ask;
mod attach;
mod bench;
mod completions;
mod deploy;
mod engines;
mod fleet;
mod history;
mod model;
mod pearl;
mod service;
mod supervise;
mod verify_proof;

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use jarvis_mining::daemon::DaemonEntry;

pub(crate) use self::ask::AskArgs;
pub(crate) use self::attach::{AttachArgs, DetachArgs};
pub(crate) use self::bench::{BenchArgs, KernelArg};
pub(crate) use self::completions::{CompletionsArgs, Shell};
pub(crate) use self::deploy::DeployCommand;
pub(crate) use self::engines::EnginesArgs;
pub(crate) use self::fleet::FleetCommand;
pub(crate) use self::history::{HistoryArgs, ReportArgs, parse_span};
pub(crate) use self::model::{InspectModelArgs, ValidateModelArgs};
pub(crate) use self::pearl::{AddressArgs, HomeArg, InstallGatewayArgs, PearlArgs, PearlCommand};
pub(crate) use self::service::{Manager, ServiceCommand};
pub(crate) use self::supervise::SuperviseArgs;
pub(crate) use self::verify_proof::VerifyProofArgs;

/// Mine Pearl on your own hardware and hand the mining endpoint to your inference stack.
#[derive(Debug, Parser)]
#[command(
    name = "jarvis",
    // The commit comes from build.rs: `0.1.0 (commit 4ea05ea1c2d3, 2026-12-03)`.
    version = env!("JARVIS_VERSION"),
    long_version = concat!(env!("JARVIS_VERSION"), "\nno mining fee: blocks pay your own Taproot address in full"),
    about,
    propagate_version = true
)]
pub(crate) struct Cli {
    /// Print only what was asked for (a script, a reply, an address), warnings and errors;
    /// give it before the command: `jarvis -q mine start`.
    // Not `global`: `jarvis pearl node -q` must hand `-q` to pearld.
    #[arg(short, long)]
    pub(crate) quiet: bool,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Configure and run Pearl mining.
    #[command(subcommand)]
    Mine(MineCommand),
    /// Access Pearl node, wallet, and RPC tools.
    Pearl(PearlArgs),
    /// Print a shell completion script (bash, zsh or fish).
    Completions(CompletionsArgs),
    /// List the inference engines found, which is preferred, and whether each answers.
    Engines(EnginesArgs),
    /// Ask the preferred inference engine (the mining vLLM when mining) and stream the reply.
    Ask(AskArgs),
    /// Watch miners on many hosts through Prometheus.
    #[command(subcommand)]
    Fleet(FleetCommand),
}

#[derive(Debug, Subcommand)]
pub(crate) enum MineCommand {
    /// List Pearl model support status.
    Models(JsonFlag),
    /// Diagnose mining capability with one row per check.
    Doctor(JsonFlag),
    /// Set up [mining] in config.toml (prompts only on a terminal).
    Init(Box<InitArgs>),
    /// Launch the configured mining provider.
    Start(StartArgs),
    /// Stop the configured mining provider.
    Stop(StopArgs),
    /// Print live mining stats.
    Status(StatusArgs),
    /// Print the miner's logs, redacted.
    Logs(LogsArgs),
    /// Mine a built-in job offline and report MAC/s, tiles/s and proofs against the CPU's peaks.
    Bench(BenchArgs),
    /// Check a PlainProof against a gateway job, offline, naming the check that fails.
    VerifyProof(VerifyProofArgs),
    /// Rates, totals, uptime and restarts from the recorded mining history.
    History(HistoryArgs),
    /// Draw a hashrate chart (PNG or SVG) from the recorded mining history.
    Report(ReportArgs),
    /// Run mining as a user service (systemd on Linux, launchd on macOS).
    #[command(subcommand)]
    Service(ServiceCommand),
    /// Run a provider's background process in this process (launched by `mine start`).
    #[command(hide = true)]
    Supervise(SuperviseArgs),
    /// Check a Pearl model artifact (local directory or Hugging Face id) before using a GPU.
    InspectModel(InspectModelArgs),
    /// Probe the running miner as the validation runbook asks; write a JSON artifact.
    ValidateModel(ValidateModelArgs),
    /// Record a Pearl vLLM miner you started yourself, so inference and status use it.
    Attach(AttachArgs),
    /// Forget an attached miner (removes the sidecar; the miner keeps running).
    Detach(DetachArgs),
    /// Render the vllm-pearl miner for a cluster (Kubernetes manifests) from config.toml.
    #[command(subcommand)]
    Deploy(DeployCommand),
}

#[derive(Debug, Args)]
pub(crate) struct StartArgs {
    /// Run the miner in this terminal instead of detaching (for systemd and launchd).
    #[arg(long)]
    pub(crate) foreground: bool,
    /// Replace a running miner whose launch spec differs, or a foreign container of our name.
    #[arg(long)]
    pub(crate) replace: bool,
    /// Start even if this host's hardware looks unsupported (remote Docker engines).
    #[arg(long)]
    pub(crate) skip_hardware_check: bool,
    /// Print machine-readable JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct StopArgs {
    /// Seconds to wait for a graceful stop before killing.
    #[arg(long, default_value_t = 15)]
    pub(crate) timeout: u64,
    /// Print machine-readable JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// Print machine-readable JSON.
    #[arg(long)]
    pub(crate) json: bool,
    /// Keep redrawing the status until `q` (one line per refresh when not on a terminal).
    #[arg(long)]
    pub(crate) watch: bool,
    /// Time between refreshes with --watch, e.g. 2s or 1m.
    #[arg(long, default_value = "2s", value_parser = parse_span)]
    pub(crate) interval: std::time::Duration,
    /// With --watch, stop after this many refreshes (for scripts).
    #[arg(long, requires = "watch", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) count: Option<u32>,
}

#[derive(Debug, Args)]
pub(crate) struct LogsArgs {
    /// Lines of history per log.
    #[arg(short = 'n', long = "tail", default_value_t = 200)]
    pub(crate) tail: usize,
    /// Keep printing new lines until interrupted.
    #[arg(short = 'f', long)]
    pub(crate) follow: bool,
    /// Print one JSON object per line (NDJSON): source, timestamp, level, message.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct JsonFlag {
    /// Print machine-readable JSON instead of a table.
    #[arg(long)]
    pub(crate) json: bool,
}

/// The path from `jarvis` to its hidden daemon command (`mine supervise`), which `mine start`
/// hands providers as their way back into this binary.
pub(crate) const SUPERVISE: [&str; 2] = ["mine", "supervise"];

/// This binary's [`DaemonEntry`]: its own executable and [`SUPERVISE`].
pub(crate) fn daemon_entry() -> anyhow::Result<DaemonEntry> {
    let program = std::env::current_exe()
        .map_err(|e| anyhow::anyhow!("cannot find this jarvis executable: {e}"))?;
    Ok(DaemonEntry {
        program,
        args: SUPERVISE.iter().map(OsString::from).collect(),
    })
}

/// `--provider` values: `auto`, then every provider compiled into this build.
fn provider_choices() -> Vec<&'static str> {
    let registry = jarvis_providers::builtin();
    std::iter::once(AUTO_PROVIDER)
        .chain(registry.descriptors().map(|d| d.id))
        .collect()
}

/// `--provider auto`: pick by hardware.
pub(crate) const AUTO_PROVIDER: &str = "auto";

#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// Mining provider; `auto` (the default for a new config) picks the first one this
    /// hardware supports; an existing config keeps its provider.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(provider_choices()))]
    pub(crate) provider: Option<String>,
    /// Taproot payout address (prl1p... on mainnet).
    #[arg(long, visible_alias = "wallet-address")]
    pub(crate) wallet: Option<String>,
    /// Pearl network: mainnet, testnet, testnet2, signet, regtest or simnet.
    #[arg(long)]
    pub(crate) network: Option<String>,
    /// pearld JSON-RPC URL.
    #[arg(long, visible_alias = "pearld-rpc-url")]
    pub(crate) pearld_url: Option<String>,
    /// pearld RPC user.
    #[arg(long, visible_alias = "pearld-rpc-user")]
    pub(crate) pearld_user: Option<String>,
    /// Name of the environment variable holding the pearld RPC password (never the password).
    #[arg(long, visible_alias = "pearld-rpc-password-env")]
    pub(crate) pearld_password_env: Option<String>,
    /// pearld's TLS certificate (rpc.cert) for https:// URLs.
    #[arg(long)]
    pub(crate) pearld_rpc_cert: Option<PathBuf>,
    /// Pearl model served by vllm-pearl.
    #[arg(long)]
    pub(crate) model: Option<String>,
    /// A local Pearl model directory to mount read-only (vllm-pearl).
    #[arg(long)]
    pub(crate) local_model_path: Option<PathBuf>,
    /// Extra argument for `vllm serve` (repeatable).
    #[arg(long = "vllm-arg", allow_hyphen_values = true)]
    pub(crate) vllm_args: Vec<String>,
    /// Docker image tag of the Pearl vLLM miner.
    #[arg(long)]
    pub(crate) image: Option<String>,
    /// Host GPU ids for the miner container, e.g. `0,1`.
    #[arg(long)]
    pub(crate) cuda_visible_devices: Option<String>,
    /// vLLM's port.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) vllm_port: Option<u16>,
    /// Host pearl-gateway binds (cpu-pearl).
    #[arg(long)]
    pub(crate) gateway_host: Option<String>,
    /// pearl-gateway's miner RPC port.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) gateway_port: Option<u16>,
    /// Gateway metrics port (vllm-pearl).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) gateway_metrics_port: Option<u16>,
    /// Port of jarvis' own Prometheus exporter (cpu-pearl).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) metrics_port: Option<u16>,
    /// Miner threads (cpu-pearl); default: all cores.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) threads: Option<u32>,
    /// Replace an existing [mining] provider or wallet.
    #[arg(long)]
    pub(crate) force: bool,
    /// Skip the hardware capability gate (remote Docker engines).
    #[arg(long)]
    pub(crate) skip_hardware_check: bool,
    /// Print the result as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;
    use jarvis_core::paths::JarvisHome;
    use jarvis_mining::daemon::DaemonLaunch;

    use super::*;

    /// The launcher's argv (the library side) is exactly what the `supervise` command parses
    /// (the CLI side), for every provider this build has.
    #[test]
    fn the_daemon_launch_parses_to_supervise_with_its_provider() {
        let entry = daemon_entry().expect("entry");
        let home = JarvisHome::at("/tmp/jarvis-home");
        for id in jarvis_providers::builtin().keys() {
            let launch = DaemonLaunch::new(id, &home);
            let command = launch.command(&entry);
            assert_eq!(command.get_program(), entry.program.as_os_str());
            let argv = std::iter::once(OsString::from("jarvis"))
                .chain(command.get_args().map(OsString::from));
            let cli = Cli::try_parse_from(argv).expect("parses");
            match cli.command {
                Command::Mine(MineCommand::Supervise(args)) => {
                    assert_eq!(args.provider.as_deref(), Some(id));
                }
                other => panic!("parsed as {other:?}"),
            }
            let home_env = command
                .get_envs()
                .find(|(k, _)| *k == jarvis_core::paths::HOME_ENV)
                .and_then(|(_, v)| v);
            assert_eq!(home_env, Some(std::ffi::OsStr::new("/tmp/jarvis-home")));
        }
    }
}
