//! A PlainProof as the gateway and `verify-proof` read it: bincode bytes, and base64 text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pearl_protocol::PlainProof;

fuzz_target!(|data: &[u8]| {
    if let Ok(proof) = PlainProof::from_bincode(data) {
        // What decodes re-encodes to something that decodes to the same proof.
        let again =
            PlainProof::from_base64(&proof.to_base64()).expect("a decoded proof round-trips");
        assert_eq!(again, proof);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = PlainProof::from_base64(text);
    }
});
