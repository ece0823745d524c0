//! Where jarvis keeps its files: `$OPENJARVIS_HOME` (default `~/.openjarvis`) and its layout.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Environment variable that overrides the home directory.
pub const HOME_ENV: &str = "OPENJARVIS_HOME";
/// Environment variable that overrides the config file path.
pub const CONFIG_ENV: &str = "OPENJARVIS_CONFIG";

/// Failure to locate the jarvis home directory.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PathsError {
    /// Neither `$OPENJARVIS_HOME` nor `$HOME` holds a usable path.
    #[error(
        "cannot locate the jarvis home: $OPENJARVIS_HOME and $HOME are both unset or empty; \
         set OPENJARVIS_HOME to a directory jarvis may write to"
    )]
    NoHome,
}

/// The jarvis home directory (`$OPENJARVIS_HOME`, default `~/.openjarvis`) and the paths in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JarvisHome {
    root: PathBuf,
    config_override: Option<PathBuf>,
}

impl JarvisHome {
    /// Resolves the home from the process environment (`$OPENJARVIS_HOME`, else `$HOME/.openjarvis`)
    /// and captures `$OPENJARVIS_CONFIG` for [`JarvisHome::config_path`].
    pub fn from_env() -> Result<JarvisHome, PathsError> {
        Self::from_vars(|name| std::env::var_os(name))
    }

    /// Like [`JarvisHome::from_env`], reading variables through `get` (lets tests avoid the real env).
    pub fn from_vars(get: impl Fn(&str) -> Option<OsString>) -> Result<JarvisHome, PathsError> {
        let non_empty = |name: &str| get(name).filter(|v| !v.is_empty());
        let home = non_empty("HOME").map(PathBuf::from);
        let expand = |raw: OsString| absolutize(expand_tilde(PathBuf::from(raw), home.as_deref()));
        let root = match non_empty(HOME_ENV) {
            Some(raw) => expand(raw),
            None => match &home {
                Some(h) => absolutize(h.join(".openjarvis")),
                None => return Err(PathsError::NoHome),
            },
        };
        let config_override = non_empty(CONFIG_ENV).map(expand);
        Ok(JarvisHome {
            root,
            config_override,
        })
    }

    /// A home rooted at `root`, ignoring the environment (for tests and explicit `--home`).
    pub fn at(root: impl Into<PathBuf>) -> JarvisHome {
        JarvisHome {
            root: root.into(),
            config_override: None,
        }
    }

    /// Returns a copy whose [`JarvisHome::config_path`] is `path`.
    pub fn with_config_path(mut self, path: impl Into<PathBuf>) -> JarvisHome {
        self.config_override = Some(path.into());
        self
    }

    /// The home directory itself.
    pub fn root(&self) -> PathBuf {
        self.root.clone()
    }

    /// `$OPENJARVIS_CONFIG` (captured by `from_env`) if set, else `<root>/config.toml`.
    pub fn config_path(&self) -> PathBuf {
        self.config_override
            .clone()
            .unwrap_or_else(|| self.root.join("config.toml"))
    }

    /// `<root>/runtime`: sidecar and lock live here.
    pub fn runtime_dir(&self) -> PathBuf {
        self.root.join("runtime")
    }

    /// `<root>/runtime/mining.json`: the mining sidecar.
    pub fn sidecar_path(&self) -> PathBuf {
        self.runtime_dir().join("mining.json")
    }

    /// `<root>/runtime/mining.lock`: held while mining starts or stops.
    pub fn lock_path(&self) -> PathBuf {
        self.runtime_dir().join("mining.lock")
    }

    /// `<root>/logs/mining`: mining log files.
    pub fn logs_dir(&self) -> PathBuf {
        self.root.join("logs").join("mining")
    }

    /// `<root>/cache`.
    pub fn cache_dir(&self) -> PathBuf {
        self.root.join("cache")
    }

    /// `<root>/telemetry`.
    pub fn telemetry_dir(&self) -> PathBuf {
        self.root.join("telemetry")
    }

    /// `<root>/telemetry/mining.sqlite`: the mining history database.
    pub fn mining_history_path(&self) -> PathBuf {
        self.telemetry_dir().join("mining.sqlite")
    }
}

/// Expands a leading `~` (alone or followed by `/`) to `home`.
fn expand_tilde(path: PathBuf, home: Option<&Path>) -> PathBuf {
    let Some(home) = home else { return path };
    match path.strip_prefix("~") {
        Ok(rest) => home.join(rest),
        Err(_) => path,
    }
}

/// Makes a relative path absolute against the current directory (left as is if that fails).
fn absolutize(path: PathBuf) -> PathBuf {
    std::path::absolute(&path).unwrap_or(path)
}
