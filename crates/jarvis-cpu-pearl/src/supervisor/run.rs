//! The supervisor's main loop: children, watchdog, telemetry, sidecar.

use std::sync::Arc;
use std::time::Duration;

use jarvis_core::paths::JarvisHome;
use jarvis_core::process::ProcessIdentity;
use jarvis_core::time::unix_now;
use jarvis_mining::daemon::Shutdown;
use jarvis_mining::session::LockHandle;
use jarvis_telemetry::MetricsServer;
use pearl_miner::{KernelChoice, Miner, MinerOptions};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::error::SupervisorError;
use super::gateway::{GatewayChild, Probe, probe};
use super::history::History;
use super::logfile::LogFile;
use super::metrics::{ErrorKind, MinerMetrics};
use super::miner_loop::{MinerLoop, MinerLoopError};
use super::node::poll_template_height;
use super::plan::SupervisorPlan;
use super::state::SupervisorState;
use super::tuning::Tuning;
use super::watchdog::{Backoff, RestartBudget};

/// Runs the supervisor until SIGTERM/SIGINT (`Ok`) or until a child exhausts its restart
/// budget (`Err`, the sidecar left in state `failed` with the reason). `lock` is released once
/// the gateway answers or the supervisor gave up (the start lock under `--foreground`).
pub async fn supervise(
    home: &JarvisHome,
    plan: SupervisorPlan,
    tuning: Tuning,
    lock: LockHandle,
) -> Result<(), SupervisorError> {
    let mut shutdown_signal =
        Shutdown::new().map_err(|source| SupervisorError::Signals { source })?;
    let log = Arc::new(open_log(&plan, "supervisor.log")?);
    let miner_log = Arc::new(open_log(&plan, "miner.log")?);
    // Opened once for every gateway the supervisor starts: one writer (and one size count
    // for its rotation) however often the gateway restarts.
    let gateway_log = Arc::new(open_log(&plan, "gateway.log")?);
    let miner = Miner::new(
        plan.shape.clone(),
        MinerOptions {
            threads: plan.threads,
            kernel: KernelChoice::Auto,
        },
    )
    .map_err(|source| SupervisorError::Miner { source })?;
    let metrics = Arc::new(MinerMetrics::new(plan.threads));
    if plan.gateway.logs_blocks {
        metrics.count_gateway_log();
    }
    let render_metrics = Arc::clone(&metrics);
    let server = MetricsServer::bind(plan.metrics_port, Arc::new(move || render_metrics.render()))
        .await
        .map_err(|source| SupervisorError::MetricsPort {
            port: plan.metrics_port,
            source,
        })?;
    let me = ProcessIdentity::current();
    // Written in state `starting` with the gateway's identity when it is spawned, `ready`
    // once it answers: until then `mine start` holds the lock and waits, and a concurrent
    // `start` meets that lock.
    let mut sidecar = SupervisorState::starting(
        home.sidecar_path(),
        crate::ID,
        &plan.wallet_address,
        plan.gateway.url(),
        server.url(),
        me,
    );
    log.line(&format!(
        "supervisor {} started: gateway {} at {}, metrics {}",
        me.pid,
        plan.gateway.program.display(),
        plan.gateway.url(),
        server.url()
    ));

    let (stop_tx, stop_rx) = watch::channel(false);
    let (alive_tx, alive_rx) = watch::channel(false);
    let miner_loop = MinerLoop {
        log: Some(miner_log),
        gateway_alive: Some(alive_rx),
        resume_after: tuning.resume,
        ..MinerLoop::new(
            miner,
            plan.gateway.address.clone(),
            tuning.poll,
            Arc::clone(&metrics),
        )
    };
    let mut state = Children {
        plan: &plan,
        tuning,
        log: Arc::clone(&log),
        gateway_log,
        metrics: Arc::clone(&metrics),
        gateway: None,
        gateway_restart: None,
        gateway_backoff: Backoff::new(tuning.backoff_initial, tuning.backoff_max),
        gateway_budget: RestartBudget::new(plan.max_restarts_per_hour),
        miner: None,
        miner_restart: None,
        miner_backoff: Backoff::new(tuning.backoff_initial, tuning.backoff_max),
        miner_budget: RestartBudget::new(plan.max_restarts_per_hour),
        miner_loop,
        stop_rx,
        alive_tx,
        lock,
        state_failing: false,
    };
    let outcome = state.run(&mut sidecar, &mut shutdown_signal).await;
    let _ = stop_tx.send(true);
    state.stop_all().await;
    drop(server);
    let written = match &outcome {
        Ok(()) => {
            log.line("supervisor stopped");
            sidecar.remove()
        }
        Err(error) => {
            let why = jarvis_core::error::one_line(error);
            log.line(&format!("supervisor gave up: {why}"));
            sidecar.failed(&why)
        }
    };
    state.lock.release();
    written?;
    outcome
}

fn open_log(plan: &SupervisorPlan, name: &str) -> Result<LogFile, SupervisorError> {
    let path = plan.logs_dir.join(name);
    let secrets = [plan.gateway.password.as_str()];
    LogFile::open(&path, plan.gateway.log_format, &secrets)
        .map_err(|source| SupervisorError::Io { path, source })
}

struct Children<'a> {
    plan: &'a SupervisorPlan,
    tuning: Tuning,
    log: Arc<LogFile>,
    /// The gateways' output (`gateway.log`).
    gateway_log: Arc<LogFile>,
    metrics: Arc<MinerMetrics>,
    gateway: Option<GatewayChild>,
    gateway_restart: Option<tokio::time::Instant>,
    gateway_backoff: Backoff,
    gateway_budget: RestartBudget,
    miner: Option<JoinHandle<Result<(), MinerLoopError>>>,
    miner_restart: Option<tokio::time::Instant>,
    miner_backoff: Backoff,
    miner_budget: RestartBudget,
    miner_loop: MinerLoop,
    stop_rx: watch::Receiver<bool>,
    alive_tx: watch::Sender<bool>,
    lock: LockHandle,
    /// The latest write of the state file failed (reported once, retried every tick).
    state_failing: bool,
}

impl Children<'_> {
    async fn run(
        &mut self,
        sidecar: &mut SupervisorState,
        shutdown: &mut Shutdown,
    ) -> Result<(), SupervisorError> {
        self.start_gateway(sidecar)?;
        self.start_miner();
        let _height = AbortOnDrop(tokio::spawn(poll_template_height(
            self.plan.pearld.clone(),
            Arc::clone(&self.metrics),
        )));
        let mut history = History::new(self.plan);
        let mut tick = tokio::time::interval(self.tuning.tick);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                () = shutdown.wait() => {
                    self.log.line("supervisor: stop requested");
                    return Ok(());
                }
                exit = wait_gateway(&mut self.gateway) => {
                    let ran = self.gateway.take().map(|g| g.spawned.elapsed());
                    self.gateway_down(sidecar, exit, ran)?;
                }
                () = sleep_until(self.gateway_restart) => {
                    self.gateway_restart = None;
                    // A gateway that cannot be spawned (its binary gone) counts as one that
                    // died at once: backed off and budgeted, not the end of the session.
                    if let Err(error) = self.start_gateway(sidecar) {
                        self.gateway_down(sidecar, format!("could not be started again: {error}"), None)?;
                    }
                }
                joined = wait_miner(&mut self.miner) => {
                    self.miner = None;
                    let exit = match joined {
                        Ok(Ok(())) => "miner loop ended".to_owned(),
                        Ok(Err(e)) => e.to_string(),
                        Err(e) => format!("miner task failed: {e}"),
                    };
                    self.log.line(&exit);
                    self.metrics.error(ErrorKind::Miner, &exit);
                    self.metrics.restarted("miner");
                    if !self.miner_budget.allow(unix_now()) {
                        return Err(self.budget_error("miner", &self.miner_budget, exit));
                    }
                    self.miner_restart = Some(tokio::time::Instant::now() + self.miner_backoff.next_delay());
                }
                () = sleep_until(self.miner_restart) => {
                    self.miner_restart = None;
                    self.start_miner();
                }
                _ = tick.tick() => {
                    let now = unix_now();
                    self.metrics.sample_rates(now);
                    history.maybe_record(now, &self.metrics);
                    // Probed until ready, and afterwards whenever the miner finds it down, so a
                    // gateway that breaks the protocol is named at once, never just "down".
                    if self.gateway.is_some() && (!sidecar.is_ready() || !self.metrics.gateway_up()) {
                        match probe(&self.plan.gateway.address, Duration::from_millis(500)).await {
                            Probe::Answers if !sidecar.is_ready() => {
                                sidecar.ready()?;
                                self.lock.release();
                                self.log.line("pearl-gateway answers; supervisor ready");
                            }
                            Probe::Broken(error) if !sidecar.is_ready() => {
                                return Err(SupervisorError::GatewayProtocol(error));
                            }
                            Probe::Broken(error) => {
                                let text = jarvis_core::error::one_line(&error);
                                if self.metrics.last_error().as_deref() != Some(text.as_str()) {
                                    self.log.line(&format!("{text}; mining pauses until it answers in protocol"));
                                    self.metrics.error(ErrorKind::Gateway, &text);
                                }
                            }
                            Probe::Answers | Probe::Silent => {}
                        }
                    }
                    if let Some(text) = self.metrics.last_error() {
                        let written = sidecar.last_error(&text);
                        self.state_written(written, sidecar);
                    }
                    if sidecar.unwritten() {
                        let written = sidecar.retry();
                        self.state_written(written, sidecar);
                    }
                }
            }
        }
    }

    /// The gateway exited (or could not be spawned): mining pauses, and it is restarted after
    /// the backoff unless the restart budget is spent.
    fn gateway_down(
        &mut self,
        sidecar: &mut SupervisorState,
        exit: String,
        ran: Option<Duration>,
    ) -> Result<(), SupervisorError> {
        let _ = self.alive_tx.send(false);
        self.log.line(&format!(
            "pearl-gateway {exit}; mining pauses until it is back"
        ));
        self.metrics
            .error(ErrorKind::Gateway, &format!("pearl-gateway {exit}"));
        self.metrics.restarted("gateway");
        sidecar.gateway_gone();
        if !self.gateway_budget.allow(unix_now()) {
            return Err(self.budget_error("gateway", &self.gateway_budget, exit));
        }
        if ran.is_some_and(|d| d >= self.gateway_backoff.max()) {
            self.gateway_backoff.reset();
        }
        let delay = self.gateway_backoff.next_delay();
        self.log
            .line(&format!("restarting pearl-gateway in {delay:?}"));
        self.gateway_restart = Some(tokio::time::Instant::now() + delay);
        Ok(())
    }

    /// Reports a write of the state file: a failure is logged and exported once (mining goes
    /// on; the tick retries it), and so is the recovery. `Ok` while `sidecar` still holds an
    /// unwritten change means nothing was written (there was no change to write): no recovery.
    fn state_written(&mut self, written: Result<(), SupervisorError>, sidecar: &SupervisorState) {
        match written {
            Err(error) => {
                if !self.state_failing {
                    let text = format!(
                        "cannot write the session state: {error}; mining goes on and the write is retried every tick"
                    );
                    self.log.line(&text);
                    self.metrics.error(ErrorKind::State, &text);
                    self.metrics.set_state_write_failing(true);
                }
                self.state_failing = true;
            }
            Ok(()) if sidecar.unwritten() => {}
            Ok(()) => {
                if self.state_failing {
                    self.log.line("session state written again");
                    self.metrics.set_state_write_failing(false);
                }
                self.state_failing = false;
            }
        }
    }

    fn budget_error(
        &self,
        child: &'static str,
        budget: &RestartBudget,
        last_exit: String,
    ) -> SupervisorError {
        SupervisorError::RestartBudget {
            child,
            restarts: budget.used(),
            limit: budget.limit(),
            last_exit,
        }
    }

    /// Spawns the gateway; only a failed spawn is an error (a failed state write is reported
    /// and retried: the gateway runs and mining goes on).
    fn start_gateway(&mut self, sidecar: &mut SupervisorState) -> Result<(), SupervisorError> {
        let child = GatewayChild::spawn(&self.plan.gateway, &self.gateway_log, &self.metrics)?;
        self.log.line(&format!(
            "pearl-gateway started (pid {})",
            child.identity.pid
        ));
        let written = sidecar.gateway_started(child.identity);
        self.gateway = Some(child);
        let _ = self.alive_tx.send(true);
        self.state_written(written, sidecar);
        Ok(())
    }

    fn start_miner(&mut self) {
        let miner_loop = self.miner_loop.clone();
        let stop = self.stop_rx.clone();
        self.miner = Some(tokio::spawn(miner_loop.run(stop)));
    }

    /// Miner first (it must not submit into a dying gateway), then the gateway.
    async fn stop_all(&mut self) {
        if let Some(miner) = self.miner.take() {
            let _ = tokio::time::timeout(self.tuning.grace, miner).await;
        }
        if let Some(gateway) = self.gateway.take() {
            gateway.terminate(self.tuning.grace).await;
        }
    }
}

async fn wait_gateway(gateway: &mut Option<GatewayChild>) -> String {
    match gateway {
        Some(g) => g.wait().await,
        None => std::future::pending().await,
    }
}

async fn wait_miner(
    miner: &mut Option<JoinHandle<Result<(), MinerLoopError>>>,
) -> Result<Result<(), MinerLoopError>, tokio::task::JoinError> {
    match miner {
        Some(handle) => handle.await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Aborts a background task when the supervisor loop ends.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
