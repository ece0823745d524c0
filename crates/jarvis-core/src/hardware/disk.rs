//! Free disk space.

use std::path::Path;

/// Bytes available to unprivileged users on the filesystem that holds (or would hold) `path`.
///
/// When `path` does not exist yet, its nearest existing ancestor is measured.
pub fn disk_free_bytes(path: &Path) -> std::io::Result<u64> {
    let absolute = std::path::absolute(path)?;
    let existing = absolute.ancestors().find(|p| p.exists()).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("no existing ancestor of {}", path.display()),
        )
    })?;
    crate::sys::statvfs_free(existing)
}
