//! MiningJob: exact big targets, raw JSON echo and defaults.

use num_bigint::BigUint;
use pearl_protocol::WireError;
use pearl_protocol::header::IncompleteBlockHeader;
use pearl_protocol::job::MiningJob;

const HEADER_B64_LEN: usize = 104; // 76 bytes

fn header() -> IncompleteBlockHeader {
    IncompleteBlockHeader {
        version: 0x2000_0000,
        prev_block: [0x11; 32],
        merkle_root: [0x22; 32],
        timestamp: 1_790_000_000,
        nbits: 0x1a01_0000,
    }
}

fn header_b64() -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(header().to_bytes())
}

/// 2^200 + 12345, written out: more digits than f64 or u128 can hold exactly.
const TARGET: &str = "1606938044258990275541962092341162602522202993782792835313721";

fn target() -> BigUint {
    (BigUint::from(1u8) << 200u32) + 12345u32
}

#[test]
fn parses_a_2_pow_200_target_exactly() {
    assert_eq!(
        BigUint::parse_bytes(TARGET.as_bytes(), 10).unwrap(),
        target()
    );
    let json = format!(
        r#"{{"incomplete_header_bytes": "{}", "target": {TARGET}, "cert_version": 3, "ancestor_headers": []}}"#,
        header_b64()
    );
    let job = MiningJob::from_json(&json).unwrap();
    assert_eq!(job.target, target());
    assert_eq!(job.cert_version, 3);
    assert_eq!(job.header, header());
    assert_eq!(header_b64().len(), HEADER_B64_LEN);
}

#[test]
fn echoes_the_raw_json_unchanged() {
    let json = format!(
        "{{ \"target\":{TARGET} ,\n \"incomplete_header_bytes\":\"{}\",\"extra\":{{\"x\":1.50}} }}",
        header_b64()
    );
    let job = MiningJob::from_json(&json).unwrap();
    assert_eq!(job.raw_json(), json);
    assert_eq!(job.to_string(), json);
    // Serialize writes it verbatim, so the big target survives nesting.
    let params = serde_json::to_string(&serde_json::json!({ "ok": true })).unwrap();
    assert!(params.contains("ok"));
    let nested = serde_json::to_string(&vec![&job]).unwrap();
    assert_eq!(nested, format!("[{json}]"));
}

#[test]
fn missing_cert_version_defaults_to_1() {
    let json = format!(
        r#"{{"incomplete_header_bytes":"{}","target":{TARGET}}}"#,
        header_b64()
    );
    assert_eq!(MiningJob::from_json(&json).unwrap().cert_version, 1);
    let json = format!(
        r#"{{"incomplete_header_bytes":"{}","target":{TARGET},"cert_version":null}}"#,
        header_b64()
    );
    assert_eq!(MiningJob::from_json(&json).unwrap().cert_version, 1);
}

#[test]
fn from_parts_builds_canonical_json_that_parses_back() {
    let job = MiningJob::from_parts(header(), target(), 3);
    assert_eq!(
        job.raw_json(),
        format!(
            r#"{{"incomplete_header_bytes":"{}","target":{TARGET},"cert_version":3}}"#,
            header_b64()
        )
    );
    assert_eq!(MiningJob::from_json(job.raw_json()).unwrap(), job);
}

#[test]
fn deserializes_inside_a_larger_document() {
    let json = format!(
        r#"{{"jsonrpc":"2.0","id":1,"result":{{"incomplete_header_bytes":"{}","target":{TARGET},"cert_version":2}}}}"#,
        header_b64()
    );
    #[derive(serde::Deserialize)]
    struct Envelope {
        result: MiningJob,
    }
    let envelope: Envelope = serde_json::from_str(&json).unwrap();
    assert_eq!(envelope.result.target, target());
    assert_eq!(envelope.result.cert_version, 2);
}

#[test]
fn submit_params_embed_the_raw_job() {
    let job = MiningJob::from_parts(header(), target(), 3);
    let proof = crate::proof::sample();
    let params = job.submit_plain_proof_params(&proof);
    assert_eq!(
        params,
        format!(
            r#"{{"plain_proof":"{}","mining_job":{}}}"#,
            proof.to_base64(),
            job.raw_json()
        )
    );
}

fn field_error(target_json: &str) -> WireError {
    let json = format!(
        r#"{{"incomplete_header_bytes":"{}","target":{target_json}}}"#,
        header_b64()
    );
    MiningJob::from_json(&json).unwrap_err()
}

#[test]
fn rejects_bad_targets() {
    for bad in ["-5", "1.5", "1e60", "\"123\"", "null", "[1]"] {
        let err = field_error(bad);
        assert!(
            matches!(
                err,
                WireError::JobField {
                    field: "target",
                    ..
                }
            ),
            "{bad}: {err:?}"
        );
    }
    let too_big = format!("1{}", "0".repeat(80));
    assert!(matches!(field_error(&too_big), WireError::JobField { .. }));
    let just_too_big = (BigUint::from(1u8) << 256u32).to_string();
    assert!(field_error(&just_too_big).to_string().contains("256 bits"));
}

#[test]
fn rejects_bad_shapes_and_headers() {
    let err = MiningJob::from_json(&format!(
        r#"{{"incomplete_header_bytes":"{}"}}"#,
        header_b64()
    ))
    .unwrap_err();
    assert!(err.to_string().contains("target"), "{err}");
    assert!(matches!(
        MiningJob::from_json("[\"AAAA\", 1]").unwrap_err(),
        WireError::Json { .. }
    ));
    assert!(matches!(
        MiningJob::from_json("{").unwrap_err(),
        WireError::Json { .. }
    ));
    let err = MiningJob::from_json(r#"{"incomplete_header_bytes":"AAAA","target":1}"#).unwrap_err();
    assert!(matches!(err, WireError::JobHeader(_)), "{err:?}");
    assert!(err.to_string().contains("exactly 76 bytes"));
    let err = MiningJob::from_json(r#"{"incomplete_header_bytes":"!!","target":1}"#).unwrap_err();
    assert!(matches!(err, WireError::Base64 { .. }), "{err:?}");
}

#[test]
fn target_is_checked_against_the_header_nbits() {
    // nbits 0x1a010000 encodes exactly 2^200.
    let at = |target: &str| {
        MiningJob::from_json(&format!(
            r#"{{"incomplete_header_bytes": "{}", "target": {target}, "cert_version": 3}}"#,
            header_b64()
        ))
        .unwrap()
    };
    let two_200 = (BigUint::from(1u8) << 200u32).to_str_radix(10);
    let job = at(&two_200);
    assert_eq!(job.header_target(), BigUint::from(1u8) << 200u32);
    assert_eq!(job.check_target(), Ok(()));
    for other in ["1", TARGET] {
        let job = at(other);
        let err = job.check_target().unwrap_err();
        assert_eq!(err.nbits, 0x1a01_0000);
        assert_eq!(err.header_target, BigUint::from(1u8) << 200u32);
        assert_eq!(err.job_target, job.target);
        let text = err.to_string();
        assert!(
            text.contains("0x1a010000") && text.contains("header's nbits"),
            "{text}"
        );
    }
}
