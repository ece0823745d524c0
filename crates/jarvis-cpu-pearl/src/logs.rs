//! `mine logs` for cpu-pearl: the supervisor, gateway and miner logs, without terminal
//! escapes, redacted. Each line's time and level are read from the supervisor's own format
//! (`tracing`'s text lines, or JSON lines with `log_format = "json"`); a line in neither (the
//! supervisor's own stderr, a line someone else appended) has none.

use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

use jarvis_core::paths::JarvisHome;
use jarvis_core::redact::redact_log_line;
use jarvis_mining::error::MiningError;
use jarvis_mining::provider::{LogLevel, LogLine, LogRequest, is_rfc3339_time};

/// The sources, in print order.
const SOURCES: [(&str, &str); 3] = [
    ("supervisor", "supervisor.log"),
    ("gateway", "gateway.log"),
    ("miner", "miner.log"),
];

/// At most this much of a file's end is read for a tail.
const TAIL_WINDOW: u64 = 1024 * 1024;

/// The password value to redact besides the known patterns: the configured variable's value
/// (default `PEARLD_RPC_PASSWORD`).
fn secrets(home: &JarvisHome) -> Vec<String> {
    let known: Vec<&str> = vec![super::ID];
    let var = jarvis_mining::config::load(&home.config_path(), &known)
        .ok()
        .flatten()
        .map_or_else(
            || "PEARLD_RPC_PASSWORD".to_owned(),
            |m| m.extra.pearld_rpc_password_env,
        );
    std::env::var(var)
        .ok()
        .into_iter()
        .filter(|v| !v.is_empty())
        .collect()
}

/// The last `n` lines of `path`, escapes stripped and redacted; empty when unreadable or not a regular file.
pub(super) fn tail_lines(path: &Path, n: usize, secrets: &[&str]) -> Vec<String> {
    let Ok(mut file) = jarvis_core::fs::open_regular(path) else {
        return Vec::new();
    };
    let len = file.metadata().map_or(0, |m| m.len());
    let start = len.saturating_sub(TAIL_WINDOW);
    if file.seek(SeekFrom::Start(start)).is_err() {
        return Vec::new();
    }
    let mut bytes = Vec::new();
    if file.read_to_end(&mut bytes).is_err() {
        return Vec::new();
    }
    let text = String::from_utf8_lossy(&bytes);
    let mut lines: Vec<&str> = text.lines().collect();
    if start > 0 && !lines.is_empty() {
        lines.remove(0); // a partial first line
    }
    let skip = lines.len().saturating_sub(n);
    lines
        .into_iter()
        .skip(skip)
        .map(|l| redact_log_line(l, secrets))
        .collect()
}

pub(super) async fn stream_logs(
    home: &JarvisHome,
    request: LogRequest,
    sink: &mut (dyn FnMut(LogLine) + Send),
) -> Result<(), MiningError> {
    let owned = secrets(home);
    let secrets: Vec<&str> = owned.iter().map(String::as_str).collect();
    let dir = home.logs_dir();
    let mut followers: Vec<(&str, PathBuf, u64)> = Vec::new();
    for (source, name) in SOURCES {
        let path = dir.join(name);
        for line in tail_lines(&path, request.tail, &secrets) {
            sink(log_line(source, line, &secrets));
        }
        let len = std::fs::metadata(&path).map_or(0, |m| m.len());
        followers.push((source, path, len));
    }
    if !request.follow {
        return Ok(());
    }
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        for (source, path, offset) in &mut followers {
            for line in read_new_lines(path, offset) {
                sink(log_line(source, redact_log_line(&line, &secrets), &secrets));
            }
        }
    }
}

/// A redacted `line` of `source` with its time, level and message read from it. The message is
/// redacted again once it is cut out (or decoded from a JSON line), so an escaped secret that
/// decoding restores never reaches it.
fn log_line(source: &str, line: String, secrets: &[&str]) -> LogLine {
    let Some(parsed) = parse(&line) else {
        return LogLine::plain(source, line);
    };
    LogLine {
        source: source.to_owned(),
        timestamp: parsed.timestamp,
        level: parsed.level,
        message: redact_log_line(&parsed.message, secrets),
        line,
    }
}

/// What a supervisor log line records besides its message.
#[derive(Debug, PartialEq, Eq)]
struct Parsed {
    timestamp: Option<String>,
    level: Option<LogLevel>,
    message: String,
}

/// `line`'s time, level and message, when it is one of the supervisor's: `<RFC 3339 time>
/// <LEVEL> <message>` (text) or `{"timestamp", "level", "message", ...}` (JSON). `None` for
/// any other line.
fn parse(line: &str) -> Option<Parsed> {
    if line.starts_with('{') {
        let serde_json::Value::Object(json) = serde_json::from_str(line).ok()? else {
            return None;
        };
        let field = |name: &str| json.get(name).and_then(serde_json::Value::as_str);
        let message = field("message")?.to_owned();
        return Some(Parsed {
            timestamp: field("timestamp")
                .filter(|t| is_rfc3339_time(t))
                .map(str::to_owned),
            level: field("level").and_then(LogLevel::from_name),
            message,
        });
    }
    let (timestamp, rest) = line.split_once(' ')?;
    if !is_rfc3339_time(timestamp) {
        return None;
    }
    let rest = rest.trim_start_matches(' ');
    let (level, message) = rest.split_once(' ').unwrap_or((rest, ""));
    let level = LogLevel::from_name(level)?;
    Some(Parsed {
        timestamp: Some(timestamp.to_owned()),
        level: Some(level),
        message: message.to_owned(),
    })
}

/// Complete lines appended to `path` since `offset`; a shrunk (rotated) file restarts at 0.
fn read_new_lines(path: &Path, offset: &mut u64) -> Vec<String> {
    let Ok(mut file) = jarvis_core::fs::open_regular(path) else {
        return Vec::new();
    };
    let len = file.metadata().map_or(0, |m| m.len());
    if len < *offset {
        *offset = 0;
    }
    if len == *offset || file.seek(SeekFrom::Start(*offset)).is_err() {
        return Vec::new();
    }
    let mut bytes = Vec::new();
    let mut limited = (&mut file).take(TAIL_WINDOW);
    if limited.read_to_end(&mut bytes).is_err() {
        return Vec::new();
    }
    let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    *offset += complete as u64;
    String::from_utf8_lossy(bytes.get(..complete).unwrap_or_default())
        .lines()
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_lines_give_their_time_level_and_message() {
        let parsed =
            parse("2026-12-03T12:00:01.123456Z  WARN 2026-12-03 12:00:01 - WARNING - x - a.py:1");
        assert_eq!(
            parsed,
            Some(Parsed {
                timestamp: Some("2026-12-03T12:00:01.123456Z".to_owned()),
                level: Some(LogLevel::Warn),
                message: "2026-12-03 12:00:01 - WARNING - x - a.py:1".to_owned(),
            })
        );
        for level in LogLevel::ALL {
            let line = format!("2026-12-03T12:00:01Z {:>5} m", level.name());
            assert_eq!(parse(&line).and_then(|p| p.level), Some(level), "{line}");
        }
    }

    #[test]
    fn json_lines_give_their_time_level_and_decoded_message() {
        let parsed = parse(
            r#"{"timestamp":"2026-12-03T12:00:01.5Z","level":"ERROR","message":"a \"quoted\" word","extra":1}"#,
        );
        assert_eq!(
            parsed,
            Some(Parsed {
                timestamp: Some("2026-12-03T12:00:01.5Z".to_owned()),
                level: Some(LogLevel::Error),
                message: "a \"quoted\" word".to_owned(),
            })
        );
        let odd = parse(r#"{"timestamp":"yesterday","level":"NOTICE","message":"m"}"#);
        assert_eq!(
            odd,
            Some(Parsed {
                timestamp: None,
                level: None,
                message: "m".to_owned(),
            })
        );
    }

    #[test]
    fn other_lines_have_no_time_or_level() {
        for line in [
            "",
            "thread 'main' panicked at src/main.rs:1:1",
            "follow-marker password [REDACTED]",
            "2026-12-03 12:00:01 - WARNING - loguru's own line - x.py:1",
            "2026-12-03T12:00:01Z NOTICE not a level",
            "2026-12-03T12:00:01Z",
            "2026-12-03Tnoon INFO m",
            "{\"message\": 7}",
            "{not json",
        ] {
            assert_eq!(parse(line), None, "{line:?}");
            let shown = log_line("supervisor", line.to_owned(), &[]);
            assert_eq!(shown, LogLine::plain("supervisor", line), "{line:?}");
        }
    }

    /// A secret that only decoding a JSON line spells out is redacted from the message.
    #[test]
    fn a_decoded_message_is_redacted_again() {
        let secrets = ["pa\"ss-w0rd", "s3cr3t-value"];
        let raw = r#"{"timestamp":"2026-12-03T12:00:01Z","level":"INFO","message":"token pa\"ss-w0rd and s3\u0063r3t-value"}"#;
        let line = redact_log_line(raw, &secrets);
        let shown = log_line("gateway", line, &secrets);
        assert_eq!(
            shown.message, "token [REDACTED] and [REDACTED]",
            "{shown:?}"
        );
        assert_eq!(shown.level, Some(LogLevel::Info));
        assert_eq!(shown.timestamp.as_deref(), Some("2026-12-03T12:00:01Z"));
    }

    proptest::proptest! {
        #[test]
        fn any_line_parses_or_not_without_panicking(line in ".{0,200}") {
            let _ = log_line("gateway", line, &["s3cret-value"]);
        }
    }
}
