//! Discovery: defaults, config overrides, and the mining endpoint appearing and disappearing.

use jarvis_engines::config::{ENGINE_IDS, parse};
use jarvis_engines::{
    EngineConfig, MINING_ENGINE_ID, MiningEndpoint, OpenAiCompatible, Origin, Protocol, discover,
    engine_kinds,
};

fn mining() -> MiningEndpoint {
    MiningEndpoint {
        url: "http://127.0.0.1:18000/v1/".into(),
        model: Some("pearl-ai/Llama-3.3-70B-Instruct-pearl".into()),
    }
}

#[test]
fn registry_ids_match_the_config_ids() {
    assert_eq!(engine_kinds().keys(), ENGINE_IDS.to_vec());
}

#[test]
fn defaults_without_config_or_mining() {
    let d = discover(&EngineConfig::default(), None);
    let ids: Vec<&str> = d.engines.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["vllm", "ollama"]);
    assert_eq!(d.preferred.as_deref(), Some("vllm"));
    let vllm = d.get("vllm").unwrap();
    assert_eq!(vllm.url, "http://127.0.0.1:8000/v1");
    assert_eq!(vllm.origin, Origin::Default);
    assert_eq!(d.get("ollama").unwrap().protocol, Protocol::Ollama);
}

#[test]
fn mining_endpoint_registers_the_mining_engine_and_makes_it_preferred() {
    let config = EngineConfig {
        default: Some("ollama".into()),
        ..EngineConfig::default()
    };
    let d = discover(&config, Some(&mining()));
    let m = d.get(MINING_ENGINE_ID).unwrap();
    assert_eq!(m.url, "http://127.0.0.1:18000/v1");
    assert_eq!(
        m.model.as_deref(),
        Some("pearl-ai/Llama-3.3-70B-Instruct-pearl")
    );
    assert_eq!(m.origin, Origin::MiningSidecar);
    assert_eq!(m.protocol, Protocol::OpenAi);
    assert_eq!(d.preferred.as_deref(), Some(MINING_ENGINE_ID));
    assert_eq!(d.ordered().first().unwrap().id, MINING_ENGINE_ID);
}

#[test]
fn discovery_follows_the_endpoint_appearing_and_disappearing() {
    let config = EngineConfig {
        default: Some("ollama".into()),
        ..EngineConfig::default()
    };
    let before = discover(&config, None);
    assert!(before.get(MINING_ENGINE_ID).is_none());
    assert_eq!(before.preferred.as_deref(), Some("ollama"));
    let during = discover(&config, Some(&mining()));
    assert!(during.get(MINING_ENGINE_ID).is_some());
    let after = discover(&config, None);
    assert_eq!(after, before, "nothing sticks once the sidecar is gone");
}

#[test]
fn config_overrides_urls_and_adds_openai_compatible() {
    let text = "[engine]\ndefault = \"openai-compatible\"\n[engine.vllm]\nurl = \"http://gpu:9000/v1\"\n\
                [engine.openai-compatible]\nurl = \"https://api.example.com/v1\"\n\
                api_key_env = \"EXAMPLE_KEY\"\nmodel = \"m\"\n";
    let cfg = parse(text, std::path::Path::new("c.toml")).unwrap();
    let config = EngineConfig::from_section(cfg.as_ref());
    assert_eq!(
        config.openai_compatible,
        Some(OpenAiCompatible {
            url: "https://api.example.com/v1".into(),
            api_key_env: Some("EXAMPLE_KEY".into()),
            model: Some("m".into()),
        })
    );
    let d = discover(&config, None);
    let vllm = d.get("vllm").unwrap();
    assert_eq!(
        (vllm.url.as_str(), vllm.origin),
        ("http://gpu:9000/v1", Origin::Config)
    );
    assert_eq!(vllm.api_key_env, None);
    let oa = d.get("openai-compatible").unwrap();
    assert_eq!(oa.api_key_env.as_deref(), Some("EXAMPLE_KEY"));
    assert_eq!(oa.model.as_deref(), Some("m"));
    assert_eq!(d.preferred.as_deref(), Some("openai-compatible"));
}

#[test]
fn default_naming_an_absent_engine_falls_back() {
    let config = EngineConfig {
        default: Some(MINING_ENGINE_ID.into()),
        ..EngineConfig::default()
    };
    let d = discover(&config, None);
    assert_eq!(d.preferred.as_deref(), Some("vllm"));
}

#[test]
fn candidates_honour_an_explicit_engine_and_reject_unknown_ones() {
    let d = discover(&EngineConfig::default(), Some(&mining()));
    let only = d.candidates(Some("ollama")).unwrap();
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].id, "ollama");
    let all = d.candidates(None).unwrap();
    assert_eq!(all.len(), 3);
    let err = d.candidates(Some("llamafile")).unwrap_err().to_string();
    assert!(err.contains("unknown engine 'llamafile'"), "{err}");
    assert!(err.contains(MINING_ENGINE_ID), "{err}");
}
