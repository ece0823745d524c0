//! Newline framing with a hard line cap, and parsing of one JSON-RPC reply line.

use serde::Deserialize;
use serde_json::value::RawValue;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// Longest line (without its newline) either side accepts: the mainline gateway's 1 MiB.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// One framed read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line {
    /// A full line, newline removed.
    Complete(Vec<u8>),
    /// The peer closed the stream between lines.
    Eof,
    /// The peer closed the stream in the middle of a line.
    Truncated,
    /// The line grew past the cap; the rest is left unread.
    TooLong,
}

/// Reads one `\n`-terminated line of at most `cap` bytes; never buffers more than `cap`.
pub(crate) async fn read_line_capped<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    cap: usize,
) -> std::io::Result<Line> {
    let mut line = Vec::new();
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok(if line.is_empty() {
                Line::Eof
            } else {
                Line::Truncated
            });
        }
        let newline = available.iter().position(|&b| b == b'\n');
        let (chunk, used) = match newline {
            Some(pos) => (available.split_at(pos).0, pos + 1),
            None => (available, available.len()),
        };
        if line.len() + chunk.len() > cap {
            return Ok(Line::TooLong);
        }
        line.extend_from_slice(chunk);
        reader.consume(used);
        if newline.is_some() {
            return Ok(Line::Complete(line));
        }
    }
}

/// A JSON-RPC reply, checked against the request id.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Reply {
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
pub(crate) fn parse_reply(line: &[u8], expected_id: u64) -> Result<Reply, String> {
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
pub(crate) fn excerpt(text: &str) -> String {
    crate::error::truncate_chars(text, 120)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read_all(bytes: &[u8], cap: usize) -> Vec<Line> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let mut reader = tokio::io::BufReader::with_capacity(7, bytes);
            let mut lines = Vec::new();
            loop {
                let line = read_line_capped(&mut reader, cap)
                    .await
                    .expect("no io error");
                let done = !matches!(line, Line::Complete(_));
                lines.push(line);
                if done {
                    return lines;
                }
            }
        })
    }

    #[test]
    fn splits_lines_across_buffer_refills() {
        let lines = read_all(b"first line\nsecond\n", 64);
        assert_eq!(
            lines,
            vec![
                Line::Complete(b"first line".to_vec()),
                Line::Complete(b"second".to_vec()),
                Line::Eof
            ]
        );
    }

    #[test]
    fn cap_is_inclusive_and_longer_lines_stop() {
        assert_eq!(
            read_all(b"12345\n", 5)[0],
            Line::Complete(b"12345".to_vec())
        );
        assert_eq!(read_all(b"123456\n", 5), vec![Line::TooLong]);
        assert_eq!(read_all(b"12", 5), vec![Line::Truncated]);
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
        fn framing_and_parsing_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300), cap in 0usize..64) {
            for line in read_all(&bytes, cap) {
                if let Line::Complete(line) = line {
                    prop_assert!(line.len() <= cap);
                    let _ = parse_reply(&line, 1);
                }
            }
            let _ = parse_reply(&bytes, 1);
        }

        #[test]
        fn json_shaped_replies_never_panic(id in any::<u64>(), body in "[{}\\[\\]\":,a-z0-9 -]{0,80}") {
            let line = format!(r#"{{"jsonrpc":"2.0","id":{id},{body}}}"#);
            let _ = parse_reply(line.as_bytes(), id);
        }
    }
}
