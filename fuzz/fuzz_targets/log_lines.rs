//! Container and gateway log lines: counted for mining evidence, their loguru level read, and
//! redacted before anyone sees them. A secret in a line never survives redaction.
#![no_main]

use jarvis_core::redact::redact;
use libfuzzer_sys::fuzz_target;
use pearl_protocol::gateway::log::{GatewayLevel, LogEvidence};

const SECRET: &str = "pearld-rpc-s3cret";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut evidence = LogEvidence::default();
    for line in text.lines() {
        evidence.observe(line);
        let _ = GatewayLevel::of_line(line);
        let with_secret = format!("{line}{SECRET}{line}");
        let shown = redact(&with_secret, &[SECRET]);
        assert!(!shown.contains(SECRET), "{shown}");
        let _ = redact(line, &[SECRET, ""]);
    }
});
