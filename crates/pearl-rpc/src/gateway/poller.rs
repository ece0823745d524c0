//! `JobPoller`: polls `getMiningInfo` on one persistent connection and publishes the job.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use pearl_protocol::MiningJob;
use pearl_protocol::gateway::GatewayAddress;

use super::client::GatewayClient;
use super::error::GatewayError;

/// Timing of a [`JobPoller`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollerConfig {
    /// Pause between successful polls (reference client: 1 s).
    pub interval: Duration,
    /// Timeout of the connect and of each call.
    pub call_timeout: Duration,
    /// First back-off after a failure; doubles per consecutive failure.
    pub backoff_initial: Duration,
    /// Back-off cap.
    pub backoff_max: Duration,
    /// Consecutive failed polls after which the job is withdrawn (`None`); reference: 3.
    pub failures_to_retire: u32,
}

impl Default for PollerConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(1),
            call_timeout: Duration::from_secs(5),
            backoff_initial: Duration::from_millis(250),
            backoff_max: Duration::from_secs(10),
            failures_to_retire: 3,
        }
    }
}

/// A snapshot of the poller for telemetry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollerStatus {
    /// Whether the poll connection is open.
    pub connected: bool,
    /// New jobs published so far (a header change counts as a new job).
    pub jobs_total: u64,
    /// Connections opened so far (the first one included).
    pub connects_total: u64,
    /// The most recent failure, rendered.
    pub last_error: Option<String>,
    /// Failed polls (or connects) since the last successful one.
    pub consecutive_failures: u32,
}

/// Background task polling the gateway; dropping it (or [`JobPoller::stop`]) stops polling.
#[derive(Debug)]
pub struct JobPoller {
    jobs: watch::Receiver<Option<MiningJob>>,
    status: Arc<Mutex<PollerStatus>>,
    task: JoinHandle<()>,
}

impl JobPoller {
    /// Starts polling `address`; must be called inside a tokio runtime (like `tokio::spawn`).
    pub fn spawn(address: GatewayAddress, config: PollerConfig) -> Self {
        let (sender, jobs) = watch::channel(None);
        let status = Arc::new(Mutex::new(PollerStatus::default()));
        let state = PollState {
            address,
            config,
            sender,
            status: Arc::clone(&status),
            backoff: config.backoff_initial,
        };
        let task = tokio::spawn(state.run());
        Self { jobs, status, task }
    }

    /// A receiver of the current job; it changes when a new job arrives or the job is withdrawn.
    pub fn subscribe(&self) -> watch::Receiver<Option<MiningJob>> {
        self.jobs.clone()
    }

    /// The job published now.
    pub fn current_job(&self) -> Option<MiningJob> {
        self.jobs.borrow().clone()
    }

    /// Telemetry snapshot.
    pub fn status(&self) -> PollerStatus {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Stops polling and waits for the task to end.
    pub async fn stop(self) {
        self.task.abort();
        // The task only ends by abort; a JoinError "cancelled" is the expected outcome.
        let _ = (&mut { self }.task).await;
    }
}

impl Drop for JobPoller {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct PollState {
    address: GatewayAddress,
    config: PollerConfig,
    sender: watch::Sender<Option<MiningJob>>,
    status: Arc<Mutex<PollerStatus>>,
    backoff: Duration,
}

impl PollState {
    async fn run(mut self) {
        loop {
            match GatewayClient::connect(self.address.clone(), self.config.call_timeout).await {
                Ok(client) => {
                    self.update(|s| {
                        s.connected = true;
                        s.connects_total += 1;
                    });
                    self.poll_connected(client).await;
                    self.update(|s| s.connected = false);
                }
                Err(error) => self.failed(&error),
            }
            self.back_off().await;
        }
    }

    /// Polls until the connection is lost.
    async fn poll_connected(&mut self, mut client: GatewayClient) {
        loop {
            match client.get_mining_info().await {
                Ok(job) => {
                    self.backoff = self.config.backoff_initial;
                    self.publish(job);
                    tokio::time::sleep(self.config.interval).await;
                }
                Err(error) => {
                    self.failed(&error);
                    if !client.is_connected() {
                        return;
                    }
                    // Paused or another error reply: the connection is fine, back off.
                    self.back_off().await;
                }
            }
        }
    }

    fn publish(&self, job: MiningJob) {
        let changed = self.sender.send_if_modified(|current| {
            let same = current.as_ref().is_some_and(|old| {
                old.header == job.header && old.cert_version == job.cert_version
            });
            if !same {
                *current = Some(job);
            }
            !same
        });
        self.update(|s| {
            s.consecutive_failures = 0;
            if changed {
                s.jobs_total += 1;
            }
        });
    }

    fn failed(&self, error: &GatewayError) {
        let mut failures = 0;
        self.update(|s| {
            s.consecutive_failures = s.consecutive_failures.saturating_add(1);
            s.last_error = Some(error.to_string());
            failures = s.consecutive_failures;
        });
        if failures >= self.config.failures_to_retire {
            self.sender
                .send_if_modified(|current| current.take().is_some());
        }
    }

    async fn back_off(&mut self) {
        tokio::time::sleep(self.backoff).await;
        self.backoff = (self.backoff * 2).min(self.config.backoff_max);
    }

    fn update(&self, change: impl FnOnce(&mut PollerStatus)) {
        change(&mut self.status.lock().unwrap_or_else(PoisonError::into_inner));
    }
}
