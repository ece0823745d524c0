//! The pearl-gateway that `jarvis pearl install-gateway` installed: a small JSON record in
//! `$OPENJARVIS_HOME/cache/pearl-gateway/installed.json` naming its executable (inside a
//! virtual environment there), its version and the Pearl commit it was built from. The
//! cpu-pearl supervisor and the doctors look here before `PATH`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::paths::JarvisHome;

/// The gateway's executable name.
pub const GATEWAY: &str = "pearl-gateway";
/// The record's file name inside [`cache_dir`].
pub const RECORD_FILE: &str = "installed.json";
/// The record's schema.
pub const SCHEMA_VERSION: u32 = 1;

/// What was installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstalledGateway {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The `pearl-gateway` console script.
    pub program: PathBuf,
    /// The virtual environment holding it.
    pub venv: PathBuf,
    /// The `pearl-gateway` package version, when Python reported one.
    pub version: Option<String>,
    /// The Pearl commit it was built from.
    pub commit: String,
    /// The reference asked for (a commit, tag or branch).
    pub reference: String,
    /// Where the source came from (a URL or a local path).
    pub source: String,
    /// `uv` or `pip`.
    pub installer: String,
    /// When it was installed, seconds since the Unix epoch.
    pub installed_at: u64,
}

/// Why the record could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The file exists but cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The record.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a record.
    #[error("{} is not a gateway record ({source}); run `jarvis pearl install-gateway` again", path.display())]
    Corrupt {
        /// The record.
        path: PathBuf,
        /// The cause.
        source: serde_json::Error,
    },
    /// The file cannot be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The record.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// `<home>/cache/pearl-gateway`: Pearl's source, the virtual environments and the record.
pub fn cache_dir(home: &JarvisHome) -> PathBuf {
    home.cache_dir().join("pearl-gateway")
}

/// `<home>/cache/pearl-gateway/installed.json`.
pub fn record_path(home: &JarvisHome) -> PathBuf {
    cache_dir(home).join(RECORD_FILE)
}

/// The record in `dir`, `None` when nothing was installed.
pub fn read_record(dir: &Path) -> Result<Option<InstalledGateway>, RecordError> {
    let path = dir.join(RECORD_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(RecordError::Read { path, source }),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|source| RecordError::Corrupt { path, source })
}

/// Writes the record into `dir` atomically (mode 0644).
pub fn write_record(dir: &Path, record: &InstalledGateway) -> Result<(), RecordError> {
    let path = dir.join(RECORD_FILE);
    let mut text = serde_json::to_string_pretty(record).map_err(|e| RecordError::Write {
        path: path.clone(),
        source: std::io::Error::other(e),
    })?;
    text.push('\n');
    crate::fs::write_atomic(&path, text.as_bytes(), 0o644)
        .map_err(|source| RecordError::Write { path, source })
}

/// The installed gateway when its record reads and its executable is still there.
pub fn installed(home: &JarvisHome) -> Option<InstalledGateway> {
    read_record(&cache_dir(home))
        .ok()
        .flatten()
        .filter(|r| is_executable(&r.program))
}

/// The gateway to run: the one jarvis installed, else the first `pearl-gateway` on the
/// `:`-separated `path`.
pub fn find_gateway(home: &JarvisHome, path: &str) -> Option<PathBuf> {
    installed(home)
        .map(|r| r.program)
        .or_else(|| find_on_path(path, GATEWAY))
}

/// The first executable `name` in the `:`-separated `path` (the one lookup,
/// [`crate::command::find_program`]).
pub fn find_on_path(path: &str, name: &str) -> Option<PathBuf> {
    crate::command::find_program(name, Some(std::ffi::OsStr::new(path)))
}

/// A file with an execute bit.
pub fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    fn tool(path: &Path) {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, "#!/bin/sh\n").expect("write");
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }

    fn record(program: PathBuf) -> InstalledGateway {
        InstalledGateway {
            schema_version: SCHEMA_VERSION,
            venv: program.parent().expect("bin").to_owned(),
            program,
            version: Some("0.1.0".into()),
            commit: "4d00f3becf98797b9def56f27d26960f7605c45f".into(),
            reference: "4d00f3b".into(),
            source: "https://example.invalid/pearl.git".into(),
            installer: "pip".into(),
            installed_at: 1,
        }
    }

    #[test]
    fn the_installed_gateway_wins_over_path_while_its_executable_exists() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let home = JarvisHome::at(tmp.path().join("home"));
        let on_path = tmp.path().join("bin/pearl-gateway");
        tool(&on_path);
        let path = format!("/nonexistent:{}", on_path.parent().expect("bin").display());
        assert_eq!(find_gateway(&home, &path), Some(on_path.clone()));

        let installed_program = cache_dir(&home).join("venv-4d00f3becf98/bin/pearl-gateway");
        tool(&installed_program);
        write_record(&cache_dir(&home), &record(installed_program.clone())).expect("write");
        assert_eq!(
            read_record(&cache_dir(&home)).expect("read"),
            Some(record(installed_program.clone()))
        );
        assert_eq!(find_gateway(&home, &path), Some(installed_program.clone()));

        std::fs::remove_file(&installed_program).expect("remove");
        assert_eq!(installed(&home), None, "a record without its program");
        assert_eq!(find_gateway(&home, &path), Some(on_path));
        assert_eq!(find_gateway(&home, ""), None);
    }

    #[test]
    fn a_corrupt_record_names_its_file_and_the_fix() {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::write(tmp.path().join(RECORD_FILE), "{not json").expect("write");
        let err = read_record(tmp.path()).unwrap_err().to_string();
        assert!(
            err.contains("installed.json is not a gateway record"),
            "{err}"
        );
        assert!(err.contains("jarvis pearl install-gateway"), "{err}");
        assert_eq!(read_record(&tmp.path().join("none")).expect("absent"), None);
    }
}
