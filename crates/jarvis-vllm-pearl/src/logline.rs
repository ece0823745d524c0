//! `mine logs` lines of the miner container: the time the engine recorded each line at (asked
//! for with `timestamps`, which prefixes each line with an RFC 3339 time and a space) and the
//! level vLLM writes at a line's start (`INFO 12-03 12:00:04 [file.py:123] message`). A line
//! without either has `None` for it: nothing is made up.
//!
//! Docker's log copier cuts a line longer than [`ENGINE_PIECE`] bytes into pieces (moby's
//! `daemon/logger/copier.go`), and with `timestamps` the Engine API writes each piece with its
//! own time in front (`api/server/httputils/write_log_stream.go`, `RFC3339NanoFixed` and a
//! space); only the last piece ends with the newline. [`engine_line`] puts such a line back
//! together.

use std::borrow::Cow;

use jarvis_core::redact::redact_log_line;
use jarvis_mining::provider::{LogLevel, LogLine, is_rfc3339_time};

/// The source every container line is shown under.
pub(crate) const SOURCE: &str = "container";

/// A container log line as the engine sent it (with its timestamp prefix when one was asked
/// for), redacted. The whole line is redacted before it is cut, so every field is a piece of the
/// redacted line; the message is redacted once more after it is cut.
pub(crate) fn log_line(raw: &str, secrets: &[&str]) -> LogLine {
    let redacted = redact_log_line(raw, secrets);
    let (timestamp, line) = match redacted.split_once(' ') {
        Some((time, rest)) if is_rfc3339_time(time) => (Some(time.to_owned()), rest.to_owned()),
        _ => (None, redacted),
    };
    // Recent vLLM names the process first: `(APIServer pid=7) INFO 12-03 ...`; the tag
    // stays in the message.
    let (tag, body) = split_process_tag(&line);
    let (level, message) = match vllm_level(body) {
        Some((level, message)) => {
            let message = match tag {
                Some(tag) => format!("{tag} {message}"),
                None => message.to_owned(),
            };
            (Some(level), redact_log_line(&message, secrets))
        }
        None => (None, line.clone()),
    };
    LogLine {
        source: SOURCE.to_owned(),
        line,
        timestamp,
        level,
        message,
    }
}

/// The bytes of a line Docker's log copier puts in one message (its `bufSize`, 16 KiB): a longer
/// line reaches the logs API as pieces of exactly this many bytes and a last, shorter one (empty
/// when the line's length is a multiple of it).
pub(crate) const ENGINE_PIECE: usize = 16 * 1024;

/// One line of the engine's log stream (without its newline) as text: with `timestamps`, the
/// times the engine wrote before the second and later [`ENGINE_PIECE`]-byte pieces of a long
/// line are taken out (the line keeps the first piece's time), before the bytes are read as
/// UTF-8, so a character cut between two pieces is whole again.
pub(crate) fn engine_line(raw: &[u8], timestamps: bool) -> String {
    let joined = if timestamps {
        rejoin_pieces(raw)
    } else {
        Cow::Borrowed(raw)
    };
    String::from_utf8_lossy(&joined).into_owned()
}

/// A container log line exactly as the logs API streams it with `timestamps` (pieces and all,
/// without its newline), parsed and redacted as `jarvis mine logs` shows it. For the fuzz
/// target; not an API.
#[doc(hidden)]
pub fn parse_engine_line(raw: &[u8], secrets: &[&str]) -> LogLine {
    log_line(&engine_line(raw, true), secrets)
}

/// `line` without the engine's time and space at each boundary between its pieces: only where a
/// piece ends (exactly [`ENGINE_PIECE`] bytes after the previous piece's time and space) and only
/// a time in Docker's fixed-width nano format followed by one space. A line that does not start
/// with the engine's time is left as it is.
fn rejoin_pieces(line: &[u8]) -> Cow<'_, [u8]> {
    let Some(first) = line.iter().position(|&b| b == b' ') else {
        return Cow::Borrowed(line);
    };
    let starts_timed = std::str::from_utf8(&line[..first]).is_ok_and(is_rfc3339_time);
    let mut rest = &line[first + 1..];
    let boundary = |rest: &[u8]| {
        let after = rest.get(ENGINE_PIECE..)?;
        let len = fixed_timestamp_len(after)?;
        (after.get(len) == Some(&b' ')).then_some(len + 1)
    };
    if !starts_timed || boundary(rest).is_none() {
        return Cow::Borrowed(line);
    }
    let mut joined = Vec::with_capacity(line.len());
    joined.extend_from_slice(&line[..=first]);
    while let Some(cut) = boundary(rest) {
        joined.extend_from_slice(&rest[..ENGINE_PIECE]);
        rest = &rest[ENGINE_PIECE + cut..];
    }
    joined.extend_from_slice(rest);
    Cow::Owned(joined)
}

/// The length of Docker's `RFC3339NanoFixed` time at the start of `b`
/// (`2006-01-02T15:04:05.000000000Z07:00`: nine fraction digits, then `Z` or `+HH:MM`/`-HH:MM`),
/// or `None` when `b` does not start with one.
fn fixed_timestamp_len(b: &[u8]) -> Option<usize> {
    const SHAPE: &[u8] = b"0000-00-00T00:00:00.000000000";
    let fits = |shape: &[u8], at: usize| {
        b.get(at..at + shape.len()).is_some_and(|s| {
            shape.iter().zip(s).all(|(&want, &c)| {
                if want == b'0' {
                    c.is_ascii_digit()
                } else {
                    want == c
                }
            })
        })
    };
    if !fits(SHAPE, 0) {
        return None;
    }
    match b.get(SHAPE.len()) {
        Some(b'Z') => Some(SHAPE.len() + 1),
        Some(b'+' | b'-') if fits(b"00:00", SHAPE.len() + 1) => Some(SHAPE.len() + 6),
        _ => None,
    }
}

/// The level vLLM's logger writes first on a line (`INFO 12-03 12:00:04 [file.py:123] message`,
/// or `INFO:` as uvicorn's access lines start) mapped onto `tracing`'s scale as cpu-pearl maps
/// loguru's (WARNING is WARN, CRITICAL is ERROR), and the line after it without vLLM's own
/// `MM-DD HH:MM:SS` time. `None` when the line does not start with a level.
pub(crate) fn vllm_level(line: &str) -> Option<(LogLevel, &str)> {
    let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
    let word = word.strip_suffix(':').unwrap_or(word);
    let level = match word {
        "DEBUG" => LogLevel::Debug,
        "INFO" => LogLevel::Info,
        "WARNING" | "WARN" => LogLevel::Warn,
        "ERROR" | "CRITICAL" => LogLevel::Error,
        _ => return None,
    };
    let rest = rest.trim_start_matches(' ');
    Some((level, strip_vllm_time(rest)))
}

/// A leading `(NAME pid=DIGITS)` process tag and the text after it and its space, or `None`
/// and the whole line.
fn split_process_tag(line: &str) -> (Option<&str>, &str) {
    let tagged = line.strip_prefix('(').and_then(|rest| {
        let (inside, after) = rest.split_once(") ")?;
        let (name, pid) = inside.split_once(" pid=")?;
        let valid = !name.is_empty()
            && !name.contains(' ')
            && !pid.is_empty()
            && pid.bytes().all(|b| b.is_ascii_digit());
        valid.then(|| (&line[..inside.len() + 2], after))
    });
    match tagged {
        Some((tag, after)) => (Some(tag), after),
        None => (None, line),
    }
}

/// `text` without a leading `MM-DD HH:MM:SS ` (vLLM's own time, which has no year or zone).
fn strip_vllm_time(text: &str) -> &str {
    let b = text.as_bytes();
    let shape = b"00-00 00:00:00 ";
    let matches = b.len() >= shape.len()
        && shape.iter().zip(b).all(|(&s, &c)| {
            if s == b'0' {
                c.is_ascii_digit()
            } else {
                s == c
            }
        });
    if matches {
        text.get(shape.len()..).unwrap_or(text)
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIME: &str = "2026-12-03T12:00:04.123456789Z";

    #[test]
    fn a_timestamped_vllm_line_gives_time_level_and_message() {
        let l = log_line(
            &format!("{TIME} INFO 12-03 12:00:04 [api_server.py:123] Started server"),
            &[],
        );
        assert_eq!(l.source, "container");
        assert_eq!(l.timestamp.as_deref(), Some(TIME));
        assert_eq!(l.level, Some(LogLevel::Info));
        assert_eq!(
            l.line,
            "INFO 12-03 12:00:04 [api_server.py:123] Started server"
        );
        assert_eq!(l.message, "[api_server.py:123] Started server");
    }

    #[test]
    fn a_process_tag_before_the_level_is_kept_in_the_message() {
        let l = log_line(
            &format!("{TIME} (APIServer pid=4242) WARNING 12-03 12:00:04 [serving.py:9] slow"),
            &["s3cr3t-pass"],
        );
        assert_eq!(l.level, Some(LogLevel::Warn));
        assert_eq!(l.message, "(APIServer pid=4242) [serving.py:9] slow");
        // Not a process tag: no level is made up.
        for line in [
            "(APIServer) INFO 12-03 12:00:04 [a.py:1] m",
            "(two words pid=1) INFO 12-03 12:00:04 [a.py:1] m",
            "(APIServer pid=x1) INFO 12-03 12:00:04 [a.py:1] m",
            "(APIServer pid=1)INFO 12-03 12:00:04 [a.py:1] m",
        ] {
            assert_eq!(log_line(line, &[]).level, None, "{line}");
        }
    }

    #[test]
    fn each_vllm_level_maps_onto_tracings_scale() {
        for (word, level) in [
            ("DEBUG", LogLevel::Debug),
            ("INFO", LogLevel::Info),
            ("WARNING", LogLevel::Warn),
            ("ERROR", LogLevel::Error),
            ("CRITICAL", LogLevel::Error),
        ] {
            let l = log_line(&format!("{TIME} {word} 12-03 12:00:04 [x.py:1] m"), &[]);
            assert_eq!(l.level, Some(level), "{word}");
            assert_eq!(l.message, "[x.py:1] m", "{word}");
            assert_eq!(l.timestamp.as_deref(), Some(TIME), "{word}");
        }
        let uvicorn = log_line(
            "INFO:     127.0.0.1:4242 - \"GET /health HTTP/1.1\" 200 OK",
            &[],
        );
        assert_eq!(uvicorn.level, Some(LogLevel::Info));
        assert_eq!(
            uvicorn.message,
            "127.0.0.1:4242 - \"GET /health HTTP/1.1\" 200 OK"
        );
    }

    #[test]
    fn a_line_without_the_prefix_or_a_level_keeps_null() {
        let l = log_line("INFO 12-03 12:00:04 [x.py:1] no engine time", &[]);
        assert_eq!(l.timestamp, None);
        assert_eq!(l.level, Some(LogLevel::Info));
        assert_eq!(l.line, "INFO 12-03 12:00:04 [x.py:1] no engine time");

        // The gateway's loguru lines and free text: no level at the start, so none.
        for text in [
            "2026-12-03 12:00:04.123 | INFO | gateway:submit:12 - Block accepted by node!",
            "Loading safetensors checkpoint shards: 100%",
            "info lower case is not a level",
            "NOTICE something",
            "INFORMATION is not INFO",
            "",
        ] {
            let l = log_line(&format!("{TIME} {text}"), &[]);
            assert_eq!(l.timestamp.as_deref(), Some(TIME), "{text}");
            assert_eq!(l.level, None, "{text}");
            assert_eq!(l.line, text);
            assert_eq!(l.message, text);
            let bare = log_line(text, &[]);
            assert_eq!((bare.timestamp, bare.level), (None, None), "{text}");
            assert_eq!(bare.line, text);
        }
    }

    #[test]
    fn a_line_without_an_rfc3339_prefix_has_no_timestamp() {
        let l = log_line("12-03 12:00:04 something", &[]);
        assert_eq!(l.timestamp, None);
        assert_eq!(l.line, "12-03 12:00:04 something");
    }

    #[test]
    fn garbage_never_panics_and_never_makes_up_a_field() {
        let mut inputs: Vec<String> = [
            "\u{0}",
            " ",
            "  ",
            "INFO",
            "INFO ",
            "ERROR:",
            "WARNING 12-03",
            "€€€ INFO",
            "2026-12-03T12:00:04Z",
            "2026-12-03T12:00:04Z ",
            "2026-12-03T12:00:04.€Z x",
            "2026-12-03T12:00:04+€€:00 x",
            "DEBUG 12-03 12:00:0€ x",
            "\x1b[31mERROR\x1b[0m x",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        // Every prefix of a full line, cut at each char boundary.
        let full = format!("{TIME} CRITICAL 12-03 12:00:04 [x.py:1] é m");
        inputs.extend(full.char_indices().map(|(i, _)| full[..i].to_owned()));
        for input in &inputs {
            let l = log_line(input, &[]);
            if let Some(t) = &l.timestamp {
                assert!(is_rfc3339_time(t), "{input:?}");
                assert!(input.starts_with(t.as_str()), "{input:?}");
            }
            assert!(l.line.len() <= input.len(), "{input:?}");
        }
    }

    #[test]
    fn secrets_stay_redacted_in_every_field() {
        let secret = "s3cret-Hf-t0ken-value";
        let raw = format!(
            "{TIME} WARNING 12-03 12:00:04 [x.py:1] token {secret} PEARLD_RPC_PASSWORD=hunter2hunter2"
        );
        let l = log_line(&raw, &[secret]);
        assert_eq!(l.level, Some(LogLevel::Warn));
        assert_eq!(l.timestamp.as_deref(), Some(TIME));
        let json = serde_json::to_string(&l).unwrap();
        for shown in [&l.line, &l.message, &json] {
            assert!(!shown.contains(secret), "{shown}");
            assert!(!shown.contains("hunter2hunter2"), "{shown}");
        }
        assert!(
            l.message.contains("PEARLD_RPC_PASSWORD=[REDACTED]"),
            "{}",
            l.message
        );
        // A secret that is (absurdly) the engine's time is redacted before the line is cut.
        let l = log_line(&format!("{TIME} INFO m"), &[TIME]);
        assert_eq!(l.timestamp, None);
        assert!(!serde_json::to_string(&l).unwrap().contains(TIME));
    }

    /// A line of `len` bytes of message as the logs API sends it with `timestamps`: one piece
    /// per [`ENGINE_PIECE`] bytes, each after `time` and a space (the last one possibly empty),
    /// without the newline. Pieces after the first get `later` (dockerd's json-file gives every
    /// piece the first one's time; another log driver may not).
    fn pieces(message: &[u8], time: &str, later: &str) -> Vec<u8> {
        let mut out = Vec::new();
        let mut chunks: Vec<&[u8]> = message.chunks(ENGINE_PIECE).collect();
        if message.len().is_multiple_of(ENGINE_PIECE) {
            chunks.push(b"");
        }
        for (i, chunk) in chunks.iter().enumerate() {
            out.extend_from_slice(if i == 0 { time } else { later }.as_bytes());
            out.push(b' ');
            out.extend_from_slice(chunk);
        }
        out
    }

    const LATER: &str = "2026-12-03T12:00:05.000000001Z";

    #[test]
    fn a_line_cut_into_pieces_is_whole_again_with_the_first_pieces_time() {
        for len in [
            ENGINE_PIECE - 1,
            ENGINE_PIECE,
            ENGINE_PIECE + 1,
            2 * ENGINE_PIECE,
            2 * ENGINE_PIECE + 7,
            40 * 1024,
        ] {
            let message: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            let raw = pieces(&message, TIME, LATER);
            let expected_pieces = len / ENGINE_PIECE + 1;
            assert_eq!(
                raw.len(),
                len + expected_pieces * (TIME.len() + 1),
                "{len}: the test builds what dockerd sends"
            );
            let text = engine_line(&raw, true);
            assert_eq!(
                text,
                format!("{TIME} {}", String::from_utf8(message.clone()).unwrap()),
                "{len}"
            );
            let l = parse_engine_line(&raw, &[]);
            assert_eq!(l.timestamp.as_deref(), Some(TIME), "{len}");
            assert_eq!(l.line.len(), len, "{len}");
            assert!(!l.message.contains("2026-"), "{len}");
            // Without `timestamps` nothing is taken out.
            assert_eq!(engine_line(&raw, false).len(), raw.len(), "{len}");
        }
    }

    #[test]
    fn three_pieces_with_offset_times_and_a_character_cut_between_pieces() {
        // `é` is two bytes: the first piece ends after its first byte.
        let mut message = vec![b'x'; ENGINE_PIECE - 1];
        message.extend_from_slice("é".as_bytes());
        message.extend_from_slice(&vec![b'y'; ENGINE_PIECE]);
        message.extend_from_slice(b" tail");
        let time = "2026-12-03T13:00:04.123456789+01:00";
        let raw = pieces(&message, time, "2026-12-03T07:00:04.123456789-05:00");
        let l = parse_engine_line(&raw, &[]);
        assert_eq!(l.timestamp.as_deref(), Some(time));
        assert_eq!(l.line.as_bytes(), &message[..]);
        assert!(l.line.contains('é'));
        assert!(!l.line.contains('\u{fffd}'));
    }

    #[test]
    fn only_a_fixed_width_time_exactly_at_a_piece_boundary_is_taken_out() {
        // A short line that holds the engine's own time format is left as it is.
        for text in [
            format!("{TIME} short line {TIME} with a date"),
            format!("{TIME} {TIME} the message starts with one"),
            format!("{TIME} ends with one {TIME} "),
        ] {
            assert_eq!(engine_line(text.as_bytes(), true), text);
        }
        let base = vec![b'a'; ENGINE_PIECE];
        let at = |head: &str, at_boundary: &str| {
            let mut raw = format!("{head} ").into_bytes();
            raw.extend_from_slice(&base);
            raw.extend_from_slice(at_boundary.as_bytes());
            raw
        };
        // Not at the boundary: one byte early or late.
        for raw in [
            {
                let mut r = at(TIME, "");
                r.pop();
                r.extend_from_slice(format!("{LATER} rest").as_bytes());
                r
            },
            at(TIME, &format!("b{LATER} rest")),
        ] {
            assert_eq!(engine_line(&raw, true).len(), raw.len());
        }
        // Not Docker's fixed-width form, or no single space after it.
        for boundary in [
            "2026-12-03T12:00:05Z rest",
            "2026-12-03T12:00:05.5Z rest",
            "2026-12-03T12:00:05.000000001Zrest",
            "2026-12-03T12:00:05.000000001+0100 rest",
            "2026-12-03 12:00:05.000000001Z rest",
            "2026-12-03T12:00:05.000000001Z",
        ] {
            let raw = at(TIME, boundary);
            assert_eq!(engine_line(&raw, true).len(), raw.len(), "{boundary}");
        }
        // A line that does not start with the engine's time is never cut.
        let raw = at("no-time", &format!("{LATER} rest"));
        assert_eq!(engine_line(&raw, true).len(), raw.len());
        // The boundary form: taken out, one space included and not more.
        let raw = at(TIME, &format!("{LATER}  two spaces"));
        let text = engine_line(&raw, true);
        assert_eq!(text.len(), raw.len() - LATER.len() - 1);
        assert!(
            text.ends_with("a two spaces"),
            "{}",
            &text[text.len() - 20..]
        );
    }

    proptest::proptest! {
        /// Any line, with or without the engine's prefix, parses or not without panicking;
        /// a time is only ever the engine's, and a secret in it reaches no field.
        #[test]
        fn any_line_parses_or_not_without_panicking(
            prefix in proptest::option::of("[0-9T:.Z+-]{0,32}"),
            body in ".{0,200}",
        ) {
            let secret = "s3cret-value";
            let raw = match &prefix {
                Some(p) => format!("{p} {body} {secret}"),
                None => format!("{body} {secret}"),
            };
            let l = log_line(&raw, &[secret]);
            if let Some(t) = &l.timestamp {
                proptest::prop_assert!(is_rfc3339_time(t));
            }
            let json = serde_json::to_string(&l).unwrap();
            proptest::prop_assert!(!json.contains(secret), "{}", json);
        }
    }
}
