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

    /// `mine logs` of each provider: cpu-pearl's three logs, vllm-pearl's container.
    #[test]
    fn both_providers() {
        let lines = [
            (
                "supervisor",
                "2024-05-05T00:05:12Z INFO supervisor ready; gateway unix:///home/me/.openjarvis/runtime/gateway.sock",
            ),
            (
                "gateway",
                "2024-05-05T00:05:13Z INFO pearl-gateway: PEARLD_RPC_PASSWORD=[REDACTED] connected to pearld",
            ),
            (
                "miner",
                "2024-05-05T00:09:22Z INFO miner: proof found at height 4242, submitted",
            ),
            (
                "container",
                "INFO Received PlainProof submission; block template height 4242",
            ),
        ];
        let text: Vec<String> = lines
            .iter()
            .map(|(source, text)| {
                line(&LogLine {
                    source: (*source).to_owned(),
                    line: (*text).to_owned(),
                })
            })
            .collect();
        insta::assert_snapshot!(text.join("\n"));
    }
}
