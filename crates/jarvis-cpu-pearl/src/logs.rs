//! `mine logs` for cpu-pearl: the supervisor, gateway and miner logs, without terminal
//! escapes, redacted.

use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

use jarvis_core::paths::JarvisHome;
use jarvis_core::redact::redact_log_line;
use jarvis_mining::error::MiningError;
use jarvis_mining::provider::{LogLine, LogRequest};

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
            sink(LogLine {
                source: source.to_owned(),
                line,
            });
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
                sink(LogLine {
                    source: (*source).to_owned(),
                    line: redact_log_line(&line, &secrets),
                });
            }
        }
    }
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
