//! vllm-pearl's history sampler: the one writer of vllm-pearl's mining history.
//!
//! A background process beside the container (`jarvis mine supervise --provider vllm-pearl`,
//! launched by `mine start`; in place under `mine start --foreground`). Every
//! `sample_interval_s` it reads the container's state and restart count, the proofs and blocks
//! Pearl's gateway logged (the container log, followed as it grows), and vLLM's `/metrics`, and
//! records one sample. It exits when our container is gone, or on SIGTERM (what `mine stop`
//! sends, identity-checked).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use jarvis_core::process::{Liveness, ProcessIdentity, Signal, signal_identity};
use jarvis_core::time::unix_now;
use jarvis_mining::config::MiningConfig;
use jarvis_mining::daemon::{DaemonContext, DaemonEntry, DaemonLaunch, Shutdown};
use jarvis_mining::error::MiningError;
use jarvis_mining::progress::ProgressEvent;
use jarvis_mining::provider::{BoxFuture, StartMode, StartOptions};
use jarvis_mining::sidecar::{DaemonRole, DaemonState, Sidecar, SupervisorSection, write_sidecar};
use jarvis_telemetry::history::{HistoryRecorder, Sample};
use tokio::task::JoinHandle;

use crate::ID;
use crate::container::{self, Found};
use crate::docker::Engine;
use crate::provider::{VllmPearlProvider, container_ref};
use crate::status::{self, LogEvidence, VllmMetrics};

/// A follow of the log younger than this may still be reading its backlog: its counts are
/// not trusted yet.
const SETTLE: Duration = Duration::from_secs(1);

/// vllm-pearl's daemon: samples the running miner into the history until the container is
/// gone or SIGTERM/SIGINT arrives.
pub fn run<'a>(
    cx: &'a DaemonContext,
    config: &'a MiningConfig,
) -> BoxFuture<'a, Result<(), MiningError>> {
    Box::pin(async move {
        VllmPearlProvider::new(cx.home.clone())
            .sample_history(config)
            .await
    })
}

impl VllmPearlProvider {
    /// The sampler's loop (see the module doc): runs until the container is gone (`Ok`) or
    /// SIGTERM/SIGINT arrives.
    pub async fn sample_history(&self, config: &MiningConfig) -> Result<(), MiningError> {
        let extra = &config.extra;
        let interval = Duration::from_secs(u64::from(extra.sample_interval_s.max(1)));
        let retention = Duration::from_secs(u64::from(extra.history_retention_days) * 86_400);
        let mut recorder = HistoryRecorder::open(&self.home().mining_history_path(), retention);
        let mut shutdown = Shutdown::new().map_err(|source| MiningError::Signals { source })?;
        let engine = self.engine().await?;
        let reference = container_ref(jarvis_mining::session::Session::read(self.home()).sidecar());
        let client =
            status::http_client(Duration::from_secs(3)).map_err(|e| MiningError::Container {
                detail: e.to_string(),
                fix: "check the system's TLS set-up".to_owned(),
            })?;
        let base = format!("http://{}:{}", self.vllm_host(), extra.vllm_port);
        let mut follower = Follower::default();
        if let Ok(Some(found)) = container::inspect(&engine, &reference).await {
            follower.ensure(&engine, &found);
        }
        let first = tokio::time::Instant::now() + interval.min(Duration::from_secs(2));
        let mut tick = tokio::time::interval_at(first, interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                () = shutdown.wait() => return Ok(()),
                _ = tick.tick() => {}
            }
            let found = match container::inspect(&engine, &reference).await {
                Ok(Some(found)) => found,
                // Our container is gone: nothing is left to sample.
                Ok(None) => return Ok(()),
                // The engine did not answer this time; the next tick asks again.
                Err(_) => continue,
            };
            let metrics = status::vllm_metrics(&client, &base).await;
            let healthy = found.running() && status::probe_health(&client, &base).await.is_ok();
            let evidence = follower.settled();
            recorder.record(&sample(
                unix_now(),
                &found,
                evidence.as_ref(),
                metrics.as_ref(),
                healthy,
            ));
            follower.ensure(&engine, &found);
        }
    }
}

/// One history sample of the miner: `evidence` from its log (`None` while a fresh follow may
/// still be reading the backlog), `metrics` from vLLM, `healthy` when the container runs and
/// vLLM answers `/health`.
pub fn sample(
    at: f64,
    found: &Found,
    evidence: Option<&LogEvidence>,
    metrics: Option<&VllmMetrics>,
    healthy: bool,
) -> Sample {
    let count = |v: Option<f64>| v.filter(|v| v.is_finite() && *v >= 0.0).map(|v| v as u64);
    Sample {
        proofs_submitted: evidence.map(|e| e.proofs_received),
        template_height: evidence.and_then(|e| e.template_height),
        blocks_accepted: evidence.map(|e| e.blocks_accepted),
        restarts: u64::try_from(found.restarts).ok(),
        vllm_requests_total: count(metrics.and_then(|m| m.requests)),
        vllm_tokens_total: count(metrics.and_then(|m| m.generation_tokens)),
        gateway_up: Some(healthy),
        ..Sample::new(at, ID)
    }
}

/// The container log, followed by a background task into a running count.
#[derive(Default)]
struct Follower {
    evidence: Arc<Mutex<LogEvidence>>,
    task: Option<(JoinHandle<()>, Instant)>,
}

impl Follower {
    /// Follows the log of a running container unless a follow runs: from its start, so the
    /// counts cover every run of the container (a restart ends the follow; the next one
    /// counts from scratch).
    fn ensure(&mut self, engine: &Engine, found: &Found) {
        let following = self.task.as_ref().is_some_and(|(t, _)| !t.is_finished());
        if following || !found.running() {
            return;
        }
        let evidence = Arc::new(Mutex::new(LogEvidence::default()));
        let (engine, id, counts) = (engine.clone(), found.id.clone(), Arc::clone(&evidence));
        let task = tokio::spawn(async move {
            let _ = container::log_lines(&engine, &id, "all", 0, true, &mut |line| {
                counts
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .observe(&line);
            })
            .await;
        });
        self.evidence = evidence;
        self.task = Some((task, Instant::now()));
    }

    /// The counts, once they can be trusted: the follow ended (the whole log was read) or
    /// has run long enough to be past the backlog.
    fn settled(&self) -> Option<LogEvidence> {
        let (task, started) = self.task.as_ref()?;
        (task.is_finished() || started.elapsed() >= SETTLE).then(|| {
            self.evidence
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone()
        })
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        if let Some((task, _)) = &self.task {
            task.abort();
        }
    }
}

impl VllmPearlProvider {
    /// The end of `start` once the miner answers: the sampler beside it (detached through
    /// `options.daemon` unless one runs; in this process under `StartMode::Foreground`),
    /// recorded in `sidecar`, which is written; the start lock is released before a
    /// foreground sampler runs on.
    pub(crate) async fn run_sampler(
        &self,
        config: &MiningConfig,
        options: &StartOptions,
        mut sidecar: Sidecar,
    ) -> Result<(), MiningError> {
        let path = self.home().sidecar_path();
        match options.mode {
            StartMode::Detached => {
                let running = sampler_of(&sidecar).is_some();
                if let (false, Some(entry)) = (running, &options.daemon) {
                    match self.launch_sampler(entry) {
                        Ok(me) => sidecar.supervisor = Some(sampler_section(me)),
                        Err(e) => options.progress.event(ProgressEvent::Warning(format!(
                            "the history sampler did not start ({}); mining runs, but `jarvis mine history` records nothing until `jarvis mine start` runs again",
                            jarvis_core::error::one_line(&e)
                        ))),
                    }
                }
                write_sidecar(&path, &sidecar)?;
                options.lock.release();
                Ok(())
            }
            StartMode::Foreground => {
                // One sampler per session: a detached one hands over to this process.
                stop_sampler(&sidecar, Duration::from_secs(5)).await;
                sidecar.supervisor = Some(sampler_section(ProcessIdentity::current()));
                write_sidecar(&path, &sidecar)?;
                options.lock.release();
                options.progress.event(ProgressEvent::Phase(
                    "sampling the miner into the mining history in the foreground (Ctrl-C stops)"
                        .to_owned(),
                ));
                self.sample_history(config).await
            }
        }
    }

    /// Launches `jarvis mine supervise --provider vllm-pearl` detached, its output appended to
    /// `logs/mining/sampler.log`.
    fn launch_sampler(&self, entry: &DaemonEntry) -> Result<ProcessIdentity, MiningError> {
        let log = self.home().logs_dir().join(SAMPLER_LOG);
        let io = |source| MiningError::Io {
            path: log.clone(),
            source,
        };
        let out = open_log(&log).map_err(io)?;
        let child = DaemonLaunch::new(ID, self.home())
            .spawn(entry, out)
            .map_err(|source| MiningError::Io {
                path: entry.program.clone(),
                source,
            })?;
        Ok(ProcessIdentity::of(child.id()).unwrap_or(ProcessIdentity {
            pid: child.id(),
            start_time: 0,
        }))
    }
}

/// The sampler's log under `logs/mining`.
pub const SAMPLER_LOG: &str = "sampler.log";

fn open_log(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)
}

fn sampler_section(process: ProcessIdentity) -> SupervisorSection {
    SupervisorSection::new(DaemonRole::Sampler, process, DaemonState::Ready, unix_now())
}

/// The sampler the sidecar names, while it runs (pid and start time both match).
pub(crate) fn sampler_of(sidecar: &Sidecar) -> Option<ProcessIdentity> {
    let section = sidecar.supervisor.as_ref()?;
    (section.role == DaemonRole::Sampler && section.process.status() == Liveness::Alive)
        .then_some(section.process)
}

/// Stops the sampler the sidecar names: SIGTERM (identity-checked), then SIGKILL after
/// `grace`. Nothing when none runs.
pub(crate) async fn stop_sampler(sidecar: &Sidecar, grace: Duration) {
    let Some(sampler) = sampler_of(sidecar) else {
        return;
    };
    if sampler == ProcessIdentity::current() {
        return;
    }
    if !signal_identity(&sampler, Signal::Term).unwrap_or(false) {
        return;
    }
    let deadline = Instant::now() + grace;
    while sampler.status() == Liveness::Alive && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if sampler.status() == Liveness::Alive {
        let _ = signal_identity(&sampler, Signal::Kill);
    }
}
