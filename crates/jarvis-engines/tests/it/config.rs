//! `[engine]`: defaults, per-engine URLs, and `path:line:col` errors.

use std::path::Path;

use jarvis_core::config::is_env_var_name;
use jarvis_engines::config::{ENGINE_IDS, EngineSection, OpenAiCompatibleSection, parse};
use proptest::prelude::*;

fn load(text: &str) -> Result<Option<EngineSection>, jarvis_core::ConfigError> {
    parse(text, Path::new("config.toml"))
}

fn error(text: &str) -> String {
    match load(text) {
        Ok(cfg) => panic!("expected an error, loaded {cfg:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn absent_engine_table_is_none() {
    assert_eq!(load("").unwrap(), None);
}

#[test]
fn full_engine_table_loads() {
    let text = "[engine]\ndefault = \"ollama\"\n\n[engine.vllm]\nurl = \"http://10.0.0.2:8000/v1/\"\n\n\
                [engine.ollama]\nurl = \"http://127.0.0.1:11434\"\n\n[engine.openai-compatible]\n\
                url = \"https://api.example.com/v1\"\napi_key_env = \"EXAMPLE_KEY\"\nmodel = \"m1\"\n";
    let engine = load(text).unwrap().unwrap();
    assert_eq!(
        engine,
        EngineSection {
            default: Some("ollama".into()),
            vllm_url: Some("http://10.0.0.2:8000/v1".into()),
            ollama_url: Some("http://127.0.0.1:11434".into()),
            openai_compatible: Some(OpenAiCompatibleSection {
                url: "https://api.example.com/v1".into(),
                api_key_env: Some("EXAMPLE_KEY".into()),
                model: Some("m1".into()),
            }),
            unknown_keys: vec![],
        }
    );
}

#[test]
fn every_engine_id_is_accepted_as_default() {
    for id in ENGINE_IDS {
        let engine = load(&format!("[engine]\ndefault = \"{id}\"\n"))
            .unwrap()
            .unwrap();
        assert_eq!(engine.default.as_deref(), Some(*id));
    }
}

#[test]
fn unknown_default_lists_known_ids_with_position() {
    let msg = error("[engine]\ndefault = \"llamafile\"\n");
    assert!(msg.starts_with("config.toml:2:11: "), "{msg}");
    assert!(
        msg.contains("engine.default 'llamafile' is not a known engine"),
        "{msg}"
    );
    for id in ENGINE_IDS {
        assert!(msg.contains(id), "{msg}");
    }
}

#[test]
fn wrong_types_and_bad_urls_point_at_the_value() {
    let msg = error("[engine]\ndefault = 3\n");
    assert!(
        msg.starts_with("config.toml:2:11: engine.default must be a string"),
        "{msg}"
    );
    let msg = error("[engine.vllm]\nurl = \"localhost:8000\"\n");
    assert!(
        msg.starts_with("config.toml:2:7: engine.vllm.url must be an http"),
        "{msg}"
    );
    let msg = error("[engine.ollama]\n");
    assert!(msg.contains("engine.ollama.url is missing"), "{msg}");
    let msg = error("[engine]\nvllm = \"http://x\"\n");
    assert!(msg.contains("engine.vllm must be a table"), "{msg}");
}

#[test]
fn api_key_must_be_an_env_name_and_is_never_echoed() {
    let msg =
        error("[engine.openai-compatible]\nurl = \"https://a/v1\"\napi_key_env = \"sk-123 abc\"\n");
    assert!(msg.starts_with("config.toml:3:15: "), "{msg}");
    assert!(msg.contains("NAME of an environment variable"), "{msg}");
    assert!(!msg.contains("sk-123"), "{msg}");
}

#[test]
fn env_var_names() {
    for good in ["OPENAI_API_KEY", "_K", "k9"] {
        assert!(is_env_var_name(good), "{good}");
    }
    for bad in ["", "9KEY", "sk-123", "A B", "KÉY"] {
        assert!(!is_env_var_name(bad), "{bad}");
    }
}

#[test]
fn unknown_engine_keys_are_collected() {
    let engine = load("[engine]\nfoo = 1\n[engine.vllm]\nurl = \"http://h/v1\"\nbar = 2\n")
        .unwrap()
        .unwrap();
    assert_eq!(engine.unknown_keys, vec!["engine.foo", "engine.vllm.bar"]);
}

proptest! {
    #[test]
    fn arbitrary_engine_values_load_or_fail_with_a_position(
        default in ".{0,12}",
        url in ".{0,24}",
        key_env in ".{0,12}",
    ) {
        let text = format!(
            "[engine]\ndefault = {default:?}\n[engine.openai-compatible]\nurl = {url:?}\n\
             api_key_env = {key_env:?}\n"
        );
        match load(&text) {
            Ok(cfg) => {
                let engine = cfg.unwrap();
                prop_assert!(ENGINE_IDS.contains(&engine.default.as_deref().unwrap()));
            }
            Err(jarvis_core::ConfigError::Invalid { line, col, .. }) => {
                prop_assert!(line >= 1 && col >= 1);
            }
            Err(other) => prop_assert!(false, "unexpected error {other}"),
        }
    }
}
