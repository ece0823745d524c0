//! `config.toml`: the document with positions, `[mining]` and `[engine]`.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

const PROVIDERS: &[&str] = &["cpu-pearl", "vllm-pearl"];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("config.toml");
    if let Err(error) = jarvis_mining::config::parse(text, path, PROVIDERS) {
        // Every error names the file.
        assert!(error.to_string().contains("config.toml"), "{error}");
    }
    let _ = jarvis_engines::config::parse(text, path);
});
