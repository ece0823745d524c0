//! The `jarvis_mining_*` metric names: the one place they are spelled. The cpu-pearl exporter
//! writes them and `mine status` reads them back.

/// Multiply-accumulates done.
pub const MAC_TOTAL: &str = "jarvis_mining_mac_total";
/// Tiles scanned.
pub const TILES_TOTAL: &str = "jarvis_mining_tiles_total";
/// Proofs found and self-verified.
pub const PROOFS_FOUND: &str = "jarvis_mining_proofs_found_total";
/// Proofs the gateway took.
pub const PROOFS_SUBMITTED: &str = "jarvis_mining_proofs_submitted_total";
/// Failed submissions, by `code`.
pub const SUBMIT_ERRORS: &str = "jarvis_mining_submit_errors_total";
/// Winning tiles not submitted because their header already had a proof (Pearl's gateway
/// builds one block per header).
pub const WINS_SKIPPED: &str = "jarvis_mining_wins_skipped_total";
/// 1 while mining waits for a new job because the gateway took a proof for this header.
pub const HEADER_SUBMITTED: &str = "jarvis_mining_header_submitted";
/// Blocks pearld accepted, as pearl-gateway's log says (`Block accepted by node!`); absent
/// when the gateway's log level hides those lines (unknown, not zero).
pub const BLOCKS_ACCEPTED: &str = "jarvis_mining_blocks_accepted_total";
/// Blocks pearld rejected, as pearl-gateway's log says (`Block rejected: <reason>`); absent
/// like [`BLOCKS_ACCEPTED`].
pub const BLOCKS_REJECTED: &str = "jarvis_mining_blocks_rejected_total";
/// New jobs received.
pub const JOBS: &str = "jarvis_mining_jobs_total";
/// 1 while the gateway answers.
pub const GATEWAY_UP: &str = "jarvis_mining_gateway_up";
/// 1 while a job is being mined.
pub const JOB_ACTIVE: &str = "jarvis_mining_job_active";
/// Child restarts, by `child`.
pub const RESTARTS: &str = "jarvis_mining_restarts_total";
/// MAC/s by `window` (10s, 60s, 15m), present only once the window has filled.
pub const HASHRATE: &str = "jarvis_mining_hashrate_macs";
/// Unix time of the last accepted submission.
pub const LAST_SUBMIT: &str = "jarvis_mining_last_submit_timestamp_seconds";
/// Unix time of the latest error of each `kind` (`ErrorKind` in jarvis-cpu-pearl); the text is in the
/// logs and the sidecar, never in a label (unbounded cardinality).
pub const LAST_ERROR: &str = "jarvis_mining_last_error_info";
/// 1 while the supervisor cannot write its state file (`runtime/mining.json`): mining goes
/// on, the write is retried every tick, and `mine status` says so.
pub const STATE_WRITE_FAILING: &str = "jarvis_mining_state_write_failing";
/// Miner threads.
pub const THREADS: &str = "jarvis_mining_threads";
/// Height of the block being mined (pearld's tip + 1); absent until pearld answered.
pub const TEMPLATE_HEIGHT: &str = "jarvis_mining_template_height";
/// Supervisor start time.
pub const START_TIME: &str = "process_start_time_seconds";
/// The hashrate window labels, in [`crate::RATE_WINDOWS`] order.
pub const WINDOW_LABELS: [&str; 3] = ["10s", "60s", "15m"];
