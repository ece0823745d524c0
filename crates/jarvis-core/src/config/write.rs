//! Comment-preserving update of `[mining]` / `[mining.extra]` with `toml_edit`.

use std::path::Path;

use toml_edit::{Array, DocumentMut, Item, Table, Value};

use super::error::ConfigError;
use super::load::{parse_config, syntax_error};
use super::types::{MiningExtra, MiningSection, VllmArgs};

/// Creates `path` or updates its `[mining]` and `[mining.extra]` tables in place, keeping every
/// comment, key order, unknown key and unrelated section; writes atomically with mode 0600.
///
/// With `only_non_default_extra`, extra keys whose value equals the default are not ADDED
/// (keys already in the file are always updated). Optional keys set to `None` are removed.
/// The result is re-parsed before writing, so an invalid section (e.g. port 0) is refused.
pub fn write_mining_section(
    path: &Path,
    section: &MiningSection,
    only_non_default_extra: bool,
) -> Result<(), ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(ConfigError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let spanned =
        toml_edit::Document::parse(text.as_str()).map_err(|e| syntax_error(path, &text, &e))?;
    if let Some(item) = spanned
        .as_table()
        .get("mining")
        .filter(|i| !i.is_table_like())
    {
        return Err(ConfigError::at(
            path,
            &text,
            item.span().map_or(0, |s| s.start),
            "mining must be a table",
            "remove the `mining = ...` value; jarvis writes a [mining] section",
        ));
    }
    let mut doc: DocumentMut = spanned.into_mut();
    update(&mut doc, section, only_non_default_extra);
    let new_text = doc.to_string();
    if let Err(e) = parse_config(&new_text, path, &[]) {
        let detail = match e {
            ConfigError::Invalid { what, .. } => what,
            other => other.to_string(),
        };
        return Err(ConfigError::Invalid {
            path: path.to_path_buf(),
            line: 1,
            col: 1,
            what: format!("refusing to write an invalid [mining] section: {detail}"),
            fix: "correct the value passed to jarvis (the file was left unchanged)".to_string(),
        });
    }
    let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    crate::fs::write_atomic(&target, new_text.as_bytes(), 0o600).map_err(|source| {
        ConfigError::Write {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// Makes `item` a real (non-implicit) table, converting an inline table or starting fresh.
fn normalize_table(item: &mut Item) {
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

fn update(doc: &mut DocumentMut, s: &MiningSection, only_non_default: bool) {
    let mining_item = doc
        .as_table_mut()
        .entry("mining")
        .or_insert_with(|| Item::Table(Table::new()));
    normalize_table(mining_item);
    let Some(mining) = mining_item.as_table_mut() else {
        return;
    };
    set(mining, "provider", s.provider.as_str().into());
    set(mining, "wallet_address", s.wallet_address.as_str().into());
    set(
        mining,
        "submit_target",
        s.submit_target.to_config_string().into(),
    );
    set(mining, "fee_bps", i64::from(s.fee_bps).into());
    set(
        mining,
        "fee_payout_address",
        s.fee_payout_address.as_str().into(),
    );
    let created = !mining.contains_key("extra");
    let extra_item = mining
        .entry("extra")
        .or_insert_with(|| Item::Table(Table::new()));
    normalize_table(extra_item);
    if let Some(table) = extra_item.as_table_mut() {
        let mut w = ExtraWriter {
            table,
            only_non_default,
        };
        w.write(&s.extra);
        // Don't leave a fresh, empty `[mining.extra]` header behind.
        if created && table.is_empty() {
            table.set_implicit(true);
        }
    }
}

/// Sets `key` to `new`, keeping the old value's comments/whitespace, and its exact spelling
/// when the value is unchanged.
fn set(table: &mut Table, key: &str, new: Value) {
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

fn vllm_args_value(args: &VllmArgs) -> Value {
    match args {
        VllmArgs::Line(line) => line.as_str().into(),
        VllmArgs::List(list) => Value::Array(list.iter().map(String::as_str).collect::<Array>()),
    }
}

fn int_array(values: &[u32]) -> Value {
    Value::Array(values.iter().map(|v| i64::from(*v)).collect::<Array>())
}

fn path_value(p: &Path) -> Value {
    p.to_string_lossy().as_ref().into()
}

/// Writes `[mining.extra]` keys: `Some(v)` sets the key (a default value is not ADDED when
/// `only_non_default`), `None` removes it.
struct ExtraWriter<'a> {
    table: &'a mut Table,
    only_non_default: bool,
}

impl ExtraWriter<'_> {
    fn put(&mut self, key: &str, value: Option<Value>, is_default: bool) {
        match value {
            None => {
                self.table.remove(key);
            }
            Some(v) if self.table.contains_key(key) || !(self.only_non_default && is_default) => {
                set(self.table, key, v);
            }
            Some(_) => {}
        }
    }

    /// `put` for a key that always has a value, with its default for comparison.
    fn put_eq<T: PartialEq>(
        &mut self,
        key: &str,
        value: &T,
        default: &T,
        to: impl Fn(&T) -> Value,
    ) {
        self.put(key, Some(to(value)), value == default);
    }

    fn write(&mut self, e: &MiningExtra) {
        let d = MiningExtra::default();
        let text = |v: &String| Value::from(v.as_str());
        let port = |v: &u16| Value::from(i64::from(*v));
        let count = |v: &u32| Value::from(i64::from(*v));
        self.put_eq(
            "docker_image_tag",
            &e.docker_image_tag,
            &d.docker_image_tag,
            text,
        );
        self.put_eq("model", &e.model, &d.model, text);
        self.put(
            "local_model_path",
            e.local_model_path.as_deref().map(path_value),
            false,
        );
        self.put(
            "vllm_args",
            e.vllm_args.as_ref().map(vllm_args_value),
            false,
        );
        self.put_eq(
            "cuda_visible_devices",
            &e.cuda_visible_devices,
            &d.cuda_visible_devices,
            text,
        );
        self.put_eq("vllm_port", &e.vllm_port, &d.vllm_port, port);
        self.put_eq("gateway_port", &e.gateway_port, &d.gateway_port, port);
        self.put_eq(
            "gateway_metrics_port",
            &e.gateway_metrics_port,
            &d.gateway_metrics_port,
            port,
        );
        self.put_eq(
            "gpu_memory_utilization",
            &e.gpu_memory_utilization,
            &d.gpu_memory_utilization,
            |v| Value::from(*v),
        );
        self.put_eq("max_model_len", &e.max_model_len, &d.max_model_len, count);
        self.put_eq("pearld_rpc_url", &e.pearld_rpc_url, &d.pearld_rpc_url, text);
        self.put_eq(
            "pearld_rpc_user",
            &e.pearld_rpc_user,
            &d.pearld_rpc_user,
            text,
        );
        self.put_eq(
            "pearld_rpc_password_env",
            &e.pearld_rpc_password_env,
            &d.pearld_rpc_password_env,
            text,
        );
        self.put_eq("hf_token_env", &e.hf_token_env, &d.hf_token_env, text);
        self.put_eq("gateway_host", &e.gateway_host, &d.gateway_host, text);
        self.put_eq("metrics_port", &e.metrics_port, &d.metrics_port, port);
        self.put_eq("network", &e.network, &d.network, |n| {
            Value::from(n.as_str())
        });
        self.put(
            "pearld_rpc_cert",
            e.pearld_rpc_cert.as_deref().map(path_value),
            false,
        );
        self.put("threads", e.threads.as_ref().map(count), false);
        self.put_eq(
            "sample_interval_s",
            &e.sample_interval_s,
            &d.sample_interval_s,
            count,
        );
        self.put_eq(
            "history_retention_days",
            &e.history_retention_days,
            &d.history_retention_days,
            count,
        );
        self.put_eq(
            "max_restarts_per_hour",
            &e.max_restarts_per_hour,
            &d.max_restarts_per_hour,
            count,
        );
        self.put("pearl_ref", e.pearl_ref.as_deref().map(Value::from), false);
        self.put("m", e.m.as_ref().map(count), false);
        self.put("n", e.n.as_ref().map(count), false);
        self.put_eq("k", &e.k, &d.k, count);
        self.put_eq("rank", &e.rank, &d.rank, count);
        self.put_eq("rows_pattern", &e.rows_pattern, &d.rows_pattern, |v| {
            int_array(v)
        });
        self.put(
            "cols_pattern",
            e.cols_pattern.as_deref().map(int_array),
            false,
        );
    }
}
