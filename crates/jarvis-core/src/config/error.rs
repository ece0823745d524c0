//! Config errors, each pointing at `path:line:col` of the offending value.

use std::path::PathBuf;

/// Failure to read, validate or write `config.toml`.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file is not valid TOML or a `[mining]` value is wrong; `line`/`col` are 1-based.
    #[error("{}:{line}:{col}: {what}; {fix}", path.display())]
    Invalid {
        /// The config file.
        path: PathBuf,
        /// 1-based line of the offending value.
        line: usize,
        /// 1-based column (in characters) of the offending value.
        col: usize,
        /// What is wrong, naming the key (e.g. `mining.extra.gateway_port must be ...`).
        what: String,
        /// How to fix it.
        fix: String,
    },
    /// The file exists but could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The config file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not UTF-8 text (UTF-16 with a byte-order mark, or another encoding).
    #[error("{} is not UTF-8 text: {found}", path.display())]
    Encoding {
        /// The config file.
        path: PathBuf,
        /// What it is instead (`UTF-16 (little-endian)`, `an invalid byte at offset 7`).
        found: String,
    },
    /// A FIFO, device or directory where the file belongs, or a file too large to be one.
    #[error(transparent)]
    NotAConfigFile(crate::fs::ReadFileError),
    /// The file could not be written.
    #[error("cannot write {}", path.display())]
    Write {
        /// The config file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl ConfigError {
    /// Builds an [`ConfigError::Invalid`] at byte `offset` of `text`.
    pub(crate) fn at(
        path: &std::path::Path,
        text: &str,
        offset: usize,
        what: impl Into<String>,
        fix: impl Into<String>,
    ) -> ConfigError {
        let (line, col) = line_col(text, offset);
        ConfigError::Invalid {
            path: path.to_path_buf(),
            line,
            col,
            what: what.into(),
            fix: fix.into(),
        }
    }
}

/// 1-based (line, column in chars) of byte `offset` in `text` (clamped to the text).
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = text.get(..offset).unwrap_or_default();
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before.get(line_start..).unwrap_or_default().chars().count() + 1;
    (line, col)
}
