//! JSON-RPC handling as Pearl's mainline `MinerRpcServer` does it: envelope schema (-32600),
//! parse errors (-32700), unknown methods (-32601), params schemas (-32602), paused (-32001),
//! queue full and decoding failures (-32000).

use pearl_protocol::{MiningJob, PlainProof};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::Shared;
use super::state::Submission;

/// The real gateway's queue-full message.
pub(crate) const QUEUE_FULL: &str = "proof submission queue full";
/// What the fake records for a second proof of a header (the real gateway logs "Block
/// already submitted, skipping").
pub(crate) const ALREADY_SUBMITTED: &str = "already submitted";
/// How a submission the verifier refused begins (the log writes the gateway's error line).
pub(crate) const VERIFIER_REJECTED: &str = "verifier rejected";
const PAUSED: &str = "mining_paused: no block template available";
const ENVELOPE_KEYS: [&str; 4] = ["jsonrpc", "method", "params", "id"];

/// A request's `params` object, when present.
type Params<'a> = Option<&'a Map<String, Value>>;

/// A reply before its id is attached: the `"result": …` or `"error": {…}` member.
pub(crate) struct Reply {
    member: String,
    id: String,
}

impl Reply {
    fn result(result: &str, id: &str) -> Self {
        Self {
            member: format!(r#""result": {result}"#),
            id: id.to_owned(),
        }
    }

    fn error(code: i64, message: &str, id: &str, data: Option<&str>) -> Self {
        let mut error = format!(r#""code": {code}, "message": {}"#, json_string(message));
        if let Some(data) = data {
            error.push_str(&format!(r#", "data": {}"#, json_string(data)));
        }
        Self {
            member: format!(r#""error": {{{error}}}"#),
            id: id.to_owned(),
        }
    }

    /// The reply line (with newline), in Python's `json.dumps` spacing.
    pub(crate) fn render(&self) -> String {
        format!(
            "{{\"jsonrpc\": \"2.0\", {}, \"id\": {}}}\n",
            self.member, self.id
        )
    }
}

/// An error reply line.
pub(crate) fn error_reply(code: i64, message: &str, id: &str, data: Option<&str>) -> String {
    Reply::error(code, message, id, data).render()
}

/// The request's id as raw JSON (`null` when unreadable).
pub(crate) fn request_id(line: &str) -> String {
    serde_json::from_str::<Value>(line)
        .ok()
        .and_then(|body| body.get("id").map(Value::to_string))
        .unwrap_or_else(|| "null".to_owned())
}

/// Handles one request line.
pub(crate) fn handle(shared: &Shared, line: &str) -> Reply {
    let body: Value = match serde_json::from_str(line.trim()) {
        Ok(body) => body,
        Err(e) => return Reply::error(-32700, "Parse error", "null", Some(&e.to_string())),
    };
    let envelope_id = body
        .get("id")
        .map_or_else(|| "null".to_owned(), Value::to_string);
    let (method, params) = match check_envelope(&body) {
        Ok(parts) => parts,
        Err(why) => return Reply::error(-32600, "Invalid Request", &envelope_id, Some(&why)),
    };
    let id = envelope_id;
    match method {
        "getMiningInfo" => {
            if params.is_some_and(|p| !p.is_empty()) {
                return Reply::error(
                    -32602,
                    "Invalid params",
                    &id,
                    Some("data must not contain additional properties"),
                );
            }
            match shared.lock().serving() {
                Some(job) => Reply::result(job.raw_json(), &id),
                None => Reply::error(-32001, PAUSED, &id, None),
            }
        }
        "submitPlainProof" => submit(shared, line, params, &id),
        other => Reply::error(-32601, &format!("Method {other} not found"), &id, None),
    }
}

/// Validates the envelope; returns the method and the params object (if any).
fn check_envelope(body: &Value) -> Result<(&str, Params<'_>), String> {
    let object = body.as_object().ok_or("data must be object")?;
    if let Some(extra) = object.keys().find(|k| !ENVELOPE_KEYS.contains(&k.as_str())) {
        return Err(format!(
            "data must not contain {extra:?} (additional properties)"
        ));
    }
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err("data.jsonrpc must be \"2.0\"".to_owned());
    }
    let method = object
        .get("method")
        .and_then(Value::as_str)
        .ok_or("data.method must be string")?;
    match object.get("id") {
        Some(Value::String(_) | Value::Number(_) | Value::Null) => {}
        _ => return Err("data must contain id of type string, number or null".to_owned()),
    }
    let params = match object.get("params") {
        None => None,
        Some(Value::Object(params)) => Some(params),
        Some(_) => return Err("data.params must be object".to_owned()),
    };
    Ok((method, params))
}

#[derive(Deserialize)]
struct RawEnvelope<'a> {
    #[serde(borrow)]
    params: &'a RawValue,
}

#[derive(Deserialize)]
struct RawSubmitParams<'a> {
    plain_proof: String,
    #[serde(borrow)]
    mining_job: &'a RawValue,
}

#[derive(Deserialize)]
struct RawJobTarget<'a> {
    #[serde(borrow)]
    target: &'a RawValue,
}

fn submit(shared: &Shared, line: &str, params: Params<'_>, id: &str) -> Reply {
    let invalid = |why: String| Reply::error(-32602, "Invalid params", id, Some(&why));
    let checked = params
        .ok_or_else(|| "data must contain ['plain_proof', 'mining_job'] properties".to_owned())
        .and_then(check_submit_params)
        .and_then(|()| raw_submit_params(line));
    let (proof_b64, job_raw) = match checked {
        Ok(parts) => parts,
        Err(why) => return invalid(why),
    };
    {
        let state = shared.lock();
        if state.queued >= state.queue_capacity {
            return Reply::error(-32000, QUEUE_FULL, id, None);
        }
    }
    let proof = match PlainProof::from_base64(&proof_b64) {
        Ok(proof) => proof,
        Err(e) => return Reply::error(-32000, &e.to_string(), id, None),
    };
    let echoed = match MiningJob::from_json(&job_raw) {
        Ok(job) => job,
        Err(e) => return Reply::error(-32000, &e.to_string(), id, None),
    };
    let mut state = shared.lock();
    let current = state.serving().cloned();
    let verdict = judge(current.as_ref(), &echoed, &proof, &state.blocks_built);
    if verdict.is_ok() {
        state.blocks_built.insert(echoed.header.to_bytes());
    }
    state.record(Submission {
        job_raw,
        proof_b64,
        verdict,
    });
    Reply::result("\"submitted\"", id)
}

/// What the real gateway would do with the proof later, decided now: a stale header is
/// dropped, a header that already made a block is skipped ("Block already submitted,
/// skipping"), and the rest is verified.
fn judge(
    current: Option<&MiningJob>,
    echoed: &MiningJob,
    proof: &PlainProof,
    blocks_built: &std::collections::HashSet<[u8; 76]>,
) -> Result<(), String> {
    let current = current.ok_or("no block template (gateway paused): the proof is dropped")?;
    if echoed.header != current.header {
        return Err("stale proof: the job's header is not the current template's".to_owned());
    }
    if echoed.cert_version != current.cert_version {
        return Err(format!(
            "certificate version {} is not the required {}",
            echoed.cert_version, current.cert_version
        ));
    }
    if blocks_built.contains(&current.header.to_bytes()) {
        return Err(format!(
            "{ALREADY_SUBMITTED}: a block was already built for this header"
        ));
    }
    // Pearl's gateway judges the bound by the header's nbits, not the job's `target` field.
    pearl_miner::verify_plain_proof(&current.header, proof, current.cert_version)
        .map(|_| ())
        .map_err(|e| format!("{VERIFIER_REJECTED} the proof: {e}"))
}

/// `SUBMIT_PLAIN_PROOF_SCHEMA`, except the target, which is checked on its raw text.
fn check_submit_params(params: &Map<String, Value>) -> Result<(), String> {
    if let Some(extra) = params
        .keys()
        .find(|k| !["plain_proof", "mining_job"].contains(&k.as_str()))
    {
        return Err(format!(
            "data must not contain {extra:?} (additional properties)"
        ));
    }
    match params.get("plain_proof") {
        Some(Value::String(proof)) if is_base64(proof) => {}
        Some(_) => return Err("data.plain_proof must be a base64 string".to_owned()),
        None => return Err("data must contain ['plain_proof'] properties".to_owned()),
    }
    let job = match params.get("mining_job") {
        Some(Value::Object(job)) => job,
        Some(_) => return Err("data.mining_job must be object".to_owned()),
        None => return Err("data must contain ['mining_job'] properties".to_owned()),
    };
    for key in ["incomplete_header_bytes", "target", "cert_version"] {
        if !job.contains_key(key) {
            return Err(format!("data.mining_job must contain ['{key}'] properties"));
        }
    }
    if !job
        .get("incomplete_header_bytes")
        .and_then(Value::as_str)
        .is_some_and(is_base64)
    {
        return Err("data.mining_job.incomplete_header_bytes must be a base64 string".to_owned());
    }
    if job
        .get("cert_version")
        .and_then(Value::as_u64)
        .is_none_or(|v| v < 1)
    {
        return Err("data.mining_job.cert_version must be an integer >= 1".to_owned());
    }
    match job.get("ancestor_headers") {
        None => {}
        Some(Value::Array(items)) if items.iter().all(|h| h.as_str().is_some_and(is_base64)) => {}
        Some(_) => {
            return Err(
                "data.mining_job.ancestor_headers must be an array of base64 strings".to_owned(),
            );
        }
    }
    Ok(())
}

/// The proof and the raw `mining_job` text, with `target` checked to be a non-negative integer.
fn raw_submit_params(line: &str) -> Result<(String, String), String> {
    let malformed = |e: serde_json::Error| format!("data is malformed: {e}");
    let envelope: RawEnvelope<'_> = serde_json::from_str(line.trim()).map_err(malformed)?;
    let params: RawSubmitParams<'_> =
        serde_json::from_str(envelope.params.get()).map_err(malformed)?;
    let job: RawJobTarget<'_> = serde_json::from_str(params.mining_job.get()).map_err(malformed)?;
    let target = job.target.get();
    if target.is_empty() || !target.bytes().all(|b| b.is_ascii_digit()) {
        return Err("data.mining_job.target must be an integer >= 0".to_owned());
    }
    Ok((params.plain_proof, params.mining_job.get().to_owned()))
}

/// `^[A-Za-z0-9+/]*={0,2}$`.
fn is_base64(text: &str) -> bool {
    let body = text.trim_end_matches('=');
    text.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

fn json_string(text: &str) -> String {
    Value::String(text.to_owned()).to_string()
}

/// `reply` with its id replaced by one the client never sent.
pub(crate) fn with_wrong_id(reply: Reply) -> Reply {
    Reply {
        id: "424242".to_owned(),
        ..reply
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake_gateway::FakeGatewayOptions;
    use proptest::prelude::*;

    fn reply_to(line: &str) -> Value {
        let shared = Shared::new(FakeGatewayOptions::default()).expect("no record file");
        let rendered = handle(&shared, line).render();
        assert!(rendered.ends_with('\n') && !rendered.trim_end().contains('\n'));
        serde_json::from_str(&rendered).expect("every reply is JSON")
    }

    #[test]
    fn base64_pattern_matches_the_schema() {
        assert!(is_base64("") && is_base64("QUJD") && is_base64("QQ==") && is_base64("a+/9"));
        assert!(!is_base64("QQ===") && !is_base64("Q=Q") && !is_base64("Q Q") && !is_base64("é"));
    }

    #[test]
    fn null_and_string_ids_are_echoed() {
        let reply = reply_to(r#"{"jsonrpc":"2.0","method":"getMiningInfo","id":null}"#);
        assert_eq!(reply["id"], Value::Null);
        assert!(reply["result"]["target"].is_number());
        let reply = reply_to(r#"{"jsonrpc":"2.0","method":"nope","id":"x\"y"}"#);
        assert_eq!(reply["id"], "x\"y");
        assert_eq!(reply["error"]["message"], "Method nope not found");
    }

    proptest! {
        #[test]
        fn any_line_gets_one_json_reply(line in "\\PC{0,200}") {
            let reply = reply_to(&line);
            prop_assert_eq!(&reply["jsonrpc"], "2.0");
        }

        #[test]
        fn json_shaped_lines_get_one_json_reply(
            method in "(getMiningInfo|submitPlainProof|x)",
            params in "[{}\\[\\]\":,a-z0-9 =-]{0,60}",
        ) {
            let line = format!(r#"{{"jsonrpc":"2.0","method":"{method}","params":{params},"id":1}}"#);
            let reply = reply_to(&line);
            prop_assert!(reply.get("result").is_some() != reply.get("error").is_some());
        }
    }
}
