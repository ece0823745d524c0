//! The flags of `jarvis pearl`.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use jarvis_pearl_source::{PEARL_PINNED_REF, PEARL_REPO_URL};

/// Default env var holding Oyster's RPC password.
const DEFAULT_PASSWORD_ENV: &str = "OYSTER_RPC_PASSWORD";

/// `jarvis pearl` flags.
#[derive(Debug, Args)]
pub(crate) struct PearlArgs {
    #[command(subcommand)]
    pub(crate) command: PearlCommand,
}

/// `jarvis pearl` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum PearlCommand {
    /// Find pearld, oyster, prlctl and pearl-gateway and show their versions.
    Doctor(DoctorArgs),
    /// Run pearld with the given arguments (stdio and exit code passed through).
    #[command(disable_version_flag = true)]
    Node(PassArgs),
    /// Run oyster (the wallet) with the given arguments.
    #[command(disable_version_flag = true)]
    Wallet(PassArgs),
    /// Run prlctl (the RPC client) with the given arguments.
    #[command(disable_version_flag = true)]
    Ctl(PassArgs),
    /// Ask Oyster for a new Taproot payout address.
    Address(AddressArgs),
    /// Build Pearl's pearl-gateway from source into jarvis' cache (uv if present, else pip).
    InstallGateway(InstallGatewayArgs),
}

/// `jarvis pearl install-gateway` flags.
#[derive(Debug, Args)]
pub(crate) struct InstallGatewayArgs {
    /// Pearl commit, tag or branch to build (default: the commit jarvis pins).
    #[arg(long = "ref", value_name = "REF", default_value = PEARL_PINNED_REF)]
    pub(crate) reference: String,
    /// Pearl's repository: a git URL or a local clone.
    #[arg(long, value_name = "URL|PATH", default_value = PEARL_REPO_URL)]
    pub(crate) source: String,
    /// Rebuild even when this commit is already installed.
    #[arg(long)]
    pub(crate) force: bool,
    /// Print machine-readable JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Where to look for Pearl's binaries.
#[derive(Debug, Args)]
pub(crate) struct HomeArg {
    /// Pearl install directory; its bin/ wins over PATH and $PEARL_HOME.
    #[arg(long, value_name = "DIR")]
    pub(crate) pearl_home: Option<PathBuf>,
}

/// `jarvis pearl doctor` flags.
#[derive(Debug, Args)]
pub(crate) struct DoctorArgs {
    #[command(flatten)]
    pub(crate) home: HomeArg,
    /// Print machine-readable JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Pass-through flags: `--pearl-home` first, everything else goes to the tool.
#[derive(Debug, Args)]
pub(crate) struct PassArgs {
    #[command(flatten)]
    pub(crate) home: HomeArg,
    /// Arguments for the tool (use `--` before ones that jarvis would take).
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "ARGS"
    )]
    pub(crate) args: Vec<OsString>,
}

/// `jarvis pearl address` flags.
#[derive(Debug, Args)]
pub(crate) struct AddressArgs {
    #[command(flatten)]
    pub(crate) home: HomeArg,
    /// Oyster RPC user.
    #[arg(short, long, default_value = "rpcuser")]
    pub(crate) user: String,
    /// Oyster RPC server, host:port.
    #[arg(short, long, default_value = "localhost:44207")]
    pub(crate) server: String,
    /// Name of the environment variable holding the RPC password; without it jarvis prompts.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_PASSWORD_ENV)]
    pub(crate) password_env: String,
    /// Use TLS (default: --notls, Oyster's local default).
    #[arg(long)]
    pub(crate) tls: bool,
    /// With --tls, verify the server certificate (default: --skipverify).
    #[arg(long, requires = "tls")]
    pub(crate) verify: bool,
    /// Print machine-readable JSON.
    #[arg(long)]
    pub(crate) json: bool,
}
