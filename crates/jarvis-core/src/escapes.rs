//! Terminal escape sequences in text from other programs: pearl-gateway logs through loguru
//! with colours (`\x1b[32m...\x1b[0m`), and a container may print anything. Logs on disk and
//! lines shown by `mine logs` carry the text only.

use std::borrow::Cow;

/// `text` without ANSI escape sequences (CSI such as colours, OSC such as titles and links,
/// and the rest of ECMA-48's) nor control characters other than whitespace; printable text,
/// UTF-8 included, is kept as it was. Parsed with `anstream`'s VT state machine.
pub fn strip(text: &str) -> Cow<'_, str> {
    let plain = |c: char| !c.is_control() || c.is_ascii_whitespace();
    if text.chars().all(plain) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(anstream::adapter::strip_str(text).to_string())
}

#[cfg(test)]
mod tests {
    use super::strip;

    #[test]
    fn colours_titles_and_links_go_and_the_text_stays() {
        let loguru = "\x1b[32m2026-12-03 12:00:01\x1b[0m - \x1b[1mINFO\x1b[0m - \x1b[37mBlock accepted by node!\x1b[0m - \x1b[34msubmission_service.py:82\x1b[0m";
        assert_eq!(
            strip(loguru),
            "2026-12-03 12:00:01 - INFO - Block accepted by node! - submission_service.py:82"
        );
        assert_eq!(strip("\x1b[38;5;208mamber\x1b[m"), "amber");
        assert_eq!(strip("\x1b]0;a title\x07after"), "after");
        assert_eq!(
            strip("see \x1b]8;;https://example.org\x1b\\the docs\x1b]8;;\x1b\\ now"),
            "see the docs now"
        );
        assert_eq!(strip("bell\x07 and\tTAB"), "bell and\tTAB");
    }

    #[test]
    fn plain_text_is_returned_as_it_was() {
        for text in ["", "Block accepted by node!", "héllo wörld ✓", "a\tb c"] {
            assert!(matches!(strip(text), std::borrow::Cow::Borrowed(t) if t == text));
        }
    }

    proptest::proptest! {
        #[test]
        fn no_escape_is_left_and_plain_text_survives(text in "\\PC{0,80}", codes in "[0-9;]{0,8}") {
            let coloured = format!("\x1b[{}m{}\x1b[0m", codes, text);
            let stripped = strip(&coloured);
            proptest::prop_assert_eq!(stripped.as_ref(), text.as_str());
            let titled = format!("{}\x1b]0;{}\x07", text, text);
            proptest::prop_assert!(!strip(&titled).contains('\x1b'));
        }
    }
}
