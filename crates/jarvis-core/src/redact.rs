//! Secret redaction for log lines and error text.
//!
//! Besides literal secrets (also JSON-escaped) and `NAME=value` forms, derived forms are
//! found: `Authorization:` values, `Basic` credentials (base64 of `user:password`), URL
//! userinfo (`user:password@`), and any base64 run (either alphabet, padded or not) that
//! decodes to text holding a literal secret.
//!
//! Every match is collected as a byte range of the ORIGINAL text first; overlapping ranges are
//! merged and each merged range becomes one marker. This way a secret that is both a literal
//! and a pattern match yields one `[REDACTED]`, and a replacement never creates a new match.

use std::ops::Range;

/// What a redacted value is replaced with.
pub const MARKER: &str = "[REDACTED]";

/// Literal secrets shorter than this (in chars) are not replaced: too likely to be common text.
pub const MIN_SECRET_CHARS: usize = 4;

/// Names whose `NAME=value`, `NAME: value` and `"NAME": "value"` values are always redacted
/// (env vars, YAML-ish dumps, JSON, and pearld's own `--rpcpass=` flag / `rpcpass=` config line).
const SECRET_NAMES: &[&str] = &[
    "pearld_rpc_password",
    "hf_token",
    "hugging_face_hub_token",
    "rpcpass",
    "rpcpassword",
];

/// A log line as it is written to disk or shown: terminal escapes stripped
/// ([`crate::escapes::strip`]), then [`redact`]ed (so no escape can split a secret's pattern).
pub fn redact_log_line(line: &str, secrets: &[&str]) -> String {
    redact(&crate::escapes::strip(line), secrets)
}

/// Returns `text` with every literal `secrets` value (>= 4 chars), its base64 forms, and every
/// known secret pattern (RPC passwords, HF tokens, bearer/basic/authorization credentials, URL
/// userinfo) replaced by `[REDACTED]`.
pub fn redact(text: &str, secrets: &[&str]) -> String {
    let bytes = text.as_bytes();
    let lower = text.to_ascii_lowercase();
    let mut ranges = Vec::new();
    for secret in secrets {
        if secret.chars().count() >= MIN_SECRET_CHARS {
            ranges.extend(text.match_indices(secret).map(|(i, s)| i..i + s.len()));
            // Inside a JSON string (a JSON log line, a serialized config) a secret holding
            // `"`, `\` or a control character is written escaped.
            if let Some(escaped) = json_escaped(secret) {
                ranges.extend(text.match_indices(&escaped).map(|(i, s)| i..i + s.len()));
            }
        }
    }
    for start in starts_after(&lower, "rpc_password:") {
        push_nonempty(&mut ranges, value_run(bytes, skip_blanks(bytes, start)));
    }
    for name in SECRET_NAMES {
        for start in starts_after(&lower, &format!("{name}=")) {
            push_nonempty(&mut ranges, value_run(bytes, start));
        }
        for start in starts_after(&lower, &format!("{name}:")) {
            push_nonempty(&mut ranges, value_run(bytes, skip_blanks(bytes, start)));
        }
        for start in starts_after(&lower, &format!("\"{name}\"")) {
            if let Some(r) = json_string_after_colon(bytes, start) {
                push_nonempty(&mut ranges, r);
            }
        }
    }
    bearer_ranges(bytes, &lower, &mut ranges);
    basic_ranges(bytes, &lower, &mut ranges);
    encoded_secret_ranges(bytes, secrets, &mut ranges);
    authorization_ranges(bytes, &lower, &mut ranges);
    hf_token_ranges(bytes, text, &mut ranges);
    url_userinfo_ranges(bytes, text, &mut ranges);
    replace_ranges(text, ranges)
}

/// `secret` as a JSON string's contents (serde_json's escapes), when that differs from it.
fn json_escaped(secret: &str) -> Option<String> {
    let quoted = serde_json::to_string(secret).ok()?;
    let inner = &quoted[1..quoted.len() - 1];
    (inner != secret).then(|| inner.to_owned())
}

/// Byte offsets just past each occurrence of `pat` in `hay`.
fn starts_after<'a>(hay: &'a str, pat: &'a str) -> impl Iterator<Item = usize> + 'a {
    hay.match_indices(pat).map(|(i, p)| i + p.len())
}

fn push_nonempty(ranges: &mut Vec<Range<usize>>, r: Range<usize>) {
    if r.start < r.end {
        ranges.push(r);
    }
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn skip_blanks(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(|b| is_blank(*b)) {
        i += 1;
    }
    i
}

/// The run of non-whitespace, non-`"` bytes starting at `start`.
fn value_run(bytes: &[u8], start: usize) -> Range<usize> {
    let mut end = start;
    while bytes
        .get(end)
        .is_some_and(|b| !b.is_ascii_whitespace() && *b != b'"')
    {
        end += 1;
    }
    start..end
}

/// After a quoted key ending at `i`: `<ws>:<ws>"value"` → range of `value` (escapes honoured;
/// an unterminated string runs to the end of the line).
fn json_string_after_colon(bytes: &[u8], i: usize) -> Option<Range<usize>> {
    let i = skip_ws(bytes, i);
    if bytes.get(i) != Some(&b':') {
        return None;
    }
    let i = skip_ws(bytes, i + 1);
    if bytes.get(i) != Some(&b'"') {
        return None;
    }
    let start = i + 1;
    let mut end = start;
    while let Some(b) = bytes.get(end) {
        match b {
            b'"' | b'\n' => break,
            b'\\' => end = (end + 2).min(bytes.len()),
            _ => end += 1,
        }
    }
    // The loop only stops on an ASCII byte or at the end, so `end` is a char boundary.
    Some(start..end)
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
        i += 1;
    }
    i
}

fn word_boundary_before(bytes: &[u8], i: usize) -> bool {
    i == 0
        || bytes
            .get(i - 1)
            .is_none_or(|b| !b.is_ascii_alphanumeric() && *b != b'_')
}

/// `Bearer <token>` (any case).
fn bearer_ranges(bytes: &[u8], lower: &str, ranges: &mut Vec<Range<usize>>) {
    for (i, p) in lower.match_indices("bearer") {
        let after = i + p.len();
        if word_boundary_before(bytes, i) && bytes.get(after).is_some_and(|b| is_blank(*b)) {
            push_nonempty(ranges, value_run(bytes, skip_blanks(bytes, after)));
        }
    }
}

/// `Authorization: <scheme> <credentials>` or `Authorization: <credentials>` (any case,
/// also JSON-style `"Authorization": "..."`).
fn authorization_ranges(bytes: &[u8], lower: &str, ranges: &mut Vec<Range<usize>>) {
    for mut i in starts_after(lower, "authorization") {
        if bytes.get(i) == Some(&b'"') {
            i += 1;
        }
        i = skip_blanks(bytes, i);
        if bytes.get(i) != Some(&b':') {
            continue;
        }
        i = skip_blanks(bytes, i + 1);
        if bytes.get(i) == Some(&b'"') {
            i += 1;
        }
        let first = value_run(bytes, i);
        let next = skip_blanks(bytes, first.end);
        let second = value_run(bytes, next);
        let scheme_like = bytes
            .get(first.clone())
            .is_some_and(|w| !w.is_empty() && w.iter().all(u8::is_ascii_alphabetic));
        if scheme_like && next > first.end && !second.is_empty() {
            push_nonempty(ranges, second);
        } else {
            push_nonempty(ranges, first);
        }
    }
}

/// `Basic <credentials>` (any case) whose credentials decode to `user:password`.
fn basic_ranges(bytes: &[u8], lower: &str, ranges: &mut Vec<Range<usize>>) {
    for (i, p) in lower.match_indices("basic") {
        let after = i + p.len();
        if !word_boundary_before(bytes, i) || !bytes.get(after).is_some_and(|b| is_blank(*b)) {
            continue;
        }
        let value = value_run(bytes, skip_blanks(bytes, after));
        let decoded = bytes.get(value.clone()).and_then(decode_base64);
        if decoded.is_some_and(|d| d.contains(&b':')) {
            push_nonempty(ranges, value);
        }
    }
}

/// Base64 runs (8 or more characters of either alphabet, then up to two `=`) that decode to
/// bytes holding one of the literal `secrets`: `user:password` encoded for `Basic`, logged
/// without its scheme, or a secret encoded on its own.
fn encoded_secret_ranges(bytes: &[u8], secrets: &[&str], ranges: &mut Vec<Range<usize>>) {
    let secrets: Vec<&[u8]> = secrets
        .iter()
        .filter(|s| s.chars().count() >= MIN_SECRET_CHARS)
        .map(|s| s.as_bytes())
        .collect();
    if secrets.is_empty() {
        return;
    }
    let alphabet = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_');
    let mut i = 0;
    while i < bytes.len() {
        if !bytes.get(i).is_some_and(alphabet) {
            i += 1;
            continue;
        }
        let start = i;
        while bytes.get(i).is_some_and(alphabet) {
            i += 1;
        }
        let mut end = i;
        while end - i < 2 && bytes.get(end) == Some(&b'=') {
            end += 1;
        }
        i = end;
        if end - start < 8 {
            continue;
        }
        let holds_secret = bytes
            .get(start..end)
            .and_then(decode_base64)
            .is_some_and(|d| secrets.iter().any(|s| d.windows(s.len()).any(|w| w == *s)));
        if holds_secret {
            ranges.push(start..end);
        }
    }
}

/// `text` decoded as base64, standard or URL-safe alphabet, padded or not.
fn decode_base64(text: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine as _;
    use base64::alphabet;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    let config = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    let standard = GeneralPurpose::new(&alphabet::STANDARD, config);
    let url_safe = GeneralPurpose::new(&alphabet::URL_SAFE, config);
    standard
        .decode(text)
        .or_else(|_| url_safe.decode(text))
        .ok()
}

/// Hugging Face tokens: `hf_` followed by 20 or more ASCII letters/digits.
fn hf_token_ranges(bytes: &[u8], text: &str, ranges: &mut Vec<Range<usize>>) {
    for (i, _) in text.match_indices("hf_") {
        let mut end = i + 3;
        while bytes.get(end).is_some_and(u8::is_ascii_alphanumeric) {
            end += 1;
        }
        if end - (i + 3) >= 20 {
            ranges.push(i..end);
        }
    }
}

/// `scheme://user:password@host` → `user:password` (a bare `user@` is left alone).
fn url_userinfo_ranges(bytes: &[u8], text: &str, ranges: &mut Vec<Range<usize>>) {
    for start in starts_after(text, "://") {
        let mut end = start;
        while bytes.get(end).is_some_and(|b| {
            !b.is_ascii_whitespace()
                && !matches!(b, b'/' | b'?' | b'#' | b'"' | b'\'' | b'<' | b'>')
        }) {
            end += 1;
        }
        let Some(authority) = bytes.get(start..end) else {
            continue;
        };
        let Some(at) = authority.iter().rposition(|b| *b == b'@') else {
            continue;
        };
        if authority.iter().take(at).any(|b| *b == b':') {
            push_nonempty(ranges, start..start + at);
        }
    }
}

/// Merges overlapping/touching ranges and replaces each merged range with [`MARKER`].
fn replace_ranges(text: &str, mut ranges: Vec<Range<usize>>) -> String {
    ranges.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(text.len());
    let mut cursor = 0;
    let mut iter = ranges.into_iter().peekable();
    while let Some(first) = iter.next() {
        let mut merged = first;
        while let Some(next) = iter.next_if(|n| n.start <= merged.end) {
            merged.end = merged.end.max(next.end);
        }
        let start = merged.start.max(cursor);
        out.push_str(text.get(cursor..start).unwrap_or_default());
        out.push_str(MARKER);
        cursor = merged.end.max(cursor);
    }
    out.push_str(text.get(cursor..).unwrap_or_default());
    out
}
