//! `pearl_rpc::pearld::PearldClient` against `FakePearld`, over HTTP and TLS.

use std::time::{Duration, Instant};

use base64::Engine as _;
use jarvis_testkit::{FakeMode, FakePearld, FakePearldOptions};
use pearl_rpc::pearld::{PearldClient, PearldEndpoint, PearldError};
use serde_json::{Value, json};

const USER: &str = "alice";
const PASSWORD: &str = "pw-Zq8x-never-printed";

fn options(mode: FakeMode) -> FakePearldOptions {
    FakePearldOptions {
        user: USER.to_owned(),
        password: PASSWORD.to_owned(),
        mode,
    }
}

fn endpoint(url: String, password: &str) -> PearldEndpoint {
    let mut endpoint = PearldEndpoint::new(url, USER, password);
    endpoint.timeout = Duration::from_secs(10);
    endpoint
}

fn client(fake: &FakePearld) -> PearldClient {
    let mut endpoint = endpoint(fake.url(), PASSWORD);
    endpoint.cert_path = fake.cert_path();
    PearldClient::new(endpoint).expect("valid endpoint")
}

/// Neither the password nor the Basic credentials may appear in an error's Display or Debug.
fn assert_no_secret(err: &PearldError) {
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains(PASSWORD), "password leaked: {text}");
        assert!(!text.contains(&basic), "credentials leaked: {text}");
        assert!(!text.contains("wrong-password"), "password leaked: {text}");
    }
}

#[tokio::test]
async fn healthy_node_reports_height_and_synced() {
    let fake = FakePearld::start(options(FakeMode::Healthy { height: 1234 })).await;
    let info = client(&fake).get_blockchain_info().await.unwrap();
    assert_eq!(info.chain, "mainnet");
    assert_eq!(info.blocks, 1234);
    assert_eq!(info.headers, 1234);
    assert_eq!(info.best_block_hash.len(), 64);
    assert_eq!(info.initial_block_download, None);
    assert!(info.is_synced());
}

#[tokio::test]
async fn syncing_node_is_not_synced_and_refuses_templates() {
    let fake = FakePearld::start(options(FakeMode::Syncing { height: 500 })).await;
    let client = client(&fake);
    // Like pearld, the fake's getblockchaininfo cannot tell: only getblocktemplate can.
    let info = client.get_blockchain_info().await.unwrap();
    assert_eq!((info.blocks, info.headers), (500, 500));
    assert_eq!(info.initial_block_download, None);
    let err = client
        .call("getblocktemplate", json!([]))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, PearldError::Rpc { code: -10, method, .. } if method == "getblocktemplate"),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("still downloading blocks"),
        "{err}"
    );
}

#[tokio::test]
async fn request_bytes_are_exactly_json_rpc_1_0_with_basic_auth() {
    let fake = FakePearld::start(options(FakeMode::Healthy { height: 1 })).await;
    client(&fake).get_blockchain_info().await.unwrap();
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/");
    assert!(request.raw.starts_with(b"POST / HTTP/1.1\r\n"));
    let expected_auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"))
    );
    assert_eq!(
        request.header("authorization"),
        Some(expected_auth.as_str())
    );
    assert_eq!(request.header("content-type"), Some("application/json"));
    let expected_body =
        br#"{"jsonrpc":"1.0","id":"pearl-rpc","method":"getblockchaininfo","params":[]}"#;
    assert_eq!(request.body, expected_body.to_vec());
    assert_eq!(
        request.header("content-length"),
        Some(expected_body.len().to_string().as_str())
    );
    assert_eq!(request.header("proxy-authorization"), None);
    assert_eq!(
        request.header("user-agent"),
        None,
        "no user agent unless one is given"
    );
}

#[tokio::test]
async fn the_caller_names_the_user_agent() {
    let fake = FakePearld::start(options(FakeMode::Healthy { height: 1 })).await;
    let mut endpoint = endpoint(fake.url(), PASSWORD);
    endpoint.user_agent = Some("some-miner/1.2".to_owned());
    let client = PearldClient::new(endpoint).expect("valid endpoint");
    client.get_blockchain_info().await.unwrap();
    let requests = fake.requests();
    assert_eq!(requests[0].header("user-agent"), Some("some-miner/1.2"));
}

#[tokio::test]
async fn params_are_sent_as_an_array() {
    let fake = FakePearld::start(options(FakeMode::Healthy { height: 1 })).await;
    let client = client(&fake);
    client
        .call_nullable("submitblock", json!("00ff"))
        .await
        .unwrap();
    client.call("getblockcount", Value::Null).await.unwrap();
    let bodies: Vec<Value> = fake.requests().iter().filter_map(|r| r.json()).collect();
    assert_eq!(bodies[0]["params"], json!(["00ff"]));
    assert_eq!(bodies[1]["params"], json!([]));
}

#[tokio::test]
async fn wrong_password_is_unauthorized() {
    let fake = FakePearld::start(options(FakeMode::Healthy { height: 1 })).await;
    let client = PearldClient::new(endpoint(fake.url(), "wrong-password")).unwrap();
    let err = client.get_blockchain_info().await.unwrap_err();
    assert!(
        matches!(&err, PearldError::Unauthorized { user, .. } if user == USER),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("rpcuser/rpcpass") && text.contains("HTTP 401"),
        "{text}"
    );
    assert_no_secret(&err);
}

#[tokio::test]
async fn json_rpc_error_is_an_error() {
    let fake = FakePearld::start(options(FakeMode::RpcError {
        code: -28,
        message: "Loading block index...".to_owned(),
    }))
    .await;
    let err = client(&fake).get_blockchain_info().await.unwrap_err();
    match &err {
        PearldError::Rpc {
            method,
            code,
            message,
        } => {
            assert_eq!(method, "getblockchaininfo");
            assert_eq!(*code, -28);
            assert_eq!(message, "Loading block index...");
        }
        other => panic!("expected Rpc, got {other:?}"),
    }
    assert_no_secret(&err);
}

#[tokio::test]
async fn null_result_is_an_error_unless_nullable() {
    let fake = FakePearld::start(options(FakeMode::NullResult)).await;
    let client = client(&fake);
    let err = client.get_blockchain_info().await.unwrap_err();
    assert!(
        matches!(&err, PearldError::NullResult { method } if method == "getblockchaininfo"),
        "{err:?}"
    );
    assert_no_secret(&err);
    assert_eq!(
        client
            .call_nullable("getblockcount", json!([]))
            .await
            .unwrap(),
        Value::Null
    );
}

#[tokio::test]
async fn unknown_method_is_method_not_found() {
    let fake = FakePearld::start(options(FakeMode::Healthy { height: 1 })).await;
    let err = client(&fake).call("getwork", json!([])).await.unwrap_err();
    assert!(
        matches!(err, PearldError::Rpc { code: -32601, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn block_template_carries_pearl_fields() {
    let fake = FakePearld::start(options(FakeMode::Healthy { height: 41 })).await;
    let template = client(&fake)
        .call("getblocktemplate", json!([]))
        .await
        .unwrap();
    assert_eq!(template["height"], json!(42));
    assert_eq!(template["bits"], json!("1b00ffff"));
    assert_eq!(template["requiredcertversion"], json!(3));
    let target = template["target"].as_str().unwrap();
    assert_eq!(target.len(), 64);
    assert!(target.starts_with("000000000000ffff"));
    let count = client(&fake)
        .call("getblockcount", json!([]))
        .await
        .unwrap();
    assert_eq!(count, json!(41));
    let mining = client(&fake)
        .call("getmininginfo", json!([]))
        .await
        .unwrap();
    assert_eq!(mining["blocks"], json!(41));
}

#[tokio::test]
async fn hanging_node_times_out_within_the_timeout() {
    let fake = FakePearld::start(options(FakeMode::Hang)).await;
    let mut endpoint = endpoint(fake.url(), PASSWORD);
    endpoint.timeout = Duration::from_millis(300);
    let client = PearldClient::new(endpoint).unwrap();
    let started = Instant::now();
    let err = client.get_blockchain_info().await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(matches!(err, PearldError::Timeout { .. }), "{err:?}");
    // Generous slack: this guards against "never returns", not against a slow machine.
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    assert_eq!(
        fake.requests().len(),
        1,
        "the fake must have read the request"
    );
    assert_no_secret(&err);
}

#[tokio::test]
async fn closed_port_is_refused() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let client = PearldClient::new(endpoint(format!("http://127.0.0.1:{port}"), PASSWORD)).unwrap();
    let err = client.get_blockchain_info().await.unwrap_err();
    assert!(matches!(err, PearldError::Refused { .. }), "{err:?}");
    assert!(err.to_string().contains("is pearld running?"), "{err}");
    assert_no_secret(&err);
}

#[tokio::test]
async fn connection_closed_without_answer_is_bad_response() {
    let fake = FakePearld::start(options(FakeMode::CloseImmediately)).await;
    let err = client(&fake).get_blockchain_info().await.unwrap_err();
    assert!(matches!(err, PearldError::BadResponse { .. }), "{err:?}");
    assert_no_secret(&err);
}

#[tokio::test]
async fn tls_with_pearlds_certificate_works() {
    let fake = FakePearld::start_tls(options(FakeMode::Healthy { height: 77 })).await;
    assert!(fake.url().starts_with("https://127.0.0.1:"));
    let info = client(&fake).get_blockchain_info().await.unwrap();
    assert_eq!(info.blocks, 77);
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn tls_with_a_different_certificate_fails() {
    let fake = FakePearld::start_tls(options(FakeMode::Healthy { height: 1 })).await;
    let other = FakePearld::start_tls(options(FakeMode::Healthy { height: 1 })).await;
    let mut endpoint = endpoint(fake.url(), PASSWORD);
    endpoint.cert_path = other.cert_path();
    let err = PearldClient::new(endpoint)
        .unwrap()
        .get_blockchain_info()
        .await
        .unwrap_err();
    assert!(matches!(err, PearldError::Tls { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("is not the one in"), "{text}");
    assert!(text.contains("trust its certificate"), "{text}");
    assert!(
        fake.requests().is_empty(),
        "no request may pass an untrusted handshake"
    );
    assert_no_secret(&err);
}

#[tokio::test]
async fn tls_without_a_certificate_is_not_trusted() {
    let fake = FakePearld::start_tls(options(FakeMode::Healthy { height: 1 })).await;
    let client = PearldClient::new(endpoint(fake.url(), PASSWORD)).unwrap();
    let err = client.get_blockchain_info().await.unwrap_err();
    assert!(matches!(err, PearldError::Tls { .. }), "{err:?}");
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn https_against_a_plain_http_node_is_a_tls_error() {
    let fake = FakePearld::start(options(FakeMode::Healthy { height: 1 })).await;
    let https_url = fake.url().replacen("http://", "https://", 1);
    let tls_fake = FakePearld::start_tls(options(FakeMode::Healthy { height: 1 })).await;
    let mut endpoint = endpoint(https_url, PASSWORD);
    endpoint.cert_path = tls_fake.cert_path();
    let err = PearldClient::new(endpoint)
        .unwrap()
        .get_blockchain_info()
        .await
        .unwrap_err();
    assert!(matches!(err, PearldError::Tls { .. }), "{err:?}");
    assert!(err.to_string().contains("--notls"), "{err}");
}

#[tokio::test]
async fn http_against_a_tls_node_gets_gos_400_and_a_hint() {
    let fake = FakePearld::start_tls(options(FakeMode::Healthy { height: 1 })).await;
    let http_url = fake.url().replacen("https://", "http://", 1);
    let err = PearldClient::new(endpoint(http_url, PASSWORD))
        .unwrap()
        .get_blockchain_info()
        .await
        .unwrap_err();
    assert!(
        matches!(err, PearldError::Http { status: 400, .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("Client sent an HTTP request to an HTTPS server"),
        "{text}"
    );
    assert!(text.contains("--notls"), "{text}");
    assert_no_secret(&err);
}

#[tokio::test]
async fn mode_can_change_while_running() {
    let fake = FakePearld::start(options(FakeMode::Syncing { height: 1 })).await;
    let client = client(&fake);
    assert!(client.call("getblocktemplate", json!([])).await.is_err());
    fake.set_mode(FakeMode::Healthy { height: 2 });
    assert!(client.call("getblocktemplate", json!([])).await.is_ok());
}
