//! The supervisor's live counters and their Prometheus exposition.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use jarvis_core::time::unix_now;
use jarvis_telemetry::names;
use jarvis_telemetry::{Exposition, RateWindows};
use pearl_miner::Counters;
use pearl_protocol::gateway::log::LogEvidence;

/// What failed, as the bounded `kind` label of [`names::LAST_ERROR`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ErrorKind {
    /// pearl-gateway exited.
    Gateway,
    /// The miner loop ended or failed.
    Miner,
    /// A job could not be mined.
    Job,
    /// A proof submission failed.
    Submit,
    /// The state file could not be written.
    State,
}

impl ErrorKind {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Gateway => "gateway",
            ErrorKind::Miner => "miner",
            ErrorKind::Job => "job",
            ErrorKind::Submit => "submit",
            ErrorKind::State => "state",
        }
    }
}

/// Counters shared by the miner loop, the watchdog and the metrics server.
#[derive(Debug)]
pub struct MinerMetrics {
    /// The miner's own counters.
    pub counters: Arc<Counters>,
    proofs_submitted: AtomicU64,
    jobs_total: AtomicU64,
    gateway_up: AtomicBool,
    job_active: AtomicBool,
    state_write_failing: AtomicBool,
    waiting: AtomicBool,
    template_height: AtomicU64,
    threads: usize,
    started_at: f64,
    guarded: Mutex<Guarded>,
}

#[derive(Debug, Default)]
struct Guarded {
    submit_errors: BTreeMap<String, u64>,
    restarts: BTreeMap<&'static str, u64>,
    last_error: Option<String>,
    error_times: BTreeMap<ErrorKind, f64>,
    last_submit_at: Option<f64>,
    rates: RateWindows,
    /// What the gateway's log said; `None` while its lines are not counted (unknown).
    gateway_log: Option<LogEvidence>,
}

impl MinerMetrics {
    /// Fresh metrics for `threads` workers, started now.
    pub fn new(threads: usize) -> Self {
        let mut guarded = Guarded::default();
        guarded.restarts.insert("gateway", 0);
        guarded.restarts.insert("miner", 0);
        Self {
            counters: Arc::new(Counters::default()),
            proofs_submitted: AtomicU64::new(0),
            jobs_total: AtomicU64::new(0),
            gateway_up: AtomicBool::new(false),
            job_active: AtomicBool::new(false),
            state_write_failing: AtomicBool::new(false),
            waiting: AtomicBool::new(false),
            template_height: AtomicU64::new(0),
            threads,
            started_at: unix_now(),
            guarded: Mutex::new(guarded),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Guarded> {
        self.guarded.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts an accepted submission.
    pub fn submitted(&self) {
        self.proofs_submitted.fetch_add(1, Ordering::Relaxed);
        self.lock().last_submit_at = Some(unix_now());
    }

    /// Counts blocks from the gateway's log from now on: call when its log level lets
    /// `Block accepted by node!` through, so that no line means none.
    pub fn count_gateway_log(&self) {
        self.lock()
            .gateway_log
            .get_or_insert_with(LogEvidence::default);
    }

    /// Reads one line of the gateway's output (ignored unless [`Self::count_gateway_log`]).
    pub fn gateway_log_line(&self, line: &str) {
        if let Some(evidence) = self.lock().gateway_log.as_mut() {
            evidence.observe(line);
        }
    }

    /// Blocks pearld accepted, as the gateway logged; `None` when not counted.
    pub fn blocks_accepted(&self) -> Option<u64> {
        self.lock().gateway_log.as_ref().map(|e| e.blocks_accepted)
    }

    /// Counts a failed submission under `code` and remembers the error.
    pub fn submit_failed(&self, code: &str, error: &str) {
        *self
            .lock()
            .submit_errors
            .entry(code.to_owned())
            .or_default() += 1;
        self.error(ErrorKind::Submit, error);
    }

    /// Remembers the latest error: its kind (exported) and its text (for status).
    pub fn error(&self, kind: ErrorKind, error: &str) {
        let mut g = self.lock();
        g.last_error = Some(error.to_owned());
        g.error_times.insert(kind, unix_now());
    }

    /// The latest error's text.
    pub fn last_error(&self) -> Option<String> {
        self.lock().last_error.clone()
    }

    /// Counts a restart of `child` (`gateway` or `miner`).
    pub fn restarted(&self, child: &'static str) {
        *self.lock().restarts.entry(child).or_default() += 1;
    }

    /// Sets the gateway and job state and the job count (from the poller).
    pub fn set_gateway(&self, up: bool, job_active: bool, jobs_total: u64) {
        self.gateway_up.store(up, Ordering::Relaxed);
        self.job_active.store(job_active, Ordering::Relaxed);
        self.jobs_total.store(jobs_total, Ordering::Relaxed);
    }

    /// Sets whether the latest write of the state file failed.
    pub fn set_state_write_failing(&self, failing: bool) {
        self.state_write_failing.store(failing, Ordering::Relaxed);
    }

    /// Sets whether mining waits because the gateway took a proof for the current header.
    pub fn set_waiting(&self, waiting: bool) {
        self.waiting.store(waiting, Ordering::Relaxed);
    }

    /// Whether mining waits for a new job after a taken proof.
    pub fn waiting(&self) -> bool {
        self.waiting.load(Ordering::Relaxed)
    }

    /// Winning tiles not submitted because their header already had a proof.
    pub fn wins_skipped(&self) -> u64 {
        self.counters.wins_skipped.load(Ordering::Relaxed)
    }

    /// Sets the height of the block being mined.
    pub fn set_template_height(&self, height: u64) {
        self.template_height.store(height, Ordering::Relaxed);
    }

    /// Height of the block being mined; `None` until pearld answered.
    pub fn template_height(&self) -> Option<u64> {
        Some(self.template_height.load(Ordering::Relaxed)).filter(|h| *h > 0)
    }

    /// Records the MAC counter for the hashrate windows (call once per tick).
    pub fn sample_rates(&self, at: f64) {
        let macs = self.counters.mac_total.load(Ordering::Relaxed);
        self.lock().rates.push(at, macs);
    }

    /// Proofs accepted by the gateway so far.
    pub fn proofs_submitted(&self) -> u64 {
        self.proofs_submitted.load(Ordering::Relaxed)
    }

    /// Restarts of every child so far.
    pub fn restarts_total(&self) -> u64 {
        self.lock().restarts.values().sum()
    }

    /// Failed submissions so far.
    pub fn submit_errors_total(&self) -> u64 {
        self.lock().submit_errors.values().sum()
    }

    /// Whether the gateway answers.
    pub fn gateway_up(&self) -> bool {
        self.gateway_up.load(Ordering::Relaxed)
    }

    /// The Prometheus text body.
    pub fn render(&self) -> String {
        let c = &self.counters;
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed) as f64;
        let flag = |b: &AtomicBool| if b.load(Ordering::Relaxed) { 1.0 } else { 0.0 };
        let mut out = Exposition::new();
        out.single(
            names::MAC_TOTAL,
            "counter",
            "Multiply-accumulates done by the miner.",
            load(&c.mac_total),
        )
        .single(
            names::TILES_TOTAL,
            "counter",
            "Tiles scanned.",
            load(&c.tiles_total),
        )
        .single(
            names::PROOFS_FOUND,
            "counter",
            "Proofs found and self-verified.",
            load(&c.proofs_found),
        )
        .single(
            names::PROOFS_SUBMITTED,
            "counter",
            "Proofs pearl-gateway queued.",
            load(&self.proofs_submitted),
        )
        .single(
            names::WINS_SKIPPED,
            "counter",
            "Winning tiles not submitted because their header already had a proof.",
            load(&c.wins_skipped),
        )
        .single(
            names::JOBS,
            "counter",
            "Mining jobs received.",
            load(&self.jobs_total),
        )
        .single(
            names::GATEWAY_UP,
            "gauge",
            "1 while pearl-gateway answers.",
            flag(&self.gateway_up),
        )
        .single(
            names::JOB_ACTIVE,
            "gauge",
            "1 while a job is mined.",
            flag(&self.job_active),
        )
        .single(
            names::STATE_WRITE_FAILING,
            "gauge",
            "1 while the state file cannot be written (mining goes on).",
            flag(&self.state_write_failing),
        )
        .single(
            names::HEADER_SUBMITTED,
            "gauge",
            "1 while mining waits for a new job: the gateway took a proof for this header.",
            flag(&self.waiting),
        )
        .single(
            names::THREADS,
            "gauge",
            "Miner threads.",
            self.threads as f64,
        )
        .single(
            names::START_TIME,
            "gauge",
            "Supervisor start, unix seconds.",
            self.started_at,
        );
        let height = self.template_height.load(Ordering::Relaxed);
        if height > 0 {
            out.single(
                names::TEMPLATE_HEIGHT,
                "gauge",
                "Height of the block being mined.",
                height as f64,
            );
        }
        let g = self.lock();
        out.family(
            names::SUBMIT_ERRORS,
            "counter",
            "Failed proof submissions by code.",
        );
        for (code, n) in &g.submit_errors {
            out.sample(names::SUBMIT_ERRORS, &[("code", code)], *n as f64);
        }
        out.family(names::RESTARTS, "counter", "Supervisor restarts by child.");
        for (child, n) in &g.restarts {
            out.sample(names::RESTARTS, &[("child", child)], *n as f64);
        }
        out.family(
            names::HASHRATE,
            "gauge",
            "MAC/s by window; absent until the window filled.",
        );
        for (label, rate) in names::WINDOW_LABELS.iter().zip(g.rates.windows()) {
            if let Some(rate) = rate {
                out.sample(names::HASHRATE, &[("window", label)], rate);
            }
        }
        if let Some(evidence) = &g.gateway_log {
            out.single(
                names::BLOCKS_ACCEPTED,
                "counter",
                "Blocks pearld accepted, as pearl-gateway logged them.",
                evidence.blocks_accepted as f64,
            )
            .single(
                names::BLOCKS_REJECTED,
                "counter",
                "Blocks pearld rejected, as pearl-gateway logged them.",
                evidence.blocks_rejected as f64,
            );
        }
        if let Some(at) = g.last_submit_at {
            out.single(
                names::LAST_SUBMIT,
                "gauge",
                "Last accepted submission, unix seconds.",
                at,
            );
        }
        if !g.error_times.is_empty() {
            out.family(
                names::LAST_ERROR,
                "gauge",
                "Unix time of the latest error of each kind; the text is in the logs and `jarvis mine status`.",
            );
            for (kind, at) in &g.error_times {
                out.sample(names::LAST_ERROR, &[("kind", kind.as_str())], *at);
            }
        }
        drop(g);
        out.finish()
    }
}
