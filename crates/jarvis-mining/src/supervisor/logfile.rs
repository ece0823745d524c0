//! Append-only log files under `logs/mining`, rotated by size (`x.log` → `x.log.1` …).

use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

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
            let _ = writeln!(file, "[{}] {message}", utc_now());
        }
    }
}

/// The current UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

/// Unix time now, seconds.
pub(crate) fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::civil_from_days;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(20_418), (2025, 11, 26));
    }
}
