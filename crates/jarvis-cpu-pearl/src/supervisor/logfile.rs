//! The supervisor's log files under `logs/mining`: `supervisor.log`, `miner.log` and
//! `gateway.log` (the gateway's own output, piped through the supervisor).
//!
//! Each file is written through `tracing`: a `tracing-subscriber` fmt layer (text lines, or
//! JSON lines with `[mining.extra].log_format = "json"`) over `tracing-appender`'s
//! non-blocking writer over a [`RotatingFile`], which caps the file at [`LOG_MAX_BYTES`] and
//! keeps [`LOG_KEEP`] rotated generations (`x.log.1` … `x.log.3`). Every line loses its terminal
//! escapes (the gateway's loguru colours) and is redacted before it is formatted, so the RPC
//! password, its base64 `user:password` form, URL userinfo and `Authorization:` values never
//! reach the disk. A gateway line is recorded at the level loguru wrote in it (see
//! [`record_level`]); a line without one at INFO.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jarvis_core::redact::redact_log_line;
use jarvis_mining::config::LogFormat;
use pearl_protocol::gateway::log::GatewayLevel;
use tokio::io::{AsyncBufReadExt as _, AsyncRead, AsyncReadExt as _, BufReader};
use tracing::{Dispatch, Level};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::layer::SubscriberExt as _;

/// A log is rotated once it would exceed this size.
pub const LOG_MAX_BYTES: u64 = 10 * 1024 * 1024;
/// Rotated generations kept (`.1` … `.3`).
pub const LOG_KEEP: u32 = 3;
/// A child's output line longer than this is logged in pieces.
const MAX_LINE: u64 = 64 * 1024;

/// Rotates `path` to `path.1` (shifting older ones, dropping the oldest) if it is larger
/// than `max_bytes`.
pub fn rotate_if_large(path: &Path, max_bytes: u64, keep: u32) -> io::Result<()> {
    let size = match std::fs::metadata(path) {
        Ok(meta) => meta.len(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if size <= max_bytes {
        return Ok(());
    }
    let generation = |n: u32| PathBuf::from(format!("{}.{n}", path.display()));
    for n in (1..keep).rev() {
        match std::fs::rename(generation(n), generation(n + 1)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    if keep == 0 {
        std::fs::remove_file(path)
    } else {
        std::fs::rename(path, generation(1))
    }
}

/// Opens `path` for appending (mode 0600), creating its directory, rotating it first if large.
/// The detached supervisor's own stdout and stderr go there.
pub(crate) fn open_append(path: &Path) -> io::Result<File> {
    open_append_capped(path, LOG_MAX_BYTES, LOG_KEEP)
}

fn append_only(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// An append-only file (mode 0600) that never grows past `max_bytes`: a write that would
/// cross the cap first moves the file to `<path>.1` (older generations shift, `keep` are kept).
#[derive(Debug)]
pub struct RotatingFile {
    path: PathBuf,
    max_bytes: u64,
    keep: u32,
    file: Option<File>,
    size: u64,
}

impl RotatingFile {
    /// Opens `path`, creating its directory, rotating it first if it is already over the cap.
    pub fn open(path: &Path, max_bytes: u64, keep: u32) -> io::Result<Self> {
        let file = open_append_capped(path, max_bytes, keep)?;
        let size = file.metadata()?.len();
        Ok(Self {
            path: path.to_owned(),
            max_bytes,
            keep,
            file: Some(file),
            size,
        })
    }

    fn rotate(&mut self) -> io::Result<()> {
        self.file = None;
        rotate_if_large(&self.path, 0, self.keep)?;
        self.reopen()
    }

    fn reopen(&mut self) -> io::Result<()> {
        let file = append_only(&self.path)?;
        self.size = file.metadata()?.len();
        self.file = Some(file);
        Ok(())
    }
}

fn open_append_capped(path: &Path, max_bytes: u64, keep: u32) -> io::Result<File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    rotate_if_large(path, max_bytes, keep)?;
    append_only(path)
}

impl Write for RotatingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.size > 0 && self.size + buf.len() as u64 > self.max_bytes {
            self.rotate()?;
        }
        if self.file.is_none() {
            self.reopen()?;
        }
        let Some(file) = self.file.as_mut() else {
            return Err(io::Error::other("the log file is not open"));
        };
        let written = file.write(buf)?;
        self.size += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.as_mut().map_or(Ok(()), Write::flush)
    }
}

/// One of the supervisor's logs: timestamped, redacted lines through `tracing`. Lines are
/// handed to a background writer; a failed write is dropped (logging must not stop mining).
/// Dropping the last handle flushes what is queued.
pub(crate) struct LogFile {
    dispatch: Dispatch,
    secrets: Vec<String>,
    _worker: WorkerGuard,
}

impl std::fmt::Debug for LogFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogFile").finish_non_exhaustive()
    }
}

impl LogFile {
    /// Opens (and if large, rotates) `path`; `secrets` are redacted from every line, in every
    /// form [`redact`] knows.
    pub(crate) fn open(path: &Path, format: LogFormat, secrets: &[&str]) -> io::Result<Self> {
        let file = RotatingFile::open(path, LOG_MAX_BYTES, LOG_KEEP)?;
        let (writer, worker) = tracing_appender::non_blocking::NonBlockingBuilder::default()
            .thread_name("jarvis-log-writer")
            .finish(file);
        let layer = tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .with_ansi(false)
            .with_target(false);
        let dispatch = match format {
            LogFormat::Text => Dispatch::new(tracing_subscriber::registry().with(layer)),
            LogFormat::Json => {
                Dispatch::new(tracing_subscriber::registry().with(layer.json().flatten_event(true)))
            }
        };
        Ok(Self {
            dispatch,
            secrets: secrets.iter().map(|s| (*s).to_owned()).collect(),
            _worker: worker,
        })
    }

    /// Logs `message` (terminal escapes stripped, redacted) at level INFO.
    pub(crate) fn line(&self, message: &str) {
        self.line_at(Level::INFO, message);
    }

    /// Logs `message` (terminal escapes stripped, redacted) at `level`.
    pub(crate) fn line_at(&self, level: Level, message: &str) {
        let secrets: Vec<&str> = self.secrets.iter().map(String::as_str).collect();
        let message = redact_log_line(message, &secrets);
        tracing::dispatcher::with_default(&self.dispatch, || match level {
            Level::ERROR => tracing::error!("{message}"),
            Level::WARN => tracing::warn!("{message}"),
            Level::DEBUG => tracing::debug!("{message}"),
            Level::TRACE => tracing::trace!("{message}"),
            _ => tracing::info!("{message}"),
        });
    }
}

/// The level a gateway line is recorded at: loguru's own, on `tracing`'s scale (which has no
/// SUCCESS or CRITICAL: they become INFO and ERROR; the line itself still names them).
pub(crate) fn record_level(level: Option<GatewayLevel>) -> Level {
    match level {
        Some(GatewayLevel::Trace) => Level::TRACE,
        Some(GatewayLevel::Debug) => Level::DEBUG,
        Some(GatewayLevel::Info | GatewayLevel::Success) | None => Level::INFO,
        Some(GatewayLevel::Warning) => Level::WARN,
        Some(GatewayLevel::Error | GatewayLevel::Critical) => Level::ERROR,
    }
}

/// Copies the gateway's output into `log` line by line until it closes, each line at the
/// level loguru gave it ([`record_level`]); `observe` sees each line without its terminal
/// escapes but before redaction (it must not keep or show it).
pub(crate) fn pump<R, F>(output: R, log: Arc<LogFile>, observe: F) -> tokio::task::JoinHandle<()>
where
    R: AsyncRead + Unpin + Send + 'static,
    F: Fn(&str) + Send + 'static,
{
    tokio::spawn(async move {
        let mut reader = BufReader::new(output);
        let mut line = Vec::new();
        loop {
            line.clear();
            match (&mut reader)
                .take(MAX_LINE)
                .read_until(b'\n', &mut line)
                .await
            {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let text = String::from_utf8_lossy(&line);
                    let text = jarvis_core::escapes::strip(text.trim_end_matches(['\r', '\n']));
                    observe(&text);
                    log.line_at(record_level(GatewayLevel::of_line(&text)), &text);
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rotating_file_never_passes_its_cap_and_keeps_its_generations() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("logs/x.log");
        let mut file = RotatingFile::open(&path, 100, 2).unwrap();
        for i in 0..10u8 {
            file.write_all(&[b'a' + i; 40]).unwrap();
        }
        file.flush().unwrap();
        let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let generation = |n: u32| PathBuf::from(format!("{}.{n}", path.display()));
        assert!(size(&path) <= 100, "{}", size(&path));
        assert_eq!(
            std::fs::read(&path).unwrap(),
            [vec![b'i'; 40], vec![b'j'; 40]].concat()
        );
        assert_eq!(
            std::fs::read(generation(1)).unwrap(),
            [vec![b'g'; 40], vec![b'h'; 40]].concat()
        );
        assert!(generation(2).exists());
        assert!(!generation(3).exists(), "only two generations are kept");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    fn read_when(path: &Path, done: impl Fn(&str) -> bool) -> String {
        for _ in 0..200 {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            if done(&text) {
                return text;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        std::fs::read_to_string(path).unwrap_or_default()
    }

    #[test]
    fn text_lines_are_timestamped_and_redacted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("supervisor.log");
        let log = LogFile::open(&path, LogFormat::Text, &["hunter2-pass"]).unwrap();
        log.line("connecting with password hunter2-pass");
        drop(log);
        let text = read_when(&path, |t| t.contains("connecting"));
        assert!(
            text.contains("INFO connecting with password [REDACTED]"),
            "{text}"
        );
        assert!(text.starts_with("20"), "an ISO-8601 time first: {text}");
        assert!(!text.contains("hunter2-pass"), "{text}");
    }

    /// loguru's coloured line, as pearl-gateway writes it.
    const COLOURED: &str = "\x1b[32m2026-12-03 12:00:01\x1b[0m - \x1b[1mINFO\x1b[0m - \x1b[37mBlock accepted by node!\x1b[0m - \x1b[34msubmission_service.py:82\x1b[0m";

    #[test]
    fn coloured_lines_reach_the_file_as_plain_text() {
        let dir = tempfile::tempdir().unwrap();
        for format in [LogFormat::Text, LogFormat::Json] {
            let path = dir.path().join(format!("gateway-{format:?}.log"));
            let log = LogFile::open(&path, format, &[]).unwrap();
            log.line(COLOURED);
            log.line("\x1b]0;pearl-gateway\x07title set");
            drop(log);
            let text = read_when(&path, |t| t.contains("title set"));
            assert!(
                text.contains("2026-12-03 12:00:01 - INFO - Block accepted by node! - submission_service.py:82"),
                "{text}"
            );
            assert!(!text.contains('\x1b') && !text.contains("[0m"), "{text:?}");
            assert!(
                !text.contains("\\u001b") && !text.contains("\\x1b"),
                "{text:?}"
            );
        }
    }

    /// The gateway's output, coloured or not, is counted by the log evidence and written plain.
    #[tokio::test]
    async fn the_pump_counts_blocks_with_and_without_colours_and_writes_plain_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gateway.log");
        let log = Arc::new(LogFile::open(&path, LogFormat::Text, &[]).unwrap());
        let output = format!(
            "{COLOURED}\n2026-12-03 12:00:02 - INFO - Block accepted by node! - submission_service.py:82\n"
        );
        let evidence = Arc::new(std::sync::Mutex::new(
            pearl_protocol::gateway::log::LogEvidence::default(),
        ));
        let seen = Arc::clone(&evidence);
        pump(
            std::io::Cursor::new(output.into_bytes()),
            log,
            move |line| {
                assert!(!line.contains('\x1b'), "{line:?}");
                seen.lock().unwrap().observe(line);
            },
        )
        .await
        .unwrap();
        assert_eq!(evidence.lock().unwrap().blocks_accepted, 2);
        let text = read_when(&path, |t| t.matches("Block accepted by node!").count() == 2);
        assert_eq!(
            text.matches(" - INFO - Block accepted by node! - ").count(),
            2,
            "{text:?}"
        );
        assert!(!text.contains('\x1b'), "{text:?}");
    }

    /// One loguru line per level, as the gateway writes them (coloured), and one without.
    fn every_level() -> String {
        let mut output = String::new();
        for (level, style) in [
            (GatewayLevel::Trace, "\x1b[36m\x1b[1m"),
            (GatewayLevel::Debug, "\x1b[34m\x1b[1m"),
            (GatewayLevel::Info, "\x1b[1m"),
            (GatewayLevel::Success, "\x1b[32m\x1b[1m"),
            (GatewayLevel::Warning, "\x1b[33m\x1b[1m"),
            (GatewayLevel::Error, "\x1b[31m\x1b[1m"),
            (GatewayLevel::Critical, "\x1b[41m\x1b[1m"),
        ] {
            let name = level.name();
            output.push_str(&format!(
                "\x1b[32m2026-12-03 12:00:01\x1b[0m - {style}{name}\x1b[0m - \x1b[37ma {name} line\x1b[0m - \x1b[34mx.py:1\x1b[0m\n"
            ));
        }
        output.push_str("PearlGateway started successfully\n");
        output
    }

    /// What each line of [`every_level`] is recorded at, by its message.
    const RECORDED: [(&str, &str); 8] = [
        ("a TRACE line", "TRACE"),
        ("a DEBUG line", "DEBUG"),
        ("a INFO line", "INFO"),
        ("a SUCCESS line", "INFO"),
        ("a WARNING line", "WARN"),
        ("a ERROR line", "ERROR"),
        ("a CRITICAL line", "ERROR"),
        ("PearlGateway started successfully", "INFO"),
    ];

    /// The gateway's WARNING, ERROR and CRITICAL lines are recorded at their own level, not
    /// INFO, in both formats; the line keeps loguru's own name for it; a line without a
    /// level stays INFO.
    #[tokio::test]
    async fn the_pump_records_each_gateway_line_at_its_own_level() {
        let dir = tempfile::tempdir().unwrap();
        for format in [LogFormat::Text, LogFormat::Json] {
            let path = dir.path().join(format!("gateway-{format:?}.log"));
            let log = Arc::new(LogFile::open(&path, format, &[]).unwrap());
            pump(
                std::io::Cursor::new(every_level().into_bytes()),
                log,
                |_| {},
            )
            .await
            .unwrap();
            let text = read_when(&path, |t| t.contains("started successfully"));
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), RECORDED.len(), "{text}");
            for (line, (message, level)) in lines.iter().zip(RECORDED) {
                assert!(line.contains(message), "{line}");
                match format {
                    LogFormat::Text => {
                        let recorded = line.split_whitespace().nth(1);
                        assert_eq!(recorded, Some(level), "{line}");
                    }
                    LogFormat::Json => {
                        let line: serde_json::Value = serde_json::from_str(line).unwrap();
                        assert_eq!(line["level"], level, "{line}");
                    }
                }
            }
            assert!(
                text.contains(" - CRITICAL - a CRITICAL line - x.py:1"),
                "{text}"
            );
            assert!(!text.contains('\x1b'), "{text:?}");
        }
    }

    /// A secret in a WARNING line is redacted as in any other.
    #[test]
    fn lines_at_every_level_are_redacted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gateway.log");
        let log = LogFile::open(&path, LogFormat::Text, &["hunter2-pass"]).unwrap();
        for level in [
            Level::TRACE,
            Level::DEBUG,
            Level::INFO,
            Level::WARN,
            Level::ERROR,
        ] {
            log.line_at(level, &format!("{level} refused password hunter2-pass"));
        }
        drop(log);
        let text = read_when(&path, |t| t.lines().count() == 5);
        assert_eq!(
            text.matches("refused password [REDACTED]").count(),
            5,
            "{text}"
        );
        assert!(!text.contains("hunter2-pass"), "{text}");
    }

    #[test]
    fn json_lines_carry_the_message_as_a_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("miner.log");
        let log = LogFile::open(&path, LogFormat::Json, &[]).unwrap();
        log.line("miner: new job \"7\"");
        drop(log);
        let text = read_when(&path, |t| t.contains("new job"));
        let line: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(line["message"], "miner: new job \"7\"");
        assert_eq!(line["level"], "INFO");
        assert!(line["timestamp"].is_string(), "{line}");
    }
}
