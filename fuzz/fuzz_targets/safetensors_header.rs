//! A safetensors file's start: the 8-byte length, then the JSON header.
#![no_main]

use jarvis_model_check::inspect::safetensors::{header_len, parse_header};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let size = data.len() as u64;
    if let Ok(len) = header_len(data, size) {
        assert!(8 + len <= size, "the length fits the file");
        let json = &data[8..8 + len as usize];
        let _ = parse_header(json, size - 8 - len);
    }
    let _ = parse_header(data, u64::from(data.first().copied().unwrap_or(0)) << 8);
});
