//! The two `pre_exec` hooks the supervisor needs: a new session for the detached supervisor,
//! and (Linux) a parent-death signal so a gateway never outlives a SIGKILLed supervisor.
#![allow(unsafe_code)]

/// Makes the child call `setsid()`: its own session and process group (pgid = its pid), no
/// controlling terminal, so a terminal hang-up or Ctrl-C never reaches it.
#[cfg(unix)]
pub fn new_session(command: &mut std::process::Command) {
    use std::os::unix::process::CommandExt as _;
    // SAFETY: the closure runs in the forked child before exec and calls only `setsid`,
    // which is async-signal-safe; it touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            if libc::setsid() == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Asks the kernel to SIGTERM the child when the thread that spawned it dies (Linux only;
/// elsewhere a no-op). Spawn from a long-lived thread (a tokio worker).
pub fn terminate_with_parent(command: &mut tokio::process::Command) {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: the closure runs in the forked child before exec and calls only `prctl`,
        // which is async-signal-safe; it touches no memory of the parent.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = command;
}
