//! `jarvis mine logs`: one line per log line, tagged with the log it came from; with `--json`
//! one [`Record`] per line.

use jarvis_mining::provider::{LogLevel, LogLine};
use serde::Serialize;

/// `[gateway] text`.
pub(crate) fn line(line: &LogLine) -> String {
    format!("[{}] {}", line.source, line.line)
}

/// One line of `mine logs --json`: `{"source", "timestamp", "level", "message"}`, `null` for
/// a time or level the line does not carry.
#[derive(Debug, Serialize)]
pub(crate) struct Record<'a> {
    /// The log it came from (`supervisor`, `gateway`, `miner`, `container`).
    source: &'a str,
    /// RFC 3339: as cpu-pearl's lines write it, or as the container engine recorded a
    /// vllm-pearl line.
    timestamp: Option<&'a str>,
    /// `TRACE` … `ERROR`.
    level: Option<LogLevel>,
    /// The line without its timestamp and level, redacted.
    message: &'a str,
}

/// `line` as a `--json` record.
pub(crate) fn record(line: &LogLine) -> Record<'_> {
    Record {
        source: &line.source,
        timestamp: line.timestamp.as_deref(),
        level: line.level,
        message: &line.message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tagged_by_source() {
        let l = LogLine::plain("gateway", "listening on 127.0.0.1:8337");
        assert_eq!(line(&l), "[gateway] listening on 127.0.0.1:8337");
    }

    /// `mine logs` of each provider: cpu-pearl's three logs, vllm-pearl's container.
    #[test]
    fn both_providers() {
        let lines = [
            (
                "supervisor",
                "2024-05-05T00:05:12Z INFO supervisor ready; gateway unix:///home/me/.openjarvis/runtime/gateway.sock",
            ),
            (
                "gateway",
                "2024-05-05T00:05:13Z INFO pearl-gateway: PEARLD_RPC_PASSWORD=[REDACTED] connected to pearld",
            ),
            (
                "miner",
                "2024-05-05T00:09:22Z INFO miner: proof found at height 4242, submitted",
            ),
            (
                "container",
                "INFO Received PlainProof submission; block template height 4242",
            ),
        ];
        let text: Vec<String> = lines
            .iter()
            .map(|(source, text)| line(&LogLine::plain(*source, *text)))
            .collect();
        insta::assert_snapshot!(text.join("\n"));
    }

    /// `mine logs --json` of each provider: a cpu-pearl text line and JSON line (their time,
    /// level and message), lines without either (the supervisor's own stderr, the container's).
    #[test]
    fn json_records_of_both_providers() {
        let lines = [
            LogLine {
                source: "gateway".to_owned(),
                line: "2026-12-03T12:00:02.000001Z  WARN 2026-12-03 12:00:02 - WARNING - Block rejected: high-hash - pearl_client.py:113".to_owned(),
                timestamp: Some("2026-12-03T12:00:02.000001Z".to_owned()),
                level: Some(LogLevel::Warn),
                message: "2026-12-03 12:00:02 - WARNING - Block rejected: high-hash - pearl_client.py:113".to_owned(),
            },
            LogLine {
                source: "miner".to_owned(),
                line: r#"{"timestamp":"2026-12-03T12:00:03.5Z","level":"INFO","message":"miner: new job \"7\""}"#.to_owned(),
                timestamp: Some("2026-12-03T12:00:03.5Z".to_owned()),
                level: Some(LogLevel::Info),
                message: "miner: new job \"7\"".to_owned(),
            },
            LogLine::plain("supervisor", "thread 'main' panicked at src/main.rs:1:1"),
            LogLine::plain(
                "container",
                "INFO 12-03 12:00:04 [api_server.py:1] PEARLD_RPC_PASSWORD=[REDACTED]",
            ),
        ];
        let text: Vec<String> = lines
            .iter()
            .map(|l| serde_json::to_string(&record(l)).unwrap())
            .collect();
        insta::assert_snapshot!(text.join("\n"));
    }
}
