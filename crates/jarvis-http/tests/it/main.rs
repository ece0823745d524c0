//! jarvis-http against a fake server speaking real HTTP.

use std::time::Duration;

use jarvis_http::{USER_AGENT, describe, http_client};
use jarvis_testkit::fake_ollama::FakeOllama;

#[tokio::test]
async fn requests_carry_jarvis_user_agent() {
    let fake = FakeOllama::start(vec!["m:latest".to_owned()], "hi").await;
    let client = http_client(Duration::from_secs(5), Some(Duration::from_secs(5))).unwrap();
    let response = client
        .get(format!("{}/api/tags", fake.url()))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].header("user-agent"), Some(USER_AGENT));
    assert!(USER_AGENT.starts_with("jarvis/"));
}

#[tokio::test]
async fn refused_connection_is_described_in_one_line() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = http_client(Duration::from_secs(2), Some(Duration::from_secs(2))).unwrap();
    let err = client
        .get(format!("http://127.0.0.1:{port}/x?secret=1"))
        .send()
        .await
        .unwrap_err();
    let text = describe(&err);
    assert_eq!(text, "connection refused or host unreachable");
    assert!(!text.contains("secret"));
}
