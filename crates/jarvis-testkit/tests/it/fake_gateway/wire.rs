//! The fake's replies to raw request lines, compared with Pearl's mainline server.

use jarvis_testkit::fake_gateway::{FakeGateway, FakeGatewayOptions, easy_job};
use pearl_protocol::gateway::{GatewayAddress, MAX_LINE_BYTES};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

struct Raw {
    stream: BufReader<TcpStream>,
}

impl Raw {
    async fn connect(gateway: &FakeGateway) -> Self {
        let GatewayAddress::Tcp { host, port } = gateway.address() else {
            panic!("tcp fake")
        };
        Self {
            stream: BufReader::new(TcpStream::connect((host.as_str(), *port)).await.unwrap()),
        }
    }

    /// Sends `bytes` plus a newline, returns the reply line without its newline.
    async fn send(&mut self, bytes: &[u8]) -> String {
        self.stream.get_mut().write_all(bytes).await.unwrap();
        self.stream.get_mut().write_all(b"\n").await.unwrap();
        let mut line = String::new();
        self.stream.read_line(&mut line).await.unwrap();
        assert!(line.ends_with('\n'), "a full reply line: {line:?}");
        line.pop();
        line
    }

    /// The error (code, message) of the reply to `request`, and its id.
    async fn error(&mut self, request: &str) -> (i64, String, Value) {
        let reply: Value = serde_json::from_str(&self.send(request.as_bytes()).await).unwrap();
        assert_eq!(reply["jsonrpc"], "2.0");
        assert!(reply.get("result").is_none(), "{reply}");
        let code = reply["error"]["code"].as_i64().unwrap();
        (
            code,
            reply["error"]["message"].as_str().unwrap().to_owned(),
            reply["id"].clone(),
        )
    }
}

async fn tcp_fake() -> FakeGateway {
    FakeGateway::start_tcp(0, FakeGatewayOptions::default())
        .await
        .unwrap()
}

fn submit_line(params: &str) -> String {
    format!(r#"{{"jsonrpc":"2.0","method":"submitPlainProof","params":{params},"id":5}}"#)
}

#[tokio::test]
async fn get_mining_info_replies_like_python_json_dumps() {
    let gateway = tcp_fake().await;
    let mut raw = Raw::connect(&gateway).await;
    let job = easy_job();
    assert!(
        job.raw_json()
            .starts_with(r#"{"incomplete_header_bytes": ""#)
    );
    let expected = format!(
        r#"{{"jsonrpc": "2.0", "result": {}, "id": 1}}"#,
        job.raw_json()
    );
    assert_eq!(
        raw.send(br#"{"jsonrpc":"2.0","method":"getMiningInfo","id":1}"#)
            .await,
        expected
    );
    let with_params = raw
        .send(br#"{"jsonrpc":"2.0","method":"getMiningInfo","params":{},"id":"a"}"#)
        .await;
    assert!(with_params.ends_with(r#", "id": "a"}"#), "{with_params}");
}

#[tokio::test]
async fn envelope_and_method_errors_use_the_real_codes() {
    let gateway = tcp_fake().await;
    let mut raw = Raw::connect(&gateway).await;
    let (code, message, id) = raw.error("this is not json").await;
    assert_eq!(
        (code, message.as_str(), id),
        (-32700, "Parse error", Value::Null)
    );
    for (request, id) in [
        (
            r#"{"jsonrpc":"2.0","method":"getMiningInfo","id":3,"extra":1}"#,
            Value::from(3),
        ),
        (r#"{"jsonrpc":"2.0","method":"getMiningInfo"}"#, Value::Null),
        (
            r#"{"jsonrpc":"1.0","method":"getMiningInfo","id":4}"#,
            Value::from(4),
        ),
        (
            r#"{"jsonrpc":"2.0","method":"getMiningInfo","params":[],"id":5}"#,
            Value::from(5),
        ),
        (r#"{"jsonrpc":"2.0","method":7,"id":6}"#, Value::from(6)),
        (
            r#"{"jsonrpc":"2.0","method":"getMiningInfo","id":[1]}"#,
            Value::from(vec![1]),
        ),
        ("[1,2,3]", Value::Null),
    ] {
        let (code, message, got_id) = raw.error(request).await;
        assert_eq!(
            (code, message.as_str(), got_id),
            (-32600, "Invalid Request", id),
            "{request}"
        );
    }
    let (code, message, id) = raw
        .error(r#"{"jsonrpc":"2.0","method":"mine","id":9}"#)
        .await;
    assert_eq!(
        (code, message.as_str(), id),
        (-32601, "Method mine not found", Value::from(9))
    );
    let (code, message, _) = raw
        .error(r#"{"jsonrpc":"2.0","method":"getMiningInfo","params":{"a":1},"id":2}"#)
        .await;
    assert_eq!((code, message.as_str()), (-32602, "Invalid params"));
    // The connection survives every error.
    assert!(
        raw.send(br#"{"jsonrpc":"2.0","method":"getMiningInfo","id":1}"#)
            .await
            .contains("result")
    );
}

#[tokio::test]
async fn submit_params_schema_is_closed() {
    let gateway = tcp_fake().await;
    let mut raw = Raw::connect(&gateway).await;
    let job = easy_job();
    let job_raw = job.raw_json();
    let bad = [
        format!(r#"{{"mining_job":{job_raw}}}"#),
        r#"{"plain_proof":"AAAA"}"#.to_owned(),
        format!(r#"{{"plain_proof":"AAAA","mining_job":{job_raw},"extra":1}}"#),
        format!(r#"{{"plain_proof":"not base64!","mining_job":{job_raw}}}"#),
        format!(
            r#"{{"plain_proof":"AAAA","mining_job":{}}}"#,
            job_raw.replace(r#", "cert_version": 3"#, "")
        ),
        format!(
            r#"{{"plain_proof":"AAAA","mining_job":{}}}"#,
            job_raw.replace(r#""cert_version": 3"#, r#""cert_version": 0"#)
        ),
        format!(
            r#"{{"plain_proof":"AAAA","mining_job":{}}}"#,
            job_raw.replace(&job.target.to_string(), "1.5e70")
        ),
        format!(
            r#"{{"plain_proof":"AAAA","mining_job":{}}}"#,
            job_raw.replace(&job.target.to_string(), "\"12\"")
        ),
        format!(
            r#"{{"plain_proof":"AAAA","mining_job":{}}}"#,
            job_raw.replace(&job.target.to_string(), "-1")
        ),
        r#"{"plain_proof":"AAAA","mining_job":[]}"#.to_owned(),
    ];
    for params in &bad {
        let (code, message, id) = raw.error(&submit_line(params)).await;
        assert_eq!(
            (code, message.as_str(), id),
            (-32602, "Invalid params", Value::from(5)),
            "{params}"
        );
    }
    // Schema-valid but undecodable proof: the server's catch-all answers -32000.
    let (code, _, _) = raw
        .error(&submit_line(&format!(
            r#"{{"plain_proof":"AAAA","mining_job":{job_raw}}}"#
        )))
        .await;
    assert_eq!(code, -32000);
    assert!(gateway.submissions().is_empty());
}

#[tokio::test]
async fn paused_and_queue_full() {
    let gateway = tcp_fake().await;
    let mut raw = Raw::connect(&gateway).await;
    gateway.pause();
    let (code, message, id) = raw
        .error(r#"{"jsonrpc":"2.0","method":"getMiningInfo","id":8}"#)
        .await;
    assert_eq!(
        (code, message.as_str(), id),
        (
            -32001,
            "mining_paused: no block template available",
            Value::from(8)
        )
    );
    gateway.resume();

    gateway.set_queue_capacity(1);
    gateway.hold_queue(true);
    let proof = pearl_protocol::PlainProof::default().to_base64();
    let params = easy_job().submit_plain_proof_params(&pearl_protocol::PlainProof::default());
    assert!(params.contains(&proof));
    assert_eq!(
        raw.send(submit_line(&params).as_bytes()).await,
        r#"{"jsonrpc": "2.0", "result": "submitted", "id": 5}"#
    );
    let (code, message, _) = raw.error(&submit_line(&params)).await;
    assert_eq!(
        (code, message.as_str()),
        (-32000, "proof submission queue full")
    );
    gateway.hold_queue(false);
    assert!(
        raw.send(submit_line(&params).as_bytes())
            .await
            .contains("submitted")
    );
    let submissions = gateway.submissions();
    assert_eq!(
        submissions.len(),
        2,
        "the queue-full attempt is not recorded"
    );
    assert!(
        submissions[0]
            .verdict
            .as_ref()
            .unwrap_err()
            .contains("verifier rejected")
    );
}

#[tokio::test]
async fn oversized_and_non_utf8_requests() {
    let gateway = tcp_fake().await;
    let mut raw = Raw::connect(&gateway).await;
    let (code, _, id) = {
        let reply: Value = serde_json::from_str(&raw.send(b"\xff\xfe").await).unwrap();
        (
            reply["error"]["code"].as_i64().unwrap(),
            (),
            reply["id"].clone(),
        )
    };
    assert_eq!((code, id), (-32000, Value::Null));
    let huge = vec![b' '; MAX_LINE_BYTES + 1];
    let reply: Value = serde_json::from_str(&raw.send(&huge).await).unwrap();
    assert_eq!(reply["error"]["code"], -32000);
    assert_eq!(reply["id"], Value::Null);
    // The over-long line was dropped whole; the connection reads on.
    assert!(
        raw.send(br#"{"jsonrpc":"2.0","method":"getMiningInfo","id":1}"#)
            .await
            .contains("result")
    );
    assert_eq!(
        gateway.requests().len(),
        2,
        "the oversized line is not kept"
    );
}
