//! Comment-preserving update of `[mining]` / `[mining.extra]` in `config.toml`.

use std::path::Path;

use jarvis_core::config::edit::{normalize_table, set};
use jarvis_core::config::{ConfigEdit, ConfigError};
use toml_edit::{Array, Item, Table, Value};

use super::load::mining_section;
use super::section::{MiningExtra, MiningSection, VllmArgs};

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
    let mut edit = ConfigEdit::open(path)?;
    let original = edit.original();
    if let Some(item) = original
        .document()
        .as_table()
        .get("mining")
        .filter(|i| !i.is_table_like())
    {
        return Err(original.error_at(
            item.span().map_or(0, |s| s.start),
            "mining must be a table",
            "remove the `mining = ...` value; jarvis writes a [mining] section",
        ));
    }
    update(edit.table_mut("mining"), section, only_non_default_extra);
    if let Err(e) = edit.reparse().and_then(|file| mining_section(&file, &[])) {
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
    edit.save()
}

fn update(mining: &mut Table, s: &MiningSection, only_non_default: bool) {
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
        self.put_eq("log_format", &e.log_format, &d.log_format, |f| {
            Value::from(f.as_str())
        });
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
