//! The `pre_exec` hook the supervisor needs for its gateway child (Linux): a parent-death
//! signal, so a gateway never outlives a SIGKILLed supervisor.
#![allow(unsafe_code)]

/// Asks the kernel to SIGTERM the child when the thread that spawned it dies (Linux only;
/// elsewhere a no-op). Spawn from a long-lived thread (a tokio worker).
pub(crate) fn terminate_with_parent(command: &mut tokio::process::Command) {
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
