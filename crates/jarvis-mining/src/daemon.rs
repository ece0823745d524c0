//! How `mine start` re-enters this binary to run a provider's background process (cpu-pearl's
//! supervisor, vllm-pearl's history sampler), and what that process receives. The launcher
//! ([`DaemonLaunch::command`]) and the `supervise` command ([`DaemonLaunch::provider_flag`],
//! [`DaemonContext`]) share this one contract; the CLI owns the argv that leads to its
//! `supervise` command ([`DaemonEntry`]), so no library spells it.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use jarvis_core::paths::{HOME_ENV, JarvisHome};

use crate::config::MiningConfig;
use crate::error::MiningError;
use crate::provider::BoxFuture;
use crate::session::LockHandle;

/// The binary's own way back in: its executable and the arguments of its daemon command
/// (for `jarvis`: `current_exe()` and `["mine", "supervise"]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonEntry {
    /// The executable.
    pub program: PathBuf,
    /// Arguments before the provider flag.
    pub args: Vec<OsString>,
}

/// One launch of a provider's background process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonLaunch {
    /// The provider whose daemon runs.
    pub provider: String,
    /// The jarvis home it runs for.
    pub home: PathBuf,
}

impl DaemonLaunch {
    /// The flag naming the provider, after the entry's arguments.
    pub const PROVIDER_FLAG: &'static str = "--provider";

    /// The launch of `provider`'s daemon for `home`.
    pub fn new(provider: &str, home: &JarvisHome) -> Self {
        Self {
            provider: provider.to_owned(),
            home: home.root(),
        }
    }

    /// The argv after the program: the entry's arguments, then `--provider <id>`.
    pub fn args(&self, entry: &DaemonEntry) -> Vec<OsString> {
        let mut args = entry.args.clone();
        args.push(Self::PROVIDER_FLAG.into());
        args.push(self.provider.clone().into());
        args
    }

    /// The command to spawn: [`Self::args`], the home in `OPENJARVIS_HOME`, stdin closed, in a
    /// session of its own so a terminal hang-up never reaches it; [`Self::spawn`] points its
    /// output at the daemon's log.
    pub fn command(&self, entry: &DaemonEntry) -> Command {
        let mut command = Command::new(&entry.program);
        command
            .args(self.args(entry))
            .env(HOME_ENV, &self.home)
            .stdin(Stdio::null());
        #[cfg(unix)]
        jarvis_core::process::new_session(&mut command);
        command
    }

    /// Spawns [`Self::command`] with its stdout and stderr appended to `log` (an open file:
    /// each provider opens and rotates its own).
    pub fn spawn(&self, entry: &DaemonEntry, log: std::fs::File) -> std::io::Result<Child> {
        let err = log.try_clone()?;
        self.command(entry)
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(err))
            .spawn()
    }
}

/// SIGTERM or SIGINT, what ends a daemon cleanly (`mine stop` sends SIGTERM, identity-checked;
/// Ctrl-C in the foreground sends SIGINT).
#[derive(Debug)]
pub struct Shutdown {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl Shutdown {
    /// Installs the handlers.
    pub fn new() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    /// Until either signal arrives.
    pub async fn wait(&mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.int.recv() => {}
        }
    }
}

/// What a daemon receives besides the config.
#[derive(Debug, Clone)]
pub struct DaemonContext {
    /// The jarvis home.
    pub home: JarvisHome,
    /// Released once the daemon is ready (or has failed): under `mine start --foreground` the
    /// start lock, held until then; empty for a detached daemon.
    pub lock: LockHandle,
}

/// A provider's background process: runs until stopped (`Ok`) or until it gives up.
pub type DaemonFn =
    for<'a> fn(&'a DaemonContext, &'a MiningConfig) -> BoxFuture<'a, Result<(), MiningError>>;
