//! The fake's bytes on the wire, checked over raw TCP against what btcd/Go write.

use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine as _;
use jarvis_testkit::{FakeMode, FakePearld, FakePearldOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn exchange(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    let work = async {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(request).await.unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        answer
    };
    tokio::time::timeout(Duration::from_secs(10), work)
        .await
        .expect("the fake must answer and close")
}

fn post(body: &str, auth: Option<&str>) -> Vec<u8> {
    let mut head = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(credentials) = auth {
        let encoded = base64::engine::general_purpose::STANDARD.encode(credentials);
        head.push_str(&format!("Authorization: Basic {encoded}\r\n"));
    }
    head.push_str("\r\n");
    head.push_str(body);
    head.into_bytes()
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap()
}

const BODY: &str = r#"{"jsonrpc":"1.0","id":"t","method":"getblockcount","params":[]}"#;

#[tokio::test]
async fn success_is_btcds_hijacked_reply() {
    let fake = FakePearld::start(FakePearldOptions::default()).await;
    let answer = text(exchange(fake.addr(), &post(BODY, Some("rpcuser:rpcpass"))).await);
    assert_eq!(
        answer,
        "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n\
         {\"jsonrpc\":\"1.0\",\"result\":1000,\"error\":null,\"id\":\"t\"}\n"
    );
}

#[tokio::test]
async fn missing_or_wrong_auth_is_gos_401() {
    let fake = FakePearld::start(FakePearldOptions::default()).await;
    for auth in [None, Some("rpcuser:nope"), Some("rpcuser")] {
        let answer = text(exchange(fake.addr(), &post(BODY, auth)).await);
        assert!(
            answer.starts_with(
                "HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\
                 Content-Type: text/plain; charset=utf-8\r\n\
                 Www-Authenticate: Basic realm=\"pearld RPC\"\r\n\
                 X-Content-Type-Options: nosniff\r\nDate: "
            ),
            "{answer}"
        );
        assert!(
            answer.ends_with(" GMT\r\nContent-Length: 18\r\n\r\n401 Unauthorized.\n"),
            "{answer}"
        );
    }
}

/// btcd compares the whole header with `Basic <base64(user:pass)>`: a lower-case scheme or
/// unpadded base64 carries the right credentials yet is refused.
#[tokio::test]
async fn non_canonical_basic_auth_is_refused() {
    let fake = FakePearld::start(FakePearldOptions::default()).await;
    let padded = base64::engine::general_purpose::STANDARD.encode("rpcuser:rpcpas");
    let unpadded = padded.trim_end_matches('=');
    assert_ne!(padded, unpadded, "the credentials must need padding");
    let good = base64::engine::general_purpose::STANDARD.encode("rpcuser:rpcpass");
    for value in [format!("basic {good}"), format!("BASIC {good}")] {
        let request = String::from_utf8(post(BODY, None)).unwrap().replacen(
            "\r\n\r\n",
            &format!("\r\nAuthorization: {value}\r\n\r\n"),
            1,
        );
        let answer = text(exchange(fake.addr(), request.as_bytes()).await);
        assert!(
            answer.starts_with("HTTP/1.1 401 Unauthorized\r\n"),
            "{answer}"
        );
    }
    let fake = FakePearld::start(FakePearldOptions {
        password: "rpcpas".to_owned(),
        ..FakePearldOptions::default()
    })
    .await;
    let request = String::from_utf8(post(BODY, None)).unwrap().replacen(
        "\r\n\r\n",
        &format!("\r\nAuthorization: Basic {unpadded}\r\n\r\n"),
        1,
    );
    let answer = text(exchange(fake.addr(), request.as_bytes()).await);
    assert!(
        answer.starts_with("HTTP/1.1 401 Unauthorized\r\n"),
        "{answer}"
    );
    let answer = text(exchange(fake.addr(), &post(BODY, Some("rpcuser:rpcpas"))).await);
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
}

#[tokio::test]
async fn get_without_body_is_a_parse_error() {
    let fake = FakePearld::start(FakePearldOptions::default()).await;
    let encoded = base64::engine::general_purpose::STANDARD.encode("rpcuser:rpcpass");
    let request = format!("GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {encoded}\r\n\r\n");
    let answer = text(exchange(fake.addr(), request.as_bytes()).await);
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(
        answer.ends_with(
            "{\"jsonrpc\":\"1.0\",\"result\":null,\"error\":{\"code\":-32700,\"message\":\
             \"Failed to parse request: unexpected end of JSON input\"},\"id\":null}\n"
        ),
        "{answer}"
    );
}

#[tokio::test]
async fn invalid_json_and_unknown_method() {
    let fake = FakePearld::start(FakePearldOptions::default()).await;
    let answer = text(exchange(fake.addr(), &post("{oops", Some("rpcuser:rpcpass"))).await);
    assert!(
        answer.contains(r#""error":{"code":-32700,"message":"Failed to parse request: "#),
        "{answer}"
    );
    let body = r#"{"jsonrpc":"1.0","id":"t","method":"nosuch","params":[]}"#;
    let answer = text(exchange(fake.addr(), &post(body, Some("rpcuser:rpcpass"))).await);
    let expected = concat!(
        r#"{"jsonrpc":"1.0","result":null,"error":{"code":-32601,"message":"Method not found"},"id":"t"}"#,
        "\n"
    );
    assert!(answer.ends_with(expected), "{answer}");
}

#[tokio::test]
async fn request_without_id_gets_no_answer_at_all() {
    let fake = FakePearld::start(FakePearldOptions::default()).await;
    let body = r#"{"jsonrpc":"1.0","method":"getblockcount","params":[]}"#;
    let answer = exchange(fake.addr(), &post(body, Some("rpcuser:rpcpass"))).await;
    assert!(answer.is_empty(), "{answer:?}");
}

#[tokio::test]
async fn garbage_is_a_400() {
    let fake = FakePearld::start(FakePearldOptions::default()).await;
    let answer = text(exchange(fake.addr(), b"HELLO\r\n\r\n").await);
    assert!(
        answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
        "{answer}"
    );
}

#[tokio::test]
async fn close_immediately_closes_without_reading() {
    let fake = FakePearld::start(FakePearldOptions {
        mode: FakeMode::CloseImmediately,
        ..FakePearldOptions::default()
    })
    .await;
    let answer = exchange(fake.addr(), &post(BODY, Some("rpcuser:rpcpass"))).await;
    assert!(answer.is_empty());
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn dropping_the_fake_stops_it() {
    let fake = FakePearld::start(FakePearldOptions::default()).await;
    let addr = fake.addr();
    drop(fake);
    // Give the aborted accept loop a moment to release the socket.
    let mut refused = false;
    for _ in 0..100 {
        if TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(refused, "the listener must be closed after drop");
}
