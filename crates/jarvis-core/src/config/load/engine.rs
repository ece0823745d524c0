//! Reading `[engine]` (`default`, `[engine.vllm]`, `[engine.ollama]`,
//! `[engine.openai-compatible]`) with the same `path:line:col` errors as `[mining]`.

use std::ops::Range;

use toml_edit::Item;

use super::{Ctx, Table, is_env_var_name, unknown_keys};
use crate::config::error::ConfigError;
use crate::config::types::{ENGINE_IDS, EngineSection, OpenAiCompatibleSection};

const ENGINE_KEYS: &[&str] = &["default", "vllm", "ollama", "openai-compatible"];
const URL_KEYS: &[&str] = &["url"];
const OPENAI_KEYS: &[&str] = &["url", "api_key_env", "model"];

impl Ctx<'_> {
    /// Parses the `[engine]` item.
    pub(super) fn engine_section(&self, item: &Item) -> Result<EngineSection, ConfigError> {
        let table = self.table_like(item, "engine", 0)?;
        let t = Table {
            table,
            name: "engine",
            anchor: self.anchor_of(item.span(), table),
        };
        let default = match self.string(&t, "default")? {
            None => None,
            Some((id, _)) if ENGINE_IDS.contains(&id.as_str()) => Some(id),
            Some((id, span)) => {
                return Err(self.err(
                    span,
                    t.anchor,
                    format!("engine.default '{id}' is not a known engine"),
                    &format!("use one of: {}", ENGINE_IDS.join(", ")),
                ));
            }
        };
        let mut unknown = unknown_keys(&t, ENGINE_KEYS);
        let vllm = self.engine_sub(&t, "vllm", "engine.vllm", URL_KEYS, &mut unknown)?;
        let vllm_url = match vllm {
            Some(sub) => Some(self.required_url(&sub, "http://127.0.0.1:8000/v1")?),
            None => None,
        };
        let ollama = self.engine_sub(&t, "ollama", "engine.ollama", URL_KEYS, &mut unknown)?;
        let ollama_url = match ollama {
            Some(sub) => Some(self.required_url(&sub, "http://127.0.0.1:11434")?),
            None => None,
        };
        let openai = self.engine_sub(
            &t,
            "openai-compatible",
            "engine.openai-compatible",
            OPENAI_KEYS,
            &mut unknown,
        )?;
        let openai_compatible = match openai {
            None => None,
            Some(sub) => {
                let url = self.required_url(&sub, "https://api.example.com/v1")?;
                let api_key_env = match self.string(&sub, "api_key_env")? {
                    None => None,
                    Some((name, span)) => Some(self.env_name(&sub, name, span)?),
                };
                let model = self.string(&sub, "model")?.map(|v| v.0);
                Some(OpenAiCompatibleSection {
                    url,
                    api_key_env,
                    model,
                })
            }
        };
        Ok(EngineSection {
            default,
            vllm_url,
            ollama_url,
            openai_compatible,
            unknown_keys: unknown,
        })
    }

    fn engine_sub<'t>(
        &self,
        parent: &Table<'t>,
        key: &str,
        name: &'static str,
        known: &[&str],
        unknown: &mut Vec<String>,
    ) -> Result<Option<Table<'t>>, ConfigError> {
        let Some(item) = parent.table.get(key) else {
            return Ok(None);
        };
        let table = self.table_like(item, name, parent.anchor)?;
        let sub = Table {
            table,
            name,
            anchor: self.anchor_of(item.span(), table),
        };
        unknown.extend(unknown_keys(&sub, known));
        Ok(Some(sub))
    }

    fn required_url(&self, t: &Table<'_>, example: &str) -> Result<String, ConfigError> {
        let (url, span) = self.required_string(t, "url", example)?;
        let rest = url
            .strip_prefix("http://")
            .or_else(|| url.strip_prefix("https://"));
        if rest.is_none_or(|host| host.is_empty() || host.contains(char::is_whitespace)) {
            return Err(self.err(
                span,
                t.anchor,
                format!(
                    "{}.url must be an http:// or https:// URL, got '{url}'",
                    t.name
                ),
                &format!("write it like url = \"{example}\""),
            ));
        }
        Ok(url.trim_end_matches('/').to_string())
    }

    /// An env var NAME: letters, digits and `_`, not starting with a digit.
    fn env_name(
        &self,
        t: &Table<'_>,
        name: String,
        span: Option<Range<usize>>,
    ) -> Result<String, ConfigError> {
        if is_env_var_name(&name) {
            return Ok(name);
        }
        Err(self.err(
            span,
            t.anchor,
            // The value is not echoed: a user who put the key itself here would leak it.
            format!(
                "{}.api_key_env must be the NAME of an environment variable (letters, digits, _)",
                t.name
            ),
            "put the key in an env var (e.g. export OPENAI_API_KEY=...) and write \
             api_key_env = \"OPENAI_API_KEY\"; never put the key itself in config.toml",
        ))
    }
}
