//! One proof per header: after pearl-gateway took a proof for a header, mining that header
//! again only makes proofs the gateway skips (it builds one block per header), so the miner
//! waits for the next job. If none comes within a bounded wait (the block may not have
//! landed: proving failed, pearld refused it), it mines the header again; likewise at once
//! when the gateway connection was lost or the gateway restarted, since its queue (and the
//! proof in it) lived in the process that went away.

use std::time::Duration;

use pearl_protocol::MiningJob;
use tokio::time::Instant;

/// The default bounded wait: longer than the gateway's ZK proving of one proof (CPU
/// seconds to a minute) plus its template refresh, shorter than Pearl's ~3 min block time.
pub const DEFAULT_RESUME_AFTER: Duration = Duration::from_secs(120);

/// The header whose proof the gateway took, and until when mining it waits.
#[derive(Debug, Clone)]
pub(crate) struct HeaderHold {
    wait: Duration,
    held: Option<Held>,
}

#[derive(Debug, Clone)]
struct Held {
    header: [u8; 76],
    until: Instant,
    /// The poller's connection count when the proof was taken.
    connection: u64,
}

/// What the hold says about a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HoldCheck {
    /// Mine it.
    Mine,
    /// Its header's proof was taken: wait until the deadline (or a new job).
    Wait(Instant),
    /// The wait ran out with no new job: mine the header again (reported once).
    Resumed,
}

impl HeaderHold {
    /// A hold that waits `wait` after each taken proof.
    pub(crate) fn new(wait: Duration) -> Self {
        Self { wait, held: None }
    }

    /// The gateway took a proof for `job` at `now`, on the poller's connection number
    /// `connection`.
    pub(crate) fn taken(&mut self, job: &MiningJob, now: Instant, connection: u64) {
        self.held = Some(Held {
            header: job.header.to_bytes(),
            until: now + self.wait,
            connection,
        });
    }

    /// Whether `job` may be mined at `now`, with the poller on connection number
    /// `connection`; a different header or a new connection ends the hold.
    pub(crate) fn check(&mut self, job: &MiningJob, now: Instant, connection: u64) -> HoldCheck {
        let Some(held) = &self.held else {
            return HoldCheck::Mine;
        };
        if held.header != job.header.to_bytes() || held.connection != connection {
            self.held = None;
            return HoldCheck::Mine;
        }
        if now < held.until {
            return HoldCheck::Wait(held.until);
        }
        self.held = None;
        HoldCheck::Resumed
    }

    /// Forgets the taken proof (the gateway that held it went away).
    pub(crate) fn release(&mut self) {
        self.held = None;
    }

    /// Whether a proof for `job`'s header was taken and the wait still runs (a win for it
    /// is skipped).
    pub(crate) fn holds(&self, job: &MiningJob, now: Instant) -> bool {
        self.held
            .as_ref()
            .is_some_and(|h| h.header == job.header.to_bytes() && now < h.until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(byte: u8) -> MiningJob {
        let mut header = header_at_zero();
        header.prev_block = [byte; 32];
        MiningJob::from_parts(
            header,
            pearl_protocol::target::nbits_to_target(header.nbits),
            3,
        )
    }

    fn header_at_zero() -> pearl_protocol::IncompleteBlockHeader {
        pearl_protocol::IncompleteBlockHeader {
            version: 0x2000_0000,
            prev_block: [0; 32],
            merkle_root: [7; 32],
            timestamp: 1_760_000_000,
            nbits: 0x1d01_0000,
        }
    }

    #[test]
    fn a_taken_header_waits_until_the_job_changes_or_the_wait_ends() {
        let start = Instant::now();
        let wait = Duration::from_secs(120);
        let mut hold = HeaderHold::new(wait);
        let (a, b) = (job(1), job(2));
        assert_eq!(hold.check(&a, start, 1), HoldCheck::Mine);
        hold.taken(&a, start, 1);
        assert!(hold.holds(&a, start));
        assert!(!hold.holds(&b, start));
        let later = start + Duration::from_secs(5);
        assert_eq!(hold.check(&a, later, 1), HoldCheck::Wait(start + wait));
        assert_eq!(hold.check(&a, start + wait, 1), HoldCheck::Resumed);
        assert_eq!(
            hold.check(&a, start + wait, 1),
            HoldCheck::Mine,
            "resumed once"
        );

        hold.taken(&a, start, 1);
        assert_eq!(hold.check(&b, later, 1), HoldCheck::Mine, "a new header");
        assert_eq!(
            hold.check(&a, later, 1),
            HoldCheck::Mine,
            "the hold ended with the job change"
        );

        hold.taken(&a, start, 1);
        assert_eq!(
            hold.check(&a, later, 2),
            HoldCheck::Mine,
            "a new gateway connection ends the hold"
        );
        hold.taken(&a, start, 2);
        hold.release();
        assert!(!hold.holds(&a, start));
    }
}
