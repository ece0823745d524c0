//! Append-only log files under `logs/mining`, rotated by size (`x.log` → `x.log.1` …).

use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use jarvis_core::time::{UtcTime, unix_now};

/// A log is rotated once it exceeds this size.
pub const LOG_MAX_BYTES: u64 = 10 * 1024 * 1024;
/// Rotated generations kept (`.1` … `.3`).
pub const LOG_KEEP: u32 = 3;

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
pub(crate) fn open_append(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    rotate_if_large(path, LOG_MAX_BYTES, LOG_KEEP)?;
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// A log file our own code writes timestamped lines to. Lines never hold secrets: callers
/// pass only their own messages and error texts the gateway client already redacts.
#[derive(Debug)]
pub(crate) struct LogFile {
    path: PathBuf,
    file: Mutex<Option<File>>,
}

impl LogFile {
    /// Opens (and rotates) `path`.
    pub(crate) fn open(path: &Path) -> io::Result<Self> {
        let file = open_append(path)?;
        Ok(Self {
            path: path.to_owned(),
            file: Mutex::new(Some(file)),
        })
    }

    /// Appends `[time] message`; a failed write is dropped (logging must not stop mining).
    pub(crate) fn line(&self, message: &str) {
        let mut guard = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if guard
            .as_ref()
            .and_then(|f| f.metadata().ok())
            .is_some_and(|m| m.len() > LOG_MAX_BYTES)
        {
            *guard = open_append(&self.path).ok();
        }
        if let Some(file) = guard.as_mut() {
            let now = UtcTime::from_unix(unix_now() as i64).iso8601();
            let _ = writeln!(file, "[{now}] {message}");
        }
    }
}
