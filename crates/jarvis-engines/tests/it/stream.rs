//! The SSE and NDJSON decoders: framing, arbitrary splits, and hostile input.

use jarvis_engines::stream::{MAX_LINE_BYTES, NdjsonDecoder, SseDecoder};
use proptest::prelude::*;

const SSE: &str = ": keep-alive\r\nevent: message\ndata: {\"a\":1}\n\ndata: x\ndata: y\r\n\r\nid: 7\ndata: [DONE]\n\n";

fn decode_sse_in(pieces: &[&[u8]]) -> Vec<String> {
    let mut d = SseDecoder::new();
    let mut out = Vec::new();
    for p in pieces {
        out.extend(d.feed(p).unwrap());
    }
    out.extend(d.finish());
    out
}

#[test]
fn sse_events_comments_and_multiline_data() {
    assert_eq!(
        decode_sse_in(&[SSE.as_bytes()]),
        ["{\"a\":1}", "x\ny", "[DONE]"]
    );
}

#[test]
fn sse_final_event_without_blank_line_is_kept() {
    assert_eq!(decode_sse_in(&[b"data: last"]), ["last"]);
    assert_eq!(decode_sse_in(&[b"data:nospace\n\n"]), ["nospace"]);
    assert!(decode_sse_in(&[b"dataless: x\n\n"]).is_empty());
}

#[test]
fn ndjson_lines() {
    let mut d = NdjsonDecoder::new();
    assert_eq!(d.feed(b"{\"a\":1}\n\n{\"b\"").unwrap(), ["{\"a\":1}"]);
    assert_eq!(d.feed(b":2}\r\n").unwrap(), ["{\"b\":2}"]);
    assert_eq!(d.feed(b"{\"c\":3}").unwrap(), Vec::<String>::new());
    assert_eq!(d.finish().as_deref(), Some("{\"c\":3}"));
}

#[test]
fn overlong_lines_are_refused() {
    let mut d = SseDecoder::new();
    let big = vec![b'a'; MAX_LINE_BYTES + 1];
    assert!(d.feed(&big).is_err());
    let mut n = NdjsonDecoder::new();
    assert!(n.feed(&big).is_err());
}

proptest! {
    #[test]
    fn any_split_decodes_the_same(cut1 in 0usize..SSE.len(), cut2 in 0usize..SSE.len()) {
        let (a, b) = (cut1.min(cut2), cut1.max(cut2));
        let bytes = SSE.as_bytes();
        let got = decode_sse_in(&[&bytes[..a], &bytes[a..b], &bytes[b..]]);
        prop_assert_eq!(got, vec!["{\"a\":1}", "x\ny", "[DONE]"]);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let mut d = SseDecoder::new();
        let _ = d.feed(&bytes);
        let _ = d.finish();
        let mut n = NdjsonDecoder::new();
        let _ = n.feed(&bytes);
        let _ = n.finish();
    }
}
