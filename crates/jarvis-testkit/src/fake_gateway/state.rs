//! The fake gateway's mutable state, options, faults and recorded submissions.

use std::collections::{HashSet, VecDeque};
use std::fs::File;
use std::io::{self, Write as _};
use std::path::PathBuf;

use pearl_protocol::MiningJob;

use super::jobs::easy_job;

/// A misbehaviour applied to the reply of the next request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Reply with a line that is not JSON.
    Garbage,
    /// Reply with one line longer than 1 MiB.
    OversizedLine,
    /// Close the connection instead of replying.
    Close,
    /// Never reply (the connection stays open).
    Hang,
    /// Process the request but reply with a different id.
    WrongId,
    /// Reply -32000 "proof submission queue full" without processing the request.
    QueueFull,
}

/// Settings of a [`super::FakeGateway`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeGatewayOptions {
    /// The job served at start (default: [`easy_job`]).
    pub job: Option<MiningJob>,
    /// Start paused (`getMiningInfo` answers -32001).
    pub paused: bool,
    /// Submission queue capacity (the real default `GATEWAY_PROOF_MAX_PENDING` is 64).
    pub queue_capacity: usize,
    /// Append one JSON line per submission to this file.
    pub record_path: Option<PathBuf>,
}

impl Default for FakeGatewayOptions {
    fn default() -> Self {
        Self {
            job: None,
            paused: false,
            queue_capacity: 64,
            record_path: None,
        }
    }
}

/// One proof submission the fake accepted on the wire, and what the verifier said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// The `mining_job` exactly as the client sent it.
    pub job_raw: String,
    /// The `plain_proof` base64 as sent.
    pub proof_b64: String,
    /// `Ok(())` when the proof verifies against the current job and is the first for its
    /// header; otherwise why not (stale, already submitted, rejected by the verifier).
    pub verdict: Result<(), String>,
}

#[derive(Debug)]
pub(crate) struct State {
    pub(crate) job: Option<MiningJob>,
    pub(crate) paused: bool,
    pub(crate) queue_capacity: usize,
    pub(crate) queued: usize,
    pub(crate) hold_queue: bool,
    pub(crate) faults: VecDeque<Fault>,
    pub(crate) submissions: Vec<Submission>,
    pub(crate) requests: Vec<String>,
    /// Headers a verified proof already made a block for.
    pub(crate) blocks_built: HashSet<[u8; 76]>,
    record: Option<File>,
}

impl State {
    pub(crate) fn new(options: FakeGatewayOptions) -> io::Result<Self> {
        let record = match &options.record_path {
            Some(path) => Some(File::options().create(true).append(true).open(path)?),
            None => None,
        };
        Ok(Self {
            job: Some(options.job.unwrap_or_else(easy_job)),
            paused: options.paused,
            queue_capacity: options.queue_capacity,
            queued: 0,
            hold_queue: false,
            faults: VecDeque::new(),
            submissions: Vec::new(),
            requests: Vec::new(),
            blocks_built: HashSet::new(),
            record,
        })
    }

    /// The job `getMiningInfo` serves, if not paused.
    pub(crate) fn serving(&self) -> Option<&MiningJob> {
        if self.paused { None } else { self.job.as_ref() }
    }

    /// Stores a submission and appends it to the record file (errors there are ignored:
    /// the record is a test aid, and the wire reply must not depend on it).
    pub(crate) fn record(&mut self, submission: Submission) {
        if let Some(file) = self.record.as_mut() {
            // One write per line: `writeln!` on a bare File issues several, and a test polling
            // the file could read half a line.
            let line = format!("{}\n", record_line(&submission));
            let _ = file.write_all(line.as_bytes());
        }
        if self.hold_queue {
            self.queued += 1;
        }
        self.submissions.push(submission);
    }
}

/// `{"mining_job": <raw>, "plain_proof": "...", "verdict": "ok"|"rejected", "reason": ...}`.
fn record_line(submission: &Submission) -> String {
    let proof = serde_json::Value::String(submission.proof_b64.clone());
    let (verdict, reason) = match &submission.verdict {
        Ok(()) => ("ok", serde_json::Value::Null),
        Err(reason) => ("rejected", serde_json::Value::String(reason.clone())),
    };
    format!(
        r#"{{"mining_job": {}, "plain_proof": {proof}, "verdict": "{verdict}", "reason": {reason}}}"#,
        submission.job_raw
    )
}
