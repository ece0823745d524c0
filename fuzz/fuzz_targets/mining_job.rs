//! A `mining_job` JSON object as pearl-gateway sends it in `getMiningInfo`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pearl_protocol::MiningJob;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(job) = MiningJob::from_json(text)
    {
        // The raw JSON kept for echoing back parses to the same job.
        let again = MiningJob::from_json(job.raw_json()).expect("the kept JSON parses");
        assert_eq!(again.raw_json(), job.raw_json());
    }
});
