//! pearl-gateway's log lines, as evidence: the gateway tells its miners only "submitted", so
//! what became of a proof (a block pearld accepted or rejected, a stale or duplicate proof)
//! is known only from its log. It logs through loguru (`miner_utils.get_logger`) to stderr,
//! one line per event: `<time> - <LEVEL> - <message> - <file>:<line>`, with ANSI colours;
//! lines are recognised by their message, whatever surrounds it.

use serde::Serialize;

/// `submission_service.py`, after pearld's `submitblock` returned null.
pub const BLOCK_ACCEPTED: &str = "Block accepted by node!";
/// `pearl_client.py` on a `submitblock` reason (`Block rejected: high-hash`); the submission
/// service then logs [`BLOCK_REJECTED_ECHO`] for the same block.
pub const BLOCK_REJECTED: &str = "Block rejected: ";
/// `submission_service.py`'s echo of a rejection (`Block rejected: rejected: high-hash`).
pub const BLOCK_REJECTED_ECHO: &str = "Block rejected: rejected: ";
/// A proof handed to the submission service.
pub const PROOF_RECEIVED: &str = "Received PlainProof submission";
/// A proof for a header that already made a block.
pub const ALREADY_SUBMITTED: &str = "Block already submitted, skipping";
/// A proof whose job changed while it was queued.
pub const STALE_DROPPED: &str = "dropping stale proof";
/// The submission queue is at `GATEWAY_PROOF_MAX_PENDING`.
pub const QUEUE_FULL: &str = "Proof submission queue full";
/// A new block template (`Updating block template to height N`).
pub const TEMPLATE_HEIGHT: &str = "Updating block template to height ";

/// A loguru level, as the gateway names it in each line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum GatewayLevel {
    /// loguru's 5.
    Trace,
    /// 10.
    Debug,
    /// 20.
    Info,
    /// 25.
    Success,
    /// 30.
    Warning,
    /// 40.
    Error,
    /// 50.
    Critical,
}

impl GatewayLevel {
    /// Every level, least severe first.
    pub const ALL: [Self; 7] = [
        Self::Trace,
        Self::Debug,
        Self::Info,
        Self::Success,
        Self::Warning,
        Self::Error,
        Self::Critical,
    ];

    /// The name loguru writes (`WARNING`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Trace => "TRACE",
            Self::Debug => "DEBUG",
            Self::Info => "INFO",
            Self::Success => "SUCCESS",
            Self::Warning => "WARNING",
            Self::Error => "ERROR",
            Self::Critical => "CRITICAL",
        }
    }

    /// The level a line of the gateway's (terminal escapes already stripped) was logged at:
    /// a line that starts with loguru's time (`YYYY-MM-DD HH:mm:ss`, fractions or a zone
    /// allowed) followed by ` - LEVEL - ` (the gateway's format) or ` | LEVEL | ` (loguru's
    /// default, the level padded). `None` for anything else: a line printed without loguru,
    /// a custom level, the rest of a multi-line message.
    pub fn of_line(line: &str) -> Option<Self> {
        let date = line.as_bytes().get(..10)?;
        let is_date = date.iter().enumerate().all(|(i, &b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
        if !is_date {
            return None;
        }
        let rest = line.get(10..)?;
        let (at, separator) = [" - ", " | "]
            .into_iter()
            .filter_map(|sep| rest.find(sep).map(|at| (at, sep)))
            .min_by_key(|(at, _)| *at)?;
        let time = rest.get(..at)?;
        if time.len() > 40
            || !time
                .chars()
                .all(|c| c.is_ascii_digit() || " :.,+-TZ".contains(c))
        {
            return None;
        }
        let after = rest.get(at + separator.len()..)?;
        let level = after.get(..after.find(separator)?)?.trim();
        Self::ALL.into_iter().find(|l| l.name() == level)
    }
}

/// Mining evidence counted from the gateway's log lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LogEvidence {
    /// `Received PlainProof submission` lines: proofs handed to the gateway.
    pub proofs_received: u64,
    /// `Block accepted by node!`: blocks pearld accepted.
    pub blocks_accepted: u64,
    /// `Block rejected: <reason>` (once per block: the `rejected: ` echo is not counted).
    pub blocks_rejected: u64,
    /// `dropping stale proof`.
    pub stale_dropped: u64,
    /// `Block already submitted`.
    pub duplicates: u64,
    /// `Proof submission queue full`.
    pub queue_full: u64,
    /// Latest `Updating block template to height N`.
    pub template_height: Option<u64>,
}

impl LogEvidence {
    /// Counts one log line.
    pub fn observe(&mut self, line: &str) {
        if line.contains(PROOF_RECEIVED) {
            self.proofs_received += 1;
        } else if line.contains(BLOCK_ACCEPTED) {
            self.blocks_accepted += 1;
        } else if line.contains(BLOCK_REJECTED) {
            if !line.contains(BLOCK_REJECTED_ECHO) {
                self.blocks_rejected += 1;
            }
        } else if line.contains(STALE_DROPPED) {
            self.stale_dropped += 1;
        } else if line.contains(ALREADY_SUBMITTED) {
            self.duplicates += 1;
        } else if line.contains(QUEUE_FULL) {
            self.queue_full += 1;
        } else if let Some(rest) = line.split(TEMPLATE_HEIGHT).nth(1) {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if let Ok(h) = digits.parse() {
                self.template_height = Some(h);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_counts_each_kind() {
        let mut e = LogEvidence::default();
        for line in [
            "INFO Updating block template to height 441",
            "INFO Received PlainProof submission for template time 1",
            "INFO Block accepted by node!",
            "WARN Block rejected: bad-proof",
            "WARN Job changed since submission was queued; dropping stale proof",
            "INFO Block already submitted, skipping",
            "WARN Proof submission queue full, rejecting submitPlainProof",
            "INFO Updating block template to height 442",
        ] {
            e.observe(line);
        }
        assert_eq!(
            e,
            LogEvidence {
                proofs_received: 1,
                blocks_accepted: 1,
                blocks_rejected: 1,
                stale_dropped: 1,
                duplicates: 1,
                queue_full: 1,
                template_height: Some(442),
            }
        );
    }

    /// The gateway's own format, colours included: one accepted and one rejected block (the
    /// rejection is logged twice, by the client and by the submission service).
    #[test]
    fn loguru_lines_count_once_per_block() {
        let mut e = LogEvidence::default();
        for line in [
            "\x1b[32m2026-12-03 12:00:01\x1b[0m - \x1b[1mINFO\x1b[0m - \x1b[37mBlock accepted by node!\x1b[0m - \x1b[34msubmission_service.py:82\x1b[0m",
            "\x1b[32m2026-12-03 12:00:02\x1b[0m - \x1b[33m\x1b[1mWARNING\x1b[0m - \x1b[37mBlock rejected: duplicate\x1b[0m - \x1b[34mpearl_client.py:113\x1b[0m",
            "\x1b[32m2026-12-03 12:00:02\x1b[0m - \x1b[33m\x1b[1mWARNING\x1b[0m - \x1b[37mBlock rejected: rejected: duplicate\x1b[0m - \x1b[34msubmission_service.py:85\x1b[0m",
        ] {
            e.observe(line);
        }
        assert_eq!((e.blocks_accepted, e.blocks_rejected), (1, 1));
    }

    #[test]
    fn the_level_is_read_from_the_gateways_format_and_logurus_default() {
        for level in GatewayLevel::ALL {
            let name = level.name();
            for line in [
                format!(
                    "2026-12-03 12:00:01 - {name} - Block rejected: high-hash - pearl_client.py:113"
                ),
                format!(
                    "2026-12-03 12:00:01.123 | {name:<8} | pearl_gateway.main:run:42 - started"
                ),
                format!("2026-12-03 12:00:01 - {name} - a message - with - dashes - x.py:1"),
            ] {
                assert_eq!(GatewayLevel::of_line(&line), Some(level), "{line}");
            }
        }
    }

    #[test]
    fn lines_without_a_loguru_level_have_none() {
        for line in [
            "",
            "PearlGateway started successfully",
            "Miner RPC server listening on Unix socket: /tmp/pearlgw.sock",
            "ERROR pearld refused password [REDACTED]",
            "WARNING - 2026-12-03 12:00:01 - something",
            "2026-12-03 12:00:01 - NOTICE - a custom level - x.py:1",
            "2026-12-03 12:00:01 - warning - lower case is not loguru's - x.py:1",
            "2026-12-03 12:00:01 - WARNING",
            "2026-12-03 and then - ERROR - a message that names a level - x.py:1",
            "Traceback (most recent call last):",
            "  File \"submission_service.py\", line 91, in submit",
            "2026-1x-03 12:00:01 - ERROR - not a date - x.py:1",
            "\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9} - ERROR - x",
        ] {
            assert_eq!(GatewayLevel::of_line(line), None, "{line:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn observing_never_panics(text in ".{0,300}") {
            LogEvidence::default().observe(&text);
            let _ = GatewayLevel::of_line(&text);
        }

        #[test]
        fn a_logged_message_keeps_its_level(level in 0..7usize, message in ".{0,200}") {
            let level = GatewayLevel::ALL[level];
            let line = format!("2026-12-03 12:00:01 - {} - {message} - x.py:1", level.name());
            proptest::prop_assert_eq!(GatewayLevel::of_line(&line), Some(level));
        }
    }
}
