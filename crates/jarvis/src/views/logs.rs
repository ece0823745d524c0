//! `jarvis mine logs`: one line per log line, tagged with the log it came from.

use jarvis_mining::provider::LogLine;

/// `[gateway] text`.
pub(crate) fn line(line: &LogLine) -> String {
    format!("[{}] {}", line.source, line.line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tagged_by_source() {
        let l = LogLine {
            source: "gateway".to_owned(),
            line: "listening on 127.0.0.1:8337".to_owned(),
        };
        assert_eq!(line(&l), "[gateway] listening on 127.0.0.1:8337");
    }
}
