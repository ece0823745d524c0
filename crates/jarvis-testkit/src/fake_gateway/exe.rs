//! Locating the `fake-pearl-gateway` executable and exposing it as `pearl-gateway` on a PATH.

use std::io;
use std::path::{Path, PathBuf};

/// File name of the fake executable this crate builds.
pub const EXE_NAME: &str = "fake-pearl-gateway";

/// The built `fake-pearl-gateway` in the running test's target directory (`target/<profile>/`),
/// if it has been built. Crates other than this one get it built with
/// `cargo build -p jarvis-testkit --bin fake-pearl-gateway` (cargo builds only a package's
/// own binaries for its tests).
pub fn find_exe() -> Option<PathBuf> {
    let current = std::env::current_exe().ok()?;
    let dir = current.parent()?;
    // Test binaries live in target/<profile>/deps; binaries in target/<profile>.
    [Some(dir), dir.parent()]
        .into_iter()
        .flatten()
        .map(|dir| dir.join(EXE_NAME))
        .find(|candidate| candidate.is_file())
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
