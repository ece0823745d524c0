//! A Docker Engine error body (`{"message": ...}`, or any text) as bollard hands it over, and
//! the one line jarvis makes of it: first line only, bounded, secrets redacted.
#![no_main]

use bollard::errors::Error as BollardError;
use jarvis_vllm_pearl::docker::{describe, first_line};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "pearld-pass-7e3a9f1c";

fuzz_target!(|data: &[u8]| {
    let body = String::from_utf8_lossy(data);
    let message = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
        .unwrap_or_else(|| body.clone().into_owned());
    let status_code = 400 + u16::from(data.first().copied().unwrap_or(0)) % 200;
    let error = BollardError::DockerResponseServerError {
        status_code,
        message: format!("{message} {SECRET}"),
    };
    let line = describe(&error, "create the container", &[SECRET]);
    // Not even a prefix: the line is cut to length only after redaction (unless the body
    // itself holds that text, which is no secret of ours).
    if !message.contains(&SECRET[..8]) {
        assert!(!line.contains(&SECRET[..8]), "{line}");
    }
    assert!(!line.contains('\n'), "{line}");
    assert!(first_line(&message).chars().count() <= 300);
});
