//! The gateway's newline-delimited JSON-RPC stream: capped line framing, then each reply.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pearl_protocol::gateway::rpc::{Line, parse_reply};
use pearl_rpc::gateway::line::read_line_capped;

fuzz_target!(|data: &[u8]| {
    let Some((&first, stream)) = data.split_first() else {
        return;
    };
    // A small cap and a small buffer reach the cap and chunk-boundary paths.
    let cap = usize::from(first % 64) + 1;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut reader = tokio::io::BufReader::with_capacity(7, stream);
        for _ in 0..=stream.len() {
            match read_line_capped(&mut reader, cap)
                .await
                .expect("reads from memory")
            {
                Line::Complete(line) => {
                    assert!(line.len() <= cap && !line.contains(&b'\n'));
                    let _ = parse_reply(&line, 1);
                }
                Line::Eof | Line::Truncated | Line::TooLong => break,
            }
        }
    });
    let _ = parse_reply(stream, u64::from(first));
});
