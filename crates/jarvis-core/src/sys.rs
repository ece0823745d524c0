//! The crate's only `unsafe`: thin wrappers over libc calls that std does not offer.
#![allow(unsafe_code)]

use std::io;
use std::path::Path;

/// Result of `kill(pid, 0)`.
pub(crate) enum Probe {
    /// The process exists (we may or may not be allowed to signal it).
    Exists,
    /// No such process.
    Gone,
}

/// Converts a pid to `pid_t`, refusing 0 and values that would turn into "all/group" targets.
fn to_pid_t(pid: u32) -> Option<libc::pid_t> {
    libc::pid_t::try_from(pid).ok().filter(|p| *p > 0)
}

/// Probes `pid` with signal 0.
pub(crate) fn probe(pid: u32) -> Probe {
    let Some(p) = to_pid_t(pid) else {
        return Probe::Gone;
    };
    // SAFETY: kill with signal 0 only checks for existence/permission; p > 0 targets one process.
    let rc = unsafe { libc::kill(p, 0) };
    if rc == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM) {
        Probe::Exists
    } else {
        Probe::Gone
    }
}

/// Clock ticks per second (`sysconf(_SC_CLK_TCK)`), the unit of `/proc/<pid>/stat` times.
#[cfg(target_os = "linux")]
pub(crate) fn clock_ticks_per_second() -> Option<u64> {
    // SAFETY: sysconf only reads a configuration value.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(ticks).ok().filter(|t| *t > 0)
}

/// Sends `sig` to process `pid` (or to process group `pid` when `group`). `Ok(false)` = no such target.
pub(crate) fn send(pid: u32, sig: libc::c_int, group: bool) -> io::Result<bool> {
    let Some(p) = to_pid_t(pid) else {
        return Ok(false);
    };
    let target = if group { -p } else { p };
    // SAFETY: plain syscall; target is a positive pid or the negation of a positive pgid,
    // never 0 or -1 (which would signal our own group or every process).
    let rc = unsafe { libc::kill(target, sig) };
    if rc == 0 {
        return Ok(true);
    }
    let err = io::Error::last_os_error();
    if err.raw_os_error() == Some(libc::ESRCH) {
        Ok(false)
    } else {
        Err(err)
    }
}

/// The process group of `pid`, if the process exists.
pub(crate) fn process_group(pid: u32) -> Option<u32> {
    let p = to_pid_t(pid)?;
    // SAFETY: getpgid only reads kernel state for the given pid.
    let rc = unsafe { libc::getpgid(p) };
    u32::try_from(rc).ok()
}

/// Free bytes available to unprivileged users on the filesystem holding `path` (must exist).
pub(crate) fn statvfs_free(path: &Path) -> io::Result<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path contains a NUL byte"))?;
    // SAFETY: an all-zero statvfs is a valid value of this plain C struct.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: c_path is NUL-terminated and st is a valid, writable statvfs.
    let rc = unsafe { libc::statvfs(c_path.as_ptr(), &mut st) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    #[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
    let free = (st.f_bavail as u64).saturating_mul(st.f_frsize as u64);
    Ok(free)
}

/// macOS: (start time in microseconds since the epoch, is zombie) for `pid`.
#[cfg(target_os = "macos")]
pub(crate) fn mac_process_start(pid: u32) -> Option<(u64, bool)> {
    let p = to_pid_t(pid)?;
    // SAFETY: an all-zero proc_bsdinfo is a valid value of this plain C struct.
    let mut info: libc::proc_bsdinfo = unsafe { std::mem::zeroed() };
    let size = std::mem::size_of::<libc::proc_bsdinfo>() as libc::c_int;
    // SAFETY: the buffer is a writable proc_bsdinfo of exactly `size` bytes.
    let rc = unsafe {
        libc::proc_pidinfo(
            p,
            libc::PROC_PIDTBSDINFO,
            0,
            (&mut info as *mut libc::proc_bsdinfo).cast(),
            size,
        )
    };
    if rc != size {
        return None;
    }
    let start = info
        .pbi_start_tvsec
        .saturating_mul(1_000_000)
        .saturating_add(info.pbi_start_tvusec);
    Some((start, info.pbi_status == libc::SZOMB))
}

/// Makes the child call `setsid()` before exec: its own session and process group (pgid = its
/// pid), no controlling terminal, so a terminal hang-up or Ctrl-C never reaches it.
#[cfg(unix)]
pub(crate) fn new_session(command: &mut std::process::Command) {
    use std::os::unix::process::CommandExt as _;
    // SAFETY: the closure runs in the forked child before exec and calls only `setsid`,
    // which is async-signal-safe; it touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            if libc::setsid() == -1 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
}
