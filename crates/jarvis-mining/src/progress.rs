//! Progress of long provider work, reported as events the CLI draws (or hides).

/// Progress of long provider work (image pulls and builds, waiting for readiness).
pub trait Progress: Send + Sync {
    /// Reports one event.
    fn event(&self, event: ProgressEvent);
}

/// A progress event; the CLI decides how (and whether) to draw it.
#[derive(Debug, Clone, PartialEq)]
pub enum ProgressEvent {
    /// A new phase begins (`pulling openjarvis/pearl-miner:...`).
    Phase(String),
    /// Byte progress of one item (an image layer).
    Item {
        /// Item id (layer digest).
        id: String,
        /// What it is doing (Downloading, Extracting).
        status: String,
        /// Bytes done.
        current: u64,
        /// Bytes in all, when known.
        total: Option<u64>,
    },
    /// A line of build or start-up output.
    Line(String),
    /// A warning worth showing even in quiet mode.
    Warning(String),
    /// The current phase finished.
    Done(String),
}

/// Discards progress (tests, --json).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn event(&self, _event: ProgressEvent) {}
}
