//! How the supervisor spawns its gateway so that, on Linux, the gateway never outlives it: a
//! parent-death SIGKILL set in a `pre_exec` hook, and the spawn done on a thread that lives as
//! long as the process. The kernel sends the parent-death signal when the *thread* that forked
//! the child exits, so a spawn from a thread that may end first (tokio's blocking pool ends
//! idle threads; `block_in_place` retires workers) would kill a healthy gateway. Elsewhere the
//! gateway is spawned directly and only its recorded identity (the sidecar) ends it.
#![allow(unsafe_code)]

use std::io;

/// Spawns `command` so that the child gets SIGKILL when this process dies (Linux; elsewhere a
/// plain spawn). Needs a tokio runtime: the child is reaped by the caller's runtime.
pub(crate) fn spawn_bound_to_process(
    mut command: tokio::process::Command,
) -> io::Result<tokio::process::Child> {
    #[cfg(target_os = "linux")]
    {
        kill_with_parent(&mut command);
        linux::spawn_on_spawner_thread(command)
    }
    #[cfg(not(target_os = "linux"))]
    command.spawn()
}

/// Adds the `pre_exec` hook: SIGKILL on parent death, then a check that the parent did not die
/// before the hook ran (the signal would never come: the child was already re-parented).
#[cfg(target_os = "linux")]
fn kill_with_parent(command: &mut tokio::process::Command) {
    let parent = std::process::id();
    // SAFETY: the closure runs in the forked child before exec and calls only `prctl` and
    // `getppid`, which are async-signal-safe; it allocates nothing (errors carry a raw errno)
    // and touches no memory of the parent.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(io::Error::last_os_error());
            }
            if u32::try_from(libc::getppid()).ok() != Some(parent) {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::io;
    use std::sync::OnceLock;
    use std::sync::mpsc;

    type Reply = mpsc::Sender<io::Result<tokio::process::Child>>;

    struct Request {
        command: tokio::process::Command,
        runtime: tokio::runtime::Handle,
        reply: Reply,
    }

    /// The one spawner thread: started on first use, it never exits, so the parent-death
    /// signal of what it spawns fires only when the process dies.
    static SPAWNER: OnceLock<mpsc::Sender<Request>> = OnceLock::new();

    fn spawner() -> io::Result<mpsc::Sender<Request>> {
        if let Some(sender) = SPAWNER.get() {
            return Ok(sender.clone());
        }
        let (sender, requests) = mpsc::channel::<Request>();
        std::thread::Builder::new()
            .name("jarvis-gateway-spawner".to_owned())
            .spawn(move || {
                for Request {
                    mut command,
                    runtime,
                    reply,
                } in requests
                {
                    let _entered = runtime.enter();
                    let _ = reply.send(command.spawn());
                }
            })?;
        // A racing first use may have set it meanwhile: its thread wins, ours ends unused.
        Ok(SPAWNER.get_or_init(|| sender).clone())
    }

    /// Spawns `command` on the spawner thread and waits for the result (a fork and exec: the
    /// same time the spawn takes on the caller's thread).
    pub(super) fn spawn_on_spawner_thread(
        command: tokio::process::Command,
    ) -> io::Result<tokio::process::Child> {
        let runtime = tokio::runtime::Handle::try_current().map_err(io::Error::other)?;
        let gone = || io::Error::other("the gateway spawner thread is gone");
        let (reply, result) = mpsc::channel();
        spawner()?
            .send(Request {
                command,
                runtime,
                reply,
            })
            .map_err(|_| gone())?;
        result.recv().map_err(|_| gone())?
    }
}
