//! Reading `config.toml` into [`Config`], with every error pointing at the offending value.

use std::ops::Range;
use std::path::{Path, PathBuf};

use toml_edit::{Item, TableLike, Value};

use super::error::ConfigError;
mod engine;

use super::types::{Config, MiningExtra, MiningSection, Network, SubmitTargetSpec, VllmArgs};

/// Keys of `[mining]` that jarvis understands.
pub(super) const MINING_KEYS: &[&str] = &[
    "provider",
    "wallet_address",
    "submit_target",
    "fee_bps",
    "fee_payout_address",
    "extra",
];

/// Keys of `[mining.extra]` that jarvis understands.
pub(super) const EXTRA_KEYS: &[&str] = &[
    "docker_image_tag",
    "model",
    "local_model_path",
    "vllm_args",
    "cuda_visible_devices",
    "vllm_port",
    "gateway_port",
    "gateway_metrics_port",
    "gpu_memory_utilization",
    "max_model_len",
    "pearld_rpc_url",
    "pearld_rpc_user",
    "pearld_rpc_password_env",
    "hf_token_env",
    "gateway_host",
    "metrics_port",
    "network",
    "pearld_rpc_cert",
    "threads",
    "sample_interval_s",
    "history_retention_days",
    "max_restarts_per_hour",
    "pearl_ref",
    "m",
    "n",
    "k",
    "rank",
    "rows_pattern",
    "cols_pattern",
];

/// Highest accepted `fee_bps` (100 %).
const MAX_FEE_BPS: i64 = 10_000;

/// Loads `path`; `Ok(None)` when the file does not exist.
///
/// `known_providers` are the registered provider ids; an empty slice skips the provider check.
pub fn load_config(path: &Path, known_providers: &[&str]) -> Result<Option<Config>, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_config(&text, path, known_providers).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ConfigError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Parses config text; `path` is only used in error messages.
pub fn parse_config(
    text: &str,
    path: &Path,
    known_providers: &[&str],
) -> Result<Config, ConfigError> {
    let doc = toml_edit::Document::parse(text).map_err(|e| syntax_error(path, text, &e))?;
    let ctx = Ctx { path, text };
    let engine = match doc.as_table().get("engine") {
        None => None,
        Some(item) => Some(ctx.engine_section(item)?),
    };
    let Some(item) = doc.as_table().get("mining") else {
        return Ok(Config {
            mining: None,
            engine,
        });
    };
    let mining = ctx.table_like(item, "mining", 0)?;
    let section = ctx.mining_section(mining, item.span(), known_providers)?;
    Ok(Config {
        mining: Some(section),
        engine,
    })
}

/// Turns a TOML syntax error into `path:line:col: invalid TOML: ...`.
pub(super) fn syntax_error(path: &Path, text: &str, e: &toml_edit::TomlError) -> ConfigError {
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

/// A string value and where it sits in the file.
type Spanned = (String, Option<Range<usize>>);

struct Ctx<'a> {
    path: &'a Path,
    text: &'a str,
}

/// A table being read: its dotted name and where to point when a key is missing.
struct Table<'a> {
    table: &'a dyn TableLike,
    name: &'static str,
    anchor: usize,
}

fn type_name(item: &Item) -> &'static str {
    match item {
        Item::None => "nothing",
        Item::Table(_) => "a table",
        Item::ArrayOfTables(_) => "an array of tables",
        Item::Value(v) => value_type_name(v),
    }
}

fn value_type_name(v: &Value) -> &'static str {
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

fn range_text(min: i64, max: i64) -> String {
    if max >= i64::from(u32::MAX) {
        format!(">= {min}")
    } else {
        format!("{min}-{max}")
    }
}

impl Ctx<'_> {
    fn err(
        &self,
        span: Option<Range<usize>>,
        anchor: usize,
        what: String,
        fix: &str,
    ) -> ConfigError {
        ConfigError::at(
            self.path,
            self.text,
            span.map_or(anchor, |s| s.start),
            what,
            fix,
        )
    }

    fn table_like<'i>(
        &self,
        item: &'i Item,
        name: &str,
        anchor: usize,
    ) -> Result<&'i dyn TableLike, ConfigError> {
        item.as_table_like().ok_or_else(|| {
            self.err(
                item.span(),
                anchor,
                format!("{name} must be a table, got {}", type_name(item)),
                &format!("write it as a [{name}] section"),
            )
        })
    }

    /// Where to point for a missing key: the table's header, else its first key.
    fn anchor_of(&self, span: Option<Range<usize>>, table: &dyn TableLike) -> usize {
        span.map(|s| s.start)
            .or_else(|| {
                table
                    .iter()
                    .find_map(|(k, _)| table.key(k).and_then(|k| k.span()).map(|s| s.start))
            })
            .unwrap_or(0)
    }

    fn mining_section(
        &self,
        table: &dyn TableLike,
        span: Option<Range<usize>>,
        known_providers: &[&str],
    ) -> Result<MiningSection, ConfigError> {
        let t = Table {
            table,
            name: "mining",
            anchor: self.anchor_of(span, table),
        };
        let provider = self.required_string(&t, "provider", "<provider id>")?;
        if !known_providers.is_empty() && !known_providers.contains(&provider.0.as_str()) {
            return Err(self.err(
                provider.1,
                t.anchor,
                format!(
                    "mining.provider '{}' is not a known mining provider",
                    provider.0
                ),
                &format!("use one of: {}", known_providers.join(", ")),
            ));
        }
        let wallet = self.required_string(&t, "wallet_address", "prl1...")?;
        let submit_target = match self.string(&t, "submit_target")? {
            None => SubmitTargetSpec::Solo,
            Some((raw, span)) => SubmitTargetSpec::parse(&raw).ok_or_else(|| {
                self.err(
                    span,
                    t.anchor,
                    format!("mining.submit_target must be 'solo' or 'pool:<url>', got '{raw}'"),
                    "use submit_target = \"solo\" (pool mining is not supported yet)",
                )
            })?,
        };
        let fee_bps = self.int(
            &t,
            "fee_bps",
            0,
            MAX_FEE_BPS,
            "use 0 (no fee) or a basis-point value",
        )?;
        let fee_payout_address = self.string(&t, "fee_payout_address")?.map(|s| s.0);
        let mut unknown = unknown_keys(&t, MINING_KEYS);
        let extra = match table.get("extra") {
            None => MiningExtra::default(),
            Some(item) => {
                let extra = self.table_like(item, "mining.extra", t.anchor)?;
                let et = Table {
                    table: extra,
                    name: "mining.extra",
                    anchor: self.anchor_of(item.span(), extra),
                };
                let mut extra = self.extra(&et)?;
                unknown.append(&mut extra.unknown_keys);
                extra
            }
        };
        Ok(MiningSection {
            provider: provider.0,
            wallet_address: wallet.0,
            submit_target,
            fee_bps: fee_bps.map_or(0, |v| v as u32),
            fee_payout_address: fee_payout_address.unwrap_or_default(),
            extra: MiningExtra {
                unknown_keys: unknown,
                ..extra
            },
        })
    }

    fn extra(&self, t: &Table<'_>) -> Result<MiningExtra, ConfigError> {
        let d = MiningExtra::default();
        let s = |key: &str, default: &str| -> Result<String, ConfigError> {
            Ok(self
                .string(t, key)?
                .map_or_else(|| default.to_string(), |v| v.0))
        };
        let port = |key: &str, default: u16| -> Result<u16, ConfigError> {
            let fix = format!("pick a free TCP port (the default is {default})");
            Ok(self
                .int(t, key, 1, 65535, &fix)?
                .map_or(default, |v| v as u16))
        };
        let count = |key: &str, min: i64| -> Result<Option<u32>, ConfigError> {
            let fix = format!(
                "use a whole number {}",
                range_text(min, i64::from(u32::MAX))
            );
            Ok(self
                .int(t, key, min, i64::from(u32::MAX), &fix)?
                .map(|v| v as u32))
        };
        let network = match self.string(t, "network")? {
            None => d.network,
            Some((raw, span)) => raw.parse::<Network>().ok().ok_or_else(|| {
                let all: Vec<&str> = Network::ALL.iter().map(|n| n.as_str()).collect();
                self.err(
                    span,
                    t.anchor,
                    format!(
                        "mining.extra.network must be one of {}, got '{raw}'",
                        all.join(", ")
                    ),
                    "set it to the network your pearld runs on",
                )
            })?,
        };
        Ok(MiningExtra {
            docker_image_tag: s("docker_image_tag", &d.docker_image_tag)?,
            model: s("model", &d.model)?,
            local_model_path: self
                .string(t, "local_model_path")?
                .map(|v| PathBuf::from(v.0)),
            vllm_args: self.vllm_args(t)?,
            cuda_visible_devices: s("cuda_visible_devices", &d.cuda_visible_devices)?,
            vllm_port: port("vllm_port", d.vllm_port)?,
            gateway_port: port("gateway_port", d.gateway_port)?,
            gateway_metrics_port: port("gateway_metrics_port", d.gateway_metrics_port)?,
            gpu_memory_utilization: self
                .fraction(t, "gpu_memory_utilization")?
                .unwrap_or(d.gpu_memory_utilization),
            max_model_len: count("max_model_len", 1)?.unwrap_or(d.max_model_len),
            pearld_rpc_url: s("pearld_rpc_url", &d.pearld_rpc_url)?,
            pearld_rpc_user: s("pearld_rpc_user", &d.pearld_rpc_user)?,
            pearld_rpc_password_env: s("pearld_rpc_password_env", &d.pearld_rpc_password_env)?,
            hf_token_env: s("hf_token_env", &d.hf_token_env)?,
            gateway_host: s("gateway_host", &d.gateway_host)?,
            metrics_port: port("metrics_port", d.metrics_port)?,
            network,
            pearld_rpc_cert: self
                .string(t, "pearld_rpc_cert")?
                .map(|v| PathBuf::from(v.0)),
            threads: count("threads", 1)?,
            sample_interval_s: count("sample_interval_s", 1)?.unwrap_or(d.sample_interval_s),
            history_retention_days: count("history_retention_days", 1)?
                .unwrap_or(d.history_retention_days),
            max_restarts_per_hour: count("max_restarts_per_hour", 0)?
                .unwrap_or(d.max_restarts_per_hour),
            pearl_ref: self.string(t, "pearl_ref")?.map(|v| v.0),
            m: count("m", 1)?,
            n: count("n", 1)?,
            k: count("k", 1)?.unwrap_or(d.k),
            rank: count("rank", 1)?.unwrap_or(d.rank),
            rows_pattern: self.int_list(t, "rows_pattern")?.unwrap_or(d.rows_pattern),
            cols_pattern: self.int_list(t, "cols_pattern")?,
            unknown_keys: unknown_keys(t, EXTRA_KEYS),
        })
    }

    /// The value of `key` if present; tables in place of a value are a type error.
    fn value<'t>(
        &self,
        t: &Table<'t>,
        key: &str,
        expected: &str,
    ) -> Result<Option<&'t Value>, ConfigError> {
        match t.table.get(key) {
            None | Some(Item::None) => Ok(None),
            Some(Item::Value(v)) => Ok(Some(v)),
            Some(other) => Err(self.err(
                other.span(),
                t.anchor,
                format!(
                    "{}.{key} must be {expected}, got {}",
                    t.name,
                    type_name(other)
                ),
                &format!("write it as {key} = <value> under [{}]", t.name),
            )),
        }
    }

    fn string(&self, t: &Table<'_>, key: &str) -> Result<Option<Spanned>, ConfigError> {
        match self.value(t, key, "a string")? {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some((s.value().clone(), s.span()))),
            Some(v) => Err(self.err(
                v.span(),
                t.anchor,
                format!(
                    "{}.{key} must be a string, got {}",
                    t.name,
                    value_type_name(v)
                ),
                &format!("put the value in double quotes: {key} = \"...\""),
            )),
        }
    }

    fn required_string(
        &self,
        t: &Table<'_>,
        key: &str,
        example: &str,
    ) -> Result<Spanned, ConfigError> {
        let fix = format!("add {key} = \"{example}\" under [{}]", t.name);
        match self.string(t, key)? {
            None => Err(self.err(None, t.anchor, format!("{}.{key} is missing", t.name), &fix)),
            Some((v, span)) if v.trim().is_empty() => Err(self.err(
                span,
                t.anchor,
                format!("{}.{key} must not be empty", t.name),
                &fix,
            )),
            Some(found) => Ok(found),
        }
    }

    fn int(
        &self,
        t: &Table<'_>,
        key: &str,
        min: i64,
        max: i64,
        fix: &str,
    ) -> Result<Option<i64>, ConfigError> {
        let expected = format!("an integer {}", range_text(min, max));
        match self.value(t, key, &expected)? {
            None => Ok(None),
            Some(Value::Integer(i)) if (min..=max).contains(i.value()) => Ok(Some(*i.value())),
            Some(v) => {
                let got = match v {
                    Value::Integer(i) => i.value().to_string(),
                    other => value_type_name(other).to_string(),
                };
                Err(self.err(
                    v.span(),
                    t.anchor,
                    format!("{}.{key} must be {expected}, got {got}", t.name),
                    fix,
                ))
            }
        }
    }

    /// A number in (0, 1] (integers accepted).
    fn fraction(&self, t: &Table<'_>, key: &str) -> Result<Option<f64>, ConfigError> {
        let expected = "a number greater than 0 and at most 1";
        let (x, v) = match self.value(t, key, expected)? {
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
                    t.anchor,
                    format!("{}.{key} must be {expected}, got {got}", t.name),
                    "use a fraction of GPU memory such as 0.96",
                ))
            }
        }
    }

    fn int_list(&self, t: &Table<'_>, key: &str) -> Result<Option<Vec<u32>>, ConfigError> {
        let expected = "a list of integers >= 0";
        let fix = format!("write it like {key} = [0, 8]");
        let Some(v) = self.value(t, key, expected)? else {
            return Ok(None);
        };
        let bad = |v: &Value| {
            self.err(
                v.span(),
                t.anchor,
                format!(
                    "{}.{key} must be {expected}, got {}",
                    t.name,
                    value_type_name(v)
                ),
                &fix,
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
                        t.anchor,
                        format!("{}.{key} must be {expected}, got {}", t.name, i.value()),
                        &fix,
                    )
                }),
                other => Err(bad(other)),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    fn vllm_args(&self, t: &Table<'_>) -> Result<Option<VllmArgs>, ConfigError> {
        let expected = "a string or a list of strings";
        let Some(v) = self.value(t, "vllm_args", expected)? else {
            return Ok(None);
        };
        let bad = |v: &Value| {
            self.err(
                v.span(),
                t.anchor,
                format!(
                    "mining.extra.vllm_args must be {expected}, got {}",
                    value_type_name(v)
                ),
                "write it like vllm_args = [\"--enforce-eager\", \"--max-num-seqs\", \"8\"]",
            )
        };
        match v {
            Value::String(s) => Ok(Some(VllmArgs::Line(s.value().clone()))),
            Value::Array(items) => items
                .iter()
                .map(|e| e.as_str().map(str::to_string).ok_or_else(|| bad(e)))
                .collect::<Result<Vec<_>, _>>()
                .map(|list| Some(VllmArgs::List(list))),
            other => Err(bad(other)),
        }
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

fn unknown_keys(t: &Table<'_>, known: &[&str]) -> Vec<String> {
    t.table
        .iter()
        .filter(|(k, _)| !known.contains(k))
        .map(|(k, _)| format!("{}.{k}", t.name))
        .collect()
}
