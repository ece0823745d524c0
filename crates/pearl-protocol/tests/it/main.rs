//! Integration tests for pearl-protocol: one binary, one module per topic.

mod address;
mod gateway;
mod header;
mod job;
mod mining_config;
mod never_panics;
mod pattern;
mod pearl_vectors;
mod proof;
mod public_data;
mod target;

/// Decodes hex written in tests (spaces allowed).
pub(crate) fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(
        digits.len().is_multiple_of(2),
        "odd hex length in test vector"
    );
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect()
}

/// Encodes bytes as lowercase hex.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
