//! Reading `[engine]` (`default`, `[engine.vllm]`, `[engine.ollama]`,
//! `[engine.openai-compatible]`) with `path:line:col` errors.

use std::ops::Range;

use jarvis_core::config::{ConfigError, ConfigFile, TableReader, is_env_var_name};

use super::section::{ENGINE_IDS, EngineSection, OpenAiCompatibleSection};

const ENGINE_KEYS: &[&str] = &["default", "vllm", "ollama", "openai-compatible"];
const URL_KEYS: &[&str] = &["url"];
const OPENAI_KEYS: &[&str] = &["url", "api_key_env", "model"];

/// Loads `[engine]` from `path`; `Ok(None)` when the file or the table does not exist.
pub fn load(path: &std::path::Path) -> Result<Option<EngineSection>, ConfigError> {
    match ConfigFile::load(path)? {
        Some(file) => engine_section(&file),
        None => Ok(None),
    }
}

/// Parses config text and reads its `[engine]`; `path` is only used in error messages.
pub fn parse(text: &str, path: &std::path::Path) -> Result<Option<EngineSection>, ConfigError> {
    engine_section(&ConfigFile::parse(text, path)?)
}

/// `[engine]` of a parsed file; `Ok(None)` when the file has no such table.
pub fn engine_section(file: &ConfigFile) -> Result<Option<EngineSection>, ConfigError> {
    let Some(t) = file.table("engine")? else {
        return Ok(None);
    };
    let default = match t.string("default")? {
        None => None,
        Some((id, _)) if ENGINE_IDS.contains(&id.as_str()) => Some(id),
        Some((id, span)) => {
            return Err(t.err(
                span,
                format!("engine.default '{id}' is not a known engine"),
                format!("use one of: {}", ENGINE_IDS.join(", ")),
            ));
        }
    };
    let mut unknown = t.unknown_keys(ENGINE_KEYS);
    let vllm = sub(&t, "vllm", "engine.vllm", URL_KEYS, &mut unknown)?;
    let vllm_url = match vllm {
        Some(sub) => Some(required_url(&sub, "http://127.0.0.1:8000/v1")?),
        None => None,
    };
    let ollama = sub(&t, "ollama", "engine.ollama", URL_KEYS, &mut unknown)?;
    let ollama_url = match ollama {
        Some(sub) => Some(required_url(&sub, "http://127.0.0.1:11434")?),
        None => None,
    };
    let openai = sub(
        &t,
        "openai-compatible",
        "engine.openai-compatible",
        OPENAI_KEYS,
        &mut unknown,
    )?;
    let openai_compatible = match openai {
        None => None,
        Some(sub) => {
            let url = required_url(&sub, "https://api.example.com/v1")?;
            let api_key_env = match sub.string("api_key_env")? {
                None => None,
                Some((name, span)) => Some(env_name(&sub, name, span)?),
            };
            let model = sub.string("model")?.map(|v| v.0);
            Some(OpenAiCompatibleSection {
                url,
                api_key_env,
                model,
            })
        }
    };
    Ok(Some(EngineSection {
        default,
        vllm_url,
        ollama_url,
        openai_compatible,
        unknown_keys: unknown,
    }))
}

/// The engine sub-table `key`, its unknown keys added to `unknown`.
fn sub<'t>(
    parent: &TableReader<'t>,
    key: &str,
    name: &'static str,
    known: &[&str],
    unknown: &mut Vec<String>,
) -> Result<Option<TableReader<'t>>, ConfigError> {
    let sub = parent.sub_table(key, name)?;
    if let Some(sub) = &sub {
        unknown.extend(sub.unknown_keys(known));
    }
    Ok(sub)
}

fn required_url(t: &TableReader<'_>, example: &str) -> Result<String, ConfigError> {
    let (url, span) = t.required_string("url", example)?;
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    if rest.is_none_or(|host| host.is_empty() || host.contains(char::is_whitespace)) {
        return Err(t.err(
            span,
            format!(
                "{}.url must be an http:// or https:// URL, got '{url}'",
                t.name()
            ),
            format!("write it like url = \"{example}\""),
        ));
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// An env var NAME: letters, digits and `_`, not starting with a digit.
fn env_name(
    t: &TableReader<'_>,
    name: String,
    span: Option<Range<usize>>,
) -> Result<String, ConfigError> {
    if is_env_var_name(&name) {
        return Ok(name);
    }
    Err(t.err(
        span,
        // The value is not echoed: a user who put the key itself here would leak it.
        format!(
            "{}.api_key_env must be the NAME of an environment variable (letters, digits, _)",
            t.name()
        ),
        "put the key in an env var (e.g. export OPENAI_API_KEY=...) and write \
         api_key_env = \"OPENAI_API_KEY\"; never put the key itself in config.toml",
    ))
}
