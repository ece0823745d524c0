//! `config.toml` read and parsed once, keeping every value's position for error messages.

use std::path::{Path, PathBuf};

use super::error::ConfigError;
use super::read::TableReader;

/// The most `config.toml` may hold: hand-written settings are a few KiB.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// A parsed `config.toml`: its path, its text and a TOML document that knows where each value
/// sits. The sections are read by the crates that own them, through [`ConfigFile::table`].
#[derive(Debug, Clone)]
pub struct ConfigFile {
    path: PathBuf,
    doc: toml_edit::Document<String>,
}

impl ConfigFile {
    /// Reads and parses `path`; `Ok(None)` when the file does not exist.
    pub fn load(path: &Path) -> Result<Option<ConfigFile>, ConfigError> {
        match crate::fs::read_regular(path, MAX_CONFIG_BYTES) {
            Ok(bytes) => ConfigFile::parse(utf8(bytes, path)?, path).map(Some),
            Err(e) if e.is_not_found() => Ok(None),
            Err(crate::fs::ReadFileError::Io { path, source }) => {
                Err(ConfigError::Read { path, source })
            }
            Err(other) => Err(ConfigError::NotAConfigFile(other)),
        }
    }

    /// Parses config text; `path` is only used in error messages.
    pub fn parse(text: impl Into<String>, path: &Path) -> Result<ConfigFile, ConfigError> {
        let text = text.into();
        // The error keeps no accessible copy of the text, and its position needs one.
        match toml_edit::Document::parse(text.clone()) {
            Ok(doc) => Ok(ConfigFile {
                path: path.to_path_buf(),
                doc,
            }),
            Err(e) => Err(syntax_error(path, &text, &e)),
        }
    }

    /// The file's path, as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's text.
    pub fn text(&self) -> &str {
        self.doc.raw()
    }

    /// The parsed document, spans included.
    pub fn document(&self) -> &toml_edit::Document<String> {
        &self.doc
    }

    /// The top-level table `name` (e.g. `mining`), or `None` when the file has none; a value
    /// that is not a table is an error pointing at it.
    pub fn table(&self, name: &'static str) -> Result<Option<TableReader<'_>>, ConfigError> {
        match self.doc.as_table().get(name) {
            None => Ok(None),
            Some(item) => TableReader::new(self, item, name, 0).map(Some),
        }
    }

    /// An [`ConfigError::Invalid`] at byte `offset` of the text.
    pub fn error_at(
        &self,
        offset: usize,
        what: impl Into<String>,
        fix: impl Into<String>,
    ) -> ConfigError {
        ConfigError::at(&self.path, self.text(), offset, what, fix)
    }
}

/// Turns a TOML syntax error into `path:line:col: invalid TOML: ...`.
fn syntax_error(path: &Path, text: &str, e: &toml_edit::TomlError) -> ConfigError {
    let offset = e.span().map_or(0, |s| s.start);
    let message = e.message().trim().replace('\n', "; ");
    ConfigError::at(
        path,
        text,
        offset,
        format!("invalid TOML: {message}"),
        "fix the syntax at this position (strings need double quotes, one key per line)",
    )
}

/// `bytes` as text, or an [`ConfigError::Encoding`] saying what the file holds instead. A
/// UTF-8 byte-order mark is accepted (and dropped); UTF-16 is named by its byte-order mark.
fn utf8(bytes: Vec<u8>, path: &Path) -> Result<String, ConfigError> {
    let encoding = |found: String| ConfigError::Encoding {
        path: path.to_path_buf(),
        found,
    };
    match bytes.get(..2) {
        Some([0xFF, 0xFE]) => return Err(encoding("UTF-16 (little-endian)".to_owned())),
        Some([0xFE, 0xFF]) => return Err(encoding("UTF-16 (big-endian)".to_owned())),
        _ => {}
    }
    let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        encoding(format!("an invalid byte at offset {offset}"))
    })
}
