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
                pid: holder_pid(&mut file),
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

/// The holder's pid: what it wrote into the file, or else (it has just taken the lock and not
/// written yet, or is releasing it) the kernel's record of who holds the lock.
fn holder_pid(file: &mut File) -> Option<u32> {
    for _ in 0..20 {
        if let Some(pid) = read_pid(file).or_else(|| kernel_holder(file)) {
            return Some(pid);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    None
}

/// The pid `/proc/locks` names for the flock on `file` (Linux).
#[cfg(target_os = "linux")]
fn kernel_holder(file: &File) -> Option<u32> {
    use std::os::unix::fs::MetadataExt as _;
    let meta = file.metadata().ok()?;
    let dev = meta.dev();
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    let id = format!("{major:02x}:{minor:02x}:{}", meta.ino());
    let table = std::fs::read_to_string("/proc/locks").ok()?;
    parse_proc_locks(&table, &id)
}

#[cfg(not(target_os = "linux"))]
fn kernel_holder(_file: &File) -> Option<u32> {
    None
}

/// The pid holding the FLOCK on the file `id` (`major:minor:inode`, as `/proc/locks` writes
/// it) in the text of `/proc/locks`; waiters (`->`) are skipped. Overlay filesystems may report
/// another device than `stat` does: then the one FLOCK on that inode, if only one, counts.
pub fn parse_proc_locks(table: &str, id: &str) -> Option<u32> {
    let flocks: Vec<(&str, u32)> = table
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.get(1) != Some(&"FLOCK") {
                return None;
            }
            Some((*fields.get(5)?, fields.get(4)?.parse().ok()?))
        })
        .collect();
    if let Some((_, pid)) = flocks.iter().find(|(file, _)| *file == id) {
        return Some(*pid);
    }
    let inode = id.rsplit(':').next()?;
    let mut same_inode = flocks
        .iter()
        .filter(|(file, _)| file.rsplit(':').next() == Some(inode));
    match (same_inode.next(), same_inode.next()) {
        (Some((_, pid)), None) => Some(*pid),
        _ => None,
    }
}

fn read_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    Read::by_ref(file).take(64).read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}
