//! The flags of `jarvis mine service`.

use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;

/// `jarvis mine service` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum ServiceCommand {
    /// Write the user service and start it now and at every login (or boot, with lingering).
    Install(ServiceArgs),
    /// Stop the user service and remove its file.
    Uninstall(ServiceArgs),
    /// Show whether the user service is installed, enabled and running.
    Status(ServiceArgs),
}

/// Flags shared by the service commands.
#[derive(Debug, Args)]
pub(crate) struct ServiceArgs {
    /// Print the file and the commands instead of writing or running anything.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Service manager (default: launchd on macOS, systemd elsewhere).
    #[arg(long, value_enum)]
    pub(crate) manager: Option<Manager>,
    /// Print machine-readable JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

/// A service manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Manager {
    /// systemd user units (`systemctl --user`).
    Systemd,
    /// launchd user agents (`launchctl`).
    Launchd,
}
