//! `runtime/mining.json` as any tool may have left it; what parses must write and re-read.
#![no_main]

use jarvis_mining::sidecar::{SidecarState, parse_sidecar};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let SidecarState::Present(sidecar) = parse_sidecar(data) {
        let _ = sidecar.liveness();
        if let Ok(text) = sidecar.to_json() {
            assert!(
                matches!(parse_sidecar(text.as_bytes()), SidecarState::Present(_)),
                "a written sidecar reads back: {text}"
            );
        }
    }
});
