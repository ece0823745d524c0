//! Restart policy: exponential back-off and an hourly restart budget per child.

use std::collections::VecDeque;
use std::time::Duration;

/// Doubling delay from `initial` up to `max`.
#[derive(Debug, Clone)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    /// Starts at `initial`.
    pub fn new(initial: Duration, max: Duration) -> Self {
        Self {
            initial,
            max,
            next: initial.min(max),
        }
    }

    /// The delay to wait now; the following one doubles (capped).
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 2).min(self.max);
        delay
    }

    /// Back to `initial` (after a child ran stably).
    pub fn reset(&mut self) {
        self.next = self.initial.min(self.max);
    }

    /// The cap; a child that ran this long counts as stable.
    pub fn max(&self) -> Duration {
        self.max
    }
}

/// At most `limit` restarts in any sliding hour.
#[derive(Debug, Clone)]
pub struct RestartBudget {
    limit: u32,
    restarts: VecDeque<f64>,
}

impl RestartBudget {
    /// A budget of `limit` restarts per hour.
    pub fn new(limit: u32) -> Self {
        Self {
            limit,
            restarts: VecDeque::new(),
        }
    }

    /// Records a restart wanted at `now` (seconds); `false` when the hour's budget is spent.
    pub fn allow(&mut self, now: f64) -> bool {
        while self.restarts.front().is_some_and(|&t| now - t >= 3600.0) {
            self.restarts.pop_front();
        }
        if self.restarts.len() >= self.limit as usize {
            return false;
        }
        self.restarts.push_back(now);
        true
    }

    /// Restarts counted in the current hour.
    pub fn used(&self) -> u32 {
        u32::try_from(self.restarts.len()).unwrap_or(u32::MAX)
    }

    /// The configured limit.
    pub fn limit(&self) -> u32 {
        self.limit
    }
}
