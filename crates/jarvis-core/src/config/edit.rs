//! Comment-preserving edits of `config.toml` with `toml_edit`, saved atomically.

use std::path::Path;

use toml_edit::{DocumentMut, Item, Table, Value};

use super::error::ConfigError;
use super::file::ConfigFile;

/// An edit of `config.toml`: the file as it was (positions kept, for errors) and the document
/// being changed. Comments, key order, unknown keys and unrelated sections survive.
#[derive(Debug)]
pub struct ConfigEdit {
    original: ConfigFile,
    doc: DocumentMut,
}

impl ConfigEdit {
    /// Opens `path` for editing; a missing file starts empty.
    pub fn open(path: &Path) -> Result<ConfigEdit, ConfigError> {
        let original = match ConfigFile::load(path)? {
            Some(file) => file,
            None => ConfigFile::parse(String::new(), path)?,
        };
        let doc = original.document().clone().into_mut();
        Ok(ConfigEdit { original, doc })
    }

    /// The file as it was before this edit.
    pub fn original(&self) -> &ConfigFile {
        &self.original
    }

    /// The top-level table `key`, created if absent and made a real `[key]` section.
    pub fn table_mut(&mut self, key: &str) -> &mut Table {
        let item = self
            .doc
            .as_table_mut()
            .entry(key)
            .or_insert_with(|| Item::Table(Table::new()));
        normalize_table(item);
        item.as_table_mut().expect("normalize_table leaves a table")
    }

    /// The edited text.
    pub fn text(&self) -> String {
        self.doc.to_string()
    }

    /// The edited text, parsed again (for validation before saving).
    pub fn reparse(&self) -> Result<ConfigFile, ConfigError> {
        ConfigFile::parse(self.text(), self.original.path())
    }

    /// Writes the edited text atomically with mode 0600 (through a symlink to its target).
    pub fn save(&self) -> Result<(), ConfigError> {
        let path = self.original.path();
        let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        crate::fs::write_atomic(&target, self.text().as_bytes(), 0o600).map_err(|source| {
            ConfigError::Write {
                path: path.to_path_buf(),
                source,
            }
        })
    }
}

/// Makes `item` a real (non-implicit) table, converting an inline table or starting fresh.
pub fn normalize_table(item: &mut Item) {
    if !item.is_table() {
        let table = item
            .as_inline_table()
            .map(|t| t.clone().into_table())
            .unwrap_or_default();
        *item = Item::Table(table);
    }
    if let Some(t) = item.as_table_mut() {
        t.set_implicit(false);
    }
}

/// Sets `key` to `new`, keeping the old value's comments/whitespace, and its exact spelling
/// when the value is unchanged.
pub fn set(table: &mut Table, key: &str, new: Value) {
    match table.get_mut(key) {
        Some(Item::Value(old)) => {
            if !same_value(old, &new) {
                let decor = old.decor().clone();
                *old = new;
                *old.decor_mut() = decor;
            }
        }
        Some(item) => *item = Item::Value(new),
        None => {
            table.insert(key, Item::Value(new));
        }
    }
}

fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.value() == y.value(),
        (Value::Integer(x), Value::Integer(y)) => x.value() == y.value(),
        (Value::Float(x), Value::Float(y)) => x.value() == y.value(),
        (Value::Boolean(x), Value::Boolean(y)) => x.value() == y.value(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(a, b)| same_value(a, b))
        }
        _ => false,
    }
}
