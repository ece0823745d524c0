//! The real gateway's log lines, byte for byte: loguru through `miner_utils.get_logger`
//! (format `<green>{time:YYYY-MM-DD HH:mm:ss}</green> - <level>{level}</level> -
//! <white>{message}</white> - <blue>{file}:{line}</blue>`, `colorize=True`, to stderr), with
//! the messages and source lines of Pearl's `submission_service.py` (@19ad19bd) and
//! `pearl_client.py` (@cd552e44). The one difference: the time is UTC (loguru writes local
//! time). A `PEARL_LOG_LEVEL` above a line's level hides it, as loguru does.

use jarvis_core::time::UtcTime;
use pearl_protocol::MiningJob;

use super::dispatch::{ALREADY_SUBMITTED, VERIFIER_REJECTED};
use super::state::Submission;

/// loguru's levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// 5.
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

impl Level {
    /// Every level, least severe first.
    pub const ALL: [Level; 7] = [
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Success,
        Level::Warning,
        Level::Error,
        Level::Critical,
    ];

    /// The name loguru writes.
    pub fn name(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Success => "SUCCESS",
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
            Level::Critical => "CRITICAL",
        }
    }

    /// The level's ANSI style in loguru's default colours.
    fn style(self) -> &'static str {
        match self {
            Level::Trace => "\x1b[36m\x1b[1m",
            Level::Debug => "\x1b[34m\x1b[1m",
            Level::Info => "\x1b[1m",
            Level::Success => "\x1b[32m\x1b[1m",
            Level::Warning => "\x1b[33m\x1b[1m",
            Level::Error => "\x1b[31m\x1b[1m",
            Level::Critical => "\x1b[41m\x1b[1m",
        }
    }
}

/// Which lines `PEARL_LOG_LEVEL` lets through: `None` for `NONE` (nothing is logged).
pub fn threshold(pearl_log_level: Option<&str>) -> Option<u32> {
    let level = pearl_log_level.map_or("INFO".to_owned(), |l| l.trim().to_ascii_uppercase());
    match level.as_str() {
        "NONE" => None,
        "TRACE" => Some(5),
        "DEBUG" => Some(10),
        "" | "INFO" => Some(20),
        "SUCCESS" => Some(25),
        "WARNING" => Some(30),
        "ERROR" => Some(40),
        _ => Some(50),
    }
}

fn severity(level: Level) -> u32 {
    match level {
        Level::Trace => 5,
        Level::Debug => 10,
        Level::Info => 20,
        Level::Success => 25,
        Level::Warning => 30,
        Level::Error => 40,
        Level::Critical => 50,
    }
}

/// The message of [`every_level_lines`]' line at `level` (`fake-pearl-gateway: a WARNING line`).
pub fn every_level_message(level: Level) -> String {
    format!("fake-pearl-gateway: a {} line", level.name())
}

/// One line at each loguru level that `threshold` lets through, at unix time `at`
/// (`FAKE_GATEWAY_LOG_EVERY_LEVEL`).
pub fn every_level_lines(at: i64, threshold: Option<u32>) -> Vec<String> {
    let Some(threshold) = threshold else {
        return Vec::new();
    };
    Level::ALL
        .into_iter()
        .filter(|level| severity(*level) >= threshold)
        .map(|level| line(at, level, &every_level_message(level), "fake_gateway.py:1"))
        .collect()
}

/// One line as loguru writes it at unix time `at` (no newline).
pub fn line(at: i64, level: Level, message: &str, source: &str) -> String {
    let t = UtcTime::from_unix(at);
    format!(
        "\x1b[32m{:04}-{:02}-{:02} {:02}:{:02}:{:02}\x1b[0m - {}{}\x1b[0m - \x1b[37m{message}\x1b[0m - \x1b[34m{source}\x1b[0m",
        t.year,
        t.month,
        t.day,
        t.hour,
        t.minute,
        t.second,
        level.style(),
        level.name(),
    )
}

/// What the real gateway logs for a submission the fake judged, at unix time `at`, with the
/// lines `threshold` hides left out. A verified proof becomes a block pearld accepts; a
/// proof for a header that already made one is skipped; a stale proof (or one while
/// paused) is dropped silently (the real one logs that from its RPC server, whose lines
/// this fake does not imitate); a proof the verifier refuses fails when the gateway builds
/// its ZK proof (the real line also carries Python reprs of the proof and template).
pub fn submission_lines(submission: &Submission, at: i64, threshold: Option<u32>) -> Vec<String> {
    let received = || {
        let time = MiningJob::from_json(&submission.job_raw).map_or(0, |j| j.header.timestamp);
        (
            Level::Info,
            format!("Received PlainProof submission for template time {time}"),
            "submission_service.py:62",
        )
    };
    let events: Vec<(Level, String, &str)> = match &submission.verdict {
        Ok(()) => vec![
            received(),
            (
                Level::Info,
                "Submitting block to Pearl node".to_owned(),
                "pearl_client.py:105",
            ),
            (
                Level::Info,
                "Block accepted by node!".to_owned(),
                "submission_service.py:82",
            ),
        ],
        Err(reason) if reason.starts_with(ALREADY_SUBMITTED) => vec![(
            Level::Warning,
            "Block already submitted, skipping".to_owned(),
            "submission_service.py:59",
        )],
        Err(reason) if reason.starts_with(VERIFIER_REJECTED) => vec![
            received(),
            (
                Level::Error,
                format!("Error submitting block: e=ValueError({reason:?})"),
                "submission_service.py:91",
            ),
        ],
        Err(_) => Vec::new(),
    };
    let Some(threshold) = threshold else {
        return Vec::new();
    };
    events
        .into_iter()
        .filter(|(level, _, _)| severity(*level) >= threshold)
        .map(|(level, message, source)| line(at, level, &message, source))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_logurus_coloured_format() {
        assert_eq!(
            line(
                0,
                Level::Info,
                "Block accepted by node!",
                "submission_service.py:82"
            ),
            "\x1b[32m1970-01-01 00:00:00\x1b[0m - \x1b[1mINFO\x1b[0m - \x1b[37mBlock accepted by node!\x1b[0m - \x1b[34msubmission_service.py:82\x1b[0m"
        );
    }

    #[test]
    fn the_level_hides_lines_as_loguru_does() {
        let accepted = Submission {
            job_raw: crate::fake_gateway::easy_job().raw_json().to_owned(),
            proof_b64: String::new(),
            verdict: Ok(()),
        };
        let lines = submission_lines(&accepted, 0, threshold(None));
        assert_eq!(lines.len(), 3);
        assert!(lines[2].contains("Block accepted by node!"));
        assert!(submission_lines(&accepted, 0, threshold(Some("warning"))).is_empty());
        assert!(submission_lines(&accepted, 0, threshold(Some("NONE"))).is_empty());
    }

    #[test]
    fn every_level_is_logged_down_to_the_threshold() {
        assert_eq!(every_level_lines(0, threshold(Some("TRACE"))).len(), 7);
        let warnings = every_level_lines(0, threshold(Some("WARNING")));
        assert_eq!(warnings.len(), 3);
        assert!(
            warnings[0].contains("\x1b[33m\x1b[1mWARNING\x1b[0m"),
            "{warnings:?}"
        );
        assert!(warnings[2].contains("fake-pearl-gateway: a CRITICAL line"));
        assert!(every_level_lines(0, threshold(Some("NONE"))).is_empty());
    }
}
