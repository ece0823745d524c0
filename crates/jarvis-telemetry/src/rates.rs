//! Hashrate over XMRig's three windows from periodic samples of a cumulative counter.

use std::collections::VecDeque;

/// The windows, in seconds: 10 s, 60 s, 15 min.
pub const RATE_WINDOWS: [f64; 3] = [10.0, 60.0, 900.0];

/// Samples of a cumulative counter; a window's rate is `None` until it has filled.
#[derive(Debug, Clone, Default)]
pub struct RateWindows {
    samples: VecDeque<(f64, u64)>,
}

impl RateWindows {
    /// No samples yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the counter `total` at time `at` (seconds); older samples than the longest
    /// window needs are dropped. A time going backwards restarts the history.
    pub fn push(&mut self, at: f64, total: u64) {
        if !at.is_finite() {
            return;
        }
        if self
            .samples
            .back()
            .is_some_and(|&(t, v)| at < t || total < v)
        {
            self.samples.clear();
        }
        self.samples.push_back((at, total));
        let longest = RATE_WINDOWS[2];
        // Keep the newest sample at least `longest` old, drop everything before it.
        while self.samples.len() > 2 && self.samples.get(1).is_some_and(|&(t, _)| at - t >= longest)
        {
            self.samples.pop_front();
        }
    }

    /// Rate per second over the last `window` seconds: from the newest sample at least
    /// `window` older than the latest one; `None` until such a sample exists.
    pub fn rate(&self, window: f64) -> Option<f64> {
        let &(now, latest) = self.samples.back()?;
        let &(then, old) = self
            .samples
            .iter()
            .rev()
            .find(|&&(t, _)| now - t >= window)?;
        let span = now - then;
        (span > 0.0).then(|| (latest - old) as f64 / span)
    }

    /// The three windows (10 s, 60 s, 15 min).
    pub fn windows(&self) -> [Option<f64>; 3] {
        RATE_WINDOWS.map(|w| self.rate(w))
    }
}
