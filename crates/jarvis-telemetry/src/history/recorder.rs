//! `HistoryRecorder`: the history store behind a wall that never fails its caller.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use super::sample::Sample;
use super::store::{HistoryError, HistoryStore};

/// Prune at most this often (seconds of sample time).
const PRUNE_EVERY_S: f64 = 3600.0;

/// Whether the recorder is writing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "reason", rename_all = "snake_case")]
pub enum HistoryState {
    /// Samples are being written.
    Recording,
    /// The last attempt failed; the next `record` tries again.
    Unavailable(String),
}

impl std::fmt::Display for HistoryState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HistoryState::Recording => f.write_str("history recording"),
            HistoryState::Unavailable(why) => write!(f, "history unavailable: {why}"),
        }
    }
}

/// Records samples and applies retention; swallows every error into [`HistoryState`].
#[derive(Debug)]
pub struct HistoryRecorder {
    path: PathBuf,
    retention_s: f64,
    store: Option<HistoryStore>,
    state: HistoryState,
    last_prune_at: Option<f64>,
}

impl HistoryRecorder {
    /// A recorder for the database at `path` keeping `retention` of history. Opens the file
    /// now; a failure only shows in [`HistoryRecorder::state`].
    pub fn open(path: &Path, retention: Duration) -> HistoryRecorder {
        let mut recorder = HistoryRecorder {
            path: path.to_path_buf(),
            retention_s: retention.as_secs_f64(),
            store: None,
            state: HistoryState::Recording,
            last_prune_at: None,
        };
        recorder.ensure_open();
        recorder
    }

    /// Writes `sample` (and prunes old samples about once an hour). Never fails: an error
    /// turns the state into "history unavailable" and the next call retries.
    pub fn record(&mut self, sample: &Sample) {
        if !self.ensure_open() {
            return;
        }
        let result = self.store.as_ref().map_or(Ok(()), |store| {
            store.record(sample)?;
            let due = self
                .last_prune_at
                .is_none_or(|last| sample.at - last >= PRUNE_EVERY_S);
            if due && sample.at.is_finite() {
                store.prune(sample.at - self.retention_s)?;
                self.last_prune_at = Some(sample.at);
            }
            Ok(())
        });
        self.settle(result);
    }

    /// Whether the last operation worked.
    pub fn state(&self) -> &HistoryState {
        &self.state
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn ensure_open(&mut self) -> bool {
        if self.store.is_some() {
            return true;
        }
        match HistoryStore::open(&self.path) {
            Ok(store) => {
                self.store = Some(store);
                self.state = HistoryState::Recording;
                true
            }
            Err(e) => {
                self.state = HistoryState::Unavailable(one_line(&e));
                false
            }
        }
    }

    fn settle(&mut self, result: Result<(), HistoryError>) {
        match result {
            Ok(()) => self.state = HistoryState::Recording,
            Err(e) => {
                // A locked file stays open; anything else is reopened on the next sample.
                if !matches!(e, HistoryError::Locked { .. }) {
                    self.store = None;
                }
                self.state = HistoryState::Unavailable(one_line(&e));
            }
        }
    }
}

/// `err` and its causes on one line (`cannot create /x: Permission denied (os error 13)`).
fn one_line(err: &HistoryError) -> String {
    let mut line = err.to_string();
    let mut cause = std::error::Error::source(err);
    while let Some(e) = cause {
        line.push_str(": ");
        line.push_str(&e.to_string());
        cause = e.source();
    }
    line
}
