//! Typed reads of one `config.toml` table; every error points at `path:line:col` of the value
//! (or of the table when a key is missing) and says how to fix it.

use std::ops::Range;

use toml_edit::{Item, TableLike, Value};

use super::error::ConfigError;
use super::file::ConfigFile;

/// A string value and where it sits in the file.
pub type Spanned = (String, Option<Range<usize>>);

/// One table of a [`ConfigFile`] being read: its dotted name (`mining.extra`) and where to
/// point when a key is missing.
#[derive(Clone, Copy)]
pub struct TableReader<'a> {
    file: &'a ConfigFile,
    table: &'a dyn TableLike,
    name: &'static str,
    anchor: usize,
}

impl std::fmt::Debug for TableReader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableReader")
            .field("name", &self.name)
            .field("anchor", &self.anchor)
            .finish_non_exhaustive()
    }
}

impl<'a> TableReader<'a> {
    /// Reads `item` as the table `name`; a value that is not a table is an error pointing at
    /// it (or at `parent_anchor` when it has no position).
    pub(crate) fn new(
        file: &'a ConfigFile,
        item: &'a Item,
        name: &'static str,
        parent_anchor: usize,
    ) -> Result<Self, ConfigError> {
        let Some(table) = item.as_table_like() else {
            let offset = item.span().map_or(parent_anchor, |s| s.start);
            return Err(file.error_at(
                offset,
                format!("{name} must be a table, got {}", type_name(item)),
                format!("write it as a [{name}] section"),
            ));
        };
        Ok(TableReader {
            file,
            table,
            name,
            anchor: anchor_of(item.span(), table),
        })
    }

    /// The table's dotted name, e.g. `mining.extra`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The underlying table.
    pub fn table(&self) -> &'a dyn TableLike {
        self.table
    }

    /// An error at `span` (or at the table when the value has no position).
    pub fn err(
        &self,
        span: Option<Range<usize>>,
        what: impl Into<String>,
        fix: impl Into<String>,
    ) -> ConfigError {
        self.file
            .error_at(span.map_or(self.anchor, |s| s.start), what, fix)
    }

    /// The sub-table `key`, read as `name` (e.g. `extra` as `mining.extra`); `None` if absent.
    pub fn sub_table(
        &self,
        key: &str,
        name: &'static str,
    ) -> Result<Option<TableReader<'a>>, ConfigError> {
        match self.table.get(key) {
            None => Ok(None),
            Some(item) => TableReader::new(self.file, item, name, self.anchor).map(Some),
        }
    }

    /// Dotted names of the keys not in `known` (they stay in the file; callers warn).
    pub fn unknown_keys(&self, known: &[&str]) -> Vec<String> {
        self.table
            .iter()
            .filter(|(k, _)| !known.contains(k))
            .map(|(k, _)| format!("{}.{k}", self.name))
            .collect()
    }

    /// The value of `key` if present; a table in place of a value is a type error.
    pub fn value(&self, key: &str, expected: &str) -> Result<Option<&'a Value>, ConfigError> {
        match self.table.get(key) {
            None | Some(Item::None) => Ok(None),
            Some(Item::Value(v)) => Ok(Some(v)),
            Some(other) => Err(self.err(
                other.span(),
                format!(
                    "{}.{key} must be {expected}, got {}",
                    self.name,
                    type_name(other)
                ),
                format!("write it as {key} = <value> under [{}]", self.name),
            )),
        }
    }

    /// A string value.
    pub fn string(&self, key: &str) -> Result<Option<Spanned>, ConfigError> {
        match self.value(key, "a string")? {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some((s.value().clone(), s.span()))),
            Some(v) => Err(self.err(
                v.span(),
                format!(
                    "{}.{key} must be a string, got {}",
                    self.name,
                    value_type_name(v)
                ),
                format!("put the value in double quotes: {key} = \"...\""),
            )),
        }
    }

    /// A string that must be present and not blank; `example` shows a valid value.
    pub fn required_string(&self, key: &str, example: &str) -> Result<Spanned, ConfigError> {
        let fix = format!("add {key} = \"{example}\" under [{}]", self.name);
        match self.string(key)? {
            None => Err(self.err(None, format!("{}.{key} is missing", self.name), fix)),
            Some((v, span)) if v.trim().is_empty() => {
                Err(self.err(span, format!("{}.{key} must not be empty", self.name), fix))
            }
            Some(found) => Ok(found),
        }
    }

    /// An integer in `min..=max`.
    pub fn int(
        &self,
        key: &str,
        min: i64,
        max: i64,
        fix: &str,
    ) -> Result<Option<i64>, ConfigError> {
        let expected = format!("an integer {}", range_text(min, max));
        match self.value(key, &expected)? {
            None => Ok(None),
            Some(Value::Integer(i)) if (min..=max).contains(i.value()) => Ok(Some(*i.value())),
            Some(v) => {
                let got = match v {
                    Value::Integer(i) => i.value().to_string(),
                    other => value_type_name(other).to_string(),
                };
                Err(self.err(
                    v.span(),
                    format!("{}.{key} must be {expected}, got {got}", self.name),
                    fix,
                ))
            }
        }
    }

    /// A number in (0, 1] (integers accepted).
    pub fn fraction(&self, key: &str, fix: &str) -> Result<Option<f64>, ConfigError> {
        let expected = "a number greater than 0 and at most 1";
        let (x, v) = match self.value(key, expected)? {
            None => return Ok(None),
            Some(v @ Value::Float(f)) => (Some(*f.value()), v),
            Some(v @ Value::Integer(i)) => (Some(*i.value() as f64), v),
            Some(v) => (None, v),
        };
        match x {
            Some(x) if x > 0.0 && x <= 1.0 => Ok(Some(x)),
            _ => {
                let got = x.map_or_else(|| value_type_name(v).to_string(), |x| x.to_string());
                Err(self.err(
                    v.span(),
                    format!("{}.{key} must be {expected}, got {got}", self.name),
                    fix,
                ))
            }
        }
    }

    /// A list of integers that fit a `u32`.
    pub fn int_list(&self, key: &str) -> Result<Option<Vec<u32>>, ConfigError> {
        let expected = "a list of integers >= 0";
        let fix = format!("write it like {key} = [0, 8]");
        let Some(v) = self.value(key, expected)? else {
            return Ok(None);
        };
        let bad = |v: &Value| {
            self.err(
                v.span(),
                format!(
                    "{}.{key} must be {expected}, got {}",
                    self.name,
                    value_type_name(v)
                ),
                fix.as_str(),
            )
        };
        let Value::Array(items) = v else {
            return Err(bad(v));
        };
        items
            .iter()
            .map(|e| match e {
                Value::Integer(i) => u32::try_from(*i.value()).map_err(|_| {
                    self.err(
                        e.span(),
                        format!("{}.{key} must be {expected}, got {}", self.name, i.value()),
                        fix.as_str(),
                    )
                }),
                other => Err(bad(other)),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }
}

/// Where to point for a missing key: the table's header, else its first key.
fn anchor_of(span: Option<Range<usize>>, table: &dyn TableLike) -> usize {
    span.map(|s| s.start)
        .or_else(|| {
            table
                .iter()
                .find_map(|(k, _)| table.key(k).and_then(|k| k.span()).map(|s| s.start))
        })
        .unwrap_or(0)
}

/// How an item's type is named in errors (`a table`, `an integer`, ...).
pub fn type_name(item: &Item) -> &'static str {
    match item {
        Item::None => "nothing",
        Item::Table(_) => "a table",
        Item::ArrayOfTables(_) => "an array of tables",
        Item::Value(v) => value_type_name(v),
    }
}

/// How a value's type is named in errors (`a string`, `an array`, ...).
pub fn value_type_name(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a float",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a date-time",
        Value::Array(_) => "an array",
        Value::InlineTable(_) => "an inline table",
    }
}

/// `min-max`, or `>= min` when `max` is `u32::MAX` or more.
pub fn range_text(min: i64, max: i64) -> String {
    if max >= i64::from(u32::MAX) {
        format!(">= {min}")
    } else {
        format!("{min}-{max}")
    }
}

/// Whether `name` can name an environment variable in config: ASCII letters, digits and `_`,
/// not starting with a digit.
pub fn is_env_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
