//! Process identity (pid + start time) so that a reused pid is never mistaken for ours.

use serde::{Deserialize, Serialize};

use crate::sys;

/// A process as recorded when we started it: its pid and the kernel's start time.
///
/// `start_time` is clock ticks since boot on Linux (`/proc/<pid>/stat` field 22) and
/// microseconds since the epoch on macOS; compare it only with values from the same host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProcessIdentity {
    /// Process id.
    pub pid: u32,
    /// Kernel start time of the process (see the type docs for the unit).
    pub start_time: u64,
}

/// What became of a recorded process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    /// Still running, same start time.
    Alive,
    /// Gone, or a zombie waiting to be reaped.
    Dead,
    /// The pid is alive but belongs to a different (newer) process.
    Reused,
}

/// A signal we send to our own children.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGTERM: ask to exit.
    Term,
    /// SIGKILL: force exit.
    Kill,
}

impl Signal {
    /// `SIGTERM` or `SIGKILL`.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Term => "SIGTERM",
            Signal::Kill => "SIGKILL",
        }
    }

    fn raw(self) -> libc::c_int {
        match self {
            Signal::Term => libc::SIGTERM,
            Signal::Kill => libc::SIGKILL,
        }
    }
}

/// Failure to signal a process.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// The kernel refused the signal (usually EPERM: the process belongs to another user).
    #[error("cannot send {signal:?} to {target} {pid}")]
    Signal {
        /// `"process"` or `"process group"`.
        target: &'static str,
        /// Pid or pgid.
        pid: u32,
        /// Signal that failed.
        signal: Signal,
        /// OS error.
        source: std::io::Error,
    },
}

/// Kernel facts about a running pid: start time and zombie state.
struct ProcStat {
    start_time: u64,
    zombie: bool,
}

#[cfg(target_os = "linux")]
fn proc_stat(pid: u32) -> Option<ProcStat> {
    if pid == 0 {
        return None;
    }
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_proc_stat(&text).map(|(state, start_time)| ProcStat {
        start_time,
        zombie: matches!(state, 'Z' | 'X' | 'x'),
    })
}

#[cfg(target_os = "macos")]
fn proc_stat(pid: u32) -> Option<ProcStat> {
    sys::mac_process_start(pid).map(|(start_time, zombie)| ProcStat { start_time, zombie })
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
fn proc_stat(_pid: u32) -> Option<ProcStat> {
    None
}

/// Parses `/proc/<pid>/stat`: returns (state, start time in ticks).
///
/// The comm field (2) is in parentheses and may itself contain spaces and `)`, so fields are
/// counted from the LAST `)`.
pub fn parse_proc_stat(text: &str) -> Option<(char, u64)> {
    let after = text.get(text.rfind(')')? + 1..)?;
    let mut fields = after.split_ascii_whitespace();
    let state = fields.next()?.chars().next()?;
    // After the state (field 3), start time is field 22: 19 fields further on.
    let start = fields.nth(18)?.parse().ok()?;
    Some((state, start))
}

impl ProcessIdentity {
    /// The identity of a live, non-zombie `pid`; `None` if there is no such process.
    pub fn of(pid: u32) -> Option<ProcessIdentity> {
        let st = proc_stat(pid)?;
        (!st.zombie).then_some(ProcessIdentity {
            pid,
            start_time: st.start_time,
        })
    }

    /// The identity of this process.
    pub fn current() -> ProcessIdentity {
        let pid = std::process::id();
        Self::of(pid).unwrap_or(ProcessIdentity { pid, start_time: 0 })
    }

    /// Whether the recorded process still runs, is gone, or its pid now names another process.
    pub fn status(&self) -> Liveness {
        match proc_stat(self.pid) {
            None => Liveness::Dead,
            Some(st) if st.zombie => Liveness::Dead,
            Some(st) if st.start_time != self.start_time => Liveness::Reused,
            Some(_) => Liveness::Alive,
        }
    }
}

/// When `pid` started, in unix seconds; `None` when there is no such process or the platform
/// does not say. Lets a bare pid (a sidecar from before start times were recorded) be checked
/// against when the session started.
pub fn process_started_at(pid: u32) -> Option<f64> {
    let start = proc_stat(pid)?.start_time;
    #[cfg(target_os = "linux")]
    {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let boot: f64 = stat
            .lines()
            .find_map(|l| l.strip_prefix("btime "))?
            .trim()
            .parse()
            .ok()?;
        let ticks = sys::clock_ticks_per_second()? as f64;
        Some(boot + start as f64 / ticks)
    }
    #[cfg(target_os = "macos")]
    {
        Some(start as f64 / 1e6)
    }
    #[cfg(not(any(target_os = "linux", target_os = "macos")))]
    {
        let _ = start;
        None
    }
}

/// Whether `pid` names a running (non-zombie) process, by `kill(pid, 0)`.
pub fn pid_alive(pid: u32) -> bool {
    match sys::probe(pid) {
        sys::Probe::Gone => false,
        sys::Probe::Exists => !proc_stat(pid).is_some_and(|st| st.zombie),
    }
}

/// Sends `sig` to the recorded process only if it is still that process; returns whether it did.
pub fn signal_identity(id: &ProcessIdentity, sig: Signal) -> Result<bool, ProcessError> {
    if id.status() != Liveness::Alive {
        return Ok(false);
    }
    sys::send(id.pid, sig.raw(), false).map_err(|source| ProcessError::Signal {
        target: "process",
        pid: id.pid,
        signal: sig,
        source,
    })
}

/// Sends `sig` to the process group led by `leader` (pgid = its pid), only if the leader is
/// still that process and still leads its group; returns whether it signalled.
pub fn signal_group(leader: &ProcessIdentity, sig: Signal) -> Result<bool, ProcessError> {
    if leader.status() != Liveness::Alive || sys::process_group(leader.pid) != Some(leader.pid) {
        return Ok(false);
    }
    sys::send(leader.pid, sig.raw(), true).map_err(|source| ProcessError::Signal {
        target: "process group",
        pid: leader.pid,
        signal: sig,
        source,
    })
}

/// Starts `command`'s child in a session of its own (`setsid`): a detached background process
/// that a terminal hang-up or Ctrl-C never reaches, and whose process group is its pid.
#[cfg(unix)]
pub fn new_session(command: &mut std::process::Command) {
    crate::sys::new_session(command);
}
