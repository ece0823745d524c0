//! Crash-safe file writes (readers see the old file or the new one, never a mix) and safe
//! reads of files from outside: regular files only, with a size cap.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Atomically replaces `path` with `bytes`, file mode `mode` on unix.
///
/// Creates missing parent directories, writes a `.`-prefixed temp file in the same directory,
/// syncs it, renames it over `path` and syncs the directory. The temp file is removed on error.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let stem = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{stem}."))
        .suffix(".tmp")
        .tempfile_in(dir)?;
    set_mode(tmp.as_file(), mode)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_dir(dir)
}

#[cfg(unix)]
fn set_mode(file: &std::fs::File, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_file: &std::fs::File, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Why a file from outside (config, sidecar, model shard, log) was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadFileError {
    /// Opening or reading failed (`NotFound` included: see [`ReadFileError::is_not_found`]).
    #[error("cannot read {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A FIFO, device, socket or directory where a regular file belongs: reading it could
    /// block forever or never end.
    #[error(
"{} is {kind}, not a regular file, so jarvis does not read it", path.display()
    )]
    NotRegular {
        /// The file (a symlink is followed: this names the link).
        path: PathBuf,
        /// What it is instead: "a FIFO", "a character device", ...
        kind: &'static str,
    },
    /// Larger than any such file can honestly be.
    #[error(
"{} is {size} bytes, more than the {cap} bytes jarvis reads from such a file",
        path.display()
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size (or the bytes read before giving up).
        size: u64,
        /// The cap.
        cap: u64,
    },
}

impl ReadFileError {
    /// Whether the file does not exist (callers usually treat that as "absent").
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadFileError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }

    /// The file the error names.
    pub fn path(&self) -> &Path {
        match self {
            ReadFileError::Io { path, .. }
            | ReadFileError::NotRegular { path, .. }
            | ReadFileError::TooLarge { path, .. } => path,
        }
    }
}

/// Opens `path` for reading only if it is a regular file (symlinks followed).
///
/// The open itself never blocks: it is non-blocking, so a FIFO without a writer is refused
/// instead of hanging; devices (`/dev/zero`), sockets and directories are refused too. Every
/// reader of a file that someone other than this process may have put there goes through here
/// or [`read_regular`].
pub fn open_regular(path: &Path) -> Result<std::fs::File, ReadFileError> {
    let io = |source| ReadFileError::Io {
        path: path.to_owned(),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options.open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.file_type().is_file() {
        return Err(ReadFileError::NotRegular {
            path: path.to_owned(),
            kind: kind_of(&meta.file_type()),
        });
    }
    Ok(file)
}

/// Reads all of the regular file `path`, refusing special files (see [`open_regular`]) and
/// files over `cap` bytes (checked before reading and while reading, in case it grows).
pub fn read_regular(path: &Path, cap: u64) -> Result<Vec<u8>, ReadFileError> {
    use std::io::Read as _;
    let file = open_regular(path)?;
    let too_large = |size| ReadFileError::TooLarge {
        path: path.to_owned(),
        size,
        cap,
    };
    let size = file
        .metadata()
        .map_err(|source| ReadFileError::Io {
            path: path.to_owned(),
            source,
        })?
        .len();
    if size > cap {
        return Err(too_large(size));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| ReadFileError::Io {
            path: path.to_owned(),
            source,
        })?;
    if bytes.len() as u64 > cap {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// [`read_regular`] as UTF-8 text.
pub fn read_regular_to_string(path: &Path, cap: u64) -> Result<String, ReadFileError> {
    let bytes = read_regular(path, cap)?;
    String::from_utf8(bytes).map_err(|e| ReadFileError::Io {
        path: path.to_owned(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()),
    })
}

#[cfg(unix)]
fn kind_of(file_type: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else if file_type.is_socket() {
        "a socket"
    } else if file_type.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn kind_of(file_type: &std::fs::FileType) -> &'static str {
    if file_type.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}
