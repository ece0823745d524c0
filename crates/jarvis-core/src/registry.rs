//! `Registry<T>`: a named, insertion-ordered map from string keys to entries.

/// Lookup or registration failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// `register` was called twice with one key.
    #[error("{kind} already has an entry for '{key}'")]
    Duplicate {
        /// Registry name, e.g. `MinerRegistry`.
        kind: &'static str,
        /// The duplicate key.
        key: String,
    },
    /// `require` found no entry.
    #[error("{kind} does not have an entry for '{key}'; known: {}", known.join(", "))]
    Missing {
        /// Registry name.
        kind: &'static str,
        /// The key asked for.
        key: String,
        /// Registered keys, in order.
        known: Vec<String>,
    },
}

/// An insertion-ordered registry of `T` by string key; `kind` names it in error messages.
#[derive(Debug, Clone)]
pub struct Registry<T> {
    kind: &'static str,
    entries: Vec<(String, T)>,
}

impl<T> Registry<T> {
    /// An empty registry called `kind` (e.g. `"MinerRegistry"`).
    pub fn new(kind: &'static str) -> Self {
        Registry {
            kind,
            entries: Vec::new(),
        }
    }

    /// The registry's name.
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// Adds `value` under `key`; a key may be registered once.
    pub fn register(&mut self, key: &str, value: T) -> Result<(), RegistryError> {
        if self.contains(key) {
            return Err(RegistryError::Duplicate {
                kind: self.kind,
                key: key.to_string(),
            });
        }
        self.entries.push((key.to_string(), value));
        Ok(())
    }

    /// Registers `make()` under `key` unless present (idempotent `ensure_registered`);
    /// returns whether it registered.
    pub fn register_if_absent(&mut self, key: &str, make: impl FnOnce() -> T) -> bool {
        if self.contains(key) {
            return false;
        }
        self.entries.push((key.to_string(), make()));
        true
    }

    /// Whether `key` is registered.
    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The entry for `key`.
    pub fn get(&self, key: &str) -> Option<&T> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The entry for `key`, or an error listing the known keys.
    pub fn require(&self, key: &str) -> Result<&T, RegistryError> {
        self.get(key).ok_or_else(|| RegistryError::Missing {
            kind: self.kind,
            key: key.to_string(),
            known: self.entries.iter().map(|(k, _)| k.clone()).collect(),
        })
    }

    /// Keys in registration order.
    pub fn keys(&self) -> Vec<&str> {
        self.entries.iter().map(|(k, _)| k.as_str()).collect()
    }

    /// `(key, entry)` pairs in registration order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the registry is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}
