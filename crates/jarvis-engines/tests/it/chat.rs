//! Chat turns against the fakes: SSE streaming, NDJSON streaming, non-streamed replies, errors,
//! slow and hung servers, and API keys.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jarvis_engines::{ChatRequest, Engine, EngineError, Origin, Protocol, chat};
use jarvis_http::http_client;
use jarvis_testkit::fake_ollama::FakeOllama;
use jarvis_testkit::fake_vllm::{FakeVllm, FakeVllmOptions, VllmFault};

const MODEL: &str = "pearl-ai/Llama-3.3-70B-Instruct-pearl";

fn engine(protocol: Protocol, url: &str) -> Engine {
    Engine {
        id: "e".into(),
        protocol,
        url: url.into(),
        model: None,
        api_key_env: None,
        origin: Origin::Config,
    }
}

fn request(model: &str, stream: bool) -> ChatRequest {
    ChatRequest {
        prompt: "say something".into(),
        model: model.into(),
        stream,
        max_tokens: None,
        idle_timeout: Duration::from_secs(5),
    }
}

fn client() -> reqwest::Client {
    http_client(Duration::from_secs(5), None).unwrap()
}

/// Runs a chat and collects the pieces `on_text` saw.
async fn run(
    engine: &Engine,
    req: &ChatRequest,
) -> (
    Result<jarvis_engines::ChatOutcome, EngineError>,
    Vec<String>,
) {
    let pieces = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&pieces);
    let mut on_text = move |t: &str| sink.lock().unwrap().push(t.to_owned());
    let out = chat(&client(), engine, req, &mut on_text).await;
    let pieces = pieces.lock().unwrap().clone();
    (out, pieces)
}

#[tokio::test]
async fn openai_streaming_delivers_each_token_and_usage() {
    let fake = FakeVllm::start(FakeVllmOptions::default()).await;
    let e = engine(Protocol::OpenAi, &fake.v1_url());
    let (out, pieces) = run(&e, &request(MODEL, true)).await;
    let out = out.unwrap();
    assert_eq!(pieces, ["Pearl", " mines", " while", " it", " answers."]);
    assert_eq!(out.text, "Pearl mines while it answers.");
    assert_eq!(out.completion_tokens, 5);
    assert_eq!(out.prompt_tokens, Some(3));
    assert_eq!(out.finish_reason.as_deref(), Some("stop"));
    assert!(out.first_token_ms.is_some());
    let sent = fake.requests()[0].json().unwrap();
    assert_eq!(sent["stream"], true);
    assert_eq!(sent["stream_options"]["include_usage"], true);
    assert_eq!(sent["messages"][0]["content"], "say something");
    assert_eq!(fake.requests()[0].path, "/v1/chat/completions");
}

#[tokio::test]
async fn openai_non_streaming_and_max_tokens() {
    let fake = FakeVllm::start(FakeVllmOptions::default()).await;
    let e = engine(Protocol::OpenAi, &fake.v1_url());
    let mut req = request(MODEL, false);
    req.max_tokens = Some(2);
    let (out, pieces) = run(&e, &req).await;
    let out = out.unwrap();
    assert_eq!(out.text, "Pearl mines");
    assert_eq!(pieces, ["Pearl mines"]);
    assert_eq!(out.completion_tokens, 2);
    assert_eq!(out.finish_reason.as_deref(), Some("length"));
    assert_eq!(out.first_token_ms, None);
    assert_eq!(fake.requests()[0].json().unwrap()["max_tokens"], 2);
}

#[tokio::test]
async fn slow_streams_still_complete_in_order() {
    let fake = FakeVllm::start(FakeVllmOptions {
        fault: VllmFault::Slow(Duration::from_millis(20)),
        ..FakeVllmOptions::default()
    })
    .await;
    let (out, pieces) = run(
        &engine(Protocol::OpenAi, &fake.v1_url()),
        &request(MODEL, true),
    )
    .await;
    assert_eq!(pieces, ["Pearl", " mines", " while", " it", " answers."]);
    assert_eq!(out.unwrap().text, pieces.concat());
}

#[tokio::test]
async fn ollama_streams_ndjson() {
    let fake = FakeOllama::start(vec!["llama3.2:latest".into()], "hello from ollama").await;
    let e = engine(Protocol::Ollama, &fake.url());
    let (out, pieces) = run(&e, &request("llama3.2:latest", true)).await;
    let out = out.unwrap();
    assert_eq!(pieces, ["hello", " from", " ollama"]);
    assert_eq!(out.completion_tokens, 3);
    assert_eq!(out.prompt_tokens, Some(8));
    assert_eq!(out.finish_reason.as_deref(), Some("stop"));
    assert_eq!(fake.requests()[0].path, "/api/chat");
    let (out, _) = run(&e, &request("llama3.2:latest", false)).await;
    assert_eq!(out.unwrap().text, "hello from ollama");
}

#[tokio::test]
async fn unknown_model_is_an_http_error_with_the_servers_message() {
    let fake = FakeVllm::start(FakeVllmOptions::default()).await;
    let (out, pieces) = run(
        &engine(Protocol::OpenAi, &fake.v1_url()),
        &request("nope", true),
    )
    .await;
    let err = out.unwrap_err();
    assert!(
        matches!(err, EngineError::Http { status: 404, .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("The model `nope` does not exist."), "{msg}");
    assert!(msg.contains("--model"), "{msg}");
    assert!(pieces.is_empty());
    let ollama = FakeOllama::start(vec!["a".into()], "x").await;
    let (out, _) = run(
        &engine(Protocol::Ollama, &ollama.url()),
        &request("b", true),
    )
    .await;
    assert!(
        out.unwrap_err()
            .to_string()
            .contains("model \"b\" not found")
    );
}

#[tokio::test]
async fn server_errors_and_hangs_fail_cleanly() {
    let fake = FakeVllm::start(FakeVllmOptions {
        fault: VllmFault::Status {
            code: 500,
            message: "CUDA out of memory".into(),
        },
        ..FakeVllmOptions::default()
    })
    .await;
    let e = engine(Protocol::OpenAi, &fake.v1_url());
    let err = run(&e, &request(MODEL, true)).await.0.unwrap_err();
    assert!(
        err.to_string().contains("HTTP 500: CUDA out of memory"),
        "{err}"
    );
    fake.set_fault(VllmFault::Hang);
    let mut req = request(MODEL, true);
    req.idle_timeout = Duration::from_millis(200);
    let err = run(&e, &req).await.0.unwrap_err();
    assert!(matches!(err, EngineError::Unreachable { .. }), "{err:?}");
    assert!(err.to_string().contains("timed out"), "{err}");
}

#[tokio::test]
async fn api_key_goes_as_bearer_only_when_set() {
    let fake = FakeVllm::start(FakeVllmOptions::default()).await;
    let mut e = engine(Protocol::OpenAi, &fake.v1_url());
    e.api_key_env = Some("JARVIS_ENGINES_TEST_KEY_UNSET".into());
    run(&e, &request(MODEL, false)).await.0.unwrap();
    assert_eq!(fake.requests()[0].header("authorization"), None);
    // PATH is always set; using it as the key name proves the header comes from the env var.
    e.api_key_env = Some("PATH".into());
    run(&e, &request(MODEL, false)).await.0.unwrap();
    let expected = format!("Bearer {}", std::env::var("PATH").unwrap());
    assert_eq!(
        fake.requests()[1].header("authorization"),
        Some(expected.as_str())
    );
}
