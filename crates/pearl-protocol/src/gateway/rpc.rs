//! pearl-gateway's miner RPC messages: newline-delimited JSON-RPC 2.0. Encodes one request
//! line and parses one reply line; reading and writing the socket is the client's job.

use serde::Deserialize;
use serde_json::value::RawValue;

/// Longest line (without its newline) either side accepts: the mainline gateway's 1 MiB.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// One framed read of a newline-delimited stream.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// A full line, newline removed.
    Complete(Vec<u8>),
    /// The peer closed the stream between lines.
    Eof,
    /// The peer closed the stream in the middle of a line.
    Truncated,
    /// The line grew past the cap; the rest is left unread.
    TooLong,
}

/// The request line (without its newline) calling `method` with `params` (a JSON object or
/// array, as text) under request id `id`.
pub fn encode_request(method: &str, params: &str, id: u64) -> String {
    format!(r#"{{"jsonrpc":"2.0","method":"{method}","params":{params},"id":{id}}}"#)
}

/// A JSON-RPC reply, checked against the request id.
#[derive(Debug, PartialEq, Eq)]
pub enum Reply {
    /// `result`, as raw JSON text.
    Result(String),
    /// `error` object.
    Error {
        /// Error code.
        code: i64,
        /// Message, with `data` appended when present.
        message: String,
    },
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default)]
    id: serde_json::Value,
    #[serde(borrow, default)]
    result: Option<&'a RawValue>,
    #[serde(default)]
    error: Option<ErrorObject>,
}

#[derive(Deserialize)]
struct ErrorObject {
    code: i64,
    #[serde(default)]
    message: String,
    #[serde(default)]
    data: Option<serde_json::Value>,
}

/// Parses one reply line for request `expected_id`. An error reply with a `null` id is
/// accepted (the server could not read our id); anything else must carry our id exactly.
pub fn parse_reply(line: &[u8], expected_id: u64) -> Result<Reply, String> {
    let text = std::str::from_utf8(line).map_err(|e| format!("reply is not UTF-8: {e}"))?;
    let envelope: Envelope<'_> = serde_json::from_str(text)
        .map_err(|e| format!("reply is not a JSON-RPC object ({e}): {}", excerpt(text)))?;
    let id_matches = envelope.id.as_u64() == Some(expected_id);
    match (envelope.result, envelope.error) {
        (_, Some(error)) if id_matches || envelope.id.is_null() => {
            let message = match error.data {
                Some(data) => format!("{} ({})", error.message, excerpt(&data.to_string())),
                None => error.message,
            };
            Ok(Reply::Error {
                code: error.code,
                message,
            })
        }
        _ if !id_matches => Err(format!(
            "reply id {} does not match request id {expected_id}",
            excerpt(&envelope.id.to_string())
        )),
        (Some(result), None) => Ok(Reply::Result(result.get().to_owned())),
        _ => Err(format!(
            "reply has neither `result` nor `error`: {}",
            excerpt(text)
        )),
    }
}

/// The first 120 characters of `text`, for error messages.
pub fn excerpt(text: &str) -> String {
    crate::error::truncate_chars(text, 120)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn request_line_is_exact() {
        assert_eq!(
            encode_request("getMiningInfo", "{}", 7),
            r#"{"jsonrpc":"2.0","method":"getMiningInfo","params":{},"id":7}"#
        );
    }

    #[test]
    fn reply_id_rules() {
        assert_eq!(
            parse_reply(br#"{"jsonrpc":"2.0","result":"submitted","id":7}"#, 7),
            Ok(Reply::Result("\"submitted\"".to_owned()))
        );
        assert!(parse_reply(br#"{"jsonrpc":"2.0","result":"submitted","id":8}"#, 7).is_err());
        assert!(parse_reply(br#"{"jsonrpc":"2.0","result":"submitted","id":"7"}"#, 7).is_err());
        assert!(parse_reply(br#"{"jsonrpc":"2.0","result":1,"id":null}"#, 7).is_err());
        assert_eq!(
            parse_reply(
                br#"{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error","data":"x"},"id":null}"#,
                7
            ),
            Ok(Reply::Error {
                code: -32700,
                message: "Parse error (\"x\")".to_owned()
            })
        );
        assert!(
            parse_reply(
                br#"{"jsonrpc":"2.0","error":{"code":1,"message":"m"},"id":3}"#,
                7
            )
            .is_err()
        );
        assert!(parse_reply(br#"{"jsonrpc":"2.0","id":7}"#, 7).is_err());
        assert!(parse_reply(b"[1,2]", 7).is_err());
    }

    proptest! {
        #[test]
        fn parsing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_reply(&bytes, 1);
        }

        #[test]
        fn json_shaped_replies_never_panic(id in any::<u64>(), body in "[{}\\[\\]\":,a-z0-9 -]{0,80}") {
            let line = format!(r#"{{"jsonrpc":"2.0","id":{id},{body}}}"#);
            let _ = parse_reply(line.as_bytes(), id);
        }
    }
}
