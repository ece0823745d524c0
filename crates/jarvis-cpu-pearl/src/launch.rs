//! Starting the supervisor: in this process (foreground) or detached through the binary's
//! daemon entry, with a bounded wait for readiness.

use std::process::Child;
use std::time::{Duration, Instant};

use jarvis_core::paths::JarvisHome;
use jarvis_core::process::{Liveness, ProcessIdentity, Signal, signal_group};
use jarvis_mining::config::MiningConfig;
use jarvis_mining::daemon::{DaemonContext, DaemonEntry, DaemonLaunch};
use jarvis_mining::error::MiningError;
use jarvis_mining::provider::BoxFuture;
use jarvis_mining::session::end_recorded_processes;
use jarvis_mining::sidecar::{DaemonState, SidecarState, read_sidecar, remove_sidecar};

use crate::logs::tail_lines;
use crate::supervisor::{SupervisorError, SupervisorPlan, Tuning, open_append, supervise};

/// Env var: seconds `jarvis mine start` waits for the supervisor to be ready (default 60).
pub const READY_TIMEOUT_ENV: &str = "JARVIS_MINE_READY_TIMEOUT_S";

/// Free space `start` wants where the logs, the state file and the history go: the gateway
/// exits 1 on a full disk, and the session's files grow (logs rotate at 10 MiB, 4 kept).
pub(crate) const MIN_FREE_BYTES: u64 = 64 * 1024 * 1024;

/// Refuses to start when the filesystem of the logs, the state file or the history has less
/// than [`MIN_FREE_BYTES`] free, naming the directory and what is left.
fn check_free_space(home: &JarvisHome, plan: &SupervisorPlan) -> Result<(), MiningError> {
    let runtime = home.runtime_dir();
    let history = plan.history_path.parent().unwrap_or(&plan.logs_dir);
    for (dir, what) in [
        (plan.logs_dir.as_path(), "logs"),
        (runtime.as_path(), "session state"),
        (history, "mining history"),
    ] {
        if let Ok(free) = jarvis_core::hardware::disk_free_bytes(dir)
            && free < MIN_FREE_BYTES
        {
            return Err(MiningError::Config {
                detail: format!(
                    "only {:.1} MiB free on the filesystem of {} (for the {what}); pearl-gateway and the supervisor need at least {} MiB there: free some space (No space left on device otherwise)",
                    free as f64 / (1024.0 * 1024.0),
                    dir.display(),
                    MIN_FREE_BYTES / (1024 * 1024)
                ),
            });
        }
    }
    Ok(())
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// cpu-pearl's daemon: runs the supervisor in this process until it is stopped (`jarvis mine
/// supervise --provider cpu-pearl`, `jarvis mine start --foreground`), releasing `cx.lock`
/// once the gateway answers.
pub fn run_supervisor<'a>(
    cx: &'a DaemonContext,
    config: &'a MiningConfig,
) -> BoxFuture<'a, Result<(), MiningError>> {
    Box::pin(async move {
        let plan = SupervisorPlan::prepare(&cx.home, config, &env_var)?;
        supervise(&cx.home, plan, Tuning::from_env(&env_var), cx.lock.clone()).await?;
        Ok(())
    })
}

/// Checks the plan, launches the supervisor detached through `entry` and waits until it is
/// ready.
pub(crate) async fn start_detached(
    home: &JarvisHome,
    config: &MiningConfig,
    entry: &DaemonEntry,
) -> Result<(), MiningError> {
    let plan = SupervisorPlan::prepare(home, config, &env_var)?;
    check_free_space(home, &plan)?;
    if let Err(source) = std::net::TcpListener::bind(("127.0.0.1", plan.metrics_port)) {
        return Err(SupervisorError::MetricsPort {
            port: plan.metrics_port,
            source,
        }
        .into());
    }
    let mut child = spawn_detached(home, &plan, entry)?;
    let timeout = env_var(READY_TIMEOUT_ENV)
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(Duration::from_secs(60), Duration::from_secs);
    let result = wait_ready(home, &mut child, timeout).await;
    if let Err(detail) = result {
        // Leave nothing behind: the supervisor's group goes down, and so does the gateway it
        // recorded (its own group; it may ignore the parent-death SIGTERM). The file is read
        // once the supervisor is dead, so it can record nothing later.
        if let Some(identity) = ProcessIdentity::of(child.id()) {
            let _ = signal_group(&identity, Signal::Kill);
        }
        let _ = child.wait();
        if let SidecarState::Present(sidecar) = read_sidecar(&home.sidecar_path())
            && sidecar
                .supervisor
                .as_ref()
                .is_some_and(|s| s.process.pid == child.id())
        {
            // Identity-checked: a process that already exited (or a reused pid) is untouched.
            let _ = end_recorded_processes(&sidecar, Duration::ZERO).await;
        }
        let _ = remove_sidecar(&home.sidecar_path());
        let secrets = [plan.gateway.password.as_str()];
        let logs = &plan.logs_dir;
        let mut tail = String::new();
        for name in ["gateway.log", "supervisor.log"] {
            let lines = tail_lines(&logs.join(name), 15, &secrets);
            if !lines.is_empty() {
                tail.push_str(&format!(
                    "\n--- last lines of {} ---\n{}",
                    logs.join(name).display(),
                    lines.join("\n")
                ));
            }
        }
        return Err(MiningError::Config {
            detail: format!("{detail}{tail}"),
        });
    }
    Ok(())
}

fn spawn_detached(
    home: &JarvisHome,
    plan: &SupervisorPlan,
    entry: &DaemonEntry,
) -> Result<Child, MiningError> {
    let log_path = plan.logs_dir.join("supervisor.log");
    let io = |source| MiningError::Io {
        path: log_path.clone(),
        source,
    };
    let out = open_append(&log_path).map_err(io)?;
    DaemonLaunch::new(crate::ID, home)
        .spawn(entry, out)
        .map_err(|source| MiningError::Io {
            path: entry.program.clone(),
            source,
        })
}

/// Polls the sidecar until the supervisor `child` marks it ready; a message on failure.
async fn wait_ready(home: &JarvisHome, child: &mut Child, timeout: Duration) -> Result<(), String> {
    let started = Instant::now();
    let pid = child.id();
    loop {
        if let SidecarState::Present(sidecar) = read_sidecar(&home.sidecar_path())
            && let Some(section) = sidecar.supervisor.as_ref().filter(|s| s.process.pid == pid)
        {
            match section.state {
                DaemonState::Ready => return Ok(()),
                DaemonState::Failed => {
                    let why = section.last_error.as_deref().unwrap_or("unknown");
                    return Err(format!("the cpu-pearl supervisor failed: {why}"));
                }
                _ => {}
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "the cpu-pearl supervisor (pid {pid}) exited before it was ready ({status}); see `jarvis mine logs`"
            ));
        }
        if started.elapsed() >= timeout {
            return Err(format!(
                "pearl-gateway did not answer getMiningInfo within {}s; the supervisor was stopped (raise {READY_TIMEOUT_ENV} on slow hosts)",
                timeout.as_secs()
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Whether the recorded identity is gone.
pub(crate) fn gone(identity: &ProcessIdentity) -> bool {
    identity.status() != Liveness::Alive
}
