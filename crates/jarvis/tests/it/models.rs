//! `jarvis mine models`.

use jarvis_testkit::TestEnv;

use crate::common::jarvis;

#[test]
fn lists_models_within_100_columns() {
    let env = TestEnv::new();
    let out = env.run(&mut jarvis(&env, &["mine", "models"]));
    out.assert_success();
    let text = out.stdout();
    for id in [
        "pearl-ai/Llama-3.3-70B-Instruct-pearl",
        "pearl-ai/Gemma-4-31B-it-pearl",
        "pearl-ai/Llama-3.1-8B-Instruct-pearl",
    ] {
        assert!(text.contains(id), "{text}");
    }
    assert!(text.contains("validated") && text.contains("planned") && !text.contains("Qwen"));
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
}

#[test]
fn json_lists_the_registry() {
    let env = TestEnv::new();
    let out = env.run(&mut jarvis(&env, &["mine", "models", "--json"]));
    out.assert_success();
    let models: serde_json::Value = serde_json::from_str(&out.stdout()).expect("json");
    let models = models.as_array().expect("array");
    assert_eq!(models.len(), 3);
    assert_eq!(models[0]["status"], "validated");
    assert_eq!(models[1]["base_id"], "google/gemma-4-31B-it");
    assert_eq!(models[2]["min_vram_gb"], 24);
}
