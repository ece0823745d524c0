//! The provider contract every mining path implements.

use std::future::Future;
use std::pin::Pin;

use serde::Serialize;

use crate::config::MiningConfig;
use crate::daemon::DaemonEntry;
use crate::error::MiningError;
use crate::progress::{NoProgress, Progress};
use crate::session::{LockHandle, ProviderLiveness};
use crate::sidecar::Sidecar;
use crate::stats::MiningStats;

/// A boxed future, so providers stay usable as `dyn MiningProvider`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A mining path (Docker vLLM miner, native CPU miner, ...). Capability detection is not a
/// method: it is the pure `detect` function of the provider's registry entry, callable without
/// constructing a provider.
pub trait MiningProvider: Send {
    /// Registry id, e.g. `cpu-pearl`.
    fn id(&self) -> &'static str;
    /// Sets up whatever the provider runs and writes the sidecar when inference routing changes.
    /// The caller has refused pool targets and unsupported hardware and holds the mining lock
    /// in `options.lock`; the provider releases it once the session is ready or has failed
    /// (under `StartMode::Foreground`, before its daemon runs on in this process).
    fn start<'a>(
        &'a mut self,
        config: &'a MiningConfig,
        options: &'a StartOptions,
    ) -> BoxFuture<'a, Result<(), MiningError>>;
    /// Tears down provider-owned processes or containers and removes the sidecar.
    fn stop<'a>(&'a mut self, options: &'a StopOptions) -> BoxFuture<'a, Result<(), MiningError>>;
    /// Whether the session `sidecar` describes mines now, from what the provider owns (its
    /// processes, its container, the served endpoint's health). `Session::resolve` settles a
    /// session the sidecar alone cannot prove (a container) with it.
    fn liveness<'a>(&'a self, sidecar: &'a Sidecar) -> BoxFuture<'a, ProviderLiveness>;
    /// Current statistics from the provider's most stable telemetry surface.
    fn stats(&self) -> BoxFuture<'_, MiningStats>;
    /// Feeds redacted log lines to `sink`: the last `tail` lines, then new ones while `follow`
    /// (until the future is dropped).
    fn logs<'a>(
        &'a self,
        request: LogRequest,
        sink: &'a mut (dyn FnMut(LogLine) + Send),
    ) -> BoxFuture<'a, Result<(), MiningError>>;
}

/// Where a provider's background process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StartMode {
    /// Launched detached through `StartOptions::daemon`; `start` returns once it is ready.
    #[default]
    Detached,
    /// Run in this process until stopped (`mine start --foreground`, for systemd and launchd).
    Foreground,
}

/// How `start` should behave.
#[derive(Clone)]
pub struct StartOptions {
    /// Detached, or in this process.
    pub mode: StartMode,
    /// How to launch the provider's background process detached: the binary's way back into
    /// its `supervise` command. `None` (tests of a library) launches none: cpu-pearl then
    /// refuses a detached start, vllm-pearl runs without its history sampler.
    pub daemon: Option<DaemonEntry>,
    /// The mining lock, released by the provider once the session is ready or has failed.
    pub lock: LockHandle,
    /// Replace a running container/session whose launch spec differs or that is not ours.
    pub replace: bool,
    /// The hardware gate was skipped (remote engine); providers may warn through `progress`.
    pub skip_hardware_check: bool,
    /// Where long work reports progress; the CLI renders it (or hides it under --json).
    pub progress: std::sync::Arc<dyn Progress>,
}

impl std::fmt::Debug for StartOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StartOptions")
            .field("mode", &self.mode)
            .field("daemon", &self.daemon)
            .field("replace", &self.replace)
            .field("skip_hardware_check", &self.skip_hardware_check)
            .finish_non_exhaustive()
    }
}

impl Default for StartOptions {
    fn default() -> Self {
        Self {
            mode: StartMode::Detached,
            daemon: None,
            lock: LockHandle::none(),
            replace: false,
            skip_hardware_check: false,
            progress: std::sync::Arc::new(NoProgress),
        }
    }
}

/// How `stop` should behave.
#[derive(Clone)]
pub struct StopOptions {
    /// Grace period before processes or containers are killed.
    pub timeout: std::time::Duration,
    /// Where stop reports what it removed or left alone (`Done` / `Warning`).
    pub progress: std::sync::Arc<dyn Progress>,
}

impl std::fmt::Debug for StopOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StopOptions")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Default for StopOptions {
    fn default() -> Self {
        Self {
            timeout: std::time::Duration::from_secs(15),
            progress: std::sync::Arc::new(NoProgress),
        }
    }
}

/// What `logs` should return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogRequest {
    /// Lines of history per source.
    pub tail: usize,
    /// Keep streaming new lines.
    pub follow: bool,
}

/// One redacted log line and where it came from (`gateway`, `miner`, `container`, ...), with
/// what the line itself records: when, at what level, and its message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    /// The source.
    pub source: String,
    /// The line as the log has it, without its newline, secrets redacted.
    pub line: String,
    /// When it was logged, exactly as the line writes it (or, for a container's line, as the
    /// container engine recorded it); `None` when the provider can read no time for the line
    /// (never made up).
    pub timestamp: Option<String>,
    /// The level it was logged at; `None` when the line carries none the provider can read.
    pub level: Option<LogLevel>,
    /// The line without its timestamp and level (a JSON log line's `message`, decoded), secrets
    /// redacted; the whole `line` when it has neither.
    pub message: String,
}

impl LogLine {
    /// A line without a timestamp or level the provider can read: its message is all of it.
    pub fn plain(source: impl Into<String>, line: impl Into<String>) -> Self {
        let line = line.into();
        Self {
            source: source.into(),
            message: line.clone(),
            line,
            timestamp: None,
            level: None,
        }
    }
}

/// A log line's level, on `tracing`'s scale (the one the cpu-pearl supervisor's logs use; a
/// gateway line is recorded at loguru's level mapped onto it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum LogLevel {
    /// `TRACE`.
    Trace,
    /// `DEBUG`.
    Debug,
    /// `INFO`.
    Info,
    /// `WARN`.
    Warn,
    /// `ERROR`.
    Error,
}

impl LogLevel {
    /// Every level, least severe first.
    pub const ALL: [Self; 5] = [
        Self::Trace,
        Self::Debug,
        Self::Info,
        Self::Warn,
        Self::Error,
    ];

    /// Its name as logs write it (`WARN`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Trace => "TRACE",
            Self::Debug => "DEBUG",
            Self::Info => "INFO",
            Self::Warn => "WARN",
            Self::Error => "ERROR",
        }
    }

    /// The level named exactly `name` (`WARN`), if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.name() == name)
    }
}

/// An RFC 3339 time as log writers put it before a line: `YYYY-MM-DDTHH:MM:SS`, an optional
/// fraction of 1 to 9 digits, and `Z` or `+HH:MM`/`-HH:MM` (`tracing`'s
/// `2026-12-03T12:00:01.123456Z`, the Docker Engine's `2026-12-03T12:00:04.123456789Z`).
pub fn is_rfc3339_time(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range)
            .is_some_and(|s| !s.is_empty() && s.iter().all(u8::is_ascii_digit))
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    if !(digits(0..4)
        && at(4, b'-')
        && digits(5..7)
        && at(7, b'-')
        && digits(8..10)
        && at(10, b'T')
        && digits(11..13)
        && at(13, b':')
        && digits(14..16)
        && at(16, b':')
        && digits(17..19))
    {
        return false;
    }
    let mut i = 19;
    if at(i, b'.') {
        let fraction = b
            .get(i + 1..)
            .unwrap_or_default()
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if fraction == 0 || fraction > 9 {
            return false;
        }
        i += 1 + fraction;
    }
    match b.get(i..) {
        Some(b"Z") => true,
        Some([b'+' | b'-', _, _, b':', _, _]) => digits(i + 1..i + 3) && digits(i + 4..i + 6),
        _ => false,
    }
}

#[cfg(test)]
mod time_tests {
    use super::is_rfc3339_time;

    #[test]
    fn only_an_rfc3339_time_is_one() {
        for good in [
            "2026-12-03T12:00:04.123456789Z",
            "2026-12-03T12:00:04Z",
            "2026-12-03T12:00:04.5Z",
            "2026-12-03T12:00:04.123456789+01:00",
            "2026-12-03T12:00:04-05:30",
        ] {
            assert!(is_rfc3339_time(good), "{good}");
        }
        for bad in [
            "",
            "2026-12-03",
            "2026-12-03 12:00:04Z",
            "2026-12-03T12:00:04",
            "2026-12-03T12:00:04.Z",
            "2026-12-03T12:00:04.1234567890Z",
            "2026-12-03T12:00:04ZZ",
            "2026-12-03T12:00:04+0100",
            "2026-12-03T1a:00:04Z",
            "12-03T12:00:04Z",
            "INFO",
            "2026-12-03T12:00:04.12€Z",
        ] {
            assert!(!is_rfc3339_time(bad), "{bad}");
        }
    }
}
