//! Exclusive, non-blocking lock file (`runtime/mining.lock`) held while mining starts or stops.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Failure to take the lock.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds the lock; `pid` is what it wrote into the file, if readable.
    #[error(
        "{}; wait for it to finish, or remove {} if no jarvis is running",
        holder(pid),
        path.display()
    )]
    Held {
        /// Pid recorded by the holder.
        pid: Option<u32>,
        /// The lock file.
        path: PathBuf,
    },
    /// The lock file could not be created, opened or written.
    #[error("cannot use lock file {}", path.display())]
    Io {
        /// The lock file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

fn holder(pid: &Option<u32>) -> String {
    match pid {
        Some(pid) => format!("another jarvis (pid {pid}) is starting or stopping mining"),
        None => "another jarvis is starting or stopping mining".to_string(),
    }
}

/// A held lock; released when dropped (or when the process dies).
#[derive(Debug)]
pub struct LockGuard {
    file: File,
    path: PathBuf,
}

impl LockGuard {
    /// The lock file path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        // Clear our pid first so nobody later reads a stale holder; errors are harmless here.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

/// Takes the exclusive lock at `path` without waiting, creating the file (and its directory).
///
/// On success our pid is written into the file.
pub fn try_lock(path: &Path) -> Result<LockGuard, LockError> {
    let io_err = |source| LockError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io_err)?;
    }
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io_err)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            return Err(LockError::Held {
                pid: read_pid(&mut file),
                path: path.to_path_buf(),
            });
        }
        Err(TryLockError::Error(e)) => return Err(io_err(e)),
    }
    write_pid(&mut file).map_err(io_err)?;
    Ok(LockGuard {
        file,
        path: path.to_path_buf(),
    })
}

fn write_pid(file: &mut File) -> std::io::Result<()> {
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    file.write_all(format!("{}\n", std::process::id()).as_bytes())?;
    file.flush()
}

fn read_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    Read::by_ref(file).take(64).read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}
