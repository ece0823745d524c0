//! Prometheus exposition text scraped from the supervisor, vLLM or pearl-gateway.
#![no_main]

use jarvis_telemetry::parse_prometheus;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = parse_prometheus(&text);
    for name in [
        "jarvis_mining_proofs_submitted_total",
        "jarvis_mining_hashrate_macs",
        "up",
    ] {
        let _ = parsed.value(name);
        let _ = parsed.counter(name);
        let _ = parsed.sum(name);
        let _ = parsed.with_label(name, "window", "10s");
        let _ = parsed.all(name).count();
    }
    let _ = jarvis_vllm_pearl::status::parse_vllm_metrics(&text);
});
