//! pearld's JSON-RPC layer as btcd implements it: request decoding, the response envelope,
//! error objects, and the handful of methods jarvis calls.

use serde::Serialize;
use serde_json::Value;

use crate::btcd_results::{ChainView, block_template, blockchain_info, mining_info};
use crate::fake_pearld::FakeMode;

/// What to put on the wire after the HTTP layer accepted the request.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum RpcReply {
    /// HTTP 200 with this body (btcd appends a newline).
    Body(Vec<u8>),
    /// btcd closes the connection without writing anything (requests without an id).
    Nothing,
}

/// btcd's JSON-RPC error object (`code` and `message` are omitempty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RpcError {
    pub(crate) code: i64,
    pub(crate) message: String,
}

impl RpcError {
    fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    fn to_json(&self) -> String {
        let mut fields = Vec::new();
        if self.code != 0 {
            fields.push(format!("\"code\":{}", self.code));
        }
        if !self.message.is_empty() {
            fields.push(format!("\"message\":{}", json_string(&self.message)));
        }
        format!("{{{}}}", fields.join(","))
    }
}

/// Handles the body of an authenticated request the way btcd's `jsonRPCRead` does.
pub(crate) fn process_body(body: &[u8], mode: &FakeMode, now: u64) -> RpcReply {
    if body.starts_with(b"[") {
        return process_batch(body, mode, now);
    }
    let request = match decode_request(body) {
        Ok(request) => request,
        Err(detail) => {
            let err = RpcError::new(-32700, format!("Failed to parse request: {detail}"));
            return RpcReply::Body(envelope(Some("1.0"), &Value::Null, None, Some(&err)));
        }
    };
    // pearld answers nothing at all to a request without an id (no RPC quirks mode).
    if request.id.is_null() {
        return RpcReply::Nothing;
    }
    RpcReply::Body(process_request(&request, mode, now).unwrap_or_default())
}

fn process_batch(body: &[u8], mode: &FakeMode, now: u64) -> RpcReply {
    let entries: Vec<Value> = match serde_json::from_slice(body) {
        Ok(entries) => entries,
        Err(e) => {
            let err = RpcError::new(
                -32700,
                format!("Failed to parse request: {}", go_json_error(body, &e)),
            );
            return RpcReply::Body(envelope(Some("2.0"), &Value::Null, None, Some(&err)));
        }
    };
    if entries.is_empty() {
        let err = RpcError::new(-32600, "Invalid request: empty batch");
        return RpcReply::Body(envelope(Some("2.0"), &Value::Null, None, Some(&err)));
    }
    let replies: Vec<Vec<u8>> = entries
        .iter()
        .filter_map(|entry| {
            let bytes = serde_json::to_vec(entry).ok()?;
            // Entries that fail to decode get an error marshalled with an empty version,
            // which btcd cannot marshal: they are silently dropped.
            let request = decode_request(&bytes).ok()?;
            if request.id.is_null() {
                return None;
            }
            process_request(&request, mode, now)
        })
        .collect();
    if replies.is_empty() {
        return RpcReply::Body(Vec::new());
    }
    let mut out = b"[".to_vec();
    out.extend(replies.join(&b","[..]));
    out.push(b']');
    RpcReply::Body(out)
}

struct DecodedRequest {
    version: Option<&'static str>,
    method: String,
    params: Vec<Value>,
    id: Value,
}

/// btcd's `Request.UnmarshalJSON`: an unknown `jsonrpc` value becomes "" (unmarshallable reply).
fn decode_request(body: &[u8]) -> Result<DecodedRequest, String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| go_json_error(body, &e))?;
    let Value::Object(map) = value else {
        return Err(format!(
            "json: cannot unmarshal {} into Go value of type btcjson.Request",
            go_kind(&value)
        ));
    };
    let field_error = |field: &str, value: &Value, go_type: &str| {
        format!(
            "json: cannot unmarshal {} into Go struct field .{field} of type {go_type}",
            go_kind(value)
        )
    };
    let version = match map.get("jsonrpc") {
        None | Some(Value::Null) => None,
        Some(Value::String(v)) if v == "1.0" => Some("1.0"),
        Some(Value::String(v)) if v == "2.0" => Some("2.0"),
        Some(Value::String(_)) => None,
        Some(other) => return Err(field_error("jsonrpc", other, "string")),
    };
    let method = match map.get("method") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(m)) => m.clone(),
        Some(other) => return Err(field_error("method", other, "string")),
    };
    let params = match map.get("params") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(other) => return Err(field_error("params", other, "[]interface {}")),
    };
    let id = map.get("id").cloned().unwrap_or(Value::Null);
    Ok(DecodedRequest {
        version,
        method,
        params,
        id,
    })
}

/// btcd's `processRequest` for an admin user; `None` when the reply cannot be marshalled.
fn process_request(request: &DecodedRequest, mode: &FakeMode, now: u64) -> Option<Vec<u8>> {
    let version = request.version?;
    if !matches!(request.id, Value::String(_) | Value::Number(_)) {
        return None;
    }
    let outcome = if request.method.is_empty() {
        Err(RpcError::new(-32600, "Invalid request: malformed"))
    } else {
        dispatch(&request.method, &request.params, mode, now)
    };
    Some(match outcome {
        Ok(result) => envelope(Some(version), &request.id, Some(&result), None),
        Err(err) => envelope(Some(version), &request.id, None, Some(&err)),
    })
}

/// `{"jsonrpc":..,"result":..,"error":..,"id":..}` in btcd's field order, HTML-escaped like Go.
fn envelope(
    version: Option<&str>,
    id: &Value,
    result: Option<&str>,
    error: Option<&RpcError>,
) -> Vec<u8> {
    let text = format!(
        "{{\"jsonrpc\":{},\"result\":{},\"error\":{},\"id\":{}}}",
        json_string(version.unwrap_or("")),
        result.unwrap_or("null"),
        error.map_or_else(|| "null".to_owned(), RpcError::to_json),
        id
    );
    go_html_escape(&text).into_bytes()
}

fn dispatch(method: &str, params: &[Value], mode: &FakeMode, now: u64) -> Result<String, RpcError> {
    let (min, max) = match method {
        "getblockchaininfo" | "getblockcount" | "getmininginfo" => (0, 0),
        "getblocktemplate" => (0, 1),
        "submitblock" => (1, 2),
        _ => return Err(RpcError::new(-32601, "Method not found")),
    };
    check_param_count(params.len(), min, max)?;
    let chain = match mode {
        FakeMode::RpcError { code, message } => return Err(RpcError::new(*code, message.clone())),
        FakeMode::NullResult => return Ok("null".to_owned()),
        FakeMode::Healthy { height } => ChainView {
            blocks: *height,
            now,
        },
        FakeMode::Syncing { height } => ChainView {
            blocks: *height,
            now,
        },
        FakeMode::Hang | FakeMode::CloseImmediately => ChainView { blocks: 0, now },
    };
    let syncing = matches!(mode, FakeMode::Syncing { .. });
    let json = match method {
        "getblockchaininfo" => to_json(&blockchain_info(chain)),
        "getblockcount" => chain.blocks.to_string(),
        "getmininginfo" => to_json(&mining_info(chain)),
        "getblocktemplate" if syncing => {
            return Err(RpcError::new(-10, "Pearl is downloading blocks..."));
        }
        "getblocktemplate" => to_json(&block_template(chain)),
        _ => "null".to_owned(), // submitblock: null means accepted
    };
    Ok(json)
}

fn check_param_count(got: usize, min: usize, max: usize) -> Result<(), RpcError> {
    if (min..=max).contains(&got) {
        return Ok(());
    }
    let message = if min == max {
        format!("wrong number of params (expected {min}, received {got})")
    } else {
        format!("wrong number of params (expected between {min} and {max}, received {got})")
    };
    Err(RpcError::new(-32602, message))
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

/// Go's encoding/json escapes these even inside strings; they never occur outside strings.
fn go_html_escape(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

fn go_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Approximates Go's encoding/json syntax error text for the common cases.
fn go_json_error(body: &[u8], err: &serde_json::Error) -> String {
    let first = body.iter().copied().find(|b| !b.is_ascii_whitespace());
    match first {
        None => "unexpected end of JSON input".to_owned(),
        _ if err.is_eof() => "unexpected end of JSON input".to_owned(),
        Some(b) if !b"{[\"-0123456789tfn".contains(&b) => {
            format!(
                "invalid character {} looking for beginning of value",
                go_quote_byte(b)
            )
        }
        _ => {
            let offending = error_offset(body, err).and_then(|i| body.get(i).copied());
            match offending {
                Some(b) => format!("invalid character {} in JSON input", go_quote_byte(b)),
                None => format!("invalid JSON input: {err}"),
            }
        }
    }
}

fn go_quote_byte(b: u8) -> String {
    match b {
        b'\'' => "'\\''".to_owned(),
        b'"' => "'\"'".to_owned(),
        0x20..=0x7e => format!("'{}'", b as char),
        _ => format!("'\\x{b:02x}'"),
    }
}

/// Byte offset of serde's line/column (column is 1-based and points at the offending byte).
fn error_offset(body: &[u8], err: &serde_json::Error) -> Option<usize> {
    let line_start = if err.line() <= 1 {
        0
    } else {
        body.iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(err.line() - 2)
            .map(|(i, _)| i + 1)?
    };
    (line_start + err.column()).checked_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn healthy() -> FakeMode {
        FakeMode::Healthy { height: 1000 }
    }

    fn body_text(reply: RpcReply) -> String {
        match reply {
            RpcReply::Body(bytes) => String::from_utf8(bytes).unwrap(),
            RpcReply::Nothing => panic!("expected a body"),
        }
    }

    #[test]
    fn getblockcount_envelope_is_btcd_shaped() {
        let reply = process_body(
            br#"{"jsonrpc":"1.0","id":"jarvis","method":"getblockcount","params":[]}"#,
            &healthy(),
            1_800_000_000,
        );
        assert_eq!(
            body_text(reply),
            r#"{"jsonrpc":"1.0","result":1000,"error":null,"id":"jarvis"}"#
        );
    }

    #[test]
    fn parse_errors_and_unknown_methods() {
        let text = body_text(process_body(b"nope", &healthy(), 0));
        assert!(
            text.starts_with(
                r#"{"jsonrpc":"1.0","result":null,"error":{"code":-32700,"message":"Failed to parse request: invalid character 'o'"#
            ),
            "{text}"
        );
        assert!(text.ends_with(r#""},"id":null}"#), "{text}");
        let text = body_text(process_body(b"", &healthy(), 0));
        assert!(
            text.contains(
                r#""code":-32700,"message":"Failed to parse request: unexpected end of JSON input""#
            ),
            "{text}"
        );
        let text = body_text(process_body(b"<html>", &healthy(), 0));
        assert!(
            text.contains(r"invalid character '\u003c' looking for beginning of value"),
            "{text}"
        );
        let text = body_text(process_body(
            br#"{"jsonrpc":"1.0","id":1,"method":"getwork","params":[]}"#,
            &healthy(),
            0,
        ));
        assert_eq!(
            text,
            r#"{"jsonrpc":"1.0","result":null,"error":{"code":-32601,"message":"Method not found"},"id":1}"#
        );
    }

    #[test]
    fn requests_without_id_or_version_get_btcd_treatment() {
        let reply = process_body(
            br#"{"jsonrpc":"1.0","method":"getblockcount","params":[]}"#,
            &healthy(),
            0,
        );
        assert_eq!(reply, RpcReply::Nothing);
        let reply = process_body(
            br#"{"id":"x","method":"getblockcount","params":[]}"#,
            &healthy(),
            0,
        );
        assert_eq!(reply, RpcReply::Body(Vec::new()));
    }

    #[test]
    fn wrong_param_count() {
        let text = body_text(process_body(
            br#"{"jsonrpc":"1.0","id":"a","method":"getblockcount","params":[1]}"#,
            &healthy(),
            0,
        ));
        assert!(
            text.contains(
                r#"{"code":-32602,"message":"wrong number of params (expected 0, received 1)"}"#
            ),
            "{text}"
        );
    }

    #[test]
    fn syncing_mode_refuses_templates() {
        let mode = FakeMode::Syncing { height: 5 };
        let text = body_text(process_body(
            br#"{"jsonrpc":"1.0","id":"a","method":"getblocktemplate","params":[]}"#,
            &mode,
            0,
        ));
        assert!(
            text.contains(r#"{"code":-10,"message":"Pearl is downloading blocks..."}"#),
            "{text}"
        );
    }

    #[test]
    fn batches() {
        let text = body_text(process_body(b"[]", &healthy(), 0));
        assert!(text.contains("empty batch"));
        let text = body_text(process_body(
            br#"[{"jsonrpc":"1.0","id":1,"method":"getblockcount","params":[]},{"jsonrpc":"1.0","id":2,"method":"getblockcount"}]"#,
            &healthy(),
            0,
        ));
        assert!(
            text.starts_with('[') && text.matches("\"result\":1000").count() == 2,
            "{text}"
        );
    }

    proptest! {
        #[test]
        fn process_body_never_panics(body in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = process_body(&body, &healthy(), 0);
        }

        #[test]
        fn process_json_like_never_panics(body in r#"[\[\]{}",:0-9a-z ]{0,64}"#) {
            let _ = process_body(body.as_bytes(), &healthy(), 0);
        }
    }
}
