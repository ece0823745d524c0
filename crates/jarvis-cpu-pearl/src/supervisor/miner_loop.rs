//! The native miner loop: poll jobs, mine on blocking threads, submit proofs, and wait
//! (never spin) while the gateway is down, paused or serves a job we cannot mine.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use pearl_miner::{CancelToken, Found, Job, MineError, Miner};
use pearl_protocol::gateway::GatewayAddress;
use pearl_protocol::{MiningJob, TargetMismatch};
use pearl_rpc::gateway::{
    GatewayClient, GatewayError, JobPoller, PollerConfig, SubmitOutcome, SubmitPolicy,
    submit_with_policy,
};
use tokio::sync::watch;

use super::hold::{DEFAULT_RESUME_AFTER, HeaderHold, HoldCheck};
use super::logfile::LogFile;
use super::metrics::{ErrorKind, MinerMetrics};

/// How the miner loop ended abnormally.
#[derive(Debug, thiserror::Error)]
pub enum MinerLoopError {
    /// A miner thread panicked (a bug); the supervisor restarts the loop.
    #[error("a miner thread panicked: {0}; the supervisor restarts the miner")]
    Panicked(String),
}

/// A job the loop will not mine (it waits for the next one).
#[derive(Debug, thiserror::Error)]
pub enum JobRefused {
    /// The job's `target` field is not its header's nbits target: Pearl judges proofs by the
    /// header, so mining to either bound would be a guess.
    #[error("refusing a job whose target field disagrees with its header")]
    TargetMismatch(#[source] TargetMismatch),
}

/// One miner loop bound to a gateway.
#[derive(Clone)]
pub struct MinerLoop {
    /// The miner (shape, threads, kernel).
    pub miner: Arc<Miner>,
    /// The gateway's miner RPC.
    pub address: GatewayAddress,
    /// `getMiningInfo` interval.
    pub poll: Duration,
    /// Shared telemetry.
    pub metrics: Arc<MinerMetrics>,
    /// `false` while the supervisor knows the gateway is dead: mining pauses at once.
    pub gateway_alive: Option<watch::Receiver<bool>>,
    /// After the gateway took a proof for a header, how long mining waits for a new job
    /// before it mines that header again.
    pub resume_after: Duration,
    pub(crate) log: Option<Arc<LogFile>>,
}

impl std::fmt::Debug for MinerLoop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MinerLoop")
            .field("address", &self.address)
            .field("poll", &self.poll)
            .finish_non_exhaustive()
    }
}

/// What mining one job ended with.
enum Round {
    Found(Box<Found>),
    JobChanged,
    Shutdown,
    Failed(MineError),
}

impl MinerLoop {
    /// A loop without a log file (tests); the supervisor adds its `miner.log`.
    pub fn new(
        miner: Miner,
        address: GatewayAddress,
        poll: Duration,
        metrics: Arc<MinerMetrics>,
    ) -> Self {
        Self {
            miner: Arc::new(miner),
            address,
            poll,
            metrics,
            gateway_alive: None,
            resume_after: DEFAULT_RESUME_AFTER,
            log: None,
        }
    }

    fn log(&self, message: &str) {
        if let Some(log) = &self.log {
            log.line(message);
        }
    }

    fn gateway_alive(&self) -> bool {
        self.gateway_alive
            .as_ref()
            .is_none_or(|alive| *alive.borrow())
    }

    /// Runs until `shutdown` turns true (or its sender is dropped).
    pub async fn run(mut self, mut shutdown: watch::Receiver<bool>) -> Result<(), MinerLoopError> {
        let poller = JobPoller::spawn(
            self.address.clone(),
            PollerConfig {
                interval: self.poll,
                ..PollerConfig::default()
            },
        );
        let mut jobs = poller.subscribe();
        let mut submitter: Option<GatewayClient> = None;
        let mut refused: Option<MiningJob> = None;
        let mut hold = HeaderHold::new(self.resume_after);
        // After a submission lost its connection: wait for the poller's next connection.
        let mut stalled_at: Option<u64> = None;
        self.log(&format!(
            "miner: {} threads, kernel {}, shape m={} n={} k={} r={}, gateway {}",
            self.miner.threads(),
            self.miner.kernel().name(),
            self.miner.shape().m,
            self.miner.shape().n,
            self.miner.shape().k,
            self.miner.shape().rank,
            self.address
        ));
        loop {
            if *shutdown.borrow() {
                break;
            }
            let job = jobs.borrow_and_update().clone();
            let status = poller.status();
            if stalled_at.is_some_and(|n| status.connected && status.connects_total > n) {
                stalled_at = None;
            }
            let usable = self.gateway_alive() && stalled_at.is_none();
            let minable = job
                .as_ref()
                .filter(|_| usable)
                .filter(|j| !refused.as_ref().is_some_and(|r| same_job(r, j)));
            if !usable {
                // A dead gateway's queue is gone, and the proof with it.
                hold.release();
            }
            let waiting = match minable {
                Some(job) => self.hold_check(&mut hold, job, status.connects_total),
                None => None,
            };
            self.metrics.set_waiting(waiting.is_some());
            self.metrics.set_gateway(
                status.connected,
                minable.is_some() && waiting.is_none(),
                status.jobs_total,
            );
            if let Some(until) = waiting {
                // The gateway has this header's proof: wait for the next job or the deadline,
                // looking at the poller's connection once per poll interval.
                let wake = until.min(tokio::time::Instant::now() + self.poll);
                tokio::select! {
                    _ = jobs.changed() => {}
                    _ = shutdown.changed() => {}
                    () = alive_changed(&mut self.gateway_alive) => {}
                    () = tokio::time::sleep_until(wake) => {}
                }
                continue;
            }
            let Some(job) = minable.cloned() else {
                // No job (gateway down or paused) or one we cannot mine: wait for a change.
                tokio::select! {
                    _ = jobs.changed() => {}
                    _ = shutdown.changed() => {}
                    () = alive_changed(&mut self.gateway_alive) => {}
                    () = tokio::time::sleep(self.poll) => {}
                }
                continue;
            };
            if let Err(mismatch) = job.check_target() {
                let refusal = JobRefused::TargetMismatch(mismatch);
                let message = format!("{refusal}: {}", source_text(&refusal));
                self.log(&format!("miner: {message}; waiting for the next job"));
                self.metrics.error(ErrorKind::Job, &message);
                refused = Some(job);
                continue;
            }
            let mut alive = self.gateway_alive.take();
            let round = self
                .mine_round(&job, &mut jobs, &mut shutdown, &mut alive)
                .await;
            self.gateway_alive = alive;
            match round? {
                Round::Found(found) => {
                    if hold.holds(&job, tokio::time::Instant::now()) {
                        self.metrics
                            .counters
                            .wins_skipped
                            .fetch_add(1, Ordering::Relaxed);
                    } else {
                        match self.submit(&mut submitter, &job, &found).await {
                            Submitted::Taken => hold.taken(
                                &job,
                                tokio::time::Instant::now(),
                                poller.status().connects_total,
                            ),
                            Submitted::Refused => {}
                            Submitted::Lost => {
                                stalled_at = Some(poller.status().connects_total);
                            }
                        }
                    }
                }
                Round::JobChanged => {}
                Round::Shutdown => break,
                Round::Failed(error) => {
                    let message = format!("cannot mine this job: {error}");
                    self.log(&format!("miner: {message}; waiting for the next job"));
                    self.metrics.error(ErrorKind::Job, &message);
                    refused = Some(job);
                }
            }
        }
        self.metrics
            .set_gateway(false, false, poller.status().jobs_total);
        self.metrics.set_waiting(false);
        poller.stop().await;
        Ok(())
    }

    /// `Some(deadline)` while `job`'s header has a taken proof; logs a resumption.
    fn hold_check(
        &self,
        hold: &mut HeaderHold,
        job: &MiningJob,
        connection: u64,
    ) -> Option<tokio::time::Instant> {
        match hold.check(job, tokio::time::Instant::now(), connection) {
            HoldCheck::Mine => None,
            HoldCheck::Wait(until) => Some(until),
            HoldCheck::Resumed => {
                self.log(&format!(
                    "miner: no new job {} s after the proof was taken; mining this header again",
                    self.resume_after.as_secs()
                ));
                None
            }
        }
    }

    async fn mine_round(
        &self,
        job: &MiningJob,
        jobs: &mut watch::Receiver<Option<MiningJob>>,
        shutdown: &mut watch::Receiver<bool>,
        alive: &mut Option<watch::Receiver<bool>>,
    ) -> Result<Round, MinerLoopError> {
        let cancel = CancelToken::new();
        let miner = Arc::clone(&self.miner);
        let counters = Arc::clone(&self.metrics.counters);
        let (task_job, task_cancel) = (Job::from(job), cancel.clone());
        let mut handle =
            tokio::task::spawn_blocking(move || miner.mine(&task_job, &task_cancel, &counters));
        let interrupted = tokio::select! {
            result = &mut handle => return finish(result),
            _ = jobs.changed() => Round::JobChanged,
            _ = shutdown.changed() => Round::Shutdown,
            () = alive_changed(alive) => Round::JobChanged,
        };
        cancel.cancel();
        // A proof found just before the cancel still counts; submit it only if the job stands.
        match finish(handle.await)? {
            Round::Found(found) if matches!(interrupted, Round::JobChanged) => {
                if jobs.borrow().as_ref().is_some_and(|j| same_job(j, job)) {
                    return Ok(Round::Found(found));
                }
                Ok(Round::JobChanged)
            }
            _ => Ok(interrupted),
        }
    }

    /// Submits `found`, and says what became of it.
    async fn submit(
        &self,
        client: &mut Option<GatewayClient>,
        job: &MiningJob,
        found: &Found,
    ) -> Submitted {
        let result = async {
            let c = match client {
                Some(c) => c,
                None => client.insert(
                    GatewayClient::connect(self.address.clone(), Duration::from_secs(10)).await?,
                ),
            };
            submit_with_policy(c, job, &found.proof, SubmitPolicy::default()).await
        }
        .await;
        match result {
            Ok(SubmitOutcome::Submitted) => {
                self.metrics.submitted();
                self.log(
                    "miner: proof found and submitted; waiting for the next job (one proof per header)",
                );
                Submitted::Taken
            }
            Ok(SubmitOutcome::Other(raw)) => {
                self.metrics.submitted();
                self.log(&format!(
                    "miner: proof submitted; gateway answered {raw}; waiting for the next job"
                ));
                Submitted::Taken
            }
            Err(error) => {
                let code = error_code(&error);
                self.log(&format!("miner: submission failed ({code}): {error}"));
                self.metrics.submit_failed(&code, &error.to_string());
                if error.drops_connection() {
                    *client = None;
                    self.log("miner: lost the gateway; mining pauses until it answers again");
                    return Submitted::Lost;
                }
                Submitted::Refused
            }
        }
    }
}

/// What became of a submission.
enum Submitted {
    /// The gateway took it: this header is done.
    Taken,
    /// The gateway refused it (queue full, bad params): keep mining.
    Refused,
    /// The connection was lost: wait for the poller to reconnect.
    Lost,
}

fn finish(
    result: Result<Result<Option<Found>, MineError>, tokio::task::JoinError>,
) -> Result<Round, MinerLoopError> {
    match result {
        Ok(Ok(Some(found))) => Ok(Round::Found(Box::new(found))),
        Ok(Ok(None)) => Ok(Round::Shutdown),
        Ok(Err(error)) => Ok(Round::Failed(error)),
        Err(join) => Err(MinerLoopError::Panicked(join.to_string())),
    }
}

/// The `code` label of a failed submission: the JSON-RPC code, or the kind of failure.
pub(crate) fn error_code(error: &GatewayError) -> String {
    match error {
        GatewayError::Paused { .. } => pearl_protocol::gateway::CODE_MINING_PAUSED.to_string(),
        GatewayError::QueueFull { .. } => pearl_protocol::gateway::CODE_SERVER_ERROR.to_string(),
        GatewayError::Rpc { code, .. } => code.to_string(),
        GatewayError::Connect { .. } | GatewayError::Closed { .. } => "connection".to_owned(),
        GatewayError::Timeout { .. } => "timeout".to_owned(),
        GatewayError::Protocol { .. } => "protocol".to_owned(),
        _ => "other".to_owned(),
    }
}

/// The cause of `error`, printed once after it.
fn source_text(error: &dyn std::error::Error) -> String {
    error.source().map(ToString::to_string).unwrap_or_default()
}

fn same_job(a: &MiningJob, b: &MiningJob) -> bool {
    a.header == b.header && a.cert_version == b.cert_version && a.target == b.target
}

/// Resolves when the gateway-alive flag changes; never when there is none or it closed.
async fn alive_changed(alive: &mut Option<watch::Receiver<bool>>) {
    match alive {
        Some(rx) => {
            if rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending().await,
    }
}
