//! How `mine start` re-enters this binary to run a provider's background process (cpu-pearl's
//! supervisor, vllm-pearl's history sampler), and what that process receives. The launcher
//! ([`DaemonLaunch::command`]) and the `supervise` command ([`DaemonLaunch::provider_flag`],
//! [`DaemonContext`]) share this one contract; the CLI owns the argv that leads to its
//! `supervise` command ([`DaemonEntry`]), so no library spells it.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, Stdio};

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
    /// session of its own so a terminal hang-up never reaches it. The caller points stdout and
    /// stderr at the daemon's log.
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
