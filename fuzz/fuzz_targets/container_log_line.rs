//! A vllm-pearl container log line as the Docker Engine's logs API streams it with `timestamps`
//! (the engine's time, perhaps a long line's 16 KiB pieces each with its own time, vLLM's level
//! and time) and the record `jarvis mine logs` makes of it: never a panic, never a secret in any
//! field, and a time only of the engine's form.
#![no_main]

use jarvis_vllm_pearl::parse_engine_line;
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "hf_FuzzSecretTokenAbCdEfGh";

fuzz_target!(|data: &[u8]| {
    // The secret before, inside and after the input, so it may straddle a piece boundary.
    let mut raw = data.to_vec();
    raw.extend_from_slice(SECRET.as_bytes());
    let mid = data.len() / 2;
    let mut split = data[..mid].to_vec();
    split.extend_from_slice(SECRET.as_bytes());
    split.extend_from_slice(&data[mid..]);
    for raw in [&data[..], &raw, &split] {
        let line = parse_engine_line(raw, &[SECRET]);
        for field in [&line.line, &line.message] {
            assert!(!field.contains(SECRET), "{field:?}");
        }
        if let Some(time) = &line.timestamp {
            assert!(!time.contains(SECRET), "{time:?}");
            // RFC 3339 as the engine writes it: at most 35 ASCII bytes, no space, a year first.
            // (Not necessarily the raw bytes' prefix: terminal escapes are stripped first.)
            assert!(
                time.len() <= 35 && time.is_ascii() && !time.contains(' '),
                "{time:?}"
            );
            assert!(time.bytes().take(4).all(|b| b.is_ascii_digit()), "{time:?}");
        }
    }
});
