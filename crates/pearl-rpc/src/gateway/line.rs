//! Reading newline framing with a hard line cap from an async stream.

use pearl_protocol::gateway::rpc::Line;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// Reads one `\n`-terminated line of at most `cap` bytes; never buffers more than `cap`.
pub async fn read_line_capped<R: AsyncBufRead + Unpin>(
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

#[cfg(test)]
mod tests {
    use super::*;
    use pearl_protocol::gateway::rpc::parse_reply;
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

    proptest! {
        #[test]
        fn framing_and_parsing_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300), cap in 0usize..64) {
            for line in read_all(&bytes, cap) {
                if let Line::Complete(line) = line {
                    prop_assert!(line.len() <= cap);
                    let _ = parse_reply(&line, 1);
                }
            }
        }
    }
}
