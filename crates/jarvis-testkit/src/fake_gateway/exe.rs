//! Locating the `fake-pearl-gateway` executable and exposing it as `pearl-gateway` on a PATH.

use std::io;
use std::path::{Path, PathBuf};

/// File name of the fake executable this crate builds.
pub const EXE_NAME: &str = "fake-pearl-gateway";

/// The built `fake-pearl-gateway` (see [`crate::testkit_exe`]). Crates other than this one get
/// it built with `cargo build -p jarvis-testkit --bin fake-pearl-gateway`.
pub fn find_exe() -> Option<PathBuf> {
    crate::testkit_exe(EXE_NAME)
}

/// Makes `dir/pearl-gateway` start `exe` (a symlink), so a supervisor that runs
/// `pearl-gateway start` from PATH launches the fake. Returns the link's path.
#[cfg(unix)]
pub fn install_as_pearl_gateway(exe: &Path, dir: &Path) -> io::Result<PathBuf> {
    let link = dir.join("pearl-gateway");
    match std::fs::remove_file(&link) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    std::os::unix::fs::symlink(exe, &link)?;
    Ok(link)
}
