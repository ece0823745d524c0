//! Minimal HTTP/1.x server side: read one request, write responses the way Go's net/http
//! (and btcd's hijacked RPC handler) put them on the wire.

use jarvis_core::time::UtcTime;
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

/// Largest request head accepted (Go's default is 1 MiB; tests never come close).
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Largest request body accepted.
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// The parsed request line and headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequestHead {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) version: String,
    pub(crate) headers: Vec<(String, String)>,
}

impl RequestHead {
    /// First value of a header, name compared case-insensitively.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// True for HTTP/1.1 and later (Go's `ProtoAtLeast(1, 1)`).
    pub(crate) fn is_http11(&self) -> bool {
        self.version != "HTTP/1.0"
    }
}

/// One complete request as read from the socket.
#[derive(Clone)]
pub(crate) struct ReadRequest {
    pub(crate) head: RequestHead,
    pub(crate) body: Vec<u8>,
    pub(crate) raw: Vec<u8>,
}

/// Outcome of reading a request.
pub(crate) enum ReadOutcome {
    Request(ReadRequest),
    Malformed,
    Closed,
}

/// Parses a request head (everything before the blank line). Never panics.
pub(crate) fn parse_head(bytes: &[u8]) -> Option<RequestHead> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut lines = text.split("\r\n");
    let mut parts = lines.next()?.split(' ');
    let method = parts.next()?;
    let path = parts.next()?;
    let version = parts.next()?;
    let valid_method = !method.is_empty() && method.bytes().all(|b| b.is_ascii_alphabetic());
    if parts.next().is_some()
        || !valid_method
        || !path.starts_with('/')
        || !matches!(version, "HTTP/1.0" | "HTTP/1.1")
    {
        return None;
    }
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line.split_once(':')?;
        if name.is_empty() || name.bytes().any(|b| b.is_ascii_whitespace()) {
            return None;
        }
        headers.push((name.to_owned(), value.trim().to_owned()));
    }
    Some(RequestHead {
        method: method.to_owned(),
        path: path.to_owned(),
        version: version.to_owned(),
        headers,
    })
}

/// Reads one request: head up to the blank line, then a Content-Length body. Consumes
/// exactly that request, so a pipelined next request stays in `stream` for the next call.
pub(crate) async fn read_request<S: AsyncBufRead + Unpin>(stream: &mut S) -> ReadOutcome {
    let mut raw = Vec::new();
    loop {
        // A request line starts with a method; anything else (e.g. a TLS ClientHello) is
        // rejected at once instead of waiting for a line end that may never come.
        let bad_start = raw.first().is_some_and(|b: &u8| !b.is_ascii_alphabetic());
        if raw.len() > MAX_HEAD_BYTES || bad_start {
            return ReadOutcome::Malformed;
        }
        let searched_from = raw.len().saturating_sub(3);
        let available = match stream.fill_buf().await {
            Ok([]) | Err(_) => return ReadOutcome::Closed,
            Ok(available) => available,
        };
        let taken = available.len();
        raw.extend_from_slice(available);
        let head_end = raw
            .get(searched_from..)
            .and_then(|tail| find(tail, b"\r\n\r\n"))
            .map(|pos| searched_from + pos + 4);
        match head_end {
            Some(end) => {
                stream.consume(taken - (raw.len() - end));
                raw.truncate(end);
                break;
            }
            None => stream.consume(taken),
        }
    }
    let body_start = raw.len();
    let Some(head) = raw.get(..body_start - 4).and_then(parse_head) else {
        return ReadOutcome::Malformed;
    };
    let length = match head.header("content-length") {
        None => 0,
        Some(value) => match value.parse::<usize>() {
            Ok(n) if n <= MAX_BODY_BYTES => n,
            _ => return ReadOutcome::Malformed,
        },
    };
    while raw.len() < body_start + length {
        let available = match stream.fill_buf().await {
            Ok([]) | Err(_) => return ReadOutcome::Closed,
            Ok(available) => available,
        };
        let taken = available.len().min(body_start + length - raw.len());
        raw.extend_from_slice(available.get(..taken).unwrap_or_default());
        stream.consume(taken);
    }
    let body = raw.get(body_start..).unwrap_or_default().to_vec();
    ReadOutcome::Request(ReadRequest { head, body, raw })
}

/// Reads one request as a Go server does: an unparsable one is answered with Go's 400 and
/// the connection closed; `None` when there is nothing (more) to answer.
pub(crate) async fn read_or_reject<S: AsyncBufRead + AsyncWrite + Unpin>(
    stream: &mut S,
) -> Option<ReadRequest> {
    match read_request(stream).await {
        ReadOutcome::Request(request) => Some(request),
        ReadOutcome::Malformed => {
            write_and_close(stream, &go_bad_request()).await;
            None
        }
        ReadOutcome::Closed => None,
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Go's `http.Error(w, msg, code)` after btcd set `Connection: close` and a JSON content type,
/// plus any extra handler headers; Go sorts handler headers, then adds Date and Content-Length.
pub(crate) fn go_http_error(
    is_http11: bool,
    code: u16,
    reason: &str,
    message: &str,
    extra: &[(&str, &str)],
) -> Vec<u8> {
    let body = format!("{message}\n");
    let mut headers: Vec<(String, String)> = vec![
        ("Connection".into(), "close".into()),
        ("Content-Type".into(), "text/plain; charset=utf-8".into()),
        ("X-Content-Type-Options".into(), "nosniff".into()),
    ];
    headers.extend(
        extra
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
    );
    headers.sort();
    let mut out = status_line(is_http11, code, reason);
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!("Date: {}\r\n", http_date(SystemTime::now())));
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    out.push_str(&body);
    out.into_bytes()
}

/// Go's answer to a request it cannot parse (written by the server before any handler runs).
pub(crate) fn go_bad_request() -> Vec<u8> {
    b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request".to_vec()
}

/// btcd's hijacked JSON-RPC reply: status line, its two headers, the body and a newline; no
/// Content-Length (the connection closes after it).
pub(crate) fn btcd_rpc_reply(is_http11: bool, body: &[u8]) -> Vec<u8> {
    let mut out = status_line(is_http11, 200, "OK");
    out.push_str("Connection: close\r\nContent-Type: application/json\r\n\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes.push(b'\n');
    bytes
}

/// The reason phrase Go and uvicorn write for `code`.
pub(crate) fn reason_phrase(code: u16) -> &'static str {
    match code {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        206 => "Partial Content",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        416 => "Range Not Satisfiable",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

fn status_line(is_http11: bool, code: u16, reason: &str) -> String {
    let proto = if is_http11 { "HTTP/1.1" } else { "HTTP/1.0" };
    format!("{proto} {code} {reason}\r\n")
}

/// Writes the bytes, then closes our side.
pub(crate) async fn write_and_close<S: AsyncWrite + Unpin>(stream: &mut S, bytes: &[u8]) {
    if stream.write_all(bytes).await.is_ok() {
        let _ = stream.flush().await;
    }
    let _ = stream.shutdown().await;
}

/// RFC 7231 IMF-fixdate, e.g. `Wed, 25 Nov 2026 18:10:27 GMT`.
pub(crate) fn http_date(now: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let t = UtcTime::from_unix(i64::try_from(secs).unwrap_or(i64::MAX));
    let weekday = DAYS.get(t.weekday as usize).copied().unwrap_or("Thu");
    let month = MONTHS
        .get(t.month.saturating_sub(1) as usize)
        .copied()
        .unwrap_or("Jan");
    format!(
        "{weekday}, {:02} {month} {} {:02}:{:02}:{:02} GMT",
        t.day, t.year, t.hour, t.minute, t.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::time::Duration;

    #[test]
    fn parses_a_request_head() {
        let head = parse_head(
            b"POST / HTTP/1.1\r\nhost: 127.0.0.1:1\r\ncontent-type: application/json\r\nContent-Length: 2",
        )
        .unwrap();
        assert_eq!(head.method, "POST");
        assert_eq!(head.path, "/");
        assert_eq!(head.header("Content-Length"), Some("2"));
        assert!(head.is_http11());
        assert!(parse_head(b"POST /\r\n").is_none());
        assert!(parse_head(b"POST / HTTP/2\r\n").is_none());
        assert!(parse_head(b"POST / HTTP/1.1\r\nno colon here").is_none());
    }

    #[tokio::test]
    async fn pipelined_requests_are_read_one_at_a_time() {
        let bytes: &[u8] =
            b"POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\n\r\nrest";
        let mut reader = tokio::io::BufReader::new(bytes);
        let ReadOutcome::Request(first) = read_request(&mut reader).await else {
            panic!("the first request must parse");
        };
        assert_eq!(
            (first.head.path.as_str(), first.body.as_slice()),
            ("/a", &b"abc"[..])
        );
        assert!(first.raw.ends_with(b"\r\n\r\nabc"));
        let ReadOutcome::Request(second) = read_request(&mut reader).await else {
            panic!("the pipelined request must survive the first read");
        };
        assert_eq!(second.head.path, "/b");
        assert!(second.body.is_empty());
        let mut rest = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut reader, &mut rest)
            .await
            .unwrap();
        assert_eq!(rest, b"rest");
    }

    #[test]
    fn formats_http_dates() {
        let t = UNIX_EPOCH + Duration::from_secs(1_795_631_427);
        assert_eq!(http_date(t), "Wed, 25 Nov 2026 18:30:27 GMT");
        assert_eq!(http_date(UNIX_EPOCH), "Thu, 01 Jan 1970 00:00:00 GMT");
    }

    #[test]
    fn http_error_matches_go() {
        let bytes = go_http_error(
            true,
            401,
            "Unauthorized",
            "401 Unauthorized.",
            &[("Www-Authenticate", "Basic realm=\"pearld RPC\"")],
        );
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with(
            "HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Type: text/plain; \
             charset=utf-8\r\nWww-Authenticate: Basic realm=\"pearld RPC\"\r\n\
             X-Content-Type-Options: nosniff\r\nDate: "
        ));
        assert!(text.ends_with("\r\nContent-Length: 18\r\n\r\n401 Unauthorized.\n"));
    }

    proptest! {
        #[test]
        fn parse_head_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_head(&bytes);
        }
    }
}
